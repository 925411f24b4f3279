"""Every nova module against a real nova (Zed, fake virt driver), checked from nova's own records."""

from modules_helpers import FAST, migration_summary, placement_of, run_module, server_group, service_states


def test_cluster_info_reads_hosts_servers_and_server_groups(clean_realnova):
    nova = clean_realnova
    nova.boot("web-1", "compute-0")
    nova.boot("db-1", "compute-1", flavor="m1.small")
    server_group(nova, "spread", "anti-affinity", [("app-1", "compute-0"), ("app-2", "compute-1")])
    server_group(nova, "pair", "affinity", [("pair-1", "compute-2"), ("pair-2", "compute-2")])
    server_group(nova, "loose", "soft-anti-affinity", [("loose-1", "compute-0"), ("loose-2", "compute-0")])
    info = run_module("nova_cluster_info", nova.cloud_args, check_mode=True)
    assert not info.get("failed"), info
    hosts = dict((h["name"], h) for h in info["hosts"])
    assert sorted(hosts) == ["compute-0", "compute-1", "compute-2"]
    assert (hosts["compute-0"]["memory_mb"], hosts["compute-0"]["reserved_memory_mb"]) == (8192, 512)
    assert set(h["zone"] for h in hosts.values()) == {"nova"} and set(h["state"] for h in hosts.values()) == {"up"}
    vms = dict((v["name"], v) for v in info["vms"])
    assert (vms["db-1"]["host"], vms["db-1"]["memory_mb"], vms["db-1"]["power_state"]) == ("compute-1", 1024, "on")
    rules = dict((r["name"], r) for r in info["rules"])
    assert rules["server group spread"] == {"name": "server group spread", "kind": "anti_affinity",
                                            "strength": "must", "vms": ["app-1", "app-2"]}
    assert rules["server group loose"]["strength"] == "should"
    assert rules["server group pair"]["kind"] == "affinity"
    assert vms["pair-1"]["methods"] == [] and "server group 'pair' (affinity)" in vms["pair-1"]["methods_reason"]
    assert not [r for r in info["rules"] if r["kind"] == "vm_host"]  # one zone: nothing to keep apart


def test_a_hard_affinity_member_really_cannot_move(clean_realnova):
    """Why nova_cluster_info reports such members unmovable: nova's scheduler passes only the group's hosts."""
    nova = clean_realnova
    server_group(nova, "pair", "affinity", [("pair-1", "compute-2"), ("pair-2", "compute-2")])
    conn = nova.conn("2.30")
    server = conn.compute.find_server("pair-1")
    try:
        conn.compute.live_migrate_server(server, host="compute-0", block_migration="auto")
    except Exception as error:  # pylint: disable=broad-except
        assert "No valid host" in str(error), error
    else:
        raise AssertionError("nova live-migrated a member of a hard-affinity group away from the other")
    assert placement_of(nova)["pair-1"] == ("compute-2", "ACTIVE")


def test_compute_service_check_mode_change_and_idempotence(clean_realnova):
    nova = clean_realnova
    args = dict(nova.cloud_args, host="compute-1", state="disabled", disabled_reason="patching")
    checked = run_module("nova_compute_service", args, check_mode=True, diff=True)
    assert checked["changed"] and checked["diff"]["after"]["status"] == "disabled"
    assert service_states(nova)["compute-1"][0] == "enabled"
    first = run_module("nova_compute_service", args)
    assert first["changed"] and service_states(nova)["compute-1"][0] == "disabled"
    assert nova.compute_services()["compute-1"].disabled_reason == "patching"
    assert run_module("nova_compute_service", args)["changed"] is False
    enabled = run_module("nova_compute_service", dict(nova.cloud_args, host="compute-1", state="enabled"))
    assert enabled["changed"] and service_states(nova)["compute-1"][0] == "enabled"


def test_host_drain_keeps_server_groups_states_and_changes_nothing_twice(clean_realnova):
    """Drain compute-0: a running server, a stopped one (scope all) and an anti-affinity member whose partner
    sits on compute-1: it may only go to compute-2."""
    nova = clean_realnova
    nova.boot("web-1", "compute-0")
    nova.boot("off-1", "compute-0")
    nova.stop_server("off-1")
    server_group(nova, "spread", "anti-affinity", [("app-1", "compute-0"), ("app-2", "compute-1")])
    args = dict(nova.cloud_args, host="compute-0", scope="all", **FAST)
    before = migration_summary(nova)
    checked = run_module("nova_host_drain", args, check_mode=True)
    assert checked["changed"] and checked["results"] == [], checked.get("msg")
    moves = dict((m["vm"], m) for m in checked["plan"]["moves"])
    assert moves["app-1"]["target"] == "compute-2" and moves["off-1"]["method"] == "move"
    assert migration_summary(nova) == before and placement_of(nova)["app-1"][0] == "compute-0"
    result = run_module("nova_host_drain", args)
    assert not result.get("failed"), result.get("msg")
    state = placement_of(nova)
    assert state["app-1"] == ("compute-2", "ACTIVE") and state["app-2"] == ("compute-1", "ACTIVE")
    assert state["web-1"][0] != "compute-0" and state["web-1"][1] == "ACTIVE"
    assert state["off-1"][0] != "compute-0" and state["off-1"][1] == "SHUTOFF"
    records = dict((r[0], r) for r in migration_summary(nova))
    assert records["app-1"] == ("app-1", "live-migration", "compute-0", "compute-2", "completed")
    assert records["off-1"][1] == "migration" and records["off-1"][4] == "confirmed"
    again = run_module("nova_host_drain", args)
    assert again["changed"] is False and again["results"] == []


