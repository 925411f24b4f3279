"""Server groups and availability zones: the API shapes and the scheduler.

Uses scenarios/groups_zones.yaml: spread-1 (compute-0) and spread-2
(compute-1) are an anti-affinity group, pair-1/pair-2 an affinity group on
compute-2, loose-1/loose-2 a soft-anti-affinity group, pinned-1 asked for
zone nova at boot, compute-3 is in zone az2.
"""

import copy
import os

import pytest
import yaml

from nova_mock_helpers import ROOT
from tests.mocks.nova.scenario import ScenarioError, normalize

GZ_FILE = os.path.join(ROOT, "tests", "mocks", "nova", "scenarios",
                       "groups_zones.yaml")


def _scenario():
    with open(GZ_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def start_gz(start_mock):
    """Factory: start_gz(mutate=None) -> RunningMock of groups_zones.yaml, time frozen."""
    return lambda mutate=None: start_mock(mutate, scenario_file=GZ_FILE, time_scale=0)


@pytest.fixture
def gz(start_gz):
    return start_gz()


def _id(mock, name):
    return mock.control.instance(name)["id"]


def _live(mock, name, host=None, version="2.30", force=None):
    args = {"host": host, "block_migration": "auto"}
    if force is not None:
        args["force"] = force
    return mock.call("post", "/servers/%s/action" % _id(mock, name), version,
                     {"os-migrateLive": args})


def _cold(mock, name, host=None, version="2.56"):
    return mock.call("post", "/servers/%s/action" % _id(mock, name), version,
                     {"migrate": {"host": host} if host else None})


def _message(response):
    return next(iter(response.json().values()))["message"]


def _group(mock, name):
    return mock.control.state()["server_groups"][name]


# -- os-server-groups --------------------------------------------------------
def test_groups_before_and_from_2_64(gz):
    old = gz.call("get", "/os-server-groups?all_projects=True", "2.63")
    assert old.status_code == 200
    spread = next(g for g in old.json()["server_groups"]
                  if g["name"] == "spread")
    assert set(spread) == {"id", "name", "policies", "metadata", "members",
                           "project_id", "user_id"}
    assert spread["policies"] == ["anti-affinity"]
    assert spread["metadata"] == {}
    assert sorted(spread["members"]) == sorted(
        [_id(gz, "spread-1"), _id(gz, "spread-2")])
    assert spread["id"] == _group(gz, "spread")["id"]

    new = gz.call("get", "/os-server-groups?all_projects=True", "2.64")
    by_name = {g["name"]: g for g in new.json()["server_groups"]}
    assert set(by_name["spread"]) == {"id", "name", "policy", "rules",
                                      "members", "project_id", "user_id"}
    assert by_name["spread"]["policy"] == "anti-affinity"
    assert by_name["spread"]["rules"] == {}
    assert by_name["pair"]["policy"] == "affinity"
    assert by_name["loose"]["policy"] == "soft-anti-affinity"

    # project_id and user_id appear at 2.13
    legacy = gz.call("get", "/os-server-groups", "2.12").json()
    assert "project_id" not in legacy["server_groups"][0]
    assert "user_id" not in legacy["server_groups"][0]


def test_group_show_rules_and_404(start_gz):
    def rule(scenario):
        scenario["server_groups"][0]["max_server_per_host"] = 2
    mock = start_gz(rule)
    ident = _group(mock, "spread")["id"]
    shown = mock.call("get", "/os-server-groups/%s" % ident, "2.64")
    assert shown.json()["server_group"]["rules"] == {"max_server_per_host": 2}
    old = mock.call("get", "/os-server-groups/%s" % ident, "2.63")
    assert old.json()["server_group"]["policies"] == ["anti-affinity"]
    assert "rules" not in old.json()["server_group"]
    missing = mock.call("get", "/os-server-groups/%s" % ("0" * 32), "2.64")
    assert missing.status_code == 404
    assert _message(missing) == "Instance group %s could not be found." % (
        "0" * 32)


def test_group_listing_projects_and_paging(start_gz):
    def demo(scenario):
        scenario["server_groups"][2]["project"] = "demo"
    mock = start_gz(demo)
    mine = mock.call("get", "/os-server-groups", "2.64").json()
    assert [g["name"] for g in mine["server_groups"]] == ["spread", "pair"]
    every = mock.call("get", "/os-server-groups?all_projects", "2.64").json()
    assert [g["name"] for g in every["server_groups"]] == [
        "spread", "pair", "loose"]
    page = mock.call("get", "/os-server-groups?all_projects=1&limit=1"
                     "&offset=1", "2.64").json()
    assert [g["name"] for g in page["server_groups"]] == ["pair"]
    bad = mock.call("get", "/os-server-groups?limit=-1", "2.64")
    assert bad.status_code == 400
    unknown = mock.call("get", "/os-server-groups?foo=1", "2.75")
    assert unknown.status_code == 400
    assert mock.call("get", "/os-server-groups?foo=1",
                     "2.74").status_code == 200


def test_server_show_names_its_group_from_2_71(gz):
    url = "/servers/%s" % _id(gz, "spread-1")
    assert gz.call("get", url, "2.71").json()["server"]["server_groups"] == \
        [_group(gz, "spread")["id"]]
    assert "server_groups" not in gz.call("get", url, "2.70").json()["server"]


# -- hard anti-affinity -------------------------------------------------------
def test_anti_affinity_refuses_live_migration_to_a_member_host(gz):
    response = _live(gz, "spread-1", host="compute-1")
    assert response.status_code == 400          # checks are sync below 2.34
    assert "ServerGroupAntiAffinityFilter" in _message(response)
    assert _message(response).startswith("No valid host was found.")
    assert gz.last_migration("spread-1")["status"] == "error"
    server = gz.server_named("spread-1")
    assert server.status == "ACTIVE" and server.compute_host == "compute-0"


def test_anti_affinity_scheduler_skips_the_roomiest_member_host(start_gz):
    def roomy_member_host(scenario):
        scenario["hosts"][1]["memory_mb"] = 131072   # compute-1: spread-2
    mock = start_gz(roomy_member_host)
    assert _live(mock, "spread-1").status_code == 202
    assert mock.last_migration("spread-1")["dest_compute"] == "compute-3"


def test_anti_affinity_cold_migration_to_member_host_ends_in_error(gz):
    # nova casts resize/migrate to conductor (since Ussuri): 202, and the
    # migration record ends 'error' when scheduling fails
    response = _cold(gz, "spread-1", host="compute-1")
    assert response.status_code == 202
    gz.control.advance(1.0)
    mig = gz.last_migration("spread-1")
    assert mig["status"] == "error"
    assert "ServerGroupAntiAffinityFilter" in mig["error"]
    server = gz.server_named("spread-1")
    assert server.status == "ACTIVE" and server.task_state is None
    assert server.compute_host == "compute-0"


def test_forced_live_migration_meets_the_compute_late_check(gz):
    response = _live(gz, "spread-1", host="compute-1", force=True)
    assert response.status_code == 400
    assert _message(response).startswith(
        "Migration pre-check error: Failed to validate instance group "
        "policy due to:")
    assert "Anti-affinity instance group policy was violated." in \
        _message(response)


def test_max_server_per_host_two_admits_a_second_member(start_gz):
    def rule(scenario):
        scenario["server_groups"][0]["max_server_per_host"] = 2
    mock = start_gz(rule)
    assert _live(mock, "spread-1", host="compute-1").status_code == 202
    mock.control.advance(10)
    assert mock.last_migration("spread-1")["status"] == "completed"
    assert mock.server_named("spread-1").compute_host == "compute-1"


def test_late_check_counts_a_member_still_migrating_in(gz):
    # spread-2 is on its way to compute-2: the filter does not see it there
    # yet, the destination compute's check does
    assert _live(gz, "spread-2", host="compute-2").status_code == 202
    response = _live(gz, "spread-1", host="compute-2", force=True)
    assert response.status_code == 400
    assert "Anti-affinity instance group policy was violated." in \
        _message(response)


# -- soft policies ------------------------------------------------------------
def test_soft_anti_affinity_never_refuses(gz):
    assert _live(gz, "loose-1", host="compute-1").status_code == 202
    gz.control.advance(10)
    assert gz.server_named("loose-1").compute_host == "compute-1"


def test_soft_anti_affinity_prefers_a_host_without_members(start_gz):
    def roomy_member_host(scenario):
        # compute-1 (holding loose-2) has the most free RAM
        scenario["hosts"][1]["memory_mb"] = 131072
    mock = start_gz(roomy_member_host)
    assert _live(mock, "loose-1").status_code == 202
    assert mock.last_migration("loose-1")["dest_compute"] != "compute-1"


def test_soft_affinity_never_refuses(start_gz):
    def soften(scenario):
        scenario["server_groups"][1]["policy"] = "soft-affinity"
    mock = start_gz(soften)
    assert _live(mock, "pair-1").status_code == 202
    assert _cold(mock, "pair-2", host="compute-1").status_code == 202
    mock.control.advance(10)
    assert mock.server_named("pair-2").status == "VERIFY_RESIZE"


# -- hard affinity ------------------------------------------------------------
def test_affinity_member_cannot_move(gz):
    # the group's hosts include the moving member's own: only compute-2,
    # which is the source
    response = _live(gz, "pair-1")
    assert response.status_code == 400
    assert "ServerGroupAffinityFilter" in _message(response)
    assert _cold(gz, "pair-2").status_code == 202
    gz.control.advance(1.0)
    assert gz.last_migration("pair-2")["status"] == "error"
    assert gz.server_named("pair-2").compute_host == "compute-2"


def test_evacuating_an_affinity_member_fails_into_error(gz):
    gz.control.host_down("compute-2")
    response = gz.call("post", "/servers/%s/action" % _id(gz, "pair-1"),
                       "2.29", {"evacuate": {}})
    assert response.status_code == 200
    gz.control.advance(1.0)
    assert gz.last_migration("pair-1")["status"] == "error"
    # conductor rebuild_instance: NoValidHost sets vm_state ERROR
    server = gz.call("get", "/servers/%s" % _id(gz, "pair-1"),
                     "2.29").json()["server"]
    assert server["status"] == "ERROR"
    assert server["OS-EXT-STS:task_state"] is None
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"] == (
        "No valid host was found. There are not enough hosts available.")
    assert server["OS-EXT-SRV-ATTR:host"] == "compute-2"


