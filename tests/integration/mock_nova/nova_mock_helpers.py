"""Helpers shared by the nova mock tests (imported by conftest and tests)."""

import functools
import os
import time

import yaml

from tests.mocks.nova.control import MockControl

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                    ".."))
SCENARIO_FILE = os.path.join(ROOT, "tests", "mocks", "nova", "scenarios",
                             "four_hosts.yaml")


def wait_until(predicate, timeout=10.0, interval=0.02):
    """Poll `predicate` until it returns a truthy value; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        time.sleep(interval)


class RunningMock:
    """A started mock: its URL, its control client and an SDK connection."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.control = MockControl(server.url)

    @functools.cached_property
    def conn(self):
        return self.control.connect()

    def server_named(self, name):
        uuid = self.control.instance(name)["id"]
        return self.conn.compute.get_server(uuid)

    def call(self, method, path, microversion=None, json=None,
             service="compute"):
        """A raw request through the SDK's session (no exception on errors)."""
        proxy = getattr(self.conn, service)
        kwargs = {"raise_exc": False}
        if microversion:
            kwargs["microversion"] = microversion
        if json is not None or method in ("post", "put"):
            kwargs["json"] = json
        return getattr(proxy, method)(path, **kwargs)

    def last_migration(self, name):
        return self.control.migrations(name)[-1]

    def wait_migration(self, name, statuses, timeout=10.0):
        """Wait until the instance's last migration reaches one of statuses."""
        return wait_until(lambda: self.control.migrations(name) and (
            self.last_migration(name)
            if self.last_migration(name)["status"] in statuses else None),
            timeout=timeout)


def load_scenario(scenario_file=SCENARIO_FILE, **overrides):
    with open(scenario_file, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data.update(overrides)
    return data
