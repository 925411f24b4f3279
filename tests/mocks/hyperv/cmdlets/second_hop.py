"""Whether a call may reach another node: the second hop (delegated credentials) and unreachable nodes.

A WinRM session authenticated without delegation (NTLM, Basic, Kerberos without delegation) holds no
credentials it can present to a third machine, so whatever the script reaches on another node is denied
(PowerShell-Docs, "Making the second hop in PowerShell Remoting"). CredSSP carries the credentials; work the
cluster runs on a node by itself (CAU) is local. A node listed by the control API's ``unreachable`` fault
does not answer CIM, WinRM, RPC or SMB from other nodes whatever the credentials (a firewall, a stopped
service), while staying Up in the cluster.
"""
from __future__ import annotations

from ..cluster import Node
from ..powershell import Invocation

DENIED = 'denied'
UNREACHABLE = 'unreachable'


def unreachable_nodes(cluster) -> set[str]:
    """Lower-case names of the nodes the `unreachable` fault cut off (kept in cluster.faults)."""
    return cluster.faults.setdefault('unreachable', set())


def blocked(inv: Invocation, node: Node) -> str | None:
    """None when the session may reach `node`; DENIED (second hop without delegation) or UNREACHABLE."""
    if node is inv.host.node:
        return None
    if node.name.lower() in unreachable_nodes(inv.host.cluster):
        return UNREACHABLE
    if not inv.host.logon.delegated:
        return DENIED
    return None


def session_is_remote_undelegated(inv: Invocation) -> bool:
    """A WinRM session whose credentials cannot go further (what Move-ClusterVirtualMachineRole refuses)."""
    logon = inv.host.logon
    return logon.transport != 'local' and not logon.delegated
