# -*- coding: utf-8 -*-
"""The plan runner through platform outages: polls and starts that fail transiently, unexpected errors, downtime."""

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import (
    DONE, FAILED, RUNNING, DrainInterrupted, MoveAdapter, MoveRefused, MoveStatus, PlanRunner, move_downtime)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Unreachable(Exception):
    """The API answered 503 or reset the connection."""


class Broken(Exception):
    """Not transient: a bug or a refusal the runner does not know."""


class OutageAdapter(MoveAdapter):
    """Each move runs for `rounds` polls then is done on its target; polls of the VMs in `down` raise Unreachable
    while the clock is inside their (from, to) span; `start_down` does the same for start()."""

    methods = ("live", "move", "failover")

    def __init__(self, clock, rounds=3, down=None, start_down=None, reached=(), broken=None):
        self.clock = clock
        self.rounds = rounds
        self.down = down or {}
        self.start_down = start_down or {}
        self.reached = set(reached)  # VMs whose start reached the platform although the answer was lost
        self.broken = broken
        self.log = []
        self.platform = {}  # vm -> polls left, as the platform knows it

    def is_transient(self, error):
        return isinstance(error, Unreachable)

    def describe_error(self, error):
        if isinstance(error, Unreachable):
            return "GET http://api/servers/%s answered 503 Service Unavailable" % error.args[0]
        return MoveAdapter.describe_error(self, error)

    def _outage(self, spans, vm):
        since, until = spans.get(vm, (None, None))
        return since is not None and since <= self.clock() < until

    def start(self, move, method):
        vm = move["vm"]
        self.log.append(("start", vm, method))
        if self._outage(self.start_down, vm):
            if vm in self.reached:
                self.platform[vm] = self.rounds
            raise Unreachable(vm)
        self.platform[vm] = self.rounds
        return {"vm": vm, "target": move["target"]}

    def started(self, move, method):
        self.log.append(("started?", move["vm"]))
        if self._outage(self.start_down, move["vm"]):
            raise Unreachable(move["vm"])
        return {"vm": move["vm"], "target": move["target"]} if move["vm"] in self.platform else None

    def poll(self, handle):
        vm = handle["vm"]
        self.log.append(("poll", vm))
        if self.broken == vm:
            raise Broken("KeyError in the adapter")
        if self._outage(self.down, vm):
            raise Unreachable(vm)
        self.platform[vm] -= 1
        if self.platform[vm] <= 0:
            return MoveStatus(DONE, host=handle["target"])
        return MoveStatus(RUNNING, progress=self.platform[vm], copying=True)

    def abort(self, handle):
        self.log.append(("abort", handle["vm"]))

    def force_complete(self, handle):
        self.log.append(("force_complete", handle["vm"]))


def moves(*items):
    return [{"vm": vm, "source": "a", "target": "b", "method": "live", "wave": wave, "power_state": "on"}
            for vm, wave in items]


def runner(adapter, clock, **kwargs):
    kwargs.setdefault("retry_seconds", 30)
    return PlanRunner(adapter, {}, clock=clock, sleep=clock.sleep, poll_seconds=1, **kwargs)


def test_a_poll_outage_is_ridden_through_and_counted_on_the_attempt():
    clock = Clock()
    adapter = OutageAdapter(clock, rounds=3, down={"x": (1, 9)})
    result = runner(adapter, clock, stall_seconds=5).run(moves(("x", 1)))[0].as_dict()
    assert result["status"] == "moved" and result["final_host"] == "b" and result["error"] is None
    assert [e for e in adapter.log if e[0] == "start"] == [("start", "x", "live")]
    attempt = result["attempts"][0]
    assert attempt["interruptions"] == 1 and attempt["interrupted_seconds"] >= 8
    assert "stalled" not in attempt  # the outage (longer than stall_seconds) is not a stall
    polls = [e for e in adapter.log if e == ("poll", "x")]
    assert len(polls) < 9  # backed off (1, 2, 4 s), not polled every second


def test_an_outage_longer_than_the_window_fails_that_move_only_and_names_the_cause():
    clock = Clock()
    adapter = OutageAdapter(clock, rounds=3, down={"x": (1, 1000)})
    results = runner(adapter, clock, retry_seconds=20).run(moves(("x", 1), ("y", 1), ("z", 2)))
    x, y, z = [r.as_dict() for r in results]
    assert x["status"] == "failed" and x["final_host"] is None
    assert x["error"] == ("lost contact while watching the move: GET http://api/servers/x answered 503 Service "
                          "Unavailable; retried for 20 s; it may still be running: check where x is")
    assert x["attempts"][0]["interruptions"] == 1 and x["attempts"][0]["error"] == x["error"]
    assert y["status"] == "moved" and y["final_host"] == "b"
    assert z["status"] == "not_started"


def test_a_start_lost_in_an_outage_is_found_by_started_and_never_repeated():
    clock = Clock()
    adapter = OutageAdapter(clock, rounds=2, start_down={"x": (0, 3)}, reached=["x"])
    result = runner(adapter, clock).run(moves(("x", 1)))[0].as_dict()
    assert result["status"] == "moved" and result["method"] == "live"
    assert [e for e in adapter.log if e[0] == "start"] == [("start", "x", "live")]
    assert ("started?", "x") in adapter.log
    assert len(result["attempts"]) == 1 and result["attempts"][0]["interruptions"] == 1


