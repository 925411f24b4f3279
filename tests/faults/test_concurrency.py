# -*- coding: utf-8 -*-
"""Two rollouts of one cluster at once (review §4): the second is refused at once, naming the holder."""

import collections
import os
import re

import harness

HELD_VM = "db-00"   # compute-0's large guest: the first run's first drain is held in flight meanwhile


def test_second_run_refused_while_first_runs(faults):
    """11. While run A drains, run B (another run id) and run C (A's run id) are refused at once, naming A's
    run id and pid, and change nothing; A then finishes ok and no host is rebooted twice."""
    cluster = faults.nova()
    cluster.control("POST", "/instances/%s/dirty" % HELD_VM, {"dirty": True})
    before = cluster.state()
    sampler = faults.sampler(cluster)
    first = faults.playbook(cluster, "conc-a", label="first").start()
    harness.wait_until(lambda: any(m["instance"] == HELD_VM and m["status"] == "running"
                                   for m in cluster.in_flight(cluster.state(), "compute-0")),
                       60, 0.2, "run A's drain of compute-0 in flight")
    record_path = os.path.join(cluster.cluster_dir(), "conc-a", "rollout.json")
    lock_path = os.path.join(cluster.cluster_dir(), "lock.json")
    with open(record_path, "rb") as handle:
        record = handle.read()
    with open(lock_path, "rb") as handle:
        lock = handle.read()

    for label, run_id in (("other-id", "conc-b"), ("same-id", "conc-a")):
        contender = faults.playbook(cluster, run_id, label=label).start()
        rc = contender.wait(30)
        output = contender.output()
        assert rc != 0, "run %s was not refused" % label
        assert contender.seconds < 20, "run %s took %s s to be refused" % (label, contender.seconds)
        holder = r"the cluster is being updated by run conc-a on \S+ \(pid %d," % first.pid
        assert re.search(holder, output), "run %s's refusal does not name the holder:\n%s" % (label, output[-3000:])
        tasks = re.findall(r"^TASK \[(.*?)\]", output, re.M)
        assert not [t for t in tasks if "platform" in t or "preflight" in t], \
            "run %s went on after the refusal: %s" % (label, tasks)
        assert first.running(), "run A ended while run %s was refused" % label
        with open(record_path, "rb") as handle:
            assert handle.read() == record, "run %s changed run A's record" % label
        with open(lock_path, "rb") as handle:
            assert handle.read() == lock, "run %s changed the lock" % label

    cluster.control("POST", "/instances/%s/dirty" % HELD_VM, {"dirty": False})
    rc = first.wait(120)
    sampler.stop()
    after = cluster.state()
    report = cluster.report("conc-a")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, first.output())
    if sampler.went_down != collections.Counter(dict((h, 1) for h in before["hosts"])):
        problems.append("reboots per host: %s" % dict(sampler.went_down))
    if cluster.run_ids() != ["conc-a"]:
        problems.append("run records: %s" % cluster.run_ids())
    if cluster.lock() is not None:
        problems.append("lock left: %s" % cluster.lock())
    assert not problems, "\n".join(problems)
