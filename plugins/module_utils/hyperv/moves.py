# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V, carry out: move one VM role for the drain runner with Move-ClusterVirtualMachineRole (live, quick,
shutdown or turn-off), watched through its MigrationState and, when it fails, the cluster's failure events."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import (
    DONE, FAILED, RUNNING, MoveAdapter, MoveRefused, MoveStatus)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import HyperVError, PowerShellError, is_transient
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.gather import MIGRATING, power_state
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import DEFAULT_WINDOW_SECONDS

HYPERV_METHODS = ("live", "quick", "move", "failover")
MIGRATION_TYPES = {"live": "Live", "quick": "Quick", "move": "Shutdown", "failover": "TurnOff"}
MIGRATION_ENDED = {4: "cancelled", 5: "failed"}  # kept until another migration of the VM starts
ONLINE = ("Online", "PartialOnline")


class HyperVMoveAdapter(MoveAdapter):
    """Moves one VM role with Move-ClusterVirtualMachineRole: Live, Quick, Shutdown (move) or TurnOff (failover).

    Rides through the WinRM outages hyperv.base.is_transient names, for the shell's retry_seconds.
    """

    methods = HYPERV_METHODS

    def __init__(self, cluster, snapshot):
        self.cluster = cluster
        self.shell = cluster.shell
        self.vms = snapshot.vm_facts
        self.nodes = snapshot.node_facts
        self.retry_seconds = getattr(self.shell, "retry_seconds", DEFAULT_WINDOW_SECONDS)

    def is_transient(self, error):
        return is_transient(error)

    def describe_error(self, error):
        describe = getattr(self.shell, "describe_error", None)
        return describe(error) if describe else super(HyperVMoveAdapter, self).describe_error(error)

    def start(self, move, method):
        name, target = move["vm"], move["target"]
        facts = self.vms.get(name)
        if facts is None:
            raise MoveRefused("%s is not a VM role of the cluster" % name)
        power = power_state(facts)
        if method == "live" and power != "on":
            raise MoveRefused("%s is %s: live migration moves running VMs" % (name, power))
        if method == "failover":
            source = self.nodes.get(move["source"], {}).get("state")
            if source != "Down":
                raise MoveRefused("not failing over %s: its node %s is %s, and failover (turn off, start on %s) is "
                                  "only for the VMs of a node that is down" % (name, move["source"], source, target))
        try:
            before = self.shell.json(scripts.move_vm_role(name, target, MIGRATION_TYPES[method])) or {}
        except PowerShellError as error:
            raise MoveRefused(str(error))
        return self._handle(move, method, before)

    def started(self, move, method):
        """A handle when the cluster shows the role moving (migration queued or running, group Pending) or owned
        by the target already; None when the move never reached the cluster."""
        state = self.shell.json(scripts.vm_role_state(move["vm"])) or {}
        migration = int(state.get("MigrationState") or 0)
        if state.get("o") == move["target"] or migration in MIGRATING or state.get("s") == "Pending":
            return self._handle(move, method, {"m": migration}, seen=True)
        return None

    def _handle(self, move, method, before, seen=False):
        """What poll() needs: the VM's MigrationState and the host's clock just before the move (``m``, ``t``), and
        whether the move has been seen under way since (``seen``)."""
        facts = self.vms.get(move["vm"]) or {}
        state = before.get("m")
        return {"vm": move["vm"], "source": move["source"], "target": move["target"], "method": method,
                "running": bool(facts) and power_state(facts) == "on", "seen": seen, "since": before.get("t"),
                "before": int(facts.get("migration_state") or 0) if state is None else int(state)}

    def poll(self, handle):
        state = self.shell.json(scripts.vm_role_state(handle["vm"])) or {}
        owner, group = state.get("o"), state.get("s")
        migration = int(state.get("MigrationState") or 0)
        if owner == handle["target"] and migration not in MIGRATING and (group in ONLINE or not handle["running"]):
            return MoveStatus(DONE, host=owner)
        if group == "Failed":
            return MoveStatus(FAILED, host=owner, detail="%s of %s to %s failed: the role is Failed on %s" % (
                MIGRATION_TYPES[handle["method"]], handle["vm"], handle["target"], owner))
        if handle["method"] == "live":
            return self._poll_live(handle, owner, group, migration, int(state.get("MigrationProgress") or 0))
        return self._poll_offline(handle, owner, group)

    def _poll_live(self, handle, owner, group, migration, percent):
        """MigrationState 4 or 5 stays from an earlier migration until the cluster starts this one, so it means
        this move failed only after a transition (this move seen under way, or a value unlike the one before
        it) or with a failure event of the VM logged since the move began."""
        if migration in MIGRATING or group == "Pending" or owner != handle["source"] or migration != handle["before"]:
            handle["seen"] = True
        if migration in MIGRATION_ENDED and owner == handle["source"]:
            if handle["seen"] or self._new_failure_event(handle):
                return MoveStatus(FAILED, host=owner, detail=self._failure(handle, MIGRATION_ENDED[migration]))
            return MoveStatus(RUNNING, progress="starting", detail="waiting for the cluster to start it",
                              copying=False)
        if migration == 2:
            return MoveStatus(RUNNING, progress=percent, percent=percent, detail="transferring", copying=True)
        return MoveStatus(RUNNING, progress="queued" if migration == 1 else group, detail="queued", copying=False)

    def _poll_offline(self, handle, owner, group):
        """Quick, Shutdown and TurnOff take the role offline; back online anywhere but the target, it failed."""
        if group in ONLINE and handle["seen"]:
            where = "its source %s" % owner if owner == handle["source"] else owner
            detail = "%s move of %s to %s failed: %s did not start it, and the role is online again on %s" % (
                MIGRATION_TYPES[handle["method"]], handle["vm"], handle["target"], handle["target"], where)
            return MoveStatus(FAILED, host=owner, detail=detail)
        if group not in ONLINE or owner != handle["source"]:
            handle["seen"] = True
        return MoveStatus(RUNNING, progress=group, detail=group, copying=False)

    def _new_failure_event(self, handle):
        """True when a live-migration failure event of the VM was logged since the move began."""
        if not handle["since"]:
            return False
        try:
            events, _down = self.cluster.migration_events(since=handle["since"], max_events=20)
        except HyperVError:
            return False  # the logs cannot prove it: keep waiting for a transition
        return any(e["vm"] == handle["vm"] for e in events)

    def abort(self, handle):
        """Cancel the VM's live migration; nothing left to cancel is no error (the script says so by its exit code)."""
        self.shell.text(scripts.cancel_vm_move(handle["vm"]))

    def force_complete(self, handle):
        """Hyper-V has no force-complete for a live migration; keep watching."""

    def _failure(self, handle, how):
        """'live migration of X to N failed: ...' with the newest matching failure event's reading."""
        text = "live migration of %s to %s %s" % (handle["vm"], handle["target"], how)
        try:
            events, _down = self.cluster.migration_events(max_events=20)
        except HyperVError as error:  # the failure stands; only its reason could not be read
            return "%s (its failure events could not be read: %s)" % (text, error)
        mine = [e for e in events if e["vm"] == handle["vm"]]
        if not mine:
            return text
        event = mine[0]
        if event["reason"] == "insufficient_memory":
            return "%s: not enough memory on %s for %s MB (event %s on %s)" % (
                text, event["target"] or handle["target"], event["memory_mb"], event["id"], event["node"])
        return "%s (event %s on %s: %s)" % (text, event["id"], event["node"], event["message"].splitlines()[0])
