# -*- coding: utf-8 -*-
"""A host that does not come back after its update (review §2f): a clear failure, an honest report, a resume."""

import collections

import harness


def test_nova_host_never_back_then_resume(faults):
    """7. compute-0 stays down after its reboot: the run fails naming it, the report leaves it behind with its
    moves; once it is up again, a re-run with the same run id finishes."""
    cluster = faults.nova(mock_reboot_seconds=10000000, rolling_update_wait_retries=3)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(cluster, "noback-1", label="stuck")
    assert rc != 0, "the run did not fail although compute-0 never came back"
    assert "compute-0 did not come back" in output, output[-3000:]
    state = cluster.state()
    report = cluster.report("noback-1")
    problems = harness.check_invariants(cluster, before, state, sampler, report)
    if [item["host"] for item in report["left_behind"]] != ["compute-0"]:
        problems.append("left_behind %s" % report["left_behind"])
    step = [s for s in report["steps"] if s["host"] == "compute-0"]
    if not (step and step[0]["status"] == "failed" and "did not come back" in (step[0]["error"] or "")):
        problems.append("compute-0's step: %s" % step)
    moved_off = sorted(m["vm"] for s in step for m in s["moves"] if m["status"] == "moved")
    running_on = sorted(vm for vm, item in before["instances"].items()
                        if item["host"] == "compute-0" and item["status"] == "ACTIVE")
    if moved_off != running_on:
        problems.append("the report's moves off compute-0 %s, its running VMs %s" % (moved_off, running_on))
    if report["status"] != "failed" or cluster.lock() is not None:
        problems.append("status %s, lock %s" % (report["status"], cluster.lock()))
    assert not problems, "\n".join(problems)

    cluster.control("POST", "/hosts/compute-0/up", {})
    rc, output = faults.run(cluster, "noback-1", label="resumed", mock_reboot_seconds=10)
    sampler.stop()
    after = cluster.state()
    report = cluster.report("noback-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    # compute-0 was re-done (its update again), the others once
    if sampler.went_down != collections.Counter({"compute-0": 2, "compute-1": 1, "compute-2": 1}):
        problems.append("reboots per host: %s" % dict(sampler.went_down))
    assert not problems, "\n".join(problems)
