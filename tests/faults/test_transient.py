# -*- coding: utf-8 -*-
"""Transient API faults mid-rollout (review §2a-2c): ridden through, the rollout ends ok.

While the fault lasts, the second host's drain is kept in flight (its large guest dirties memory faster than
the copy runs) so the drain really has to poll through the fault; it is released once the fault is over.
"""

import os
import signal
import time

import harness

SECOND = "compute-1"
HELD_VM = "db-01"


def hold(cluster, dirty):
    cluster.control("POST", "/instances/%s/dirty" % HELD_VM, {"dirty": dirty})


def held_in_flight(cluster):
    return any(m["instance"] == HELD_VM and m["status"] == "running"
               for m in cluster.in_flight(cluster.state(), SECOND))


def finish(faults, cluster, playbook, before, sampler, run_id, timeout=120):
    rc = playbook.wait(timeout)
    sampler.stop()
    after = cluster.state()
    report = cluster.report(run_id)
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, playbook.output())
    assert not problems, "\n".join(problems)
    return after, report


def test_nova_api_503_for_15s_during_a_drain(faults):
    """4. Every API request gets 503 for 15 s while the second host drains: ridden through, rollout ok."""
    cluster = faults.nova()
    hold(cluster, True)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    playbook = faults.playbook(cluster, "t-503").start()
    harness.wait_until(lambda: held_in_flight(cluster), 60, 0.2, "the drain of %s in flight" % SECOND)
    cluster.control("DELETE", "/requests")
    cluster.api_down("503")
    time.sleep(15)
    cluster.api_up()
    refused = [r for r in cluster.control("GET", "/requests")["requests"] if r["status"] == 503]
    hold(cluster, False)
    assert refused, "no request met the outage: the fault was not exercised"
    finish(faults, cluster, playbook, before, sampler, "t-503")


def test_nova_one_500_on_os_migrations_during_a_drain(faults):
    """5. One HTTP 500 on GET os-migrations while the second host drains: ridden through, rollout ok."""
    cluster = faults.nova()
    hold(cluster, True)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    playbook = faults.playbook(cluster, "t-500").start()
    harness.wait_until(lambda: held_in_flight(cluster), 60, 0.2, "the drain of %s in flight" % SECOND)
    cluster.control("DELETE", "/requests")
    cluster.control("POST", "/faults", {"kind": "http_error", "method": "GET", "path": "os-migrations",
                                        "service": "nova", "status": 500, "count": 1})
    fired = harness.wait_until(
        lambda: [r for r in cluster.control("GET", "/requests")["requests"]
                 if r["status"] == 500 and "os-migrations" in r["path"]], 30, 0.2, "the drain to meet the 500")
    hold(cluster, False)
    assert len(fired) == 1, fired
    finish(faults, cluster, playbook, before, sampler, "t-500")


def test_nova_connection_resets_while_waiting_for_a_host(faults):
    """6. Connections reset for 3.5 s while the rollout waits for a rebooted host: ridden through, ok."""
    # reboots of 40 simulated s (1 real s) so that compute-0's is seen; compute-0 then takes longer (below)
    cluster = faults.nova(mock_reboot_seconds=40)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    playbook = faults.playbook(cluster, "t-reset").start()
    harness.wait_until(lambda: "compute-0" in cluster.host_down(cluster.state()), 60, 0.1, "compute-0 rebooting")
    # compute-0 takes longer to boot (240 simulated s, 6 real s at time scale 40), so the outage falls in the wait
    cluster.control("POST", "/hosts/compute-0/reboot", {"down_seconds": 240})
    cluster.api_down("reset")
    time.sleep(3.5)
    still_down = "compute-0" in cluster.host_down(cluster.state())
    cluster.api_up()
    assert still_down, "compute-0 came back during the outage: the wait was not exercised through it"
    after, _report = finish(faults, cluster, playbook, before, sampler, "t-reset")
    assert "Wait until the compute service is up again" in playbook.output()


def test_hyperv_endpoint_frozen_20s_during_a_drain(faults):
    """14. Hyper-V: the WinRM endpoint freezes for 20 s (its process stopped) while HV02 drains: every request
    of the drain hangs meanwhile; ridden through, the rollout ends ok."""
    cluster = faults.hyperv(mock_reboot_seconds=1)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    playbook = faults.playbook(cluster, "t-freeze").start()
    cluster.hold_drain_of("HV02", "HV01", sampler)
    os.kill(cluster.process.pid, signal.SIGSTOP)
    try:
        time.sleep(20)
    finally:
        os.kill(cluster.process.pid, signal.SIGCONT)
    assert playbook.running(), "the rollout ended during the freeze:\n%s" % playbook.output()[-3000:]
    cluster.release()
    finish(faults, cluster, playbook, before, sampler, "t-freeze")
