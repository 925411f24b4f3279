"""The machine a script runs on: which node, its environment, the clock, the cmdlets it can call."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .cluster import Cluster, Node
from .powershell import Interpreter, ScriptResult
from .powershell.errors import ErrorRecord, ScriptTerminated
from .sim import Cancelled, CancelToken


@dataclass(frozen=True)
class Logon:
    """Who a session runs as and how it authenticated: whether its credentials can reach another machine.

    A WinRM session can make a second hop (to another node, a share, another node's event log or CIM) only
    when the client delegated its credentials: CredSSP, or Kerberos with delegation. Work the cluster does
    by itself on a node (CAU's run, its scripts) runs locally there and needs no second hop.
    """
    user: str = 'Administrator'
    transport: str = 'local'
    delegated: bool = True


LOCAL = Logon()


class NodeHost:
    """Host services for the interpreter on one node of the mock cluster."""

    def __init__(self, cluster: Cluster, node: Node, token: CancelToken | None = None,
                 username: str = 'Administrator', using_variables: dict[str, Any] | None = None,
                 logon: Logon = LOCAL):
        from .cmdlets import REGISTRY
        self.cluster = cluster
        self.node = node
        self.token = token or CancelToken()
        self.registry = REGISTRY
        self.username = username
        self.logon = logon
        self.using_variables = using_variables or {}
        self.environment = {
            'COMPUTERNAME': node.name.upper(), 'USERDOMAIN': cluster.domain.split('.')[0].upper(),
            'USERDNSDOMAIN': cluster.domain.upper(), 'USERNAME': username.split('\\')[-1],
            'SystemRoot': 'C:\\Windows', 'windir': 'C:\\Windows', 'TEMP': 'C:\\Windows\\TEMP',
            'TMP': 'C:\\Windows\\TEMP', 'ProgramData': 'C:\\ProgramData', 'PROCESSOR_ARCHITECTURE': 'AMD64',
            'SystemDrive': 'C:',
        }

    @property
    def computer_name(self) -> str:
        return self.node.name

    def now(self) -> dt.datetime:
        return self.cluster.clock.datetime()

    def sleep(self, seconds: float) -> None:
        self.cluster.clock.sleep(seconds, self.token)

    def wait(self, predicate, timeout_seconds: float | None = None) -> bool:
        return self.cluster.clock.wait(predicate, timeout_seconds, self.token)

    def check_cancel(self) -> None:
        if self.token.cancelled:
            raise Cancelled()

    def model_lock(self):
        return self.cluster.lock

    def read_script(self, path: str) -> str | None:
        return self.cluster.read_file(self.node, path)

    def on(self, node: Node, using_variables: dict[str, Any] | None = None) -> 'NodeHost':
        """The same session's view from another node (Invoke-Command -ComputerName)."""
        return NodeHost(self.cluster, node, self.token, self.username, using_variables, self.logon)


def run_script(cluster: Cluster, node: Node, source: str, token: CancelToken | None = None,
               username: str = 'Administrator', logon: Logon = LOCAL) -> ScriptResult:
    """Run a whole script on `node` as one simulated actor (so time can pass while it waits)."""
    host = NodeHost(cluster, node, token, username, logon=logon)
    with cluster.clock.actor():
        try:
            return Interpreter(host).run(source)
        except Cancelled:
            record = ErrorRecord('The pipeline has been stopped.', 'OperationStopped', 'PipelineStopped',
                                 'PipelineStoppedException')
            return ScriptResult('', [record], [], 1)


def run_node_script_file(cluster: Cluster, node: Node, path: str, token: CancelToken | None) -> str | None:
    """Run a .ps1 from the node's disk inside the current actor (CAU Pre/PostUpdateScript); error text or None."""
    source = cluster.read_file(node, path)
    if source is None:
        return f"The script '{path}' was not found on node '{node.name}'."
    host = NodeHost(cluster, node, token)
    try:
        result = Interpreter(host).run(source)
    except ScriptTerminated as exc:
        return exc.record.message
    if result.exit_code != 0:
        first = result.errors[0].message if result.errors else f'exit code {result.exit_code}'
        return first
    return None
