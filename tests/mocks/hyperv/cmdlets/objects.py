"""The objects the cmdlets write, shaped like the real .NET types (enums stay enums).

Each object keeps a `ref` to the model item it shows, so that piping it into another cmdlet
(`Get-ClusterGroup vm1 | Get-VM`) reaches the same VM.
"""
from __future__ import annotations

import datetime as dt

from ..cluster import PRIORITY_NAMES, Cluster, EventRecord, NetworkAdapter, Node, VirtualMachine
from ..powershell.enums import (DRAIN_STATUS, GROUP_STATE, GROUP_TYPE, NODE_STATE, RESOURCE_STATE, VM_STATE)
from ..powershell.values import Lazy, PSObject

FC = 'Microsoft.FailoverClusters.PowerShell.'
MB = 1024 * 1024


def with_ref(obj: PSObject, ref) -> PSObject:
    obj.ref = ref  # type: ignore[attr-defined]
    return obj


def cluster_object(cluster: Cluster) -> PSObject:
    return with_ref(PSObject(FC + 'Cluster', [
        ('Name', cluster.name), ('Domain', cluster.domain), ('Id', '7c2bd9a8-1f0e-4a55-9d0a-5e0b1c2d3e4f'),
        ('SharedVolumesRoot', 'C:\\ClusterStorage'), ('ClusterEnforcedAntiAffinity', 0),
    ], to_string=cluster.name), cluster)


def node_object(cluster: Cluster, node: Node) -> PSObject:
    return with_ref(PSObject(FC + 'ClusterNode', [
        ('Cluster', Lazy(lambda: cluster_object(cluster))), ('State', NODE_STATE(node.state)), ('StatusInformation', 0),
        ('Name', node.name), ('Id', str(node.node_id)), ('NodeName', node.name), ('Description', ''),
        ('DrainStatus', DRAIN_STATUS(node.drain_status)), ('DrainTarget', 4294967295),
        ('DynamicWeight', 0 if node.state == 'Down' else 1), ('NodeWeight', 1),
        ('MajorVersion', 10), ('MinorVersion', 0), ('BuildNumber', 17763),
    ], to_string=node.name), node)


def group_object(cluster: Cluster, vm: VirtualMachine) -> PSObject:
    owner = cluster.node(vm.owner)
    migration = cluster.migrations.for_vm(vm)
    state = 'Online' if vm.running else vm.state
    if vm.state == 'Offline' and migration is not None:
        state = 'Pending'
    return with_ref(PSObject(FC + 'ClusterGroup', [
        ('Cluster', Lazy(lambda: cluster_object(cluster))), ('IsCoreGroup', False),
        ('OwnerNode', Lazy(lambda: node_object(cluster, owner))),
        ('State', GROUP_STATE(state)), ('Name', vm.name), ('Description', ''), ('PersistentState', 1),
        ('FailoverThreshold', 4294967295), ('FailoverPeriod', 6), ('AutoFailbackType', vm.auto_failback),
        ('FailbackWindowStart', 4294967295), ('FailbackWindowEnd', 4294967295), ('Priority', vm.priority),
        ('DefaultOwner', 4294967295), ('AntiAffinityClassNames', list(vm.anti_affinity)),
        ('GroupType', GROUP_TYPE('VirtualMachine')), ('Id', vm.vm_id), ('StatusInformation', 0),
    ], to_string=vm.name), vm)


def core_group_object(cluster: Cluster, name: str, group_type: str, owner: Node) -> PSObject:
    return PSObject(FC + 'ClusterGroup', [
        ('Cluster', Lazy(lambda: cluster_object(cluster))), ('IsCoreGroup', group_type != 'Unknown'),
        ('OwnerNode', Lazy(lambda: node_object(cluster, owner))), ('State', GROUP_STATE('Online')), ('Name', name),
        ('Description', ''), ('PersistentState', 1), ('FailoverThreshold', 4294967295), ('FailoverPeriod', 6),
        ('AutoFailbackType', 0), ('FailbackWindowStart', 4294967295), ('FailbackWindowEnd', 4294967295),
        ('Priority', 2000), ('DefaultOwner', 4294967295), ('AntiAffinityClassNames', []),
        ('GroupType', GROUP_TYPE(group_type)), ('Id', ''), ('StatusInformation', 0),
    ], to_string=name)


def resource_type_object(name: str) -> PSObject:
    return PSObject(FC + 'ClusterResourceType', [('Name', name), ('DisplayName', name)], to_string=name)


