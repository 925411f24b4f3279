"""The production scenario: vCLS agent VMs, HA admission control, DRS automation, and the preflight gaps
(host drive CD-ROM, vMotion TCP/IP stack, an IntOption Migrate.Enabled), observable through the API."""

import time

import pytest
from pyVmomi import VmomiSupport, vim, vmodl

from vsphere_helpers import find, run_task, wait_for_task


@pytest.fixture
def prod(start_mock):
    mock = start_mock("production")
    return mock, mock.connect()


def cluster_of(si):
    return find(si, vim.ClusterComputeResource, "Cluster-P")


def migrate(si, vm, host):
    return wait_for_task(find(si, vim.VirtualMachine, vm).MigrateVM_Task(
        host=find(si, vim.HostSystem, host), priority="defaultPriority"))


def test_vcls_agent_vms_are_managed_by_eam_and_never_block_maintenance(prod):
    _mock, si = prod
    agent = find(si, vim.VirtualMachine, "vCLS-4c1d8a3e")
    assert (agent.config.managedBy.extensionKey, agent.config.managedBy.type) == ("com.vmware.vim.eam", "cluster-agent")
    assert find(si, vim.VirtualMachine, "app-01").config.managedBy is None
    esx01 = find(si, vim.HostSystem, "esx-01")
    for vm in ("app-01", "app-02"):
        find(si, vim.VirtualMachine, vm).PowerOffVM_Task()
    time.sleep(0.3)
    run_task(esx01.EnterMaintenanceMode_Task(timeout=5, evacuatePoweredOffVms=False))
    assert esx01.runtime.inMaintenanceMode is True
    assert str(agent.runtime.powerState) == "poweredOff"  # vCLS stopped it, it did not block


def test_host_drive_cdrom_blocks_vmotion(prod):
    _mock, si = prod
    info = migrate(si, "app-02", "esx-03")
    assert info.state == "error" and isinstance(info.error, vim.fault.CannotAccessVmDevice)
    assert "/vmfs/devices/cdrom/mpx.vmhba32:C0:T0:L0" in info.error.msg
    drive = [d for d in find(si, vim.VirtualMachine, "app-02").config.hardware.device
             if isinstance(d, vim.vm.device.VirtualCdrom)][0]
    assert isinstance(drive.backing, vim.vm.device.VirtualCdrom.PassthroughBackingInfo) and drive.connectable.connected


def test_vmotion_stack_adapter_carries_vmotion_without_selection(prod):
    _mock, si = prod
    esx03 = find(si, vim.HostSystem, "esx-03")
    assert not esx03.configManager.virtualNicManager.QueryNetConfig("vmotion").selectedVnic
    assert [n.spec.netStackInstanceKey for n in esx03.config.network.vnic] == ["defaultTcpipStack", "vmotion"]
    assert migrate(si, "app-01", "esx-03").state == "success"


def test_int_typed_migrate_enabled_rejects_a_long(prod):
    _mock, si = prod
    manager = find(si, vim.HostSystem, "esx-02").configManager.advancedOption
    (definition,) = [o for o in manager.supportedOption if o.key == "Migrate.Enabled"]
    assert isinstance(definition.optionType, vim.option.IntOption)
    assert manager.QueryOptions("Migrate.Enabled")[0].value == 0
    with pytest.raises(vmodl.fault.InvalidArgument):
        manager.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=VmomiSupport.vmodlTypes["long"](1))])
    manager.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=1)])
    assert manager.QueryOptions("Migrate.Enabled")[0].value == 1


def test_ha_admission_control_policies_are_readable(start_mock):
    si = start_mock("production").connect()
    policy = cluster_of(si).configurationEx.dasConfig.admissionControlPolicy
    assert isinstance(policy, vim.cluster.FailoverResourcesAdmissionControlPolicy)
    assert policy.memoryFailoverResourcesPercent == 25 and cluster_of(si).configurationEx.dasConfig.enabled

    def slots(data):
        data["clusters"][0]["ha"] = {"policy": "slots", "failover_level": 1}
    policy = cluster_of(start_mock("production", slots).connect()).configurationEx.dasConfig.admissionControlPolicy
    assert isinstance(policy, vim.cluster.FailoverLevelAdmissionControlPolicy) and policy.failoverLevel == 1


def test_dedicated_failover_host_refuses_vmotion_and_power_on(start_mock):
    def failover(data):
        data["clusters"][0]["ha"] = {"policy": "failover_hosts", "failover_hosts": ["esx-03"]}
        data["vms"].append({"name": "off-03", "host": "esx-03", "power_state": "poweredOff"})
    si = start_mock("production", failover).connect()
    policy = cluster_of(si).configurationEx.dasConfig.admissionControlPolicy
    assert [h.name for h in policy.failoverHosts] == ["esx-03"]
    info = migrate(si, "app-01", "esx-03")
    assert info.state == "error" and isinstance(info.error, vim.fault.InsufficientFailoverResourcesFault)
    assert "dedicated failover host" in info.error.msg
    power = wait_for_task(find(si, vim.VirtualMachine, "off-03").PowerOnVM_Task())
    assert isinstance(power.error, vim.fault.InsufficientFailoverResourcesFault)


def test_drs_automation_level_is_set_through_reconfigure(prod):
    _mock, si = prod
    cluster = cluster_of(si)
    spec = vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo(defaultVmBehavior="partiallyAutomated"))
    run_task(cluster.ReconfigureComputeResource_Task(spec=spec, modify=True))
    drs = cluster.configurationEx.drsConfig
    assert drs.enabled is True and str(drs.defaultVmBehavior) == "partiallyAutomated"
    bad = vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo())
    bad.drsConfig.defaultVmBehavior = "sometimes"
    with pytest.raises(vmodl.fault.InvalidArgument, match="defaultVmBehavior"):
        cluster.ReconfigureComputeResource_Task(spec=bad, modify=True)


def test_fully_automated_drs_moves_vms_onto_the_emptiest_host(start_mock):
    def balancing(data):
        data["clusters"][0]["drs_balance_seconds"] = 0.2
        data["vms"] = [v for v in data["vms"] if v["host"] != "esx-03"]
    si = start_mock("production", balancing).connect()
    esx03 = find(si, vim.HostSystem, "esx-03")
    deadline = time.monotonic() + 5
    while not esx03.vm and time.monotonic() < deadline:
        time.sleep(0.1)
    moved = [vm.name for vm in esx03.vm]
    assert moved and not [n for n in moved if n.startswith("vCLS")]  # agents stay where vCLS put them


def test_partially_automated_drs_moves_nothing(start_mock):
    def balancing(data):
        data["clusters"][0].update(drs_balance_seconds=0.2, drs_behavior="partiallyAutomated")
        data["vms"] = [v for v in data["vms"] if v["host"] != "esx-03"]
    si = start_mock("production", balancing).connect()
    time.sleep(1.0)
    assert list(find(si, vim.HostSystem, "esx-03").vm) == []
