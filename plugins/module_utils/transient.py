# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Riding through transient faults: an API answering 5xx, a connection reset, a timeout.

``Transient(is_transient, window_seconds).call(fn)`` calls fn again after 1, 2, 4, 8, 15, 15 ... seconds
while it fails with an error the platform calls transient, until window_seconds have passed since the
first failure; then the last error is raised, carrying ``retried_seconds`` for the message. ``Outage``
is the same bookkeeping for a caller with its own loop (the move runner polls many moves at once).
Pure Python: no Ansible import.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl
import time
from http.client import responses as HTTP_REASONS

DEFAULT_WINDOW_SECONDS = 120
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 15.0
TRANSIENT_HTTP_STATUS = (500, 502, 503, 504)


def backoff_seconds(failures, first_seconds=FIRST_DELAY_SECONDS, max_seconds=MAX_DELAY_SECONDS):
    """The wait after the n-th failure in a row: 1 s, doubling, at most 15 s."""
    return min(max_seconds, first_seconds * 2 ** max(0, failures - 1))


def retried_seconds(error):
    """How long the error's call was retried before it was given up (None when it was not retried)."""
    return getattr(error, "retried_seconds", None)


def retried_text(error):
    """'; retried for 12 s' for an error given up after retries, else ''."""
    seconds = retried_seconds(error)
    return "; retried for %d s" % round(seconds) if seconds is not None else ""


class Outage:
    """Failures in a row of one call (or one move's polls): since when, how many, when to try next."""

    def __init__(self, window_seconds, clock=time.monotonic):
        self.window_seconds = window_seconds
        self.clock = clock
        self.since = None
        self.failures = 0
        self.last_error = None
        self.next_try_at = None

    def failed(self, error):
        """Note a failure; the seconds to wait before the next try, or None when the window is over."""
        now = self.clock()
        if self.since is None:
            self.since = now
        self.failures += 1
        self.last_error = error
        end = self.since + self.window_seconds
        if now >= end:
            self.next_try_at = None
            return None
        delay = min(backoff_seconds(self.failures), end - now)
        self.next_try_at = now + delay
        return delay

    def due(self):
        """True when the next try may be made now."""
        return self.next_try_at is None or self.clock() >= self.next_try_at

    @property
    def elapsed_seconds(self):
        return self.clock() - self.since if self.since is not None else 0.0

    def give_up(self):
        """The last error, marked with how long it was retried; raise it (or describe it) after this."""
        mark_retried(self.last_error, self.elapsed_seconds if self.failures > 1 else None)
        return self.last_error


def mark_retried(error, seconds):
    """Record on the error how long it was retried (errors that refuse attributes are left as they are)."""
    if seconds is None:
        return
    try:
        error.retried_seconds = seconds
    except (AttributeError, TypeError):
        pass


class Transient:
    """Calls a function again while it fails transiently, within a window since the first failure.

    is_transient(error) says which errors are worth waiting out; window_seconds 0 disables retrying. An
    error already given up by an inner retry (it carries retried_seconds) is not retried again.
    on_retry(error, delay_seconds) runs before each wait (a module drops its connection there).
    """

    def __init__(self, is_transient, window_seconds=DEFAULT_WINDOW_SECONDS, clock=time.monotonic, sleep=time.sleep,
                 on_retry=None):
        self.is_transient = is_transient
        self.window_seconds = window_seconds or 0
        self.clock = clock
        self.sleep = sleep
        self.on_retry = on_retry
        self.outages = []

    def retries(self, error):
        """True when the error is one to wait out (transient, not already retried, retrying enabled)."""
        return (self.window_seconds > 0 and retried_seconds(error) is None
                and bool(self.is_transient(error)))

    def call(self, fn, *args, **kwargs):
        """fn's result; the last error once the window is over (with retried_seconds), others at once."""
        outage = None
        while True:
            try:
                result = fn(*args, **kwargs)
            except Exception as error:  # pylint: disable=broad-except
                if not self.retries(error):
                    raise
                if outage is None:
                    outage = Outage(self.window_seconds, self.clock)
                    self.outages.append(outage)
                delay = outage.failed(error)
                if delay is None:
                    raise outage.give_up()
                if self.on_retry is not None:
                    self.on_retry(error, delay)
                self.sleep(delay)
                continue
            return result


# ---------------------------------------------------------------------------------------------
# Reading an error for the classifiers and the messages (any client library: duck-typed)


def error_chain(error):
    """The error and the ones it was raised from or while handling (client libraries wrap each other's)."""
    chain = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def http_status(error):
    """The HTTP status an error carries (status_code, http_status, code or its response), else None."""
    for name in ("status_code", "http_status", "code"):
        value = getattr(error, name, None)
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    response = getattr(error, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) else None


def status_text(status, reason=None):
    """'503 Service Unavailable'."""
    reason = reason or HTTP_REASONS.get(status, "")
    return ("%s %s" % (status, reason)).strip()


def failing_request(chain):
    """'GET http://host/compute/v2.1/servers/...' of the request that failed, from the errors' request or
    response objects (requests and the OpenStack clients keep them), else None."""
    for error in chain:
        response = getattr(error, "response", None)
        request = getattr(response, "request", None) or getattr(error, "request", None)
        method, url = getattr(request, "method", None), getattr(request, "url", None)
        if not (isinstance(method, str) and isinstance(url, str)):
            method, url = getattr(error, "method", None), getattr(error, "url", None)
        if isinstance(method, str) and isinstance(url, str) and method and url:
            return "%s %s" % (method.upper(), url)
    return None


def response_reason(chain):
    """The reason phrase of the first HTTP response in the chain ('Service Unavailable'), else None."""
    for error in chain:
        reason = getattr(getattr(error, "response", None), "reason", None)
        if isinstance(reason, str) and reason:
            return reason
    return None


def is_tls_failure(chain):
    """True when TLS failed (a certificate that cannot be verified, a protocol mismatch): never worth waiting out."""
    return any(isinstance(e, ssl.SSLCertVerificationError) or type(e).__name__ == "SSLError" for e in chain)


def connection_trouble(chain):
    """What happened to the connection, in words ('the connection was reset'), or None when it was fine."""
    for error in chain:
        if isinstance(error, ConnectionResetError):
            return "the connection was reset (%s)" % (error or "connection reset by peer")
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, ConnectionAbortedError):
            return "the connection was aborted (%s)" % error
        if isinstance(error, BrokenPipeError):
            return "the connection broke (%s)" % error
    for error in chain:
        if isinstance(error, (TimeoutError, socket.timeout)) or "Timeout" in type(error).__name__:
            return "no answer in time (%s)" % error
    return None
