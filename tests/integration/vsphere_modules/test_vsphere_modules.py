"""The vSphere modules against the vcsimx mock, checked through pyvmomi (the mock's own state)."""

import json
import socket
import threading
import time

from module_runner import run_module

FAST = {"poll_seconds": 0.2, "stall_seconds": 5}
HOST_KEYS = {"name", "memory_mb", "reserved_memory_mb", "vcpus", "cpu_allocation_ratio", "ram_allocation_ratio",
             "storage", "state", "emergency", "ip"}
VM_KEYS = {"name", "host", "memory_mb", "vcpus", "power_state", "storage", "methods", "hold", "managed",
           "maintenance", "busy", "priority", "depends_on", "home", "methods_reason"}
RULE_KEYS = {"name", "kind", "vms", "hosts", "strength", "max_unavailable"}
VMOTION_BLOCKERS_CODES = {"VMOTION_VMK_NOT_ENABLED", "CDROM_LOCAL_ISO", "MIGRATE_DISABLED", "CLOCK_SKEW",
                          "VMOTION_NETWORK_UNVERIFIED"}


def by_code(result):
    found = {}
    for item in result["findings"]:
        found.setdefault(item["code"], []).append(item)
    return found


def vmotion_blockers_unfixed(vs):
    """The five planted faults, read through pyvmomi."""
    return (vs.vmotion_vmks("esx-02"), vs.cdrom("app-iso"), vs.migrate_enabled("esx-03"))


def repaired(scenario):
    """vmotion_blockers with cases 1, 3 and 5 repaired in the scenario (case 2, the local ISO, stays)."""
    hosts = scenario["clusters"][0]["hosts"]
    hosts[1]["vmotion_vmk"] = "vmk1"
    hosts[2]["migrate_enabled"] = True
    hosts[3]["vmotion_network_blocked"] = False


def test_cluster_info_shape_feeds_placement_plan(vmotion_blockers):
    info = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, cluster="Cluster-A"))
    assert not info.get("failed"), info.get("msg")
    assert [h["name"] for h in info["hosts"]] == ["esx-01", "esx-02", "esx-03", "esx-04"]
    assert all(set(h) <= HOST_KEYS for h in info["hosts"])
    assert all(set(v) <= VM_KEYS for v in info["vms"]) and all(set(r) <= RULE_KEYS for r in info["rules"])
    hosts = dict((h["name"], h) for h in info["hosts"])
    assert hosts["esx-04"]["memory_mb"] == 32768 and hosts["esx-01"]["state"] == "up"
    assert hosts["esx-01"]["storage"] == ["esx-01-local", "iso-library", "shared-ds"]
    vms = dict((v["name"], v) for v in info["vms"])
    assert vms["app-iso"]["methods"] == ["live"] and "[esx-01-local]" in vms["app-iso"]["methods_reason"]
    assert vms["app-iso"]["storage"] == ["esx-01-local", "shared-ds"]
    assert vms["local-vm"]["storage"] == ["esx-01-local"] and vms["local-vm"]["methods"] == ["live", "storage"]
    assert vms["batch-off"]["power_state"] == "off" and vms["batch-off"]["methods"] == ["move", "storage"]
    assert info["details"]["vms"]["app-iso"]["cdroms"][0]["backing"] == "iso"
    assert info["details"]["hosts"]["esx-01"]["cluster"] == "Cluster-A"
    rules = dict((r["name"], r) for r in info["rules"])
    assert rules["web-spread"] == {"name": "web-spread", "kind": "anti_affinity", "vms": ["web-01", "web-02"],
                                   "strength": "should"}
    assert rules["db-on-db-hosts"]["kind"] == "vm_host" and rules["db-on-db-hosts"]["hosts"] == ["esx-01", "esx-03"]

    plan = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "rules": info["rules"],
                                         "drain_hosts": ["esx-01"], "allow_partial": True})
    assert not plan.get("failed"), plan.get("msg")
    moves = dict((m["vm"], m) for m in plan["plan"]["moves"])
    assert moves["local-vm"]["method"] == "storage" and moves["db-01"]["target"] == "esx-03"
    assert moves["web-01"]["target"] != "esx-02"
    assert [(u["vm"], u["reasons"][0]["code"]) for u in plan["plan"]["unplaced"]] == [("app-iso", "no_storage_access")]

    some = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, hosts=["esx-02", "esx-03"]))
    assert [h["name"] for h in some["hosts"]] == ["esx-02", "esx-03"]
    assert sorted(v["name"] for v in some["vms"]) == ["app-shared-iso", "batch-off", "web-02"]
    assert some["rules"] == [] and set(r["name"] for r in some["skipped_rules"]) == {"web-spread", "db-on-db-hosts"}


