# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: progress
type: notification
short_description: Print a drain's per-VM progress while it runs, next to any output
version_added: 0.1.0
description:
  - While a task waits for a drain with M(vmfleet.maintenance.drain_status) and C(until), prints at every
    retry the drain's tally and one line per VM - which VM, from where to where, by which method, how far.
  - For use with another output than C(vmfleet.maintenance.rollout), which shows the same lines itself (this
    callback stays silent when that output is configured).
  - Enable it with C(callbacks_enabled = vmfleet.maintenance.progress) in C(ansible.cfg) or
    C(ANSIBLE_CALLBACKS_ENABLED).
author:
  - vmfleet maintainers (@vmfleet)
requirements:
  - enable in configuration
'''

from ansible import constants as C
from ansible.plugins.callback import CallbackBase
from ansible_collections.vmfleet.maintenance.plugins.plugin_utils.rollout_progress import drain_heading, move_lines

ROLLOUT_OUTPUT = ("vmfleet.maintenance.rollout",)


class CallbackModule(CallbackBase):
    """Shows each drain_status check's per-VM progress."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "vmfleet.maintenance.progress"
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_retry(self, result):
        payload = result._result  # pylint: disable=protected-access
        moves = payload.get("moves") or []
        if not moves or C.DEFAULT_STDOUT_CALLBACK in ROLLOUT_OUTPUT:
            return
        host = result._host.get_name()  # pylint: disable=protected-access
        self._display.display("[%s] %s" % (host, drain_heading(payload.get("host"), moves, payload.get("elapsed_seconds"))))
        for line in move_lines(moves, indent="    "):
            self._display.display(line)
