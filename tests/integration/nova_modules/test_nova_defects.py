"""nova behaviours the adapter once got wrong, checked on the mock (and on real nova in tests/realnova)."""

from module_runner import run_module

FAST = {"poll_seconds": 0.2, "stall_seconds": 30}


def test_evacuated_servers_that_ran_are_running_again_and_stopped_ones_stay_stopped(nova):
    """From microversion 2.95 nova leaves an evacuated server SHUTOFF (api-ref servers-action-evacuate); the
    mock does the same at the microversion openstacksdk sends (the highest common one)."""
    nova.control.host_down("compute-0")
    run_module("nova_compute_service", dict(nova.args, host="compute-0", forced_down=True))
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", scope="all", **FAST))
    assert not result.get("failed"), result.get("msg")
    state = nova.placement_of()
    for name in ("web-1", "web-2", "gpu-1", "db-1"):
        assert state[name][0] != "compute-0" and state[name][1] == "ACTIVE", (name, state[name])
    assert state["batch-1"][0] != "compute-0" and state["batch-1"][1] == "SHUTOFF"
    starts = [r for r in nova.control.requests() if r.get("action") == "os-start"]
    assert len(starts) == 4, starts


def test_cold_migration_is_confirmed_once_while_nova_is_still_confirming(nova_with):
    """nova's confirm is a cast: the server stays VERIFY_RESIZE until the source compute is done, and a
    second confirm gets 400 'Instance has not been resized.' (compute/api.py, servers.py)."""
    nova = nova_with(20, confirm=20.0)  # 1 s of VERIFY_RESIZE after the confirm: five polls
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", on_stall="force_complete", **FAST))
    assert not result.get("failed"), result.get("msg")
    gpu = [r for r in result["results"] if r["vm"] == "gpu-1"][0]
    assert gpu["method"] == "move" and gpu["status"] == "moved"
    confirms = [r for r in nova.control.requests() if r.get("action") == "confirmResize"]
    assert len(confirms) == 1, confirms
    assert nova.placement_of()["gpu-1"][1] == "ACTIVE"


def test_force_complete_and_abort_follow_novas_state_rules(nova_with):
    """force-complete needs a running live migration; abort also takes queued/preparing from 2.65."""
    nova = nova_with(1, preparing=60.0)
    conn = nova.control.connect()
    server = conn.compute.find_server("web-1", all_projects=True)
    conn.compute.live_migrate_server(server, host="compute-1", block_migration="auto")
    nova.control.wait_for(lambda s: any(m["instance"] == "web-1" and m["status"] == "preparing"
                                        for m in s["migrations"]))
    refused = run_module("nova_migration", dict(nova.args, server="web-1", action="force_complete"))
    assert refused["failed"] and "is preparing: nova force-completes only a live migration that is running" \
        in refused["msg"]
    assert not [r for r in nova.control.requests() if r.get("action") == "force_complete"]
    aborted = run_module("nova_migration", dict(nova.args, server="web-1", action="abort"))
    assert aborted["changed"], aborted
    nova.control.wait_for(lambda s: s["instances"]["web-1"]["task_state"] is None, timeout=30)
    assert nova.placement_of()["web-1"] == ("compute-0", "ACTIVE")


def test_server_groups_and_zones_shape_the_plan(grouped_nova):
    nova = grouped_nova
    info = run_module("nova_cluster_info", nova.args)
    rules = dict((r["name"], r) for r in info["rules"])
    assert rules["server group spread"]["kind"] == "anti_affinity" and rules["server group spread"]["strength"] == "must"
    assert rules["server group loose"]["strength"] == "should"
    assert rules["availability zone nova"]["hosts"] == ["compute-0", "compute-1", "compute-2"]
    assert "pinned-1" in rules["availability zone nova"]["vms"]
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", scope="all", **FAST))
    assert not result.get("failed"), result.get("msg")
    state = nova.placement_of()
    assert state["spread-1"][0] not in ("compute-0", "compute-1") and state["pinned-1"][0] != "compute-3"
    assert state["loose-1"][0] != "compute-1"
    assert all(not r.get("planned_target") or r["planned_target"] == r["target"] for r in result["results"])


def test_a_target_the_scheduler_refuses_is_replanned_before_a_colder_method(grouped_nova):
    """A plan made before spread-2 sat on compute-2 (a stale plan) sends spread-1 there: the scheduler refuses
    (No valid host), the runner re-plans spread-1 within the rules and live-migrates it."""
    nova = grouped_nova
    info = run_module("nova_cluster_info", nova.args)
    plan = run_module("placement_plan", {"hosts": info["hosts"], "vms": info["vms"], "rules": info["rules"],
                                         "drain_hosts": ["compute-0"], "count_powered_off": True})["plan"]
    stale = dict(plan, moves=[dict(m, target="compute-1") if m["vm"] == "spread-1" else m for m in plan["moves"]])
    result = run_module("nova_host_drain", dict(nova.args, host="compute-0", plan=stale, **FAST))
    assert not result.get("failed"), result.get("msg")
    spread = [r for r in result["results"] if r["vm"] == "spread-1"][0]
    assert spread["planned_target"] == "compute-1" and spread["method"] == "live"
    assert spread["final_host"] not in ("compute-0", "compute-1")  # spread-1 asked for no zone: az2 is fine
    assert "No valid host" in spread["attempts"][0]["error"]
    assert spread["attempts"][0]["replan"] == "re-planned to %s" % spread["final_host"]
    assert nova.placement_of()["spread-1"] == (spread["final_host"], "ACTIVE")
