# -*- coding: utf-8 -*-
"""Nodes the WinRM endpoint cannot read (a second hop refused, or a node whose WinRM/CIM does not answer) are
errors naming the node and the fix, never a 1 MB host, a 0 MB VM or a silently missing event log.

The mock's ``unreachable`` fault cuts a node off from the endpoint even from a CredSSP session, whose
credentials do reach the other nodes; the tests connect with CredSSP whatever the fixtures' default transport.
"""

import winrm

from module_runner import run_module

FAST = {"poll_seconds": 0.05}
FILL_HV03 = ("Move-ClusterVirtualMachineRole -Name WEB02 -Node HV03 | Out-Null; "
             "Move-ClusterVirtualMachineRole -Name APP01 -Node HV03 -ErrorAction SilentlyContinue | Out-Null; 'done'")


def args(mock, **more):
    return dict(mock.args, transport="credssp", **more)


def ps(mock, script):
    """A set-up script run as an operator would, over CredSSP; its stdout."""
    result = winrm.Session(mock.url, auth=(mock.args["username"], mock.args["password"]),
                           transport="credssp").run_ps(script)
    assert result.status_code == 0, result.std_err.decode(errors="replace")
    return result.std_out.decode()


def failed_naming(result, node):
    assert result.get("failed"), "expected a failure naming %s, got %s" % (node, result)
    msg = result["msg"]
    assert "node %s from HV01" % node in msg and "transport credssp" in msg, msg
    return msg


def test_cluster_info_fails_naming_a_node_it_cannot_read(small):
    small.control.fault(unreachable=["HV02"])
    msg = failed_naming(run_module("hyperv_cluster_info", args(small)), "HV02")
    assert "memory" in msg and "HV03" not in msg.split("(")[0]
    some = run_module("hyperv_cluster_info", dict(args(small, nodes=["HV03"])))
    assert not some.get("failed"), some.get("msg")
    assert [h["memory_mb"] for h in some["hosts"]] == [49152], "a node out of scope does not matter"


def test_cluster_info_skips_a_down_node_as_before(small):
    small.control.fault(node_down="HV02")
    info = run_module("hyperv_cluster_info", args(small))
    assert not info.get("failed"), info.get("msg")
    hosts = dict((h["name"], h) for h in info["hosts"])
    assert hosts["HV02"]["state"] == "down" and hosts["HV01"]["memory_mb"] == 65536


def test_node_drain_fails_before_moving_anything(small):
    before = small.owners()
    small.control.fault(unreachable=["HV03"])
    drain = args(small, node="HV01", timeout=20, **FAST)
    failed_naming(run_module("hyperv_node_drain", drain, check_mode=True), "HV03")
    failed_naming(run_module("hyperv_node_drain", drain), "HV03")
    assert small.owners() == before and small.control.node("HV01")["state"] == "Up"


def test_migration_events_come_from_every_up_node_or_fail_naming_it(small):
    assert ps(small, FILL_HV03).strip() == "done"
    events = run_module("hyperv_migration_events", args(small, event_ids=[21502]))
    assert not events.get("failed"), events.get("msg")
    assert [(e["node"], e["vm"], e["target"]) for e in events["events"]] == [("HV02", "APP01", "HV03")], \
        "logged on the migration source, not on the endpoint"
    small.control.fault(unreachable=["HV02"])
    msg = failed_naming(run_module("hyperv_migration_events", args(small, event_ids=[21502])), "HV02")
    assert "event logs" in msg


def test_wait_script_does_not_take_an_unreadable_share_for_a_missing_file(seed):
    seed.control.fault(unreachable=["HV05"])
    result = run_module("cau_wait_script", args(seed, mode="sleep", seconds=60))
    msg = failed_naming(result, "HV05")
    assert "C$" in msg
    assert not any("vmfleet-cau-wait" in path for path in seed.control.files("HV01")), "nothing written"
    assert seed.cau_settings()["PostUpdateScript"] is None
