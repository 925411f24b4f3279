# -*- coding: utf-8 -*-
"""No silent downtime (review §2d): a running VM whose live migration fails is not cold-migrated unless allowed."""

import harness

VM = "db-00"   # running on compute-0, the first host


def cold_moves(state):
    return [m for m in state["migrations"] if m["instance"] == VM and m["migration_type"] != "live-migration"]


def test_failed_live_migration_is_not_turned_into_downtime(faults):
    """13. db-00's live migrations fail. Default policy: it is not cold-migrated, the rollout stops with compute-0
    left behind and the mock records no downtime. Re-run allowing downtime for db-00: it is cold-migrated, the
    summary names it and the mock recorded exactly that downtime."""
    cluster = faults.nova()
    cluster.control("POST", "/faults", {"kind": "migration_fail", "instance": VM, "phase": "running", "count": 100})
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(cluster, "dt-1", label="default-policy")
    state = cluster.state()
    report = cluster.report("dt-1")
    problems = harness.check_invariants(cluster, before, state, sampler, report)
    if rc == 0 or report["status"] != "failed":
        problems.append("rc %s, status %s: a VM that cannot move live must stop the rollout" % (rc, report["status"]))
    if state["downtime"]["events"] != 0:
        problems.append("the mock recorded downtime: %s" % harness.NovaCluster.downtime_events(state))
    if cold_moves(state):
        problems.append("%s was moved by a method with downtime: %s" % (VM, cold_moves(state)))
    if state["instances"][VM]["host"] != "compute-0" or state["instances"][VM]["status"] != "ACTIVE":
        problems.append("%s is %s on %s" % (VM, state["instances"][VM]["status"], state["instances"][VM]["host"]))
    failed = [m for s in report["steps"] for m in s["moves"] if m["vm"] == VM]
    if not (failed and all(m["status"] == "failed" for m in failed)):
        problems.append("the report's moves of %s: %s" % (VM, failed))
    if [item["host"] for item in report["left_behind"]] != ["compute-0"]:
        problems.append("left_behind %s" % report["left_behind"])
    if report["summary"]["downtime_vms"]:
        problems.append("downtime_vms %s" % report["summary"]["downtime_vms"])
    assert not problems, "\n".join(problems) + "\n" + output[-3000:]

    rc, output = faults.run(cluster, "dt-1", label="allowed", vmfleet_drain={"allow_downtime_vms": [VM]})
    sampler.stop()
    after = cluster.state()
    report = cluster.report("dt-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    events = harness.NovaCluster.downtime_events(after)
    cold = [(m["instance"], m["source_compute"], m["dest_compute"]) for m in cold_moves(after)
            if m["status"] in harness.NOVA_MOVED]
    if list(events) != [VM] or [e["kind"] for e in events[VM]] != ["cold_migration"] * len(cold) or not cold:
        problems.append("downtime events %s for cold migrations %s" % (events, cold))
    if sorted((e["source"], e["target"]) for e in events.get(VM, [])) != sorted((s, t) for _v, s, t in cold):
        problems.append("downtime events %s do not match the cold migrations %s" % (events.get(VM), cold))
    if any(e["end"] is None for e in events.get(VM, [])):
        problems.append("a downtime event is still open: %s" % events[VM])
    if report["summary"]["downtime_vms"] != [VM]:
        problems.append("summary downtime_vms %s" % report["summary"]["downtime_vms"])
    downtime_moves = sorted((m["vm"], m["source"], m["target"]) for s in report["steps"] for m in s["moves"]
                            if m["status"] == "moved" and m["downtime"])
    if downtime_moves != sorted(cold):
        problems.append("the report's moves with downtime %s, the mock's cold migrations %s" % (downtime_moves, cold))
    if ("Guests stopped during their move (downtime allowed for them): %s" % VM) not in output:
        problems.append("the summary does not name %s" % VM)
    assert not problems, "\n".join(problems) + "\n" + output[-3000:]
