# -*- coding: utf-8 -*-
"""The Hyper-V and CAU modules against the WinRM mock cluster, checked through the mock's own state."""

import pytest

from module_runner import run_module

FAST = {"poll_seconds": 0.05}
HOST_KEYS = {"name", "memory_mb", "reserved_memory_mb", "vcpus", "cpu_allocation_ratio", "ram_allocation_ratio",
             "storage", "state", "emergency", "ip"}
VM_KEYS = {"name", "host", "memory_mb", "vcpus", "power_state", "storage", "methods", "hold", "managed",
           "maintenance", "busy", "priority", "depends_on", "home", "methods_reason"}
RULE_KEYS = {"name", "kind", "vms", "hosts", "strength", "max_unavailable"}
ADD_ROLE = ("Add-CauClusterRole -MaxFailedNodes 1 -RebootTimeoutMinutes 30 -RequireAllNodesOnline "
            "-PreUpdateScript 'C:\\Scripts\\pre.ps1' -NodeOrder 'HV03','HV01','HV02' -DaysOfWeek 'Tuesday' "
            "-WeeksOfMonth 2,4 -Force")


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def adapters(mock, vm):
    return dict((a["switch"], a["cluster_monitored"]) for a in [v for v in mock.state()["vms"] if v["name"] == vm][0]
                ["adapters"])


# ------------------------------------------------------------------------- connection errors


@pytest.mark.parametrize("module,args", [
    ("hyperv_cluster_info", {}),
    ("cau_cluster_role", {"failback_mode": "NoFailback"}),
    ("cau_wait_script", {"mode": "sleep", "seconds": 60}),
    ("hyperv_node_drain", {"node": "HV01"}),
    ("hyperv_vm_network_monitoring", {"vm": "WEB01", "switch_name": "Private", "monitored": False}),
    ("hyperv_migration_events", {}),
])
def test_wrong_password_is_one_clear_error(small, module, args):
    result = run_module(module, dict(small.args, password="wrong-password", **args))
    assert result["failed"]
    assert result["msg"].startswith("authentication failed at http://127.0.0.1:%d/wsman as CONTOSO\\Administrator "
                                    "(transport credssp): check username and password" % small.port), result["msg"]
    assert "wrong-password" not in str(result)
    assert small.commands_sent() == []


def test_unreachable_endpoint_names_it(small):
    result = run_module("hyperv_cluster_info", dict(small.args, port=1, retry_seconds=1))
    assert result["failed"] and result["msg"].startswith("cannot reach the WinRM endpoint http://127.0.0.1:1/wsman")
    assert result["msg"].endswith("; retried for 1 s"), result["msg"]


def test_script_over_the_command_line_limit_is_refused_before_sending(small):
    result = run_module("hyperv_vm_network_monitoring", dict(small.args, vm="VM" * 2000, switch_name="Corp",
                                                             monitored=True))
    assert result["failed"] and "over cmd.exe's limit of 8191; nothing was sent" in result["msg"]
    assert small.commands_sent() == []


# ---------------------------------------------------------------------------- cluster info


def test_cluster_info_in_the_core_shape_feeds_placement_plan(small):
    info = ok(run_module("hyperv_cluster_info", small.args))
    assert info["changed"] is False and info["cluster"] == "HVCLU02" and info["count_powered_off"] is False
    assert [h["name"] for h in info["hosts"]] == ["HV01", "HV02", "HV03"]
    assert all(set(h) <= HOST_KEYS for h in info["hosts"]) and all(set(v) <= VM_KEYS for v in info["vms"])
    assert all(set(r) <= RULE_KEYS for r in info["rules"])
    hosts = dict((h["name"], h) for h in info["hosts"])
    assert hosts["HV03"]["memory_mb"] == 49152 and hosts["HV01"]["state"] == "up"
    assert hosts["HV01"]["reserved_memory_mb"] == 0
    vms = dict((v["name"], v) for v in info["vms"])
    assert vms["SQL01"] == {"name": "SQL01", "host": "HV01", "memory_mb": 24576, "vcpus": 2, "power_state": "on",
                            "methods": ["live", "quick", "move", "failover"], "priority": 3000, "busy": False}
    assert vms["OFF01"]["power_state"] == "off" and vms["OFF01"]["methods"] == ["move", "failover"]
    assert info["rules"] == [
        {"name": "anti-affinity web", "kind": "anti_affinity", "vms": ["WEB01", "WEB02"], "strength": "should"},
        {"name": "preferred owners HV01,HV02", "kind": "vm_host", "vms": ["WEB01"], "hosts": ["HV01", "HV02"],
         "strength": "should"}]
    assert info["details"]["vms"]["WEB01"]["preferred_owners"] == ["HV01", "HV02"]
    assert info["details"]["hosts"]["HV01"] == {"state": "Up", "drain_status": "NotInitiated",
                                                "free_memory_mb": 65536 - 8192 - 24576, "vm_count": 3}
    plan = ok(run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "rules": info["rules"],
                                            "drain_hosts": ["HV01"]}))
    moves = dict((m["vm"], m["target"]) for m in plan["plan"]["moves"])
    assert set(moves) == {"WEB01", "SQL01"} and moves["WEB01"] == "HV03", "anti-affinity keeps WEB01 off HV02"

    some = ok(run_module("hyperv_cluster_info", dict(small.args, nodes=["hv03"])))
    assert [h["name"] for h in some["hosts"]] == ["HV03"] and sorted(v["name"] for v in some["vms"]) == ["APP02", "BIG01"]
    unknown = run_module("hyperv_cluster_info", dict(small.args, nodes=["HV09"]))
    assert unknown["failed"] and unknown["msg"] == "unknown node 'HV09' in cluster HVCLU02; its nodes: HV01, HV02, HV03"


