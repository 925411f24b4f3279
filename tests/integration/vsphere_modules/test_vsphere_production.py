"""vSphere as production runs it: vCLS agent VMs, HA admission control, DRS automation and the preflight gaps
(host drive CD-ROM, vMotion TCP/IP stack, Migrate.Enabled typed by supportedOption), modules against vcsimx."""

import os

from module_runner import run_module, run_playbook

FAST = {"poll_seconds": 0.2, "stall_seconds": 5}


def codes(result):
    return dict((f["code"], f) for f in result["findings"])


def no_blockers(data):
    """The production scenario without its preflight blockers (host drive CD-ROM, Migrate.Enabled = 0)."""
    data["clusters"][0]["hosts"][1]["migrate_enabled"] = True
    for vm in data["vms"]:
        vm.pop("cdrom", None)


def test_preflight_host_drive_cdrom_is_an_error_and_fixed(start_vsphere):
    vs = start_vsphere("production")
    args = dict(vs.args, cluster="Cluster-P")
    found = codes(run_module("vsphere_vmotion_preflight", args))
    drive = found["CDROM_HOST_DEVICE"]
    assert drive["vms"] == ["app-02"] and drive["fixable"] and drive["severity"] == "error"
    assert "/vmfs/devices/cdrom/mpx.vmhba32:C0:T0:L0" in drive["message"]
    fixed = run_module("vsphere_vmotion_preflight", dict(args, fix=True))
    assert not fixed.get("failed"), fixed.get("msg")
    assert codes(fixed)["CDROM_HOST_DEVICE"]["fixed"] and vs.cdrom("app-02") == ("client", False)
    assert "CDROM_HOST_DEVICE" not in codes(run_module("vsphere_vmotion_preflight", args))


def test_cluster_info_narrows_a_vm_with_a_host_drive(start_vsphere):
    vs = start_vsphere("production")
    info = run_module("vsphere_cluster_info", dict(vs.args, cluster="Cluster-P"))
    app02 = [v for v in info["vms"] if v["name"] == "app-02"][0]
    assert app02["methods"] == [] and "host's own drive" in app02["methods_reason"]
    assert info["details"]["vms"]["app-02"]["cdroms"][0]["backing"] == "host_device"


def test_preflight_vmotion_stack_adapter_counts_and_gets_vmkping_s(start_vsphere):
    vs = start_vsphere("production")
    result = run_module("vsphere_vmotion_preflight", dict(vs.args, cluster="Cluster-P"))
    found = codes(result)
    assert "VMOTION_VMK_NOT_ENABLED" not in found  # esx-03's vmk1 is on the vMotion TCP/IP stack
    assert result["details"]["hosts"]["esx-03"]["vmotion_vmks"] == ["vmk1"]
    commands = found["VMOTION_NETWORK_UNVERIFIED"]["details"]["commands"]
    from_03 = [c for c in commands if c["from"] == "esx-03"]
    assert from_03 and all(c["vmkping"].startswith("vmkping -S vmotion -I vmk1 ") and c["nc"] is None for c in from_03)
    to_03 = [c for c in commands if c["to"] == "esx-03"]
    assert to_03 and all(c["vmkping"].startswith("vmkping -I vmk1 10.0.5.13") for c in to_03)
    assert "vmkping -S vmotion" in found["VMOTION_NETWORK_UNVERIFIED"]["fix"]


def test_preflight_fix_types_migrate_enabled_from_supported_option(start_vsphere):
    vs = start_vsphere("production")
    args = dict(vs.args, cluster="Cluster-P", fix=True)
    result = run_module("vsphere_vmotion_preflight", args)
    assert not result.get("failed"), result.get("msg")
    assert codes(result)["MIGRATE_DISABLED"]["fixed"] and vs.migrate_enabled("esx-02") == 1
    again = run_module("vsphere_vmotion_preflight", args)
    assert again["changed"] is False and again["ready"]


