"""Each vMotion failure case of seed 003 is observable through the API."""

import datetime

import pytest
from pyVmomi import VmomiSupport, vim

from vsphere_helpers import find, option, run_task, vmotion_selected

VMK1 = "vmotion.key-vim.host.VirtualNic-vmk1"


def long(value):
    return VmomiSupport.vmodlTypes["long"](value)


def test_case1_vmotion_vmk_selection(si):
    esx01 = find(si, vim.HostSystem, "esx-01")
    esx02 = find(si, vim.HostSystem, "esx-02")
    assert vmotion_selected(esx01) == [VMK1]
    assert vmotion_selected(esx02) == []
    nvm = esx02.configManager.virtualNicManager
    net = nvm.QueryNetConfig("vmotion")
    assert [v.device for v in net.candidateVnic] == ["vmk0", "vmk1"]
    assert [v.spec.ip.ipAddress for v in net.candidateVnic][1].startswith("10.0.1.")
    assert not net.selectedVnic
    assert [v.device for v in esx02.config.network.vnic] == ["vmk0", "vmk1"]

    nvm.SelectVnicForNicType("vmotion", "vmk1")
    assert list(nvm.QueryNetConfig("vmotion").selectedVnic) == [VMK1]
    assert vmotion_selected(esx02) == [VMK1]
    assert esx02.config.vmotion.netConfig.selectedVnic == VMK1
    assert [nc.selectedVnic for nc in nvm.info.netConfig if nc.nicType == "vmotion"] == [[VMK1]]

    nvm.DeselectVnicForNicType("vmotion", "vmk1")
    assert vmotion_selected(esx02) == []
    with pytest.raises(vim.fault.NotFound):
        nvm.SelectVnicForNicType("vmotion", "vmk9")
    with pytest.raises(vmodl_invalid_argument()):
        nvm.QueryNetConfig("warpdrive")


def vmodl_invalid_argument():
    from pyVmomi import vmodl

    return vmodl.fault.InvalidArgument


def test_case2_cdrom_iso_on_local_datastore(si):
    vm = find(si, vim.VirtualMachine, "app-iso")
    cdroms = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualCdrom)]
    assert len(cdroms) == 1
    cd = cdroms[0]
    assert isinstance(cd.backing, vim.vm.device.VirtualCdrom.IsoBackingInfo)
    assert cd.backing.fileName == "[esx-01-local] iso/VMware-tools-windows.iso"
    assert cd.connectable.connected is True
    ds = find(si, vim.Datastore, "esx-01-local")
    assert [m.key.name for m in ds.host] == ["esx-01"]
    # a VM without an ISO has a client-device CD-ROM, disconnected
    web = find(si, vim.VirtualMachine, "web-01")
    (cd,) = [d for d in web.config.hardware.device if isinstance(d, vim.vm.device.VirtualCdrom)]
    assert isinstance(cd.backing, vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo)
    assert cd.connectable.connected is False


def test_case3_migrate_enabled_per_host(si):
    values = {h: option(find(si, vim.HostSystem, h), "Migrate.Enabled") for h in ("esx-01", "esx-02", "esx-03", "esx-04")}
    assert values == {"esx-01": 1, "esx-02": 1, "esx-03": 0, "esx-04": 1}
    esx03 = find(si, vim.HostSystem, "esx-03")
    om = esx03.configManager.advancedOption
    (opt,) = om.QueryOptions("Migrate.Enabled")
    assert isinstance(opt.value, int)
    assert {o.key for o in om.QueryOptions("Migrate.")} >= {"Migrate.Enabled", "Migrate.NetTimeout"}
    (definition,) = [d for d in om.supportedOption if d.key == "Migrate.Enabled"]
    assert isinstance(definition.optionType, vim.option.LongOption)

    # ESXi wants an xsd:long; a plain Python int goes out as xsd:int
    with pytest.raises(vmodl_invalid_argument(), match="xsd:long"):
        om.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=1)])
    with pytest.raises(vmodl_invalid_argument()):
        om.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(7))])
    with pytest.raises(vim.fault.InvalidName):
        om.UpdateOptions([vim.option.OptionValue(key="Migrate.NoSuchThing", value=long(1))])
    with pytest.raises(vim.fault.InvalidName):
        om.QueryOptions("Migrate.NoSuchThing")
    assert option(esx03, "Migrate.Enabled") == 0

    om.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(1))])
    assert option(esx03, "Migrate.Enabled") == 1
    # per host: the others did not change with it
    assert option(find(si, vim.HostSystem, "esx-01"), "Migrate.Enabled") == 1
    om.UpdateOptions([vim.option.OptionValue(key="Migrate.Enabled", value=long(0))])
    assert option(esx03, "Migrate.Enabled") == 0
    assert option(find(si, vim.HostSystem, "esx-01"), "Migrate.Enabled") == 1


