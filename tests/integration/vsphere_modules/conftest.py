"""Fixtures: the vcsimx vSphere mock (built once, a fresh process per test) and pyvmomi lookups."""

import pytest

from tests.mocks.vsphere import VSphereMock, build, load_scenario


class Vsphere:
    """A running mock with what the module tests need: module arguments and pyvmomi reads."""

    def __init__(self, mock):
        self.mock = mock
        self.args = mock.connection_params()
        self._si = None

    @property
    def si(self):
        if self._si is None:
            self._si = self.mock.connect()
        return self._si

    def find(self, vimtype, name):
        content = self.si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
        try:
            return [obj for obj in view.view if obj.name == name][0]
        finally:
            view.Destroy()

    def host(self, name):
        from pyVmomi import vim
        return self.find(vim.HostSystem, name)

    def vm(self, name):
        from pyVmomi import vim
        return self.find(vim.VirtualMachine, name)

    def migrate_enabled(self, host):
        return self.host(host).configManager.advancedOption.QueryOptions("Migrate.Enabled")[0].value

    def vmotion_vmks(self, host):
        for net in self.host(host).config.virtualNicManagerInfo.netConfig:
            if net.nicType == "vmotion":
                return sorted(key.rsplit("-", 1)[-1] for key in net.selectedVnic)
        return []

    def cdrom(self, vm):
        from pyVmomi import vim
        drive = [d for d in self.vm(vm).config.hardware.device if isinstance(d, vim.vm.device.VirtualCdrom)][0]
        return (getattr(drive.backing, "fileName", None) or "client", drive.connectable.connected)

    def placement(self):
        """VM name -> (host, power state), read through pyvmomi."""
        from pyVmomi import vim
        content = self.si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        try:
            return dict((vm.name, (vm.runtime.host.name, str(vm.runtime.powerState))) for vm in view.view)
        finally:
            view.Destroy()


@pytest.fixture(scope="session")
def vcsimx_binary():
    return build()


@pytest.fixture
def start_vsphere(vcsimx_binary):
    """Factory: start_vsphere(scenario="vmotion_blockers", mutate=None) -> Vsphere (fast migrations, short stalls)."""
    mocks = []

    def start(scenario="vmotion_blockers", mutate=None):
        data = load_scenario(scenario)
        data.setdefault("migration", {}).update({"speed_mb_per_s": 32768, "stall_seconds": 0.3, "cold_seconds": 0.1})
        if mutate:
            mutate(data)
        mock = VSphereMock(data, binary=vcsimx_binary)
        mocks.append(mock)
        return Vsphere(mock.start())

    yield start
    for mock in mocks:
        log = mock.log_text()
        mock.stop()
        assert "panic" not in log, "vcsimx panicked:\n%s" % log[-4000:]


@pytest.fixture
def vmotion_blockers(start_vsphere):
    return start_vsphere("vmotion_blockers")
