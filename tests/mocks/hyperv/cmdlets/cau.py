"""ClusterAwareUpdating cmdlets: the clustered role's settings, updating runs and their reports."""
from __future__ import annotations

import threading
from typing import Any

from ..cau import (OUTPUT_NAMES, RUN_PARAMETERS, SCHEDULE_SETS, SETTING_NAMES, SETTINGS, CauRole, CauRun, CauRunner,
                   apply_schedule, available, default_settings, validate_setting)
from ..cluster import Cluster
from ..host import run_node_script_file
from ..powershell import Invocation, Param, Registry
from ..powershell.enums import CAU_NODE_STATUS, CAU_RESULT, RUN_STATE
from ..powershell.values import EnumType, PSEnum, PSObject
from ..windows import message, release_of

CAU_CMDLETS = Registry()
NS = 'Microsoft.ClusterAwareUpdating.Commands'
CAU = 'Microsoft.ClusterAwareUpdating.'
TARGET = [Param('ClusterName', position=0), Param('Credential', 'object', position=1)]
ROLE_SETS = ('MonthlyDayOfWeek', 'Weekly', 'Once')


def _setting_params(names: list[str]) -> list[Param]:
    """Set-/Add-CauClusterRole's settings, each in the parameter sets its SYNTAX lists."""
    return [Param(name, ptype, sets=SCHEDULE_SETS.get(name, ROLE_SETS)) for name, ptype, default in SETTINGS
            if name in names]


SETTING_PARAMS = _setting_params(SETTING_NAMES)


def _typed(name: str, value: Any) -> Any:
    ptype = next(setting_type for setting_name, setting_type, default in SETTINGS if setting_name == name)
    if isinstance(ptype, EnumType) and isinstance(value, str):
        return ptype(value)
    return value


def _cleared(value: Any) -> bool:
    """What clears a setting: an empty string or array, a switch turned off, the Weekdays value None."""
    if isinstance(value, PSEnum):
        return value.name == 'None'
    return value is None or value is False or (isinstance(value, (str, list)) and len(value) == 0)


def _apply(inv: Invocation, cluster: Cluster, settings: dict[str, Any], names: list[str]) -> None:
    for name in names:
        if inv.given(name):
            value = inv.get(name)
            problem = validate_setting(cluster, name, value)
            if problem:
                raise inv.fail(problem, 'InvalidArgument', 'InvalidCauParameter', 'ArgumentException', value)
            settings[name] = (False if isinstance(value, bool) else None) if _cleared(value) else value


def _refuse_missing_parameters(inv: Invocation) -> None:
    """The CAU cmdlets of the machine's release lack the newer parameters: PowerShell's binder error."""
    release = release_of(inv.host.cluster, inv.host.node)
    for name in list(inv.args):
        if not available(name, release):
            raise inv.command.binding_error(message(inv.host.cluster, 'parameter_not_found', name=name),
                                            'NamedParameterNotFound')


def _target(inv: Invocation) -> Cluster:
    """The cluster a CAU cmdlet acts on: -ClusterName, else the one this machine is a node of."""
    cluster, machine = inv.host.cluster, inv.host.node
    _refuse_missing_parameters(inv)
    member = cluster.node(machine.name) is not None
    name = inv.get('ClusterName')
    if name and str(name).split('.', maxsplit=1)[0].lower() != cluster.name.lower():
        raise inv.fail(message(cluster, 'cau_cluster_not_found', name=name), 'ObjectNotFound', 'ClusterNotFound',
                       'ClusterUpdateException', name)
    if not name and not member:
        raise inv.fail(message(cluster, 'cau_no_cluster_name', machine=machine.name), 'InvalidArgument',
                       'NotAClusterNode', 'ClusterUpdateException')
    logon = getattr(inv.host, 'logon', None)
    if not member and logon is not None and not logon.delegated and not inv.given('Credential'):
        raise inv.fail(message(cluster, 'cau_access_denied', cluster=cluster.name), 'PermissionDenied',
                       'AccessDenied', 'UnauthorizedAccessException', cluster.name)
    return cluster


def _role(inv: Invocation) -> CauRole:
    cluster = _target(inv)
    if cluster.cau is None:
        raise inv.fail(message(cluster, 'cau_no_role'), 'ObjectNotFound', 'CauRoleNotFound', 'ClusterUpdateException')
    return cluster.cau


@CAU_CMDLETS.add('Get-CauClusterRole', *TARGET, namespace=NS)
def get_cau_cluster_role(inv: Invocation):
    role = _role(inv)
    pairs = [('ResourceGroupName', role.group_name), ('Status', role.status)]
    for name in SETTING_NAMES:
        value = role.settings.get(name)
        if value is None or value is False or value == []:
            continue
        pairs.append((OUTPUT_NAMES.get(name, name), _typed(name, value)))
    return [PSObject(CAU + 'CauParameter', [('Name', n), ('Value', v)], to_string=n) for n, v in pairs]


