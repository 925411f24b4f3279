# -*- coding: utf-8 -*-
"""make demo: start the embedded mock hosts, run playbooks/rolling_update.yml on them, print a summary.

Each platform's mock is started from its demo scenario on 127.0.0.1, an inventory pointing at it is
written under build/demo/, the playbook runs with the compact rollout output shown as it comes (Ansible's
full output goes to build/demo/ansible.log), the mocks' own state is compared before and after (no instance
lost, every running one still running), and the mocks are stopped.
"""

import calendar
import json
import os
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build", "demo")
PYTHON = sys.executable
PLAYBOOK = os.path.join(ROOT, "playbooks", "rolling_update.yml")
UPDATE_TASKS = os.path.join(ROOT, "tests", "update_tasks")


def mock_update(platform, url, reboot_seconds=2):
    """Inventory settings of a mock's simulated patch and reboot: its update tasks file and the variables it uses."""
    return {"rolling_update_update_tasks": os.path.join(UPDATE_TASKS, "%s_mock_update.yml" % platform),
            "mock_url": url, "mock_reboot_seconds": reboot_seconds}


def local_hosts(names):
    """Inventory hosts reached on this machine: where the mocks' update tasks run (one per mock host)."""
    return dict((name, {"ansible_connection": "local", "ansible_python_interpreter": PYTHON}) for name in names)


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def post(url):
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def merged(inventory, extra):
    """The inventory updated with extra; the drain settings (vmfleet_drain) of both merge setting by setting."""
    result = dict(inventory, **extra)
    if "vmfleet_drain" in inventory and "vmfleet_drain" in extra:
        result["vmfleet_drain"] = dict(inventory["vmfleet_drain"], **extra["vmfleet_drain"])
    return result


class PythonMock:
    """A mock host process of ours (python -m tests.mocks.<kind>) with a /_mock control API.

    The demo starts it from its demo scenario with its files under build/demo/; other callers (the fault
    suite, tests/faults) give their own scenario, working directory, cluster name and mock options.
    """

    kind = ""
    url_suffix = ""
    extra_args = ()
    # Inventory settings of the demo alone (the shared ones are in inventory()).
    demo_vars = {}

    def __init__(self, scenario=None, workdir=None, name=None, extra_args=None, demo_vars=None):
        if scenario:
            self.scenario = scenario
        if name:
            self.name = name
        if extra_args is not None:
            self.extra_args = tuple(extra_args)
        if demo_vars is not None:
            self.demo_vars = dict(demo_vars)
        self.workdir = workdir or BUILD
        self.process = None
        self.url = None

    def start(self):
        url_file = os.path.join(self.workdir, "%s.url" % self.kind)
        if os.path.exists(url_file):
            os.unlink(url_file)
        with open(os.path.join(self.workdir, "%s-mock.log" % self.kind), "w") as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [PYTHON, "-m", "tests.mocks.%s" % self.kind, "--scenario", self.scenario, "--port", "0",
                 "--url-file", url_file] + list(self.extra_args), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_file(url_file, self.process, log.name)
        except BaseException:
            self.process.kill()
            self.process.wait()
            raise
        self.url = read(url_file)
        if self.url_suffix:
            self.url = self.url.rsplit(self.url_suffix, 1)[0]
        return self

    def stop(self):
        if self.process is None:
            return
        if self.url:
            try:
                post(self.url + "/_mock/stop")
            except OSError:
                pass
        wait_or_kill(self.process)

    def state_dir(self):
        return os.path.join(self.workdir, "state", self.name)


