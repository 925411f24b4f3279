"""HA reserve, DRS hold/release decisions and the vMotion-stack commands as pure functions (no mock needed)."""

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere import preflight, services as svc

MEMORY = {"a": 65536, "b": 32768, "c": 32768}


def ha(policy, **extra):
    facts = {"enabled": True, "admission_control": True, "policy": policy, "memory_percent": None,
             "auto_compute": False, "failover_level": 1, "failover_hosts": []}
    facts.update(extra)
    return facts


def test_ha_reserve_per_policy():
    assert svc.ha_reserve_mb(ha("percentage", memory_percent=25), MEMORY) == {"a": 16384.0, "b": 8192.0, "c": 8192.0}
    # slots or computed percentages: the largest host's share of the cluster (64 GB of 128 GB)
    assert svc.ha_reserve_mb(ha("slots"), MEMORY) == {"a": 32768.0, "b": 16384.0, "c": 16384.0}
    assert svc.ha_reserve_mb(ha("percentage", memory_percent=0, auto_compute=True), MEMORY)["a"] == 32768.0
    assert svc.ha_reserve_mb(ha("failover_hosts", failover_hosts=["c"]), MEMORY) == {"a": 0.0, "b": 0.0, "c": 32768.0}
    assert set(svc.ha_reserve_mb(ha("none"), MEMORY).values()) == {0.0}


def test_drs_hold_and_release_decisions():
    full = {"cluster": "C", "enabled": True, "behavior": "fullyAutomated"}
    held = svc.hold_plan(full)
    assert held == {"cluster": "C", "enabled": True, "before": "fullyAutomated", "after": "partiallyAutomated"}
    assert svc.hold_plan(dict(full, enabled=False))["after"] == "fullyAutomated"  # DRS off moves nothing
    assert svc.hold_plan(dict(full, behavior="manual"))["after"] == "manual"
    assert svc.release_plan(dict(full, behavior="partiallyAutomated"), held) == ("fullyAutomated", None)
    assert svc.release_plan(full, held) == (None, None)  # already back
    target, why = svc.release_plan(dict(full, behavior="manual"), held)
    assert target is None and "someone changed it" in why
    assert svc.release_plan(full, svc.hold_plan(dict(full, behavior="manual"))) == (None, None)


def test_vmotion_stack_commands():
    assert preflight.network_commands("a", "b", "vmk1", "10.0.5.2", True) == {
        "from": "a", "to": "b", "vmkping": "vmkping -S vmotion -I vmk1 10.0.5.2", "nc": None}
    assert preflight.network_commands("a", "b", "vmk1", "10.0.1.2", False)["nc"] == "nc -z 10.0.1.2 8000"
