#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cau_wait_script
short_description: Put a wait script on every cluster node and register it as CAU's pre- or post-update script
version_added: 0.1.0
description:
  - On a Hyper-V cluster with little free memory, CAU's default failback sends the VMs home while the next node's
    drain already fills that memory, and live migrations fail (event 21502). A wait between one node's failback
    and the next node's drain avoids it, as turning failback off does
    (O(vmfleet.maintenance.cau_cluster_role#module:failback_mode=NoFailback)).
  - Writes a C(.ps1) at the same O(path) on every node that is not down (through its administrative share,
    C(\\NODE\C$\...)) and registers it as the CAU clustered role's C(PostUpdateScript) or C(PreUpdateScript),
    through the same code as M(vmfleet.maintenance.cau_cluster_role), keeping every other setting of the role.
  - C(mode=sleep) waits a fixed time, O(seconds), or O(sleep_factor) (1.5, as Microsoft's support advises) times
    O(measured_drain_seconds), the measured time of one node's drain migrations (lengthen it if failures remain).
  - C(mode=quiescence) waits until no live migration is queued or running anywhere in the cluster (the VM
    resources' C(MigrationState)) and no node is draining, so the previous node's failback has finished; it is
    as safe as a long sleep and only as slow as the migrations really are. It gives up after O(timeout_minutes).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.HYPERV
attributes:
  check_mode:
    support: full
    details: Reports which nodes would get the script and whether the role's setting would change.
  diff_mode:
    support: full
    details: Shows the script on each node that gets it, and the role's script setting, before and after.
options:
  path:
    description: Where the script lives on every node; a C(.ps1) path of at most 260 characters.
    type: str
    default: C:\Scripts\vmfleet-cau-wait.ps1
  register_as:
    description: Run it after each node is resumed (C(post), C(PostUpdateScript)) or before each node is drained
      (C(pre), C(PreUpdateScript)).
    type: str
    default: post
    choices: [post, pre]
  mode:
    description: C(quiescence) waits for the migrations to end; C(sleep) waits a fixed time.
    type: str
    default: quiescence
    choices: [quiescence, sleep]
  seconds:
    description: With O(mode=sleep), the wait in seconds.
    type: int
  measured_drain_seconds:
    description: With O(mode=sleep), the measured time of one node's drain migrations; the wait is
      O(sleep_factor) times it, rounded up.
    type: float
  sleep_factor:
    description: The safety factor over O(measured_drain_seconds).
    type: float
    default: 1.5
  timeout_minutes:
    description: With O(mode=quiescence), how long to wait for the migrations at most.
    type: int
    default: 30
  poll_seconds:
    description: With O(mode=quiescence), seconds between looks at the migrations (also the first wait, which
      lets the cluster queue the failback first).
    type: int
    default: 10
  on_timeout:
    description: With O(mode=quiescence), what the script does when migrations remain after O(timeout_minutes) -
      C(fail) (CAU marks the node failed) or C(continue) with a warning.
    type: str
    default: fail
    choices: [fail, continue]
'''

EXAMPLES = r'''
- name: Wait for the previous node's failback before the next drain (the quiescence cure)
  vmfleet.maintenance.cau_wait_script:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    mode: quiescence

- name: Sleep 1.5 x one node's measured drain (166 s measured, so 249 s) after each node's update
  vmfleet.maintenance.cau_wait_script:
    host: hv01.contoso.local
    mode: sleep
    measured_drain_seconds: 166
'''

RETURN = r'''
path:
  description: The script's path on every node.
  returned: always
  type: str
content:
  description: The script's text.
  returned: always
  type: str
seconds:
  description: The wait of a C(sleep) script; null for C(quiescence).
  returned: always
  type: int
  sample: 249
nodes_written:
  description: Nodes the script was (or, in check mode, would be) written to; the others already had it.
  returned: always
  type: list
  elements: str
nodes_down:
  description: Nodes that are down and did not get the script (run the task again once they are up).
  returned: always
  type: list
  elements: str
setting:
  description: The role's setting that runs the script, C(PostUpdateScript) or C(PreUpdateScript).
  returned: always
  type: str
settings:
  description: The CAU clustered role's settings after the task, by option name (see M(vmfleet.maintenance.cau_cluster_role)).
  returned: always
  type: dict
'''

import math

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import WinRMModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau.role import configure_cau_role
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.node_reads import node_access_error

SETTING = {"post": ("post_update_script", "PostUpdateScript"), "pre": ("pre_update_script", "PreUpdateScript")}


def same_text(left, right):
    """File texts compared as Windows tools rewrite them (line endings, trailing blank space)."""
    def norm(text):
        return (text or "").replace("\r\n", "\n").rstrip()
    return left is not None and right is not None and norm(left) == norm(right)


def _items(value):
    """A JSON value that PowerShell may have written as one object, null or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class CauWaitScriptModule(WinRMModule):
    argument_spec = dict(
        path=dict(type="str", default="C:\\Scripts\\vmfleet-cau-wait.ps1"),
        register_as=dict(type="str", default="post", choices=["post", "pre"]),
        mode=dict(type="str", default="quiescence", choices=["quiescence", "sleep"]),
        seconds=dict(type="int"),
        measured_drain_seconds=dict(type="float"),
        sleep_factor=dict(type="float", default=1.5),
        timeout_minutes=dict(type="int", default=30),
        poll_seconds=dict(type="int", default=10),
        on_timeout=dict(type="str", default="fail", choices=["fail", "continue"]),
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[("seconds", "measured_drain_seconds")])
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        params = self.params
        path = params["path"]
        if not (len(path) > 3 and path[1:3] == ":\\" and path.lower().endswith(".ps1") and len(path) <= 260):
            self.fail("path must be a local .ps1 path such as C:\\Scripts\\wait.ps1, at most 260 characters; got %r"
                      % path)
        seconds, content = self._content()
        option, setting = SETTING[params["register_as"]]
        read = self.shell.json(scripts.read_node_files(path)) or {}
        files = _items(read.get("files"))
        unreadable = dict((f["n"], f["x"]) for f in files if f.get("x"))
        if unreadable:
            raise node_access_error("read %s" % path, unreadable, read.get("ep"))
        down = sorted(f["n"] for f in files if f.get("down"))
        stale = [f["n"] for f in files if not f.get("down") and not same_text(f.get("text"), content)]
        if stale and not self.check_mode:
            written = self.shell.json(scripts.write_node_files(path, content, stale)) or {}
            failed = dict((f["n"], f["x"]) for f in _items(written.get("failed")))
            if failed:
                raise node_access_error("write %s" % path, failed, written.get("ep"))
        change = configure_cau_role(self.shell, {option: path}, self.check_mode)
        if down:
            self.ansible.warn("node(s) %s are down and did not get %s; run this task again once they are up"
                              % (", ".join(down), path))
        self.results.update(changed=bool(stale) or change.changed, path=path, content=content, seconds=seconds,
                            nodes_written=stale, nodes_down=down, setting=setting, settings=change.after)
        if self.ansible._diff:
            self.results["diff"] = {
                "before": {"files": dict((f["n"], f.get("text")) for f in files if f["n"] in stale),
                           option: change.before.get(option)},
                "after": {"files": dict((n, content) for n in stale), option: change.after.get(option)}}

    def _content(self):
        """(seconds of a sleep script or None, the script's text)."""
        params = self.params
        if params["mode"] == "quiescence":
            if params["timeout_minutes"] < 1 or params["poll_seconds"] < 1:
                self.fail("timeout_minutes and poll_seconds must be at least 1")
            return None, scripts.quiescence_wait_script(params["timeout_minutes"] * 60, params["poll_seconds"],
                                                        params["on_timeout"] == "fail")
        if params["seconds"] is not None:
            seconds = params["seconds"]
        elif params["measured_drain_seconds"] is not None:
            seconds = int(math.ceil(params["measured_drain_seconds"] * params["sleep_factor"]))
        else:
            self.fail("mode=sleep needs seconds, or measured_drain_seconds (the wait is then %s times it)"
                      % params["sleep_factor"])
        if seconds < 1:
            self.fail("the sleep must be at least 1 second, got %s" % seconds)
        return seconds, scripts.sleep_wait_script(seconds)


def main():
    CauWaitScriptModule()()


if __name__ == "__main__":
    main()
