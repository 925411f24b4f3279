"""The drain role drains a Hyper-V node through vmfleet.maintenance.host_drain (hyperv_node_drain, its node
option; the connection's host is the WinRM endpoint)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "roles"))

from drain_host import drain_host  # noqa: E402


def test_drain_role_empties_and_pauses_the_node(flowing, tmp_path):
    small = flowing("small_3node.yaml", 100.0)
    results = drain_host("hyperv", small.args, "HV01", tmp_path, poll_seconds=0.2)
    assert sorted(r["vm"] for r in results) == ["SQL01", "WEB01"], results
    assert all(r["status"] == "moved" and not r["downtime"] for r in results), results
    owners = small.owners()
    assert owners["WEB01"] != "HV01" and owners["SQL01"] != "HV01", owners
    assert small.control.node("HV01")["state"] == "Paused"
