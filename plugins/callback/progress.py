# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: progress
type: notification
short_description: Print a drain's per-VM progress while it runs
version_added: 0.1.0
description:
  - While a task waits for a drain with M(vmfleet.maintenance.drain_status) and C(until), prints at every
    retry one line per VM - which VM, from where to where, by which method, how far.
  - Enable it with C(callbacks_enabled = vmfleet.maintenance.progress) in C(ansible.cfg) or
    C(ANSIBLE_CALLBACKS_ENABLED).
author:
  - vmfleet maintainers (@vmfleet)
requirements:
  - enable in configuration
'''

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Shows drain_status progress lines on each retry."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "vmfleet.maintenance.progress"
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_retry(self, result):
        lines = result._result.get("progress") or []  # pylint: disable=protected-access
        if not lines:
            return
        host = result._host.get_name()  # pylint: disable=protected-access
        self._display.display("[%s] drain progress:" % host)
        for line in lines:
            self._display.display("    " + line)
