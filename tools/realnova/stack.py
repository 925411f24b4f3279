"""A real OpenStack nova (Zed, Debian's packages) on 127.0.0.1 for tests: start, stop, inspect.

    stack.py start [--fresh] [--computes N] [--timeout S]   bring the stack up (idempotent)
    stack.py stop                                           end every process the stack started
    stack.py status                                         processes, endpoints, compute services
    stack.py stop-compute HOST | start-compute HOST | restart-compute HOST

What runs (all from Debian's packages, installed by tools/realnova/install.sh): MariaDB (its own datadir
and port), RabbitMQ (its own epmd, node name, ports and mnesia dir), keystone and placement under uwsgi,
nova-api, nova-conductor, nova-scheduler and N nova-compute processes with the fake live-migration
driver that also reports PCI devices (each its own ``host`` and ``state_path``: N separate hypervisors;
flavor ``pci.tiny`` asks for one PCI passthrough device, so nova cold-migrates but does not live-migrate
its servers), and a read-only stand-in for the image and network APIs (stubs.py). Everything lives
under the state dir (default build/realnova/ in the repository): configs in etc/, logs in logs/, PIDs
in pids/, databases in mysql/. A second start reuses the databases (faster); ``start --fresh`` wipes the
state dir first. On a running stack, start restarts the processes whose generated configuration changed
(a stack started by an older stack.py), else it does nothing.

Plain standard library, so it runs under /usr/bin/python3 or the project's venv python.
"""

import argparse
import calendar
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_STATE_DIR = os.path.join(REPO, "build", "realnova")
OS_PYTHON = "/usr/bin/python3"  # Debian's python: the OpenStack libraries live in its dist-packages
UWSGI = "/usr/bin/uwsgi-core"
MARIADBD = "/usr/sbin/mariadbd"
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"

IMAGE_ID = "6a1e8f4c-2d3b-4c5e-9f70-8b1a2c3d4e5f"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "realnova-admin"
ADMIN_PROJECT = "admin"
DOMAIN = "Default"
REGION = "RegionOne"
DB_USER = "realnova"
DB_PASSWORD = "realnova"
DATABASES = ("keystone", "placement", "nova_api", "nova", "nova_cell0")
# PCI passthrough (tests/realnova/README.md): nova.virt.fake.FakeLiveMigrateDriverWithPciResources reports six
# devices per host, PFs 0000:0[1-3]:00.0 each with one VF 0000:0[1-3]:00.1 (ids replaced by novarun.py, as
# nova's pci_devices table takes 4 characters); matched by address, requested by device type: 3 per host.
PCI_ALIAS = "fake-pf"
PCI_DEVICE_TYPE = "type-PF"
PCI_DEVICE_SPEC = {"address": {"domain": "0000", "bus": "0[1-3]", "slot": "00", "function": ".*"}}
FLAVORS = (  # name, ram MB, vcpus, disk GB, extra specs
    ("m1.tiny", 512, 1, 1, {}),
    ("m1.small", 1024, 1, 1, {}),
    ("m1.medium", 2048, 2, 1, {}),
    # nova cold-migrates it but refuses to live-migrate it (conductor: non-VIF PCI request)
    ("pci.tiny", 512, 1, 1, {"pci_passthrough:alias": "%s:1" % PCI_ALIAS}),
)
# Zed's default [filter_scheduler] enabled_filters (nova/conf/scheduler.py) plus the PCI filter
SCHEDULER_FILTERS = ("ComputeFilter", "ComputeCapabilitiesFilter", "ImagePropertiesFilter",
                     "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter", "PciPassthroughFilter")
DEFAULT_PORT_BASE = 18000
STATE_MARK = "REALNOVA_STACK_MARK"  # set in every child's environment: how stop recognises our processes

T0 = time.monotonic()


