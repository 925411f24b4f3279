# -*- coding: utf-8 -*-
"""The default update of ESXi hosts (issue 12 §2): with no rolling_update_update_tasks, every host is rebooted
through vCenter (RebootHost_Task) while empty and in maintenance mode, and the rollout ends well; a depot without a
profile is refused in preflight before any write. (The esxcli step with a depot is tested on one host in
tests/integration/vsphere_modules/test_vsphere_host_reboot.py, against a stand-in esxcli.)"""

import re

import harness


def test_default_update_reboots_every_host_through_vcenter(faults):
    """No update tasks file, no depot: each host drained, rebooted with RebootHost_Task (its boot time advanced,
    seen down once), back in service; every VM where it can run and running as before; status ok. Two hosts at a
    time (the cluster can take it), to keep the test short."""
    cluster = faults.vsphere(rolling_update_max_hosts_down=2)
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(cluster, "esxi-1", timeout=180, rolling_update_update_tasks="")
    sampler.stop()
    after = cluster.state()
    report = cluster.report("esxi-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report, max_down=2)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    assert not problems, "\n".join(problems)
    assert cluster.reboots(after) == {"esx-01": 1, "esx-02": 1, "esx-03": 1}
    boots_before, boots_after = cluster.boot_times(before), cluster.boot_times(after)
    assert all(boots_after[h] > boots_before[h] for h in boots_before), (boots_before, boots_after)
    assert dict(sampler.went_down) == {"esx-01": 1, "esx-02": 1, "esx-03": 1}, sampler.timeline
    reboot_tasks = [t for t in after["tasks"] if t["name"] == "RebootHost_Task"]
    assert sorted(t["entity"] for t in reboot_tasks) == ["esx-01", "esx-02", "esx-03"]
    assert all(t["state"] == "success" for t in reboot_tasks)
    assert all(power == "poweredOn" for vm, power in cluster.powers(after).items() if vm != "batch-off")
    for host in ("esx-01", "esx-02", "esx-03"):   # the update's own account: a reboot, no depot applied
        assert re.search(r'"msg": "%s: rebooted in [0-9.]+ s \(boot time ' % host, output), host
    assert "applied from" not in output


def test_depot_without_profile_is_refused_in_preflight_before_any_write(faults):
    cluster = faults.vsphere()
    before = cluster.state()
    rc, output = faults.run(cluster, "esxi-3", timeout=120, rolling_update_update_tasks="",
                            platform_update_esxi_depot="/vmfs/volumes/shared-ds/depot.zip")
    after = cluster.state()
    assert rc != 0, "the run did not fail"
    assert "cannot apply the ESXi depot /vmfs/volumes/shared-ds/depot.zip to esx-01, esx-02, esx-03" in output, \
        output[-3000:]
    assert "platform_update_esxi_profile is empty" in output and "Nothing was moved" in output
    assert after["tasks"] == [], "vSphere tasks ran: %s" % after["tasks"]
    assert cluster.vms(after) == cluster.vms(before) and cluster.out_of_service(after) == set()
    assert cluster.reboots(after) == {"esx-01": 0, "esx-02": 0, "esx-03": 0}
    assert cluster.lock() is None, "a refused run left a lock: %s" % cluster.lock()
    assert cluster.report("esxi-3")["steps"] == []
