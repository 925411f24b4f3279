"""FailoverClusters cmdlets: nodes, groups, resources, parameters, drain/resume, VM role moves."""
from __future__ import annotations

from ..cluster import Cluster, Node, VirtualMachine
from ..maintenance import resume, start_drain
from ..migration import SUCCEEDED
from ..powershell import Invocation, Param, Registry
from ..powershell.enums import FAILBACK_TYPE_CLUSTER, MIGRATION_TYPE
from ..powershell.values import PSObject, to_string, unroll
from .objects import (core_group_object, group_object, node_object, resource_object)
from .second_hop import session_is_remote_undelegated

FAILOVER = Registry()
NS = 'Microsoft.FailoverClusters.PowerShell'
CLUSTER_PARAM = Param('Cluster')


def cluster_of(inv: Invocation) -> Cluster:
    cluster = inv.host.cluster
    wanted = inv.get('Cluster')
    if wanted and to_string(wanted).split('.')[0].lower() not in ('.', cluster.name.lower()):
        raise inv.fail(f"The cluster '{wanted}' was not found or could not be contacted.", 'ConnectionError',
                       'ClusterNotFound', 'ClusterCmdletException', wanted)
    return cluster


def nodes_from(inv: Invocation, cluster: Cluster, name_param: str = 'Name', default: str = 'all') -> list[Node]:
    """Nodes named by -Name or by piped node objects; with neither, every node or the local one."""
    picked: list[Node] = []
    for item in inv.input + unroll(inv.get('InputObject')):
        ref = getattr(item, 'ref', None)
        if isinstance(ref, Node):
            picked.append(ref)
        elif isinstance(item, str):
            picked.extend(_named_nodes(inv, cluster, [item]))
    if inv.get(name_param):
        picked.extend(_named_nodes(inv, cluster, inv.get(name_param)))
    elif not picked and not inv.input:
        picked = list(cluster.nodes.values()) if default == 'all' else [inv.host.node]
    return picked


def _named_nodes(inv: Invocation, cluster: Cluster, names: list[str]) -> list[Node]:
    found = []
    for name in names:
        node = cluster.node(name)
        if node is None:
            inv.write_error(f"The cluster node '{name}' was not found.", 'ObjectNotFound',
                            inv.command.name, 'ClusterCmdletException', name)
        else:
            found.append(node)
    return found


def vms_from(inv: Invocation, cluster: Cluster, name_param: str = 'Name') -> list[VirtualMachine]:
    """VMs named by -Name or by piped group/VM/resource objects."""
    picked: list[VirtualMachine] = []
    for item in inv.input + unroll(inv.get('InputObject')):
        ref = getattr(item, 'ref', None)
        if isinstance(ref, tuple):
            ref = ref[0]
        if isinstance(ref, VirtualMachine):
            picked.append(ref)
        elif isinstance(item, str):
            picked.extend(_named_vms(inv, cluster, [item]))
    names = inv.get(name_param)
    if names:
        picked.extend(_named_vms(inv, cluster, names if isinstance(names, list) else [names]))
    return picked


def _named_vms(inv: Invocation, cluster: Cluster, names: list[str]) -> list[VirtualMachine]:
    found = []
    for name in names:
        vm = cluster.vm(name)
        if vm is None:
            inv.write_error(f"An error occurred opening cluster group '{name}'.\r\nThe group or resource was not "
                            f"found.", 'ObjectNotFound', inv.command.name, 'ClusterCmdletException', name)
        else:
            found.append(vm)
    return found


@FAILOVER.add('Get-Cluster', Param('Name', position=0), Param('Domain'), namespace=NS)
def get_cluster(inv: Invocation):
    from .objects import cluster_object
    return cluster_object(inv.host.cluster)


@FAILOVER.add('Get-ClusterNode', Param('Name', 'string[]', position=0), Param('InputObject', 'object', pipeline=True),
              CLUSTER_PARAM, namespace=NS)
def get_cluster_node(inv: Invocation):
    cluster = cluster_of(inv)
    return [node_object(cluster, n) for n in nodes_from(inv, cluster)]


@FAILOVER.add('Suspend-ClusterNode', Param('Name', 'string[]', position=0), Param('TargetNode', position=1),
              Param('Drain', 'switch'), Param('ForceDrain', 'switch'), Param('Wait', 'switch'),
              Param('InputObject', 'object', pipeline=True), CLUSTER_PARAM, namespace=NS, should_process=True)
