# -*- coding: utf-8 -*-
"""Run a collection module the way Ansible does: JSON arguments in, JSON result out."""

import importlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(ROOT, "build", "collections")


def ensure_collection_link():
    """build/collections/ansible_collections/vmfleet/maintenance -> the repository root."""
    link = os.path.join(COLLECTIONS, "ansible_collections", "vmfleet", "maintenance")
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.join("..", "..", "..", ".."), link)
        # build/collections may have been looked at (and found missing) by imports before it existed
        sys.path_importer_cache.pop(COLLECTIONS, None)
        importlib.invalidate_caches()
    return COLLECTIONS


def run_module(name, args, check_mode=False, diff=False, timeout=600):
    """The module's result dict; ``failed`` is set when the module failed."""
    ensure_collection_link()
    payload = dict(args)
    payload["_ansible_check_mode"] = check_mode
    payload["_ansible_diff"] = diff
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
        path = handle.name
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ansible_collections.vmfleet.maintenance.plugins.modules." + name, path],
            capture_output=True, text=True, env=env, timeout=timeout, check=False)
    finally:
        os.unlink(path)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module %s printed no JSON (rc %s):\n%s\n%s"
                             % (name, proc.returncode, proc.stdout, proc.stderr))


def run_playbook(playbook, extra_vars=None, check=False, timeout=900, env=None):
    """ansible-playbook against localhost; returns the CompletedProcess (output in stdout). env: more variables."""
    ensure_collection_link()
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
               "-c", "local", playbook]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    if check:
        command.append("--check")
    variables = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
                     ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    variables.update(env or {})
    return subprocess.run(command, capture_output=True, text=True, env=variables, timeout=timeout, check=False)
