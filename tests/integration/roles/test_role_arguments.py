"""Each role entry point checks its variables with ansible-core's own argument spec validation before its first
task: a wrong or missing variable stops the play with ansible-core's message, naming the variable."""

import os

import pytest

from module_runner import run_playbook

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "enter_role.yml")
NOVA = {"vmfleet_platform": "nova", "vmfleet_connection": {"cloud": "nowhere"}}


def refused(role, entry_point, **variables):
    """The output of a run that must fail at the validation of role/entry_point."""
    proc = run_playbook(PLAYBOOK, dict(variables, role_under_test=role, entry_point=entry_point), timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "Validating arguments against arg spec '%s'" % entry_point in output, output[-3000:]
    assert "Validation of arguments failed" in output, output[-3000:]
    return output


@pytest.mark.parametrize("entry_point", ["gather", "checks", "take_out", "drain", "update", "native_rollout"])
def test_platform_entry_points_refuse_an_unknown_platform(entry_point):
    output = refused("platform", entry_point, vmfleet_platform="esx", vmfleet_connection={}, vmfleet_host="h1",
                     vmfleet_update_host="h1", vmfleet_step_plan={})
    assert "value of vmfleet_platform must be one of: nova, vsphere, hyperv, got: esx" in output, output[-3000:]


def test_platform_drain_names_what_it_misses():
    output = refused("platform", "drain", **NOVA)
    assert "missing required arguments: vmfleet_host, vmfleet_step_plan" in output, output[-3000:]


def test_a_misspelt_drain_setting_is_named():
    output = refused("platform", "failback", vmfleet_host="compute-0", vmfleet_step_plan={},
                     vmfleet_drain={"stall_second": 30}, **NOVA)
    assert "stall_second" in output and "vmfleet_drain" in output, output[-3000:]


def test_rolling_update_refuses_a_drain_setting_out_of_its_choices():
    output = refused("rolling_update", "main", vmfleet_drain={"on_stall": "wait"}, **NOVA)
    assert "value of on_stall must be one of: abort, force_complete, fail, got: wait" in output, output[-3000:]


def test_nova_host_maintenance_without_a_host_is_refused():
    output = refused("nova_host_maintenance", "main", nova_host_maintenance_connection={"cloud": "nowhere"})
    assert "missing required arguments: nova_host_maintenance_host" in output, output[-3000:]