# -- availability zones -------------------------------------------------------
def test_pinned_instance_stays_in_its_zone(gz):
    response = _live(gz, "pinned-1", host="compute-3")
    assert response.status_code == 400
    assert "availability zone az2, not nova" in _message(response)
    assert _cold(gz, "pinned-1", host="compute-3").status_code == 202
    gz.control.advance(1.0)
    assert gz.last_migration("pinned-1")["status"] == "error"
    # scheduled without a host: never compute-3, though it is the roomiest
    assert _live(gz, "pinned-1").status_code == 202
    assert gz.last_migration("pinned-1")["dest_compute"] != "compute-3"


def test_forced_move_skips_the_zone(gz):
    assert _live(gz, "pinned-1", host="compute-3",
                 force=True).status_code == 202
    gz.control.advance(10)
    server = gz.call("get", "/servers/%s" % _id(gz, "pinned-1"),
                     "2.96").json()["server"]
    assert server["OS-EXT-AZ:availability_zone"] == "az2"
    assert server["pinned_availability_zone"] == "nova"


def test_default_zone_without_aggregate_does_not_pin(start_gz):
    def plain(scenario):
        del scenario["default_zone_aggregate"]
    mock = start_gz(plain)
    # no aggregate carries "nova": the placement request filter adds nothing
    assert _live(mock, "pinned-1", host="compute-3").status_code == 202


