"""Hyper-V cmdlets. Like the real module they act on one host (-ComputerName, default the local node);
piping cluster groups into Get-VM reaches each VM wherever it runs: on another node, a second hop."""
from __future__ import annotations

from ..cluster import Cluster, NetworkAdapter, Node, VirtualMachine
from ..powershell import Invocation, Param, Registry
from ..powershell.operators import like
from ..powershell.values import PSObject, unroll
from .objects import adapter_object, vm_object, vmhost_object
from .second_hop import DENIED, blocked

HYPERV = Registry()
NS = 'Microsoft.HyperV.PowerShell.Commands'


def hosts_of(inv: Invocation) -> list[Node]:
    """The hosts named by -ComputerName (default: the node the script runs on)."""
    cluster = inv.host.cluster
    names = inv.get('ComputerName') or [inv.host.node.name]
    hosts = []
    for name in names:
        node = cluster.node(name) if name not in ('.', 'localhost') else inv.host.node
        if node is None or node.state == 'Down':
            inv.write_error(f"Hyper-V was unable to find a virtual machine host on computer '{name}'. The RPC server "
                            f"is unavailable.", 'ObjectNotFound', 'Unspecified', 'VirtualizationException', name)
            continue
        if _refused(inv, node, name):
            continue
        hosts.append(node)
    return hosts


def _refused(inv: Invocation, node: Node, target) -> bool:
    """True after writing the error when the session cannot reach the Hyper-V host `node` (second hop, no answer)."""
    why = blocked(inv, node)
    if why == DENIED:
        inv.write_error(f"You do not have the required permission to complete this task. Contact the administrator "
                        f"of the authorization policy for the computer '{node.name}'.", 'PermissionDenied',
                        'AccessDenied', 'VirtualizationException', target)
    elif why:
        inv.write_error(f"Hyper-V was unable to find a virtual machine host on computer '{node.name}'. The RPC server "
                        f"is unavailable.", 'ObjectNotFound', 'Unspecified', 'VirtualizationException', target)
    return bool(why)


def _reachable(inv: Invocation, vms: list[VirtualMachine]) -> list[VirtualMachine]:
    """The VMs whose host the session can reach; an error for each of the others."""
    cluster = inv.host.cluster
    return [vm for vm in vms if cluster.node(vm.owner) is None or not _refused(inv, cluster.node(vm.owner), vm.name)]


def _find_vms(inv: Invocation, cluster: Cluster, names: list[str] | None, hosts: list[Node]) -> list[VirtualMachine]:
    found = []
    local = [vm for h in hosts for vm in cluster.vms_on(h.name)]
    if not names or not hosts:  # no host answered: its error is written already
        return local
    for name in names:
        match = [vm for vm in local if like(vm.name, name)]
        if not match:
            inv.write_error(f'Hyper-V was unable to find a virtual machine with name "{name}".', 'InvalidArgument',
                            'InvalidParameter', 'VirtualizationException', name)
        found.extend(match)
    return found


def _piped_vms(inv: Invocation, param: str) -> list[VirtualMachine] | None:
    items = inv.input + unroll(inv.get(param))
    if not items:
        return None
    vms = []
    for item in items:
        ref = getattr(item, 'ref', None)
        if isinstance(ref, tuple):
            ref = ref[0]
        if isinstance(ref, VirtualMachine):
            vms.append(ref)
    return vms


@HYPERV.add('Get-VM', Param('Name', 'string[]', position=0), Param('ComputerName', 'string[]'), Param('Id'),
            Param('ClusterObject', 'object', pipeline=True), namespace=NS)
def get_vm(inv: Invocation):
    cluster = inv.host.cluster
    piped = _piped_vms(inv, 'ClusterObject')
    if piped is not None:
        return [vm_object(cluster, vm) for vm in _reachable(inv, piped)]
    vms = _find_vms(inv, cluster, inv.get('Name'), hosts_of(inv))
    if inv.get('Id'):
        vms = [vm for vm in vms if vm.vm_id.lower() == str(inv.get('Id')).lower()]
    return [vm_object(cluster, vm) for vm in vms]


