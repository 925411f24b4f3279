# -*- coding: utf-8 -*-
"""nova server groups and availability zones as the core's rules."""

import types

from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.rules import (
    host_zones, server_group_rules, stuck_in_affinity, zone_rules)


def group(name, members, policy=None, policies=None, rules=None):
    return types.SimpleNamespace(id="id-" + name, name=name, member_ids=members, policy=policy, policies=policies,
                                 rules=rules)


NAMES = {"u1": "web-1", "u2": "web-2", "u3": "db-1"}


def test_each_policy_maps_to_a_core_rule_and_strength():
    rules = server_group_rules([group("web", ["u1", "u2"], policy="anti-affinity", rules={"max_server_per_host": 2}),
                                group("db", ["u1", "u3"], policies=["soft-affinity"]),  # before 2.64
                                group("lone", ["u3", "gone"], policy="affinity"),
                                group("spread", ["u2", "u3"], policy="soft-anti-affinity")], NAMES)
    assert rules == [
        {"name": "server group db", "kind": "affinity", "strength": "should", "vms": ["db-1", "web-1"]},
        {"name": "server group spread", "kind": "anti_affinity", "strength": "should", "vms": ["db-1", "web-2"]},
        {"name": "server group web", "kind": "anti_affinity", "strength": "must", "vms": ["web-1", "web-2"],
         "max_per_host": 2}]


def test_hard_affinity_members_sharing_a_host_cannot_move():
    rules = server_group_rules([group("pair", ["u1", "u2"], policy="affinity")], NAMES)
    stuck = stuck_in_affinity(rules, [{"name": "web-1", "host": "a"}, {"name": "web-2", "host": "a"}])
    assert sorted(stuck) == ["web-1", "web-2"] and "server group 'pair' (affinity)" in stuck["web-1"]
    assert stuck_in_affinity(rules, [{"name": "web-1", "host": "a"}, {"name": "web-2", "host": "b"}]) == {}


def test_zones_become_rules_only_when_there_are_several():
    zones = [types.SimpleNamespace(name="internal", hosts={"ctl": {}}),
             types.SimpleNamespace(name="az1", hosts={"a": {}, "b": {}}),
             types.SimpleNamespace(name="az2", hosts={"c": {}})]
    zone_of = host_zones(zones)
    assert zone_of == {"a": "az1", "b": "az1", "c": "az2"}
    vms = [{"name": "x", "host": "a"}, {"name": "y", "host": "c"}, {"name": "free", "host": "a"}]
    rules = zone_rules(vms, zone_of, {"free": None, "y": "az2"})
    assert rules == [
        {"name": "availability zone az1", "kind": "vm_host", "strength": "must", "vms": ["x"], "hosts": ["a", "b"]},
        {"name": "availability zone az2", "kind": "vm_host", "strength": "must", "vms": ["y"], "hosts": ["c"]}]
    assert zone_rules(vms, {"a": "nova", "b": "nova"}, {}) == []
