"""The mock's inventory matches its scenario, read through pyvmomi."""

import pytest
from pyVmomi import vim

from vsphere_helpers import find, names


def test_inventory_matches_scenario(si):
    content = si.RetrieveContent()
    assert content.about.apiType == "VirtualCenter"
    dc = find(si, vim.Datacenter, "DC1")
    cluster = find(si, vim.ClusterComputeResource, "Cluster-A")
    assert cluster.parent.parent == dc
    assert names(cluster.host) == ["esx-01", "esx-02", "esx-03", "esx-04"]
    assert cluster.configurationEx.drsConfig.enabled is False

    esx01 = find(si, vim.HostSystem, "esx-01")
    assert esx01.summary.hardware.memorySize == 65536 * 2**20
    assert esx01.hardware.memorySize == 65536 * 2**20
    assert esx01.summary.hardware.numCpuCores == 16
    assert esx01.runtime.connectionState == "connected"
    assert esx01.runtime.inMaintenanceMode is False
    assert names(esx01.vm) == ["app-iso", "db-01", "local-vm", "web-01"]
    assert find(si, vim.HostSystem, "esx-04").summary.hardware.memorySize == 32768 * 2**20
    assert cluster.summary.totalMemory == (3 * 65536 + 32768) * 2**20
    assert cluster.summary.numHosts == 4

    # datastores: shared ones on every host, the local one on esx-01 only
    local = find(si, vim.Datastore, "esx-01-local")
    assert [m.key.name for m in local.host] == ["esx-01"]
    assert local.summary.multipleHostAccess is False
    shared = find(si, vim.Datastore, "shared-ds")
    assert sorted(m.key.name for m in shared.host) == ["esx-01", "esx-02", "esx-03", "esx-04"]
    assert shared.summary.capacity == 4096 * 2**30
    assert names(esx01.datastore) == ["esx-01-local", "iso-library", "shared-ds"]
    assert names(find(si, vim.HostSystem, "esx-02").datastore) == ["iso-library", "shared-ds"]

    db = find(si, vim.VirtualMachine, "db-01")
    assert db.runtime.host.name == "esx-01"
    assert db.config.hardware.memoryMB == 16384
    assert db.config.hardware.numCPU == 8
    assert db.runtime.powerState == "poweredOn"
    assert names(db.datastore) == ["shared-ds"]
    assert db.resourcePool == cluster.resourcePool
    off = find(si, vim.VirtualMachine, "batch-off")
    assert off.runtime.powerState == "poweredOff"
    assert off.runtime.host.name == "esx-03"
    assert names(find(si, vim.VirtualMachine, "local-vm").datastore) == ["esx-01-local"]
    assert esx01.summary.quickStats.overallMemoryUsage == 4096 + 16384 + 2048 + 1024

    # DRS rules and groups
    cfg = cluster.configurationEx
    groups = {g.name: g for g in cfg.group}
    assert names(groups["db-vms"].vm) == ["db-01"]
    assert names(groups["db-hosts"].host) == ["esx-01", "esx-03"]
    rules = {r.name: r for r in cfg.rule}
    assert isinstance(rules["web-spread"], vim.cluster.AntiAffinityRuleSpec)
    assert names(rules["web-spread"].vm) == ["web-01", "web-02"]
    assert isinstance(rules["db-on-db-hosts"], vim.cluster.VmHostRuleInfo)
    assert rules["db-on-db-hosts"].vmGroupName == "db-vms"
    assert rules["db-on-db-hosts"].affineHostGroupName == "db-hosts"
    assert rules["db-on-db-hosts"].mandatory is False


def test_host_states_from_scenario(start_mock):
    def mutate(s):
        hosts = s["clusters"][0]["hosts"]
        hosts[3]["in_maintenance"] = True
        hosts[2]["connection_state"] = "disconnected"
    si = start_mock("vmotion_blockers", mutate).connect()
    assert find(si, vim.HostSystem, "esx-04").runtime.inMaintenanceMode is True
    esx03 = find(si, vim.HostSystem, "esx-03")
    assert esx03.runtime.connectionState == "disconnected"
    assert esx03.summary.runtime.connectionState == "disconnected"
    cluster = find(si, vim.ClusterComputeResource, "Cluster-A")
    assert cluster.summary.numEffectiveHosts == 2


def test_wrong_password_is_invalid_login(vmotion_blockers):
    with pytest.raises(vim.fault.InvalidLogin):
        vmotion_blockers.connect(pwd="wrong")
    with pytest.raises(vim.fault.InvalidLogin):
        vmotion_blockers.connect(user="root")


def test_plain_http_mode(start_mock):
    mock = start_mock("basic", plain_http=True)
    assert mock.url.startswith("http://")
    si = mock.connect()
    assert names(find(si, vim.ClusterComputeResource, "Cluster-A").host) == ["esx-01", "esx-02"]


def test_bad_scenario_fails_fast(vcsimx_binary):
    from tests.mocks.vsphere import VSphereMock

    bad = {"clusters": [{"name": "C", "hosts": [{"name": "h1"}]}], "vms": [{"name": "v", "host": "nope"}]}
    with pytest.raises(RuntimeError, match="unknown host"):
        VSphereMock(bad, binary=vcsimx_binary).start()
