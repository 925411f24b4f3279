"""Fixtures: the nova mock started per test, and the connection arguments modules take."""

import os

import pytest
import yaml

from module_runner import ROOT
from tests.mocks.nova import MockServer
from tests.mocks.nova.control import MockControl

SCENARIO = os.path.join(ROOT, "tests", "mocks", "nova", "scenarios", "four_hosts.yaml")


class Nova:
    """A running mock with what the module tests need."""

    def __init__(self, server):
        self.server = server
        self.control = MockControl(server.url)
        auth = self.control.auth()
        self.auth = dict((k, auth[k]) for k in ("auth_url", "username", "password", "project_name",
                                                "user_domain_name", "project_domain_name"))
        self.args = {"auth": dict(self.auth), "region_name": auth["region_name"]}

    def placement_of(self):
        """Instance name -> (host, status) from the mock's own state."""
        return dict((name, (item["host"], item["status"])) for name, item in self.control.state()["instances"].items())


def _start(time_scale, timing=None, scenario_file=SCENARIO, mutate=None):
    with open(scenario_file, encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    scenario["time_scale"] = time_scale
    scenario.setdefault("timing", {}).update(timing or {})
    if mutate:
        mutate(scenario)
    return MockServer(scenario).start()


@pytest.fixture
def nova():
    server = _start(60)
    yield Nova(server)
    server.stop()


@pytest.fixture
def grouped_nova():
    """Server groups and availability zones (scenarios/groups_zones.yaml)."""
    server = _start(60, scenario_file=os.path.join(os.path.dirname(SCENARIO), "groups_zones.yaml"))
    yield Nova(server)
    server.stop()


@pytest.fixture
def nova_with():
    """A factory: the same cluster with other timings (time scale, then timing keys of the scenario), changed by
    mutate(scenario) when given."""
    servers = []

    def start(time_scale, mutate=None, **timing):
        servers.append(_start(time_scale, timing, mutate=mutate))
        return Nova(servers[-1])
    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def slow_nova():
    """The same cluster at time scale 2, so that a drain lasts long enough for an outage in its middle."""
    server = _start(2)
    yield Nova(server)
    server.stop()
