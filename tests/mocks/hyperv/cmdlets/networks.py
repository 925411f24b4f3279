"""FailoverClusters network cmdlets: Get-ClusterNetwork and Get-ClusterNetworkInterface.

Every mock cluster has two networks, as a Hyper-V cluster commonly does: `Cluster Network 1`, cluster traffic
only (Role Cluster: heartbeats, CSV, live migration; 198.51.100.0/24), listed first, and `Cluster Network 2`,
which also carries client access (Role ClusterAndClient: the nodes' management addresses; 192.0.2.0/24). Each
node has one interface on each network (scenario keys `address` and `cluster_address`; null: none there). The
interfaces come from the cluster database, so a down node's are listed too (State Unavailable, its address kept).
"""
from __future__ import annotations

from ..cluster import Cluster, Node
from ..powershell import Invocation, Param, Registry
from ..powershell.values import EnumType, Lazy, PSObject, unroll
from .clustering import CLUSTER_PARAM, NS, cluster_of
from .objects import cluster_object, node_object, with_ref

NETWORK_CMDLETS = Registry()
FC = NS + '.'

NETWORK_ROLE = EnumType(FC + 'ClusterNetworkRole', {'None': 0, 'Cluster': 1, 'Client': 2, 'ClusterAndClient': 3})
NETWORK_STATE = EnumType(FC + 'ClusterNetworkState',
                         {'Unknown': -1, 'Unavailable': 0, 'Down': 1, 'Partitioned': 2, 'Up': 3})
INTERFACE_STATE = EnumType(FC + 'ClusterNetworkInterfaceState',
                           {'Unknown': -1, 'Unavailable': 0, 'Failed': 1, 'Unreachable': 2, 'Up': 3})

# name, role, subnet, node attribute holding the address, adapter name, metric
NETWORKS = (
    ('Cluster Network 1', 'Cluster', '198.51.100.0', 'cluster_address', 'Ethernet 2', 30240),
    ('Cluster Network 2', 'ClusterAndClient', '192.0.2.0', 'address', 'Ethernet', 70240),
)


def _interfaces(cluster: Cluster, network: tuple) -> list[tuple[Node, str]]:
    """(node, address) of every node with an interface on the network."""
    attribute = network[3]
    return [(node, getattr(node, attribute)) for node in cluster.nodes.values() if getattr(node, attribute)]


def network_object(cluster: Cluster, network: tuple) -> PSObject:
    name, role, subnet, metric = network[0], network[1], network[2], network[5]
    up = any(pair[0].state != 'Down' for pair in _interfaces(cluster, network))
    return with_ref(PSObject(FC + 'ClusterNetwork', [
        ('Cluster', Lazy(lambda: cluster_object(cluster))), ('State', NETWORK_STATE('Up' if up else 'Down')),
        ('Name', name), ('Ipv6Addresses', []), ('Ipv6PrefixLengths', []), ('Ipv4Addresses', [subnet]),
        ('Ipv4PrefixLengths', [24]), ('Address', subnet), ('AddressMask', '255.255.255.0'), ('Description', ''),
        ('Role', NETWORK_ROLE(role)), ('AutoMetric', True), ('Metric', metric), ('Id', f'network-{subnet}'),
    ], to_string=name), network)


def interface_object(cluster: Cluster, network: tuple, node: Node, address: str) -> PSObject:
    name = f'{node.name} - {network[4]}'
    return PSObject(FC + 'ClusterNetworkInterface', [
        ('Cluster', Lazy(lambda: cluster_object(cluster))),
        ('State', INTERFACE_STATE('Unavailable' if node.state == 'Down' else 'Up')),
        ('Network', Lazy(lambda: network_object(cluster, network))), ('Node', Lazy(lambda: node_object(cluster, node))),
        ('Name', name), ('Adapter', 'Microsoft Hyper-V Network Adapter'), ('Address', address),
        ('Description', ''), ('DhcpEnabled', 0), ('Ipv4Addresses', [address]), ('Ipv6Addresses', []),
        ('Id', f'{node.node_id}-{network[2]}'),
    ], to_string=name)


def _names(value) -> set[str]:
    return {str(v).lower() for v in unroll(value)} if value else set()


@NETWORK_CMDLETS.add('Get-ClusterNetwork', Param('Name', 'string[]', position=0),
                     Param('InputObject', 'object', pipeline=True), CLUSTER_PARAM, namespace=NS)
def get_cluster_network(inv: Invocation):
    cluster = cluster_of(inv)
    wanted = _names(inv.get('Name'))
    out = []
    for network in NETWORKS:
        if not wanted or network[0].lower() in wanted:
            out.append(network_object(cluster, network))
    known = {n[0].lower() for n in NETWORKS}
    for name in [str(v) for v in unroll(inv.get('Name')) if str(v).lower() not in known]:
        inv.write_error(f"The cluster network '{name}' was not found.", 'ObjectNotFound', 'Get-ClusterNetwork',
                        'ClusterCmdletException', name)
    return out


@NETWORK_CMDLETS.add('Get-ClusterNetworkInterface', Param('Name', 'string[]', position=0), Param('Node', 'string[]'),
                     Param('Network', 'string[]'), Param('InputObject', 'object', pipeline=True), CLUSTER_PARAM,
                     namespace=NS)
def get_cluster_network_interface(inv: Invocation):
    cluster = cluster_of(inv)
    nodes = set()
    for name in [str(v) for v in unroll(inv.get('Node'))]:
        node = cluster.node(name)
        if node is None:
            inv.write_error(f"The cluster node '{name}' was not found.", 'ObjectNotFound',
                            'Get-ClusterNetworkInterface', 'ClusterCmdletException', name)
        else:
            nodes.add(node.name.lower())
    for item in inv.input + unroll(inv.get('InputObject')):  # Get-ClusterNode X | Get-ClusterNetworkInterface
        ref = getattr(item, 'ref', None)
        if isinstance(ref, Node):
            nodes.add(ref.name.lower())
    if inv.get('Node') and not nodes:
        return []
    networks = _names(inv.get('Network'))
    names = _names(inv.get('Name'))
    out = []
    for network in NETWORKS:
        if networks and network[0].lower() not in networks:
            continue
        for node, address in _interfaces(cluster, network):
            if nodes and node.name.lower() not in nodes:
                continue
            obj = interface_object(cluster, network, node, address)
            if not names or obj['Name'].lower() in names:
                out.append(obj)
    return out
