"""vMotion, cold migration and Storage vMotion against the mock."""

import time

import pytest
from pyVmomi import VmomiSupport, vim, vmodl

from vsphere_helpers import find, names, run_task, wait_for_task


def long(value):
    return VmomiSupport.vmodlTypes["long"](value)


def migrate(vm, host):
    return vm.MigrateVM_Task(host=host, priority="defaultPriority")


def test_vmotion_moves_vm_and_updates_host_lists(start_mock):
    # 4 GB at 4096 MB/s: about one second
    si = start_mock("vmotion_blockers", lambda s: s["migration"].update(speed_mb_per_s=4096)).connect()
    vm = find(si, vim.VirtualMachine, "web-01")
    esx01 = find(si, vim.HostSystem, "esx-01")
    esx03 = find(si, vim.HostSystem, "esx-03")
    esx03.configManager.advancedOption.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(1))])

    began = time.monotonic()
    task = vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=esx03), priority="defaultPriority")
    time.sleep(0.4)
    assert task.info.state == "running"
    assert 0 < task.info.progress < 100
    assert vm.runtime.host.name == "esx-01"
    info = wait_for_task(task)
    elapsed = time.monotonic() - began
    assert info.state == "success", info.error
    assert info.descriptionId == "VirtualMachine.relocate"
    assert info.entityName == "web-01"
    assert 0.9 <= elapsed < 5
    assert vm.runtime.host == esx03
    assert vm.summary.runtime.host == esx03
    assert "web-01" not in names(esx01.vm)
    assert "web-01" in names(esx03.vm)
    assert vm.runtime.powerState == "poweredOn"


def test_migrate_enabled_0_fails_naming_host_and_setting_then_fix(si):
    vm = find(si, vim.VirtualMachine, "web-01")
    esx03 = find(si, vim.HostSystem, "esx-03")
    task = migrate(vm, esx03)
    info = wait_for_task(task)
    assert info.state == "error"
    assert isinstance(info.error, vim.fault.MigrationDisabled)
    assert "esx-03" in info.error.msg and "Migrate.Enabled" in info.error.msg
    assert "vMotion network" in info.error.msg
    assert info.progress == 20  # stuck at 20% like vCenter
    assert vm.runtime.host.name == "esx-01"
    assert "web-01" not in names(esx03.vm)

    esx03.configManager.advancedOption.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(1))])
    run_task(migrate(vm, esx03))
    assert vm.runtime.host == esx03


def test_migrate_enabled_0_on_source_also_fails(si):
    vm = find(si, vim.VirtualMachine, "app-shared-iso")  # on esx-03
    with pytest.raises(vim.fault.MigrationDisabled, match="esx-03.*Migrate.Enabled = 0"):
        run_task(migrate(vm, find(si, vim.HostSystem, "esx-01")))


def test_missing_vmotion_vmk_fails_then_select_fixes(si):
    vm = find(si, vim.VirtualMachine, "web-01")
    esx02 = find(si, vim.HostSystem, "esx-02")
    with pytest.raises(vim.fault.VMotionNotConfigured) as err:
        run_task(migrate(vm, esx02))
    assert err.value.failedHost == "esx-02"
    assert err.value.atSourceHost is False
    assert "vMotion interface is not configured" in err.value.msg and "esx-02" in err.value.msg

    esx02.configManager.virtualNicManager.SelectVnicForNicType("vmotion", "vmk1")
    run_task(migrate(vm, esx02))
    assert vm.runtime.host == esx02
    # the way back: esx-02 is the source now
    esx02.configManager.virtualNicManager.DeselectVnicForNicType("vmotion", "vmk1")
    with pytest.raises(vim.fault.VMotionNotConfigured) as err:
        run_task(migrate(vm, find(si, vim.HostSystem, "esx-01")))
    assert err.value.atSourceHost is True


def test_connected_local_iso_blocks_vmotion_until_client_device(si):
    vm = find(si, vim.VirtualMachine, "app-iso")
    esx02 = find(si, vim.HostSystem, "esx-02")
    esx02.configManager.virtualNicManager.SelectVnicForNicType("vmotion", "vmk1")
    with pytest.raises(vim.fault.CannotAccessVmDevice) as err:
        run_task(migrate(vm, esx02))
    assert err.value.backing == "[esx-01-local] iso/VMware-tools-windows.iso"
    assert err.value.connected is True
    assert "not accessible" in err.value.msg and "esx-02" in err.value.msg

    # the fix from the blog: switch the drive to a client device
    (cd,) = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualCdrom)]
    cd.backing = vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(deviceName="", exclusive=False)
    cd.connectable = vim.vm.device.VirtualDevice.ConnectInfo(connected=False, startConnected=False, allowGuestControl=True)
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="edit", device=cd)])
    run_task(vm.ReconfigVM_Task(spec=spec))
    (cd,) = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualCdrom)]
    assert isinstance(cd.backing, vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo)
    run_task(migrate(vm, esx02))
    assert vm.runtime.host == esx02


