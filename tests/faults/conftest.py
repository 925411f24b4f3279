# -*- coding: utf-8 -*-
"""Fixtures of the fault suite: `faults` gives a test its mock clusters and playbook runs, and stops them all.

At the end, a table of every scenario with its outcome and duration.
"""

import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402  pylint: disable=wrong-import-position


class FaultEnv:
    """One test's mocks and playbook runs, all under its own directory."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.home = os.path.join(workdir, "home")
        os.makedirs(self.home)
        os.makedirs(os.path.join(workdir, "ansible-home"))
        os.makedirs(os.path.join(workdir, "ansible-tmp"))
        self.clusters = []
        self.playbooks = []
        self.samplers = []
        self.counter = 0

    def nova(self, scenario="nova_small.yaml", time_scale=None, **inventory_vars):
        args = ["--time-scale", str(time_scale)] if time_scale is not None else []
        return self._start(harness.NovaCluster, scenario, args, inventory_vars)

    def hyperv(self, scenario="hyperv_small.yaml", idle_speed=50, **inventory_vars):
        return self._start(harness.HyperVCluster, scenario, ["--idle-speed", str(idle_speed)], inventory_vars)

    def vsphere(self, scenario="vsphere_small.json", **inventory_vars):
        cluster = harness.VsphereCluster(os.path.join(harness.SCENARIOS, scenario), self.workdir)
        cluster.setup(self.workdir, inventory_vars)
        self.clusters.append(cluster)
        return cluster.start()

    def _start(self, cls, scenario, args, inventory_vars):
        cluster = cls(scenario=os.path.join(harness.SCENARIOS, scenario), workdir=self.workdir, extra_args=args,
                      demo_vars={})
        cluster.setup(self.workdir, inventory_vars)
        self.clusters.append(cluster)
        cluster.start()
        return cluster

    def sampler(self, cluster, interval=0.2):
        sampler = harness.Sampler(cluster, interval)
        self.samplers.append(sampler)
        sampler.start()
        return sampler

    def playbook(self, cluster, run_id=None, extra_args=(), label=None, **overrides):
        """A playbook run (not started) on its own inventory; run_id None: rolling_update_run_id unset."""
        self.counter += 1
        label = label or "run%d" % self.counter
        inventory = cluster.inventory_file(os.path.join(self.workdir, "%s-inventory.json" % label), run_id,
                                           **overrides)
        playbook = harness.Playbook(self.workdir, inventory, label, extra_args)
        self.playbooks.append(playbook)
        return playbook

    def run(self, cluster, run_id=None, timeout=90, extra_args=(), label=None, **overrides):
        """Run the playbook to its end: (rc, output)."""
        playbook = self.playbook(cluster, run_id, extra_args, label, **overrides).start()
        rc = playbook.wait(timeout)
        return rc, playbook.output()

    def close(self):
        leftovers = []
        for playbook in self.playbooks:
            playbook.kill()
        for sampler in self.samplers:
            sampler.stop()
        leftovers = harness.reap(self.home)
        for cluster in self.clusters:
            cluster.stop()
        return leftovers


@pytest.fixture
def faults(tmp_path):
    env = FaultEnv(str(tmp_path))
    try:
        yield env
    finally:
        left = env.close()
    assert not left, "processes of this test's playbooks still running at its end (killed): %s" % left


class _Result:
    def __init__(self):
        self.outcome = "passed"
        self.seconds = 0.0


_RESULTS = {}   # test id -> _Result, in the order the tests ended
_STARTED = []


def pytest_sessionstart(session):
    _STARTED.append(time.monotonic())


def pytest_runtest_logreport(report):
    """Every phase's report, on the controller (also when pytest-xdist runs the scenarios side by side)."""
    entry = _RESULTS.setdefault(report.nodeid.split("::", 1)[-1], _Result())
    entry.seconds += report.duration   # setup (the mocks), the test, teardown (stopping everything)
    if report.outcome != "passed" and entry.outcome == "passed":
        entry.outcome = report.outcome if report.when == "call" else "%s (%s)" % (report.outcome, report.when)


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    width = max(len(name) for name in _RESULTS)
    terminalreporter.write_line("")
    line = "{:<%d}  {:<8}  {:>7}" % width
    terminalreporter.write_line(line.format("scenario", "outcome", "seconds"))
    for name, entry in _RESULTS.items():
        terminalreporter.write_line(line.format(name, entry.outcome, "%.1f" % entry.seconds))
    total = sum(entry.seconds for entry in _RESULTS.values())
    terminalreporter.write_line(line.format("total (scenarios one after another)", "", "%.1f" % total))
    if _STARTED:
        wall = time.monotonic() - _STARTED[0]
        terminalreporter.write_line(line.format("wall clock of the suite", "", "%.1f" % wall))
