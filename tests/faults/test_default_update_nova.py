# -*- coding: utf-8 -*-
"""The default update of nova compute nodes (issue 12 §2): no rolling_update_update_tasks, so each node is
patched by its package manager over SSH on its inventory entry and rebooted by ansible.builtin.reboot.

The nodes' inventory entries are this machine through a throw-away sshd on 127.0.0.1 (Debian's openssh-server,
tests/update_defaults/sshd.py), the package step only simulates (platform_update_simulate) and the reboot
command tells the nova mock the host rebooted (tests/update_defaults/fake_reboot.py) and changes the boot id the
reboot module waits on."""

import hashlib
import os
import subprocess
import sys

import pytest

import harness

sys.path.insert(0, os.path.join(harness.ROOT, "tests", "update_defaults"))
from sshd import SYSTEM_PYTHON, LocalSshd  # noqa: E402  pylint: disable=wrong-import-position

FAKE_REBOOT = os.path.join(harness.ROOT, "tests", "update_defaults", "fake_reboot.py")
# two compute hosts: a whole rollout over SSH in well under a minute and a half
PAIR = os.path.join(harness.ROOT, "tests", "update_defaults", "nova_pair.yaml")

# python of a Linux host that is neither Debian nor Red Hat: this machine seen through a private mount
# namespace (root only) in which /etc/os-release says Alpine Linux and /sbin/apk exists; the machine itself
# is not touched.
ALPINE_PYTHON = """\
#!/bin/sh
exec unshare --mount --propagation private /bin/sh -c 'mount --bind {os_release} /etc/os-release &&
  mount -t tmpfs -o size=1m vmfleet-sbin /usr/sbin && : > /usr/sbin/apk && chmod 755 /usr/sbin/apk &&
  exec {python} "$@"' python "$@"
"""
ALPINE_OS_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n'


@pytest.fixture
def sshd(faults):
    if not os.path.exists("/usr/sbin/sshd") or os.geteuid() != 0:
        pytest.fail("needs root and Debian's openssh-server (/usr/sbin/sshd; make faults installs it)")
    server = LocalSshd(os.path.join(faults.workdir, "sshd"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def installed_packages_digest():
    """What dpkg has installed (package, version, status), and its status file, as one digest."""
    listing = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\n"],
                             check=True, capture_output=True).stdout
    with open("/var/lib/dpkg/status", "rb") as handle:
        return hashlib.sha256(listing + handle.read()).hexdigest()


def test_default_update_over_ssh_simulates_packages_and_reboots_every_node(faults, sshd):
    """Every compute node: apt ran in check mode on its inventory entry over SSH, the reboot went through the
    reboot command (the mock saw the host go down) and the boot id changed; nothing was installed, and the
    rollout ended well with every VM still running."""
    cluster = faults.nova(PAIR)
    hosts = cluster.host_names()
    remote_tmp = os.path.join(faults.workdir, "remote-tmp")
    cluster.inventory_targets = dict((host, sshd.inventory_host(remote_tmp)) for host in hosts)
    boots = os.path.join(faults.workdir, "boots")
    os.makedirs(boots)
    for host in hosts:
        with open(os.path.join(boots, "%s.boot_id" % host), "w") as handle:
            handle.write("first-boot\n")
    reboot_command = "%s %s %s {{ vmfleet_host }} %s 10" % (SYSTEM_PYTHON, FAKE_REBOOT, cluster.url, boots)
    installed = installed_packages_digest()
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(
        cluster, "default-1", timeout=180, rolling_update_update_tasks="",
        platform_update_simulate=True, platform_update_reboot="always", platform_update_reboot_timeout=60,
        platform_update_reboot_command=reboot_command,
        platform_update_boot_time_command="cat %s/{{ vmfleet_host }}.boot_id" % boots)
    sampler.stop()
    after = cluster.state()
    report = cluster.report("default-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    assert not problems, "\n".join(problems)

    over_this_sshd = "127.0.0.1 %d" % sshd.port
    with open(os.path.join(boots, "reboots.txt")) as handle:
        reboots = sorted(line.split(None, 2) for line in handle.read().splitlines())
    assert [(host, state) for host, state, _ssh in reboots] == [(host, "down") for host in hosts], reboots
    assert all(ssh.endswith(over_this_sshd) for _host, _state, ssh in reboots), reboots
    for host in hosts:
        with open(os.path.join(boots, "%s.boot_id" % host)) as handle:
            assert handle.read().strip() != "first-boot", "%s kept its boot id" % host

    modules = sshd.modules_run()
    apt_runs = [connection for connection, module in modules if module == "apt"]
    assert len(apt_runs) == len(hosts), "apt runs over SSH: %s (all modules: %s)" % (apt_runs, modules)
    assert all(connection.endswith(over_this_sshd) for connection, _module in modules), modules
    for host in hosts:
        assert "[%s -> %s(127.0.0.1)]" % (cluster.name, host) in output, "no task of %s on its entry" % host
        assert "%s on %s: " % (host, host) in output and "would be upgraded (simulated) with apt" in output
    assert output.count("; rebooted") >= len(hosts), output[-3000:]
    assert installed_packages_digest() == installed, "the simulated update changed what dpkg has installed"


def test_target_without_apt_or_dnf_fails_in_preflight_before_any_write(faults):
    """compute-1 and compute-2 are Linux with apk (an Alpine view of this machine), compute-0 is Debian: the
    run stops in preflight naming both, and only them; nothing written to the cloud, no lock left."""
    if os.geteuid() != 0:
        pytest.fail("needs root (a private mount namespace gives the Alpine view)")
    cluster = faults.nova()
    os_release = os.path.join(faults.workdir, "alpine-os-release")
    with open(os_release, "w") as handle:
        handle.write(ALPINE_OS_RELEASE)
    alpine_python = os.path.join(faults.workdir, "alpine-python")
    with open(alpine_python, "w") as handle:
        handle.write(ALPINE_PYTHON.format(os_release=os_release, python=SYSTEM_PYTHON))
    os.chmod(alpine_python, 0o755)
    cluster.inventory_targets = {
        "compute-0": {"ansible_connection": "local", "ansible_python_interpreter": SYSTEM_PYTHON},
        "compute-1": {"ansible_connection": "local", "ansible_python_interpreter": alpine_python},
        "compute-2": {"ansible_connection": "local", "ansible_python_interpreter": alpine_python},
    }
    before = cluster.state()
    cluster.control("DELETE", "/requests")
    rc, output = faults.run(cluster, "default-2", timeout=120, rolling_update_update_tasks="")
    after = cluster.state()
    assert rc != 0, "the run did not fail"
    assert ("it does not apply to compute-1 (on compute-1: Alpine Linux with package manager apk); "
            "compute-2 (on compute-2: Alpine Linux with package manager apk).") in " ".join(output.split()), \
        output[-3000:]
    assert "Nothing was moved" in output
    assert cluster.writes() == [], "writes to the cloud: %s" % cluster.writes()
    assert cluster.vms(after) == cluster.vms(before)
    assert cluster.out_of_service(after) == set()
    assert cluster.lock() is None, "a refused run left a lock: %s" % cluster.lock()
    assert cluster.report("default-2")["steps"] == []
