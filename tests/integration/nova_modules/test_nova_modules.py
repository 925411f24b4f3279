"""The nova modules against the Keystone/Nova/Placement mock, checked from the mock's own state."""

import json

from module_runner import run_module, run_playbook

FAST = {"poll_seconds": 0.2, "stall_seconds": 3}


def test_cluster_info_shape_feeds_placement_plan(nova):
    info = run_module("nova_cluster_info", nova.args)
    assert not info.get("failed"), info
    assert [h["name"] for h in info["hosts"]] == ["compute-0", "compute-1", "compute-2", "compute-3"]
    gpu = [v for v in info["vms"] if v["name"] == "gpu-1"][0]
    assert gpu["methods"] == ["move", "failover"] and "PCI" in gpu["methods_reason"]
    assert info["count_powered_off"] is True
    plan = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "drain_hosts": ["compute-0"],
                                         "scope": "all", "count_powered_off": True})
    assert plan["plan"]["feasible"], plan
    assert {m["vm"]: m["method"] for m in plan["plan"]["moves"]}["gpu-1"] == "move"


def test_wrong_password_is_one_clear_error_naming_the_auth_url(nova):
    args = dict(nova.args, auth=dict(nova.auth, password="wrong"))
    result = run_module("nova_cluster_info", args)
    assert result["failed"]
    assert result["msg"].startswith("authentication failed at %s" % nova.auth["auth_url"])


def test_compute_service_disable_is_idempotent_with_check_mode_and_diff(nova):
    args = dict(nova.args, host="compute-0", state="disabled", disabled_reason="patching")
    before = nova.control.host("compute-0")
    checked = run_module("nova_compute_service", args, check_mode=True, diff=True)
    assert checked["changed"] and checked["diff"]["after"]["status"] == "disabled"
    assert nova.control.host("compute-0") == before
    first = run_module("nova_compute_service", args)
    assert first["changed"] and first["service"]["status"] == "disabled"
    assert nova.control.host("compute-0")["status"] == "disabled"
    assert run_module("nova_compute_service", args)["changed"] is False
    enabled = run_module("nova_compute_service", dict(nova.args, host="compute-0", state="enabled"))
    assert enabled["changed"] and nova.control.host("compute-0")["status"] == "enabled"


def test_compute_service_errors(nova):
    result = run_module("nova_compute_service", dict(nova.args, host="compute-9", state="disabled"))
    assert result["failed"] and result["msg"].startswith("no nova-compute service on host 'compute-9'")
    result = run_module("nova_compute_service", dict(nova.args, host="compute-0", state="enabled",
                                                     disabled_reason="x"))
    assert result["failed"] and "only valid with state=disabled" in result["msg"]


def test_host_drain_check_mode_moves_nothing(nova):
    before = nova.placement_of()
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", scope="all", **FAST),
                        check_mode=True)
    assert result["changed"] and result["plan"]["moves"] and result["results"] == []
    assert nova.placement_of() == before


def test_the_old_name_nova_host_evacuate_runs_nova_host_drain_with_a_deprecation(nova, tmp_path):
    args = dict(nova.args, host="compute-0", scope="all", **FAST)
    playbook = tmp_path / "old_name.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Drain by the old name", "vmfleet.maintenance.nova_host_evacuate": args}]}]))
    before = nova.placement_of()
    proc = run_playbook(str(playbook), check=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    output = " ".join((proc.stdout + proc.stderr).split())
    assert "nova_host_evacuate is now named vmfleet.maintenance.nova_host_drain" in output
    assert nova.placement_of() == before


def test_host_drain_empties_the_host_and_second_run_changes_nothing(nova):
    run_module("nova_compute_service", dict(nova.args, host="compute-0", state="disabled"))
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", scope="all",
                                                on_stall="force_complete", **FAST))
    assert not result.get("failed"), result.get("msg")
    by_vm = dict((r["vm"], r) for r in result["results"])
    assert by_vm["gpu-1"]["method"] == "move"
    assert by_vm["web-1"]["method"] == "live"
    assert by_vm["db-1"]["attempts"][-1].get("action") == "force_complete"
    state = nova.placement_of()
    for name in ("web-1", "web-2", "gpu-1", "db-1", "batch-1"):
        host, status = state[name]
        assert host != "compute-0" and host == by_vm[name]["final_host"]
    assert state["batch-1"][1] == "SHUTOFF" and state["web-1"][1] == "ACTIVE" and state["gpu-1"][1] == "ACTIVE"
    again = run_module("nova_host_drain", dict(nova.args, host="compute-0", scope="all", **FAST))
    assert again["changed"] is False and again["plan"]["moves"] == []


