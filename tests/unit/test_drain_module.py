# -*- coding: utf-8 -*-
"""run_drain, the part every platform's drain module shares: the journal on an unexpected stop, the window."""

import json

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.module import run_drain
from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import (
    DONE, DrainInterrupted, MoveAdapter, MoveStatus)


class Unreachable(Exception):
    pass


class Adapter(MoveAdapter):
    """x finishes at its first poll; y's poll raises `error`."""

    methods = ("live",)

    def __init__(self, error):
        self.error = error

    def is_transient(self, error):
        return isinstance(error, Unreachable)

    def start(self, move, method):
        return move

    def poll(self, handle):
        if handle["vm"] == "y":
            raise self.error
        return MoveStatus(DONE, host=handle["target"])


class Module:
    check_mode = False

    def __init__(self, progress_file, retry_seconds):
        # host is the module's connection endpoint here (as on Hyper-V, where it is the WinRM endpoint): the host
        # to empty is passed to run_drain explicitly
        self.params = dict(host="hv-endpoint.contoso.local", allow_partial=False, progress_file=progress_file, stall_seconds=60,
                           on_stall="abort", timeout=60, poll_seconds=0.01, retry_seconds=retry_seconds)
        self.results = {}

    def fail(self, msg):
        raise AssertionError(msg)


def plan():
    return {"moves": [{"vm": vm, "source": "a", "target": "b", "method": "live", "wave": 1, "power_state": "on"}
                      for vm in ("x", "y")], "unplaced": []}


def test_an_unexpected_error_leaves_the_journal_saying_which_moves_may_still_finish(tmp_path):
    path = str(tmp_path / "a.json")
    module = Module(path, retry_seconds=30)
    with pytest.raises(DrainInterrupted):
        run_drain(module, "a", plan(), Adapter(KeyError("services")), {"x": ["live"], "y": ["live"]})
    with open(path) as handle:
        journal = json.load(handle)
    states = dict((m["vm"], m["state"]) for m in journal["moves"])
    assert journal["finished"] is True and states == {"x": "moved", "y": "in_flight"}
    assert journal["host"] == "a"


def test_the_modules_retry_seconds_bounds_the_outage_a_move_rides_through(tmp_path):
    module = Module(str(tmp_path / "a.json"), retry_seconds=0)
    with pytest.raises(AssertionError, match="drain of a incomplete: 1 of 2 moves failed"):
        run_drain(module, "a", plan(), Adapter(Unreachable("503")), {"x": ["live"], "y": ["live"]})
    by_vm = dict((r["vm"], r) for r in module.results["results"])
    assert by_vm["x"]["status"] == "moved" and by_vm["y"]["status"] == "failed"
    assert "retried" not in by_vm["y"]["error"]


def test_the_shared_module_base_does_not_load_the_drain_runner():
    """Every module runs from a fresh AnsiballZ payload, whose module_utils Python compiles on each run: a module
    that drains nothing must not carry the runner."""
    import os
    import subprocess
    import sys
    code = ("import sys; import ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base; "
            "print('drain.runner' in ' '.join(sys.modules))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert shown.strip() == "False"