def test_iso_on_shared_datastore_is_fine(start_mock):
    si = start_mock("vmotion_blockers", lambda s: s["clusters"][0]["hosts"][2].update(migrate_enabled=True)).connect()
    vm = find(si, vim.VirtualMachine, "app-shared-iso")
    run_task(migrate(vm, find(si, vim.HostSystem, "esx-01")))
    assert vm.runtime.host.name == "esx-01"


def test_target_without_memory_fails(start_mock):
    def small(s):
        s["clusters"][0]["hosts"][3].update(memory_mb=12288, vmotion_network_blocked=False)
    si = start_mock("vmotion_blockers", small).connect()
    db = find(si, vim.VirtualMachine, "db-01")  # 16 GB
    esx04 = find(si, vim.HostSystem, "esx-04")
    with pytest.raises(vim.fault.InsufficientHostMemoryCapacityFault) as err:
        run_task(migrate(db, esx04))
    assert err.value.requested == 16384 * 2**20
    assert err.value.unreserved == 12288 * 2**20
    assert "esx-04" in err.value.msg and "16384 MB" in err.value.msg
    assert db.runtime.host.name == "esx-01"
    # a smaller VM fits
    web = find(si, vim.VirtualMachine, "web-01")
    run_task(migrate(web, esx04))
    # memory held by running VMs counts: 12 GB - 4 GB left 8 GB
    with pytest.raises(vim.fault.InsufficientHostMemoryCapacityFault, match="8192 MB are available"):
        run_task(migrate(find(si, vim.VirtualMachine, "db-01"), esx04))


def test_target_in_maintenance_mode_refused(start_mock):
    si = start_mock("vmotion_blockers", lambda s: s["clusters"][0]["hosts"][3].update(in_maintenance=True)).connect()
    vm = find(si, vim.VirtualMachine, "web-01")
    with pytest.raises(vim.fault.InvalidHostState, match="esx-04.*maintenance mode"):
        run_task(migrate(vm, find(si, vim.HostSystem, "esx-04")))
    off = find(si, vim.VirtualMachine, "batch-off")
    with pytest.raises(vim.fault.InvalidHostState):
        run_task(off.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=find(si, vim.HostSystem, "esx-04"))))


def test_cold_relocate_ignores_vmotion_settings(si):
    vm = find(si, vim.VirtualMachine, "batch-off")  # powered off, on esx-03 (Migrate.Enabled=0)
    esx02 = find(si, vim.HostSystem, "esx-02")  # no vMotion vmk
    run_task(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=esx02)))
    assert vm.runtime.host == esx02
    assert "batch-off" in names(esx02.vm)
    assert "batch-off" not in names(find(si, vim.HostSystem, "esx-03").vm)
    run_task(vm.MigrateVM_Task(host=find(si, vim.HostSystem, "esx-04"), priority="defaultPriority"))
    assert vm.runtime.host.name == "esx-04"


def test_host_local_disk_needs_storage_vmotion(si):
    vm = find(si, vim.VirtualMachine, "local-vm")  # disk on esx-01-local
    esx04 = find(si, vim.HostSystem, "esx-04")
    with pytest.raises(vim.fault.InaccessibleDatastore, match="esx-01-local"):
        run_task(migrate(vm, find(si, vim.HostSystem, "esx-02")))

    shared = find(si, vim.Datastore, "shared-ds")
    local = find(si, vim.Datastore, "esx-01-local")
    run_task(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(datastore=shared)))
    assert vm.runtime.host.name == "esx-01"
    assert names(vm.datastore) == ["shared-ds"]
    assert vm.config.files.vmPathName.startswith("[shared-ds] local-vm/")
    (disk,) = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
    assert disk.backing.fileName.startswith("[shared-ds] local-vm/")
    assert disk.backing.datastore == shared
    assert "local-vm" in names(shared.vm)
    assert "local-vm" not in names(local.vm)
    esx01 = find(si, vim.HostSystem, "esx-01")
    # now a plain vMotion works (to a host whose vMotion network is fine)
    esx03 = find(si, vim.HostSystem, "esx-03")
    esx03.configManager.advancedOption.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(1))])
    run_task(migrate(vm, esx03))
    assert "local-vm" in names(esx03.vm) and "local-vm" not in names(esx01.vm)
    # storage + host at once, back onto the local datastore of esx-01
    run_task(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=esx01, datastore=local)))
    assert vm.runtime.host == esx01 and names(vm.datastore) == ["esx-01-local"]
    with pytest.raises(vim.fault.InaccessibleDatastore):
        run_task(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=esx04, datastore=local)))