def suspend_cluster_node(inv: Invocation):
    cluster = cluster_of(inv)
    target = None
    if inv.get('TargetNode'):
        target = cluster.node(inv.get('TargetNode'))
        if target is None:
            raise inv.fail(f"The cluster node '{inv.get('TargetNode')}' was not found.", 'ObjectNotFound',
                           'Suspend-ClusterNode', 'ClusterCmdletException', inv.get('TargetNode'))
    out = []
    for node in nodes_from(inv, cluster, default='local'):
        if node.state == 'Down':
            inv.write_error(f"The node '{node.name}' is down. Only an Up node can be paused.\r\nThe cluster node is "
                            f"down.", 'InvalidOperation', 'Suspend-ClusterNode', 'ClusterCmdletException', node.name)
            continue
        if inv.get('Drain') or inv.get('ForceDrain'):
            if not (node.state == 'Paused' and node.drain_status in ('InProgress', 'Completed')):
                drain = start_drain(cluster, node, force=bool(inv.get('ForceDrain')), target=target)
            else:
                drain = None
            if inv.get('Wait') and drain is not None:
                inv.host.wait(lambda: drain.done)
                if drain.failed:
                    inv.write_error(f"The pause operation of node '{node.name}' failed: the drain could not move "
                                    f"{', '.join(drain.failed)}.", 'OperationStopped', 'Suspend-ClusterNode',
                                    'ClusterCmdletException', node.name)
        else:
            node.state = 'Paused'
        out.append(node_object(cluster, node))
    return out


@FAILOVER.add('Resume-ClusterNode', Param('Name', 'string[]', position=0),
              Param('Failback', FAILBACK_TYPE_CLUSTER), Param('InputObject', 'object', pipeline=True),
              CLUSTER_PARAM, namespace=NS, should_process=True)
def resume_cluster_node(inv: Invocation):
    cluster = cluster_of(inv)
    mode = inv.get('Failback')
    out = []
    for node in nodes_from(inv, cluster, default='local'):
        if node.state == 'Down':
            inv.write_error(f"The cluster node '{node.name}' is down.", 'InvalidOperation', 'Resume-ClusterNode',
                            'ClusterCmdletException', node.name)
            continue
        if node.state == 'Paused':
            resume(cluster, node, mode.name if mode is not None else 'NoFailback')
        out.append(node_object(cluster, node))
    return out


def _all_groups(cluster: Cluster) -> list[PSObject]:
    first = next(iter(cluster.nodes.values()))
    groups = [core_group_object(cluster, 'Available Storage', 'AvailableStorage', first),
              core_group_object(cluster, 'Cluster Group', 'Cluster', first)]
    if cluster.cau is not None:
        groups.append(core_group_object(cluster, cluster.cau.group_name, 'Unknown', first))
    return groups + [group_object(cluster, vm) for vm in cluster.vms.values()]


@FAILOVER.add('Get-ClusterGroup', Param('Name', 'string[]', position=0), Param('InputObject', 'object', pipeline=True),
              CLUSTER_PARAM, namespace=NS)
def get_cluster_group(inv: Invocation):
    cluster = cluster_of(inv)
    groups = _all_groups(cluster)
    piped_nodes = [getattr(i, 'ref', None) for i in inv.input + unroll(inv.get('InputObject'))]
    piped_nodes = [n for n in piped_nodes if isinstance(n, Node)]
    if piped_nodes:
        names = {n.name for n in piped_nodes}
        groups = [g for g in groups if g['OwnerNode'].get('Name') in names]
    if inv.get('Name'):
        wanted = inv.get('Name')
        out = []
        for name in wanted:
            match = [g for g in groups if g['Name'].lower() == name.lower()]
            if not match:
                inv.write_error(f"An error occurred opening cluster group '{name}'.\r\nThe group or resource was "
                                f"not found.", 'ObjectNotFound', 'Get-ClusterGroup', 'ClusterCmdletException', name)
            out.extend(match)
        return out
    return groups


@FAILOVER.add('Get-ClusterResource', Param('Name', 'string[]', position=0),
              Param('InputObject', 'object', pipeline=True), CLUSTER_PARAM, namespace=NS)
def get_cluster_resource(inv: Invocation):
    cluster = cluster_of(inv)
    piped = [getattr(i, 'ref', None) for i in inv.input + unroll(inv.get('InputObject'))]
    vms = [r for r in piped if isinstance(r, VirtualMachine)] if piped else list(cluster.vms.values())
    resources = []
    for vm in vms:
        resources.append(resource_object(cluster, vm))
        resources.append(resource_object(cluster, vm, configuration=True))
    if inv.get('Name'):
        wanted = {n.lower() for n in inv.get('Name')}
        resources = [r for r in resources if r['Name'].lower() in wanted]
    return resources


def _vm_parameters(cluster: Cluster, vm: VirtualMachine) -> list[tuple[str, str, object]]:
    migration = cluster.migrations.for_vm(vm)
    progress = migration.progress(cluster.clock.now) if migration is not None else 0
    return [('VmID', 'String', vm.vm_id), ('OfflineAction', 'UInt32', 1), ('ShutdownAction', 'UInt32', 0),
            ('CheckHeartbeat', 'UInt32', 1), ('MigrationState', 'UInt32', vm.migration_state),
            ('MigrationProgress', 'UInt32', progress), ('VirtualNumaCount', 'UInt32', 1)]


