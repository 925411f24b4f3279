# -*- coding: utf-8 -*-
"""retarget: a new host for a VM whose planned target the platform refused."""

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.retarget import retarget


HOSTS = [{"name": n, "memory_mb": 4096} for n in ("a", "b", "c", "d")]


def test_refused_target_gives_the_next_host_that_keeps_the_rules():
    vms = [{"name": "x", "host": "a", "memory_mb": 1024}, {"name": "y", "host": "b", "memory_mb": 1024},
           {"name": "filler", "host": "d", "memory_mb": 3500}]
    rules = [{"name": "server group spread", "kind": "anti_affinity", "vms": ["x", "y"]}]
    target, why = retarget(HOSTS, vms, rules, "x", "a", ["c"], {})
    assert target is None and "anti-affinity rule 'server group spread'" in why and "d: needs 1024 MB" in why
    vms[2]["memory_mb"] = 1000
    assert retarget(HOSTS, vms, rules, "x", "a", ["c"], {}) == ("d", None)


def test_whereabouts_count_the_other_moves_of_the_drain():
    vms = [{"name": "x", "host": "a", "memory_mb": 2048}, {"name": "z", "host": "a", "memory_mb": 3000}]
    # z is heading to b: b has no room left for x, c was refused, so d
    assert retarget(HOSTS, vms, [], "x", "a", ["c"], {"z": "b"}) == ("d", None)
    target, why = retarget(HOSTS, vms, [], "x", "a", ["c", "d"], {"z": "b"})
    assert target is None and why == "b: needs 2048 MB, 1096 MB free"
