"""Fixtures: the vcsimx vSphere mock, built once per session, a fresh process per test."""

import pytest

from tests.mocks.vsphere import VSphereMock, build, load_scenario


@pytest.fixture(scope="session")
def vcsimx_binary():
    """Build the mock when missing or stale (first build compiles govmomi)."""
    return build()


@pytest.fixture
def start_mock(vcsimx_binary):
    """Factory: start_mock(scenario="vmotion_blockers", mutate=None, plain_http=False) -> VSphereMock."""
    mocks = []

    def start(scenario="vmotion_blockers", mutate=None, plain_http=False):
        data = load_scenario(scenario)
        # tests run fast: quick copies and short stalls
        data.setdefault("migration", {}).update({"speed_mb_per_s": 16384, "stall_seconds": 0.3, "cold_seconds": 0.1})
        if mutate:
            mutate(data)
        mock = VSphereMock(data, binary=vcsimx_binary, plain_http=plain_http)
        mocks.append(mock)
        return mock.start()

    yield start
    logs = {}
    for mock in mocks:
        logs[mock.url] = mock.log_text()
        mock.stop()
    for url, log in logs.items():
        assert "panic" not in log, f"vcsimx at {url} panicked:\n{log[-4000:]}"


@pytest.fixture
def vmotion_blockers(start_mock):
    """The seed-003 scenario: four hosts, each vMotion failure case planted."""
    return start_mock("vmotion_blockers")


@pytest.fixture
def si(vmotion_blockers):
    service_instance = vmotion_blockers.connect()
    yield service_instance
    try:
        service_instance.content.sessionManager.Logout()
    except Exception:  # pragma: no cover - the mock may already be gone
        pass
