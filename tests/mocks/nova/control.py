"""Client for the mock's /_mock control API, and a subprocess launcher.

    control = MockControl(url)
    conn = control.connect()                 # a real openstacksdk Connection
    control.host_down("compute-1"); control.set_dirty("db-1")
    control.wait_for(lambda s: s["instances"]["web-1"]["host"] == "compute-2")
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                         "..", "..", ".."))


class MockControlError(RuntimeError):
    """The control API answered with an error."""


class MockControl:
    """Thin JSON client for one running mock."""

    def __init__(self, url, timeout=10.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/_mock" + path, data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise MockControlError("%s %s -> %s: %s" % (
                method, path, exc.code, exc.read().decode())) from None
        return json.loads(raw) if raw else None

    # -- reading --------------------------------------------------------------
    def state(self):
        return self._call("GET", "/state")

    def auth(self):
        """Keyword arguments for openstack.connect()."""
        return self._call("GET", "/auth")

    def instance(self, name):
        return self.state()["instances"][name]

    def host(self, name):
        return self.state()["hosts"][name]

    def migrations(self, instance=None):
        migs = self.state()["migrations"]
        return [m for m in migs if instance in (None, m["instance"],
                                                m["instance_uuid"])]

    def downtime(self, instance=None):
        """Downtime events of one instance, or the cloud-wide summary."""
        state = self.state()
        if instance is None:
            return state["downtime"]
        inst = state["instances"].get(instance)
        if inst is None:
            inst = next(i for i in state["instances"].values()
                        if i["id"] == instance)
        return inst["downtime"]

    def requests(self):
        return self._call("GET", "/requests")["requests"]

    def clear_requests(self):
        self._call("DELETE", "/requests")

    def connect(self, **overrides):
        """A real openstacksdk connection to the mock."""
        import openstack
        kwargs = self.auth()
        kwargs.update(overrides)
        return openstack.connect(**kwargs)

    def wait_for(self, predicate, timeout=10.0, interval=0.02):
        """Poll the state until predicate(state) is true; return that state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                raise TimeoutError("mock state never matched; last: %s"
                                   % json.dumps(state)[:2000])
            time.sleep(interval)

    # -- changing -------------------------------------------------------------
    def host_down(self, name):
        return self._call("POST", "/hosts/%s/down" % name, {})

    def host_up(self, name):
        return self._call("POST", "/hosts/%s/up" % name, {})

    def reboot(self, name, down_seconds=None):
        body = {} if down_seconds is None else {"down_seconds": down_seconds}
        return self._call("POST", "/hosts/%s/reboot" % name, body)

    def set_dirty(self, instance, dirty=True):
        return self._call("POST", "/instances/%s/dirty" % instance,
                          {"dirty": dirty})

    def add_fault(self, **fault):
        return self._call("POST", "/faults", fault)

    def clear_faults(self):
        self._call("DELETE", "/faults")

    def api_down(self, mode="503"):
        return self._call("POST", "/api/down", {"mode": mode})

    def api_up(self):
        return self._call("POST", "/api/up", {})

    def advance(self, seconds):
        return self._call("POST", "/advance", {"seconds": seconds})["time"]

    def reset(self, scenario=None):
        body = {} if scenario is None else {"scenario": scenario}
        return self._call("POST", "/reset", body)

    def stop(self):
        try:
            self._call("POST", "/stop", {})
        except (OSError, MockControlError):
            pass


def start_subprocess(scenario_path, url_file=None, timeout=20.0,
                     extra_args=()):
    """Run `python -m tests.mocks.nova` and wait for its URL file.

    Returns (process, MockControl). Stop it with control.stop() and
    process.wait(), or process.terminate().
    """
    if url_file is None:
        handle, url_file = tempfile.mkstemp(suffix=".url")
        os.close(handle)
        os.unlink(url_file)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.mocks.nova", "--scenario",
         str(scenario_path), "--port", "0", "--url-file", str(url_file)]
        + list(extra_args), cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not os.path.exists(url_file):
        if process.poll() is not None:
            raise RuntimeError("mock exited with %s" % process.returncode)
        if time.monotonic() > deadline:
            process.terminate()
            raise TimeoutError("mock did not write %s" % url_file)
        time.sleep(0.05)
    with open(url_file, encoding="utf-8") as handle:
        url = handle.read().strip()
    return process, MockControl(url)
