"""The vSphere reads' round trips, counted by vcsimx (SOAP calls by method): hosts, VMs, clusters and datastores
in one PropertyCollector call, so a read makes as many calls with 7 VMs as with 37."""

from module_runner import run_module


def more_vms(count):
    """mutate(scenario): count more small VMs on esx-01..03."""
    def mutate(data):
        data["vms"].extend({"name": "extra-%02d" % i, "host": "esx-0%d" % (1 + i % 3), "memory_mb": 1024, "cpus": 1,
                            "datastore": "shared-ds"} for i in range(count))
    return mutate


def calls_of(vs, module, **args):
    """The module's result and the SOAP calls it made, by method."""
    vs.mock.clear_soap_calls()
    result = run_module(module, dict(vs.args, **args), check_mode=True)
    assert not result.get("failed"), result
    return result, vs.mock.soap_calls()["calls"]


def test_cluster_info_reads_the_inventory_in_one_call_whatever_the_number_of_vms(start_vsphere):
    few, few_calls = calls_of(start_vsphere(), "vsphere_cluster_info", cluster="Cluster-A")
    many, many_calls = calls_of(start_vsphere(mutate=more_vms(30)), "vsphere_cluster_info", cluster="Cluster-A")
    assert len(many["vms"]) == len(few["vms"]) + 30
    assert many_calls == few_calls
    assert many_calls.get("RetrievePropertiesEx") == 1 and many_calls.get("CreateContainerView") == 1
    assert "Fetch" not in many_calls  # no property read one attribute at a time (before: 3 a VM, 125 in all here)
    assert sum(many_calls.values()) == 8  # with the login, the service content and the logout


def test_preflight_calls_each_host_twice_and_reads_the_rest_in_one_call(start_vsphere):
    few, few_calls = calls_of(start_vsphere(), "vsphere_vmotion_preflight", cluster="Cluster-A")
    many, many_calls = calls_of(start_vsphere(mutate=more_vms(30)), "vsphere_vmotion_preflight", cluster="Cluster-A")
    assert [f["code"] for f in many["findings"]] == [f["code"] for f in few["findings"]]
    assert many_calls == few_calls
    hosts = len(many["details"]["hosts"])
    assert many_calls.get("QueryOptions") == hosts and many_calls.get("QueryDateTime") == hosts
    assert "Fetch" not in many_calls