def test_one_migration_per_vm_and_cancel(start_mock):
    si = start_mock("vmotion_blockers", lambda s: s["migration"].update(speed_mb_per_s=2048)).connect()
    vm = find(si, vim.VirtualMachine, "db-01")  # 16 GB at 2 GB/s: 8 s
    esx03 = find(si, vim.HostSystem, "esx-03")
    esx03.configManager.advancedOption.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(1))])
    first = migrate(vm, esx03)
    second = migrate(vm, esx03)
    with pytest.raises(vim.fault.TaskInProgress):
        run_task(second)
    time.sleep(0.3)
    assert first.info.cancelable is True
    first.CancelTask()
    info = wait_for_task(first, timeout=5)
    assert info.state == "error"
    assert isinstance(info.error, vmodl.fault.RequestCanceled)
    assert vm.runtime.host.name == "esx-01"
    with pytest.raises(vim.fault.InvalidState):
        first.CancelTask()


def test_parallel_migrations_share_target_memory(start_mock):
    def mutate(s):
        s["migration"]["speed_mb_per_s"] = 8192
        s["clusters"][0]["hosts"][3].update(memory_mb=18432, vmotion_network_blocked=False)
    si = start_mock("vmotion_blockers", mutate).connect()
    esx04 = find(si, vim.HostSystem, "esx-04")
    db = find(si, vim.VirtualMachine, "db-01")      # 16 GB: 2 s in flight
    web = find(si, vim.VirtualMachine, "web-01")    # 4 GB
    app = find(si, vim.VirtualMachine, "app-shared-iso")  # 2 GB, on esx-03: Migrate.Enabled=0
    first = migrate(db, esx04)
    deadline = time.monotonic() + 5
    while not first.info.progress and time.monotonic() < deadline:
        time.sleep(0.05)
    # db-01's memory is held on esx-04 while it is still in flight
    with pytest.raises(vim.fault.InsufficientHostMemoryCapacityFault, match="2048 MB are available"):
        run_task(migrate(web, esx04))
    # app-shared-iso fits, and then fails at 20% for Migrate.Enabled on its source
    with pytest.raises(vim.fault.MigrationDisabled):
        run_task(migrate(app, esx04))
    assert wait_for_task(first).state == "success"
    assert names(esx04.vm) == ["db-01"]
    assert esx04.summary.quickStats.overallMemoryUsage == 16384


def test_bad_arguments_are_soap_faults(si):
    vm = find(si, vim.VirtualMachine, "web-01")
    from pyVmomi import vmodl

    with pytest.raises(vmodl.fault.InvalidArgument):
        vm.MigrateVM_Task(priority="defaultPriority")
    ghost = vim.HostSystem("host-99999", stub=si._stub)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        vm.MigrateVM_Task(host=ghost, priority="defaultPriority")


def test_property_collector_sees_moves(si):
    """WaitForUpdatesEx reports the runtime.host change a vMotion makes."""
    vm = find(si, vim.VirtualMachine, "web-01")
    esx02 = find(si, vim.HostSystem, "esx-02")
    esx02.configManager.virtualNicManager.SelectVnicForNicType("vmotion", "vmk1")
    pc = si.content.propertyCollector
    spec = vim.PropertyFilterSpec(
        objectSet=[vim.ObjectSpec(obj=vm)],
        propSet=[vim.PropertySpec(type=vim.VirtualMachine, pathSet=["runtime.host"])],
    )
    pfilter = pc.CreateFilter(spec, True)
    try:
        version = pc.WaitForUpdatesEx("", vim.WaitOptions(maxWaitSeconds=1)).version
        task = migrate(vm, esx02)
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not seen:
            update = pc.WaitForUpdatesEx(version, vim.WaitOptions(maxWaitSeconds=1))
            if update is None:
                continue
            version = update.version
            seen += [ch.val for fs in update.filterSet for obj in fs.objectSet
                     for ch in obj.changeSet if ch.name == "runtime.host"]
        assert wait_for_task(task).state == "success"
        assert seen == [esx02]
    finally:
        pfilter.Destroy()
