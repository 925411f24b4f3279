"""Node maintenance as the cluster service does it: drain (pause), resume with failback, reboot, crash."""
from __future__ import annotations

from dataclasses import dataclass, field

from .cluster import Cluster, Node
from .migration import FAILED, SUCCEEDED, Migration


@dataclass
class Drain:
    node: str
    force: bool
    migrations: list[Migration] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    done: bool = False


def start_drain(cluster: Cluster, node: Node, force: bool = False, target: Node | None = None) -> Drain:
    """Pause `node` and move its roles off, highest priority first; returns the drain in progress."""
    drain = Drain(node.name, force)
    node.state = 'Paused'
    node.drain_status = 'InProgress'
    node.drained = []
    vms = sorted(cluster.vms_on(node.name), key=lambda vm: (-vm.priority, vm.name))
    for vm in vms:
        pending = cluster.migrations.for_vm(vm)
        if pending is not None:  # already leaving (a failback in the queue): the drain waits for it
            drain.migrations.append(pending)
            pending.on_finish.append(lambda m, d=drain: _pending_step(cluster, d, m))
            continue
        _submit(cluster, drain, vm, target)
    if not drain.migrations:
        _finish_drain(cluster, drain)
    return drain


def _submit(cluster: Cluster, drain: Drain, vm, target: Node | None) -> None:
    migration = cluster.migrations.submit(vm, drain.node, target.name if target else None, 'drain')
    drain.migrations.append(migration)
    migration.on_finish.append(lambda m, d=drain: _drain_step(cluster, d, m))


def _pending_step(cluster: Cluster, drain: Drain, migration: Migration) -> None:
    """A move that was in flight when the drain began ended; if the VM is still here, drain it now."""
    vm = migration.vm
    if vm.owner == drain.node and vm.running:
        _submit(cluster, drain, vm, None)
    elif all(m.finished for m in drain.migrations):
        _finish_drain(cluster, drain)


def _drain_step(cluster: Cluster, drain: Drain, migration: Migration) -> None:
    node = cluster.node(drain.node)
    vm = migration.vm
    if migration.state == SUCCEEDED:
        node.drained.append(vm.name)
    elif drain.force:
        others = cluster.up_nodes(exclude=node.name)
        if others:  # -ForceDrain: what cannot move is stopped and moved as a failed role
            target = sorted(others, key=lambda n: (-cluster.free_mb(n), n.name))[0].name
            if vm.running:
                cluster.vm_down(vm, 'force_drain', node.name, target)
            vm.state = 'Failed'
            vm.owner = target
            node.drained.append(vm.name)
    else:
        drain.failed.append(vm.name)
    if all(m.finished for m in drain.migrations):
        _finish_drain(cluster, drain)


def _finish_drain(cluster: Cluster, drain: Drain) -> None:
    node = cluster.node(drain.node)
    drain.done = True
    node.drain_status = 'Failed' if drain.failed else 'Completed'


def resume(cluster: Cluster, node: Node, failback: str) -> list[Migration]:
    """Resume a paused node; Immediate sends every drained VM home at once, ignoring free memory."""
    node.state = 'Up'
    drained, node.drained = node.drained, []
    mode = failback.lower()
    if mode == 'nofailback':
        return []
    migrations = []
    for name in drained:
        vm = cluster.vm(name)
        if vm is None or vm.owner == node.name or cluster.migrations.for_vm(vm) is not None:
            continue
        if mode == 'policy' and not vm.auto_failback:
            continue
        migrations.append(cluster.migrations.submit(vm, vm.owner, node.name, 'failback'))
    return migrations


def crash(cluster: Cluster, node: Node) -> None:
    """A node goes down: its running VMs restart elsewhere after the failover delay, if memory allows."""
    node.state = 'Down'
    for migration in list(cluster.migrations.in_flight()):
        if node.name in (migration.source, migration.target):
            cluster.migrations.cancel(migration)
    victims = [vm for vm in cluster.vms_on(node.name) if vm.running]
    for vm in victims:
        vm.state = 'Offline'
        cluster.vm_down(vm, 'failover', node.name)

    def restart():
        for vm in victims:
            candidates = [n for n in cluster.up_nodes() if cluster.free_mb(n) >= vm.memory_mb]
            if candidates:
                candidates.sort(key=lambda n: (-cluster.free_mb(n), n.name))
                vm.owner = candidates[0].name
                vm.state = 'Online'
                cluster.vm_up(vm)
            else:
                vm.state = 'Failed'
    cluster.clock.schedule(cluster.timing.failover_seconds, restart)


def drained_failures(migrations: list[Migration]) -> list[Migration]:
    return [m for m in migrations if m.state == FAILED]
