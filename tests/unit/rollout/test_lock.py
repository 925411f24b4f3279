# -*- coding: utf-8 -*-
"""The per-cluster lock: one run at a time, stale locks taken over by a resume or broken on request."""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.lock import ClusterLock, LockRefused


def dead_pid():
    """The PID of a process that has just ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_holder(path, holder):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        json.dump(holder, handle)


def test_first_run_takes_the_lock_and_names_itself(tmp_path):
    path = str(tmp_path / "c1" / "lock.json")
    lock = ClusterLock(path, "run-a", os.getpid())
    assert lock.acquire() is None
    holder = json.load(open(path))
    assert holder["run_id"] == "run-a" and holder["pid"] == os.getpid() and holder["controller"]
    assert holder["pid_start_ticks"] is not None and holder["started"].endswith("Z")


def test_a_live_holder_refuses_every_other_run_even_with_break_lock(tmp_path):
    path = str(tmp_path / "lock.json")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        ClusterLock(path, "run-a", holder.pid).acquire()
        for run_id in ("run-a", "run-b"):
            with pytest.raises(LockRefused) as refused:
                ClusterLock(path, run_id, os.getpid()).acquire(break_lock=True)
            assert "run-a" in str(refused.value) and str(holder.pid) in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    assert json.load(open(path))["pid"] == holder.pid


def test_a_stale_lock_of_the_same_run_is_taken_over(tmp_path):
    path = str(tmp_path / "lock.json")
    ClusterLock(path, "run-a", dead_pid()).acquire()
    note = ClusterLock(path, "run-a", os.getpid()).acquire()
    assert note.startswith("resumed run run-a")
    assert json.load(open(path))["pid"] == os.getpid()


def test_a_stale_lock_of_another_run_is_only_broken_on_request(tmp_path):
    path = str(tmp_path / "lock.json")
    stale = dead_pid()
    ClusterLock(path, "run-a", stale).acquire()
    with pytest.raises(LockRefused) as refused:
        ClusterLock(path, "run-b", os.getpid()).acquire()
    assert "rolling_update_run_id=run-a" in str(refused.value) and "break_lock" in str(refused.value)
    assert json.load(open(path))["pid"] == stale
    note = ClusterLock(path, "run-b", os.getpid()).acquire(break_lock=True)
    assert note.startswith("broke the lock of run run-a")
    assert json.load(open(path))["run_id"] == "run-b"


def test_a_lock_of_another_controller_is_refused_unless_broken(tmp_path):
    path = str(tmp_path / "lock.json")
    write_holder(path, dict(run_id="run-a", controller="elsewhere", pid=1, started="2026-12-01T00:00:00Z"))
    with pytest.raises(LockRefused) as refused:
        ClusterLock(path, "run-a", os.getpid()).acquire()
    assert "another controller" in str(refused.value) and "elsewhere" in str(refused.value)
    assert ClusterLock(path, "run-a", os.getpid()).acquire(break_lock=True)


def test_a_reused_pid_is_not_mistaken_for_the_holder(tmp_path):
    path = str(tmp_path / "lock.json")
    lock = ClusterLock(path, "run-a", os.getpid())
    reused = dict(lock.holder)
    reused.update(pid=os.getppid(), pid_start_ticks=1)
    write_holder(path, reused)
    assert ClusterLock(path, "run-a", os.getpid()).acquire().startswith("resumed")


def test_only_the_holder_releases(tmp_path):
    path = str(tmp_path / "lock.json")
    ClusterLock(path, "run-a", os.getpid()).acquire()
    ClusterLock(path, "run-a", dead_pid()).release()
    assert os.path.exists(path)
    ClusterLock(path, "run-a", os.getpid()).release()
    assert not os.path.exists(path)
