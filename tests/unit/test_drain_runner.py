# -*- coding: utf-8 -*-
"""The plan runner: waves in order, fallback to the next method, stalls, timeout."""

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import (
    DONE, FAILED, RUNNING, MoveAdapter, MoveRefused, MoveStatus, PlanRunner, fallback_methods)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeAdapter(MoveAdapter):
    """Scripted platform: per VM and method, a list of statuses returned by successive polls."""

    methods = ("live", "move", "failover")

    def __init__(self, script, refuse=()):
        self.script = script
        self.refuse = set(refuse)
        self.log = []

    def start(self, move, method):
        self.log.append(("start", move["vm"], method))
        if (move["vm"], method) in self.refuse:
            raise MoveRefused("%s refuses %s" % (move["vm"], method))
        return [move, method, list(self.script.get((move["vm"], method), [MoveStatus(DONE)]))]

    def poll(self, handle):
        move, method, statuses = handle
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        if status.state == DONE and status.host is None:
            status.host = move["target"]
        return status

    def abort(self, handle):
        self.log.append(("abort", handle[0]["vm"]))
        handle[2][:] = [MoveStatus(FAILED, detail="cancelled")]

    def force_complete(self, handle):
        self.log.append(("force_complete", handle[0]["vm"]))
        handle[2][:] = [MoveStatus(DONE)]


def moves(*items):
    return [{"vm": vm, "source": "a", "target": t, "method": m, "wave": w} for vm, t, m, w in items]


def runner(adapter, clock, **kwargs):
    return PlanRunner(adapter, kwargs.pop("allowed", {}), clock=clock, sleep=clock.sleep, poll_seconds=1, **kwargs)


def test_fallback_order_is_canonical_and_limited_to_allowed_and_supported():
    assert fallback_methods("live", ["failover", "live", "quick", "move"], ("live", "move", "failover")) == [
        "live", "move", "failover"]
    assert fallback_methods("move", ["live", "move"], ("live", "move")) == ["move"]


def test_waves_run_in_order_and_moves_finish_on_target():
    clock = Clock()
    adapter = FakeAdapter({("x", "live"): [MoveStatus(RUNNING, 50), MoveStatus(DONE)]})
    results = runner(adapter, clock).run(moves(("y", "c", "live", 2), ("x", "b", "live", 1)))
    assert [e[1] for e in adapter.log if e[0] == "start"] == ["x", "y"]
    assert [(r.move["vm"], r.final_host, r.error) for r in results] == [("y", "c", None), ("x", "b", None)]


def test_failed_live_migration_falls_back_to_cold_move():
    clock = Clock()
    adapter = FakeAdapter({("x", "live"): [MoveStatus(FAILED, detail="pre-check failed")]})
    result = runner(adapter, clock).run(moves(("x", "b", "live", 1)))[0].as_dict()
    assert result["method"] == "move" and result["status"] == "moved"
    assert [a["method"] for a in result["attempts"]] == ["live", "move"]
    assert result["attempts"][0]["error"] == "pre-check failed"


def test_refused_methods_are_skipped_and_exhaustion_fails():
    clock = Clock()
    adapter = FakeAdapter({}, refuse=[("x", "live"), ("x", "move")])
    result = runner(adapter, clock, allowed={"x": ["live", "move"]}).run(moves(("x", "b", "live", 1)))[0]
    assert result.error == "x refuses move" and result.final_host == "a"


def test_stall_aborts_and_stops_later_waves():
    clock = Clock()
    adapter = FakeAdapter({("x", "live"): [MoveStatus(RUNNING, 100)]})
    results = runner(adapter, clock, stall_seconds=10).run(moves(("x", "b", "live", 1), ("y", "b", "live", 2)))
    assert ("abort", "x") in adapter.log
    assert "no progress for 10s" in results[0].error and results[0].final_host == "a"
    assert results[1].error == "not started: an earlier wave failed"


def test_stall_force_complete_finishes_the_move():
    clock = Clock()
    adapter = FakeAdapter({("x", "live"): [MoveStatus(RUNNING, 100)]})
    result = runner(adapter, clock, stall_seconds=10, on_stall="force_complete").run(moves(("x", "b", "live", 1)))[0]
    assert ("force_complete", "x") in adapter.log and result.error is None and result.final_host == "b"


