"""Fixtures: one mock Hyper-V cluster (WinRM) for the session, reset to a scenario before each test, and the
connection arguments every Hyper-V module takes."""

import os

import pytest

from module_runner import ROOT
from tests.mocks.hyperv.control import MockControl
from tests.mocks.hyperv.server import start_in_thread

SCENARIOS = os.path.join(ROOT, "tests", "mocks", "hyperv", "scenarios")
USER = "CONTOSO\\Administrator"
PASSWORD = "Passw0rd!"


class HyperV:
    """A reset mock cluster: module arguments, the control API, and a PowerShell shortcut for set-up steps."""

    def __init__(self, url):
        self.url = url
        self.port = int(url.split(":")[2].split("/")[0])
        self.control = MockControl(url)
        self.args = {"host": "127.0.0.1", "port": self.port, "scheme": "http", "transport": "credssp",
                     "username": USER, "password": PASSWORD}

    def ps(self, script):
        """Run a set-up script as an operator would (the real pywinrm); its stdout, asserting success."""
        import winrm
        result = winrm.Session(self.url, auth=(USER, PASSWORD), transport="credssp").run_ps(script)
        assert result.status_code == 0, result.std_err.decode(errors="replace")
        return result.std_out.decode()

    def state(self):
        return self.control.state()

    def owners(self):
        """VM name -> owner node, from the mock's own state."""
        return dict((vm["name"], vm["owner"]) for vm in self.state()["vms"])

    def cau_settings(self):
        role = self.state()["cau"]["role"]
        return None if role is None else role["settings"]

    def commands_sent(self):
        return self.control.commands()


@pytest.fixture(scope="session")
def hyperv_url():
    server, url = start_in_thread(os.path.join(SCENARIOS, "small_3node.yaml"))
    yield url
    server.shutdown()


def _reset(url, name, idle_speed=0.0):
    mock = HyperV(url)
    mock.control.reset(os.path.join(SCENARIOS, name))
    mock.control.set_idle_speed(idle_speed)
    return mock


@pytest.fixture
def small(hyperv_url):
    """Three nodes, a few VMs (anti-affinity, preferred owners, two adapters each), no CAU role."""
    return _reset(hyperv_url, "small_3node.yaml")


@pytest.fixture
def seed(hyperv_url):
    """Seed 000's tight cluster: 10 nodes at ~89% memory with one node down, CAU role as the GUI leaves it."""
    return _reset(hyperv_url, "seed_tight_10node.yaml")


@pytest.fixture
def flowing(hyperv_url):
    """Factory: a scenario whose simulated time flows while no script runs (migrations the modules poll finish)."""
    return lambda name="seed_tight_10node.yaml", speed=300.0: _reset(hyperv_url, name, speed)