def resource_object(cluster: Cluster, vm: VirtualMachine, configuration: bool = False) -> PSObject:
    kind = 'Virtual Machine Configuration' if configuration else 'Virtual Machine'
    owner = cluster.node(vm.owner)
    state = {'Online': 'Online', 'Offline': 'Offline', 'Failed': 'Failed'}[vm.state]
    if configuration:
        state = 'Online'
    return with_ref(PSObject(FC + 'ClusterResource', [
        ('Cluster', Lazy(lambda: cluster_object(cluster))), ('OwnerNode', Lazy(lambda: node_object(cluster, owner))),
        ('State', RESOURCE_STATE(state)), ('OwnerGroup', Lazy(lambda: group_object(cluster, vm))),
        ('ResourceType', resource_type_object(kind)), ('Name', f'{kind} {vm.name}'),
        ('IsCoreResource', False), ('Id', vm.vm_id), ('Characteristics', 0),
    ], to_string=f'{kind} {vm.name}'), (vm, configuration))


def vm_object(cluster: Cluster, vm: VirtualMachine) -> PSObject:
    running = vm.running
    host = cluster.node(vm.owner)
    return with_ref(PSObject('Microsoft.HyperV.PowerShell.VirtualMachine', [
        ('VMName', vm.name), ('VMId', vm.vm_id), ('Id', vm.vm_id), ('Name', vm.name),
        ('State', VM_STATE('Running' if running else 'Off')), ('OperationalStatus', []),
        ('Status', 'Operating normally'), ('ComputerName', host.name), ('IsClustered', True),
        ('ProcessorCount', vm.processor_count), ('DynamicMemoryEnabled', False),
        ('MemoryStartup', vm.memory_mb * MB), ('MemoryAssigned', vm.memory_mb * MB if running else 0),
        ('MemoryMinimum', 512 * MB), ('MemoryMaximum', 1048576 * MB),
        ('Uptime', dt.timedelta(hours=1) if running else dt.timedelta(0)), ('Generation', 2), ('Version', '9.0'),
        ('NetworkAdapters', Lazy(lambda: [adapter_object(vm, a) for a in vm.adapters])),
    ], to_string=f'VirtualMachine (Name = \'{vm.name}\') [Id = \'{vm.vm_id}\']'), vm)


def adapter_object(vm: VirtualMachine, adapter: NetworkAdapter) -> PSObject:
    return with_ref(PSObject('Microsoft.HyperV.PowerShell.VMNetworkAdapter', [
        ('Name', adapter.name), ('VMName', vm.name), ('VMId', vm.vm_id), ('SwitchName', adapter.switch_name),
        ('MacAddress', adapter.mac), ('ClusterMonitored', adapter.cluster_monitored), ('IsLegacy', False),
        ('Connected', True), ('IPAddresses', []), ('Status', []),
    ], to_string=f'VMNetworkAdapter (Name = \'{adapter.name}\', VMName = \'{vm.name}\')'), (vm, adapter))


def vmhost_object(cluster: Cluster, node: Node) -> PSObject:
    return with_ref(PSObject('Microsoft.HyperV.PowerShell.VMHost', [
        ('Name', node.name), ('ComputerName', node.name), ('FullyQualifiedDomainName', f'{node.name}.{cluster.domain}'),
        ('LogicalProcessorCount', 64), ('MemoryCapacity', node.memory_mb * MB),
        ('MaximumVirtualMachineMigrations', node.max_vm_migrations),
        ('MaximumStorageMigrations', node.max_storage_migrations), ('VirtualMachineMigrationEnabled', True),
        ('UseAnyNetworkForMigration', False), ('VirtualMachinePath', 'C:\\ClusterStorage\\Volume1'),
    ], to_string=f'VMHost (ComputerName = \'{node.name}\')'), node)


def event_object(record: EventRecord) -> PSObject:
    return PSObject('System.Diagnostics.Eventing.Reader.EventLogRecord', [
        ('Message', record.message), ('Id', record.event_id), ('Version', 0), ('Level', record.level),
        ('RecordId', record.record_id), ('ProviderName', record.provider), ('LogName', record.log_name),
        ('MachineName', record.machine), ('TimeCreated', record.time),
        ('LevelDisplayName', {1: 'Critical', 2: 'Error', 3: 'Warning', 4: 'Information'}.get(record.level, '')),
        ('Properties', [PSObject('System.Diagnostics.Eventing.Reader.EventProperty', [('Value', v)])
                        for v in record.properties]),
    ], to_string='System.Diagnostics.Eventing.Reader.EventLogRecord')


def priority_name(priority: int) -> str:
    return PRIORITY_NAMES.get(priority, str(priority))