@CAU_CMDLETS.add('Add-CauClusterRole', *TARGET, Param('VirtualComputerObjectName'), Param('GroupName'),
                 *SETTING_PARAMS, Param('Force', 'switch'), namespace=NS, should_process=True, confirm_high=True,
                 default_set='MonthlyDayOfWeek')
def add_cau_cluster_role(inv: Invocation):
    cluster = _target(inv)
    if cluster.cau is not None:
        raise inv.fail(message(cluster, 'cau_role_exists', cluster=cluster.name), 'ResourceExists', 'CauRoleExists',
                       'ClusterUpdateException')
    settings = default_settings(cluster)
    _apply(inv, cluster, settings, SETTING_NAMES)
    apply_schedule(settings, inv.parameter_set, {n for n in SETTING_NAMES if inv.given(n)})
    group = inv.get('GroupName') or f'CAU{cluster.name[:8].lower()}r1'
    cluster.cau = CauRole(group, settings)


@CAU_CMDLETS.add('Set-CauClusterRole', *TARGET, Param('UseDefault', 'switch', sets=ROLE_SETS + ('UseDefault',)),
                 Param('UpdateNow', 'switch', sets=('UpdateNow',)), *SETTING_PARAMS, Param('Force', 'switch'),
                 namespace=NS, should_process=True, confirm_high=True, default_set='MonthlyDayOfWeek')
def set_cau_cluster_role(inv: Invocation):
    role = _role(inv)
    cluster = inv.host.cluster
    if inv.parameter_set == 'UpdateNow':
        _start_background_run(inv, cluster, dict(role.settings))
        return None
    settings = default_settings(cluster) if inv.get('UseDefault') else dict(role.settings)
    _apply(inv, cluster, settings, SETTING_NAMES)
    apply_schedule(settings, inv.parameter_set, {n for n in SETTING_NAMES if inv.given(n)})
    role.settings = settings
    return None


@CAU_CMDLETS.add('Remove-CauClusterRole', *TARGET, Param('Force', 'switch'), namespace=NS, should_process=True,
                 confirm_high=True)
def remove_cau_cluster_role(inv: Invocation):
    _role(inv)
    inv.host.cluster.cau = None


@CAU_CMDLETS.add('Enable-CauClusterRole', *TARGET, Param('Force', 'switch'), namespace=NS, should_process=True)
def enable_cau_cluster_role(inv: Invocation):
    _role(inv).status = 'Online'


@CAU_CMDLETS.add('Disable-CauClusterRole', *TARGET, Param('Force', 'switch'), namespace=NS, should_process=True,
                 confirm_high=True)
def disable_cau_cluster_role(inv: Invocation):
    _role(inv).status = 'Offline'


def _run_settings(inv: Invocation, cluster: Cluster) -> dict[str, Any]:
    """A remote-updating run's settings: its own parameters over CAU's defaults, never the clustered role's
    (cluster-aware-updating-options.md, "Use Updating Run Profiles": defaults for what is not passed)."""
    settings = default_settings(cluster)
    _apply(inv, cluster, settings, RUN_PARAMETERS)
    return settings


def _runner(inv: Invocation, cluster: Cluster, settings: dict[str, Any]) -> CauRunner:
    token = inv.host.token
    return CauRunner(cluster, settings, lambda node, path: run_node_script_file(cluster, node, path, token), token)


def _start_background_run(inv: Invocation, cluster: Cluster, settings: dict[str, Any]) -> None:
    """The clustered role starts a self-updating run; it proceeds as its own actor."""
    if cluster.cau_current is not None:
        raise inv.fail(message(cluster, 'cau_run_in_progress', cluster=cluster.name), 'ResourceBusy',
                       'RunInProgress', 'ClusterUpdateException')
    runner = CauRunner(cluster, settings, lambda node, path: run_node_script_file(cluster, node, path, None))
    cluster.cau_current = runner.run
    cluster.clock.enter()

    def work():
        try:
            with cluster.lock:
                runner.execute()
        finally:
            cluster.clock.leave()
    threading.Thread(target=work, name='cau-self-updating-run', daemon=True).start()


@CAU_CMDLETS.add('Invoke-CauRun', Param('ClusterName', position=0), Param('CauPluginName', 'string[]', position=1),
                 Param('Credential', 'object', position=2),
                 *[Param(p.name, p.type) for p in SETTING_PARAMS if p.name in RUN_PARAMETERS and
                   p.name != 'CauPluginName'],
                 Param('ForceRecovery', 'switch', aliases=('Recover',)), Param('ForceSelfUpdate', 'switch'),
                 Param('Force', 'switch'), namespace=NS, should_process=True, confirm_high=True)
