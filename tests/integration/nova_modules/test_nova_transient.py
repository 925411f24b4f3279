"""Transient faults against the nova mock: 503s, connection resets and one 500 are ridden through; an outage longer
than retry_seconds fails naming the request and the status."""

import threading
import time

import pytest

from module_runner import run_module

DRAIN = {"host": "compute-0", "scope": "all", "on_stall": "force_complete", "poll_seconds": 0.2, "stall_seconds": 3}
ON_COMPUTE_0 = ("web-1", "web-2", "gpu-1", "db-1", "batch-1")
UNDER_WAY = ("accepted", "queued", "preparing", "running", "post-migrating", "pre-migrating", "migrating")


def in_background(*steps):
    """Run (wait_for_predicate_or_seconds, action) steps in a thread; join() it after the module ran."""
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


def mid_drain(nova):
    """Blocks until a migration off compute-0 is under way."""
    return lambda: nova.control.wait_for(
        lambda s: any(m["status"] in UNDER_WAY for m in s["migrations"]), timeout=60)


def warnings_text(result):
    return str(result.get("warnings") or "")


def interruptions(result):
    return sum(a.get("interruptions", 0) for r in result["results"] for a in r["attempts"])


def disable_compute_0(nova):
    assert not run_module("nova_compute_service", dict(nova.args, host="compute-0", state="disabled")).get("failed")


@pytest.mark.parametrize("mode", ["503", "reset"])
def test_cluster_info_survives_five_seconds_of_api_outage(nova, mode):
    nova.control.api_down(mode)
    thread = in_background((5, nova.control.api_up))
    started = time.monotonic()
    result = run_module("nova_cluster_info", nova.args)
    thread.join()
    assert not result.get("failed"), result.get("msg")
    assert [h["name"] for h in result["hosts"]] == ["compute-0", "compute-1", "compute-2", "compute-3"]
    assert time.monotonic() - started >= 5
    assert "rode through a transient failure" in warnings_text(result)
    expected = "answered 503 Service Unavailable" if mode == "503" else "the connection was reset"
    assert expected in warnings_text(result)


def test_cluster_info_names_the_request_and_status_once_the_window_is_over(nova):
    nova.control.api_down("503")
    try:
        result = run_module("nova_cluster_info", dict(nova.args, retry_seconds=2))
    finally:
        nova.control.api_up()
    assert result["failed"]
    assert result["msg"] == ("OpenStack API error: GET %s answered 503 Service Unavailable; retried for 2 s"
                             % nova.auth["auth_url"]), result["msg"]


def test_compute_service_rides_through_resets(nova):
    nova.control.api_down("reset")
    thread = in_background((3, nova.control.api_up))
    result = run_module("nova_compute_service", dict(nova.args, host="compute-1", state="disabled",
                                                     disabled_reason="patching"))
    thread.join()
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and nova.control.host("compute-1")["status"] == "disabled"


def test_host_drain_completes_through_one_500_on_os_migrations(slow_nova):
    nova = slow_nova
    disable_compute_0(nova)
    fault = {"kind": "http_error", "method": "GET", "path": "os-migrations", "service": "nova", "status": 500,
             "count": 1}
    thread = in_background((mid_drain(nova), lambda: nova.control.add_fault(**fault)))
    result = run_module("nova_host_drain", dict(nova.args, **DRAIN))
    thread.join()
    assert not result.get("failed"), result.get("msg")
    assert all(r["status"] == "moved" for r in result["results"])
    assert interruptions(result) == 1, result["results"]
    state = nova.placement_of()
    assert all(state[name][0] != "compute-0" for name in ON_COMPUTE_0)
    assert [r for r in nova.control.requests() if "os-migrations" in r["path"] and r["status"] == 500]


def test_host_drain_completes_through_a_few_seconds_of_503_mid_drain(slow_nova):
    nova = slow_nova
    disable_compute_0(nova)
    thread = in_background((mid_drain(nova), lambda: nova.control.api_down("503")), (4, nova.control.api_up))
    result = run_module("nova_host_drain", dict(nova.args, **DRAIN))
    thread.join()
    assert not result.get("failed"), result.get("msg")
    by_vm = dict((r["vm"], r) for r in result["results"])
    assert set(by_vm) == set(ON_COMPUTE_0) and all(r["status"] == "moved" for r in by_vm.values())
    interrupted = [a for r in result["results"] for a in r["attempts"] if a.get("interruptions")]
    assert interrupted and all(a["interrupted_seconds"] > 0 for a in interrupted)
    state = nova.placement_of()
    for name in ON_COMPUTE_0:
        assert state[name][0] == by_vm[name]["final_host"] != "compute-0"
    assert not [m for m in nova.control.state()["migrations"] if m["status"] in UNDER_WAY]


def test_host_drain_with_a_short_window_fails_naming_the_request_and_status(slow_nova):
    nova = slow_nova
    disable_compute_0(nova)
    thread = in_background((mid_drain(nova), lambda: nova.control.api_down("503")), (10, nova.control.api_up))
    result = run_module("nova_host_drain", dict(nova.args, retry_seconds=2, **DRAIN))
    thread.join()
    assert result["failed"]
    assert result["msg"].startswith("drain of compute-0 incomplete"), result["msg"]
    assert "lost contact while watching the move: OpenStack API error: GET http://127.0.0.1:" in result["msg"]
    assert "answered 503 Service Unavailable" in result["msg"] and "retried for 2 s" in result["msg"]
    assert "/v2.1/" in result["msg"] and "/identity" not in result["msg"]
    failed = [r for r in result["results"] if r["status"] == "failed"]
    assert failed and all(r["final_host"] is None and "check where" in r["error"] for r in failed)
    assert nova.control.host("compute-0")["status"] == "disabled"
