# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rollout at a time per cluster: a lock file naming its holder (run id, controller, PID, start).

A holder on this controller whose process is gone is stale. A stale lock of the same run id is taken
over (that is a resume); any other stale lock is only broken when the caller says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import socket
import time

from .files import read_json, write_json


class LockRefused(Exception):
    """Another run holds the cluster (or left a stale lock); the message says who and what to do."""


def process_start_ticks(pid):
    """The process's start time in clock ticks since boot (Linux), so a reused PID is not mistaken."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (IOError, OSError, ValueError, IndexError):
        return None


def holder_alive(holder, controller):
    """True/False when it can be told from here, None when the holder is another controller."""
    if holder.get("controller") != controller:
        return None
    pid = int(holder.get("pid") or 0)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as error:
        if error.errno != errno.EPERM:
            return False
    started = holder.get("pid_start_ticks")
    return started is None or process_start_ticks(pid) in (None, started)


def describe(holder):
    return "run %s on %s (pid %s, started %s)" % (
        holder.get("run_id"), holder.get("controller"), holder.get("pid"), holder.get("started"))


class ClusterLock:
    """The lock file <state_dir>/<cluster>/lock.json."""

    def __init__(self, path, run_id, pid, controller=None):
        self.path = path
        self.holder = {"run_id": run_id, "controller": controller or socket.gethostname(), "pid": pid,
                       "pid_start_ticks": process_start_ticks(pid),
                       "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def current(self):
        return read_json(self.path)

    def acquire(self, break_lock=False):
        """Take the lock; returns a note when a stale lock was taken over or broken, else None."""
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory)
        try:
            handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError as error:
            if error.errno != errno.EEXIST:
                raise
            return self._contend(break_lock)
        with os.fdopen(handle, "w") as stream:
            json.dump(self.holder, stream)
        return None

    def _contend(self, break_lock):
        holder = self.current() or {}
        mine = self.holder
        if holder.get("controller") == mine["controller"] and holder.get("pid") == mine["pid"]:
            return None
        alive = holder_alive(holder, mine["controller"])
        if alive:
            raise LockRefused("the cluster is being updated by %s; wait for it to finish (its lock: %s)"
                              % (describe(holder), self.path))
        if alive is None and not break_lock:
            raise LockRefused("the cluster is locked by %s, on another controller; if that run is gone, re-run with "
                              "rolling_update_break_lock=true (lock: %s)" % (describe(holder), self.path))
        if holder.get("run_id") != mine["run_id"] and not break_lock:
            raise LockRefused("an earlier rollout of this cluster, %s, stopped without finishing. Re-run with "
                              "rolling_update_run_id=%s to resume it, or with rolling_update_break_lock=true to "
                              "start %s anyway (lock: %s)" % (describe(holder), holder.get("run_id"),
                                                              mine["run_id"], self.path))
        write_json(self.path, mine)
        verb = "resumed" if holder.get("run_id") == mine["run_id"] else "broke the lock of"
        return "%s %s, which had stopped" % (verb, describe(holder))

    def release(self):
        holder = self.current() or {}
        if holder.get("pid") == self.holder["pid"] and holder.get("controller") == self.holder["controller"]:
            os.unlink(self.path)
