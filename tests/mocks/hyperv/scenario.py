"""Build a Cluster from a scenario (YAML file or dict); the README documents every key."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from .cau import CauRole, default_settings
from .cluster import PRIORITY_VALUES, Cluster, NetworkAdapter, Node, Timing, VirtualMachine
from .powershell.enums import FAILBACK_TYPE, REBOOT_TYPE
from .powershell.values import to_timespan
from .sim import SimClock
from .windows import DEFAULT_RELEASE, LOCALES, RELEASES


class ScenarioError(ValueError):
    pass


def load(source: str | Path | dict) -> tuple[Cluster, dict[str, Any]]:
    """The cluster and the scenario's server options (credentials) from a path or a parsed dict."""
    data = source if isinstance(source, dict) else yaml.safe_load(Path(source).read_text(encoding='utf-8'))
    if not isinstance(data, dict):
        raise ScenarioError('a scenario is a mapping')
    return build(data), server_options(data)


def server_options(data: dict) -> dict[str, Any]:
    creds = data.get('credentials') or {}
    return {'username': str(creds.get('username', 'Administrator')),
            'password': str(creds.get('password', 'Passw0rd!'))}


def _start_time(data: dict) -> dt.datetime:
    raw = data.get('start_time', '2024-05-14T02:00:00')
    value = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw).replace('Z', ''))
    return value.replace(tzinfo=None)


def build(data: dict) -> Cluster:
    known = {f.name for f in dataclasses.fields(Timing)}
    timing_data = data.get('timing') or {}
    unknown = set(timing_data) - known
    if unknown:
        raise ScenarioError(f'unknown timing keys: {sorted(unknown)}')
    cluster_data = data.get('cluster') or {}
    cluster = Cluster(str(cluster_data.get('name', 'HVCLU01')), str(cluster_data.get('domain', 'contoso.local')),
                      SimClock(_start_time(data)), int(data.get('seed', 1)), Timing(**timing_data))
    node_defaults = (data.get('defaults') or {}).get('node') or {}
    for index, raw in enumerate(data.get('nodes') or [], start=1):
        item = {**node_defaults, **raw}
        node = Node(name=str(item['name']), memory_mb=int(item.get('memory_mb', 262144)), node_id=index,
                    state=str(item.get('state', 'Up')), max_vm_migrations=int(item.get('max_vm_migrations', 2)),
                    live_migration_mb_per_second=item.get('live_migration_mb_per_second'),
                    update_seconds=item.get('update_seconds'), reboot_seconds=item.get('reboot_seconds'),
                    pending_updates=int(item.get('pending_updates', 3)),
                    address=_address(item, 'address', f'192.0.2.{10 + index}'),
                    cluster_address=_address(item, 'cluster_address', f'198.51.100.{10 + index}'))
        cluster.nodes[node.name.lower()] = node
    if not cluster.nodes:
        raise ScenarioError('a scenario needs at least one node')
    cluster.endpoint_node = str(data.get('endpoint_node') or next(iter(cluster.nodes.values())).name)
    vm_defaults = (data.get('defaults') or {}).get('vm') or {}
    for raw in data.get('vms') or []:
        _add_vm(cluster, {**vm_defaults, **raw})
    for group in data.get('vm_groups') or []:
        _add_group(cluster, group, vm_defaults)
    _add_files(cluster, data.get('files') or {})
    _add_cau(cluster, data.get('cau'))
    _add_windows(cluster, data, node_defaults)
    return cluster


def _address(item: dict, key: str, default: str) -> str | None:
    """A node's address on a cluster network: the scenario's (null: no interface on that network) or the default."""
    if key not in item:
        return default
    return None if item[key] is None else str(item[key])


def _release(value: Any, where: str) -> str:
    release = str(value)
    if release not in RELEASES:
        raise ScenarioError(f'{where}: os must be one of {sorted(RELEASES)}, not {value!r}')
    return release


