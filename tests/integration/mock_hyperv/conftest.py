"""One mock Hyper-V cluster server for the session (started as `python -m tests.mocks.hyperv`),
reset to a scenario before each test through the control API; clients are the real pywinrm."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import winrm

from tests.mocks.hyperv.control import MockControl

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / 'tests' / 'mocks' / 'hyperv' / 'scenarios'
USER = 'CONTOSO\\Administrator'
PASSWORD = 'Passw0rd!'


class Mock:
    """A reset mock cluster: its WinRM URL, its control client and PowerShell helpers."""

    def __init__(self, url: str):
        self.url = url
        self.control = MockControl(url)

    def session(self, password: str = PASSWORD, transport: str = 'credssp') -> winrm.Session:
        """An operator's session: CredSSP (delegated, as the modules connect) unless told otherwise."""
        return winrm.Session(self.url, auth=(USER, password), transport=transport)

    def protocol(self, transport: str = 'credssp', **options) -> winrm.Protocol:
        return winrm.Protocol(self.url, transport=transport, username=USER, password=PASSWORD, **options)

    def ps(self, script: str) -> winrm.Response:
        return self.session().run_ps(script)

    def ps_ok(self, script: str) -> str:
        result = self.ps(script)
        assert result.status_code == 0, result.std_err.decode(errors='replace')
        return result.std_out.decode()

    def ps_json(self, script: str):
        return json.loads(self.ps_ok(script))


@pytest.fixture(scope='session')
def mock_url(tmp_path_factory) -> str:
    url_file = tmp_path_factory.mktemp('mock_hyperv') / 'url'
    proc = subprocess.Popen(
        [sys.executable, '-m', 'tests.mocks.hyperv', '--scenario', str(SCENARIOS / 'small_3node.yaml'),
         '--port', '0', '--url-file', str(url_file)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not url_file.exists():
        if proc.poll() is not None:
            raise RuntimeError(f'mock server exited: {proc.stderr.read().decode()}')
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError('mock server did not write its URL in time')
        time.sleep(0.05)
    url = url_file.read_text().strip()
    yield url
    try:
        MockControl(url).stop()
        proc.wait(timeout=10)
    except Exception:
        proc.kill()


def _reset(url: str, name: str) -> Mock:
    mock = Mock(url)
    mock.control.reset(str(SCENARIOS / name))
    return mock


@pytest.fixture
def small(mock_url) -> Mock:
    """Three nodes, a few VMs, no CAU role."""
    return _reset(mock_url, 'small_3node.yaml')


@pytest.fixture
def seed(mock_url) -> Mock:
    """Seed 000's tight cluster: 10 nodes at ~89% memory with one node down, CAU role with defaults."""
    return _reset(mock_url, 'seed_tight_10node.yaml')


@pytest.fixture(scope='session')
def fresh(mock_url):
    """Reset the server to a scenario (file name under scenarios/) and return its Mock; for module fixtures."""
    return lambda name='small_3node.yaml': _reset(mock_url, name)
