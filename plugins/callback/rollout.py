# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: rollout
type: stdout
short_description: Ansible's output with a rolling update's progress in place of retry messages
version_added: 0.1.0
description:
  - Ansible's default output, except where a task checks again and again (C(until)) until something is done.
    A drain watched by M(vmfleet.maintenance.drain_status) shows, at each check, each VM's move that changed
    (VM, source and target host, method, how far, state) under a tally of the drain, and its outcome at the end.
    Another task shows what it waits for, from its name, and for how long - C(Wait until the compute service is
    up again on compute-1) becomes C(waiting until the compute service is up again on compute-1 (12 s, check 5
    of 121)). Neither prints C(FAILED - RETRYING) when nothing failed; a check that did fail says so.
  - A debug task marked C(vmfleet_progress=headline) prints its message as a plain line (the rolling update's
    C(Step k of N) lines).
  - With O(compact), the screen shows only what a person watching the rollout needs, one line each, every line
    led by its cluster (the inventory host) - the messages of debug tasks, the drains, the waits, failures and
    the recap; task banners and C(ok)/C(changed)/C(skipping) lines are left out. Ansible's log file
    (C(log_path), E(ANSIBLE_LOG_PATH)) then receives the full output. C(make demo) uses it.
  - Set it with C(stdout_callback = vmfleet.maintenance.rollout) in C(ansible.cfg) or E(ANSIBLE_STDOUT_CALLBACK).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - default_callback
  - result_format_callback
requirements:
  - set as stdout in configuration
options:
  compact:
    description: One line per event (drain checks, waits, messages, failures) instead of Ansible's full output.
    type: bool
    default: false
    env:
      - name: VMFLEET_ROLLOUT_COMPACT
    ini:
      - section: vmfleet_rollout
        key: compact
  compact_interval_seconds:
    description:
      - With O(compact), how often a wait or a drain whose moves did not change is shown again.
    type: int
    default: 10
    env:
      - name: VMFLEET_ROLLOUT_INTERVAL
    ini:
      - section: vmfleet_rollout
        key: compact_interval_seconds
