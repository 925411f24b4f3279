"""What the real-nova module tests share: the module runner, and views of nova's own state."""

from module_runner import run_module  # noqa: F401  pylint: disable=unused-import

FAST = {"poll_seconds": 1, "stall_seconds": 120}


def placement_of(nova):
    """Server name -> (host, status), as nova reports it."""
    return dict((s.name, (s.compute_host, s.status)) for s in nova.conn().compute.servers(all_projects=True))


def migration_summary(nova):
    """Every migration record nova holds, as (server name, type, source, dest, status), oldest first."""
    conn = nova.conn("2.59")
    names = dict((s.id, s.name) for s in conn.compute.servers(all_projects=True))
    return [(names.get(m.server_id, m.server_id), m.migration_type, m.source_compute, m.dest_compute, m.status)
            for m in sorted(conn.compute.migrations(), key=lambda m: m.id)]


def service_states(nova):
    """Host -> (status, state, forced_down) of its nova-compute service."""
    return dict((h, (s.status, s.state, bool(s.is_forced_down))) for h, s in nova.compute_services().items())


def server_group(nova, name, policy, members, max_server_per_host=None):
    """Creates a server group (microversion 2.64) and returns it; members are booted into it by boot_in_group."""
    conn = nova.conn("2.64")
    body = {"name": name, "policy": policy}
    if max_server_per_host:
        body["rules"] = {"max_server_per_host": max_server_per_host}
    group = conn.compute.create_server_group(**body)
    for server_name, host in members:
        boot_in_group(nova, server_name, host, group.id)
    return group


def boot_in_group(nova, name, host, group_id, flavor="m1.tiny"):
    """Boots a member of a server group on a named host (a forced host skips the scheduler's group filters,
    as an operator's placement would) and waits until it is ACTIVE."""
    conn = nova.conn("2.37")
    flavor_obj = conn.compute.find_flavor(flavor, ignore_missing=False)
    server = conn.compute.create_server(name=name, flavor_id=flavor_obj.id, image_id=nova.image_id,
                                        networks="none", availability_zone="nova:%s" % host,
                                        scheduler_hints={"group": group_id})
    conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], interval=1, wait=120)
    return server