def test_timeout_aborts():
    clock = Clock()
    counter = iter(range(10 ** 6))
    adapter = FakeAdapter({})
    adapter.poll = lambda handle: MoveStatus(RUNNING, next(counter))
    result = runner(adapter, clock, timeout=30, stall_seconds=0).run(moves(("x", "b", "live", 1)))[0]
    assert result.error.startswith("timed out after 30s")


class SchedulerAdapter(FakeAdapter):
    """Refuses the targets in ``full`` the way a scheduler does (NoValidHost on the request)."""

    def __init__(self, full, failing=()):
        super(SchedulerAdapter, self).__init__({})
        self.full = set(full)
        self.failing = set(failing)

    def start(self, move, method):
        self.log.append(("start", move["vm"], method, move["target"]))
        if move["target"] in self.full:
            raise MoveRefused("No valid host was found. (%s)" % move["target"], status_code=400, target_refused=True)
        if move["target"] in self.failing:  # scheduled later, refused then: the record ends in error
            return [move, method, [MoveStatus(FAILED, detail="No valid host", target_refused=True)]]
        return [move, method, [MoveStatus(DONE)]]


def test_refused_target_is_replanned_before_a_colder_method():
    clock = Clock()
    adapter = SchedulerAdapter(full=["b"], failing=["c"])
    asked = []

    def retarget(move, refused, whereabouts):
        asked.append((move["vm"], refused, dict(whereabouts)))
        return ("d", None) if refused == ["b"] else (None, "nothing else fits")
    results = runner(adapter, clock, retarget=retarget).run(moves(("x", "b", "live", 1), ("y", "c", "live", 1)))
    x, y = [r.as_dict() for r in results]
    assert x["status"] == "moved" and x["final_host"] == "d" and x["method"] == "live" and x["planned_target"] == "b"
    assert x["attempts"][0]["replan"] == "re-planned to d" and "refused b" in x["attempts"][1]["replanned"]
    assert asked[0] == ("x", ["b"], {"x": "b", "y": "c"})
    # y: refused after the start, nothing else fits, not even after waiting: the colder methods go where planned
    assert y["attempts"][0]["replan"].startswith("no other host (nothing else fits); the scheduler's view")
    assert y["attempts"][0]["replan"].endswith("; no host left after 15 s: nothing else fits")
    assert [a["method"] for a in y["attempts"]] == ["live", "move", "failover"] and y["status"] == "failed"
    assert ("start", "y", "move", "c") in adapter.log


def test_without_retarget_a_refused_target_goes_to_the_next_method():
    clock = Clock()
    adapter = SchedulerAdapter(full=["b"])
    result = runner(adapter, clock).run(moves(("x", "b", "live", 1)))[0]
    assert result.error == "No valid host was found. (b)" and result.method is None


def test_a_scheduler_that_lags_behind_gets_the_same_target_again_after_a_wait():
    """nova's scheduler refreshes its view of a host's instances every 120 s: a member of an anti-affinity
    group that just left a host can keep the next member from going there until then."""
    clock = Clock()

    class Lagging(SchedulerAdapter):
        def start(self, move, method):
            self.full = set(["b"]) if clock.now < 40 else set()
            return super(Lagging, self).start(move, method)
    adapter = Lagging(full=["b"])

    def retarget(move, refused, whereabouts):
        return (None, "c holds the other member") if refused else ("b", None)
    result = runner(adapter, clock, retarget=retarget).run(moves(("x", "b", "live", 1)))[0].as_dict()
    assert result["status"] == "moved" and result["final_host"] == "b" and result["method"] == "live"
    assert [a.get("replanned") for a in result["attempts"]] == [None, "tried again after 15 s",
                                                                "tried again after 30 s", "tried again after 45 s"]
    assert [e for e in adapter.log if e[0] == "start"] == [("start", "x", "live", "b")] * 4


def test_the_wait_for_a_lagging_scheduler_is_bounded():
    clock = Clock()
    adapter = SchedulerAdapter(full=["b"])
    result = runner(adapter, clock, retarget=lambda move, refused, where: (None, "no room") if refused else (
        "b", None), allowed={"x": ["live"]}).run(moves(("x", "b", "live", 1)))[0]
    assert result.error.startswith("No valid host") and clock.now <= 160
    assert len([e for e in adapter.log if e[0] == "start"]) == 11  # at 0, 15 ... 150 s
