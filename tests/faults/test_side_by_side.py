# -*- coding: utf-8 -*-
"""Several clusters in one inventory (issue 13 §1): they roll side by side, a cluster that stops stops alone,
the summary play lists every cluster and the run exits non-zero."""

import json
import os
import re

import harness
from harness import demo

RUN_ID = "side-1"
QUICK = {"mock_reboot_seconds": 2, "vmfleet_drain": {"poll_seconds": 1}}
# A lock of this cluster held by a run on another controller: the rollout is refused before its record opens.
FOREIGN_LOCK = {"run_id": "elsewhere-1", "controller": "another-controller.example.net", "pid": 4242,
                "pid_start_ticks": None, "started": "2026-01-01T00:00:00Z"}


def start(faults, cls, scenario, name, extra_args, **inventory_vars):
    """A mock cluster named `name` with its files in a directory of its own."""
    workdir = os.path.join(faults.workdir, name)
    os.makedirs(workdir)
    cluster = cls(scenario=os.path.join(harness.SCENARIOS, scenario), workdir=workdir, name=name,
                  extra_args=extra_args, demo_vars={})
    cluster.setup(workdir, inventory_vars)
    faults.clusters.append(cluster)
    return cluster.start()


def host_vars(cluster):
    return demo.merged(cluster.inventory(RUN_ID), cluster.inventory_vars)


def locked_cluster(workdir):
    """A nova cluster that is never reached: its lock is held elsewhere (its API address answers nothing)."""
    state_dir = os.path.join(workdir, "state", "side-locked")
    os.makedirs(os.path.join(state_dir, "side-locked"))
    with open(os.path.join(state_dir, "side-locked", "lock.json"), "w") as handle:
        json.dump(FOREIGN_LOCK, handle)
    auth = {"auth_url": "http://127.0.0.1:9/v3", "username": "admin", "password": "secret",
            "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"}
    return dict(demo.mock_update("nova", "http://127.0.0.1:9"), ansible_connection="local",
                ansible_python_interpreter=demo.PYTHON, vmfleet_platform="nova",
                vmfleet_connection={"auth": auth, "region_name": "RegionOne"},
                rolling_update_run_id=RUN_ID, rolling_update_state_dir=state_dir)


def step_spans(report):
    """(start, end) of each step that began, in seconds since the epoch: the record's t0 plus its step times."""
    t0 = float(report["t0"])
    return [(t0 + step["times"]["drain_start"], t0 + max(step["times"].values()))
            for step in report["steps"] if "drain_start" in step["times"]]


def overlap(spans_a, spans_b):
    return any(max(a[0], b[0]) < min(a[1], b[1]) for a in spans_a for b in spans_b)


