"""Maintenance mode as vCenter does it without DRS: nothing is moved off the host for you."""

import time

import pytest
from pyVmomi import vim, vmodl

from vsphere_helpers import find, names, run_task, wait_for_task


def test_enter_refused_while_vms_are_on(si):
    esx01 = find(si, vim.HostSystem, "esx-01")
    with pytest.raises(vim.fault.Timedout) as err:
        run_task(esx01.EnterMaintenanceMode_Task(timeout=1))
    msg = err.value.msg
    assert "esx-01" in msg
    for vm in ("web-01", "db-01", "app-iso", "local-vm"):
        assert vm in msg
    assert esx01.runtime.inMaintenanceMode is False


def test_enter_fail_behavior(start_mock):
    si = start_mock("vmotion_blockers", lambda s: s.update(maintenance={"behavior": "fail"})).connect()
    esx01 = find(si, vim.HostSystem, "esx-01")
    with pytest.raises(vim.fault.InvalidState, match="powered-on"):
        run_task(esx01.EnterMaintenanceMode_Task(timeout=0))


def test_enter_waits_until_host_is_emptied(start_mock):
    def mutate(s):
        s["clusters"][0]["hosts"][3]["vmotion_network_blocked"] = False
    si = start_mock("vmotion_blockers", mutate).connect()
    esx02 = find(si, vim.HostSystem, "esx-02")  # runs web-02
    esx04 = find(si, vim.HostSystem, "esx-04")
    esx02.configManager.virtualNicManager.SelectVnicForNicType("vmotion", "vmk1")
    task = esx02.EnterMaintenanceMode_Task(timeout=0)
    time.sleep(0.5)
    assert task.info.state == "running"
    assert task.info.progress == 2
    assert esx02.runtime.inMaintenanceMode is False
    # a host entering maintenance mode takes no new VMs
    with pytest.raises(vim.fault.InvalidHostState, match="entering maintenance mode"):
        run_task(find(si, vim.VirtualMachine, "web-01").MigrateVM_Task(host=esx02, priority="defaultPriority"))

    run_task(find(si, vim.VirtualMachine, "web-02").MigrateVM_Task(host=esx04, priority="defaultPriority"))
    info = wait_for_task(task, timeout=5)
    assert info.state == "success", info.error
    assert esx02.runtime.inMaintenanceMode is True
    assert esx02.summary.runtime.inMaintenanceMode is True
    assert names(esx02.vm) == []

    # powered-on VMs cannot start there; vMotion there is refused
    with pytest.raises(vim.fault.InvalidHostState):
        run_task(find(si, vim.VirtualMachine, "web-02").MigrateVM_Task(host=esx02, priority="defaultPriority"))
    # entering again is a no-op
    run_task(esx02.EnterMaintenanceMode_Task(timeout=0))

    run_task(esx02.ExitMaintenanceMode_Task(timeout=0))
    assert esx02.runtime.inMaintenanceMode is False
    with pytest.raises(vim.fault.InvalidState):
        run_task(esx02.ExitMaintenanceMode_Task(timeout=0))


def test_enter_succeeds_on_empty_host_and_power_off_counts(si):
    esx04 = find(si, vim.HostSystem, "esx-04")
    assert names(esx04.vm) == []
    run_task(esx04.EnterMaintenanceMode_Task(timeout=10))
    assert esx04.runtime.inMaintenanceMode is True

    # a powered-off VM does not keep a host out of maintenance mode
    esx03 = find(si, vim.HostSystem, "esx-03")
    task = esx03.EnterMaintenanceMode_Task(timeout=0)
    run_task(find(si, vim.VirtualMachine, "app-shared-iso").PowerOffVM_Task())
    assert wait_for_task(task, timeout=5).state == "success"
    assert esx03.runtime.inMaintenanceMode is True
    assert "batch-off" in names(esx03.vm)
    with pytest.raises(vim.fault.InvalidHostState, match="maintenance mode"):
        run_task(find(si, vim.VirtualMachine, "batch-off").PowerOnVM_Task())


def test_cancel_enter_maintenance(si):
    esx01 = find(si, vim.HostSystem, "esx-01")
    task = esx01.EnterMaintenanceMode_Task(timeout=0)
    time.sleep(0.2)
    task.CancelTask()
    info = wait_for_task(task, timeout=5)
    assert isinstance(info.error, vmodl.fault.RequestCanceled)
    assert esx01.runtime.inMaintenanceMode is False
