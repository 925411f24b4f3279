"""The seed-003 checks, the VM narrowing and the rule mapping as pure functions (no mock needed)."""

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere import gather as vsphere, preflight
from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VsphereError, wait_for_task


def host(name, vmknics=(("vmk0", "Management Network"), ("vmk1", "vMotion")), selected=("vmk1",), offset=0.0,
         migrate=1, ntp=("pool.ntp.org",)):
    return {"name": name, "connection_state": "connected", "in_maintenance_mode": False, "migrate_enabled": migrate,
            "vmknics": [{"device": d, "portgroup": p, "ip": "10.0.1.%d" % i} for i, (d, p) in enumerate(vmknics)],
            "vmotion_vmks": list(selected), "management_vmks": ["vmk0"], "clock_offset_seconds": offset,
            "ntp_servers": list(ntp)}


def vm(name="vm-1", on="esx-01", power="poweredOn", iso=None, connected=True, datastores=("shared-ds",)):
    cdrom = {"key": 3000, "label": "CD/DVD drive 1", "connected": connected, "start_connected": connected,
             "backing": "iso" if iso else "client", "iso": iso, "datastore": vsphere.path_datastore(iso) if iso else None}
    return {"name": name, "host": on, "power_state": power, "memory_mb": 1024.0, "vcpus": 1.0, "template": False,
            "accessible": True, "datastores": list(datastores), "cdroms": [cdrom]}


def test_vmotion_vmk_pick_rule():
    assert preflight.vmotion_vmk_for(host("h", selected=())) == "vmk1"
    plain = host("h", vmknics=(("vmk0", "Management Network"), ("vmk1", "Storage"), ("vmk2", "Backup")), selected=())
    assert preflight.vmotion_vmk_for(plain) == "vmk1"
    assert preflight.vmotion_vmk_for(plain, "vmk2") == "vmk2" and preflight.vmotion_vmk_for(plain, "vmk9") is None
    assert preflight.vmotion_vmk_for(host("h", vmknics=(("vmk0", "Management Network"),), selected=())) is None
    # named adapter not selected while another one is: a finding; without a name: none
    other = host("h", selected=("vmk0",))
    assert [f["details"]["vmk"] for f in preflight.check_vmotion_vmk([other], "vmk1")] == ["vmk1"]
    assert preflight.check_vmotion_vmk([other]) == []


def test_clock_skew_against_the_median_and_ntp_advice():
    hosts = [host("a"), host("b", offset=12), host("c", offset=-400, ntp=())]
    (found,) = preflight.check_clock_skew(hosts, hosts, 300)
    assert found["hosts"] == ["c"] and found["details"]["skew_seconds"] == -400
    assert "behind" in found["message"] and "configure NTP (pool.ntp.org)" in found["fix"]
    assert preflight.check_clock_skew(hosts, hosts, 500) == []


def test_local_iso_narrows_a_running_vm_only():
    mounts = {"shared-ds": ["esx-01", "esx-02"], "local": ["esx-01"]}
    scope = ["esx-01", "esx-02"]
    running = vsphere.vm_dict(vm(iso="[local] iso/tools.iso"), mounts, scope)
    assert running["methods"] == ["live"] and running["storage"] == ["local", "shared-ds"]
    assert "only esx-01 mounts" in running["methods_reason"]
    host_file = vsphere.vm_dict(vm(iso="[] /vmimages/tools-isoimages/linux.iso"), mounts, scope)
    assert host_file["methods"] == [] and "on no datastore" in host_file["methods_reason"]
    shared = vsphere.vm_dict(vm(iso="[shared-ds] iso/rhel.iso"), mounts, scope)
    assert shared["methods"] == ["live", "storage"] and "methods_reason" not in shared
    off = vsphere.vm_dict(vm(power="poweredOff", iso="[local] iso/tools.iso"), mounts, scope)
    assert off["methods"] == ["move", "storage"] and off["storage"] == ["shared-ds"]
    disconnected = vsphere.vm_dict(vm(iso="[local] iso/tools.iso", connected=False), mounts, scope)
    assert disconnected["methods"] == ["live", "storage"]
    assert [f["vms"] for f in preflight.check_cdrom_local_iso([vm(iso="[local] iso/tools.iso")], mounts, scope)] == [["vm-1"]]


def test_drs_rules_map_to_core_rules():
    facts = [
        {"name": "keep-apart", "type": "anti_affinity", "enabled": True, "mandatory": True, "vms": ["a", "b"],
         "hosts": []},
        {"name": "off", "type": "affinity", "enabled": False, "mandatory": False, "vms": ["a", "b"], "hosts": []},
        {"name": "not-there", "type": "vm_anti_host", "enabled": True, "mandatory": False, "vms": ["a"],
         "hosts": ["esx-01", "esx-09"]},
        {"name": "order", "type": "DependencyRuleInfo", "enabled": True, "mandatory": False, "vms": [], "hosts": []},
    ]
    rules, skipped = vsphere.rule_dicts(facts, ["a", "b"], ["esx-01", "esx-02"])
    assert rules == [{"name": "keep-apart", "kind": "anti_affinity", "vms": ["a", "b"], "strength": "must"},
                     {"name": "not-there", "kind": "vm_anti_host", "vms": ["a"], "hosts": ["esx-01"],
                      "strength": "should"}]
    assert [s["name"] for s in skipped] == ["off", "order"]


class FakeTask:
    def __init__(self, states, error=None):
        self.states = list(states)
        self.error = error

    @property
    def info(self):
        state, progress = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return type("Info", (), {"state": state, "progress": progress, "result": "done", "error": self.error,
                                 "descriptionId": "VirtualMachine.relocate", "name": "RelocateVM_Task",
                                 "entityName": "web-01"})()


def test_wait_for_task_reports_progress_raises_faults_and_times_out():
    seen = []
    assert wait_for_task(FakeTask([("running", 10), ("running", 60), ("success", 100)]), 5, seen.append,
                         sleep=lambda s: None) == "done"
    assert seen == [10, 60]
    with pytest.raises(ValueError):
        wait_for_task(FakeTask([("error", 20)], error=ValueError("MigrationDisabled")), 5, sleep=lambda s: None)
    ticks = iter(range(100))
    with pytest.raises(VsphereError, match="VirtualMachine.relocate on web-01 still running at 20% after 3s"):
        wait_for_task(FakeTask([("running", 20)]), 3, clock=lambda: next(ticks), sleep=lambda s: None)


def test_path_datastore():
    assert vsphere.path_datastore("[esx-01-local] iso/a.iso") == "esx-01-local"
    assert vsphere.path_datastore("[] /vmimages/tools-isoimages/linux.iso") == ""