'''

import time
from contextlib import contextmanager

from ansible import constants as C
from ansible.plugins.callback.default import CallbackModule as DefaultCallback
from ansible.utils.display import Display
from ansible_collections.vmfleet.maintenance.plugins.plugin_utils.rollout_progress import (
    MoveTracker, compact_drain_line, drain_heading, drain_outcome, move_lines, waiting_line)

DEBUG_ACTIONS = ("debug", "ansible.builtin.debug", "ansible.legacy.debug")


def _parts(result):
    """(inventory host, task, result dict) of a callback result, on every supported ansible-core."""
    # pylint: disable=protected-access
    return (getattr(result, "host", None) or result._host, getattr(result, "task", None) or result._task,
            getattr(result, "result", None) if hasattr(result, "result") else result._result)


def progress_mark(task):
    """The task's own vmfleet_progress variable (headline), not inherited from its role or block."""
    mark = (getattr(task, "vars", None) or {}).get("vmfleet_progress")
    return mark if isinstance(mark, str) else None


def is_drain_check(payload):
    """A drain_status result: its moves and whether the drain has finished."""
    return isinstance(payload.get("moves"), list) and "finished" in payload


class _LogOnly:
    """Ansible's display, writing to the log file only: where the compact output keeps the full one."""

    b_cowsay = None

    def __init__(self, display):
        self._real = display

    def __getattr__(self, name):
        return getattr(self._real, name)

    def display(self, msg, color=None, stderr=False, screen_only=False, log_only=False, newline=True, **kwargs):
        if not screen_only:
            self._real.display(msg, color=color, stderr=stderr, log_only=True, newline=newline, **kwargs)

    def banner(self, msg, color=None, cows=True):
        Display.banner(self, msg, color=color, cows=False)


class CallbackModule(DefaultCallback):
    """The default output, with drains, waits and headlines of a rollout told in plain lines."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "vmfleet.maintenance.rollout"

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._moves = MoveTracker()
        self._started = {}
        self._last_shown = {}

    @property
    def compact(self):
        return bool(self.get_option("compact"))

    @contextmanager
    def _full_output(self):
        """Ansible's full output: on screen, or (compact) in the log file alone."""
        if not self.compact:
            yield
            return
        real = self._display
        self._display = _LogOnly(real)
        try:
            yield
        finally:
            self._display = real

    def _say(self, host, line, color=None):
        """A line of this output (compact: on screen only, the log has the full output's)."""
        prefix = "[%s] " % host if host else ""
        self._display.display(prefix + line, color=color, screen_only=self.compact and
                              not isinstance(self._display, _LogOnly))

    def _banner_once(self, task):
        if self._last_task_banner != task._uuid:  # pylint: disable=protected-access
            self._print_task_banner(task)

    def _due(self, key, changed=False):
        """Whether a compact line repeating a wait or a drain is due: at a change, else every interval."""
        now = time.time()
        if changed or now - self._last_shown.get(key, 0) >= self.get_option("compact_interval_seconds"):
            self._last_shown[key] = now
            return True
        return False

    def _elapsed(self, host, task):
        started = self._started.get((host.get_name(), task._uuid))  # pylint: disable=protected-access
        return time.time() - started if started else 0

    # --- drains, waits, messages -----------------------------------------------------------------------------

    def _show_drain(self, result, final=False):
        """A check of a drain: the moves that changed under the drain's tally (compact: one line), and the drain's
        outcome once it has ended."""
        host, task, payload = _parts(result)
        name, moves, drained, elapsed = host.get_name(), payload.get("moves") or [], payload.get("host"), \
            payload.get("elapsed_seconds")
        key = (name, task._uuid, str(payload.get("_ansible_item_label", payload.get("item"))), drained)  # pylint: disable=protected-access
        changed = self._moves.changed(key, moves)
        if final:
            self._moves.forget(key)
        outcome_color = C.COLOR_ERROR if payload.get("failed") else C.COLOR_OK
        with self._full_output():
            if not moves and not final:
                self._banner_once(task)
                self._say(name, waiting_line("Wait for the drain to start", self._elapsed(host, task)))
            elif changed or not final:
                self._banner_once(task)
                self._say(name, drain_heading(drained, moves, elapsed))
                for line in move_lines(changed):
                    self._say(name, line)
            if final and moves:
                self._say(name, drain_outcome(drained, moves, elapsed), color=outcome_color)
        if not self.compact:
            return
        if not moves and not final:  # told once the drain is slow to start
            waited = self._elapsed(host, task)
            if waited >= self.get_option("compact_interval_seconds") and self._due(key):
                self._say(name, waiting_line("Wait for the drain to start", waited))
            return
        if (final and changed) or (not final and self._due(key, changed=bool(changed))):
            self._say(name, compact_drain_line(drained, moves, changed, elapsed))
        if final and moves:
            self._say(name, drain_outcome(drained, moves, elapsed), color=outcome_color)

    def _show_wait(self, result, what):
        host, task, payload = _parts(result)
        name = host.get_name()
        # ansible-core 2.19 leaves 'failed' out of a retry's result; a failed check carries its exception
        failed = payload.get("failed") or bool(payload.get("exception"))
        line = waiting_line(what, self._elapsed(host, task), payload.get("attempts"), payload.get("retries"),
                            error=(payload.get("msg") or "failed").splitlines()[0] if failed else None)
        with self._full_output():
            self._banner_once(task)
            self._say(name, line)
        if self.compact and self._due((name, task._uuid)):  # pylint: disable=protected-access
            self._say(name, line)

    def _show_message(self, result):
        """A debug task's message (or variable) as plain lines, led by the cluster unless it ran once for all."""
        host, task, payload = _parts(result)
        name = None if task.run_once is True else host.get_name()
        if "msg" in payload:
            message = payload["msg"]
            lines = message if isinstance(message, list) else str(message).splitlines()
        else:
            lines = ["%s: %s" % (k, v) for k, v in payload.items()
                     if not k.startswith("_") and k not in ("changed", "failed", "skipped")]
        color = C.COLOR_HIGHLIGHT if progress_mark(task) == "headline" else None
        for line in lines:
            if str(line).strip():
                self._say(name, str(line), color=color)

    def _show_failure(self, result, item=None):
        host, task, payload = _parts(result)
        what = result.task_name or task.get_name()
        if item is not None:
            what += " (%s)" % item
        self._say(host.get_name(), "FAILED: %s: %s" % (what, payload.get("msg") or "see the log"), color=C.COLOR_ERROR)

    def _handle_warnings_of(self, result):
        handle = getattr(self, "_handle_warnings_and_exception", None)
        if handle is not None:
            handle(result)
        else:
            self._handle_warnings(_parts(result)[2])

    # --- Ansible's events --------------------------------------------------------------------------------------

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()  # pylint: disable=protected-access
        with self._full_output():
            super(CallbackModule, self).v2_runner_on_start(host, task)

    def v2_runner_retry(self, result):
        _host, task, payload = _parts(result)
        what = result.task_name or task.get_name()
        if is_drain_check(payload):
            self._show_drain(result)
        else:  # a wait_back task says what it waits for; another retried task is named as it is
            self._show_wait(result, what)

    def v2_playbook_on_task_start(self, task, is_conditional):
        with self._full_output():
            super(CallbackModule, self).v2_playbook_on_task_start(task, is_conditional)

    def v2_playbook_on_handler_task_start(self, task):
        with self._full_output():
            super(CallbackModule, self).v2_playbook_on_handler_task_start(task)

    def v2_playbook_on_include(self, included_file):
        with self._full_output():
            super(CallbackModule, self).v2_playbook_on_include(included_file)

    def v2_runner_on_ok(self, result):
        _host, task, payload = _parts(result)
        if is_drain_check(payload) and payload.get("finished"):
            self._show_drain(result, final=True)
        headline = progress_mark(task) == "headline" and task.action in DEBUG_ACTIONS
        loop = bool(task.loop) and "results" in payload  # the items told their own (Ansible cleans the results)
        with self._full_output():
            if headline:
                self._banner_once(task)
                self._show_message(result)
                self._handle_warnings_of(result)
            else:
                super(CallbackModule, self).v2_runner_on_ok(result)
        if self.compact and task.action in DEBUG_ACTIONS and not loop:
            self._show_message(result)

    def v2_runner_item_on_ok(self, result):
        _host, task, payload = _parts(result)
        if is_drain_check(payload) and payload.get("finished"):
            self._show_drain(result, final=True)
        with self._full_output():
            super(CallbackModule, self).v2_runner_item_on_ok(result)
        if self.compact and task.action in DEBUG_ACTIONS:
            self._show_message(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        _host, task, payload = _parts(result)
        loop = bool(task.loop) and "results" in payload  # the items told their own
        if is_drain_check(payload):
            self._show_drain(result, final=True)
        with self._full_output():
            super(CallbackModule, self).v2_runner_on_failed(result, ignore_errors)
        if self.compact and not ignore_errors and not loop:
            self._show_failure(result)

    def v2_runner_item_on_failed(self, result):
        with self._full_output():
            super(CallbackModule, self).v2_runner_item_on_failed(result)
        _host, task, payload = _parts(result)
        if self.compact and not task.ignore_errors:
            self._show_failure(result, self._get_item_label(payload))

    def v2_runner_on_skipped(self, result):
        with self._full_output():
            super(CallbackModule, self).v2_runner_on_skipped(result)

    def v2_runner_item_on_skipped(self, result):
        with self._full_output():
            super(CallbackModule, self).v2_runner_item_on_skipped(result)

    def v2_runner_on_unreachable(self, result):
        with self._full_output():
            super(CallbackModule, self).v2_runner_on_unreachable(result)
        if self.compact:
            host, _task, payload = _parts(result)
            self._say(host.get_name(), "UNREACHABLE: %s: %s" % (result.task_name, payload.get("msg", "")),
                      color=C.COLOR_UNREACHABLE)

    def v2_on_file_diff(self, result):
        with self._full_output():
            super(CallbackModule, self).v2_on_file_diff(result)

    def v2_runner_on_async_poll(self, result):
        with self._full_output():
            super(CallbackModule, self).v2_runner_on_async_poll(result)