def test_preflight_check_mode_reports_all_five_cases_and_changes_nothing(vmotion_blockers):
    before = vmotion_blockers_unfixed(vmotion_blockers)
    assert before == ([], ("[esx-01-local] iso/VMware-tools-windows.iso", True), 0)
    args = dict(vmotion_blockers.args, cluster="Cluster-A", fix=True)
    result = run_module("vsphere_vmotion_preflight", args, check_mode=True, diff=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["ready"] is False
    found = by_code(result)
    assert set(found) == VMOTION_BLOCKERS_CODES
    assert found["VMOTION_VMK_NOT_ENABLED"][0]["hosts"] == ["esx-02"]
    assert found["VMOTION_VMK_NOT_ENABLED"][0]["details"]["vmk"] == "vmk1"
    assert found["CDROM_LOCAL_ISO"][0]["vms"] == ["app-iso"]
    assert found["CDROM_LOCAL_ISO"][0]["details"]["blind_hosts"] == ["esx-02", "esx-03", "esx-04"]
    assert found["MIGRATE_DISABLED"][0]["hosts"] == ["esx-03"] and "Migrate.Enabled" in found["MIGRATE_DISABLED"][0]["fix"]
    skew = found["CLOCK_SKEW"][0]
    assert skew["hosts"] == ["esx-04"] and skew["severity"] == "warning" and not skew["fixable"]
    assert abs(skew["details"]["skew_seconds"] - 3660) < 10 and "NTP" in skew["fix"]
    network = found["VMOTION_NETWORK_UNVERIFIED"][0]
    assert network["severity"] == "info" and not network["fixable"]
    to_esx04 = [c for c in network["details"]["commands"] if c["from"] == "esx-01" and c["to"] == "esx-04"][0]
    assert to_esx04 == {"from": "esx-01", "to": "esx-04", "vmkping": "vmkping -I vmk1 10.0.1.14",
                        "nc": "nc -z 10.0.1.14 8000"}
    assert not any(f["fixed"] for f in result["findings"])
    assert result["diff"]["before"]["hosts"] == {"esx-02": {"vmotion_vmks": []}, "esx-03": {"Migrate.Enabled": 0}}
    assert result["diff"]["after"]["hosts"] == {"esx-02": {"vmotion_vmks": ["vmk1"]}, "esx-03": {"Migrate.Enabled": 1}}
    assert list(result["diff"]["after"]["vms"]["app-iso"].values()) == [{"backing": "client device", "connected": False}]
    assert vmotion_blockers_unfixed(vmotion_blockers) == before
    report_only = run_module("vsphere_vmotion_preflight", dict(args, fix=False))
    assert report_only["changed"] is False and set(by_code(report_only)) == VMOTION_BLOCKERS_CODES
    assert vmotion_blockers_unfixed(vmotion_blockers) == before


def test_preflight_fix_repairs_and_second_run_changes_nothing(vmotion_blockers):
    args = dict(vmotion_blockers.args, cluster="Cluster-A", fix=True)
    result = run_module("vsphere_vmotion_preflight", args, diff=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["ready"] is True
    fixed = set(f["code"] for f in result["findings"] if f["fixed"])
    assert fixed == {"VMOTION_VMK_NOT_ENABLED", "CDROM_LOCAL_ISO", "MIGRATE_DISABLED"}
    assert result["summary"]["fixed"] == 3
    assert vmotion_blockers_unfixed(vmotion_blockers) == (["vmk1"], ("client", False), 1)
    again = run_module("vsphere_vmotion_preflight", args)
    assert again["changed"] is False and again["ready"] is True
    assert set(by_code(again)) == {"CLOCK_SKEW", "VMOTION_NETWORK_UNVERIFIED"}


def test_named_vmotion_vmk_missing_is_reported_not_fixable(vmotion_blockers):
    result = run_module("vsphere_vmotion_preflight", dict(vmotion_blockers.args, hosts=["esx-02"], vmotion_vmk="vmk7",
                                                          fix=True))
    vmk = by_code(result)["VMOTION_VMK_NOT_ENABLED"]
    assert result["changed"] is False and [f["hosts"] for f in vmk] == [["esx-02"]] and not vmk[0]["fixable"]
    assert "vmk7" in vmk[0]["message"]
    assert "esx-03" not in [h for f in result["findings"] for h in f["hosts"] if f["code"] == "MIGRATE_DISABLED"]


def test_vmotion_against_unfixed_migrate_enabled_fails_naming_host_and_setting(vmotion_blockers):
    plan = {"moves": [{"vm": "web-01", "source": "esx-01", "target": "esx-03", "method": "live", "wave": 1}]}
    result = run_module("vsphere_host_drain", dict(vmotion_blockers.args, host="esx-01", plan=plan, maintenance_mode="none",
                                                   **FAST))
    assert result["failed"]
    assert result["msg"].startswith("drain of esx-01 incomplete: 1 of 1 moves failed")
    assert "esx-03" in result["msg"] and "Migrate.Enabled = 0" in result["msg"]
    (moved,) = result["results"]
    assert moved["attempts"][0]["method"] == "live" and "MigrationDisabled" in moved["attempts"][0]["error"]
    assert vmotion_blockers.placement()["web-01"] == ("esx-01", "poweredOn")
    assert vmotion_blockers.migrate_enabled("esx-03") == 0


def test_host_drain_after_preflight_fix_drains_and_enters_maintenance(vmotion_blockers):
    fix = run_module("vsphere_vmotion_preflight", dict(vmotion_blockers.args, cluster="Cluster-A", fix=True))
    assert fix["ready"], fix
    vmotion_blockers.mock.set_host("esx-04", vmotion_network_blocked=False)  # the firewall, fixed out of band
    args = dict(vmotion_blockers.args, host="esx-01", **FAST)
    before = vmotion_blockers.placement()

    checked = run_module("vsphere_host_drain", args, check_mode=True)
    assert not checked.get("failed"), checked.get("msg")
    assert checked["changed"] and checked["results"] == [] and checked["in_maintenance_mode"] == {"before": False,
                                                                                                  "after": True}
    assert sorted(m["vm"] for m in checked["plan"]["moves"]) == ["app-iso", "db-01", "local-vm", "web-01"]
    assert vmotion_blockers.placement() == before and vmotion_blockers.host("esx-01").runtime.inMaintenanceMode is False

    result = run_module("vsphere_host_drain", args)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["in_maintenance_mode"] == {"before": False, "after": True}
    by_vm = dict((r["vm"], r) for r in result["results"])
    assert by_vm["local-vm"]["method"] == "storage" and by_vm["web-01"]["method"] == "live"
    after = vmotion_blockers.placement()
    for name, moved in by_vm.items():
        assert moved["status"] == "moved" and after[name] == (moved["final_host"], "poweredOn") and moved["target"] == moved["final_host"]
    assert after["db-01"][0] == "esx-03"  # DRS VM-host rule db-on-db-hosts
    assert after["web-01"][0] != after["web-02"][0]  # DRS anti-affinity web-spread
    assert [d.name for d in vmotion_blockers.vm("local-vm").datastore] == ["shared-ds"]
    assert not [name for name, where in after.items() if where[0] == "esx-01"]
    assert vmotion_blockers.host("esx-01").runtime.inMaintenanceMode is True

    again = run_module("vsphere_host_drain", args)
    assert again["changed"] is False and again["plan"]["moves"] == [] and again["results"] == []
    assert vmotion_blockers.placement() == after

    back = run_module("vsphere_host_drain", dict(args, maintenance_mode="exit"))
    assert back["changed"] and back["in_maintenance_mode"] == {"before": True, "after": False} and back["plan"] is None
    assert vmotion_blockers.host("esx-01").runtime.inMaintenanceMode is False
    assert run_module("vsphere_host_drain", dict(args, maintenance_mode="exit"))["changed"] is False


def test_cold_migration_keeps_powered_off_vm_off(start_vsphere):
    vs = start_vsphere("vmotion_blockers", repaired)
    result = run_module("vsphere_host_drain", dict(vs.args, host="esx-03", scope="all", **FAST))
    assert not result.get("failed"), result.get("msg")
    by_vm = dict((r["vm"], r) for r in result["results"])
    assert by_vm["batch-off"]["method"] == "move" and by_vm["app-shared-iso"]["method"] == "live"
    placement = vs.placement()
    assert placement["batch-off"] == (by_vm["batch-off"]["final_host"], "poweredOff")
    assert placement["batch-off"][0] != "esx-03" and vs.host("esx-03").runtime.inMaintenanceMode is True


def test_enter_maintenance_fails_clearly_when_vms_remain(start_vsphere):
    vs = start_vsphere("vmotion_blockers", repaired)
    args = dict(vs.args, host="esx-01", allow_partial=True, **FAST)
    checked = run_module("vsphere_host_drain", args, check_mode=True)
    assert checked["failed"] and "powered-on VM(s) app-iso would remain on it" in checked["msg"]
    assert vs.placement()["web-01"][0] == "esx-01"
    result = run_module("vsphere_host_drain", args)
    assert result["failed"]
    assert result["msg"].startswith("cannot enter maintenance mode on esx-01: powered-on VM(s) app-iso remain")
    assert [r["vm"] for r in result["results"] if r["status"] == "moved"] != []
    assert vs.placement()["app-iso"][0] == "esx-01" and vs.host("esx-01").runtime.inMaintenanceMode is False


def test_wrong_password_is_one_clear_error(vmotion_blockers):
    for name, extra in (("vsphere_cluster_info", {}), ("vsphere_vmotion_preflight", {"fix": True}),
                        ("vsphere_host_drain", {"host": "esx-01"})):
        result = run_module(name, dict(vmotion_blockers.args, password="wrong-secret", **extra))
        assert result["failed"], name
        assert result["msg"].startswith("authentication failed at 127.0.0.1:%s" % vmotion_blockers.args["port"]), result["msg"]
        assert "InvalidLogin" in result["msg"] and "wrong-secret" not in str(result)


def test_unknown_names_are_one_clear_error(vmotion_blockers):
    result = run_module("vsphere_host_drain", dict(vmotion_blockers.args, host="esx-09"))
    assert result["failed"] and result["msg"] == "unknown host 'esx-09'; known hosts: esx-01, esx-02, esx-03, esx-04"
    result = run_module("vsphere_vmotion_preflight", dict(vmotion_blockers.args, cluster="Cluster-A", hosts=["esx-01", "esx-9"]))
    assert result["failed"] and result["msg"].startswith("unknown host 'esx-9' in cluster 'Cluster-A'; known hosts: esx-01")
    result = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, cluster="Cluster-Z"))
    assert result["failed"] and result["msg"] == "unknown cluster 'Cluster-Z'; known clusters: Cluster-A"


