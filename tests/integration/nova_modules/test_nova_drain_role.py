"""The drain role drains a nova compute host through vmfleet.maintenance.host_drain (nova_host_drain)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "roles"))

from drain_host import drain_host  # noqa: E402


def test_drain_role_empties_the_compute_host(nova, tmp_path):
    results = drain_host("nova", nova.args, "compute-0", tmp_path, scope="all", on_stall="force_complete",
                         poll_seconds=0.2, stall_seconds=3, allow_downtime_vms=["gpu-1"])
    by_vm = dict((r["vm"], r) for r in results)
    assert by_vm["gpu-1"]["method"] == "move" and by_vm["gpu-1"]["downtime"]
    assert all(r["status"] == "moved" for r in results), results
    placement = nova.placement_of()
    assert all(where[0] != "compute-0" for where in placement.values()), placement
    assert nova.control.host("compute-0")["status"] == "disabled"
