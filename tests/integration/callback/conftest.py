"""Fixtures: the four-host nova mock, slow enough (time scale 2) for a drain to show its moves at each check."""

import os

import pytest
import yaml

from tests.mocks.nova import MockServer
from tests.mocks.nova.control import MockControl

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

SCENARIO = os.path.join(ROOT, "tests", "mocks", "nova", "scenarios", "four_hosts.yaml")

for _var in ("no_proxy", "NO_PROXY"):
    os.environ[_var] = ",".join(x for x in (os.environ.get(_var), "127.0.0.1", "localhost") if x)


@pytest.fixture
def slow_nova():
    """(connection arguments, mock URL, control) of a running mock at time scale 2."""
    with open(SCENARIO, encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    scenario["time_scale"] = 2
    server = MockServer(scenario).start()
    control = MockControl(server.url)
    auth = control.auth()
    connection = {"auth": dict((k, auth[k]) for k in ("auth_url", "username", "password", "project_name",
                                                      "user_domain_name", "project_domain_name")),
                  "region_name": auth["region_name"]}
    yield connection, server.url, control
    server.stop()
