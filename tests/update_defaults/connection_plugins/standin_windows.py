# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A connection plugin that stands in for a Windows host, for tests only (no Windows host runs here)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: standin_windows
short_description: Stands in for a Windows host (tests only)
description:
  - Takes what Ansible sends to a Windows host over the PowerShell shell and answers it as a Windows host with
    pending Windows updates would, without running PowerShell.
  - Module runs arrive as the exec wrapper's input (pipelined, as over WinRM); the stand-in reads the module's name
    and arguments from it, records them, and answers C(ansible.windows.win_ping) and C(ansible.windows.win_updates)
    (its start, poll and cancel operations, in the shape of the module's own progress messages).
  - Raw commands arrive as C(PowerShell -EncodedCommand); the stand-in answers the reboot steps of ansible.windows
    (the boot time query, C(shutdown.exe /r), the post-reboot test command). A reboot makes the host unreachable
    for O(reboot_seconds), and can take a mock cluster's node down and up through the mock's control API.
  - Anything else fails, naming what it was sent.
options:
  remote_addr:
    description: The inventory host this stands in for (names its records and state).
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
  state_dir:
    description: Where the stand-in keeps each host's state (C(<host>.json)) and the record of every call (C(calls.jsonl)).
    required: true
    vars:
      - name: standin_windows_dir
  updates:
    description:
      - The updates pending on the host before its first search, each a dict with C(title), C(kb) (list),
        C(categories) (list of Windows Update category names), C(reboot_required) (bool) and C(hresult)
        (the install result's HRESULT, 0 when it installs; another value fails its install every time, as the
        module reports it).
    type: list
    elements: dict
    default: []
    vars:
      - name: standin_windows_updates
  reboot_seconds:
    description: How long a reboot keeps the host unreachable.
    type: float
    default: 1
    vars:
      - name: standin_windows_reboot_seconds
  mock_url:
    description: A mock cluster's base URL; a reboot posts C(node_down) then C(node_up) for O(node) to its C(/_mock/fault).
    default: ""
    vars:
      - name: standin_windows_mock_url
  node:
    description: The cluster node this host is (in the mock).
    default: ""
    vars:
      - name: standin_windows_node
"""

import base64
import contextlib
import fcntl
import json
import os
import re
import time
import urllib.request
import uuid

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase

# What Ansible puts between the bootstrap wrapper's input and the exec manifest (executor/powershell).
MANIFEST_SEPARATOR = b"\n\0\0\0\0\n"
# win_updates' own short names of categories (its module maps them to the full names).
CATEGORY_ALIASES = {
    "criticalupdates": "critical updates", "definitionupdates": "definition updates",
    "developerkits": "developer kits", "featurepacks": "feature packs", "securityupdates": "security updates",
    "servicepacks": "service packs", "updaterollups": "update rollups",
}


class Connection(ConnectionBase):
    """Answers module runs and raw commands as a Windows host with pending updates would."""

    transport = "standin_windows"
    module_implementation_preferences = (".ps1", ".exe", "")
    allow_executable = False
    has_pipelining = True
    always_pipeline_modules = True
    has_native_async = True
    _shell_type = "powershell"

    def _connect(self):
        self._connected = True
        return self

    def reset(self):
        """Nothing to reset: every call reads the host's state afresh."""

    def close(self):
        self._connected = False

    def put_file(self, in_path, out_path):
        raise AnsibleError("the Windows stand-in takes no files (%s)" % out_path)

    def fetch_file(self, in_path, out_path):
        raise AnsibleError("the Windows stand-in gives no files (%s)" % in_path)

    # -- the host's state and the record -----------------------------------------------------------------------

    @property
    def host(self):
        return self.get_option("remote_addr")

    def _path(self, name):
        return os.path.join(self.get_option("state_dir"), name)

    @contextlib.contextmanager
    def _state(self):
        """The host's state, locked while the caller changes it."""
        os.makedirs(self.get_option("state_dir"), exist_ok=True)
        with open(self._path("%s.lock" % self.host), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with open(self._path("%s.json" % self.host)) as handle:
                    state = json.load(handle)
            except FileNotFoundError:
                state = {"boot": 1, "down_until": None, "installed": [], "reboot_required": False, "jobs": {}}
            yield state
            with open(self._path("%s.json" % self.host), "w") as handle:
                json.dump(state, handle)

    def _record(self, entry):
        entry = dict(entry, host=self.host, time=time.time())
        with open(self._path("calls.jsonl"), "a") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")

    def _answering(self, state):
        """Fails as an unreachable host while a reboot lasts; the first call after it brings the node back."""
        if state["down_until"] is None:
            return
        if time.time() < state["down_until"]:
            raise AnsibleConnectionFailure("%s is rebooting (Windows stand-in)" % self.host)
        state["down_until"] = None
        self._mock_fault("node_up")

    def _mock_fault(self, what):
        url, node = self.get_option("mock_url"), self.get_option("node")
        if not (url and node):
            return
        request = urllib.request.Request(url.rstrip("/") + "/_mock/fault", data=json.dumps({what: node}).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    # -- what arrives ----------------------------------------------------------------------------------------------

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        with self._state() as state:
            self._answering(state)
            if in_data:
                result = self._run_module(state, in_data)
                return 0, to_bytes(json.dumps(result)), b""
            return self._run_command(state, cmd)

    def _run_module(self, state, in_data):
        if MANIFEST_SEPARATOR not in in_data:
            raise AnsibleError("the Windows stand-in expected the PowerShell exec wrapper's input")
        manifest = json.loads(in_data.split(MANIFEST_SEPARATOR, 1)[1])
        params = [a["params"] for a in manifest["actions"] if a["name"] == "module_wrapper.ps1"][0]
        module = re.sub(r"^ansible_collections\.(\w+\.\w+)\.plugins\.modules\.", r"\1.", params["Script"][:-len(".ps1")])
        args = [v["Value"] for v in params.get("Variables", []) if v["Name"] == "complex_args"][0]
        self._record({"module": module, "args": dict((k, v) for k, v in args.items() if not k.startswith("_ansible_")),
                      "check_mode": bool(args.get("_ansible_check_mode"))})
        if module == "ansible.windows.win_ping":
            return {"changed": False, "ping": args.get("data", "pong")}
        if module == "ansible.windows.win_updates":
            return self._win_updates(state, args)
        return {"failed": True, "msg": "the Windows stand-in does not run the module %s" % module}

    def _run_command(self, state, cmd):
        match = re.search(r"-EncodedCommand\s+(\S+)", cmd)
        script = to_text(base64.b64decode(match.group(1)), encoding="utf-16-le") if match else cmd
        if "LastBootUpTime" in script:
            self._record({"command": "boot_time"})
            return 0, to_bytes("%d" % (132000000000000000 + state["boot"])), b""
        if re.search(r"shutdown\.exe /r\b", script):
            self._record({"command": "reboot"})
            state["boot"] += 1
            state["reboot_required"] = False
            state["down_until"] = time.time() + float(self.get_option("reboot_seconds"))
            self._mock_fault("node_down")
            return 0, to_bytes(json.dumps({"stdout": "", "stderr": "", "rc": 0})), b""
        if re.search(r"shutdown\.exe /a\b", script):
            return 0, b"", b""
        expected = re.search(r"'(success-[0-9a-f-]+)'", script)
        if "AutoLogonChecked" in script and expected:
            self._record({"command": "post_reboot_test"})
            return 0, to_bytes(expected.group(1)), b""
        self._record({"command": "unknown", "script": script})
        return 1, b"", to_bytes("the Windows stand-in does not run this command: %s" % script[:200])

    # -- ansible.windows.win_updates ---------------------------------------------------------------------------

    def _pending(self, state):
        """The configured updates not installed yet, with the fields of the module's search result."""
        pending = []
        for update in self.get_option("updates"):
            update_id = str(uuid.uuid5(uuid.NAMESPACE_URL, update["title"]))
            if update_id in state["installed"]:
                continue
            pending.append({"id": update_id, "title": update["title"], "kb": ["KB%s" % kb for kb in update.get("kb", [])],
                            "categories": update.get("categories", []), "type": "Software",
                            "reboot_required": bool(update.get("reboot_required")),
                            "hresult": int(update.get("hresult", 0))})
        return pending

    def _win_updates(self, state, args):
        operation = args.get("_operation", "start")
        options = args.get("_operation_options") or {}
        if operation == "poll":
            return {"changed": False, "output": state["jobs"].get(options.get("pipe_name"), [])}
        if operation == "cancel":
            state["jobs"].pop(options.get("cancel_id"), None)
            return {"changed": False}
        wanted = set(CATEGORY_ALIASES.get(c.lower(), c.lower()) for c in args.get("category_names") or [])
        pending = self._pending(state)
        selected = [u for u in pending if "*" in wanted or wanted & set(c.lower() for c in u["categories"])]
        filtered = [{"id": u["id"], "reasons": ["category_names"]} for u in pending if u not in selected]
        search_only = args.get("_ansible_check_mode") or args.get("state") == "searched"
        output = [{"task": "search_result", "result": {
            "updates": [dict((k, v) for k, v in u.items() if k != "hresult") for u in pending],
            "filtered": filtered}}]
        exit_result = {"changed": False, "failed": False, "reboot_required": state["reboot_required"]}
        if selected and not search_only:
            results = [{"id": u["id"], "result_code": 2 if u["hresult"] == 0 else 4, "hresult": u["hresult"],
                        "reboot_required": u["reboot_required"] and u["hresult"] == 0} for u in selected]
            output.append({"task": "download_result", "result": {
                "info": [{"id": u["id"], "result_code": 2, "hresult": 0} for u in selected]}})
            output.append({"task": "install_result", "result": {"info": results}})
            for update in selected:
                if update["hresult"] == 0:
                    state["installed"].append(update["id"])
                    state["reboot_required"] = state["reboot_required"] or update["reboot_required"]
                    exit_result["changed"] = True
            exit_result["reboot_required"] = state["reboot_required"]
            if any(u["hresult"] != 0 for u in selected):
                # as the module does when an install result is not Succeeded
                exit_result["failed"] = True
                exit_result["exception"] = {"message": "Failed to install all updates - see updates for more information",
                                            "exception": "Windows stand-in"}
        output.append({"task": "exit", "result": exit_result})
        job = "standin-%s" % uuid.uuid4()
        state["jobs"][job] = output
        return {"changed": False, "poll_options": {"pipe_name": job}, "cancel_options": {"cancel_id": job, "task_pid": 0}}
