# -*- coding: utf-8 -*-
"""Riding through transient faults: the retry helper with a fake clock, and each platform's classifier."""

import http.client

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import (
    Outage, Transient, backoff_seconds, error_chain, failing_request, http_status, retried_seconds, retried_text)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Flaky:
    """Fails with the given errors in turn, then answers 'ok'."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return ("ok", args, kwargs)


class Down(Exception):
    pass


class Refused(Exception):
    pass


def transient(error):
    return isinstance(error, Down)


def helper(clock, window=120, **kwargs):
    return Transient(transient, window, clock=clock, sleep=clock.sleep, **kwargs)


def test_backoff_doubles_from_one_second_and_stops_at_fifteen():
    assert [backoff_seconds(n) for n in range(1, 8)] == [1, 2, 4, 8, 15, 15, 15]


def test_transient_errors_are_waited_out_and_the_answer_returned():
    clock = Clock()
    flaky = Flaky(Down("503"), Down("reset"), Down("503"))
    assert helper(clock).call(flaky, 1, key="v") == ("ok", (1,), {"key": "v"})
    assert flaky.calls == 4 and clock.sleeps == [1, 2, 4]


def test_the_window_bounds_the_retries_and_the_last_error_says_how_long():
    clock = Clock()
    flaky = Flaky(*[Down("503 #%d" % n) for n in range(100)])
    with pytest.raises(Down) as caught:
        helper(clock, window=20).call(flaky)
    assert clock.sleeps == [1, 2, 4, 8, 5]  # never sleeps past the window, then one last try
    assert str(caught.value) == "503 #5" and flaky.calls == 6
    assert retried_seconds(caught.value) == 20 and retried_text(caught.value) == "; retried for 20 s"


def test_other_errors_and_a_disabled_window_fail_at_once():
    clock = Clock()
    with pytest.raises(Refused):
        helper(clock).call(Flaky(Refused("409")))
    with pytest.raises(Down) as caught:
        helper(clock, window=0).call(Flaky(Down("503")))
    assert clock.sleeps == [] and retried_seconds(caught.value) is None and retried_text(caught.value) == ""


def test_an_error_already_retried_inside_is_not_retried_again_outside():
    clock = Clock()
    inner = helper(clock, window=3)
    flaky = Flaky(*[Down("503") for _attempt in range(10)])
    with pytest.raises(Down):
        helper(clock, window=100).call(lambda: inner.call(flaky))
    assert clock.now == 3 and flaky.calls == 3


def test_on_retry_runs_before_each_wait_and_outages_are_kept():
    clock = Clock()
    seen = []
    retry = helper(clock, on_retry=lambda error, delay: seen.append((str(error), delay)))
    retry.call(Flaky(Down("a"), Down("b")))
    assert seen == [("a", 1), ("b", 2)]
    assert len(retry.outages) == 1 and retry.outages[0].failures == 2 and retry.outages[0].elapsed_seconds == 3


def test_outage_schedules_the_next_try_for_a_caller_with_its_own_loop():
    clock = Clock()
    outage = Outage(10, clock)
    assert outage.due() and outage.failed(Down()) == 1 and not outage.due()
    clock.now = 1
    assert outage.due() and outage.failed(Down()) == 2
    clock.now = 9
    assert outage.failed(Down()) == 1  # 4 s would pass the window's end at 10
    clock.now = 10
    assert outage.failed(Down("last")) is None
    error = outage.give_up()
    assert str(error) == "last" and retried_seconds(error) == 10


def test_chain_status_and_request_are_read_from_any_client():
    class Request:
        method, url = "get", "http://nova/v2.1/servers/x"

    class Response:
        status_code, reason, request = 503, "Service Unavailable", Request()

    class Wrapped(Exception):
        response = Response()

    try:
        try:
            raise Wrapped("503")
        except Wrapped as inner:
            raise KeyError("No Server found") from inner
    except KeyError as outer:
        chain = error_chain(outer)
    assert [type(e).__name__ for e in chain] == ["KeyError", "Wrapped"]
    assert [http_status(e) for e in chain] == [None, 503]
    assert failing_request(chain) == "GET http://nova/v2.1/servers/x"


# ------------------------------------------------------------------------------------ nova


def sdk_error(status, message="HttpException", url="http://127.0.0.1:9/v2.1/servers/abc", method="GET",
              reason=None, cls=None, details=None):
    import requests
    from openstack import exceptions
    response = requests.Response()
    response.status_code = status
    response.reason = reason or http.client.responses.get(status, "")
    response.url = url
    response.request = requests.Request(method, url).prepare()
    return (cls or exceptions.HttpException)(message=message, response=response, details=details)


def test_nova_classifier_waits_out_5xx_and_broken_connections_only():
    from keystoneauth1 import exceptions as ks
    from openstack import exceptions
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import is_transient
    for status in (500, 502, 503, 504):
        assert is_transient(sdk_error(status)), status
    for status in (400, 401, 403, 404, 409):
        assert not is_transient(sdk_error(status)), status
    assert is_transient(ks.ConnectFailure("Unable to establish connection"))
    assert is_transient(ks.ConnectTimeout("timed out"))
    assert not is_transient(ks.SSLError("certificate verify failed"))
    assert not is_transient(ks.Unauthorized("wrong password"))
    try:  # openstacksdk's find wraps the 503 of its lookup into 'No Server found'
        try:
            raise sdk_error(503)
        except exceptions.HttpException as error:
            raise exceptions.ResourceNotFound("No Server found for abc") from error
    except exceptions.ResourceNotFound as wrapped:
        assert is_transient(wrapped)
    try:
        try:
            raise ConnectionResetError("Connection reset by peer")
        except ConnectionResetError:
            raise exceptions.SDKException("request failed")
    except exceptions.SDKException as wrapped:
        assert is_transient(wrapped)


def test_nova_message_names_the_failing_request_and_its_real_status():
    from openstack import exceptions
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import describe_sdk_error
    error = sdk_error(503, message="No Server found for abc: Server Error for url: http://127.0.0.1:9/v2.1/servers/abc",
                      details="The server is currently unavailable. Please try again at a later time.")
    assert describe_sdk_error(error, "http://127.0.0.1:9/identity") == (
        "OpenStack API error: GET http://127.0.0.1:9/v2.1/servers/abc answered 503 Service Unavailable "
        "(The server is currently unavailable. Please try again at a later time.)")
    missing = sdk_error(404, message="No Server found for abc", cls=exceptions.NotFoundException)
    assert describe_sdk_error(missing) == (
        "OpenStack API error: GET http://127.0.0.1:9/v2.1/servers/abc answered 404 Not Found: No Server found for abc")


# ---------------------------------------------------------------------------------- WinRM


def test_winrm_classifier_waits_out_5xx_resets_and_timeouts_never_auth_or_faults():
    import requests
    from winrm import exceptions as winrm_exceptions
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import (
        HyperVError, PowerShellError, describe_transport_error, is_transient)
    for code in (500, 502, 503, 504):
        assert is_transient(winrm_exceptions.WinRMTransportError("http", code, "Service Unavailable")), code
    for code in (400, 401, 403, 404, 409):
        assert not is_transient(winrm_exceptions.WinRMTransportError("http", code, "no")), code
    assert not is_transient(winrm_exceptions.InvalidCredentialsError("rejected"))
    from requests_credssp.exceptions import NTStatusException
    assert not is_transient(NTStatusException(0xC000006D, "STATUS_LOGON_FAILURE"))  # a CredSSP logon refused
    assert not is_transient(winrm_exceptions.WinRMError("a WS-Man fault"))
    assert not is_transient(PowerShellError("http://hv:5985/wsman", "reading", 1, "Get-ClusterGroup : not found"))
    assert not is_transient(HyperVError("unknown node"))
    assert is_transient(requests.exceptions.ConnectionError("reset"))
    assert is_transient(requests.exceptions.ReadTimeout("read timed out"))
    assert not is_transient(requests.exceptions.SSLError("certificate verify failed"))
    assert is_transient(ConnectionResetError(104, "Connection reset by peer"))
    assert describe_transport_error(winrm_exceptions.WinRMTransportError("http", 503, "<html>Service\n Unavailable</html>"),
                                    "http://hv:5985/wsman") == (
        "the WinRM endpoint http://hv:5985/wsman answered 503 Service Unavailable: <html>Service Unavailable</html>")
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError:
            raise requests.exceptions.ConnectionError("Connection aborted.")
    except requests.exceptions.ConnectionError as error:
        assert describe_transport_error(error, "http://hv:5985/wsman").startswith(
            "the WinRM endpoint http://hv:5985/wsman reset the connection: the connection was reset")


# --------------------------------------------------------------------------------- vSphere


def test_vsphere_classifier_waits_out_resets_timeouts_and_5xx_not_refusals_or_faults():
    from pyVmomi import vim
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import is_transient
    assert is_transient(http.client.HTTPException("503 Service Unavailable"))
    assert not is_transient(http.client.HTTPException("404 Not Found"))
    assert is_transient(http.client.RemoteDisconnected("Remote end closed connection without response"))
    assert is_transient(ConnectionResetError(104, "Connection reset by peer"))
    assert is_transient(TimeoutError("timed out"))
    assert not is_transient(ConnectionRefusedError(111, "Connection refused"))
    assert not is_transient(vim.fault.InvalidLogin())