def test_a_start_that_never_reached_the_platform_is_made_again_by_the_same_method():
    clock = Clock()
    adapter = OutageAdapter(clock, rounds=2, start_down={"x": (0, 3)})
    result = runner(adapter, clock).run(moves(("x", 1)))[0].as_dict()
    assert result["status"] == "moved" and result["method"] == "live"
    assert [e for e in adapter.log if e[0] == "start"] == [("start", "x", "live"), ("start", "x", "live")]


def test_a_start_outage_past_the_window_fails_the_move_without_trying_the_next_method():
    clock = Clock()
    adapter = OutageAdapter(clock, start_down={"x": (0, 1000)})
    result = runner(adapter, clock, retry_seconds=10).run(moves(("x", 1)))[0].as_dict()
    assert result["status"] == "failed" and [a["method"] for a in result["attempts"]] == ["live"]
    assert result["error"].startswith("could not start its live migration: GET http://api/servers/x answered 503")
    assert "retried for 10 s" in result["error"] and "check where x is" in result["error"]


def test_retry_seconds_zero_fails_at_the_first_transient_error():
    clock = Clock()
    adapter = OutageAdapter(clock, down={"x": (1, 1000)})
    result = runner(adapter, clock, retry_seconds=0).run(moves(("x", 1)))[0]
    assert result.status() == "failed" and "retried" not in result.error and clock.now < 3


def test_an_unexpected_error_still_hands_over_every_result():
    clock = Clock()
    adapter = OutageAdapter(clock, rounds=1)
    adapter.rounds = 1
    plan = moves(("done", 1), ("x", 2), ("y", 2), ("later", 3))
    original_poll = adapter.poll

    def poll(handle):
        if handle["vm"] == "y":
            raise Broken("'NoneType' object has no attribute 'status'")
        if handle["vm"] == "x":
            return MoveStatus(RUNNING, progress=5, copying=True)
        return original_poll(handle)

    adapter.poll = poll
    with pytest.raises(DrainInterrupted) as caught:
        runner(adapter, clock).run(plan)
    interrupted = caught.value
    assert isinstance(interrupted.cause, Broken) and interrupted.__cause__ is interrupted.cause
    by_vm = dict((r["vm"], r) for r in interrupted.result_dicts())
    statuses = [by_vm[v]["status"] for v in ("done", "x", "y", "later")]
    assert statuses == ["moved", "in_flight", "in_flight", "not_started"]
    assert by_vm["x"]["final_host"] is None and "still in flight when the drain stopped" in by_vm["x"]["error"]
    assert "Broken" in str(interrupted) and interrupted.counts() == {"moved": 1, "in_flight": 2, "not_started": 1}


def test_constructor_stays_compatible_with_adapters_that_know_nothing_of_outages():
    class Plain:
        methods = ("live",)

        def start(self, move, method):
            return move["vm"]

        def poll(self, handle):
            return MoveStatus(DONE, host="b")

    clock = Clock()
    result = PlanRunner(Plain(), {}, 10, "abort", 60, 1, None, clock, clock.sleep).run(moves(("x", 1)))[0]
    assert result.status() == "moved"


def test_downtime_reflects_the_methods_actually_used():
    clock = Clock()

    class FallsBack(OutageAdapter):
        def poll(self, handle):
            if handle.get("method") == "live":
                return MoveStatus(FAILED, detail="live migration failed")
            return MoveStatus(DONE, host="b")

        def start(self, move, method):
            return {"vm": move["vm"], "target": move["target"], "method": method}

    results = runner(FallsBack(clock), clock).run(moves(("x", 1)))
    assert results[0].as_dict()["method"] == "move" and results[0].as_dict()["downtime"] is True
    ok = runner(OutageAdapter(clock, rounds=1), clock).run(moves(("y", 1)))[0].as_dict()
    assert ok["method"] == "live" and ok["downtime"] is False
    assert move_downtime("failover", "on", source_down=True) is False
    assert move_downtime("quick", "on") is True and move_downtime("move", "off") is False
    assert move_downtime("storage", "on") is False


def test_a_planned_cold_move_of_a_running_vm_is_reported_as_downtime():
    """The planner's move dicts carry the VM's power state: the runner reports a cold move of a running guest as
    downtime, of a stopped one as none (the demo's cold-only GPU guest was reported without downtime)."""
    clock = Clock()
    hosts = [{"name": h, "memory_mb": 8192} for h in ("a", "b")]
    vms = [{"name": "gpu", "host": "a", "memory_mb": 1024, "methods": ["move"]},
           {"name": "off", "host": "a", "memory_mb": 1024, "methods": ["move"], "power_state": "off"}]
    plan = make_plan(hosts, vms, drain_hosts=["a"], scope="all")
    assert [(m["vm"], m["power_state"], m["downtime"]) for m in plan["moves"]] == [
        ("gpu", "on", True), ("off", "off", False)]
    ran = runner(OutageAdapter(clock, rounds=1), clock).run(plan["moves"])
    results = dict((r.move["vm"], r.as_dict()) for r in ran)
    assert (results["gpu"]["method"], results["gpu"]["downtime"]) == ("move", True)
    assert (results["off"]["method"], results["off"]["downtime"]) == ("move", False)


def test_a_refusal_is_never_taken_for_an_outage():
    clock = Clock()

    class Refuses(OutageAdapter):
        def start(self, move, method):
            if method == "live":
                raise MoveRefused("409 Conflict: instance is locked")
            return OutageAdapter.start(self, move, method)

        def is_transient(self, error):
            return True  # even a careless classifier does not turn a refusal into a retry

    result = runner(Refuses(clock, rounds=1), clock).run(moves(("x", 1)))[0].as_dict()
    assert [a["method"] for a in result["attempts"]] == ["live", "move"] and result["status"] == "moved"