class NovaDemo(PythonMock):
    """The nova cluster: Keystone + Nova + Placement mock."""

    kind = "nova"

    name = "demo-nova"
    scenario = os.path.join(ROOT, "tests", "mocks", "nova", "scenarios", "demo.yaml")
    # gpu-01 (PCI passthrough) and web-02 (a port with a resource request) can only move cold
    demo_vars = {"vmfleet_drain": {"allow_downtime_vms": ["gpu-01", "web-02"]}}

    def inventory(self, run_id):
        auth = get_json(self.url + "/_mock/auth")
        connection = {"auth": dict((k, auth[k]) for k in ("auth_url", "username", "password", "project_name",
                                                          "user_domain_name", "project_domain_name")),
                      "region_name": auth["region_name"]}
        inventory = {
            "ansible_connection": "local", "ansible_python_interpreter": PYTHON,
            "vmfleet_platform": "nova", "vmfleet_connection": connection,
            "rolling_update_run_id": run_id,
            "rolling_update_state_dir": self.state_dir(),
            "vmfleet_drain": {"poll_seconds": 0.5, "stall_seconds": 30}, "rolling_update_wait_delay": 1,
        }
        inventory.update(mock_update("nova", self.url))
        return merged(inventory, self.demo_vars)

    def instances(self):
        state = get_json(self.url + "/_mock/state")
        return dict((name, (item["host"], item["status"])) for name, item in state["instances"].items())

    def host_names(self):
        return sorted(get_json(self.url + "/_mock/state")["hosts"])


class VsphereDemo:
    """The vSphere cluster: vcsim (govmomi's simulator) extended by tests/mocks/vsphere, with three
    fixable vMotion blockers planted (vMotion VMkernel adapter, Migrate.Enabled = 0, a local-ISO CD-ROM)."""

    name = "demo-vsphere"
    scenario = os.path.join(ROOT, "tests", "mocks", "vsphere", "scenarios", "demo.json")
    workdir = BUILD

    def __init__(self, workdir=None, name=None):
        if workdir:
            self.workdir = workdir
        if name:
            self.name = name
        self.process = None
        self.url = None
        self.port = None

    def start(self):
        subprocess.run([os.path.join(ROOT, "tests", "mocks", "vsphere", "build.sh")], check=True,
                       stdout=subprocess.DEVNULL)
        url_file = os.path.join(self.workdir, "vsphere.url")
        if os.path.exists(url_file):
            os.unlink(url_file)
        log = open(os.path.join(self.workdir, "vsphere-mock.log"), "w")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(ROOT, "build", "vcsimx"), "-scenario", self.scenario, "-listen", "127.0.0.1:0",
             "-url-file", url_file], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_for_file(url_file, self.process, log.name)
        self.url = read(url_file).rsplit("/sdk", 1)[0]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def inventory(self, run_id):
        credentials = json.load(open(self.scenario))["credentials"]
        return {
            "ansible_connection": "local", "ansible_python_interpreter": PYTHON,
            "vmfleet_platform": "vsphere",
            "vmfleet_connection": {"hostname": "127.0.0.1", "port": self.port, "username": credentials["username"],
                                   "password": credentials["password"], "validate_certs": False},
            "platform_fix": True, "rolling_update_run_id": run_id,
            "rolling_update_state_dir": self.state_dir(),
            "vmfleet_drain": {"poll_seconds": 0.5}, "rolling_update_wait_delay": 1,
            **mock_update("vsphere", self.url),
        }

    def host_names(self):
        with open(self.scenario) as handle:
            return sorted(h["name"] for c in json.load(handle)["clusters"] for h in c["hosts"])

    def state_dir(self):
        return os.path.join(self.workdir, "state", self.name)

    def instances(self):
        from pyVim.connect import Disconnect, SmartConnect  # pylint: disable=import-outside-toplevel
        from pyVmomi import vim  # pylint: disable=import-outside-toplevel
        credentials = json.load(open(self.scenario))["credentials"]
        si = SmartConnect(host="127.0.0.1", port=self.port, user=credentials["username"],
                          pwd=credentials["password"], disableSslCertValidation=True)
        try:
            content = si.RetrieveContent()
            view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
            return dict((vm.name, (vm.runtime.host.name, "ACTIVE" if vm.runtime.powerState == "poweredOn" else
                                   str(vm.runtime.powerState))) for vm in view.view)
        finally:
            Disconnect(si)

    def stop(self):
        self.process.terminate()
        wait_or_kill(self.process)


