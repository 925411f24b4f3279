"""Cluster-Aware Updating: the clustered role's settings and a simulated updating run.

The run goes node by node (NodeOrder, then name order): pre-update script, drain, install, reboot,
resume with FailbackMode, post-update script. It does not wait for the failback's live migrations
before the next node — that is the race of seed 000. A node whose failback had a failed migration
counts as failed when CAU next looks (before each node and at the end); once more than
MaxFailedNodes nodes failed, the run stops.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from .cluster import Cluster, Node
from .maintenance import resume, start_drain
from .migration import FAILED, Migration
from .powershell.enums import FAILBACK_TYPE, REBOOT_TYPE, WEEKDAYS
from .sim import CancelToken

# Every Set-CauClusterRole setting: name, parameter type, default (None = not set).
SETTINGS: list[tuple[str, Any, Any]] = [
    ('StartDate', 'datetime', None), ('DaysOfWeek', WEEKDAYS, None), ('WeeksOfMonth', 'int[]', None),
    ('IntervalWeeks', 'int', None), ('CauPluginName', 'string[]', ['Microsoft.WindowsUpdatePlugin']),
    ('CauPluginArguments', 'hashtable[]', None), ('MaxFailedNodes', 'int', None),
    ('MaxRetriesPerNode', 'int', 3), ('NodeOrder', 'string[]', None), ('PreUpdateScript', 'string', None),
    ('PostUpdateScript', 'string', None), ('ConfigurationName', 'string', None),
    ('RequireAllNodesOnline', 'switch', False), ('WarnAfter', 'timespan', None), ('StopAfter', 'timespan', None),
    ('RebootTimeoutMinutes', 'int', 15), ('SeparateReboots', 'switch', False),
    ('RunPluginsSerially', 'switch', False), ('StopOnPluginFailure', 'switch', False),
    ('EnableFirewallRules', 'switch', False), ('FailbackMode', FAILBACK_TYPE, 'Immediate'),
    ('SuspendClusterNodeTimeoutMinutes', 'int', None), ('SuspendRetriesPerNode', 'int', None),
    ('WaitForStorageRepairTimeoutMinutes', 'int', None), ('ForcePauseNoDrain', 'switch', False),
    ('ForcePauseAndDrain', 'switch', False), ('ForcePauseDrainAndReboot', 'switch', False),
    ('SkipUpdateChecks', 'switch', False), ('SiteAwareUpdatingOrder', 'string[]', None),
    ('OsRollingUpgrade', 'switch', False), ('AttemptSoftReboot', 'switch', False),
    ('RebootMode', REBOOT_TYPE, None), ('RunOnce', 'switch', False),
]
SETTING_NAMES = [name for name, ptype, default in SETTINGS]
# Get-CauClusterRole names the weekly interval WeeksInterval, though it is set with -IntervalWeeks
# (Set-CauClusterRole.md Example 2 output, winserver2016/2019/2022-ps).
OUTPUT_NAMES = {'IntervalWeeks': 'WeeksInterval'}
# Parameters the CAU cmdlets have only from a release on (SYNTAX of Set-/Add-CauClusterRole and Invoke-CauRun in
# docset/winserver{2016,2019,2022,2025}-ps): none of these exist in 2016 and 2019.
SINCE = {name: '2022' for name in ('ForcePauseNoDrain', 'ForcePauseAndDrain', 'ForcePauseDrainAndReboot',
                                   'SkipUpdateChecks', 'SiteAwareUpdatingOrder', 'OsRollingUpgrade',
                                   'AttemptSoftReboot', 'RebootMode', 'RunOnce', 'ForceSelfUpdate')}
SINCE.update(SuspendRetriesPerNode='2025', WaitForStorageRepairTimeoutMinutes='2025')
# Parameter sets of Set-/Add-CauClusterRole: the schedule decides (Set also has UpdateNow and UseDefault alone).
SCHEDULE_SETS = {'StartDate': ('MonthlyDayOfWeek', 'Weekly'), 'DaysOfWeek': ('MonthlyDayOfWeek', 'Weekly'),
                 'WeeksOfMonth': ('MonthlyDayOfWeek',), 'IntervalWeeks': ('Weekly',), 'RunOnce': ('Once',)}
SCHEDULE = ('StartDate', 'DaysOfWeek', 'WeeksOfMonth', 'IntervalWeeks', 'RunOnce')
# Invoke-CauRun's settings (its DefaultParamSet); the release-bound ones are filtered with SINCE.
RUN_PARAMETERS = ['MaxFailedNodes', 'MaxRetriesPerNode', 'NodeOrder', 'PreUpdateScript', 'PostUpdateScript',
                  'ConfigurationName', 'RequireAllNodesOnline', 'WarnAfter', 'StopAfter', 'RebootTimeoutMinutes',
                  'SeparateReboots', 'EnableFirewallRules', 'FailbackMode', 'SuspendClusterNodeTimeoutMinutes',
                  'SuspendRetriesPerNode', 'WaitForStorageRepairTimeoutMinutes', 'ForcePauseNoDrain',
                  'ForcePauseAndDrain', 'ForcePauseDrainAndReboot', 'SkipUpdateChecks', 'SiteAwareUpdatingOrder',
                  'CauPluginName', 'CauPluginArguments', 'RunPluginsSerially', 'StopOnPluginFailure',
                  'OsRollingUpgrade', 'AttemptSoftReboot', 'RebootMode']


def available(name: str, release: str) -> bool:
    """Whether the CAU cmdlets of that Windows Server release have the parameter."""
    return int(release) >= int(SINCE.get(name, '2016'))


def apply_schedule(settings: dict[str, Any], parameter_set: str | None, given: set[str]) -> None:
    """A Set that names a schedule parameter replaces the schedule with its set's kind (Weekly drops
    WeeksOfMonth, MonthlyDayOfWeek drops IntervalWeeks, Once drops them all); otherwise it is kept."""
    if not given & set(SCHEDULE):
        return
    keep = {'Weekly': ('StartDate', 'DaysOfWeek', 'IntervalWeeks'),
            'MonthlyDayOfWeek': ('StartDate', 'DaysOfWeek', 'WeeksOfMonth'), 'Once': ('RunOnce',)}
    for name in SCHEDULE:
        if name not in keep.get(parameter_set or '', ()) and name not in given:
            settings[name] = False if name == 'RunOnce' else None


def default_settings(cluster: Cluster) -> dict[str, Any]:
    values = {name: (list(default) if isinstance(default, list) else default) for name, ptype, default in SETTINGS}
    values['MaxFailedNodes'] = max(0, len(cluster.nodes) // 3)
    return values


def validate_setting(cluster: Cluster, name: str, value: Any) -> str | None:
    """The message Set-CauClusterRole would give for a bad value, or None."""
    if name in ('PreUpdateScript', 'PostUpdateScript') and value:
        if len(value) > 260:
            return f'The {name} path must be no longer than 260 characters.'
        if not value.lower().endswith('.ps1'):
            return f'The {name} file name extension must be .ps1.'
    if name == 'MaxRetriesPerNode' and value is not None and not 1 <= value <= 64:
        return 'MaxRetriesPerNode must be between 1 and 64.'
    if name == 'MaxFailedNodes' and value is not None and not 0 <= value < len(cluster.nodes):
        return f'MaxFailedNodes must be between 0 and {len(cluster.nodes) - 1}.'
    if name == 'NodeOrder' and value:
        unknown = [n for n in value if cluster.node(n) is None]
        if unknown:
            return f"The node '{unknown[0]}' in NodeOrder is not a node of cluster '{cluster.name}'."
    return None


@dataclass
class CauRole:
    group_name: str
    settings: dict[str, Any]
    status: str = 'Online'


@dataclass
class NodeResult:
    node: str
    status: str = 'NotStarted'  # NotStarted | Succeeded | Failed | Skipped
    error: str = ''
    succeeded_updates: int = 0
    failed_updates: int = 0
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None


@dataclass
class CauRun:
    run_id: str
    settings: dict[str, Any]
    started_at: float
    start_time: dt.datetime
    node_results: dict[str, NodeResult] = field(default_factory=dict)
    failbacks: list[tuple[str, list[Migration]]] = field(default_factory=list)
    evaluated: set[int] = field(default_factory=set)
    current_node: str | None = None
    current_step: str = 'Waiting'
    status: str = 'InProgress'  # InProgress | Succeeded | Failed | Canceled
    error: str = ''
    stopped: bool = False
    finished_at: float | None = None
    end_time: dt.datetime | None = None
    events_21502: int = 0

    @property
    def failed_nodes(self) -> list[str]:
        return [r.node for r in self.node_results.values() if r.status == 'Failed']

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at or 0.0) - self.started_at


class CauRunner:
    """Carries out one updating run in the calling (actor) thread, in simulated time."""

    def __init__(self, cluster: Cluster, settings: dict[str, Any], run_script: Callable[[Node, str], str | None],
                 token: CancelToken | None = None):
        self.cluster = cluster
        self.clock = cluster.clock
        self.settings = settings
        self.run_script = run_script
        self.token = token
        self.run = CauRun(str(uuid.uuid4()), settings, self.clock.now, self.clock.datetime())

    # ------------------------------------------------------------------ run
    def execute(self) -> CauRun:
        cluster, run, s = self.cluster, self.run, self.settings
        cluster.cau_current = run
        events_before = self._count_21502()
        try:
            self._sleep(cluster.timing.cau_scan_seconds)
            order = self._node_order()
            run.node_results = {name: NodeResult(name) for name in order}
            if s.get('RequireAllNodesOnline') and any(n.state != 'Up' for n in cluster.nodes.values()):
                down = [n.name for n in cluster.nodes.values() if n.state != 'Up']
                return self._end('Failed', f'RequireAllNodesOnline is set and node(s) {", ".join(down)} are not '
                                           f'online.')
            max_failed = s.get('MaxFailedNodes')
            max_failed = len(cluster.nodes) // 3 if max_failed is None else max_failed
            for name in order:
                self._evaluate_failbacks()
                if len(run.failed_nodes) > max_failed:
                    run.stopped = True
                    break
                if self._past_stop_after():
                    return self._end('Canceled', 'The Updating Run was canceled because it exceeded StopAfter.')
                self._update_node(cluster.node(name), run.node_results[name])
            self._wait_for_failbacks()
            self._evaluate_failbacks()
            failed = run.failed_nodes
            if run.stopped or len(failed) > max_failed:
                run.stopped = True
                return self._end('Failed', f'The Updating Run was stopped because {len(failed)} node(s) failed '
                                           f'({", ".join(failed)}), more than MaxFailedNodes ({max_failed}).')
            if failed:
                return self._end('Failed', f'Updating failed on node(s): {", ".join(failed)}.')
            return self._end('Succeeded', '')
        finally:
            run.events_21502 = self._count_21502() - events_before
            cluster.cau_current = None

    def _end(self, status: str, error: str) -> CauRun:
        run = self.run
        run.status, run.error = status, error
        run.finished_at = self.clock.now
        run.end_time = self.clock.datetime()
        run.current_node, run.current_step = None, 'Waiting'
        self.cluster.cau_reports.append(run)
        return run

    def _node_order(self) -> list[str]:
        names = sorted(self.cluster.nodes.values(), key=lambda n: n.name.lower())
        ordered = [self.cluster.node(n).name for n in (self.settings.get('NodeOrder') or [])]
        return ordered + [n.name for n in names if n.name not in ordered]

    def _past_stop_after(self) -> bool:
        stop_after = self.settings.get('StopAfter')
        return stop_after is not None and self.clock.now - self.run.started_at > stop_after.total_seconds()

    def _count_21502(self) -> int:
        return sum(1 for n in self.cluster.nodes.values() for e in n.events if e.event_id == 21502)

    def _sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds, self.token)

    # --------------------------------------------------------------- a node
    def _update_node(self, node: Node, result: NodeResult) -> None:
        run, timing = self.run, self.cluster.timing
        result.started_at = self.clock.now
        run.current_node = node.name
        if node.state == 'Down':
            result.status, result.error = 'Failed', f"Node '{node.name}' is not online."
            result.finished_at = self.clock.now
            return
        if node.pending_updates == 0:
            result.status, result.finished_at = 'Succeeded', self.clock.now
            return
        attempts = max(1, int(self.settings.get('MaxRetriesPerNode') or 3))
        error = ''
        for attempt in range(attempts):
            result.attempts += 1
            error = self._attempt(node)
            if not error:
                break
            self._sleep(timing.cau_node_overhead_seconds)
        result.finished_at = self.clock.now
        if error:
            result.status, result.error = 'Failed', error
            result.failed_updates = node.pending_updates
        else:
            result.status = 'Succeeded'

    def _attempt(self, node: Node) -> str:
        """One try at updating a node; returns an error text or ''."""
        run, timing, s = self.run, self.cluster.timing, self.settings
        if s.get('PreUpdateScript'):
            run.current_step = 'PreUpdateScript'
            error = self.run_script(node, s['PreUpdateScript'])
            if error:
                return f'The pre-update script failed on {node.name}: {error}'
        run.current_step = 'Suspending'
        drain = start_drain(self.cluster, node)
        self.clock.wait(lambda: drain.done, None, self.token)
        if drain.failed:
            resume(self.cluster, node, 'NoFailback')
            return (f"Failed to suspend node '{node.name}': the drain could not move "
                    f"{', '.join(drain.failed)}.")
        run.current_step = 'Installing'
        self._sleep(node.update_seconds or timing.update_seconds)
        failures = self.cluster.faults['update_failures']
        if failures.get(node.name, 0) > 0:
            failures[node.name] -= 1
            resume(self.cluster, node, 'NoFailback')
            return f'Installing updates failed on {node.name} (0x80240022).'
        run.current_step = 'Restarting'
        node.state = 'Down'
        reboot = node.reboot_seconds or timing.reboot_seconds
        limit = int(s.get('RebootTimeoutMinutes') or 15) * 60
        if reboot > limit:
            self.clock.schedule(reboot, lambda: _come_back(node))
            self._sleep(limit)
            return f"Node '{node.name}' did not restart within RebootTimeoutMinutes ({limit // 60})."
        self._sleep(reboot)
        node.state = 'Paused'
        result = self.run.node_results[node.name]
        result.succeeded_updates = node.pending_updates
        node.installed_updates += node.pending_updates
        node.pending_updates = 0
        run.current_step = 'Resuming'
        mode = s.get('FailbackMode') or 'Immediate'
        migrations = resume(self.cluster, node, str(getattr(mode, 'name', mode)))
        run.failbacks.append((node.name, migrations))
        if s.get('PostUpdateScript'):
            run.current_step = 'PostUpdateScript'
            error = self.run_script(node, s['PostUpdateScript'])
            if error:
                return f'The post-update script failed on {node.name}: {error}'
        return ''

    # ------------------------------------------------------------- failback
    def _evaluate_failbacks(self) -> None:
        for index, (node_name, migrations) in enumerate(self.run.failbacks):
            if index in self.run.evaluated or not all(m.finished for m in migrations):
                continue
            self.run.evaluated.add(index)
            failed = [m for m in migrations if m.state == FAILED]
            if failed:
                result = self.run.node_results[node_name]
                result.status = 'Failed'
                names = ', '.join(m.vm.name for m in failed)
                result.error = (f"Failback to '{node_name}' failed for {len(failed)} VM(s) ({names}): live "
                                f"migration failed, not enough memory (event 21502).")

    def _wait_for_failbacks(self) -> None:
        pending = [m for node_name, migrations in self.run.failbacks for m in migrations]
        if pending:
            self.clock.wait(lambda: all(m.finished for m in pending), None, self.token)


def _come_back(node: Node) -> None:
    if node.state == 'Down':
        node.state = 'Paused'
