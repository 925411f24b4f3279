# -*- coding: utf-8 -*-
"""Hosts mapped to inventory hosts (issue 12 §3): each update runs on the inventory host the platform's name
maps to, and a host that maps to none stops the rollout in preflight, before any write to the cloud."""

import json
import os

import harness
from harness import demo


def test_update_runs_on_the_mapped_inventory_host(faults):
    """HV01..HV03 are hv01.contoso.local.. in the inventory (short_name rule, HV03 through the host map): every
    node's update ran delegated to its own inventory entry, and the rollout ended well."""
    cluster = faults.hyperv()
    cluster.inventory_targets = demo.local_hosts(["hv01.contoso.local", "hv02.contoso.local", "node3.contoso.local"])
    record = os.path.join(faults.workdir, "updates.txt")
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(cluster, "map-1", timeout=240, mock_update_record=record,
                            rolling_update_host_match="short_name",
                            rolling_update_host_map={"HV03": "node3.contoso.local"})
    sampler.stop()
    after = cluster.state()
    report = cluster.report("map-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    assert not problems, "\n".join(problems)
    with open(record) as handle:
        ran = sorted(line.split() for line in handle.read().splitlines())
    assert ran == [["HV01", "hv01.contoso.local"], ["HV02", "hv02.contoso.local"], ["HV03", "node3.contoso.local"]]
    for node, target in ran:
        assert "[%s -> %s]" % (cluster.name, target) in output, "no task of %s delegated to %s" % (node, target)


def test_unmapped_host_fails_in_preflight_before_any_write(faults):
    """compute-2 has no inventory entry: the run stops in preflight naming it; nothing written, no lock left."""
    cluster = faults.nova()
    cluster.inventory_targets = demo.local_hosts(["compute-0.example.net", "compute-1.example.net"])
    before = cluster.state()
    cluster.control("DELETE", "/requests")
    rc, output = faults.run(cluster, "map-2", timeout=120, rolling_update_host_match="short_name")
    after = cluster.state()
    assert rc != 0, "the run did not fail"
    assert "cannot tell which inventory host updates compute-2 (rule short_name)" in output, output[-3000:]
    assert "Nothing was moved" in output
    assert cluster.writes() == [], "writes to the cloud: %s" % cluster.writes()
    assert cluster.vms(after) == cluster.vms(before)
    assert cluster.out_of_service(after) == set()
    assert cluster.lock() is None, "a refused run left a lock: %s" % cluster.lock()
    assert cluster.report("map-2")["steps"] == [], json.dumps(cluster.report("map-2")["steps"])[:2000]


def test_ip_rule_maps_each_hypervisor_by_the_address_nova_reports(faults):
    """Inventory hosts named unlike the hypervisors, reached at the hypervisors' host_ip (192.0.2.10..12 in the
    scenario): rule ip maps each compute host by the address nova reports, and the updates ran there."""
    cluster = faults.nova()
    names = {"rack1-a": "192.0.2.10", "rack1-b": "192.0.2.11", "rack2-a": "192.0.2.12"}
    cluster.inventory_targets = dict((name, dict(settings, ansible_host=names[name]))
                                     for name, settings in demo.local_hosts(sorted(names)).items())
    record = os.path.join(faults.workdir, "updates.txt")
    rc, output = faults.run(cluster, "map-ip", timeout=240, mock_update_record=record, rolling_update_host_match="ip")
    after = cluster.state()
    report = cluster.report("map-ip")
    problems = harness.finished_ok(cluster, after, report, rc, output)
    assert not problems, "\n".join(problems)
    with open(record) as handle:
        ran = sorted(line.split() for line in handle.read().splitlines())
    assert ran == [["compute-0", "rack1-a"], ["compute-1", "rack1-b"], ["compute-2", "rack2-a"]]