class HyperVDemo(PythonMock):
    """The Hyper-V cluster: a WinRM (WS-Man) endpoint that parses PowerShell and runs the cluster cmdlets."""

    kind = "hyperv"
    url_suffix = "/wsman"
    extra_args = ("--idle-speed", "200")

    name = "demo-hyperv"
    scenario = os.path.join(ROOT, "tests", "mocks", "hyperv", "scenarios", "demo_4node.yaml")

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    def inventory(self, run_id):
        inventory = {
            "ansible_connection": "local", "ansible_python_interpreter": PYTHON,
            "vmfleet_platform": "hyperv",
            "vmfleet_connection": {"host": "127.0.0.1", "port": self.port, "scheme": "http", "transport": "credssp",
                                   "username": "CONTOSO\\Administrator", "password": "Passw0rd!"},
            "rolling_update_run_id": run_id,
            "rolling_update_state_dir": self.state_dir(),
            "vmfleet_drain": {"poll_seconds": 0.5}, "rolling_update_wait_delay": 1,
        }
        inventory.update(mock_update("hyperv", self.url))
        return merged(inventory, self.demo_vars)

    def instances(self):
        state = get_json(self.url + "/_mock/state")
        return dict((vm["name"], (vm["owner"], "ACTIVE" if vm["state"] == "Online" else vm["state"]))
                    for vm in state["vms"])

    def host_names(self):
        return sorted(n["name"] for n in get_json(self.url + "/_mock/state")["nodes"])


def wait_or_kill(process):
    """Give a stopping mock ten seconds, then kill it."""
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def read(path):
    with open(path) as handle:
        return handle.read().strip()


def wait_for_file(path, process, log_name):
    deadline = time.time() + 60
    while not os.path.exists(path) or not read(path):
        if time.time() > deadline or process.poll() is not None:
            raise SystemExit("a mock did not start; see %s" % log_name)
        time.sleep(0.1)


def playbook_env(ansible_dir=None, home=None):
    """The environment ansible-playbook runs in: this checkout's collection; Ansible's home and local temp
    under ansible_dir (default build/); HOME (~/.ansible_async, ~/.vmfleet) replaced when given."""
    ansible_dir = ansible_dir or os.path.join(ROOT, "build")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_HOME=os.path.join(ansible_dir, "ansible-home"),
               ANSIBLE_LOCAL_TEMP=os.path.join(ansible_dir, "ansible-tmp"))
    if home:
        env["HOME"] = home
    return env


def playbook_command(inventory_path, check=False, extra_args=(), forks=4):
    """The clusters run side by side, a fork each: forks must be at least the number of clusters."""
    command = [os.path.join(os.path.dirname(PYTHON), "ansible-playbook"), "-i", inventory_path, PLAYBOOK]
    if check:
        command.append("--check")
    return command + ["--forks", str(forks)] + list(extra_args)


# The demo's drains last seconds: checked every second (15 s by default), so that their moves show as they progress.
DEMO_WATCH = {"platform_progress_seconds": 1}


def stream_playbook(inventory_path, log_path, check=False, forks=4):
    """Run the playbook with the rollout output in its compact form, each line shown as it comes; Ansible's full
    output goes to log_path. Returns the exit code."""
    env = dict(playbook_env(), ANSIBLE_STDOUT_CALLBACK="vmfleet.maintenance.rollout", VMFLEET_ROLLOUT_COMPACT="true",
               ANSIBLE_LOG_PATH=log_path, PYTHONUNBUFFERED="1")
    if os.path.exists(log_path):  # Ansible appends to its log
        os.unlink(log_path)
    with subprocess.Popen(playbook_command(inventory_path, check, forks=forks), cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1) as process:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
        return process.wait()


def report_path(cluster, run_id):
    return os.path.join(cluster.state_dir(), cluster.name, run_id, "rollout.json")


def cluster_span(report, run_started):
    """(start, end) of one cluster's rollout in seconds from the start of the playbook run: its record opened
    (t0), and the later of its record's close and its last step's last time."""
    t0 = float(report["t0"])
    ends = [t0 + max(step["times"].values()) for step in report["steps"] if step["times"]]
    if report.get("finished"):
        ends.append(calendar.timegm(time.strptime(report["finished"], "%Y-%m-%dT%H:%M:%SZ")))
    return t0 - run_started, max(ends or [t0]) - run_started