def test_clusters_side_by_side_one_stops_alone(faults):
    """A Hyper-V cluster finishes ok while, in the same run, a nova cluster stops (compute-0 never comes back)
    and a third cluster is refused by its lock: the healthy one updated every host, its steps overlapping the
    stopped one's in time; the stopped one left exactly what its record says; the summary names all three and
    fails the two that did not finish; the run exits non-zero."""
    # two hosts each, polled every second (the rollouts share this machine's two cores)
    hyperv = start(faults, harness.HyperVCluster, "hyperv_pair.yaml", "side-hyperv", ["--idle-speed", "50"],
                   **QUICK)
    stuck_vars = dict(QUICK)
    stuck_vars.update({"mock_reboot_seconds": 10000000, "rolling_update_wait_retries": 2,
                       "rolling_update_host_map": {"compute-0": "stuck-compute-0", "compute-1": "stuck-compute-1"}})
    stuck = start(faults, harness.NovaCluster, "nova_pair.yaml", "side-stuck", [], **stuck_vars)
    stuck.inventory_targets = demo.local_hosts(["stuck-compute-0", "stuck-compute-1"])
    healthy = (hyperv,)
    clusters = healthy + (stuck,)

    inventory = {"vmfleet_clusters": {"hosts": dict((c.name, host_vars(c)) for c in clusters)},
                 "vmfleet_update_targets": {"hosts": {}}}
    inventory["vmfleet_clusters"]["hosts"]["side-locked"] = locked_cluster(faults.workdir)
    for cluster in clusters:
        targets = cluster.inventory_targets
        inventory["vmfleet_update_targets"]["hosts"].update(targets or demo.local_hosts(cluster.host_names()))
    inventory_path = os.path.join(faults.workdir, "side-inventory.json")
    with open(inventory_path, "w") as handle:
        json.dump(inventory, handle, indent=2)

    before = dict((c.name, c.state()) for c in clusters)
    samplers = dict((c.name, faults.sampler(c)) for c in clusters)
    playbook = harness.Playbook(faults.workdir, inventory_path, "side")
    faults.playbooks.append(playbook)
    rc = playbook.start().wait(180)
    output = playbook.output()
    for sampler in samplers.values():
        sampler.stop()
    after = dict((c.name, c.state()) for c in clusters)
    reports = dict((c.name, c.report(RUN_ID)) for c in clusters)

    problems = []
    if rc == 0:
        problems.append("ansible-playbook exited 0 although two clusters did not finish")
    for cluster in healthy:
        name = cluster.name
        found = harness.check_invariants(cluster, before[name], after[name], samplers[name], reports[name])
        found += harness.finished_ok(cluster, after[name], reports[name], 0, output)
        problems += ["%s: %s" % (name, p) for p in found]

    # the stopped cluster: compute-0 stays down, left behind as the record says; the other hosts never taken out
    report = reports[stuck.name]
    problems += ["side-stuck: %s" % p for p in harness.check_invariants(
        stuck, before[stuck.name], after[stuck.name], samplers[stuck.name], report)]
    if report["status"] != "failed" or [i["host"] for i in report["left_behind"]] != ["compute-0"]:
        problems.append("side-stuck: status %s, left behind %s" % (report["status"], report["left_behind"]))
    if set(samplers[stuck.name].went_down) != {"compute-0"}:
        problems.append("side-stuck: hosts rebooted %s" % dict(samplers[stuck.name].went_down))

    # the locked cluster: refused before its record opened, the foreign lock untouched
    locked_dir = os.path.join(faults.workdir, "state", "side-locked", "side-locked")
    with open(os.path.join(locked_dir, "lock.json")) as handle:
        if json.load(handle) != FOREIGN_LOCK:
            problems.append("side-locked: its lock was changed")
    if os.listdir(locked_dir) != ["lock.json"]:
        problems.append("side-locked: files %s" % os.listdir(locked_dir))

    # side by side: the stopped cluster's step ran while one of the healthy cluster's steps did (one after the
    # other, as the linear strategy runs each host's included step, they never overlap)
    spans = dict((name, step_spans(report)) for name, report in reports.items())
    if not overlap(spans[stuck.name], spans[hyperv.name]):
        problems.append("no step of side-stuck overlapped one of side-hyperv: %s" % spans)

    # the summary play: one line per cluster, and the clusters that did not finish are failed there
    expected = {"side-hyperv": "ok", "side-stuck": "failed", "side-locked": "failed"}
    for name, status in expected.items():
        line = re.search(r'"Cluster %s: (\w+)[^"]*"' % name, output)
        if not line or line.group(1) != status:
            problems.append("summary line of %s: %s" % (name, line and line.group(0)))
    stuck_line = re.search(r'"Cluster side-stuck: failed, 0 of 2 host\(s\) updated, [^"]*compute-0 did not come back',
                           output)
    locked_line = re.search(r'"Cluster side-locked: failed, 0 of \? host\(s\) updated, [^"]*report none written: '
                            r'[^"]*another-controller', output)
    if not stuck_line or not locked_line:
        problems.append("the summary does not say why side-stuck and side-locked stopped")
    recap = dict(re.findall(r"^(side-\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=(\d+)", output, re.M))
    if recap != {"side-hyperv": "0", "side-stuck": "1", "side-locked": "1"}:
        problems.append("play recap failures: %s" % recap)
    if problems:
        problems.append("ansible-playbook output ends:\n%s" % output[-4000:])
    assert not problems, "\n".join(problems)