def test_connection_errors_and_env_fallbacks(vmotion_blockers, monkeypatch):
    result = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, validate_certs=True))
    assert result["failed"] and result["msg"].startswith("cannot verify the TLS certificate of 127.0.0.1:")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, port=closed))
    assert result["failed"] and result["msg"].startswith("cannot reach the vSphere API at 127.0.0.1:%d" % closed)
    result = run_module("vsphere_cluster_info", {})
    assert result["failed"] and "export VMWARE_HOST" in result["msg"]
    for key, value in (("VMWARE_HOST", "127.0.0.1"), ("VMWARE_PORT", str(vmotion_blockers.args["port"])),
                       ("VMWARE_USER", vmotion_blockers.args["username"]), ("VMWARE_PASSWORD", vmotion_blockers.args["password"]),
                       ("VMWARE_VALIDATE_CERTS", "false")):
        monkeypatch.setenv(key, value)
    result = run_module("vsphere_cluster_info", {"hosts": ["esx-04"]})
    assert not result.get("failed"), result.get("msg")
    assert [h["name"] for h in result["hosts"]] == ["esx-04"]


def test_progress_file_carries_vcenter_percent_while_a_vmotion_runs(start_vsphere, tmp_path):
    def slow(scenario):
        repaired(scenario)
        scenario["migration"]["speed_mb_per_s"] = 1024  # web-01's 4096 MB: a vMotion of about 4 s

    vs = start_vsphere("vmotion_blockers", slow)
    progress = tmp_path / "esx-01.json"
    plan = {"moves": [{"vm": "web-01", "source": "esx-01", "target": "esx-02", "method": "live", "wave": 1}]}
    args = dict(vs.args, host="esx-01", plan=plan, maintenance_mode="none", progress_file=str(progress), **FAST)
    results = []
    worker = threading.Thread(target=lambda: results.append(run_module("vsphere_host_drain", args)))
    worker.start()
    seen = set()
    while worker.is_alive():
        try:
            move = json.loads(progress.read_text())["moves"][0]
        except (OSError, ValueError, KeyError, IndexError):
            move = {}
        if move.get("state") == "running" and move.get("percent") is not None:
            seen.add(move["percent"])
        time.sleep(0.1)
    worker.join()
    assert not results[0].get("failed"), results[0].get("msg")
    assert [p for p in seen if 0 < p < 100], "no percent between 0 and 100 while moving: %s" % sorted(seen)
    assert json.loads(progress.read_text())["moves"][0]["percent"] == 100