# -------------------------------------------------------------------------- cau_cluster_role


def test_cau_role_check_mode_adds_nothing_then_adds_and_is_idempotent(small):
    args = dict(small.args, failback_mode="NoFailback", max_failed_nodes=0, days_of_week=["Tuesday", "Thursday"])
    checked = ok(run_module("cau_cluster_role", args, check_mode=True, diff=True))
    assert checked["changed"] and checked["diff"]["before"] == {"exists": False}
    assert small.cau_settings() is None, "check mode added no role"
    added = ok(run_module("cau_cluster_role", args))
    assert added["changed"] and added["settings"]["failback_mode"] == "NoFailback"
    settings = small.cau_settings()
    assert settings["FailbackMode"] == "NoFailback" and settings["MaxFailedNodes"] == 0
    assert settings["DaysOfWeek"] == "Tuesday, Thursday"
    again = ok(run_module("cau_cluster_role", args))
    assert again["changed"] is False and again["changed_settings"] == []


def test_cau_role_keeps_the_settings_it_is_not_given(small):
    small.ps(ADD_ROLE)
    before = small.cau_settings()
    args = dict(small.args, failback_mode="NoFailback")
    checked = ok(run_module("cau_cluster_role", args, check_mode=True, diff=True))
    assert checked["changed"] and checked["changed_settings"] == ["failback_mode"]
    assert checked["diff"]["before"]["failback_mode"] == "Immediate"
    assert checked["diff"]["after"]["failback_mode"] == "NoFailback"
    assert small.cau_settings() == before, "check mode changed nothing"
    result = ok(run_module("cau_cluster_role", args, diff=True))
    assert result["changed"] and result["changed_settings"] == ["failback_mode"]
    after = small.cau_settings()
    assert after == dict(before, FailbackMode="NoFailback")
    assert result["settings"]["node_order"] == ["HV03", "HV01", "HV02"] and result["settings"]["weeks_of_month"] == [2, 4]
    set_commands = [c["script"] for c in small.commands_sent() if "Set-CauClusterRole" in c["script"]]
    assert len(set_commands) == 1 and "-PreUpdateScript $p.PreUpdateScript" in set_commands[0], \
        "the current settings are passed along (seed 000's rule)"
    assert ok(run_module("cau_cluster_role", args))["changed"] is False


def test_cau_role_powershell_error_reaches_the_user(small):
    small.ps("Add-CauClusterRole -Force")
    before = small.cau_settings()
    result = run_module("cau_cluster_role", dict(small.args, pre_update_script="C:\\Scripts\\pre.txt"))
    assert result["failed"]
    assert result["msg"] == ("PowerShell failed on http://127.0.0.1:%d/wsman while setting the CAU clustered role "
                             "(exit code 1): Set-CauClusterRole : The PreUpdateScript file name extension must be "
                             ".ps1." % small.port)
    assert small.cau_settings() == before


def test_cau_role_absent_and_disabled(small):
    small.ps("Add-CauClusterRole -Force")
    disabled = ok(run_module("cau_cluster_role", dict(small.args, enabled=False)))
    assert disabled["changed"] and disabled["status"] == "Offline"
    assert small.state()["cau"]["role"]["status"] == "Offline"
    checked = ok(run_module("cau_cluster_role", dict(small.args, state="absent"), check_mode=True))
    assert checked["changed"] and small.cau_settings() is not None
    assert ok(run_module("cau_cluster_role", dict(small.args, state="absent")))["changed"]
    assert small.cau_settings() is None
    assert ok(run_module("cau_cluster_role", dict(small.args, state="absent")))["changed"] is False


# --------------------------------------------------------------------------- cau_wait_script


