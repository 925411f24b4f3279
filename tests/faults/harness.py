# -*- coding: utf-8 -*-
"""The fault suite's harness: mock clusters, the playbook as a process group, a sampler, the checks.

The mocks are tools/demo.py's launchers (one process per test, its files under the test's directory);
playbooks/rolling_update.yml runs as ansible-playbook in its own process group with HOME, ANSIBLE_HOME and
ANSIBLE_LOCAL_TEMP under the test's directory, so ~/.ansible_async and ~/.vmfleet are the test's own. Every
process a test starts is stopped by its PID (mocks) or process group (playbooks); what a playbook left
running on its own (an orphaned asynchronous drain) is found by its HOME and stopped by PID.
"""

import collections
import importlib.util
import json
import os
import re
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SCENARIOS = os.path.join(HERE, "scenarios")


def _load_demo():
    spec = importlib.util.spec_from_file_location("vmfleet_tools_demo", os.path.join(ROOT, "tools", "demo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = _load_demo()

# Every scenario runs with these: quick polls, progress read every second, short mock reboots.
FAST_VARS = {
    "vmfleet_drain": {"poll_seconds": 0.3, "stall_seconds": 60},
    "rolling_update_wait_delay": 1,
    "rolling_update_wait_retries": 60,
    "platform_progress_seconds": 1,
    "mock_reboot_seconds": 10,
}

# nova migration states after which the instance is on the target (a cold one once it is finished).
NOVA_MOVED = ("completed", "finished", "confirming", "confirmed", "done")
NOVA_TRANSIENT_STATUSES = ("MIGRATING", "RESIZE", "VERIFY_RESIZE", "REBUILD")


def http(method, url, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


# -- the clusters ------------------------------------------------------------------------------------------------

class MockCluster:
    """What the suite needs of a mock cluster, on top of demo.py's launcher."""

    platform = ""
    # The inventory hosts the updates run on ({name: host vars}); None: one local host per mock host, same name.
    inventory_targets = None

    def setup(self, workdir, inventory_vars):
        self.inventory_vars = demo.merged(FAST_VARS, inventory_vars or {})
        self.workdir_path = workdir
        return self

    def control(self, method, path, body=None):
        return http(method, self.url + "/_mock" + path, body)

    def state(self):
        return self.control("GET", "/state")

    def inventory_file(self, path, run_id=None, **overrides):
        """The inventory of this one cluster; run_id None leaves rolling_update_run_id unset (its default)."""
        host_vars = demo.merged(demo.merged(self.inventory(run_id or ""), self.inventory_vars), overrides)
        if run_id is None:
            host_vars.pop("rolling_update_run_id", None)
        targets = self.inventory_targets
        if targets is None:
            targets = demo.local_hosts(self.host_names())
        with open(path, "w") as handle:
            json.dump({"vmfleet_clusters": {"hosts": {self.name: host_vars}},
                       "vmfleet_update_targets": {"hosts": targets}}, handle, indent=2)
        return path

    def cluster_dir(self):
        return os.path.join(self.state_dir(), self.name)

    def report(self, run_id):
        with open(os.path.join(self.cluster_dir(), run_id, "rollout.json")) as handle:
            return json.load(handle)

    def lock(self):
        path = os.path.join(self.cluster_dir(), "lock.json")
        if not os.path.exists(path):
            return None
        with open(path) as handle:
            return json.load(handle)

    def run_ids(self):
        """The run ids that have a record on the controller."""
        if not os.path.isdir(self.cluster_dir()):
            return []
        return sorted(d for d in os.listdir(self.cluster_dir())
                      if os.path.exists(os.path.join(self.cluster_dir(), d, "rollout.json")))


class NovaCluster(MockCluster, demo.NovaDemo):
    platform = "nova"
    name = "faults-nova"

    @staticmethod
    def out_of_service(state):
        """Hosts that take no instances: compute service disabled, or down."""
        return set(name for name, host in state["hosts"].items()
                   if host["status"] == "disabled" or host["state"] == "down")

    @staticmethod
    def host_down(state):
        return set(name for name, host in state["hosts"].items() if host["state"] == "down")

    @staticmethod
    def vms(state):
        """{vm: (host, power)}; power is the API status (ACTIVE / SHUTOFF / ...)."""
        return dict((name, (item["host"], item["status"])) for name, item in state["instances"].items())

    @staticmethod
    def vm_owners(state):
        return dict((name, item["host"]) for name, item in state["instances"].items())

    @staticmethod
    def powers(state):
        return dict((name, item["status"]) for name, item in state["instances"].items())

    @staticmethod
    def in_flight(state, source=None):
        """Migrations not yet ended (optionally: off one host)."""
        ended = NOVA_MOVED + ("error", "failed", "cancelled", "reverted")
        return [m for m in state["migrations"] if m["status"] not in ended and source in (None, m["source_compute"])]

    @staticmethod
    def completed_moves(state, sampler=None):
        """Every migration the mock completed: Counter of (instance, source, target)."""
        return collections.Counter((m["instance"], m["source_compute"], m["dest_compute"])
                                   for m in state["migrations"] if m["status"] in NOVA_MOVED)

    @staticmethod
    def failed_migrations(state):
        """Migrations that ended without moving their instance (error, aborted)."""
        return sum(1 for m in state["migrations"] if m["status"] in ("error", "failed", "cancelled"))

    def writes(self):
        """The cloud writes the mock logged (POST/PUT/DELETE except Keystone's token requests)."""
        return [r for r in self.control("GET", "/requests")["requests"]
                if r["method"] in ("POST", "PUT", "DELETE") and "/auth/tokens" not in r["path"]]

    def downtime(self, state):
        return state["downtime"]

    @staticmethod
    def downtime_events(state):
        return dict((name, item["downtime"]) for name, item in state["instances"].items() if item["downtime"])

    def api_down(self, mode):
        return self.control("POST", "/api/down", {"mode": mode})

    def api_up(self):
        return self.control("POST", "/api/up", {})


class HyperVCluster(MockCluster, demo.HyperVDemo):
    platform = "hyperv"
    name = "faults-hyperv"

    @staticmethod
    def out_of_service(state):
        """Nodes that take no VMs: Paused or Down."""
        return set(n["name"] for n in state["nodes"] if n["state"] in ("Paused", "Down"))

    @staticmethod
    def host_down(state):
        return set(n["name"] for n in state["nodes"] if n["state"] == "Down")

    @staticmethod
    def vms(state):
        return dict((vm["name"], (vm["owner"], vm["state"])) for vm in state["vms"])

    @staticmethod
    def vm_owners(state):
        return dict((vm["name"], vm["owner"]) for vm in state["vms"])

    @staticmethod
    def powers(state):
        return dict((vm["name"], vm["state"]) for vm in state["vms"])

    @staticmethod
    def in_flight(state, source=None):
        return [m for m in state["migrations"]["in_flight"] if source in (None, m["source"])]

    @staticmethod
    def completed_moves(state, sampler):
        """The mock lists no finished migrations one by one: the owner changes the sampler saw."""
        return collections.Counter(sampler.owner_changes)

    @staticmethod
    def failed_migrations(state):
        return sum(n for kind_state, n in state["migrations"]["finished"].items()
                   if kind_state.split(":", 1)[-1].lower() in ("failed", "cancelled"))

    @staticmethod
    def downtime_events(state):
        return dict((vm["name"], vm["downtime"]) for vm in state["vms"] if vm["downtime"])

    def api_down(self, mode):
        return self.control("POST", "/api/down", {"mode": mode})

    def api_up(self):
        return self.control("POST", "/api/up", {})

    def hold_drain_of(self, node, first, sampler):
        """Once `first` is updated and back in service, stop the mock's clock: node's drain, next, stays
        in flight until release(). Returns when a migration off node is under way."""
        wait_until(lambda: sampler.went_down[first] or first in self.host_down(self.state()),
                   60, 0.1, "%s rebooting" % first)
        wait_until(lambda: not self.out_of_service(self.state()), 60, 0.1, "%s back in service" % first)
        self.control("POST", "/clock", {"idle_speed": 0})
        wait_until(lambda: self.in_flight(self.state(), node), 60, 0.2, "a migration off %s" % node)

    def release(self, idle_speed=50):
        self.control("POST", "/clock", {"idle_speed": idle_speed})


# vSphere tasks that move a VM (a failed one is a failed migration)
VSPHERE_MIGRATIONS = ("MigrateVM_Task", "RelocateVM_Task")


class VsphereCluster(MockCluster, demo.VsphereDemo):
    """The fault suite's vSphere cluster: vcsimx with its files under the test's directory, read through its
    control endpoint (/_vcsimx/state: hosts, VMs, the tasks it ran)."""

    platform = "vsphere"
    name = "faults-vsphere"

    def __init__(self, scenario, workdir):  # pylint: disable=super-init-not-called
        self.scenario = scenario
        self.workdir = workdir
        self.process = None
        self.url = None
        self.port = None

    def start(self):
        subprocess.run([os.path.join(ROOT, "tests", "mocks", "vsphere", "build.sh")], check=True,
                       stdout=subprocess.DEVNULL)
        url_file = os.path.join(self.workdir, "vsphere.url")
        with open(os.path.join(self.workdir, "vsphere-mock.log"), "w") as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [os.path.join(ROOT, "build", "vcsimx"), "-scenario", self.scenario, "-listen", "127.0.0.1:0",
                 "-url-file", url_file], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        demo.wait_for_file(url_file, self.process, log.name)
        self.url = demo.read(url_file).rsplit("/sdk", 1)[0]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def state_dir(self):
        return os.path.join(self.workdir, "state", self.name)

    def inventory(self, run_id):
        return demo.merged(demo.VsphereDemo.inventory(self, run_id),
                           {"rolling_update_state_dir": self.state_dir(), "vmfleet_drain": {"poll_seconds": 0.3}})

    def state(self):
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE   # the mock's self-signed certificate, on 127.0.0.1
        with urllib.request.urlopen(self.url + "/_vcsimx/state", timeout=10, context=insecure) as response:
            return json.loads(response.read())

    @staticmethod
    def out_of_service(state):
        return set(h["name"] for h in state["hosts"] if h["in_maintenance"] or h["connection_state"] != "connected")

    @staticmethod
    def host_down(state):
        return set(h["name"] for h in state["hosts"] if h["connection_state"] != "connected")

    @staticmethod
    def vms(state):
        return dict((vm["name"], (vm["host"], vm["power_state"])) for vm in state["vms"])

    @staticmethod
    def vm_owners(state):
        return dict((vm["name"], vm["host"]) for vm in state["vms"])

    @staticmethod
    def powers(state):
        return dict((vm["name"], vm["power_state"]) for vm in state["vms"])

    @staticmethod
    def completed_moves(state, sampler):
        return collections.Counter(sampler.owner_changes)

    @staticmethod
    def failed_migrations(state):
        return sum(1 for t in state["tasks"] if t["name"] in VSPHERE_MIGRATIONS and t["state"] == "error")

    @staticmethod
    def boot_times(state):
        return dict((h["name"], h["boot_time"]) for h in state["hosts"])

    @staticmethod
    def reboots(state):
        return dict((h["name"], h["reboots"]) for h in state["hosts"])


# -- watching the mock -------------------------------------------------------------------------------------------

class Sampler(threading.Thread):
    """Reads the mock every `interval` s: the most hosts out of service at once, host reboots, VM owner changes."""

    def __init__(self, cluster, interval=0.2):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.interval = interval
        self.halt = threading.Event()
        self.max_out = 0
        self.peak = set()
        self.timeline = []          # (t, sorted hosts out of service) at every change
        self.went_down = collections.Counter()   # host -> times it went down (reboots)
        self.owner_changes = []     # (vm, from, to)
        self.samples = 0
        self.errors = 0
        self.last = None
        self._owners = None
        self._down = set()
        self._out = None
        self.started_at = time.monotonic()

    def run(self):
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(self.interval)
        self.sample()

    def sample(self):
        try:
            state = self.cluster.state()
        except (OSError, ValueError):
            self.errors += 1
            return
        self.samples += 1
        self.last = state
        out = self.cluster.out_of_service(state)
        if len(out) > self.max_out:
            self.max_out, self.peak = len(out), set(out)
        if out != self._out:
            self.timeline.append((round(time.monotonic() - self.started_at, 1), sorted(out)))
            self._out = out
        down = self.cluster.host_down(state)
        for host in down - self._down:
            self.went_down[host] += 1
        self._down = down
        owners = self.cluster.vm_owners(state)
        if self._owners is not None:
            for vm, owner in owners.items():
                if self._owners.get(vm) not in (None, owner) and owner:
                    self.owner_changes.append((vm, self._owners[vm], owner))
        self._owners = owners

    def stop(self):
        self.halt.set()
        self.join(timeout=15)


def wait_until(predicate, timeout, interval=0.1, what="a condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %s s waiting for %s" % (timeout, what))
        time.sleep(interval)


# -- the playbook ------------------------------------------------------------------------------------------------

class Playbook:
    """One ansible-playbook run of playbooks/rolling_update.yml, in its own process group."""

    def __init__(self, workdir, inventory, label, extra_args=()):
        self.workdir = workdir
        self.label = label
        self.log_path = os.path.join(workdir, "%s.log" % label)
        self.command = demo.playbook_command(inventory, extra_args=extra_args)
        self.env = demo.playbook_env(ansible_dir=workdir, home=os.path.join(workdir, "home"))
        self.env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
        self.env["no_proxy"] = self.env["NO_PROXY"] = ",".join(
            x for x in (os.environ.get("no_proxy"), "127.0.0.1", "localhost") if x)
        self.process = None
        self.started = None
        self.seconds = None

    def start(self):
        os.makedirs(self.env["HOME"], exist_ok=True)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        self.started = time.monotonic()
        return self

    @property
    def pid(self):
        return self.process.pid

    def running(self):
        return self.process is not None and self.process.poll() is None

    def wait(self, timeout):
        """The exit code; a run still going after timeout s is killed (group) and fails the test."""
        try:
            rc = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("%s still running after %s s; killed. Its output ends:\n%s"
                                 % (self.label, timeout, self.output()[-3000:]))
        self.seconds = round(time.monotonic() - self.started, 1)
        return rc

    def signal(self, sig):
        """sig to the playbook's process group (as Ctrl-C sends SIGINT to the foreground group)."""
        os.killpg(self.process.pid, sig)

    def kill(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def output(self):
        try:
            with open(self.log_path, errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def wait_for_output(self, pattern, timeout):
        regex = re.compile(pattern)
        return wait_until(lambda: regex.search(self.output()) or (not self.running() and regex.search(self.output())),
                          timeout, 0.2, "%r in %s's output" % (pattern, self.label))


def processes_with_home(home):
    """PIDs of processes (other than this one) whose environment has HOME=home: what our playbooks started."""
    marker = ("HOME=%s" % home).encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        if (b"\0" + environ).find(b"\0" + marker) >= 0:
            found.append(int(entry))
    return found


def reap(home, grace=20):
    """Let what the test's playbooks left running (orphaned drain jobs) end, then kill the rest by PID."""
    deadline = time.monotonic() + grace
    while processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = processes_with_home(home)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


# -- the checks --------------------------------------------------------------------------------------------------

def report_moves(report, status="moved"):
    """Counter of (vm, source, target) of the report's drain and failback moves with this status."""
    return collections.Counter((m["vm"], m["source"], m.get("final_host") or m["target"])
                               for step in report["steps"] for phase in ("moves", "failback")
                               for m in step.get(phase, []) if m["status"] == status)


def check_invariants(cluster, before, after, sampler, report, max_down=1):
    """The checks every scenario makes; returns a list of problems (empty when all hold)."""
    problems = []
    vms_before, vms_after = cluster.powers(before), cluster.powers(after)
    if sorted(vms_before) != sorted(vms_after):
        problems.append("VMs differ: before %s, after %s" % (sorted(vms_before), sorted(vms_after)))
    changed = dict((vm, (vms_before[vm], vms_after.get(vm))) for vm in vms_before
                   if vms_before[vm] != vms_after.get(vm))
    if changed:
        problems.append("power states changed: %s" % changed)
    if sampler.max_out > max_down:
        problems.append("%d hosts out of service at once (%s), more than %d; timeline %s"
                        % (sampler.max_out, sorted(sampler.peak), max_down, sampler.timeline))
    if report is not None:
        in_mock = cluster.completed_moves(after, sampler)
        in_report = report_moves(report)
        if in_mock != in_report:
            problems.append("moves: the mock completed %s but the report has as moved %s (only in mock: %s; only "
                            "in report: %s)" % (sorted(in_mock.elements()), sorted(in_report.elements()),
                                                sorted((in_mock - in_report).elements()),
                                                sorted((in_report - in_mock).elements())))
        if report["summary"]["failed_migrations"] != cluster.failed_migrations(after):
            problems.append("the report counts %d failed migrations, the mock %d"
                            % (report["summary"]["failed_migrations"], cluster.failed_migrations(after)))
        left = sorted(item["host"] for item in report["left_behind"])
        out = sorted(cluster.out_of_service(after))
        if left != out:
            problems.append("report left_behind %s but the mock shows out of service %s" % (left, out))
    return problems


def finished_ok(cluster, after, report, rc, output):
    """The checks of a rollout that must end well: rc 0, status ok, every host back in service."""
    problems = []
    if rc != 0:
        problems.append("ansible-playbook rc=%s; output ends:\n%s" % (rc, output[-3000:]))
    if report is None or report["status"] != "ok":
        problems.append("report status %s (error: %s)" % (report and report["status"], report and report["error"]))
    out = cluster.out_of_service(after)
    if out:
        problems.append("hosts still out of service: %s" % sorted(out))
    if report is not None:
        order = report["rolling_order"]
        done = sorted(s["host"] for s in report["steps"] if s["status"] == "done")
        if done != sorted(order) or not order:
            problems.append("hosts done %s, rolling order %s" % (done, order))
    return problems
