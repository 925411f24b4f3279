"""Session fixture ``realnova``: a real nova (Zed) on 127.0.0.1 from tools/realnova/stack.py.

REALNOVA_SKIP=1 skips the tests that use it; REALNOVA_KEEP=1 leaves the stack running after the session
(the next session's start is then quick); REALNOVA_STATE_DIR picks another state dir. Run the tests that
use it serially: they share one cloud (and clean it between tests).
"""

import importlib.util
import os
import sys

import pytest


def _load_harness():
    # Loaded by path under its own name: tests/faults has a ``harness`` module too, and one pytest run may
    # collect both directories.
    if "realnova_harness" not in sys.modules:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")
        spec = importlib.util.spec_from_file_location("realnova_harness", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["realnova_harness"] = module
        spec.loader.exec_module(module)
    return sys.modules["realnova_harness"]


_harness = _load_harness()
RealNova, RealNovaError = _harness.RealNova, _harness.RealNovaError
run_stack, state_dir_from_env = _harness.run_stack, _harness.state_dir_from_env


def _keep():
    return os.environ.get("REALNOVA_KEEP") == "1"


@pytest.fixture(scope="session")
def realnova():
    if os.environ.get("REALNOVA_SKIP") == "1":
        pytest.skip("REALNOVA_SKIP=1: the real nova stack is not started")
    try:
        nova = RealNova.start()
    except RealNovaError as exc:
        if not _keep():
            run_stack("stop")
        pytest.fail("the real nova stack did not start (REALNOVA_KEEP=1 leaves it up for inspection): %s"
                    % exc, pytrace=False)
    nova.delete_all_servers()
    nova.reset_services()
    nova.wait_services_up()
    yield nova
    # Under pytest-xdist every worker has its own session: only the controller stops the stack (below).
    if not _keep() and not os.environ.get("PYTEST_XDIST_WORKER"):
        nova.stop()


@pytest.fixture
def clean_realnova(realnova):
    """``realnova`` with no servers and every compute service enabled, up, not forced down, before and
    after the test."""
    realnova.delete_all_servers()
    realnova.reset_services()
    realnova.wait_services_up(enabled=True)
    yield realnova
    realnova.delete_all_servers()
    realnova.reset_services()


def pytest_sessionfinish(session):
    config = session.config
    controller_of_workers = not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None)
    if controller_of_workers and not _keep() and os.path.exists(os.path.join(state_dir_from_env(), "pids")):
        try:
            run_stack("stop")
        except RealNovaError:
            pass