def test_wait_script_check_mode_then_every_node_and_the_role(seed):
    args = dict(seed.args, mode="sleep", measured_drain_seconds=166)
    checked = ok(run_module("cau_wait_script", args, check_mode=True, diff=True))
    assert checked["changed"] and checked["seconds"] == 249, "1.5 x 166 s, rounded up"
    assert checked["nodes_written"] == ["HV%02d" % i for i in range(1, 11)]
    assert checked["diff"]["after"]["post_update_script"] == "C:\\Scripts\\vmfleet-cau-wait.ps1"
    assert seed.cau_settings()["PostUpdateScript"] is None
    assert not any("vmfleet-cau-wait" in path for path in seed.control.files("HV05")), "check mode wrote nothing"

    result = ok(run_module("cau_wait_script", args))
    assert result["changed"] and result["setting"] == "PostUpdateScript"
    for node in ("HV01", "HV10"):
        files = seed.control.files(node)
        text = [t for p, t in files.items() if p.lower().endswith("vmfleet-cau-wait.ps1")][0]
        assert "Start-Sleep -Seconds 249" in text
    settings = seed.cau_settings()
    assert settings["PostUpdateScript"] == "C:\\Scripts\\vmfleet-cau-wait.ps1"
    assert settings["MaxFailedNodes"] == 0 and settings["FailbackMode"] == "Immediate", "other settings kept"
    again = ok(run_module("cau_wait_script", args))
    assert again["changed"] is False and again["nodes_written"] == []


def test_wait_script_needs_the_cau_role(small):
    result = run_module("cau_wait_script", dict(small.args, mode="quiescence"))
    assert result["failed"] and "no Cluster-Aware Updating clustered role" in result["msg"]
    sleep = run_module("cau_wait_script", dict(small.args, mode="sleep"))
    assert sleep["failed"] and "mode=sleep needs seconds, or measured_drain_seconds" in sleep["msg"]


# ------------------------------------------------------------------- protected network (seed 001)


def test_network_monitoring_toggles_cluster_monitored(small):
    args = dict(small.args, vm="WEB01", switch_name="Private", monitored=False)
    assert adapters(small, "WEB01") == {"Corp": True, "Private": True}
    checked = ok(run_module("hyperv_vm_network_monitoring", args, check_mode=True, diff=True))
    assert checked["changed"] and checked["diff"]["before"]["adapters"][0]["cluster_monitored"] is True
    assert checked["diff"]["after"]["adapters"][0]["cluster_monitored"] is False
    assert adapters(small, "WEB01") == {"Corp": True, "Private": True}, "check mode changed nothing"
    result = ok(run_module("hyperv_vm_network_monitoring", args))
    assert result["changed"] and [a["switch_name"] for a in result["adapters"]] == ["Private"]
    assert adapters(small, "WEB01") == {"Corp": True, "Private": False}
    assert ok(run_module("hyperv_vm_network_monitoring", args))["changed"] is False
    back = ok(run_module("hyperv_vm_network_monitoring", dict(args, monitored=True)))
    assert back["changed"] and adapters(small, "WEB01") == {"Corp": True, "Private": True}


def test_network_monitoring_errors_are_clear(small):
    missing = run_module("hyperv_vm_network_monitoring", dict(small.args, vm="WEB01", switch_name="Backup",
                                                              monitored=False))
    assert missing["failed"] and missing["msg"] == ("WEB01 has no network adapter on switch 'Backup'; its adapters: "
                                                    "Network Adapter on Corp, Network Adapter on Private")
    unknown = run_module("hyperv_vm_network_monitoring", dict(small.args, vm="NOPE", switch_name="Corp",
                                                              monitored=False))
    assert unknown["failed"] and unknown["msg"].endswith(
        "while reading the network adapters of NOPE (exit code 1): Get-ClusterGroup : An error occurred opening "
        "cluster group 'NOPE'. The group or resource was not found.")


# ----------------------------------------------------------------------- seed 000 through the modules


def test_seed_defaults_fail_with_21502_that_migration_events_reports(seed):
    failed = run_module("cau_run", seed.args)
    assert failed["failed"] and failed["report"]["status"] == "Failed"
    assert "ended Failed (nodes not updated: HV01, " in failed["msg"] and "more than MaxFailedNodes" in failed["msg"]
    run = seed.control.last_cau_run()
    assert run["events_21502"] > 0 and run["stopped"]
    result = ok(run_module("hyperv_migration_events", dict(seed.args, since="2024-05-14T02:00:00")))
    events = result["events"]
    assert result["summary"]["count"] == run["events_21502"] == len(events)
    memory = dict((v["name"], v["memory_mb"]) for v in seed.state()["vms"])
    for event in events:
        assert event["id"] == 21502 and event["target"] == "HV01" and event["reason"] == "insufficient_memory"
        assert event["memory_mb"] == memory[event["vm"]] and event["node"] != "HV01", "logged on the source"
    assert result["summary"]["by_target"] == {"HV01": len(events)}
    later = ok(run_module("hyperv_migration_events", dict(seed.args, since="2030-01-01T00:00:00")))
    assert later["events"] == []
    failing = run_module("hyperv_migration_events", dict(seed.args, event_ids=[21502], fail_on_events=True))
    assert failing["failed"] and failing["msg"].startswith("%d live-migration failure event(s)" % len(events))


