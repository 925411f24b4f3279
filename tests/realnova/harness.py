"""Test-side handle on the real nova of tools/realnova/stack.py (see tests/realnova/README.md).

``RealNova.start()`` runs ``stack.py start`` (idempotent: quick when the stack is already up), reads the
stack's env.json and offers openstacksdk connections and the few operations tests repeat: placing a
server on a given host, cleaning up, restarting a nova-compute, waiting for the compute services.
"""

import json
import os
import subprocess
import time

import openstack
from openstack import exceptions as sdk_exceptions

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_PY = os.path.join(REPO, "tools", "realnova", "stack.py")
OS_PYTHON = "/usr/bin/python3"
DEFAULT_STATE_DIR = os.path.join(REPO, "build", "realnova")
BOOT_MICROVERSION = "2.37"  # networks='none' needs 2.37; an availability zone "nova:HOST" places the server


class RealNovaError(RuntimeError):
    pass


def state_dir_from_env():
    return os.environ.get("REALNOVA_STATE_DIR") or DEFAULT_STATE_DIR


def run_stack(*args, state_dir=None, timeout=600):
    """Runs tools/realnova/stack.py with Debian's python; raises RealNovaError with its output on failure."""
    argv = [OS_PYTHON, STACK_PY, "--state-dir", state_dir or state_dir_from_env()] + list(args)
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RealNovaError("`%s` failed (exit %d):\n%s" % (" ".join(argv[1:]), proc.returncode, tail))
    return proc


