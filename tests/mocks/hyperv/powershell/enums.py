"""The .NET enums the mock's objects carry (ConvertTo-Json writes their numbers, ToString() their names).

Numbers follow the vendors' definitions where they are published; the CAU result and reboot
enums are not, and the mock assigns its own (scripts should never depend on them: use .ToString()).
"""
from __future__ import annotations

from .values import EnumType

FC = 'Microsoft.FailoverClusters.PowerShell.'
CAU = 'Microsoft.ClusterAwareUpdating.'

DAY_OF_WEEK = EnumType('System.DayOfWeek', {d: i for i, d in enumerate(
    ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])})
NODE_STATE = EnumType(FC + 'ClusterNodeState', {'Up': 0, 'Down': 1, 'Paused': 2, 'Joining': 3, 'Unknown': -1})
DRAIN_STATUS = EnumType(FC + 'ClusterNodeDrainStatus',
                        {'NotInitiated': 0, 'InProgress': 1, 'Completed': 2, 'Failed': 3})
GROUP_STATE = EnumType(FC + 'ClusterGroupState',
                       {'Online': 0, 'Offline': 1, 'Failed': 2, 'PartialOnline': 3, 'Pending': 4, 'Unknown': -1})
RESOURCE_STATE = EnumType(FC + 'ClusterResourceState', {
    'Inherited': 0, 'Initializing': 1, 'Online': 2, 'Offline': 3, 'Failed': 4, 'Pending': 128,
    'OnlinePending': 129, 'OfflinePending': 130, 'Unknown': -1})
GROUP_TYPE = EnumType(FC + 'GroupType', {'Cluster': 1, 'AvailableStorage': 2, 'VirtualMachine': 111,
                                         'Unknown': 9999})
MIGRATION_TYPE = EnumType(FC + 'VmMigrationType',
                          {'TurnOff': 0, 'Quick': 1, 'Shutdown': 2, 'ShutdownForce': 3, 'Live': 4})
FAILBACK_TYPE_CLUSTER = EnumType(FC + 'ResumeClusterNodeFailbackType',
                                 {'NoFailback': 0, 'Immediate': 1, 'Policy': 2})
VM_STATE = EnumType('Microsoft.HyperV.PowerShell.VMState', {
    'Other': 1, 'Running': 2, 'Off': 3, 'Stopping': 4, 'Saved': 6, 'Paused': 9, 'Starting': 10, 'Reset': 11,
    'Saving': 32773, 'Pausing': 32776, 'Resuming': 32777, 'FastSaved': 32779, 'FastSaving': 32780})
FAILBACK_TYPE = EnumType(CAU + 'FailbackType', {'NoFailback': 0, 'Immediate': 1, 'Policy': 2})
WEEKDAYS = EnumType(CAU + 'Weekdays', {'None': 0, 'Sunday': 1, 'Monday': 2, 'Tuesday': 4, 'Wednesday': 8,
                                       'Thursday': 16, 'Friday': 32, 'Saturday': 64}, flags=True)
REBOOT_TYPE = EnumType(CAU + 'RebootType', {'ClusProp': 0, 'FullReboot': 1, 'SoftReboot': 2,
                                            'PluginCustomReboot': 3, 'OrchestratorDefault': 4})
CAU_RESULT = EnumType(CAU + 'ResultStatus',
                      {'NotStarted': 0, 'Succeeded': 1, 'Failed': 2, 'Canceled': 3, 'Skipped': 4})
CAU_NODE_STATUS = EnumType(CAU + 'NodeStatus', {
    'Waiting': 0, 'Scanning': 1, 'Staging': 2, 'PreUpdateScript': 3, 'Suspending': 4, 'Installing': 5,
    'Restarting': 6, 'Resuming': 7, 'PostUpdateScript': 8, 'Succeeded': 9, 'Failed': 10})
RUN_STATE = EnumType(CAU + 'RunState', {'RunNotInProgress': 0, 'RunInProgress': 1})

ALL_ENUMS = [RUN_STATE, DAY_OF_WEEK, NODE_STATE, DRAIN_STATUS, GROUP_STATE, RESOURCE_STATE, GROUP_TYPE, MIGRATION_TYPE,
             FAILBACK_TYPE_CLUSTER, VM_STATE, FAILBACK_TYPE, WEEKDAYS, REBOOT_TYPE, CAU_RESULT, CAU_NODE_STATUS]

ENUMS_BY_NAME = {}
for _enum in ALL_ENUMS:
    ENUMS_BY_NAME[_enum.full_name.lower().replace('system.', '')] = _enum
    ENUMS_BY_NAME.setdefault(_enum.full_name.split('.')[-1].lower(), _enum)
