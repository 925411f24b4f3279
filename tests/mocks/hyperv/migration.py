"""The live-migration queue: per-host concurrency limits, service order unrelated to submission.

A live migration holds one of `MaximumVirtualMachineMigrations` slots on its source and one on its
destination. Whenever a slot frees, the engine starts a migration picked at random (seeded) from
all queued ones that could start — the seed's point: the queue does not run in submission order.

A drain plans each VM's destination when it queues it, spreading by free memory (the node with the
most memory left after the drain's own earlier picks; queued failbacks are not counted, as the
cluster does not count them). If the planned node has no room when the move starts, the drain picks
again, so a drain never fails for memory. A failback or Move-ClusterVirtualMachineRole has a fixed
destination, checks its free memory only when it starts, and fails with event 21502 if the VM does
not fit.

MigrationState (the VM resource's private property) keeps 4 (Canceled) or 5 (Failure) until another
migration of the VM starts. A `Move-ClusterVirtualMachineRole` reaches the resource
`migration_state_lag_seconds` after the cmdlet returns: until then a reader still sees the old value.
A live migration sets up (1) for `live_migration_setup_seconds`, then copies memory (2) while
MigrationProgress grows to 100. A VM named in the `stall_migrations` fault stops converging at a percent.
A Quick/Shutdown/TurnOff move whose destination cannot start the VM returns it to its source node.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

from .cluster import Cluster, Node, VirtualMachine

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = 'Queued', 'Running', 'Succeeded', 'Failed', 'Cancelled'


@dataclass
class Migration:
    migration_id: int
    vm: VirtualMachine
    source: str
    target: str | None
    kind: str  # drain | failback | move
    migration_type: str = 'Live'
    state: str = QUEUED
    submitted_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    error: str = ''
    reserved_mb: int = 0
    planned: bool = False  # a drain's own choice of destination, which it may revise
    live: bool = False  # a live migration of a running VM (holds slots; the only kind -Cancel stops)
    transfer_at: float | None = None  # when copying memory began (MigrationState 2)
    transfer_seconds: float = 0.0
    stall_percent: int | None = None  # copying stopped converging here (fault stall_migrations)
    epoch: int = 0  # the scheduled completion that counts (a stall and its end reschedule it)
    on_finish: list[Callable[['Migration'], None]] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in (SUCCEEDED, FAILED, CANCELLED)

    def progress(self, now: float) -> int:
        """MigrationProgress: the percent of memory copied (0 before the copy starts)."""
        if self.transfer_at is None:
            return 0
        done = 100.0 if self.transfer_seconds <= 0 else 100.0 * (now - self.transfer_at) / self.transfer_seconds
        if self.stall_percent is not None:
            done = min(done, self.stall_percent)
        return int(max(0.0, min(100.0, done)))


class MigrationEngine:
    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.pending: list[Migration] = []  # moves the cmdlet accepted that the VM resource does not show yet
        self.queue: list[Migration] = []
        self.running: list[Migration] = []
        self.stalls: dict[str, int] = {}  # VM name (lower case) -> percent where its copy stops converging
        self.history: list[Migration] = []
        self._ids = itertools.count(1)

    # ---------------------------------------------------------------- intake
    def submit(self, vm: VirtualMachine, source: str, target: str | None, kind: str,
               migration_type: str = 'Live') -> Migration:
        """Queue a move of `vm`; live migrations of running VMs wait for slots, the rest just take time."""
        clock = self.cluster.clock
        if self.for_vm(vm) is not None:
            raise ValueError(f'{vm.name} already has a migration in flight')
        migration = Migration(next(self._ids), vm, source, target, kind, migration_type, submitted_at=clock.now)
        if not vm.running or migration_type != 'Live':
            self._start_offline_move(migration)
            return migration
        migration.live = True
        if kind == 'drain' and target is None:
            planned = self.plan_drain_target(vm, source)
            migration.target = planned.name if planned else None
            migration.planned = True
        lag = self.cluster.timing.migration_state_lag_seconds if kind == 'move' else 0.0
        if lag > 0:  # the cmdlet returned; the resource still shows the last migration's state
            self.pending.append(migration)
            clock.schedule(lag, lambda: self._enqueue(migration))
        else:
            self._enqueue(migration)
        return migration

    def _enqueue(self, migration: Migration) -> None:
        if migration in self.pending:
            self.pending.remove(migration)
        elif migration.finished:
            return
        migration.vm.migration_state = 1
        self.queue.append(migration)
        self.dispatch()

    def in_flight(self) -> list[Migration]:
        return self.pending + self.queue + self.running

    def for_vm(self, vm: VirtualMachine) -> Migration | None:
        return next((m for m in self.in_flight() if m.vm is vm), None)

    def cancel(self, migration: Migration) -> None:
        if migration in self.pending:
            self.pending.remove(migration)
        elif migration in self.queue:
            self.queue.remove(migration)
        elif migration in self.running:
            self.running.remove(migration)
            if migration.reserved_mb and migration.target:
                self.cluster.node(migration.target).reserved_mb -= migration.reserved_mb
        migration.vm.migration_state = 4
        self._finish(migration, CANCELLED, 'The live migration was cancelled.')

    # ------------------------------------------------------------- dispatch
    def _active_on(self, node_name: str) -> int:
        return sum(1 for m in self.running if m.live and node_name in (m.source, m.target))

    def _has_slot(self, node_name: str) -> bool:
        node = self.cluster.node(node_name)
        return node is not None and self._active_on(node.name) < node.max_vm_migrations

    def _planned_mb(self, node: Node) -> int:
        return sum(m.vm.memory_mb for m in self.queue if m.planned and m.target == node.name)

    def plan_drain_target(self, vm: VirtualMachine, source: str) -> Node | None:
        """Spread by free memory: the Up node with the most left after the drains already planned there."""
        nodes = self.cluster.up_nodes(exclude=source)
        if not nodes:
            return None
        nodes.sort(key=lambda n: (self.cluster.anti_affinity_conflict(vm, n),
                                  -(self.cluster.free_mb(n) - self._planned_mb(n)), n.name))
        return nodes[0]

    def _room_now(self, migration: Migration) -> Node | None:
        """For a drain whose planned node is full or gone: the freest node with a slot and room now."""
        vm = migration.vm
        fits = [n for n in self.cluster.up_nodes(exclude=migration.source)
                if self._has_slot(n.name) and self.cluster.free_mb(n) >= vm.memory_mb]
        fits.sort(key=lambda n: (self.cluster.anti_affinity_conflict(vm, n), -self.cluster.free_mb(n), n.name))
        return fits[0] if fits else None

    def _startable_target(self, migration: Migration) -> str | None:
        if not self._has_slot(migration.source):
            return None
        if not migration.planned:
            return migration.target if self._has_slot(migration.target) else None
        target = self.cluster.node(migration.target) if migration.target else None
        if target is not None and target.state == 'Up' and self.cluster.free_mb(target) >= migration.vm.memory_mb:
            return target.name if self._has_slot(target.name) else None
        fallback = self._room_now(migration)
        return fallback.name if fallback else None

    def dispatch(self) -> None:
        """Start queued migrations while slots allow, each time picking one at random."""
        while True:
            candidates = [(m, t) for m in self.queue for t in [self._startable_target(m)] if t is not None]
            if not candidates:
                break
            migration, target = self.cluster.rng.choice(candidates)
            self._start(migration, target)
        if not self.running:
            for migration in [m for m in self.queue if m.planned]:
                self.queue.remove(migration)  # nowhere to go and nothing will free memory
                migration.vm.migration_state = 5
                self._finish(migration, FAILED, f"No node has {migration.vm.memory_mb} MB of free memory for "
                                                f"'{migration.vm.name}'.")

    def _start(self, migration: Migration, target_name: str) -> None:
        cluster, timing = self.cluster, self.cluster.timing
        self.queue.remove(migration)
        self.running.append(migration)
        migration.target = target_name
        migration.state = RUNNING
        migration.started_at = cluster.clock.now
        vm, source, target = migration.vm, cluster.node(migration.source), cluster.node(target_name)
        vm.migration_state = 1  # setup
        if target.state != 'Up' or cluster.free_mb(target) < vm.memory_mb:
            cluster.clock.schedule(timing.migration_failure_seconds, lambda: self._fail_for_memory(migration))
            return
        migration.reserved_mb = vm.memory_mb
        target.reserved_mb += vm.memory_mb
        rate = min(source.live_migration_mb_per_second or timing.live_migration_mb_per_second,
                   target.live_migration_mb_per_second or timing.live_migration_mb_per_second)
        migration.transfer_seconds = vm.memory_mb / rate
        cluster.clock.schedule(timing.live_migration_setup_seconds, lambda: self._transfer(migration))

    def _transfer(self, migration: Migration) -> None:
        """Setup is over: memory is copied (MigrationState 2) until done, unless the copy stalls."""
        if migration.state != RUNNING:
            return
        migration.vm.migration_state = 2
        migration.transfer_at = self.cluster.clock.now
        self._apply_stall(migration)
        if migration.stall_percent is None:
            self._schedule_completion(migration, migration.transfer_seconds)

    def _schedule_completion(self, migration: Migration, delay: float) -> None:
        migration.epoch += 1
        epoch = migration.epoch
        self.cluster.clock.schedule(delay, lambda: migration.epoch == epoch and self._complete(migration))

    def set_stalls(self, value) -> None:
        """Fault `stall_migrations`: VM names (stuck at 50%) or {name: percent}; an empty value ends every stall."""
        if isinstance(value, dict):
            self.stalls = {str(k).lower(): int(v) for k, v in value.items()}
        else:
            self.stalls = {str(k).lower(): 50 for k in ([value] if isinstance(value, str) else value or [])}
        for migration in [m for m in self.running if m.transfer_at is not None]:
            self._apply_stall(migration)

    def _apply_stall(self, migration: Migration) -> None:
        """Freeze or resume a copy as the stall fault says: memory dirtied as fast as it is copied."""
        now = self.cluster.clock.now
        percent = self.stalls.get(migration.vm.name.lower())
        if percent is not None and migration.stall_percent is None:
            migration.stall_percent = max(percent, migration.progress(now))
            migration.epoch += 1  # the completion scheduled before no longer counts
        elif percent is None and migration.stall_percent is not None:
            copied = migration.stall_percent / 100.0 * migration.transfer_seconds
            migration.transfer_at = now - copied
            migration.stall_percent = None
            self._schedule_completion(migration, migration.transfer_seconds - copied)

    def _complete(self, migration: Migration) -> None:
        if migration.state != RUNNING:
            return
        target = self.cluster.node(migration.target)
        target.reserved_mb -= migration.reserved_mb
        migration.reserved_mb = 0
        migration.vm.owner = target.name
        migration.vm.migration_state = 0
        self.running.remove(migration)
        self._finish(migration, SUCCEEDED, '')
        self.dispatch()

    def _fail_for_memory(self, migration: Migration) -> None:
        if migration.state != RUNNING:
            return
        cluster = self.cluster
        source, target = cluster.node(migration.source), cluster.node(migration.target)
        cluster.log_migration_failure(migration.vm, source, target)
        migration.vm.migration_state = 5
        self.running.remove(migration)
        self._finish(migration, FAILED, f"Live migration of 'Virtual Machine {migration.vm.name}' failed: not "
                                        f"enough memory on '{target.name}' to start it with "
                                        f"{migration.vm.memory_mb} MB (event 21502).")
        self.dispatch()

    # ----------------------------------------------------- non-live moves
    def _start_offline_move(self, migration: Migration) -> None:
        """Quick/Shutdown/TurnOff moves and moves of stopped VMs: no live-migration slot, just time."""
        cluster, timing = self.cluster, self.cluster.timing
        migration.state = RUNNING
        migration.started_at = cluster.clock.now
        vm = migration.vm
        was_running = vm.running
        if migration.target is None:
            candidates = cluster.up_nodes(exclude=migration.source)
            candidates.sort(key=lambda n: (-cluster.free_mb(n), n.name))
            migration.target = candidates[0].name if candidates else migration.source
        if not was_running:
            delay = timing.offline_move_seconds
        elif migration.migration_type == 'Quick':
            delay = timing.quick_migration_seconds + vm.memory_mb / 2000.0
        else:
            delay = timing.shutdown_migration_seconds
        if was_running:
            vm.state = 'Offline'  # saved or shut down while it moves
            cluster.vm_down(vm, migration.migration_type.lower(), migration.source, migration.target)
        self.running.append(migration)

        def finish():
            if migration.state != RUNNING:
                return
            target = cluster.node(migration.target)
            if was_running and cluster.free_mb(target) < vm.memory_mb:  # the role goes back (still Pending)
                cluster.clock.schedule(timing.migration_failure_seconds, lambda: self._return_role(migration))
                return
            self.running.remove(migration)
            vm.owner = target.name
            if was_running:
                vm.state = 'Online'
                cluster.vm_up(vm)
            self._finish(migration, SUCCEEDED, '')
        cluster.clock.schedule(delay, finish)

    def _return_role(self, migration: Migration) -> None:
        """The destination could not start the VM: it comes online on its source again, else (source not Up)
        on another Up node with room, else it stays Failed on its source."""
        if migration.state != RUNNING:
            return
        cluster, vm = self.cluster, migration.vm
        self.running.remove(migration)
        why = f"'{vm.name}' could not start on '{migration.target}': not enough memory for {vm.memory_mb} MB"
        home = self._restart_node(vm, cluster.node(migration.source), migration.target)
        if home is None:
            vm.state = 'Failed'  # keeps its downtime open
            self._finish(migration, FAILED, f'{why}; no node could bring it online again.')
            return
        vm.owner = home.name
        vm.state = 'Online'
        if vm.downtime and vm.downtime[-1]['end'] is None:
            vm.downtime[-1]['target'] = home.name
        cluster.vm_up(vm)
        self._finish(migration, FAILED, f"{why}; it is online again on '{home.name}'.")

    def _restart_node(self, vm: VirtualMachine, source: Node | None, failed_target: str) -> Node | None:
        def fits(node):
            return node is not None and node.state == 'Up' and self.cluster.free_mb(node) >= vm.memory_mb
        if fits(source):
            return source
        others = [n for n in self.cluster.up_nodes() if n is not source and n.name != failed_target and fits(n)]
        others.sort(key=lambda n: (-self.cluster.free_mb(n), n.name))
        return others[0] if others else None

    def _finish(self, migration: Migration, state: str, error: str) -> None:
        migration.state = state
        migration.error = error
        migration.finished_at = self.cluster.clock.now
        self.history.append(migration)
        for callback in migration.on_finish:
            callback(migration)