def timing_lines(spans, total_seconds):
    """One line per cluster (start, end, its own length) and the run's total, all from the run's start."""
    lines = ["cluster %-24s from %6.1f s to %6.1f s (%6.1f s)" % (name + ":", start, end, end - start)
             for name, (start, end) in sorted(spans.items(), key=lambda item: item[1])]
    slowest = max((end - start for start, end in spans.values()), default=0.0)
    lines.append("run total: %.1f s (slowest cluster %.1f s, total / slowest %.2f)" % (
        total_seconds, slowest, total_seconds / slowest if slowest else 0.0))
    return lines


def summary(cluster, before, after, report):
    running_before = sorted(n for n, (_h, s) in before.items() if s == "ACTIVE")
    still_running = [n for n in running_before if after.get(n, (None, None))[1] == "ACTIVE"]
    moved = sum(1 for n in before if before[n][0] != after.get(n, (None,))[0])
    lines = [
        "cluster %s (%s): %s" % (cluster.name, report["platform"], report["status"]),
        "  hosts updated:        %d of %d" % (report["summary"]["hosts_updated"], len(report["rolling_order"])),
        "  VMs moved:            %d moves (%d VMs on another host at the end)" % (report["summary"]["vms_moved"], moved),
        "  failed migrations:    %d" % report["summary"]["failed_migrations"],
        "  guests stopped:       %d%s" % (len(report["summary"]["downtime_vms"]), " (%s)" % ", ".join(
            report["summary"]["downtime_vms"]) if report["summary"]["downtime_vms"] else ""),
        "  migrated MB vs floor: %s MB / %s MB = %.2f" % (
            int(report["summary"]["migrated_mb"] or 0), int(report["floor_mb"] or 0),
            (report["summary"]["migrated_mb"] or 0) / (report["floor_mb"] or 1)),
        "  instances:            %d before, %d after; running %d before, %d still running" % (
            len(before), len(after), len(running_before), len(still_running)),
    ]
    return lines, len(after) == len(before) and len(still_running) == len(running_before)


def main():
    check = "--check" in sys.argv[1:]
    os.makedirs(BUILD, exist_ok=True)
    run_id = "demo-%s" % time.strftime("%Y%m%d-%H%M%S")
    clusters = [NovaDemo(), VsphereDemo(), HyperVDemo()]
    started = []
    ok = True
    try:
        for cluster in clusters:
            started.append(cluster.start())
        inventory = {"vmfleet_clusters": {"hosts": dict((c.name, dict(c.inventory(run_id), **DEMO_WATCH))
                                                        for c in started)},
                     # the mock hosts as an inventory names them (each update runs delegated to its entry)
                     "vmfleet_update_targets": {"hosts": local_hosts(n for c in started for n in c.host_names())}}
        inventory_path = os.path.join(BUILD, "inventory.json")
        with open(inventory_path, "w") as handle:
            json.dump(inventory, handle, indent=2)
        before = dict((c.name, c.instances()) for c in started)
        print("make demo: rolling update of %s on embedded mock hosts (run %s), the clusters side by side; "
              "Ansible's full output in build/demo/ansible.log" % (", ".join(c.name for c in started), run_id),
              flush=True)
        run_started = time.time()
        returncode = stream_playbook(inventory_path, os.path.join(BUILD, "ansible.log"), check=check)
        total_seconds = time.time() - run_started
        if check:
            return 0 if returncode == 0 else 1
        print("make demo: what the mocks show before and after")
        spans = {}
        for cluster in started:
            path = report_path(cluster, run_id)
            with open(path) as handle:
                report = json.load(handle)
            spans[cluster.name] = cluster_span(report, run_started)
            lines, healthy = summary(cluster, before[cluster.name], cluster.instances(), report)
            print("\n".join(lines))
            print("  report:               %s" % path.replace(".json", ".html"))
            ok = ok and healthy and report["status"] == "ok" and report["summary"]["failed_migrations"] == 0
        print("\n".join(timing_lines(spans, total_seconds)))
        if returncode != 0:
            ok = False
    finally:
        for cluster in started:
            cluster.stop()
    print("make demo: %s" % ("OK" if ok else "FAILED (see build/demo/ansible.log)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
