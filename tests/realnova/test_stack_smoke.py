"""The real nova stack does what the other real-nova tests rely on: three hypervisors, placement of servers
on a named host, a live migration and a cold migration to a named host."""

import time

from realnova_harness import RealNovaError  # registered by this directory's conftest


def test_every_compute_is_up_and_in_placement(clean_realnova):
    nova = clean_realnova
    services = nova.wait_services_up(enabled=True)
    assert sorted(services) == sorted(nova.computes) == ["compute-0", "compute-1", "compute-2"]
    conn = nova.conn()
    hypervisors = {h.name for h in conn.compute.hypervisors()}
    assert set(nova.computes) <= hypervisors
    providers = {rp.name for rp in conn.placement.resource_providers()}
    assert set(nova.computes) <= providers
    for rp in conn.placement.resource_providers():
        if rp.name in nova.computes:
            memory = {inv.resource_class: inv for inv in conn.placement.resource_provider_inventories(rp)}["MEMORY_MB"]
            assert (memory.total, memory.reserved, memory.allocation_ratio) == (8192, 512, 1.0)


def test_boot_one_server_on_each_host(clean_realnova):
    nova = clean_realnova
    for host in nova.computes:
        nova.boot("smoke-%s" % host, host, wait=False)
    for host in nova.computes:
        server = nova.wait_server("smoke-%s" % host, "ACTIVE")
        assert server.compute_host == host
    conn = nova.conn()
    on_host = {s.name: s.compute_host for s in conn.compute.servers(all_projects=True)}
    assert on_host == {"smoke-%s" % h: h for h in nova.computes}


def test_live_migration_to_a_named_host(clean_realnova):
    nova = clean_realnova
    server = nova.boot("smoke-live", "compute-0")
    conn = nova.conn(microversion="2.30")
    started = time.monotonic()
    conn.compute.live_migrate_server(server, host="compute-1", block_migration="auto")
    moved = nova.wait_server(server.id, "ACTIVE", host="compute-1", timeout=90)
    assert moved.compute_host == "compute-1"
    record = nova.wait_migration(server.id, "completed", timeout=60)  # set after the server's host moved
    assert time.monotonic() - started >= 3  # the fake driver's migration "runs" about 5 s
    assert (record.migration_type, record.source_compute, record.dest_compute) == (
        "live-migration", "compute-0", "compute-1")
    assert len(nova.migrations(server.id)) == 1


def test_cold_migration_to_a_named_host_and_confirm(clean_realnova):
    nova = clean_realnova
    server = nova.boot("smoke-cold", "compute-0")
    conn = nova.conn(microversion="2.56")
    conn.compute.migrate_server(server, host="compute-2")
    resized = nova.wait_server(server.id, "VERIFY_RESIZE", host="compute-2", timeout=90)
    assert resized.compute_host == "compute-2"
    conn.compute.confirm_server_resize(server)
    # confirmResize is a cast: the server leaves VERIFY_RESIZE once the source compute has finished
    confirmed = nova.wait_server(server.id, "ACTIVE", host="compute-2", timeout=60)
    assert confirmed.compute_host == "compute-2"


def test_cleanup_leaves_no_server(clean_realnova):
    nova = clean_realnova
    nova.boot("smoke-gone", "compute-1")
    assert nova.delete_all_servers() == 1
    assert list(nova.conn().compute.servers(all_projects=True)) == []
    try:
        nova.server("smoke-gone")
    except RealNovaError:
        pass
    else:
        raise AssertionError("smoke-gone still found")
