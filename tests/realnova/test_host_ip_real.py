"""nova_cluster_info's ip per host is the hypervisor's host_ip as a real nova reports it (os-hypervisors/detail: the
compute service's my_ip, 127.0.0.1 for every compute of this stack)."""

from modules_helpers import run_module


def test_cluster_info_gives_each_host_its_hypervisor_host_ip(realnova):
    info = run_module("nova_cluster_info", realnova.cloud_args, check_mode=True)
    assert not info.get("failed"), info
    ips = dict((h["name"], h["ip"]) for h in info["hosts"])
    for version in ("2.1", "2.53", "2.88"):  # host_ip is in the detail view before and after 2.88 drops the figures
        reported = dict((h.service_details["host"], h.host_ip)
                        for h in realnova.conn(version).compute.hypervisors(details=True))
        assert ips == reported, version
    assert sorted(ips) == realnova.computes and all(ips.values())