def _add_windows(cluster: Cluster, data: dict, node_defaults: dict) -> None:
    """`os` (cluster-wide, per node, per machine), `machines` that are not nodes, `endpoints`, `locale`."""
    default = _release((data.get('cluster') or {}).get('os', node_defaults.get('os', DEFAULT_RELEASE)), 'cluster')
    for raw in data.get('nodes') or []:
        cluster.os_versions[str(raw['name']).lower()] = _release(raw.get('os', default), str(raw['name']))
    for raw in data.get('machines') or []:
        name = str(raw['name'])
        if cluster.node(name) is not None:
            raise ScenarioError(f'machines: {name} is a node of the cluster')
        cluster.machines[name.lower()] = Node(name=name, memory_mb=int(raw.get('memory_mb', 16384)), node_id=0,
                                              pending_updates=0)
        cluster.os_versions[name.lower()] = _release(raw.get('os', default), name)
    for host, machine in (data.get('endpoints') or {}).items():
        if cluster.machine(machine) is None:
            raise ScenarioError(f'endpoints: unknown machine {machine!r}')
        cluster.endpoints[str(host).lower()] = str(machine)
    cluster.locale = str(data.get('locale', 'en-US'))
    if cluster.locale not in LOCALES:
        raise ScenarioError(f'locale must be one of {list(LOCALES)}')


def _mac(cluster: Cluster) -> str:
    n = len(cluster.vms) * 4 + sum(len(vm.adapters) for vm in cluster.vms.values()) + 1
    return f'00155D{n:06X}'


def _add_vm(cluster: Cluster, item: dict) -> None:
    name = str(item['name'])
    owner = cluster.node(item['owner'])
    if owner is None:
        raise ScenarioError(f"VM {name}: unknown owner node {item['owner']!r}")
    if name.lower() in cluster.vms:
        raise ScenarioError(f'duplicate VM name {name}')
    priority = item.get('priority', 2000)
    priority = PRIORITY_VALUES[priority.lower()] if isinstance(priority, str) else int(priority)
    vm = VirtualMachine(name=name, memory_mb=int(item['memory_mb']), owner=owner.name,
                        state=str(item.get('state', 'Online')), priority=priority,
                        anti_affinity=list(item.get('anti_affinity') or []),
                        preferred_owners=list(item.get('preferred_owners') or []),
                        auto_failback=int(bool(item.get('auto_failback', False))),
                        processor_count=int(item.get('processor_count', 2)))
    cluster.vms[name.lower()] = vm
    for adapter in item.get('adapters') or [{'switch': 'Corp'}]:
        vm.adapters.append(NetworkAdapter(switch_name=str(adapter.get('switch', 'Corp')),
                                          mac=str(adapter.get('mac') or _mac(cluster)),
                                          name=str(adapter.get('name', 'Network Adapter')),
                                          cluster_monitored=bool(adapter.get('monitored', True))))


def _add_group(cluster: Cluster, group: dict, vm_defaults: dict) -> None:
    """`vm_groups`: `per_node` VMs on each listed node, sizes cycling through `memory_mb`."""
    nodes = group.get('nodes', 'all')
    names = [n.name for n in cluster.nodes.values()] if nodes == 'all' else list(nodes)
    sizes = group['memory_mb'] if isinstance(group['memory_mb'], list) else [group['memory_mb']]
    prefix = str(group.get('prefix', 'VM'))
    count = 0
    for node_name in names:
        for i in range(int(group['per_node'])):
            count += 1
            item = {**vm_defaults, **{k: v for k, v in group.items()
                                      if k not in ('nodes', 'per_node', 'memory_mb', 'prefix')}}
            item.update(name=f'{prefix}{count:03d}', owner=node_name, memory_mb=sizes[i % len(sizes)])
            _add_vm(cluster, item)


def _add_files(cluster: Cluster, files: dict) -> None:
    for node_name, entries in files.items():
        for path, content in (entries or {}).items():
            targets = cluster.nodes.values() if node_name == 'all' else [cluster.node(node_name)]
            for node in targets:
                if node is None:
                    raise ScenarioError(f'files: unknown node {node_name!r}')
                cluster.make_dir(node, str(path).rsplit('\\', 1)[0])
                cluster.write_file(node, str(path), str(content))


def _add_cau(cluster: Cluster, cau: dict | None) -> None:
    if not cau or not cau.get('role'):
        return
    role = cau['role'] if isinstance(cau['role'], dict) else {}
    settings = default_settings(cluster)
    for key, value in role.items():
        if key not in settings:
            raise ScenarioError(f'cau.role: unknown setting {key!r}')
        if key == 'FailbackMode':
            value = FAILBACK_TYPE(value)
        elif key == 'RebootMode':
            value = REBOOT_TYPE(value)
        elif key in ('WarnAfter', 'StopAfter') and value is not None:
            value = to_timespan(value)
        settings[key] = value
    cluster.cau = CauRole(str(cau.get('group_name') or f'CAU{cluster.name[:8].lower()}r1'), settings)