def test_host_drain_stall_abort_fails_and_leaves_vm_on_source(nova):
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", on_stall="abort", **FAST))
    assert result["failed"] and "db-1" in result["msg"]
    assert nova.placement_of()["db-1"] == ("compute-0", "ACTIVE")


def test_evacuation_of_a_forced_down_host(nova):
    nova.control.host_down("compute-0")
    run_module("nova_compute_service", dict(nova.args, host="compute-0", forced_down=True))
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", **FAST))
    assert not result.get("failed"), result.get("msg")
    assert set(r["method"] for r in result["results"]) == {"failover"}
    state = nova.placement_of()
    assert all(state[n][0] != "compute-0" for n in ("web-1", "web-2", "gpu-1", "db-1"))


def test_unknown_host(nova):
    result = run_module("nova_host_drain", dict(nova.args, host="compute-9"))
    assert result["failed"] and result["msg"].startswith("unknown host 'compute-9'")


def test_nova_migration_lists_force_completes_and_confirms(nova):
    conn = nova.control.connect()
    servers = dict((s.name, s) for s in conn.compute.servers(all_projects=True, details=True))
    conn.compute.live_migrate_server(servers["db-1"], host="compute-1", block_migration="auto")
    nova.control.wait_for(lambda s: any(m["instance"] == "db-1" and m["status"] == "running" for m in s["migrations"]))
    listed = run_module("nova_migration", dict(nova.args, server="db-1"))
    assert listed["changed"] is False and listed["migrations"][0]["status"] == "running"
    checked = run_module("nova_migration", dict(nova.args, server="db-1", action="force_complete"), check_mode=True)
    assert checked["changed"] and nova.placement_of()["db-1"][0] == "compute-0"
    done = run_module("nova_migration", dict(nova.args, server="db-1", action="force_complete"))
    assert done["changed"]
    nova.control.wait_for(lambda s: s["instances"]["db-1"]["host"] == "compute-1" and not s["instances"]["db-1"]["task_state"])
    nothing = run_module("nova_migration", dict(nova.args, server="db-1", action="abort"))
    assert nothing["failed"] and "has no live migration in progress" in nothing["msg"]
    conn.compute.migrate_server(servers["gpu-1"], host="compute-2")
    nova.control.wait_for(lambda s: s["instances"]["gpu-1"]["status"] == "VERIFY_RESIZE")
    confirmed = run_module("nova_migration", dict(nova.args, server="gpu-1", action="confirm"))
    assert confirmed["changed"]
    nova.control.wait_for(lambda s: s["instances"]["gpu-1"]["status"] == "ACTIVE")
    assert nova.placement_of()["gpu-1"] == ("compute-2", "ACTIVE")
    again = run_module("nova_migration", dict(nova.args, server="gpu-1", action="confirm"))
    assert again["failed"] and "not VERIFY_RESIZE" in again["msg"]
    missing = run_module("nova_migration", dict(nova.args, server="nope"))
    assert missing["failed"] and missing["msg"] == "no server named or with ID 'nope'"


def test_sdk_log_path_writes_openstacksdk_log_at_the_level_asked(nova, tmp_path):
    """sdk_log_path and sdk_log_level, as openstack.cloud users set them in module_defaults."""
    debug_log = tmp_path / "debug.log"
    info = run_module("nova_cluster_info", dict(nova.args, sdk_log_path=str(debug_log), sdk_log_level="DEBUG"))
    assert not info.get("failed"), info
    text = debug_log.read_text()
    assert "/os-services" in text or "/os-hypervisors" in text, text[-2000:]
    assert nova.auth["password"] not in text
    quiet_log = tmp_path / "info.log"
    assert not run_module("nova_cluster_info", dict(nova.args, sdk_log_path=str(quiet_log))).get("failed")
    assert "/os-services" not in (quiet_log.read_text() if quiet_log.exists() else "")