def test_vcls_agent_vms_are_listed_apart_and_never_moved(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    info = run_module("vsphere_cluster_info", dict(vs.args, cluster="Cluster-P"))
    assert not [v for v in info["vms"] if v["name"].startswith("vCLS")]
    agents = [(a["name"], a["host"]) for a in info["agent_vms"]]
    assert agents == [("vCLS-4c1d8a3e", "esx-01"), ("vCLS-9b27f0c1", "esx-02")]
    assert "not planned" in info["agent_vms"][0]["treatment"]

    args = dict(vs.args, host="esx-01", **FAST)
    checked = run_module("vsphere_host_drain", args, check_mode=True)
    assert not checked.get("failed"), checked.get("msg")
    assert sorted(m["vm"] for m in checked["plan"]["moves"]) == ["app-01", "app-02"]
    result = run_module("vsphere_host_drain", args)
    assert not result.get("failed"), result.get("msg")
    assert [a["name"] for a in result["agent_vms"]] == ["vCLS-4c1d8a3e"]
    assert sorted(r["vm"] for r in result["results"]) == ["app-01", "app-02"]
    assert vs.placement()["vCLS-4c1d8a3e"] == ("esx-01", "poweredOff")  # stopped by vCLS, not moved by us
    assert vs.host("esx-01").runtime.inMaintenanceMode is True


def test_ha_percentage_is_subtracted_from_each_host(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    info = run_module("vsphere_cluster_info", dict(vs.args, cluster="Cluster-P"))
    assert dict((h["name"], h["reserved_memory_mb"]) for h in info["hosts"]) == dict.fromkeys(
        ["esx-01", "esx-02", "esx-03"], 8192.0)
    ha = info["details"]["clusters"]["Cluster-P"]["ha"]
    assert ha["policy"] == "percentage" and ha["memory_percent"] == 25 and "25%" in ha["summary"]
    assert info["details"]["hosts"]["esx-01"]["ha_reserved_memory_mb"] == 8192.0
    assert info["details"]["clusters"]["Cluster-P"]["drs"] == {"cluster": "Cluster-P", "enabled": True,
                                                               "behavior": "fullyAutomated"}


def test_ha_slots_reserve_the_largest_hosts_share(start_vsphere):
    def slots(data):
        no_blockers(data)
        data["clusters"][0]["ha"] = {"policy": "slots", "failover_level": 1}
    vs = start_vsphere("production", slots)
    info = run_module("vsphere_cluster_info", dict(vs.args, cluster="Cluster-P"))
    assert [h["reserved_memory_mb"] for h in info["hosts"]] == [round(32768 / 3.0, 1)] * 3


def test_ha_dedicated_failover_host_is_never_a_target(start_vsphere):
    def failover(data):
        no_blockers(data)
        data["clusters"][0]["ha"] = {"policy": "failover_hosts", "failover_hosts": ["esx-03"]}
        data["vms"] = [v for v in data["vms"] if v["host"] != "esx-03"]
    vs = start_vsphere("production", failover)
    info = run_module("vsphere_cluster_info", dict(vs.args, cluster="Cluster-P"))
    reserved = dict((h["name"], h["reserved_memory_mb"]) for h in info["hosts"])
    assert reserved == {"esx-01": 0.0, "esx-02": 0.0, "esx-03": 32768.0}
    result = run_module("vsphere_host_drain", dict(vs.args, host="esx-01", **FAST))
    assert not result.get("failed"), result.get("msg")
    assert set(r["final_host"] for r in result["results"]) == {"esx-02"}


def test_drs_hold_and_release(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    from pyVmomi import vim
    cluster = vs.find(vim.ClusterComputeResource, "Cluster-P")
    args = dict(vs.args, host="esx-01")

    checked = run_module("vsphere_drs_hold", args, check_mode=True)
    assert checked["changed"] and checked["drs"]["after"] == "partiallyAutomated"
    assert str(cluster.configurationEx.drsConfig.defaultVmBehavior) == "fullyAutomated"

    held = run_module("vsphere_drs_hold", args)
    assert held["changed"] and held["drs"] == {"cluster": "Cluster-P", "enabled": True, "before": "fullyAutomated",
                                               "after": "partiallyAutomated"}
    assert str(cluster.configurationEx.drsConfig.defaultVmBehavior) == "partiallyAutomated"
    again = run_module("vsphere_drs_hold", args)  # a second hold changes nothing and has nothing to restore
    assert again["changed"] is False and again["drs"]["before"] == again["drs"]["after"] == "partiallyAutomated"

    drained = run_module("vsphere_host_drain", dict(args, **FAST))
    assert not drained.get("failed"), drained.get("msg")
    assert drained["drs"]["behavior"] == "partiallyAutomated"

    released = run_module("vsphere_drs_hold", dict(args, state="released", held=held["drs"]))
    assert released["changed"] and released["left_behind"] is None
    assert str(cluster.configurationEx.drsConfig.defaultVmBehavior) == "fullyAutomated"
    assert run_module("vsphere_drs_hold", dict(args, state="released", held=held["drs"]))["changed"] is False


def test_drs_changed_by_someone_else_is_left_behind(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    held = run_module("vsphere_drs_hold", dict(vs.args, host="esx-02"))
    from pyVmomi import vim
    cluster = vs.find(vim.ClusterComputeResource, "Cluster-P")
    spec = vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo(defaultVmBehavior="manual"))
    cluster.ReconfigureComputeResource_Task(spec=spec, modify=True)
    released = run_module("vsphere_drs_hold", dict(vs.args, host="esx-02", state="released", held=held["drs"]))
    assert released["changed"] is False and "manual" in released["left_behind"]["why"]
    assert str(cluster.configurationEx.drsConfig.defaultVmBehavior) == "manual"


def test_drain_warns_when_drs_is_fully_automated(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    result = run_module("vsphere_host_drain", dict(vs.args, host="esx-01", **FAST), check_mode=True)
    assert result["drs"]["behavior"] == "fullyAutomated"
    assert "may move VMs back onto esx-01" in str(result.get("warnings") or "")


def test_platform_role_holds_drs_on_take_out_and_restores_it_on_put_back(start_vsphere):
    vs = start_vsphere("production", no_blockers)
    playbook = os.path.join(os.path.dirname(__file__), "playbooks", "drs_hold_role.yml")
    proc = run_playbook(playbook, {"vsphere_connection": vs.args, "host": "esx-01"})
    assert proc.returncode == 0 and "failed=0" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "DRS of cluster Cluster-P set from fullyAutomated to partiallyAutomated" in proc.stdout
