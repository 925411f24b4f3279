"""Fixtures: a fresh nova mock per test, on 127.0.0.1, in a thread."""

import os

import pytest

from nova_mock_helpers import SCENARIO_FILE, RunningMock, load_scenario
from tests.mocks.nova import MockServer

for _var in ("no_proxy", "NO_PROXY"):
    os.environ[_var] = ",".join(
        x for x in (os.environ.get(_var), "127.0.0.1", "localhost") if x)


@pytest.fixture
def start_mock():
    """Factory: start_mock(mutate=None, scenario_file=None, **overrides) -> RunningMock (the sample scenario
    unless another file is named)."""
    servers = []

    def start(mutate=None, scenario_file=None, **overrides):
        overrides.setdefault("time_scale", 40)
        scenario = load_scenario(scenario_file or SCENARIO_FILE, **overrides)
        if mutate:
            mutate(scenario)
        server = MockServer(scenario).start()
        servers.append(server)
        return RunningMock(server)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def mock(start_mock):
    """The sample scenario, time running 40x."""
    return start_mock()


@pytest.fixture
def frozen(start_mock):
    """The sample scenario with time frozen: it moves only by advance()."""
    return start_mock(time_scale=0)
