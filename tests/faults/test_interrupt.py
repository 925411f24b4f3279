# -*- coding: utf-8 -*-
"""Interrupted rollouts (review §1): Ctrl-C or kill -9 mid-drain of the second host, then a re-run resumes.

The drain is held in flight by the mock (a guest that dirties memory faster than the copy runs, or the
Hyper-V clock stopped) from before the signal until the re-run is waiting for the orphaned drain job, so
the re-run really meets a drain still running and must wait for it rather than start a second one.
"""

import collections
import signal

import harness

SECOND = "compute-1"
HELD_VM = "db-01"   # the large instance on the second host: its live migration is held until released
# the clusters run under strategy free, whose output shows a task when its first result comes in; the rollout
# output (ansible.cfg) shows it at the first check of a drain as well
LEFTOVER_TASK = r"TASK \[[^\]]*Wait for the drains an interrupted invocation of this run left running"


def interrupt_nova(faults, sig, run_id, rerun_id):
    """Run, catch the second host's drain in flight, send sig, re-run with rerun_id; every check at the end."""
    cluster = faults.nova()
    cluster.control("POST", "/instances/%s/dirty" % HELD_VM, {"dirty": True})
    before = cluster.state()
    sampler = faults.sampler(cluster)

    first = faults.playbook(cluster, run_id, label="interrupted").start()
    harness.wait_until(lambda: any(m["instance"] == HELD_VM and m["status"] == "running"
                                   for m in cluster.in_flight(cluster.state(), SECOND)),
                       60, 0.2, "the live migration of %s off %s" % (HELD_VM, SECOND))
    first.signal(sig)
    rc = first.wait(30)
    assert rc != 0, "the interrupted run exited 0"
    lock = cluster.lock()
    assert lock and lock["run_id"] == run_id and lock["pid"] == first.pid, \
        "the interrupted run's lock should still name it: %s" % lock
    record = cluster.report(run_id)
    assert record["status"] == "running" and SECOND in record["out_of_service"], \
        "the record written ahead should show %s out of service by the running rollout: %s" % (
            SECOND, record["out_of_service"])
    assert record["jobs"].get(SECOND, {}).get("results_file"), "the drain job of %s is not recorded" % SECOND
    state = cluster.state()
    assert cluster.in_flight(state, SECOND), "the orphaned drain is no longer in flight: nothing to await"

    second = faults.playbook(cluster, rerun_id, label="resumed").start()
    second.wait_for_output(LEFTOVER_TASK, 60)
    # the orphaned drain still runs and the re-run waits for it: now let the held migration finish
    assert cluster.in_flight(cluster.state(), SECOND), "the held migration ended before the re-run awaited it"
    cluster.control("POST", "/instances/%s/dirty" % HELD_VM, {"dirty": False})
    rc = second.wait(120)
    sampler.stop()
    after = cluster.state()
    report = cluster.report(run_id)
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, second.output())
    # the orphaned drain and the resumed run never both migrated a VM off the second host
    starts = collections.Counter(m["instance"] for m in after["migrations"] if m["source_compute"] == SECOND)
    problems += ["%s was migrated off %s %d times" % (vm, SECOND, n) for vm, n in starts.items() if n > 1]
    # nothing done twice: every host went down (rebooted) exactly once
    if sampler.went_down != collections.Counter(dict((h, 1) for h in before["hosts"])):
        problems.append("reboots per host: %s" % dict(sampler.went_down))
    if cluster.lock() is not None:
        problems.append("the lock is still there after the resumed run: %s" % cluster.lock())
    assert not problems, "\n".join(problems)
    return cluster, report, second.output()


def test_nova_sigint_mid_drain_then_resume(faults):
    """1. Ctrl-C while the second host drains; the re-run with the same run id resumes and finishes."""
    interrupt_nova(faults, signal.SIGINT, "int-1", "int-1")


def test_nova_sigkill_mid_drain_then_resume(faults):
    """2. kill -9 mid-drain; the re-run awaits the orphaned drain job (never starts it twice) and finishes."""
    _cluster, report, output = interrupt_nova(faults, signal.SIGKILL, "int-2", "int-2")
    assert "resumed run int-2" in output, "the re-run does not say it resumed the interrupted run"
    step = [s for s in report["steps"] if s["host"] == SECOND]
    assert len(step) == 1 and step[0]["status"] == "done", step


def test_nova_sigkill_then_rerun_without_run_id(faults):
    """3. kill -9, then at once a re-run that names no run id: it takes the interrupted run's id from the lock."""
    cluster, _report, _output = interrupt_nova(faults, signal.SIGKILL, "int-3", None)
    assert cluster.run_ids() == ["int-3"], "records on the controller: %s" % cluster.run_ids()


def test_hyperv_sigint_mid_drain_then_resume(faults):
    """12. Hyper-V: Ctrl-C while HV02 drains; the re-run resumes: HV02 (paused by the first run) is drained,
    updated and resumed."""
    cluster = faults.hyperv(mock_reboot_seconds=1)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    first = faults.playbook(cluster, "hv-int-1", label="interrupted").start()
    cluster.hold_drain_of("HV02", "HV01", sampler)
    first.signal(signal.SIGINT)
    assert first.wait(30) != 0
    lock = cluster.lock()
    assert lock and lock["run_id"] == "hv-int-1", lock
    assert "HV02" in cluster.out_of_service(cluster.state())

    second = faults.playbook(cluster, "hv-int-1", label="resumed").start()
    second.wait_for_output(LEFTOVER_TASK, 60)
    assert cluster.in_flight(cluster.state(), "HV02"), "the held migration ended before the re-run awaited it"
    cluster.release()
    rc = second.wait(120)
    sampler.stop()
    after = cluster.state()
    report = cluster.report("hv-int-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, second.output())
    if sampler.went_down != collections.Counter(dict((n["name"], 1) for n in before["nodes"])):
        problems.append("reboots per node: %s" % dict(sampler.went_down))
    hv02 = [s for s in report["steps"] if s["host"] == "HV02"]
    if not (len(hv02) == 1 and hv02[0]["status"] == "done" and hv02[0]["moves"]):
        problems.append("HV02's step: %s" % hv02)
    assert not problems, "\n".join(problems)
