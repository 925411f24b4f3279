# -*- coding: utf-8 -*-
"""The collection as a user gets it: built into a tarball, installed elsewhere, used by FQCN from another directory."""

import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.dirname(sys.executable)
WINDOWS = os.path.join(ROOT, "build", "collections", "ansible_collections", "ansible", "windows")

PLAYBOOK = """
- name: Use the installed collection by FQCN
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Plan the drain of hv01
      vmfleet.maintenance.placement_plan:
        hosts:
          - {name: hv01, memory_mb: 65536}
          - {name: hv02, memory_mb: 65536}
          - {name: hv03, memory_mb: 65536}
        vms:
          - {name: db-1, host: hv01, memory_mb: 16384}
          - {name: web-1, host: hv01, memory_mb: 8192}
          - {name: web-2, host: hv02, memory_mb: 8192}
        rules:
          - {name: web-apart, kind: anti_affinity, vms: [web-1, web-2]}
        drain_hosts: [hv01]
      register: drain

    - name: Compare CAU's default with one host at a time on the same cluster
      vmfleet.maintenance.maintenance_simulate:
        hosts:
          - {name: hv01, memory_mb: 65536}
          - {name: hv02, memory_mb: 65536}
          - {name: hv03, memory_mb: 65536}
        vms:
          - {name: db-1, host: hv01, memory_mb: 16384}
          - {name: web-1, host: hv01, memory_mb: 8192}
          - {name: web-2, host: hv02, memory_mb: 8192}
        rolling_order: [hv01, hv02, hv03]
        strategies: [vmfleet]
      register: whatif

    - name: The plan empties hv01 and the simulation updates every host
      ansible.builtin.assert:
        that:
          - drain.plan.feasible
          - drain.plan.moves | map(attribute='vm') | sort == ['db-1', 'web-1']
          - "'hv03' in drain.plan.moves | selectattr('vm', 'eq', 'web-1') | map(attribute='target')"
          - whatif.simulation.strategies.vmfleet.hosts_updated == 3
"""


def _run(args, env, cwd):
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, "%s\n%s\n%s" % (" ".join(args), result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The tarball and an environment that sees only the installed copy (and ansible.windows, its dependency)."""
    assert os.path.isdir(WINDOWS), "ansible.windows is missing: run `make collection` first"
    work = tmp_path_factory.mktemp("packaging")
    config = work / "ansible.cfg"
    config.write_text("[defaults]\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(config), ANSIBLE_HOME=str(work / "home"), ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
               ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_NOCOLOR="1", PATH=BIN + os.pathsep + env["PATH"])
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(work / "dist"), ROOT],
         env, str(work))
    (tarball,) = (work / "dist").iterdir()
    namespace = work / "collections" / "ansible_collections" / "ansible"
    namespace.mkdir(parents=True)
    os.symlink(WINDOWS, str(namespace / "windows"))
    # --offline: the dependency on ansible.windows is resolved against the copy already installed
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", str(tarball),
          "-p", str(work / "collections")], env, str(work))
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return {"tarball": tarball, "env": env, "cwd": str(elsewhere),
            "path": work / "collections" / "ansible_collections" / "vmfleet" / "maintenance"}


def test_tarball_ships_what_users_run(installed):
    with tarfile.open(str(installed["tarball"])) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    for shipped in ("COPYING", "README.md", "meta/runtime.yml", "requirements.txt", "bindep.txt",
                    "changelogs/changelog.yaml", "plugins/modules/placement_plan.py", "playbooks/rolling_update.yml",
                    "roles/rolling_update/meta/argument_specs.yml"):
        assert shipped in names, shipped
    left_out = ("tests", "tools", "bench", "build", "Makefile", "pytest.ini", "ansible.cfg", "requirements-test.txt",
                "execution-environment.yml", ".ci", ".gitignore")
    for name in names:
        assert name.split("/")[0] not in left_out, name
        assert "/molecule" not in name and "__pycache__" not in name, name
    info = manifest["collection_info"]
    galaxy = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8"))
    assert info["dependencies"] == galaxy["dependencies"]
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["repository"] and info["issues"] and info["documentation"]


def test_installed_collection_runs_a_playbook_from_another_directory(installed):
    playbook = os.path.join(installed["cwd"], "plan.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(PLAYBOOK)
    result = _run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", playbook,
                   "-e", "ansible_python_interpreter=" + sys.executable],
                  installed["env"], installed["cwd"])
    assert "failed=0" in result.stdout
    assert "does not support Ansible" not in result.stderr


def test_installed_docs_render(installed):
    for module in ("placement_plan", "nova_host_drain", "hyperv_node_drain"):
        result = _run([os.path.join(BIN, "ansible-doc"), "--json", "vmfleet.maintenance." + module],
                      installed["env"], installed["cwd"])
        doc = json.loads(result.stdout)["vmfleet.maintenance." + module]["doc"]
        assert doc["filename"].startswith(str(installed["path"])), doc["filename"]
        assert doc["short_description"]
    result = _run([os.path.join(BIN, "ansible-doc"), "-t", "role", "vmfleet.maintenance.rolling_update"],
                  installed["env"], installed["cwd"])
    assert "rolling_update_max_hosts_down" in result.stdout


def test_installed_playbook_parses_by_fqcn(installed):
    _run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "--syntax-check",
          "vmfleet.maintenance.rolling_update"], installed["env"], installed["cwd"])


def test_execution_environment_context_carries_the_tarball(installed, tmp_path):
    """ansible-builder create on a copy of the checkout's EE files, with the tarball where `make tarball` puts it."""
    for name in ("execution-environment.yml", "requirements.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(os.path.join(ROOT, name), str(tmp_path / name))
    (tmp_path / "build").mkdir()
    shutil.copy(str(installed["tarball"]), str(tmp_path / "build"))
    _run([os.path.join(BIN, "ansible-builder"), "create", "--context", "context", "--output-filename", "Containerfile"],
         installed["env"], str(tmp_path))
    build = tmp_path / "context" / "_build"
    wanted = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))["collections"]
    assert [(build / entry["name"]).is_file() for entry in wanted] == [True]
    for name in ("requirements.txt", "bindep.txt"):
        assert (build / name).read_text(encoding="utf-8") == (tmp_path / name).read_text(encoding="utf-8")
    containerfile = (tmp_path / "context" / "Containerfile").read_text(encoding="utf-8")
    runtime = yaml.safe_load(open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8"))
    assert 'ANSIBLE_INSTALL_REFS="ansible-core%s ' % runtime["requires_ansible"] in containerfile
    assert "ansible-galaxy collection install" in containerfile and "--user-bindep=bindep.txt" in containerfile
