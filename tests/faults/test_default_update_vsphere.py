# -*- coding: utf-8 -*-
"""The default update of ESXi hosts (issue 12 §2): with no rolling_update_update_tasks, every host is rebooted
through vCenter (RebootHost_Task) while empty and in maintenance mode, and the rollout ends well; a depot without a
profile is refused in preflight before any write. (The esxcli step with a depot is tested on one host in
tests/integration/vsphere_modules/test_vsphere_host_reboot.py, against a stand-in esxcli.)"""

import collections
import json
import os
import re
import ssl
import subprocess
import urllib.request

import harness
from harness import demo

MIGRATIONS = ("MigrateVM_Task", "RelocateVM_Task")


class VsphereCluster(harness.MockCluster, demo.VsphereDemo):
    """The fault suite's vSphere cluster: vcsimx with its files under the test's directory, read through its
    control endpoint (/_vcsimx/state: hosts, VMs, the tasks it ran)."""

    platform = "vsphere"
    name = "faults-vsphere"

    def __init__(self, scenario, workdir):  # pylint: disable=super-init-not-called
        self.scenario = scenario
        self.workdir = workdir
        self.process = None
        self.url = None

    def start(self):
        subprocess.run([os.path.join(harness.ROOT, "tests", "mocks", "vsphere", "build.sh")], check=True,
                       stdout=subprocess.DEVNULL)
        url_file = os.path.join(self.workdir, "vsphere.url")
        with open(os.path.join(self.workdir, "vsphere-mock.log"), "w") as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [os.path.join(harness.ROOT, "build", "vcsimx"), "-scenario", self.scenario, "-listen", "127.0.0.1:0",
                 "-url-file", url_file], cwd=harness.ROOT, stdout=log, stderr=subprocess.STDOUT)
        demo.wait_for_file(url_file, self.process, log.name)
        self.url = demo.read(url_file).rsplit("/sdk", 1)[0]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def state_dir(self):
        return os.path.join(self.workdir, "state", self.name)

    def inventory(self, run_id):
        return dict(demo.VsphereDemo.inventory(self, run_id), rolling_update_state_dir=self.state_dir(),
                    platform_poll_seconds=0.3)

    def state(self):
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE   # the mock's self-signed certificate, on 127.0.0.1
        with urllib.request.urlopen(self.url + "/_vcsimx/state", timeout=10, context=insecure) as response:
            return json.loads(response.read())

    @staticmethod
    def out_of_service(state):
        return set(h["name"] for h in state["hosts"] if h["in_maintenance"] or h["connection_state"] != "connected")

    @staticmethod
    def host_down(state):
        return set(h["name"] for h in state["hosts"] if h["connection_state"] != "connected")

    @staticmethod
    def vms(state):
        return dict((vm["name"], (vm["host"], vm["power_state"])) for vm in state["vms"])

    @staticmethod
    def vm_owners(state):
        return dict((vm["name"], vm["host"]) for vm in state["vms"])

    @staticmethod
    def powers(state):
        return dict((vm["name"], vm["power_state"]) for vm in state["vms"])

    @staticmethod
    def completed_moves(state, sampler):
        return collections.Counter(sampler.owner_changes)

    @staticmethod
    def failed_migrations(state):
        return sum(1 for t in state["tasks"] if t["name"] in MIGRATIONS and t["state"] == "error")

    @staticmethod
    def boot_times(state):
        return dict((h["name"], h["boot_time"]) for h in state["hosts"])

    @staticmethod
    def reboots(state):
        return dict((h["name"], h["reboots"]) for h in state["hosts"])


def vsphere(faults, **inventory_vars):
    cluster = VsphereCluster(os.path.join(harness.SCENARIOS, "vsphere_small.json"), faults.workdir)
    cluster.setup(faults.workdir, inventory_vars)
    faults.clusters.append(cluster)
    return cluster.start()


def test_default_update_reboots_every_host_through_vcenter(faults):
    """No update tasks file, no depot: each host drained, rebooted with RebootHost_Task (its boot time advanced,
    seen down once), back in service; every VM where it can run and running as before; status ok. Two hosts at a
    time (the cluster can take it), to keep the test short."""
    cluster = vsphere(faults, rolling_update_max_hosts_down=2)
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
    cluster = vsphere(faults)
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
