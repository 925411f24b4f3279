"""Launch and drive the vcsimx vSphere mock (tests/mocks/vsphere/vcsimx).

Used by tests (``from tests.mocks.vsphere import VSphereMock``) and standalone::

    python tests/mocks/vsphere/control.py vmotion_blockers          # or a path to .yaml/.json
    python tests/mocks/vsphere/control.py basic --plain-http

The mock serves the vSphere SOAP API on 127.0.0.1 (HTTPS with a throw-away
self-signed certificate unless plain_http) to real pyvmomi clients.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD_SCRIPT = os.path.join(HERE, "build.sh")
SCENARIO_DIR = os.path.join(HERE, "scenarios")
DEFAULT_BINARY = os.path.join(REPO, "build", "vcsimx")


def build(timeout: float = 900) -> str:
    """Build the mock if needed (see build.sh) and return the binary path."""
    proc = subprocess.run(
        ["sh", BUILD_SCRIPT], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building vcsimx failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc.stdout.strip().splitlines()[-1]


def load_scenario(source) -> dict:
    """Return a scenario dict from a dict, a file path, or a name in scenarios/."""
    if isinstance(source, dict):
        return copy.deepcopy(source)
    path = os.fspath(source)
    if not os.path.exists(path):
        for ext in ("", ".yaml", ".yml", ".json"):
            candidate = os.path.join(SCENARIO_DIR, path + ext)
            if os.path.exists(candidate):
                path = candidate
                break
        else:
            raise FileNotFoundError(f"no scenario {source!r} (looked in {SCENARIO_DIR})")
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            return json.load(f)
        import yaml  # only needed for YAML scenarios

        return yaml.safe_load(f)


class VSphereMock:
    """One running vcsimx process built from a scenario.

    >>> with VSphereMock("vmotion_blockers") as mock:
    ...     si = mock.connect()
    """

    def __init__(self, scenario, binary: str | None = None, plain_http: bool = False):
        self.scenario = load_scenario(scenario)
        self.binary = binary or DEFAULT_BINARY
        self.plain_http = plain_http
        creds = self.scenario.get("credentials") or {}
        self.username = creds.get("username") or "administrator@vsphere.local"
        self.password = creds.get("password") or "VMware1!"
        self.url: str | None = None
        self._proc: subprocess.Popen | None = None
        self._dir: str | None = None
        self._log = None

    # -- lifecycle -----------------------------------------------------
    def start(self, timeout: float = 60) -> "VSphereMock":
        if self._proc is not None:
            return self
        if not os.path.exists(self.binary):
            raise FileNotFoundError(f"{self.binary} missing: run {BUILD_SCRIPT} (or control.build())")
        self._dir = tempfile.mkdtemp(prefix="vcsimx-run-")
        scenario_file = os.path.join(self._dir, "scenario.json")
        with open(scenario_file, "w", encoding="utf-8") as f:
            json.dump(self.scenario, f)
        url_file = os.path.join(self._dir, "url")
        cmd = [
            self.binary,
            "-scenario", scenario_file,
            "-listen", "127.0.0.1:0",
            "-url-file", url_file,
            "-data-dir", os.path.join(self._dir, "datastores"),
        ]
        if self.plain_http:
            cmd.append("-plain-http")
        self._log = open(os.path.join(self._dir, "vcsimx.log"), "w+b")
        self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(url_file):
                with open(url_file, encoding="utf-8") as f:
                    self.url = f.read().strip()
                return self
            if self._proc.poll() is not None:
                log = self.log_text()
                self._cleanup()
                raise RuntimeError(f"vcsimx exited with {self._proc.returncode}:\n{log[-4000:]}")
            time.sleep(0.05)
        log = self.log_text()
        self.stop()
        raise TimeoutError(f"vcsimx not ready after {timeout}s:\n{log[-4000:]}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> "VSphereMock":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_text(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        data = self._log.read().decode("utf-8", "replace")
        self._log.seek(0, os.SEEK_END)
        return data

    # -- connection details ---------------------------------------------
    @property
    def _parsed(self):
        if not self.url:
            raise RuntimeError("mock not started")
        return urllib.parse.urlsplit(self.url)

    @property
    def host(self) -> str:
        return self._parsed.hostname

    @property
    def port(self) -> int:
        return self._parsed.port

    @property
    def protocol(self) -> str:
        return self._parsed.scheme

    def connection_params(self) -> dict:
        """Arguments in the shape of the vmware modules' common options."""
        return {
            "hostname": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "validate_certs": False,
        }

    def connect(self, user: str | None = None, pwd: str | None = None):
        """pyvmomi ServiceInstance (certificate validation off: self-signed)."""
        from pyVim.connect import SmartConnect

        kwargs = {}
        if self.protocol == "https":
            kwargs["disableSslCertValidation"] = True
        return SmartConnect(
            protocol=self.protocol,
            host=self.host,
            port=self.port,
            user=self.username if user is None else user,
            pwd=self.password if pwd is None else pwd,
            **kwargs,
        )

    # -- out-of-band control (things outside the vSphere API) ---------------
    def _control(self, path: str, payload: dict | None = None, method: str | None = None):
        url = f"{self.protocol}://{self.host}:{self.port}/_vcsimx/{path}"
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method=method)
        handlers = [urllib.request.ProxyHandler({})]  # loopback: never through a proxy
        if self.protocol == "https":
            handlers.append(urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))
        with urllib.request.build_opener(*handlers).open(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def state(self) -> dict:
        """{"hosts": [{name, moref, vmotion_network_blocked, connection_state, ...}]}"""
        return self._control("state")

    def set_host(self, name: str, **fields) -> None:
        """Change vmotion_network_blocked, connection_state or clock_offset_seconds."""
        self._control("host", {"name": name, **fields})

    def soap_calls(self) -> dict:
        """SOAP calls received since the last clear_soap_calls(): {"calls": {method: count}, "total": n}."""
        return self._control("calls")

    def clear_soap_calls(self) -> None:
        self._control("calls", method="DELETE")


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Run the vcsimx vSphere mock until interrupted.")
    parser.add_argument("scenario", help="scenario name in scenarios/ or a .yaml/.json path")
    parser.add_argument("--plain-http", action="store_true")
    args = parser.parse_args(argv)
    binary = build()
    mock = VSphereMock(args.scenario, binary=binary, plain_http=args.plain_http).start()
    print(json.dumps({"url": mock.url, **mock.connection_params()}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while mock._proc is not None and mock._proc.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        mock.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
