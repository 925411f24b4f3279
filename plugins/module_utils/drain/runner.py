# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a placement plan with a platform adapter: waves in order, fallbacks, stalls, timeout, outages.

Platform code only implements the adapter (start, poll, abort, force_complete, and optionally started,
is_transient, describe_error); the order, the parallelism, the fallback chain and riding through a
transient API outage live here, once, for every platform.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.interrupted import (  # noqa: F401
    DrainInterrupted, plain_error_text)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.downtime import downtime_free
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import METHODS
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import (
    DEFAULT_WINDOW_SECONDS, Outage, Transient, retried_text)

RUNNING, DONE, FAILED = "running", "done", "failed"


def move_downtime(method, power_state, source_down=False):
    """True when moving a VM by method stops it: a running VM moved by anything but live or storage migration,
    except a failover off a host that is already down (the VM was down before the move)."""
    return not downtime_free(method, power_state, source_down)


class MoveStatus:
    """What a platform reports about one move in flight."""

    def __init__(self, state, progress=None, detail="", host=None, copying=True, percent=None,
                 target_refused=False):
        self.state = state
        self.target_refused = target_refused
        self.percent = percent
        self.progress = progress
        self.detail = detail
        self.host = host
        self.copying = copying


class MoveAdapter:
    """The platform side of a move; subclasses talk to nova, vCenter or the cluster service.

    ``is_transient(error)`` says which errors of the platform's client are worth waiting out (an API answering
    5xx, a reset connection), ``retry_seconds`` how long, and ``describe_error(error)`` names the cause and the
    endpoint for the user. ``started(move, method)`` re-reads, after start() failed transiently, whether the
    move began anyway, so that the runner never starts it twice.
    """

    methods = METHODS
    retry_seconds = DEFAULT_WINDOW_SECONDS

    def start(self, move, method):
        """Start moving move['vm'] to move['target'] by method; returns a handle for poll()."""
        raise NotImplementedError

    def started(self, move, method):
        """A handle for poll() when the platform shows this move under way (or done) already, else None."""
        return None

    def poll(self, handle):
        """A MoveStatus for the handle."""
        raise NotImplementedError

    def abort(self, handle):
        raise NotImplementedError

    def force_complete(self, handle):
        raise NotImplementedError

    def is_transient(self, error):
        """True for an error worth waiting out (the platform is briefly unreachable); none by default."""
        return False

    def describe_error(self, error):
        """The user-facing text of a platform error: what failed, where."""
        return plain_error_text(error)


class MoveResult:
    """Per-VM outcome, returned to the user."""

    def __init__(self, move):
        self.move = move
        self.attempts = []
        self.started = None
        self.finished = None
        self.final_host = move["source"]
        self.method = None
        self.error = None
        self.progress = None
        self.progress_at = None
        self.percent = None
        self.in_flight = False
        self.started_methods = []
        self.planned_target = move["target"]

    def status(self):
        """moved, failed, in_flight (the runner stopped while it moved), or not_started (never tried)."""
        if self.started is None:
            return "not_started"
        if self.in_flight:
            return "in_flight"
        return "moved" if self.error is None and self.method else "failed"

    def downtime(self):
        """True when a method the platform actually carried out stopped the VM (a live move that fell back to a
        cold one did); the plan's own ``downtime`` is what was planned."""
        power = self.move.get("power_state") or ("on" if self.move.get("method") == "live" else None)
        return any(move_downtime(m, power, bool(self.move.get("source_down"))) for m in self.started_methods)

    def as_dict(self):
        return {
            "vm": self.move["vm"], "source": self.move["source"], "target": self.move["target"],
            "wave": self.move.get("wave"), "method": self.method, "attempts": self.attempts,
            "memory_mb": self.move.get("memory_mb"),
            "duration_seconds": round((self.finished or 0) - (self.started or 0), 2) if self.started else 0,
            "final_host": self.final_host, "error": self.error,
            "status": self.status(), "downtime": self.downtime(),
            "planned_target": self.planned_target,
        }


def fallback_methods(first, allowed, supported):
    """The planned method, then the later allowed ones the platform supports, in canonical order."""
    start = METHODS.index(first)
    return [m for m in METHODS[start:] if m in allowed and m in supported]


class _Flight:
    """One move the runner watches: its result, the methods left, the platform's handle, a current outage."""

    def __init__(self, result, methods):
        self.result = result
        self.methods = methods
        self.method = None
        self.handle = None
        self.outage = None
        self.over = False
        self.refused_hosts = set()
        self.refused_since = None
        self.deferred_until = None


