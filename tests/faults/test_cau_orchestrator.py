# -*- coding: utf-8 -*-
"""playbooks/rolling_update.yml handing a proven rollout to Cluster-Aware Updating
(rolling_update_orchestrator: platform) on the tight 10-node cluster where CAU's default failback races the
next drain: the run CAU makes must be the clustered role's own, with the settings the cau role gave it."""

import os

import harness

TIGHT = os.path.join(harness.ROOT, "tests", "mocks", "hyperv", "scenarios", "seed_tight_10node.yaml")


def test_rollout_handed_to_cau_runs_the_role_as_configured_without_a_failed_failback(faults):
    cluster = faults.hyperv(TIGHT, idle_speed=0)
    nodes = [n["name"] for n in cluster.state()["nodes"]]
    rc, output = faults.run(cluster, "cau-1", timeout=600, rolling_update_orchestrator="platform")
    assert rc == 0, output[-3000:]
    state = cluster.state()
    runs = state["cau"]["runs"]
    assert len(runs) == 1, "one updating run, the role's own: %s" % runs
    run = runs[0]
    assert run["status"] == "Succeeded" and not run["stopped"], run
    assert run["events_21502"] == 0 and run["failback_migrations_failed"] == 0, run
    role = state["cau"]["role"]["settings"]
    # the cau role's default (quiescence): the wait script runs before each node is drained, and the run used it
    assert role["PreUpdateScript"] and run["settings"]["PreUpdateScript"] == role["PreUpdateScript"], run
    assert sorted(r["node"] for r in run["nodes"] if r["status"] == "Succeeded") == sorted(nodes)
    assert sum(n["events_21502"] for n in state["nodes"]) == 0
    assert all(vm["state"] == "Online" for vm in state["vms"]), "no VM left stopped"
    assert not cluster.lock(), "the run's lock is released"