def test_a_refused_target_is_replanned_to_a_host_nova_accepts(clean_realnova):
    """A plan made before app-2 landed on compute-2 sends app-1 there: nova refuses (anti-affinity), the
    runner re-plans app-1 to compute-1 and live-migrates it - no colder method, no failed drain."""
    nova = clean_realnova
    server_group(nova, "spread", "anti-affinity", [("app-1", "compute-0"), ("app-2", "compute-2")])
    info = run_module("nova_cluster_info", nova.cloud_args)
    stale = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "drain_hosts": ["compute-0"],
                                          "count_powered_off": True})["plan"]
    for move in stale["moves"]:
        move["target"] = "compute-2"
    result = run_module("nova_host_drain", dict(nova.cloud_args, host="compute-0", plan=stale, **FAST))
    assert not result.get("failed"), result.get("msg")
    app = [r for r in result["results"] if r["vm"] == "app-1"][0]
    assert (app["final_host"], app["method"], app["planned_target"]) == ("compute-1", "live", "compute-2")
    assert "No valid host" in app["attempts"][0]["error"] and app["attempts"][0]["replan"] == "re-planned to compute-1"
    assert placement_of(nova)["app-1"] == ("compute-1", "ACTIVE")


def test_nova_migration_force_complete_abort_and_confirm(clean_realnova):
    nova = clean_realnova  # held-*: the fake driver keeps their live migrations running (tools/realnova/novarun.py)
    nova.boot("held-db-1", "compute-0")
    nova.boot("held-db-2", "compute-0")
    conn = nova.conn("2.30")
    conn.compute.live_migrate_server(conn.compute.find_server("held-db-1"), host="compute-1", block_migration="auto")
    nova.wait_migration(conn.compute.find_server("held-db-1").id, "running", timeout=60)
    listed = run_module("nova_migration", dict(nova.cloud_args, server="held-db-1"))
    assert listed["changed"] is False and listed["migrations"][0]["status"] == "running"
    checked = run_module("nova_migration", dict(nova.cloud_args, server="held-db-1", action="force_complete"),
                         check_mode=True)
    assert checked["changed"] and placement_of(nova)["held-db-1"][0] == "compute-0"
    done = run_module("nova_migration", dict(nova.cloud_args, server="held-db-1", action="force_complete"))
    assert done["changed"], done
    nova.wait_server("held-db-1", "ACTIVE", host="compute-1", timeout=60)
    nothing = run_module("nova_migration", dict(nova.cloud_args, server="held-db-1", action="abort"))
    assert nothing["failed"] and "no live migration in progress" in nothing["msg"]

    conn.compute.live_migrate_server(conn.compute.find_server("held-db-2"), host="compute-1", block_migration="auto")
    nova.wait_migration(conn.compute.find_server("held-db-2").id, "running", timeout=60)
    aborted = run_module("nova_migration", dict(nova.cloud_args, server="held-db-2", action="abort"))
    assert aborted["changed"], aborted
    nova.wait_migration(conn.compute.find_server("held-db-2").id, "cancelled", timeout=60)
    nova.wait_server("held-db-2", "ACTIVE", host="compute-0", timeout=60)

    nova.conn("2.56").compute.migrate_server(conn.compute.find_server("held-db-2"), host="compute-2")
    nova.wait_server("held-db-2", "VERIFY_RESIZE", host="compute-2", timeout=90)
    confirmed = run_module("nova_migration", dict(nova.cloud_args, server="held-db-2", action="confirm"))
    assert confirmed["changed"]
    nova.wait_server("held-db-2", "ACTIVE", host="compute-2", timeout=60)


def test_evacuation_of_a_forced_down_host_and_bringing_it_back(clean_realnova):
    """nova evacuates only from a host that is down or forced down; it refuses forced_down=false while 'done'
    evacuation records remain, until that host's nova-compute has restarted."""
    nova = clean_realnova
    nova.boot("web-1", "compute-0")
    nova.boot("off-1", "compute-0")
    nova.stop_server("off-1")
    nova.stop_compute("compute-0")
    forced = run_module("nova_compute_service", dict(nova.cloud_args, host="compute-0", forced_down=True))
    assert forced["changed"] and service_states(nova)["compute-0"][2] is True
    result = run_module("nova_host_drain", dict(nova.cloud_args, host="compute-0", scope="all", **FAST))
    assert not result.get("failed"), result.get("msg")
    assert set(r["method"] for r in result["results"]) == {"failover"}
    state = placement_of(nova)
    assert state["web-1"][0] != "compute-0" and state["web-1"][1] == "ACTIVE"
    assert state["off-1"][0] != "compute-0" and state["off-1"][1] == "SHUTOFF"
    assert set(r[1] for r in migration_summary(nova)) == {"evacuation"}
    early = run_module("nova_compute_service", dict(nova.cloud_args, host="compute-0", forced_down=False))
    assert early["failed"] and "evacuation" in early["msg"]
    nova.start_compute("compute-0")
    back = run_module("nova_compute_service", dict(nova.cloud_args, host="compute-0", forced_down=False))
    assert back["changed"] and service_states(nova)["compute-0"][2] is False
    nova.wait_services_up(["compute-0"])
    assert set(r[4] for r in migration_summary(nova)) == {"completed"}