@pytest.mark.parametrize("cure,module,args", [
    ("no_failback", "cau_cluster_role", {"failback_mode": "NoFailback"}),
    ("quiescence", "cau_wait_script", {"mode": "quiescence"}),
])
def test_seed_cured_through_the_modules_runs_clean(seed, cure, module, args):
    ok(run_module(module, dict(seed.args, **args)))
    assert ok(run_module("cau_run", seed.args))["report"]["status"] == "Succeeded", cure
    run = seed.control.last_cau_run()
    assert run["events_21502"] == 0 and run["failed_nodes"] == [] and not run["stopped"]
    assert ok(run_module("hyperv_migration_events", seed.args))["events"] == []


# ---------------------------------------------------------------------------- hyperv_node_drain


def test_node_drain_by_plan_then_planned_failback(flowing):
    seed = flowing()
    args = dict(seed.args, node="HV01", **FAST)
    before = seed.owners()
    checked = ok(run_module("hyperv_node_drain", args, check_mode=True))
    assert checked["changed"] and checked["results"] == [] and len(checked["plan"]["moves"]) == 22
    assert checked["node_state"] == {"before": "Up", "after": "Paused"}
    assert seed.owners() == before and seed.control.node("HV01")["state"] == "Up", "check mode moved nothing"

    drained = ok(run_module("hyperv_node_drain", args))
    assert drained["changed"] and len(drained["results"]) == 22
    assert all(r["status"] == "moved" and r["method"] == "live" for r in drained["results"])
    owners = seed.owners()
    assert all(owners[r["vm"]] == r["target"] != "HV01" for r in drained["results"])
    state = seed.state()
    assert seed.control.node("HV01")["state"] == "Paused" and seed.control.node("HV01")["vm_count"] == 0
    assert sum(n["events_21502"] for n in state["nodes"]) == 0
    assert set(state["migrations"]["finished"]) == {"move:Succeeded"}
    assert sorted(drained["home_vms"]) == sorted(vm for vm, node in before.items() if node == "HV01")
    again = ok(run_module("hyperv_node_drain", args))
    assert again["changed"] is False and again["results"] == []

    back_args = dict(args, state="resumed", failback="planned", home_vms=drained["home_vms"])
    back = ok(run_module("hyperv_node_drain", back_args))
    assert back["changed"] and back["node_state"] == {"before": "Paused", "after": "Up"}
    assert back["plan"]["mode"] == "failback" and all(r["status"] == "moved" for r in back["results"])
    assert seed.owners() == before and sum(n["events_21502"] for n in seed.state()["nodes"]) == 0
    assert ok(run_module("hyperv_node_drain", back_args))["changed"] is False


def test_node_drain_by_the_cluster_and_immediate_failback(flowing):
    small = flowing("small_3node.yaml", 100.0)
    args = dict(small.args, node="HV03", method="cluster", **FAST)
    drained = ok(run_module("hyperv_node_drain", args))
    assert drained["changed"] and drained["plan"] is None
    assert sorted((r["vm"], r["status"]) for r in drained["results"]) == [("APP02", "moved"), ("BIG01", "moved")]
    node = small.control.node("HV03")
    assert node["state"] == "Paused" and node["drain_status"] == "Completed" and node["vm_count"] == 0
    assert ok(run_module("hyperv_node_drain", args))["changed"] is False

    back = ok(run_module("hyperv_node_drain", dict(args, state="resumed", failback="immediate")))
    assert back["changed"] and sorted(r["vm"] for r in back["results"]) == ["APP02", "BIG01"]
    assert small.control.node("HV03")["state"] == "Up" and small.owners()["BIG01"] == "HV03"


def test_node_drain_refuses_an_infeasible_plan_before_pausing(small):
    plan = {"moves": [], "unplaced": [{"vm": "SQL01", "host": "HV01", "reasons": [
        {"code": "insufficient_memory", "detail": "HV02: needs 24576 MB, 0 MB free"}]}]}
    result = run_module("hyperv_node_drain", dict(small.args, node="HV01", plan=plan))
    assert result["failed"] and result["msg"].startswith("cannot drain HV01: ")
    assert small.control.node("HV01")["state"] == "Up"
    unknown = run_module("hyperv_node_drain", dict(small.args, node="HV09"))
    assert unknown["failed"] and unknown["msg"] == "unknown node 'HV09'; nodes of the cluster: HV01, HV02, HV03"
