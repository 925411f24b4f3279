"""nova behaviours the adapter once got wrong, checked on the mock (and on real nova in tests/realnova)."""

from module_runner import run_module

FAST = {"poll_seconds": 0.2, "stall_seconds": 30}


def test_evacuated_servers_that_ran_are_running_again_and_stopped_ones_stay_stopped(nova):
    """From microversion 2.95 nova leaves an evacuated server SHUTOFF (api-ref servers-action-evacuate); the
    mock does the same at the microversion openstacksdk sends (the highest common one)."""
    nova.control.host_down("compute-0")
    run_module("nova_compute_service", dict(nova.args, host="compute-0", forced_down=True))
    result = run_module("nova_host_evacuate", dict(nova.args, host="compute-0", scope="all", **FAST))
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
    result = run_module("nova_host_evacuate", dict(nova.args, host="compute-0", on_stall="force_complete", **FAST))
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