class RealNova:
    """The running stack. ``env`` is the stack's env.json (auth_url, username, password, project_name,
    user_domain_name, project_domain_name, region_name, computes, ports, image_id, flavors ...)."""

    def __init__(self, env, state_dir=None):
        self.env = env
        self.state_dir = state_dir or env.get("state_dir") or state_dir_from_env()
        self._conns = {}

    # ---- lifecycle
    @classmethod
    def start(cls, state_dir=None, fresh=False, timeout=None):
        state_dir = state_dir or state_dir_from_env()
        args = ["start"] + (["--fresh"] if fresh else [])
        if timeout:
            args += ["--timeout", str(timeout)]
        run_stack(*args, state_dir=state_dir)
        return cls.load(state_dir)

    @classmethod
    def load(cls, state_dir=None):
        state_dir = state_dir or state_dir_from_env()
        with open(os.path.join(state_dir, "env.json")) as fh:
            return cls(json.load(fh), state_dir)

    def stop(self):
        self._conns.clear()
        run_stack("stop", state_dir=self.state_dir)

    # ---- connection data
    @property
    def computes(self):
        return list(self.env["computes"])

    @property
    def image_id(self):
        return self.env["image_id"]

    @property
    def auth(self):
        keys = ("auth_url", "username", "password", "project_name", "user_domain_name", "project_domain_name")
        return {key: self.env[key] for key in keys}

    @property
    def cloud_args(self):
        """Connection options as the collection's modules take them (``auth``, ``region_name``)."""
        return {"auth": self.auth, "region_name": self.env["region_name"]}

    def conn(self, microversion=None):
        """An openstack.connection.Connection as admin. With ``microversion`` the compute proxy sends that
        microversion by default; without, openstacksdk negotiates per request (up to Zed's 2.93)."""
        kwargs = dict(auth=self.auth, auth_type="password", region_name=self.env["region_name"],
                      interface="public", identity_api_version="3", app_name="vmfleet-realnova-tests")
        if microversion:
            kwargs["compute_api_version"] = microversion
        return openstack.connection.Connection(**kwargs)

    def _sdk(self, microversion=None):
        if microversion not in self._conns:
            self._conns[microversion] = self.conn(microversion)
        return self._conns[microversion]

    # ---- servers
    def server(self, name_or_id):
        compute = self._sdk().compute
        found = compute.find_server(name_or_id, ignore_missing=True, all_projects=True)
        if found is None:
            raise RealNovaError("no server %r" % name_or_id)
        return compute.get_server(found.id)

    def boot(self, name, host, flavor="m1.tiny", wait=True, timeout=120):
        """Boots ``name`` on compute ``host`` (availability zone ``nova:HOST``, no network) and, with
        ``wait``, waits for ACTIVE and checks the host. Returns the openstacksdk Server."""
        compute = self._sdk(BOOT_MICROVERSION).compute
        flavor_obj = compute.find_flavor(flavor, ignore_missing=False)
        server = compute.create_server(name=name, flavor_id=flavor_obj.id, image_id=self.image_id,
                                       networks="none", availability_zone="nova:%s" % host)
        if not wait:
            return server
        server = compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], interval=1, wait=timeout)
        if server.compute_host != host:
            raise RealNovaError("server %s booted on %s, not %s" % (name, server.compute_host, host))
        return server

    def wait_server(self, name_or_id, status="ACTIVE", host=None, timeout=120, interval=1):
        """Waits until the server has ``status``, no task_state and (if given) is on ``host``."""
        compute = self._sdk().compute
        server_id = self.server(name_or_id).id
        end = time.monotonic() + timeout
        while True:
            server = compute.get_server(server_id)
            if (server.status == status and not server.task_state
                    and (host is None or server.compute_host == host)):
                return server
            if server.status == "ERROR" and status != "ERROR":
                raise RealNovaError("server %s went to ERROR: %s" % (server.name, server.fault))
            if time.monotonic() > end:
                raise RealNovaError("server %s: wanted %s on %s, still %s/%s on %s after %d s" % (
                    server.name, status, host or "any host", server.status, server.task_state,
                    server.compute_host, timeout))
            time.sleep(interval)

    def migrations(self, server_id):
        """The server's migration records (newest first), from /os-migrations at microversion 2.59."""
        compute = self._sdk("2.59").compute
        return sorted(compute.migrations(instance_uuid=server_id), key=lambda m: m.id, reverse=True)

    def wait_migration(self, server_id, status="completed", timeout=120, interval=1):
        """Waits until the server's newest migration record reaches ``status`` (and not an error state);
        the server's host and status change before nova marks a live migration completed."""
        end = time.monotonic() + timeout
        while True:
            records = self.migrations(server_id)
            latest = records[0] if records else None
            if latest is not None and latest.status == status:
                return latest
            if latest is not None and latest.status in ("error", "failed", "cancelled") and status != latest.status:
                raise RealNovaError("migration %s of %s ended %s" % (latest.id, server_id, latest.status))
            if time.monotonic() > end:
                raise RealNovaError("migration of %s: wanted %s, still %s after %d s" % (
                    server_id, status, latest.status if latest else "no record", timeout))
            time.sleep(interval)

    def stop_server(self, name, wait=True, timeout=60):
        compute = self._sdk().compute
        server = self.server(name)
        compute.stop_server(server)
        if wait:
            return compute.wait_for_server(server, status="SHUTOFF", failures=["ERROR"], interval=1, wait=timeout)
        return server

    def delete_all_servers(self, timeout=180):
        """Deletes every server of every project and waits until all are gone."""
        compute = self._sdk().compute
        servers = list(compute.servers(details=False, all_projects=True))
        for server in servers:
            try:
                compute.delete_server(server, ignore_missing=True)
            except sdk_exceptions.ConflictException:
                compute.delete_server(server, ignore_missing=True, force=True)
        end = time.monotonic() + timeout
        while True:
            left = list(compute.servers(details=False, all_projects=True))
            if not left:
                return len(servers)
            if time.monotonic() > end:
                raise RealNovaError("servers still there after %d s: %s" % (
                    timeout, ", ".join(s.name for s in left)))
            time.sleep(1)

    # ---- compute services
    def compute_services(self):
        return {svc.host: svc for svc in self._sdk("2.53").compute.services(binary="nova-compute")}

    def wait_services_up(self, hosts=None, timeout=120, enabled=False):
        """Waits until each compute service (default: all of the stack's) reports ``up``; with ``enabled``
        also not disabled. Returns {host: Service}."""
        hosts = list(hosts or self.computes)
        end = time.monotonic() + timeout
        while True:
            services = self.compute_services()
            waiting = [h for h in hosts if h not in services or services[h].state != "up"
                       or (enabled and services[h].status != "enabled")]
            if not waiting:
                return {h: services[h] for h in hosts}
            if time.monotonic() > end:
                raise RealNovaError("compute services not up after %d s: %s; logs in %s" % (
                    timeout, ", ".join("%s=%s/%s" % (h, getattr(services.get(h), "state", "missing"),
                                                     getattr(services.get(h), "status", "-")) for h in waiting),
                    self.env.get("logs_dir")))
            time.sleep(1)

    def reset_services(self):
        """Every compute service of the stack enabled and not forced down (undoes what a test left)."""
        compute = self._sdk("2.53").compute
        for host, svc in self.compute_services().items():
            if host not in self.computes:
                continue
            changes = {}
            if svc.is_forced_down:
                changes["is_forced_down"] = False
            if svc.status != "enabled":
                changes["status"] = "enabled"
            if changes:
                compute.update_service(svc, **changes)

    def stop_compute(self, host):
        run_stack("stop-compute", host, state_dir=self.state_dir)

    def start_compute(self, host):
        """Starts the host's nova-compute and waits until it has reported (stack.py start-compute)."""
        run_stack("start-compute", host, state_dir=self.state_dir)

    def restart_compute(self, host):
        """Stops and starts the host's nova-compute; returns once it has reported since the restart. The
        fake driver keeps its guests in memory: after a restart it no longer knows the host's servers
        (nova's database still places them there)."""
        run_stack("restart-compute", host, state_dir=self.state_dir)

    def logs(self, name):
        """Path of one process's log (names as in build/realnova/logs: nova-api, nova-compute.compute-0 ...)."""
        return os.path.join(self.env["logs_dir"], name + ".log")
