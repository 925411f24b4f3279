# -*- coding: utf-8 -*-
"""WinRM outages against the Hyper-V mock (/_mock/api/down): 503s and connection resets are ridden through; one
longer than retry_seconds fails naming the endpoint and what it answered."""

import threading
import time

import pytest

from module_runner import run_module

FAST = {"poll_seconds": 0.05}


def in_background(*steps):
    """Run (wait_for_callable_or_seconds, action) steps in a thread; join() it after the module ran."""
    def play():
        for when, action in steps:
            if callable(when):
                when()
            else:
                time.sleep(when)
            action()
    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    return thread


def mid_drain(mock, timeout=60.0):
    """Blocks until a live migration is under way in the mock cluster."""
    def wait():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            migrations = mock.state()["migrations"]
            if migrations["running"] or migrations["queued"]:
                return
            time.sleep(0.02)
        raise AssertionError("no migration started within %ss" % timeout)
    return wait


@pytest.mark.parametrize("mode", ["503", "reset"])
def test_cluster_info_survives_a_few_seconds_of_outage(small, mode):
    small.control.api_down(mode, seconds=4)
    started = time.monotonic()
    result = run_module("hyperv_cluster_info", small.args)
    assert not result.get("failed"), result.get("msg")
    assert sorted(h["name"] for h in result["hosts"]) == ["HV01", "HV02", "HV03"]
    assert time.monotonic() - started >= 4
    warnings = str(result.get("warnings") or "")
    assert "rode through a transient failure" in warnings
    expected = "answered 503 Service Unavailable" if mode == "503" else "reset the connection"
    assert "the WinRM endpoint http://127.0.0.1:%d/wsman %s" % (small.port, expected) in warnings, warnings


def test_cluster_info_names_the_endpoint_and_status_once_the_window_is_over(small):
    small.control.api_down("503")
    try:
        result = run_module("hyperv_cluster_info", dict(small.args, retry_seconds=2))
    finally:
        small.control.api_up()
    assert result["failed"]
    assert result["msg"].startswith("the WinRM endpoint http://127.0.0.1:%d/wsman answered 503 Service Unavailable"
                                    % small.port), result["msg"]
    assert result["msg"].endswith("; retried for 2 s")


def test_node_drain_completes_through_an_outage_mid_drain(flowing):
    seed = flowing()
    thread = in_background((mid_drain(seed), lambda: seed.control.api_down("503", seconds=4)))
    result = run_module("hyperv_node_drain", dict(seed.args, node="HV01", **FAST))
    thread.join()
    assert not result.get("failed"), result.get("msg")
    assert len(result["results"]) == 22 and all(r["status"] == "moved" for r in result["results"])
    interrupted = [a for r in result["results"] for a in r["attempts"] if a.get("interruptions")]
    assert interrupted and all(a["interrupted_seconds"] > 0 for a in interrupted)
    owners = seed.owners()
    assert all(owners[r["vm"]] == r["final_host"] != "HV01" for r in result["results"])
    assert seed.control.node("HV01")["vm_count"] == 0


def test_node_drain_with_a_short_window_fails_naming_the_endpoint(flowing):
    seed = flowing()
    thread = in_background((mid_drain(seed), lambda: seed.control.api_down("reset", seconds=8)))
    try:
        result = run_module("hyperv_node_drain", dict(seed.args, node="HV01", retry_seconds=1, **FAST))
    finally:
        thread.join()
        seed.control.api_up()
    assert result["failed"]
    assert "the WinRM endpoint http://127.0.0.1:%d/wsman reset the connection" % seed.port in result["msg"], \
        result["msg"]
    assert "retried for 1 s" in result["msg"]
    failed = [r for r in result["results"] if r["status"] == "failed"]
    assert failed and all(r["final_host"] is None and "check where %s is" % r["vm"] in r["error"] for r in failed)
    assert all(r["attempts"][-1]["interruptions"] == 1 for r in failed)