def skew(a, b):
    return (b.configManager.dateTimeSystem.QueryDateTime() - a.configManager.dateTimeSystem.QueryDateTime()).total_seconds()


def test_case4_clock_skew(si):
    esx01 = find(si, vim.HostSystem, "esx-01")
    esx04 = find(si, vim.HostSystem, "esx-04")
    assert abs(skew(esx01, esx04) - 3660) < 5
    assert list(esx01.config.dateTimeInfo.ntpConfig.server) == ["pool.ntp.org"]
    assert not esx04.config.dateTimeInfo.ntpConfig.server
    dts = esx04.configManager.dateTimeSystem
    assert dts.dateTimeInfo.timeZone.key == "UTC"

    dts.UpdateDateTime(datetime.datetime.now(datetime.timezone.utc))
    assert abs(skew(esx01, esx04)) < 5
    dts.UpdateDateTimeConfig(vim.host.DateTimeConfig(ntpConfig=vim.host.NtpConfig(server=["pool.ntp.org"])))
    assert list(esx04.config.dateTimeInfo.ntpConfig.server) == ["pool.ntp.org"]
    assert list(dts.dateTimeInfo.ntpConfig.server) == ["pool.ntp.org"]


def test_case4_skew_is_only_a_warning(start_mock):
    mock = start_mock("vmotion_blockers", lambda s: s["clusters"][0]["hosts"][3].update(vmotion_network_blocked=False))
    si = mock.connect()
    vm = find(si, vim.VirtualMachine, "web-01")
    esx04 = find(si, vim.HostSystem, "esx-04")
    assert abs(skew(find(si, vim.HostSystem, "esx-01"), esx04)) > 300
    run_task(vm.MigrateVM_Task(host=esx04, priority="defaultPriority"))
    assert vm.runtime.host.name == "esx-04"


def test_case5_blocked_vmotion_network(vmotion_blockers):
    si = vmotion_blockers.connect()
    vm = find(si, vim.VirtualMachine, "web-01")
    esx04 = find(si, vim.HostSystem, "esx-04")
    # nothing in the API shows it: vmk selected, Migrate.Enabled on
    assert vmotion_selected(esx04) == [VMK1]
    assert option(esx04, "Migrate.Enabled") == 1
    with pytest.raises(vim.fault.MigrationFault) as err:
        run_task(vm.MigrateVM_Task(host=esx04, priority="defaultPriority"))
    msg = err.value.msg
    assert "did not receive data from the source host on the vMotion network" in msg
    assert "failed to connect to remote host <10.0.1.14> from host <10.0.1.11>" in msg
    assert "8000" in msg
    assert vm.runtime.host.name == "esx-01"
    assert [s for s in vmotion_blockers.state()["hosts"] if s["name"] == "esx-04"][0]["vmotion_network_blocked"] is True

    vmotion_blockers.set_host("esx-04", vmotion_network_blocked=False)  # the firewall fixed, out of band
    run_task(vm.MigrateVM_Task(host=esx04, priority="defaultPriority"))
    assert vm.runtime.host.name == "esx-04"
