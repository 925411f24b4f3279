"""Plain-JSON views of the mock's state for the control API (what tests assert on)."""
from __future__ import annotations

from collections import Counter
from typing import Any

from .cluster import Cluster


def _run(run) -> dict[str, Any]:
    return {
        'run_id': run.run_id, 'status': run.status, 'error': run.error, 'stopped': run.stopped,
        'started_at': run.started_at, 'finished_at': run.finished_at,
        'duration_seconds': run.duration_seconds if run.finished_at is not None else None,
        'events_21502': run.events_21502, 'failed_nodes': run.failed_nodes,
        'failback_migrations_failed': sum(1 for node_name, migrations in run.failbacks for m in migrations if m.state == 'Failed'),
        'settings': {k: getattr(v, 'name', v) for k, v in run.settings.items()
                     if v is not None and not hasattr(v, 'total_seconds')},
        'nodes': [{'node': r.node, 'status': r.status, 'error': r.error, 'attempts': r.attempts,
                   'started_at': r.started_at, 'finished_at': r.finished_at}
                  for r in run.node_results.values()],
    }


def cluster_state(cluster: Cluster) -> dict[str, Any]:
    engine = cluster.migrations
    return {
        'cluster': cluster.name,
        'clock': {'seconds': cluster.clock.now, 'datetime': cluster.clock.datetime().isoformat()},
        'nodes': [{
            'name': n.name, 'state': n.state, 'drain_status': n.drain_status, 'memory_mb': n.memory_mb,
            'used_mb': cluster.used_mb(n), 'free_mb': cluster.free_mb(n), 'reserved_mb': n.reserved_mb,
            'vm_count': len(cluster.vms_on(n.name)), 'max_vm_migrations': n.max_vm_migrations,
            'pending_updates': n.pending_updates, 'installed_updates': n.installed_updates,
            'events_21502': sum(1 for e in n.events if e.event_id == 21502),
        } for n in cluster.nodes.values()],
        'vms': [{
            'name': vm.name, 'owner': vm.owner, 'state': vm.state, 'memory_mb': vm.memory_mb,
            'priority': vm.priority, 'anti_affinity': vm.anti_affinity, 'preferred_owners': vm.preferred_owners,
            'migration_state': vm.migration_state,
            'downtime': [dict(event) for event in vm.downtime],
            'adapters': [{'name': a.name, 'switch': a.switch_name, 'mac': a.mac,
                          'cluster_monitored': a.cluster_monitored} for a in vm.adapters],
        } for vm in cluster.vms.values()],
        'downtime': downtime_summary([event for vm in cluster.vms.values() for event in vm.downtime]),
        'migrations': {
            'queued': len(engine.pending) + len(engine.queue), 'running': len(engine.running),
            'finished': dict(Counter(f'{m.kind}:{m.state}' for m in engine.history)),
            'in_flight': [{'vm': m.vm.name, 'source': m.source, 'target': m.target, 'kind': m.kind,
                           'state': m.state} for m in engine.in_flight()],
        },
        'cau': {
            'role': None if cluster.cau is None else {
                'group_name': cluster.cau.group_name, 'status': cluster.cau.status,
                'settings': {k: getattr(v, 'name', str(v) if hasattr(v, 'total_seconds') else v)
                             for k, v in cluster.cau.settings.items()}},
            'current_run': None if cluster.cau_current is None else cluster.cau_current.run_id,
            'runs': [_run(r) for r in cluster.cau_reports],
        },
    }


def downtime_summary(events: list[dict]) -> dict[str, Any]:
    """Counts over every VM's downtime events (open ones included), as the nova mock gives them."""
    return {'events': len(events), 'open': sum(1 for e in events if e['end'] is None),
            'seconds': round(sum(e['seconds'] or 0.0 for e in events), 6),
            'by_kind': dict(Counter(e['kind'] for e in events))}


def node_events(cluster: Cluster, node_name: str | None) -> list[dict[str, Any]]:
    nodes = [cluster.node(node_name)] if node_name else list(cluster.nodes.values())
    return [{'node': n.name, 'record_id': e.record_id, 'id': e.event_id, 'provider': e.provider, 'level': e.level,
             'time': e.time.isoformat(), 'message': e.message} for n in nodes if n for e in n.events]