def test_pinned_availability_zone_from_2_96(gz):
    pinned = "/servers/%s" % _id(gz, "pinned-1")
    other = "/servers/%s" % _id(gz, "spread-1")
    assert gz.call("get", pinned, "2.96").json()["server"][
        "pinned_availability_zone"] == "nova"
    assert gz.call("get", other, "2.96").json()["server"][
        "pinned_availability_zone"] is None
    assert "pinned_availability_zone" not in gz.call(
        "get", pinned, "2.95").json()["server"]
    detail = gz.call("get", "/servers/detail", "2.96").json()["servers"]
    assert {s["name"]: s["pinned_availability_zone"] for s in detail}[
        "pinned-1"] == "nova"


def test_availability_zone_detail_shape(gz):
    info = gz.call("get", "/os-availability-zone/detail").json()[
        "availabilityZoneInfo"]
    assert [z["zoneName"] for z in info] == ["az2", "internal", "nova"]
    zones = {z["zoneName"]: z for z in info}
    assert zones["az2"]["zoneState"] == {"available": True}
    assert set(zones["nova"]["hosts"]) == {"compute-0", "compute-1",
                                           "compute-2"}
    service = zones["az2"]["hosts"]["compute-3"]["nova-compute"]
    assert set(service) == {"available", "active", "updated_at"}
    assert service["available"] is True and service["active"] is True
    assert set(zones["internal"]["hosts"]["controller-0"]) == {
        "nova-scheduler", "nova-conductor"}


