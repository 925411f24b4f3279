# -*- coding: utf-8 -*-
"""A throw-away OpenSSH server on 127.0.0.1 for the default-update tests: the compute nodes' inventory entries.

Debian's /usr/sbin/sshd runs as root in the foreground on a free port with everything under one directory
(config, host key, the client's key and authorized_keys, pid file, log). The inventory entries it serves run
their modules with a python wrapper that records, per module run, the SSH connection it came over, then runs
the system python (/usr/bin/python3, which has python3-apt for ansible.builtin.apt).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SSHD = "/usr/sbin/sshd"
SYSTEM_PYTHON = "/usr/bin/python3"

CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
Subsystem sftp internal-sftp
"""

PYTHON_WRAPPER = """\
#!/bin/sh
# The target's python, as the inventory names it: note the module run and the SSH connection, run it.
echo "${{SSH_CONNECTION:-no-ssh}} $*" >> {log}
exec {python} "$@"
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


class LocalSshd:
    """sshd on 127.0.0.1:<free port>, its files under `directory`; start() then stop() (always)."""

    def __init__(self, directory):
        self.dir = directory
        self.port = None
        self.process = None
        self.key = os.path.join(directory, "client_key")
        self.known_hosts = os.path.join(directory, "known_hosts")
        self.log = os.path.join(directory, "sshd.log")
        self.module_log = os.path.join(directory, "modules-over-ssh.log")
        self.python = os.path.join(directory, "python-on-target")
        # the SSH control sockets: a short path of their own (a Unix socket path has at most 107 bytes, which a
        # test directory under pytest's base temp can exceed)
        self.control_dir = tempfile.mkdtemp(prefix="vmf-ssh-")

    def _keys(self):
        os.makedirs(self.dir, exist_ok=True)
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vmfleet-test",
                            "-f", os.path.join(self.dir, name)], check=True)
        with open(self.key + ".pub") as public, open(os.path.join(self.dir, "authorized_keys"), "w") as handle:
            handle.write(public.read())
        os.chmod(os.path.join(self.dir, "authorized_keys"), 0o600)
        with open(self.python, "w") as handle:
            handle.write(PYTHON_WRAPPER.format(log=self.module_log, python=SYSTEM_PYTHON))
        os.chmod(self.python, 0o755)

    def start(self, attempts=5):
        self._keys()
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)   # sshd's privilege separation directory
        for _attempt in range(attempts):
            self.port = free_port()
            config = os.path.join(self.dir, "sshd_config")
            with open(config, "w") as handle:
                handle.write(CONFIG.format(port=self.port, dir=self.dir))
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [SSHD, "-D", "-f", config, "-E", self.log], stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None and not answers(self.port):
                time.sleep(0.05)
            if self.process.poll() is None and answers(self.port):
                with open(os.path.join(self.dir, "host_key.pub")) as handle:
                    key_type, key = handle.read().split()[:2]
                with open(self.known_hosts, "w") as handle:
                    handle.write("[127.0.0.1]:%d %s %s\n" % (self.port, key_type, key))
                return self
            self.stop()   # the port was taken in between (another test): try another
        raise RuntimeError("sshd did not start on 127.0.0.1; see %s" % self.log)

    def stop(self):
        """Stop the listener and the session processes it forked (by their ids)."""
        shutil.rmtree(self.control_dir, ignore_errors=True)
        if self.process is None:
            return
        children = self._children(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.process = None

    @staticmethod
    def _children(parent):
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == parent:
                found.append(int(entry))
        return found

    def inventory_host(self, remote_tmp):
        """The host vars of an inventory entry reached over this sshd as root."""
        return {
            "ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": self.port,
            "ansible_user": "root", "ansible_ssh_private_key_file": self.key,
            "ansible_python_interpreter": self.python, "ansible_remote_tmp": remote_tmp,
            # a control master that ends soon after the last command (and when stop() ends its session)
            "ansible_ssh_args": "-o ControlMaster=auto -o ControlPersist=5s -o IdentitiesOnly=yes",
            "ansible_ssh_common_args": "-o UserKnownHostsFile=%s" % self.known_hosts,
            "ansible_control_path_dir": self.control_dir,
        }

    def modules_run(self):
        """[(ssh connection, module name)] of every module the inventory entries ran through the wrapper."""
        runs = []
        if not os.path.exists(self.module_log):
            return runs
        with open(self.module_log) as handle:
            for line in handle:
                words = line.split()
                if not words:
                    continue
                connection = " ".join(words[:4]) if words[0] != "no-ssh" else ""
                script = os.path.basename(words[-1])
                if script.startswith("AnsiballZ_"):
                    runs.append((connection, script[len("AnsiballZ_"):].rsplit(".py", 1)[0]))
        return runs