@HYPERV.add('Get-VMHost', Param('ComputerName', 'string[]', position=0), namespace=NS)
def get_vmhost(inv: Invocation):
    return [vmhost_object(inv.host.cluster, h) for h in hosts_of(inv)]


@HYPERV.add('Set-VMHost', Param('ComputerName', 'string[]'), Param('MaximumVirtualMachineMigrations', 'int'),
            Param('MaximumStorageMigrations', 'int'), Param('VirtualMachineMigrationEnabled', 'bool'),
            Param('Passthru', 'switch'), namespace=NS, should_process=True)
def set_vmhost(inv: Invocation):
    out = []
    for node in hosts_of(inv):
        for name, attr in (('MaximumVirtualMachineMigrations', 'max_vm_migrations'),
                           ('MaximumStorageMigrations', 'max_storage_migrations')):
            if inv.given(name):
                value = inv.get(name)
                if not 1 <= value <= 1000:
                    raise inv.fail(f"Cannot validate argument on parameter '{name}'. The {value} argument is less "
                                   f"than the minimum allowed range of 1.", 'InvalidData',
                                   'ParameterArgumentValidationError', 'ParameterBindingValidationException')
                setattr(node, attr, value)
        if inv.given('MaximumVirtualMachineMigrations'):
            inv.host.cluster.migrations.dispatch()
        if inv.get('Passthru'):
            out.append(vmhost_object(inv.host.cluster, node))
    return out


def _adapters(inv: Invocation, vm_param: str) -> list[tuple[VirtualMachine, NetworkAdapter]]:
    cluster = inv.host.cluster
    piped = inv.input + unroll(inv.get(vm_param))
    pairs: list[tuple[VirtualMachine, NetworkAdapter]] = []
    if piped:
        for item in piped:
            ref = getattr(item, 'ref', None)
            if isinstance(ref, tuple) and isinstance(ref[1], NetworkAdapter):
                pairs.append(ref)
            elif isinstance(ref, tuple) and isinstance(ref[0], VirtualMachine):
                pairs.extend((ref[0], a) for a in ref[0].adapters)
            elif isinstance(ref, VirtualMachine):
                pairs.extend((ref, a) for a in ref.adapters)
    else:
        names = inv.get('VMName')
        vms = _find_vms(inv, cluster, names if isinstance(names, list) else ([names] if names else None),
                        hosts_of(inv))
        pairs = [(vm, a) for vm in vms for a in vm.adapters]
    if inv.get('Name'):
        pairs = [(vm, a) for vm, a in pairs if like(a.name, inv.get('Name'))]
    if piped:
        allowed = {vm.name for vm in _reachable(inv, list({vm.name: vm for vm, _adapter in pairs}.values()))}
        pairs = [(vm, a) for vm, a in pairs if vm.name in allowed]
    return pairs


@HYPERV.add('Get-VMNetworkAdapter', Param('VMName', 'string[]', position=0), Param('VM', 'object[]', pipeline=True),
            Param('Name'), Param('ComputerName', 'string[]'), Param('All', 'switch'), Param('ManagementOS', 'switch'),
            namespace=NS)
def get_vm_network_adapter(inv: Invocation):
    if inv.get('ManagementOS'):
        return []
    return [adapter_object(vm, a) for vm, a in _adapters(inv, 'VM')]


@HYPERV.add('Set-VMNetworkAdapter', Param('VMName', 'string[]', position=0),
            Param('VMNetworkAdapter', 'object[]', pipeline=True), Param('Name'), Param('ComputerName', 'string[]'),
            Param('NotMonitoredInCluster', 'bool'), Param('Passthru', 'switch'), namespace=NS, should_process=True)
def set_vm_network_adapter(inv: Invocation):
    out: list[PSObject] = []
    for vm, adapter in _adapters(inv, 'VMNetworkAdapter'):
        if inv.given('NotMonitoredInCluster'):
            adapter.cluster_monitored = not inv.get('NotMonitoredInCluster')
        if inv.get('Passthru'):
            out.append(adapter_object(vm, adapter))
    return out
