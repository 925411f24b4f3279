# -*- coding: utf-8 -*-
"""The words of the rollout output: drain_status's moves read from a progress file, and how they are told."""

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.progress import (
    progress_elapsed_seconds, progress_moves)
from ansible_collections.vmfleet.maintenance.plugins.plugin_utils.rollout_progress import (
    MoveTracker, compact_drain_line, drain_heading, drain_outcome, duration_text, move_lines, move_status,
    waiting_line)


def move(vm, state="waiting", percent=None, target="compute-2", method="live", source="compute-1", detail=""):
    return {"vm": vm, "source": source, "target": target, "method": method, "wave": 1, "state": state,
            "percent": percent, "detail": detail}


def test_progress_moves_say_moving_and_where_a_move_heads_now():
    document = {"host": "compute-1", "moves": [
        {"vm": "web-1", "source": "compute-1", "target": "compute-2", "method": "live", "state": "running",
         "percent": 63.4, "detail": "", "attempts": [{"method": "live", "target": "compute-3", "replanned": "x"}]},
        {"vm": "db-1", "source": "compute-1", "target": "compute-2", "method": "live", "state": "moved",
         "percent": 100, "final_host": "compute-4", "attempts": [{"method": "live"}]},
        {"vm": "app-1", "source": "compute-1", "target": "compute-2", "method": "cold", "state": "waiting"}]}
    moves = progress_moves(document)
    assert [(m["vm"], m["state"], m["target"]) for m in moves] == [
        ("web-1", "moving", "compute-3"), ("db-1", "moved", "compute-4"), ("app-1", "waiting", "compute-2")]
    assert set(moves[0]) == {"vm", "source", "target", "method", "wave", "state", "percent", "detail"}


def test_elapsed_runs_until_the_drain_finished():
    assert progress_elapsed_seconds({"started_at": 100.0}, now=145.0) == 45.0
    assert progress_elapsed_seconds({"started_at": 100.0, "updated_at": 130.0, "finished": True}, now=999) == 30.0
    assert progress_elapsed_seconds({"updated_at": 130.0}) is None


@pytest.mark.parametrize("seconds, text", [(0, "0 s"), (44.6, "45 s"), (125, "2 min 05 s"), (3720, "1 h 02 min")])
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_move_status_in_a_few_words():
    assert move_status(move("a", "moving", 62.6)) == "moving 63%"
    assert move_status(move("a", "moving", detail="queued")) == "moving (queued)"
    assert move_status(move("a", "moved")) == "moved"
    assert move_status(move("a", "failed", detail="no progress for 120s")) == "failed: no progress for 120s"
    assert move_status(move("a", "not_started")) == "not started"


def test_move_lines_are_aligned_columns():
    lines = move_lines([move("web-1", "moving", 40), move("database-01", "waiting", target="compute-10",
                                                          method="cold")])
    assert lines == ["  web-1        compute-1 -> compute-2   live  moving 40%",
                     "  database-01  compute-1 -> compute-10  cold  waiting"]
    assert move_lines([]) == []


def test_heading_tallies_the_drain_and_names_a_failback():
    moves = [move("a", "moved"), move("b", "moving", 10), move("c"), move("d", "failed")]
    assert drain_heading("compute-1", moves, 75) == \
        "draining compute-1: 1 of 4 moved, 1 moving, 1 waiting, 1 failed (1 min 15 s)"
    home = [move("a", "moving", 5, source="compute-2", target="compute-1")]
    assert drain_heading("compute-1", home) == "bringing VMs home to compute-1: 0 of 1 moved, 1 moving"


def test_outcome_counts_methods_or_tells_what_did_not_move():
    done = [move("a", "moved"), move("b", "moved"), move("c", "moved", method="cold")]
    assert drain_outcome("compute-1", done, 62) == "compute-1 drained: 3 of 3 moved (2 live, 1 cold) in 1 min 02 s"
    stopped = [move("a", "moved"), move("b", "failed", detail="x"), move("c", "not_started")]
    assert drain_outcome("compute-1", stopped) == \
        "compute-1 drain ended: 1 of 3 moved, 1 failed, 1 not started (1 live)"
    home = [move("a", "moved", source="compute-2", target="compute-1")]
    assert drain_outcome("compute-1", home, 5) == "VMs home to compute-1: 1 of 1 moved (1 live) in 5 s"
    assert drain_outcome("compute-1", []) == "compute-1: nothing to move"


def test_compact_line_shows_moves_in_flight_and_those_just_ended():
    moves = [move("a", "moved"), move("b", "moving", 55, target="compute-3"), move("c"), move("d", "moved")]
    line = compact_drain_line("compute-1", moves, changed=[moves[0]], elapsed_seconds=9)
    assert line == ("draining compute-1: 2 of 4 moved, 1 moving, 1 waiting (9 s): "
                    "a moved to compute-2, b -> compute-3 live 55%")


def test_tracker_returns_only_what_changed_and_ignores_percent_once_moved():
    tracker = MoveTracker()
    first = [move("a", "moving", 10), move("b")]
    assert [m["vm"] for m in tracker.changed("k", first)] == ["a", "b"]
    assert tracker.changed("k", first) == []
    assert [m["vm"] for m in tracker.changed("k", [move("a", "moving", 20), move("b")])] == ["a"]
    assert [m["vm"] for m in tracker.changed("k", [move("a", "moved"), move("b")])] == ["a"]
    assert tracker.changed("k", [move("a", "moved", 100), move("b")]) == []
    assert [m["vm"] for m in tracker.changed("other", [move("a", "moved")])] == ["a"]
    tracker.forget("k")
    assert len(tracker.changed("k", first)) == 2


def test_waiting_line_reads_the_task_name():
    assert waiting_line("Wait until the compute service is up again on compute-1", 12, 5, 121) == \
        "waiting until the compute service is up again on compute-1 (12 s, check 5 of 121)"
    assert waiting_line("Poll the service", 3) == "waiting: Poll the service (3 s)"
    assert waiting_line("Wait for the API", 4, 2, 11, error="HTTP 503") == \
        "waiting for the API (4 s, check 2 of 11); the last check failed: HTTP 503"