def log(msg):
    sys.stderr.write("[realnova %6.1fs] %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


class StackError(Exception):
    pass


def port_map(base):
    return {
        "mysql": base + 306,
        "epmd": base + 369,
        "amqp": base + 672,
        "erlang_dist": base + 673,
        "keystone": base + 500,
        "placement": base + 778,
        "nova": base + 774,
        "image": base + 292,
        "network": base + 696,
    }


# ---------------------------------------------------------------- small HTTP client (no proxies)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, body=None, headers=None, timeout=15):
    """Returns (status, headers, parsed JSON or None). Connection errors raise OSError."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            raw = resp.read()
            status, hdrs = resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        status, hdrs = exc.code, exc.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, hdrs, parsed


def port_open(port, host="127.0.0.1"):
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


# ---------------------------------------------------------------- processes

def _proc_stat(pid):
    """(state letter, pgrp) of a process, or None when it does not exist."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            text = fh.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[2])


def _proc_marked(pid, state_dir):
    try:
        with open("/proc/%d/environ" % pid, "rb") as fh:
            env = fh.read().split(b"\0")
    except OSError:
        return False
    return ("%s=%s" % (STATE_MARK, state_dir)).encode() in env


class Stack:
    def __init__(self, state_dir, computes=None, port_base=None, memory_mb=None, vcpus=None, disk_gb=None,
                 timeout=240.0, debug=False):
        self.state = os.path.abspath(state_dir)
        saved = self._load_json("settings.json") or {}
        self.computes = (["compute-%d" % i for i in range(computes)] if computes is not None
                         else saved.get("computes", ["compute-%d" % i for i in range(3)]))
        self.port_base = port_base or saved.get("port_base", DEFAULT_PORT_BASE)
        self.memory_mb = memory_mb or saved.get("memory_mb", 8192)
        self.vcpus = vcpus or saved.get("vcpus", 8)
        self.disk_gb = disk_gb or saved.get("disk_gb", 200)
        self.debug = debug
        self.ports = port_map(self.port_base)
        self.timeout = timeout
        self.deadline = None
        self.children = {}  # name -> Popen, for processes this invocation started
        self.launched_at = {}  # name -> time.time() of launch
        self._token = None
        self._collect = None  # write_configs() collects {rel: text} here instead of writing when a dict

    # ---- paths
    def path(self, *parts):
        return os.path.join(self.state, *parts)

    @property
    def etc(self):
        return self.path("etc")

    def log_path(self, name):
        return self.path("logs", name + ".log")

    def pid_path(self, name):
        return self.path("pids", name + ".pid")

    @staticmethod
    def compute_name(host):
        return "nova-compute." + host

    def _load_json(self, name):
        try:
            with open(os.path.join(self.state, name)) as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def _save_json(self, name, data):
        tmp = self.path(name + ".tmp")
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, self.path(name))

    def components(self):
        """Every process the stack runs, in start order."""
        return (["mysqld", "epmd", "rabbitmq", "stubs", "keystone", "placement", "nova-api", "nova-conductor",
                 "nova-scheduler"] + [self.compute_name(h) for h in self.computes])

    # ---- process bookkeeping
    def read_pid(self, name):
        try:
            with open(self.pid_path(name)) as fh:
                return int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def alive(self, name):
        proc = self.children.get(name)
        if proc is not None:
            return proc.poll() is None
        pid = self.read_pid(name)
        if not pid:
            return False
        stat = _proc_stat(pid)
        return bool(stat) and stat[0] not in "ZX" and _proc_marked(pid, self.state)

    def child_env(self, extra=None):
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
               and not k.startswith(("OS_", "RABBITMQ_", "ERL_"))}
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(key, None)
        env["LC_ALL"] = env.get("LC_ALL") or "C.UTF-8"
        env[STATE_MARK] = self.state
        env.update(extra or {})
        return env

    def launch(self, name, argv, env=None):
        if self.alive(name):
            return
        os.makedirs(self.path("logs"), exist_ok=True)
        os.makedirs(self.path("pids"), exist_ok=True)
        with open(self.log_path(name), "ab") as out:
            out.write(("\n==== realnova: starting %s at %s\n==== %s\n" % (
                name, time.strftime("%Y-%m-%d %H:%M:%S"), " ".join(argv))).encode())
            out.flush()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    cwd=self.state, env=self.child_env(env), start_new_session=True)
        self.children[name] = proc
        self.launched_at[name] = time.time()
        with open(self.pid_path(name), "w") as fh:
            fh.write("%d\n" % proc.pid)
        log("started %s (pid %d)" % (name, proc.pid))

    def run(self, name, argv, env=None, ok=(0,), timeout=180):
        """Runs a set-up command to completion, its output appended to logs/<name>.log."""
        os.makedirs(self.path("logs"), exist_ok=True)
        with open(self.log_path(name), "ab") as out:
            out.write(("\n==== realnova: %s\n" % " ".join(argv)).encode())
            out.flush()
            rc = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 cwd=self.state, env=self.child_env(env), timeout=timeout)
        if rc not in ok:
            raise StackError("%s failed (exit %d): %s\n  read %s" % (
                name, rc, " ".join(argv), self.log_path(name)))
        return rc

    def _group_members(self, pgid):
        members = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _proc_stat(int(entry))
                if stat and stat[1] == pgid and stat[0] not in "ZX":
                    members.append(int(entry))
        return members

    def _marked_processes(self):
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                pid = int(entry)
                stat = _proc_stat(pid)
                if stat and stat[0] not in "ZX" and _proc_marked(pid, self.state):
                    found.append(pid)
        return found

    def kill(self, names, grace=20.0):
        """SIGTERM to each named process group, SIGKILL after ``grace`` seconds; removes the pid files."""
        groups = {}
        for name in names:
            pid = self.read_pid(name)
            if pid and (_proc_marked(pid, self.state) or any(
                    _proc_marked(m, self.state) for m in self._group_members(pid))):
                groups[name] = pid
        for name, pgid in groups.items():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGTERM)
        end = time.monotonic() + grace
        while time.monotonic() < end:
            for proc in self.children.values():
                proc.poll()
            if not any(self._group_members(pgid) for pgid in groups.values()):
                break
            time.sleep(0.2)
        for name, pgid in groups.items():
            if self._group_members(pgid):
                log("%s did not end on SIGTERM; SIGKILL" % name)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)
        end = time.monotonic() + 10
        while time.monotonic() < end and any(self._group_members(pgid) for pgid in groups.values()):
            for proc in self.children.values():
                proc.poll()
            time.sleep(0.1)
        for name in names:
            with contextlib.suppress(OSError):
                os.remove(self.pid_path(name))
            proc = self.children.pop(name, None)
            if proc is not None:
                proc.poll()
        return groups

    # ---- configuration files
    def write_configs(self):
        for sub in ("etc", "logs", "pids", "keystone", "nova/lock", "rabbitmq/home", "rabbitmq/mnesia",
                    "rabbitmq/log", "mysql/tmp"):
            os.makedirs(self.path(sub), exist_ok=True)
        p = self.ports
        db = "mysql+pymysql://%s:%s@127.0.0.1:%d/%%s?charset=utf8" % (DB_USER, DB_PASSWORD, p["mysql"])
        auth_url = "http://127.0.0.1:%d/v3" % p["keystone"]
        service_auth = (
            "auth_type = password\n"
            "auth_url = %s\n"
            "username = %s\n"
            "password = %s\n"
            "project_name = %s\n"
            "user_domain_name = %s\n"
            "project_domain_name = %s\n"
            "region_name = %s\n" % (auth_url, ADMIN_USER, ADMIN_PASSWORD, ADMIN_PROJECT, DOMAIN, DOMAIN, REGION))
        authtoken = ("[keystone_authtoken]\nwww_authenticate_uri = %s\nservice_token_roles_required = false\n"
                     % auth_url) + service_auth
        common = "[DEFAULT]\ndebug = %s\nuse_stderr = true\n" % ("true" if self.debug else "false")

        self._write("etc/keystone.conf", common + (
            "\n[database]\nconnection = %(db)s\n"
            "\n[token]\nprovider = fernet\nexpiration = 28800\n"
            "\n[fernet_tokens]\nkey_repository = %(fernet)s\n"
            "\n[fernet_receipts]\nkey_repository = %(fernet)s\n"
            "\n[credential]\nkey_repository = %(cred)s\n"
            # without a cache keystone runs ~500 SQL queries per token validation (1.5 s here); one uwsgi
            # process, so an in-process cache stays coherent
            "\n[cache]\nenabled = true\nbackend = oslo_cache.dict\nexpiration_time = 600\n") % {
                "db": db % "keystone", "fernet": self.path("keystone", "fernet-keys"),
                "cred": self.path("keystone", "credential-keys")})

        os.makedirs(self.path("etc", "placement"), exist_ok=True)
        self._write("etc/placement/placement.conf", common + (
            "\n[placement_database]\nconnection = %s\n"
            "\n[api]\nauth_strategy = keystone\n\n") % (db % "placement") + authtoken)

        amqp = "rabbit://guest:guest@127.0.0.1:%d/" % p["amqp"]
        self._write("etc/nova.conf", common + (
            "host = realnova-controller\n"
            "state_path = %(state)s\n"
            "my_ip = 127.0.0.1\n"
            # each compute tells the scheduler its instances this often (default 120 s); until then the scheduler
            # still counts a live-migrated instance on its old host (tests/mocks/nova/README.md)
            "scheduler_instance_sync_interval = 30\n"
            "transport_url = %(amqp)s\n"
            "compute_driver = fake.FakeLiveMigrateDriverWithPciResources\n"
            "enabled_apis = osapi_compute\n"
            "osapi_compute_listen = 127.0.0.1\n"
            "osapi_compute_listen_port = %(nova_port)d\n"
            "osapi_compute_workers = 1\n"
            "report_interval = 5\n"
            "service_down_time = 30\n"
            "graceful_shutdown_timeout = 5\n"
            "reserved_host_memory_mb = 512\n"
            "ram_allocation_ratio = 1.0\n"
            "cpu_allocation_ratio = 4.0\n"
            "disk_allocation_ratio = 1.0\n"
            "heal_instance_info_cache_interval = -1\n"
            "sync_power_state_interval = -1\n"
            "instance_usage_audit = false\n"
            "\n[api]\nauth_strategy = keystone\n"
            "\n[wsgi]\napi_paste_config = /etc/nova/api-paste.ini\n"
            "\n[api_database]\nconnection = %(api_db)s\n"
            "\n[database]\nconnection = %(cell_db)s\n"
            "\n[conductor]\nworkers = 1\n"
            "\n[scheduler]\nworkers = 1\ndiscover_hosts_in_cells_interval = -1\n"
            "\n[filter_scheduler]\nenabled_filters = %(filters)s\n"
            "\n[pci]\ndevice_spec = %(pci_spec)s\nalias = %(pci_alias)s\n"
            "\n[quota]\ninstances = -1\ncores = -1\nram = -1\nserver_groups = -1\nserver_group_members = -1\n"
            "\n[oslo_concurrency]\nlock_path = %(lock)s\n"
            "\n[vnc]\nenabled = false\n"
            "\n[glance]\nendpoint_override = http://127.0.0.1:%(image_port)d\n"
            "\n[neutron]\nendpoint_override = http://127.0.0.1:%(network_port)d\n%(service_auth)s"
            "\n[placement]\nvalid_interfaces = public\n%(service_auth)s"
            "\n%(authtoken)s") % {
                "state": self.path("nova"), "amqp": amqp, "nova_port": p["nova"],
                "api_db": db % "nova_api", "cell_db": db % "nova", "lock": self.path("nova", "lock"),
                "image_port": p["image"], "network_port": p["network"], "service_auth": service_auth,
                "authtoken": authtoken, "filters": ",".join(SCHEDULER_FILTERS),
                "pci_spec": json.dumps(PCI_DEVICE_SPEC, sort_keys=True),
                "pci_alias": json.dumps({"name": PCI_ALIAS, "device_type": PCI_DEVICE_TYPE}, sort_keys=True)})

        for host in self.computes:
            base = self.path("computes", host)
            for sub in ("instances", "lock"):
                os.makedirs(os.path.join(base, sub), exist_ok=True)
            self._write("etc/nova-compute.%s.conf" % host, (
                "[DEFAULT]\nhost = %s\nstate_path = %s\ninstances_path = %s\n"
                "\n[oslo_concurrency]\nlock_path = %s\n") % (
                    host, base, os.path.join(base, "instances"), os.path.join(base, "lock")))

        self._write("rabbitmq/rabbitmq.conf", "loopback_users.guest = true\ndisk_free_limit.absolute = 50MB\n"
                    "log.console = true\nlog.console.level = warning\nlog.file = false\n")
        self._write("rabbitmq/enabled_plugins", "[].\n")
        self._write("rabbitmq/rabbitmq-env.conf", "")

    def _write(self, rel, text):
        if self._collect is not None:
            self._collect[rel] = text
            return
        with open(self.path(rel), "w") as fh:
            fh.write(text)

    # process(es) each generated file configures (clouds.yaml is the clients')
    def _config_users(self, rel):
        if rel == "etc/nova.conf":
            return ["nova-api", "nova-conductor", "nova-scheduler"] + [self.compute_name(h) for h in self.computes]
        if rel.startswith("etc/nova-compute."):
            return [self.compute_name(rel[len("etc/nova-compute."):-len(".conf")])]
        if rel == "etc/keystone.conf":
            return ["keystone"]
        if rel.startswith("etc/placement/"):
            return ["placement"]
        if rel.startswith("rabbitmq/"):
            return ["rabbitmq"]
        return []

    def stale_processes(self):
        """Processes whose configuration file differs from what this stack.py generates (a stack started
        by an older stack.py), ignoring the ``debug`` line so that ``start --debug`` stays a no-op on a
        running stack."""
        self._collect = {}
        try:
            self.write_configs()
            wanted = self._collect
        finally:
            self._collect = None

        def norm(text):
            return [line for line in text.splitlines() if not line.startswith("debug = ")]
        stale = []
        for rel, text in sorted(wanted.items()):
            try:
                with open(self.path(rel)) as fh:
                    current = fh.read()
            except OSError:
                current = None
            if current is None or norm(current) != norm(text):
                stale.extend(n for n in self._config_users(rel) if n not in stale)
        return stale

    # ---- component launchers
    def start_mysqld(self):
        datadir = self.path("mysql", "data")
        if not os.path.isdir(os.path.join(datadir, "mysql")):
            shutil.rmtree(datadir, ignore_errors=True)
            os.makedirs(datadir)
            argv = ["/usr/bin/mariadb-install-db", "--no-defaults", "--datadir=" + datadir, "--basedir=/usr",
                    "--auth-root-authentication-method=socket", "--skip-test-db"]
            if os.geteuid() == 0:
                argv.append("--user=root")
            log("initialising MariaDB datadir")
            self.run("mysqld-install", argv)
        argv = [MARIADBD, "--no-defaults", "--datadir=" + datadir, "--socket=" + self.path("mysql", "mysqld.sock"),
                "--port=%d" % self.ports["mysql"], "--bind-address=127.0.0.1", "--skip-name-resolve",
                "--pid-file=" + self.path("mysql", "mysqld.pid"), "--tmpdir=" + self.path("mysql", "tmp"),
                "--skip-log-bin", "--max-connections=600", "--character-set-server=utf8mb3",
                "--collation-server=utf8mb3_general_ci",
                "--innodb-buffer-pool-size=128M", "--innodb-log-file-size=64M",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-use-native-aio=0",
                "--performance-schema=OFF", "--skip-external-locking", "--thread-cache-size=32",
                "--innodb-stats-persistent=0", "--sync-binlog=0"]
        if os.geteuid() == 0:
            argv.append("--user=root")
        self.launch("mysqld", argv)

    def mysql(self, sql):
        user = "root" if os.geteuid() == 0 else os.environ.get("USER") or "root"
        argv = ["/usr/bin/mariadb", "--no-defaults", "--socket=" + self.path("mysql", "mysqld.sock"), "-u", user,
                "-e", sql]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
                              env=self.child_env(), timeout=30)

    def wait_mysqld(self):
        def ready():
            if not self.alive("mysqld"):
                raise StackError("mysqld exited; read %s" % self.log_path("mysqld"))
            return self.mysql("SELECT 1").returncode == 0
        self.wait_for("MariaDB", ready, ["mysqld"])
        statements = ["CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8" % name for name in DATABASES]
        for host in ("127.0.0.1", "localhost"):
            statements.append("CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s'" % (DB_USER, host, DB_PASSWORD))
            statements.append("GRANT ALL PRIVILEGES ON *.* TO '%s'@'%s'" % (DB_USER, host))
        res = self.mysql("; ".join(statements))
        if res.returncode:
            raise StackError("creating databases failed: %s" % res.stderr.strip())

    def rabbit_env(self):
        r = self.path("rabbitmq")
        return {
            "HOME": os.path.join(r, "home"),
            "ERL_EPMD_PORT": str(self.ports["epmd"]),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODENAME": "realnova@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.ports["amqp"]),
            "RABBITMQ_DIST_PORT": str(self.ports["erlang_dist"]),
            "RABBITMQ_MNESIA_BASE": os.path.join(r, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(r, "log"),
            "RABBITMQ_CONFIG_FILE": os.path.join(r, "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(r, "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(r, "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": os.path.join(r, "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": os.path.join(r, "rabbitmq.pid"),
            # one scheduler, no busy-waiting: the machine has two cores and nova's traffic is light
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+S 1:1 +sbwt none +sbwtdcpu none +sbwtdio none",
        }

    def start_rabbit(self):
        env = self.rabbit_env()
        self.launch("epmd", ["/usr/bin/epmd", "-port", str(self.ports["epmd"]), "-address", "127.0.0.1"], env)
        self.wait_for("epmd", lambda: port_open(self.ports["epmd"]), ["epmd"], interval=0.1)
        self.launch("rabbitmq", [RABBITMQ_SERVER], env)

    def wait_rabbit(self):
        def ready():
            if not self.alive("rabbitmq"):
                raise StackError("rabbitmq-server exited; read %s" % self.log_path("rabbitmq"))
            return port_open(self.ports["amqp"])
        self.wait_for("RabbitMQ", ready, ["rabbitmq"])

    def start_stubs(self):
        self.launch("stubs", [sys.executable if sys.executable else OS_PYTHON, os.path.join(HERE, "stubs.py"),
                              "--image-port", str(self.ports["image"]), "--network-port", str(self.ports["network"]),
                              "--image-id", IMAGE_ID])

    def uwsgi_argv(self, name, wsgi_file, port):
        return [UWSGI, "--plugin", "python3", "--master", "--processes", "1", "--threads", "2",
                "--http-socket", "127.0.0.1:%d" % port, "--wsgi-file", wsgi_file, "--die-on-term",
                "--need-app", "--add-header", "Connection: close", "--buffer-size", "65535",
                "--disable-logging", "--procname-prefix", "realnova-%s-" % name, "--no-orphans"]

    def keystone_manage(self, *args):
        return self.run("keystone-setup", [OS_PYTHON, "/usr/bin/keystone-manage", "--config-file",
                                           self.path("etc", "keystone.conf")] + list(args))

    def setup_keystone(self):
        self.keystone_manage("db_sync")
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "root")
        group = subprocess.run(["id", "-gn"], capture_output=True, text=True, check=False).stdout.strip() or user
        self.keystone_manage("fernet_setup", "--keystone-user", user, "--keystone-group", group)
        self.keystone_manage("credential_setup", "--keystone-user", user, "--keystone-group", group)
        url = "http://127.0.0.1:%d/v3" % self.ports["keystone"]
        self.keystone_manage("bootstrap", "--bootstrap-password", ADMIN_PASSWORD, "--bootstrap-username", ADMIN_USER,
                             "--bootstrap-project-name", ADMIN_PROJECT, "--bootstrap-role-name", "admin",
                             "--bootstrap-service-name", "keystone", "--bootstrap-region-id", REGION,
                             "--bootstrap-admin-url", url, "--bootstrap-public-url", url,
                             "--bootstrap-internal-url", url)

    def start_keystone(self):
        self.launch("keystone", self.uwsgi_argv("keystone", "/usr/bin/keystone-wsgi-public", self.ports["keystone"]),
                    {"OS_KEYSTONE_CONFIG_FILES": self.path("etc", "keystone.conf")})

    def setup_placement(self):
        self.run("placement-setup", [OS_PYTHON, "/usr/bin/placement-manage", "--config-file",
                                     self.path("etc", "placement", "placement.conf"), "db", "sync"])

    def start_placement(self):
        self.launch("placement", self.uwsgi_argv("placement", "/usr/bin/placement-api", self.ports["placement"]),
                    {"OS_PLACEMENT_CONFIG_DIR": self.path("etc", "placement")})

    def nova_manage(self, *args, ok=(0,)):
        return self.run("nova-manage", [OS_PYTHON, "/usr/bin/nova-manage", "--config-file",
                                        self.path("etc", "nova.conf")] + list(args), ok=ok)

    def setup_nova(self):
        self.nova_manage("api_db", "sync")
        self.nova_manage("cell_v2", "map_cell0", "--database_connection",
                         "mysql+pymysql://%s:%s@127.0.0.1:%d/nova_cell0?charset=utf8" % (
                             DB_USER, DB_PASSWORD, self.ports["mysql"]))
        self.nova_manage("cell_v2", "create_cell", "--name", "cell1", ok=(0, 2))  # 2: it exists already
        self.nova_manage("db", "sync")

    def nova_argv(self, service, *conf):
        files = [self.path("etc", "nova.conf")] + list(conf)
        argv = [OS_PYTHON, os.path.join(HERE, "novarun.py"), service]
        for f in files:
            argv += ["--config-file", f]
        return argv

    def start_nova_controllers(self):
        for service in ("conductor", "scheduler", "api"):
            self.launch("nova-" + service, self.nova_argv(service))

    def start_compute(self, host):
        self.launch(self.compute_name(host),
                    self.nova_argv("compute", self.path("etc", "nova-compute.%s.conf" % host)),
                    {"REALNOVA_FAKE_MEMORY_MB": str(self.memory_mb), "REALNOVA_FAKE_VCPUS": str(self.vcpus),
                     "REALNOVA_FAKE_DISK_GB": str(self.disk_gb)})

    # ---- REST calls
    @property
    def auth_url(self):
        return "http://127.0.0.1:%d/v3" % self.ports["keystone"]

    def token(self, refresh=False):
        if self._token and not refresh:
            return self._token
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": ADMIN_USER, "password": ADMIN_PASSWORD, "domain": {"name": DOMAIN}}}},
            "scope": {"project": {"name": ADMIN_PROJECT, "domain": {"name": DOMAIN}}}}}
        status, hdrs, unused = http("POST", self.auth_url + "/auth/tokens", body)
        if status != 201:
            raise StackError("keystone refused the admin login (HTTP %d)" % status)
        self._token = hdrs["X-Subject-Token"]
        return self._token

    def api(self, method, url, body=None, headers=None, ok=(200,)):
        hdrs = {"X-Auth-Token": self.token()}
        hdrs.update(headers or {})
        status, unused, data = http(method, url, body, hdrs)
        if status == 401:
            hdrs["X-Auth-Token"] = self.token(refresh=True)
            status, unused, data = http(method, url, body, hdrs)
        if status not in ok:
            raise StackError("%s %s -> HTTP %d: %s" % (method, url, status, json.dumps(data)[:500]))
        return data

    def nova(self, method, path, body=None, microversion="2.53", ok=(200,)):
        return self.api(method, "http://127.0.0.1:%d/v2.1%s" % (self.ports["nova"], path), body,
                        {"X-OpenStack-Nova-API-Version": microversion}, ok)

    def placement_api(self, path):
        return self.api("GET", "http://127.0.0.1:%d%s" % (self.ports["placement"], path),
                        headers={"OpenStack-API-Version": "placement 1.14"})

    def register_catalog(self):
        """Services and endpoints beyond identity (created by keystone-manage bootstrap)."""
        wanted = {
            "placement": ("placement", "http://127.0.0.1:%d" % self.ports["placement"]),
            "compute": ("nova", "http://127.0.0.1:%d/v2.1" % self.ports["nova"]),
            "image": ("glance", "http://127.0.0.1:%d" % self.ports["image"]),
            "network": ("neutron", "http://127.0.0.1:%d" % self.ports["network"]),
        }
        services = self.api("GET", self.auth_url + "/services")["services"]
        endpoints = self.api("GET", self.auth_url + "/endpoints")["endpoints"]
        for stype, (sname, url) in wanted.items():
            svc = next((s for s in services if s["type"] == stype), None)
            if svc is None:
                svc = self.api("POST", self.auth_url + "/services",
                               {"service": {"type": stype, "name": sname, "enabled": True}}, ok=(201,))["service"]
            for interface in ("public", "internal", "admin"):
                have = [e for e in endpoints if e["service_id"] == svc["id"] and e["interface"] == interface]
                if any(e["url"] == url for e in have):
                    continue
                for stale in have:
                    self.api("DELETE", self.auth_url + "/endpoints/" + stale["id"], ok=(204,))
                self.api("POST", self.auth_url + "/endpoints", {"endpoint": {
                    "service_id": svc["id"], "interface": interface, "url": url, "region_id": REGION}}, ok=(201,))

    def ensure_flavors(self):
        have = {f["name"]: f["id"] for f in self.nova("GET", "/flavors?is_public=None")["flavors"]}
        for name, ram, vcpus, disk, extra_specs in FLAVORS:
            flavor_id = have.get(name)
            if flavor_id is None:
                flavor_id = self.nova("POST", "/flavors", {"flavor": {
                    "name": name, "ram": ram, "vcpus": vcpus, "disk": disk}})["flavor"]["id"]
                log("created flavor %s" % name)
            elif not extra_specs:
                continue
            if extra_specs:
                current = self.nova("GET", "/flavors/%s/os-extra_specs" % flavor_id)["extra_specs"]
                if any(current.get(k) != v for k, v in extra_specs.items()):
                    self.nova("POST", "/flavors/%s/os-extra_specs" % flavor_id, {"extra_specs": extra_specs})
                    log("flavor %s: extra specs %s" % (name, json.dumps(extra_specs, sort_keys=True)))

    def compute_services(self):
        return {s["host"]: s for s in self.nova("GET", "/os-services?binary=nova-compute")["services"]}

    def compute_fresh(self, host, svc):
        """The host's nova-compute reports: heard from since its launch when this invocation launched it,
        else ``up`` (or forced down, which nova shows as ``down``, with a recent heartbeat)."""
        if svc is None:
            return False
        stamp = svc.get("updated_at")
        seen = calendar.timegm(time.strptime(stamp.split(".")[0], "%Y-%m-%dT%H:%M:%S")) if stamp else None
        launched = self.launched_at.get(self.compute_name(host))
        if launched is not None:
            return seen is not None and seen > int(launched)
        if svc.get("state") == "up":
            return True
        return bool(svc.get("forced_down")) and seen is not None and time.time() - seen < 30

    def computes_ready(self, hosts):
        services = self.compute_services()
        for host in hosts:
            if not self.alive(self.compute_name(host)):
                raise StackError("nova-compute for %s exited; read %s" % (host, self.log_path(self.compute_name(host))))
            if not self.compute_fresh(host, services.get(host)):
                return False
            if not self.placement_api("/resource_providers?name=" + host)["resource_providers"]:
                return False
        return True

    def unforce(self, hosts):
        for host, svc in self.compute_services().items():
            if host in hosts and svc.get("forced_down"):
                log("%s is forced down; setting forced_down=false" % host)
                try:
                    self.nova("PUT", "/os-services/%s" % svc["id"], {"forced_down": False})
                except StackError as exc:  # e.g. evacuation records not yet cleaned up by that compute
                    log("warning: %s stays forced down: %s" % (host, exc))

    # ---- waiting
    def wait_for(self, what, check, logs, interval=0.5):
        while True:
            try:
                if check():
                    return
                error = None
            except StackError:
                raise
            except (OSError, ValueError, KeyError) as exc:
                error = exc
            if time.monotonic() > self.deadline:
                raise StackError("timed out after %.0f s waiting for %s%s\n  read: %s" % (
                    self.timeout, what, " (last error: %s)" % error if error else "",
                    ", ".join(self.log_path(n) for n in logs)))
            time.sleep(interval)

    def http_ok(self, port, path="/"):
        try:
            status = http("GET", "http://127.0.0.1:%d%s" % (port, path), timeout=5)[0]
        except OSError:
            return False
        return status < 500

    def check_ports_free(self, names_ports):
        busy = ["%s (%d)" % (n, p) for n, p in names_ports if port_open(p)]
        if busy:
            raise StackError("ports in use by something this stack did not start: %s; run stack.py stop, or "
                             "choose --port-base" % ", ".join(busy))

    # ---- top-level commands
    def healthy(self):
        if not all(self.alive(n) for n in self.components()):
            return False
        if not all(self.http_ok(self.ports[k]) for k in ("keystone", "placement", "nova", "image", "network")):
            return False
        try:
            services = self.compute_services()
        except (OSError, StackError):
            return False
        return all(services.get(h, {}).get("state") == "up" for h in self.computes)

    def start(self, fresh=False):
        os.makedirs(self.state, exist_ok=True)
        self.deadline = time.monotonic() + self.timeout
        with self.locked():
            if fresh:
                self.stop_all()
                log("wiping %s" % self.state)
                for entry in os.listdir(self.state):
                    if entry != ".lock":
                        target = self.path(entry)
                        if os.path.isdir(target) and not os.path.islink(target):
                            shutil.rmtree(target)
                        else:
                            os.remove(target)
            elif os.path.exists(self.path("env.json")) and self.healthy():
                stale = self.stale_processes()
                if not stale:
                    log("already up")
                    self.write_client_files()
                    return
                # started by an older stack.py: restart what the new configuration concerns
                log("configuration changed since the stack started; restarting %s" % ", ".join(stale))
                self.kill(stale)
            saved = self._load_json("settings.json")
            if saved and saved.get("port_base") != self.port_base and any(
                    self.alive(n) for n in self.components()):
                raise StackError("the running stack uses port base %s; stop it first" % saved.get("port_base"))
            self._save_json("settings.json", {"computes": self.computes, "port_base": self.port_base,
                                              "memory_mb": self.memory_mb, "vcpus": self.vcpus,
                                              "disk_gb": self.disk_gb})
            self.write_configs()
            setup = self._load_json("setup.json") or {}
            port_owner = {"mysql": "mysqld", "epmd": "epmd", "amqp": "rabbitmq", "image": "stubs",
                          "network": "stubs", "keystone": "keystone", "placement": "placement", "nova": "nova-api"}
            self.check_ports_free([(k, self.ports[k]) for k, owner in port_owner.items() if not self.alive(owner)])

            self.start_mysqld()
            self.start_rabbit()
            self.start_stubs()
            self.wait_mysqld()

            def keystone_chain():
                if not setup.get("keystone"):
                    log("keystone: db_sync, fernet keys, bootstrap")
                    self.setup_keystone()
                    setup["keystone"] = True
                self.start_keystone()
                self.wait_for("keystone", lambda: self.http_ok(self.ports["keystone"], "/v3"), ["keystone"])
                log("keystone answers")
                if not setup.get("catalog"):
                    self.register_catalog()
                    setup["catalog"] = True
                    log("service catalog registered")

            def placement_chain():
                if not setup.get("placement"):
                    log("placement: db sync")
                    self.setup_placement()
                    setup["placement"] = True
                self.start_placement()
                self.wait_for("placement", lambda: self.http_ok(self.ports["placement"]), ["placement"])
                log("placement answers")

            def nova_chain():
                if not setup.get("nova"):
                    log("nova: api_db sync, cells, db sync")
                    self.setup_nova()
                    setup["nova"] = True
                    log("nova databases ready")
                # not waiting for RabbitMQ (about 9 s to boot): nova's services take longer than that to
                # import and they retry the connection
                self.start_nova_controllers()

            self.parallel([keystone_chain, placement_chain, nova_chain])
            self._save_json("setup.json", setup)
            for host in self.computes:
                self.start_compute(host)
            self.wait_rabbit()
            self.wait_for("nova-api", lambda: self.http_ok(self.ports["nova"]), ["nova-api"])
            log("nova-api answers")
            self.ensure_flavors()
            self.wait_for("nova-compute services up with resource providers (%s)" % ", ".join(self.computes),
                          lambda: self.computes_ready(self.computes),
                          ["nova-compute." + h for h in self.computes] + ["nova-conductor", "placement"], interval=1)
            log("all %d computes up" % len(self.computes))
            if sorted(setup.get("discovered", [])) != sorted(self.computes):
                self.nova_manage("cell_v2", "discover_hosts")
                setup["discovered"] = sorted(self.computes)
                self._save_json("setup.json", setup)
                log("hosts discovered")
            self.unforce(self.computes)
            self.write_client_files()
            log("stack up: clouds.yaml and env.json in %s" % self.state)

    def parallel(self, funcs):
        errors = []

        def wrap(fn):
            try:
                fn()
            except Exception as exc:  # reported below, after every chain finished
                errors.append(exc)

        threads = [threading.Thread(target=wrap, args=(fn,)) for fn in funcs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0] if isinstance(errors[0], StackError) else StackError(repr(errors[0]))

    def client_env(self):
        return {
            "auth_url": self.auth_url,
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
            "project_name": ADMIN_PROJECT,
            "user_domain_name": DOMAIN,
            "project_domain_name": DOMAIN,
            "region_name": REGION,
            "interface": "public",
            "computes": list(self.computes),
            "ports": dict(self.ports),
            "image_id": IMAGE_ID,
            "flavors": {name: {"ram": ram, "vcpus": vcpus, "disk": disk, "extra_specs": dict(extra_specs)}
                        for name, ram, vcpus, disk, extra_specs in FLAVORS},
            "pci_alias": {"name": PCI_ALIAS, "device_type": PCI_DEVICE_TYPE, "per_host": 3},
            "host_memory_mb": self.memory_mb,
            "reserved_host_memory_mb": 512,
            "host_vcpus": self.vcpus,
            "compute_endpoint": "http://127.0.0.1:%d/v2.1" % self.ports["nova"],
            "placement_endpoint": "http://127.0.0.1:%d" % self.ports["placement"],
            "state_dir": self.state,
            "logs_dir": self.path("logs"),
            "stack_py": os.path.abspath(__file__),
        }

    def write_client_files(self):
        env = self.client_env()
        self._save_json("env.json", env)
        self._write("clouds.yaml", (
            "clouds:\n"
            "  realnova:\n"
            "    auth:\n"
            "      auth_url: %(auth_url)s\n"
            "      username: %(username)s\n"
            "      password: %(password)s\n"
            "      project_name: %(project_name)s\n"
            "      user_domain_name: %(user_domain_name)s\n"
            "      project_domain_name: %(project_domain_name)s\n"
            "    auth_type: password\n"
            "    identity_api_version: 3\n"
            "    region_name: %(region_name)s\n"
            "    interface: public\n") % env)

    def stop_all(self):
        names = set(self.components())
        pids_dir = self.path("pids")
        if os.path.isdir(pids_dir):
            names.update(f[:-4] for f in os.listdir(pids_dir) if f.endswith(".pid"))
        order = [[n for n in names if n.startswith("nova-")],
                 [n for n in names if n in ("keystone", "placement", "stubs")],
                 [n for n in names if n in ("rabbitmq", "mysqld")],
                 [n for n in names if n == "epmd"]]
        order.append(sorted(names - set(sum(order, []))))
        for group in order:
            if group:
                killed = self.kill(group)
                if killed:
                    log("stopped %s" % ", ".join(sorted(killed)))
        strays = self._marked_processes()
        if strays:  # started by this stack (they carry its mark) but outside the recorded groups
            log("ending %d leftover process(es) of this stack: %s" % (len(strays), strays))
            for pid in strays:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

    def stop(self):
        if not os.path.isdir(self.state):
            log("nothing to stop (%s does not exist)" % self.state)
            return
        with self.locked():
            self.stop_all()
        log("stopped")

    def stop_compute(self, host):
        self._check_host(host)
        with self.locked():
            killed = self.kill([self.compute_name(host)])
        log("stopped nova-compute %s" % host if killed else "nova-compute %s was not running" % host)

    def start_compute_cmd(self, host):
        self._check_host(host)
        self.deadline = time.monotonic() + self.timeout
        with self.locked():
            self.start_compute(host)
            self.wait_for("nova-compute %s up" % host, lambda: self.computes_ready([host]),
                          [self.compute_name(host)], interval=0.5)
        log("nova-compute %s up" % host)

    def restart_compute(self, host):
        self.stop_compute(host)
        self.start_compute_cmd(host)

    def _check_host(self, host):
        if host not in self.computes:
            raise StackError("unknown compute host %r (the stack has %s)" % (host, ", ".join(self.computes)))

    def status(self):
        ok = True
        for name in self.components():
            pid = self.read_pid(name)
            up = self.alive(name)
            ok = ok and up
            print("%-26s %-8s %s" % (name, "running" if up else "STOPPED", pid or "-"))
        for key in ("keystone", "placement", "nova", "image", "network"):
            up = self.http_ok(self.ports[key])
            ok = ok and up
            print("%-26s %-8s http://127.0.0.1:%d" % (key + " endpoint", "answers" if up else "DOWN", self.ports[key]))
        try:
            services = self.compute_services()
            for host in self.computes:
                svc = services.get(host) or {}
                ok = ok and svc.get("state") == "up"
                print("%-26s %-8s status=%s forced_down=%s updated_at=%s" % (
                    "service " + host, svc.get("state", "MISSING"), svc.get("status"), svc.get("forced_down"),
                    svc.get("updated_at")))
        except (OSError, StackError) as exc:
            ok = False
            print("compute services: cannot ask nova (%s)" % exc)
        print("state dir: %s" % self.state)
        return 0 if ok else 1

    @contextlib.contextmanager
    def locked(self):
        os.makedirs(self.state, exist_ok=True)
        with open(self.path(".lock"), "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def main(argv=None):
    parser = argparse.ArgumentParser(description="A real nova (Zed) on 127.0.0.1 for tests.")
    parser.add_argument("--state-dir", default=os.environ.get("REALNOVA_STATE_DIR", DEFAULT_STATE_DIR))
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="bring the stack up (idempotent)")
    start.add_argument("--fresh", action="store_true", help="wipe the state dir (databases included) first")
    start.add_argument("--computes", type=int, help="number of nova-compute hosts (default 3, or as last time)")
    start.add_argument("--port-base", type=int, help="ports are this plus fixed offsets (default %d)" % DEFAULT_PORT_BASE)
    start.add_argument("--memory-mb", type=int, help="fake host RAM per compute (default 8192)")
    start.add_argument("--vcpus", type=int, help="fake host vCPUs per compute (default 8)")
    start.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for the stack (default 240)")
    start.add_argument("--debug", action="store_true", help="debug logging in every service")
    sub.add_parser("stop", help="end every process of the stack")
    sub.add_parser("status", help="show processes, endpoints and compute services")
    for name in ("stop-compute", "start-compute", "restart-compute"):
        p = sub.add_parser(name)
        p.add_argument("host")
        if name != "stop-compute":
            p.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)

    kwargs = {}
    if args.command == "start":
        kwargs = dict(computes=args.computes, port_base=args.port_base, memory_mb=args.memory_mb,
                      vcpus=args.vcpus, timeout=args.timeout, debug=args.debug)
    elif getattr(args, "timeout", None):
        kwargs = dict(timeout=args.timeout)
    stack = Stack(args.state_dir, **kwargs)
    started = time.monotonic()
    try:
        if args.command == "start":
            stack.start(fresh=args.fresh)
            log("start took %.1f s" % (time.monotonic() - started))
        elif args.command == "stop":
            stack.stop()
        elif args.command == "status":
            return stack.status()
        elif args.command == "stop-compute":
            stack.stop_compute(args.host)
        elif args.command == "start-compute":
            stack.start_compute_cmd(args.host)
        elif args.command == "restart-compute":
            stack.restart_compute(args.host)
    except StackError as exc:
        sys.stderr.write("realnova: %s: FAILED: %s\n" % (args.command, exc))
        if args.command == "start":
            sys.stderr.write("realnova: processes are left running for inspection; "
                             "`%s stop` ends them\n" % os.path.relpath(os.path.abspath(__file__)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