def invoke_cau_run(inv: Invocation):
    cluster = _target(inv)
    machine = inv.host.node
    if cluster.node(machine.name) is not None:
        raise inv.fail(message(cluster, 'cau_run_on_node', machine=machine.name, cluster=cluster.name),
                       'InvalidOperation', 'OrchestratorIsClusterNode', 'ClusterUpdateException', machine.name)
    if cluster.cau_current is not None:
        raise inv.fail(message(cluster, 'cau_run_in_progress', cluster=cluster.name), 'ResourceBusy',
                       'RunInProgress', 'ClusterUpdateException')
    run = _runner(inv, cluster, _run_settings(inv, cluster)).execute()
    inv.output.append(report_object(cluster, run, detailed=True))
    if run.status != 'Succeeded':
        inv.write_error(message(cluster, 'run_failed', cluster=cluster.name, status=run.status, error=run.error),
                        'OperationStopped', 'UpdatingRunFailed', 'ClusterUpdateException', cluster.name)


def node_result_object(result) -> PSObject:
    return PSObject(CAU + 'NodeResult', [
        ('Node', result.node), ('Status', CAU_RESULT(result.status)), ('ErrorRecordData', result.error or None),
        ('NumberOfSucceededUpdates', result.succeeded_updates), ('NumberOfFailedUpdates', result.failed_updates),
        ('InstallResults', []),
    ], to_string=result.node)


def report_object(cluster: Cluster, run: CauRun, detailed: bool) -> PSObject:
    props = [('ClusterName', cluster.name), ('RunId', run.run_id), ('RunStartTime', run.start_time),
             ('RunEndTime', run.end_time), ('Status', CAU_RESULT(run.status)),
             ('ErrorRecordData', run.error or None)]
    if detailed:
        props.append(('NodeResults', [node_result_object(r) for r in run.node_results.values()]))
    kind = 'CauReport' if detailed else 'CauReportSummary'
    return PSObject(CAU + kind, props, to_string=run.run_id)


def run_progress_object(cluster: Cluster, run: CauRun) -> PSObject:
    step = run.current_step if run.current_step in CAU_NODE_STATUS.members else 'Waiting'
    notifications = []
    if run.current_node:
        notifications.append(PSObject(CAU + 'NodeStatusNotification', [
            ('Node', run.current_node), ('Status', CAU_NODE_STATUS(step)), ('Timestamp', cluster.clock.datetime())]))
    return PSObject(CAU + 'CauRun', [
        ('RunId', run.run_id), ('RunStartTime', run.start_time), ('CurrentOrchestrator', cluster.endpoint_node),
        ('NodeStatusNotifications', notifications),
        ('NodeResults', [node_result_object(r) for r in run.node_results.values() if r.status != 'NotStarted']),
    ], to_string=run.run_id)


@CAU_CMDLETS.add('Get-CauRun', *TARGET, Param('WaitForStart', 'switch'), Param('WaitForCompletion', 'switch'),
                 Param('ShowClusterNodeState', 'switch'), namespace=NS)
def get_cau_run(inv: Invocation):
    cluster = _target(inv)
    if inv.get('WaitForStart'):
        inv.host.wait(lambda: cluster.cau_current is not None)
    if inv.get('WaitForCompletion'):
        run = cluster.cau_current
        inv.host.wait(lambda: cluster.cau_current is None)
        if run is not None:
            return report_object(cluster, run, detailed=True)
    run = cluster.cau_current
    if run is None:
        return RUN_STATE('RunNotInProgress')
    return run_progress_object(cluster, run)


@CAU_CMDLETS.add('Get-CauReport', Param('ClusterName', position=0), Param('StartDate', 'datetime', position=1),
                 Param('EndDate', 'datetime', position=2), Param('Last', 'switch'), Param('Detailed', 'switch'),
                 Param('Report', 'object', pipeline=True), Param('Credential', 'object'), namespace=NS)
def get_cau_report(inv: Invocation):
    cluster = _target(inv)
    reports = list(cluster.cau_reports)
    piped = inv.input + ([inv.get('Report')] if inv.get('Report') is not None else [])
    if piped:
        ids = {p.get('RunId') for p in piped if isinstance(p, PSObject)}
        return [report_object(cluster, r, True) for r in reports if r.run_id in ids]
    if inv.get('StartDate'):
        reports = [r for r in reports if r.start_time >= inv.get('StartDate')]
    if inv.get('EndDate'):
        reports = [r for r in reports if r.start_time <= inv.get('EndDate')]
    if inv.get('Last'):
        reports = reports[-1:]
    return [report_object(cluster, r, bool(inv.get('Detailed'))) for r in reports]