def test_availability_zone_summary_and_unavailable_zone(gz):
    summary = gz.call("get", "/os-availability-zone").json()[
        "availabilityZoneInfo"]
    assert summary == [
        {"zoneName": "az2", "zoneState": {"available": True}, "hosts": None},
        {"zoneName": "nova", "zoneState": {"available": True},
         "hosts": None}]
    svc = gz.control.host("compute-3")["service_id"]
    assert gz.call("put", "/os-services/%s" % svc, "2.53",
                   {"status": "disabled"}).status_code == 200
    gz.control.host_down("compute-0")
    detail = {z["zoneName"]: z for z in gz.call(
        "get", "/os-availability-zone/detail").json()["availabilityZoneInfo"]}
    assert detail["az2"] == {"zoneName": "az2",
                             "zoneState": {"available": False},
                             "hosts": None}
    compute0 = detail["nova"]["hosts"]["compute-0"]["nova-compute"]
    assert compute0["available"] is False and compute0["active"] is True


# -- no valid host for a cold migration ---------------------------------------
def test_cold_migration_to_a_full_host_is_accepted_then_error(start_gz):
    def fill(scenario):
        scenario["hosts"][2]["memory_mb"] = 4096 + 2048 * 2   # pair only
    mock = start_gz(fill)
    response = _cold(mock, "plain-1", host="compute-2")
    # nova: resize() casts to conductor, NoValidHost is not an API error
    assert response.status_code == 202
    assert mock.server_named("plain-1").status == "RESIZE"
    mock.control.advance(1.0)
    mig = mock.last_migration("plain-1")
    assert mig["status"] == "error"
    assert mig["error"].startswith("No valid host was found. No valid host "
                                   "found for cold migrate")
    server = mock.server_named("plain-1")
    assert server.status == "SHUTOFF" and server.compute_host == "compute-0"
    assert mock.control.state()["allocations"][server.id] == {
        "compute-0": {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}


# -- scenario validation ------------------------------------------------------
@pytest.mark.parametrize("change, text", [
    (lambda s: s["server_groups"][0].update(colour="red"), "unknown key"),
    (lambda s: s["server_groups"][0]["members"].append("ghost-9"),
     "unknown member"),
    (lambda s: s["server_groups"][1].update(max_server_per_host=2),
     "only for the anti-affinity"),
    (lambda s: s["server_groups"][0].update(max_server_per_host=0),
     ">= 1"),
    (lambda s: s["server_groups"][0].update(policy="legacy"),
     "policy must be"),
    (lambda s: s["server_groups"][1]["members"].append("spread-1"),
     "is in server groups"),
    (lambda s: s["instances"][0].update(availability_zone="az9"),
     "unknown availability_zone"),
])
def test_scenario_rejects_bad_groups_and_zones(change, text):
    scenario = copy.deepcopy(_scenario())
    change(scenario)
    with pytest.raises(ScenarioError, match=text):
        normalize(scenario)