class PlanRunner:
    """Runs a plan's moves wave by wave and watches them until done, failed or stalled.

    A transient error (``is_transient``, by default the adapter's) from poll() does not end a move: the move
    stays active and its state is read again from the platform at the next tries (1 s, 2 s ... 15 s apart);
    only when ``retry_seconds`` (default the adapter's) have passed since that move's first failed poll in a
    row does it fail, with ``describe_error``'s text of the cause. Each outage is counted on the move's attempt
    (``interruptions``, ``interrupted_seconds``). A transient error from start() is retried by the same method
    within the window, after asking ``adapter.started()`` whether the move began anyway.
    """

    def __init__(self, adapter, allowed_methods, stall_seconds=120, on_stall="abort", timeout=3600,
                 poll_seconds=2.0, progress=None, clock=time.monotonic, sleep=time.sleep,
                 is_transient=None, retry_seconds=None, describe_error=None, retarget=None,
                 refused_wait_seconds=150, refused_retry_seconds=15):
        self.adapter = adapter
        self.retarget = retarget
        self.refused_wait_seconds = refused_wait_seconds
        self.refused_retry_seconds = refused_retry_seconds
        self.results = []
        self.allowed = allowed_methods
        self.stall_seconds = stall_seconds
        self.on_stall = on_stall
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.progress = progress
        self.clock = clock
        self.sleep = sleep
        self.is_transient = is_transient or getattr(adapter, "is_transient", None) or (lambda error: False)
        if retry_seconds is None:
            retry_seconds = getattr(adapter, "retry_seconds", DEFAULT_WINDOW_SECONDS)
        self.retry_seconds = max(0, retry_seconds or 0)
        self.describe_error = describe_error or getattr(adapter, "describe_error", None) or plain_error_text

    def run(self, moves):
        """Results for every move, in plan order; stops starting new waves after a failure.

        An unexpected error (anything but a refusal or a transient error) raises DrainInterrupted carrying
        every move's result: those done or failed as they ended, those under way ``in_flight``, the rest
        ``not_started``; the original error is its ``cause``.
        """
        results = self.results = [MoveResult(m) for m in moves]
        deadline = self.clock() + self.timeout
        waves = sorted(set((m.get("step") or 0, m.get("wave") or 0) for m in moves))
        try:
            for key in waves:
                batch = [r for r in results if (r.move.get("step") or 0, r.move.get("wave") or 0) == key]
                self._run_wave(batch, deadline)
                if any(r.error for r in batch):
                    for rest in results:
                        if rest.started is None:
                            rest.error = "not started: an earlier wave failed"
                    break
        except Exception as error:  # pylint: disable=broad-except
            raise self._interrupted(results, error)
        return results

    def _run_wave(self, batch, deadline):
        active = []
        for result in batch:
            methods = fallback_methods(result.move["method"], self.allowed.get(result.move["vm"], METHODS),
                                       self.adapter.methods)
            result.started = self.clock()
            flight = _Flight(result, methods)
            self._start_next(flight)
            active.append(flight)
        active = [f for f in active if not f.over]
        while active:
            for flight in active:
                if flight.outage is not None and not flight.outage.due():
                    continue
                if flight.deferred_until is not None:
                    if self.clock() >= flight.deferred_until:
                        self._resume_deferred(flight)
                    continue
                if flight.handle is None:
                    self._retry_start(flight)
                else:
                    self._advance(flight, deadline)
            active = [f for f in active if not f.over]
            if active:
                self.sleep(self.poll_seconds)

    # ------------------------------------------------------------------------------------- starting

    def _start_next(self, flight):
        """Start the first method left that the platform accepts; the move is over when none is left."""
        result = flight.result
        while flight.methods:
            method = flight.methods.pop(0)
            result.attempts.append({"method": method})
            if self._try_start(flight, method) != "refused":
                return
        result.method = None
        result.finished = self.clock()
        flight.over = True

    def _retry_start(self, flight):
        """After a transient failure to start: started already? else start again; the next method if refused."""
        if self._try_start(flight, flight.method, again=True) == "refused":
            self._start_next(flight)

    def _try_start(self, flight, method, again=False):
        """'started', 'waiting' (a transient error, retried later), 'refused' or 'gave_up' (window over)."""
        result = flight.result
        flight.method = method
        try:
            handle = self.adapter.started(result.move, method) if again and hasattr(self.adapter, "started") else None
            if handle is None:
                handle = self.adapter.start(result.move, method)
        except MoveRefused as refused:
            result.attempts[-1]["error"] = str(refused)
            result.error = str(refused)
            self._end_outage(flight, self.clock())
            if refused.target_refused:
                outcome = self._after_refusal(flight, method)
                if outcome == "replanned":
                    return self._try_start(flight, method)
                if outcome == "deferred":
                    return "waiting"
            return "refused"
        except Exception as error:  # pylint: disable=broad-except
            if not self._transient(error):
                raise
            return self._outage(flight, error, "could not start its %s migration" % method,
                                "it may have started: check where %s is" % result.move["vm"])
        now = self.clock()
        self._end_outage(flight, now)
        result.method = method
        result.error = None
        result.progress, result.progress_at = None, now
        result.started_methods.append(method)
        flight.handle = handle
        return "started"

    def _after_refusal(self, flight, method):
        """The platform's scheduler refused the planned target. Ask ``retarget`` for another host within
        capacity and rules: 'replanned' when the move now heads there by the same method (a new attempt says
        why). With no other host, 'deferred': the same move is tried again ``refused_retry_seconds`` later,
        for up to ``refused_wait_seconds`` - a scheduler's view of the hosts can lag behind (nova refreshes it
        from each compute every 120 s) - before the colder methods. None: go colder now."""
        result = flight.result
        if self.retarget is None:
            return None
        flight.refused_hosts.add(result.move["target"])
        target, why = self.retarget(result.move, sorted(flight.refused_hosts), self.whereabouts())
        attempt = result.attempts[-1]
        if target is not None:
            attempt["replan"] = "re-planned to %s" % target
            self._head_to(flight, method, target, "the platform refused %s (%s)" % (
                ", ".join(sorted(flight.refused_hosts)), attempt.get("error")))
            return "replanned"
        now = self.clock()
        if flight.refused_since is None:
            flight.refused_since = now
        if now + self.refused_retry_seconds - flight.refused_since <= self.refused_wait_seconds:
            attempt["replan"] = ("no other host (%s); the scheduler's view of the hosts may lag behind: trying "
                                 "again in %d s" % (why, self.refused_retry_seconds))
            flight.deferred_until = now + self.refused_retry_seconds
            flight.handle = None
            return "deferred"
        attempt["replan"] = "no other host: %s" % why
        return None

    def _head_to(self, flight, method, target, why):
        result = flight.result
        result.move = dict(result.move, target=target)
        result.attempts.append({"method": method, "target": target, "replanned": why})

    def _resume_deferred(self, flight):
        """Try a refused move again after waiting: to the host the core now finds best (the refused ones are
        candidates again), or by the colder methods when none fits."""
        result = flight.result
        flight.deferred_until = None
        waited = int(round(self.clock() - flight.refused_since))
        flight.refused_hosts = set()
        target, why = self.retarget(result.move, [], self.whereabouts())
        if target is None:
            result.attempts[-1]["replan"] += "; no host left after %d s: %s" % (waited, why)
            self._start_next(flight)
            return
        self._head_to(flight, flight.method, target, "tried again after %d s" % waited)
        outcome = self._try_start(flight, flight.method)
        if outcome == "refused":
            self._start_next(flight)

    def whereabouts(self):
        """Where each VM of the plan is or is heading: its final host once moved, else its (re-planned) target;
        a VM whose move failed stays on its source."""
        where = {}
        for result in self.results:
            if result.status() == "moved":
                where[result.move["vm"]] = result.final_host
            elif result.error and not result.in_flight and result.finished is not None:
                where[result.move["vm"]] = result.final_host
            else:
                where[result.move["vm"]] = result.move["target"]
        return where

    # ------------------------------------------------------------------------------------- watching

    def _advance(self, flight, deadline):
        """Poll once and act on the answer: done, failed (next method), stalled, timed out, or still running."""
        result, handle = flight.result, flight.handle
        try:
            status = self.adapter.poll(handle)
        except Exception as error:  # pylint: disable=broad-except
            if not self._transient(error):
                raise
            self._outage(flight, error, "lost contact while watching the move",
                         "it may still be running: check where %s is" % result.move["vm"])
            return
        now = self.clock()
        self._end_outage(flight, now)
        if status.state == DONE:
            result.final_host = status.host or result.move["target"]
            result.finished = now
            result.error = None
            self._report(result, status)
            flight.over = True
            return
        if status.state == FAILED:
            result.attempts[-1]["error"] = status.detail
            result.error = status.detail
            result.final_host = status.host or result.move["source"]
            self._report(result, status)
            flight.handle = None
            outcome = self._after_refusal(flight, flight.method) if status.target_refused else None
            if outcome == "deferred" or (outcome == "replanned" and self._try_start(flight, flight.method) != "refused"):
                return
            self._start_next(flight)
            return
        if status.progress != result.progress:
            result.progress, result.progress_at = status.progress, now
            result.percent = status.percent
            self._report(result, status)
        if now > deadline:
            trouble = self._try_hard(self.adapter.abort, handle)
            result.error = "timed out after %ss; %s" % (
                self.timeout, "the abort failed: %s" % trouble if trouble else "migration aborted")
            result.attempts[-1]["error"] = result.error
            result.finished = now
            flight.over = True
            return
        if not status.copying:
            result.progress_at = now
        elif self.stall_seconds and now - result.progress_at > self.stall_seconds:
            self._stalled(flight, now)

    def _stalled(self, flight, now):
        """Act on a move whose progress stopped: force it to complete once, abort it, or fail."""
        result, handle = flight.result, flight.handle
        where = "%d%% copied" % result.percent if result.percent is not None else "at %s" % result.progress
        detail = "no progress for %ss (%s)" % (self.stall_seconds, where)
        attempt = result.attempts[-1]
        attempt.setdefault("stalled", detail)
        if self.on_stall == "force_complete" and "action" not in attempt:
            attempt["action"] = "force_complete"
            result.progress_at = now
            trouble = self._try_hard(self.adapter.force_complete, handle)
            if trouble:
                attempt["action_error"] = trouble
            return
        if self.on_stall == "abort":
            trouble = self._try_hard(self.adapter.abort, handle)
            attempt["action"] = "abort"
            detail += "; the abort failed: %s" % trouble if trouble else "; aborted"
        result.error = detail
        result.finished = now
        flight.over = True

    # ------------------------------------------------------------------------------------- outages

    def _transient(self, error):
        return not isinstance(error, MoveRefused) and bool(self.is_transient(error))

    def _outage(self, flight, error, doing, advice):
        """Wait out a transient error of this move ('waiting'), or fail the move once the window is over."""
        result = flight.result
        attempt = result.attempts[-1]
        if flight.outage is None:
            flight.outage = Outage(self.retry_seconds, self.clock)
            attempt["interruptions"] = attempt.get("interruptions", 0) + 1
        if flight.outage.failed(error) is not None:
            return "waiting"
        error = flight.outage.give_up()
        now = self.clock()
        attempt["interrupted_seconds"] = round(attempt.get("interrupted_seconds", 0) + now - flight.outage.since, 1)
        result.error = "%s: %s%s; %s" % (doing, self._cause_text(error), retried_text(error), advice)
        attempt["error"] = result.error
        result.final_host = None
        result.finished = now
        flight.outage = None
        flight.over = True
        return "gave_up"

    def _end_outage(self, flight, now):
        """The platform answers again: note how long it did not, and do not count that time as a stall."""
        outage = flight.outage
        if outage is None:
            return
        attempt = flight.result.attempts[-1]
        attempt["interrupted_seconds"] = round(attempt.get("interrupted_seconds", 0) + now - outage.since, 1)
        if flight.result.progress_at is not None:
            flight.result.progress_at = max(flight.result.progress_at, now)
        flight.outage = None

    def _try_hard(self, action, handle):
        """Abort or force-complete, waiting out a transient outage; None, or the cause when it still failed."""
        try:
            Transient(self._transient, self.retry_seconds, self.clock, self.sleep).call(action, handle)
        except Exception as error:  # pylint: disable=broad-except
            if not self._transient(error):
                raise
            return self._cause_text(error) + retried_text(error)
        return None

    def _cause_text(self, error):
        return self.describe_error(error)

    def _interrupted(self, results, error):
        """DrainInterrupted for an unexpected error, with every result settled as far as the runner knows."""
        now = self.clock()
        try:
            cause = self._cause_text(error)
        except Exception:  # pylint: disable=broad-except
            cause = plain_error_text(error)
        for result in results:
            if result.started is None:
                result.error = "not started: the drain stopped (%s)" % cause
            elif result.finished is None:
                result.in_flight = True
                result.error = "still in flight when the drain stopped (%s): check where %s is" % (
                    cause, result.move["vm"])
                if result.attempts:
                    result.attempts[-1].setdefault("error", result.error)
                result.final_host = None
                result.finished = now
        interrupted = DrainInterrupted(error, results, cause)
        interrupted.__cause__ = error
        return interrupted

    def _report(self, result, status):
        if self.progress:
            self.progress(result, status)


class MoveRefused(Exception):
    """The platform refused to start a move by this method (the runner tries the next one).

    status_code: the platform's answer, when it had one. target_refused: the platform's scheduler refused the
    planned target host, not the method; the runner re-plans the VM elsewhere before it tries a colder method.
    """

    def __init__(self, message, status_code=None, target_refused=False):
        super(MoveRefused, self).__init__(message)
        self.status_code = status_code
        self.target_refused = target_refused