@FAILOVER.add('Get-ClusterParameter', Param('Name', 'string[]', position=0),
              Param('InputObject', 'object', pipeline=True), CLUSTER_PARAM, namespace=NS)
def get_cluster_parameter(inv: Invocation):
    cluster = cluster_of(inv)
    out = []
    for item in inv.input + unroll(inv.get('InputObject')):
        ref = getattr(item, 'ref', None)
        if not (isinstance(ref, tuple) and not ref[1]):
            continue  # only Virtual Machine resources carry the mock's private properties
        params = _vm_parameters(cluster, ref[0])
        if inv.get('Name'):
            wanted = {n.lower() for n in inv.get('Name')}
            params = [p for p in params if p[0].lower() in wanted]
        for name, ptype, value in params:
            out.append(PSObject(NS + '.ClusterParameter', [
                ('ClusterObject', item), ('Name', name), ('IsReadOnly', name.startswith('Migration')),
                ('ParameterType', ptype), ('Value', value)], to_string=name))
    return out


@FAILOVER.add('Get-ClusterOwnerNode', Param('Group', position=0), Param('Resource'),
              Param('InputObject', 'object', pipeline=True), CLUSTER_PARAM, namespace=NS)
def get_cluster_owner_node(inv: Invocation):
    cluster = cluster_of(inv)
    vms = vms_from(inv, cluster, 'Group')
    return [PSObject(NS + '.ClusterOwnerNodeList', [
        ('ClusterObject', group_object(cluster, vm)),
        ('OwnerNodes', [node_object(cluster, cluster.node(n)) for n in vm.preferred_owners if cluster.node(n)])])
        for vm in vms]


@FAILOVER.add('Move-ClusterVirtualMachineRole', Param('Name', position=0), Param('Node', position=1),
              Param('MigrationType', MIGRATION_TYPE), Param('Wait', 'int'), Param('Cancel', 'switch'),
              Param('IgnoreLocked', 'switch'), Param('VMId'), Param('InputObject', 'object', pipeline=True),
              CLUSTER_PARAM, namespace=NS)
def move_cluster_vm_role(inv: Invocation):
    cluster = cluster_of(inv)
    vms = vms_from(inv, cluster)
    if inv.get('VMId'):
        vms += [vm for vm in cluster.vms.values() if vm.vm_id.lower() == inv.get('VMId').lower()]
    if session_is_remote_undelegated(inv):  # "cannot be run remotely without CredSSP" (its reference page)
        for vm in vms:
            inv.write_error(f"An error occurred while moving the clustered role '{vm.name}'.\r\nAccess is denied.",
                            'PermissionDenied', 'Move-ClusterVirtualMachineRole', 'ClusterCmdletException', vm.name)
        return []
    mtype = inv.get('MigrationType')
    mtype = mtype.name if mtype is not None else 'Live'
    out = []
    for vm in vms:
        failure = _move_one(inv, cluster, vm, mtype)
        if failure:
            inv.write_error(f"An error occurred while moving the clustered role '{vm.name}'.\r\n{failure}",
                            'NotSpecified', 'Move-ClusterVirtualMachineRole', 'ClusterCmdletException', vm.name)
        else:
            out.append(group_object(cluster, vm))
    return out


def _move_one(inv: Invocation, cluster: Cluster, vm: VirtualMachine, mtype: str) -> str:
    in_flight = cluster.migrations.for_vm(vm)
    if inv.get('Cancel'):
        if in_flight is None or not in_flight.live:  # -Cancel stops live migrations only
            return f"There is no live migration of '{vm.name}' in progress to cancel."
        cluster.migrations.cancel(in_flight)
        return ''
    if in_flight is not None:
        return f"A migration of '{vm.name}' to '{in_flight.target or 'a node'}' is already in progress."
    if inv.get('Node'):
        target = cluster.node(inv.get('Node'))
        if target is None:
            return f"The cluster node '{inv.get('Node')}' was not found."
    else:
        candidates = sorted(cluster.up_nodes(exclude=vm.owner), key=lambda n: (-cluster.free_mb(n), n.name))
        if not candidates:
            return 'No other node is available to host the virtual machine.'
        target = candidates[0]
    if target.name == vm.owner:
        return ''
    if target.state != 'Up':
        return f"The cluster node '{target.name}' cannot host the role: its state is {target.state}."
    migration = cluster.migrations.submit(vm, vm.owner, target.name, 'move', mtype)
    wait = inv.get('Wait')
    if wait == 0:
        return ''
    inv.host.wait(lambda: migration.finished, None if wait is None else float(wait))
    if migration.finished and migration.state != SUCCEEDED:
        return migration.error
    return ''
