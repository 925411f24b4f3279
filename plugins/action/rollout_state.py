# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of vmfleet.maintenance.rollout_state: the rollout's record and lock, on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.document import build_report
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.schema import ReportDataError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.lock import (
    ClusterLock, LockRefused, describe, holder_alive)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.record import Record

OPS = ("start", "plan", "step_start", "job", "times", "step_done", "step_failed", "snapshot", "holds", "close")
PLATFORM_LABELS = {"nova": "nova: compute service disabled", "hyperv": "Hyper-V: node paused",
                   "vsphere": "vSphere: host in maintenance mode"}


class StateError(Exception):
    """A bad argument or an unusable state directory: one clear message."""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        op = args.pop("op", None)
        if op not in OPS:
            return dict(result, failed=True, msg="op must be one of %s, got %r" % (", ".join(OPS), op))
        self.check_mode = bool(self._task.check_mode)
        try:
            result.update(getattr(self, "_" + op)(args))
        except (StateError, LockRefused) as error:
            return dict(result, failed=True, msg=str(error))
        except (IOError, OSError, ReportDataError) as error:
            return dict(result, failed=True, msg="cannot keep the rollout record: %s" % to_native(error))
        return result

    # start: validate what the run needs, lock the cluster, open (or resume) the record
    def _start(self, args):
        cluster = _required(args, "cluster")
        state_dir = os.path.expanduser(_required(args, "state_dir"))
        max_hosts_down = hosts_down(args.get("max_hosts_down", 1))
        cap = positive_int(args.get("max_hosts_down_cap", 4), "max_hosts_down_cap")
        order = list(args.get("rolling_order") or [])
        twice = sorted(set(h for h in order if order.count(h) > 1))
        if twice:
            raise StateError("rolling_order lists %s twice; name each host once" % ", ".join(twice))
        update_tasks = self._update_tasks(args.get("update_tasks") or "")
        cluster_dir = os.path.join(state_dir, _safe(cluster))
        lock_path = os.path.join(cluster_dir, "lock.json")
        run_id = str(args.get("run_id") or "") or self._unfinished_run(lock_path) or time.strftime("%Y%m%d")
        report_dir = args.get("report_dir") or os.path.join(cluster_dir, _safe(run_id))
        lock = ClusterLock(lock_path, run_id, os.getppid())
        note = self._lock(lock, bool(args.get("break_lock")))
        record, resumed = Record.open(report_dir, run_id, args.get("platform"), cluster, self.check_mode)
        if note:
            record.note(note)
        if not self.check_mode:
            record.fold_journals()
            record.write()
        return dict(changed=False, run_id=run_id, report_dir=report_dir, lock=lock.holder,
                    progress_dir=os.path.join(report_dir, "drains"), max_hosts_down=max_hosts_down,
                    max_hosts_down_cap=cap, update_tasks=update_tasks, resumed=resumed, lock_note=note,
                    done_hosts=record.done_hosts(), taken_out=record.taken_out(),
                    pending_jobs=record.pending_jobs(), rolling_order=record.doc["rolling_order"],
                    holds=record.doc["holds"])

    def _lock(self, lock, break_lock):
        if not self.check_mode:
            return lock.acquire(break_lock)
        holder = lock.current()
        if holder and holder.get("pid") != lock.holder["pid"]:
            if holder_alive(holder, lock.holder["controller"]):
                raise LockRefused("the cluster is being updated by %s; wait for it to finish" % describe(holder))
        return None

    @staticmethod
    def _unfinished_run(lock_path):
        """The run id of an interrupted run of this cluster (its lock is still there): resume it."""
        holder = ClusterLock(lock_path, None, 0).current()
        return holder.get("run_id") if holder else None

    def _update_tasks(self, path):
        """The update tasks file, resolved and parsed now: a bad one fails before any host is touched."""
        if not path:
            return ""
        resolved = self._loader.path_dwim(os.path.expanduser(path))
        if not os.path.isfile(resolved):
            raise StateError("rolling_update_update_tasks: %s does not exist (resolved to %s); nothing was changed"
                             % (path, resolved))
        try:
            tasks = self._loader.load_from_file(resolved)
        except AnsibleError as error:
            raise StateError("rolling_update_update_tasks: %s is not valid YAML: %s; nothing was changed"
                             % (resolved, to_native(error)))
        if not isinstance(tasks, list) or not tasks or not all(isinstance(t, dict) for t in tasks):
            raise StateError("rolling_update_update_tasks: %s must be a list of tasks; nothing was changed" % resolved)
        return resolved

    # the ops of a running rollout: load, change, write
    def _open(self, args):
        report_dir = _required(args, "report_dir")
        record, _resumed = Record.open(report_dir, _required(args, "run_id"), args.get("platform"),
                                       args.get("cluster"), self.check_mode)
        record.doc["status"] = "check" if self.check_mode else "running"
        return record

    def _save(self, record):
        if self.check_mode:
            return dict(changed=False)
        record.fold_journals()
        return dict(changed=False, summary=record.write())

    def _plan(self, args):
        record = self._open(args)
        order = list(args.get("rolling_order") or [])
        vms = args.get("vms") or []
        floor = sum(float(v.get("memory_mb") or 0) for v in vms
                    if v.get("host") in order and v.get("power_state") != "off")
        record.plan(order, args.get("max_hosts_down"), floor, percent_by_host((args.get("plan") or {}).get("hosts_before")),
                    left_to_platform=args.get("left_to_platform") or [])
        return self._save(record)

    def _step_start(self, args):
        record = self._open(args)
        record.step_start(_required(args, "hosts"), args.get("step"))
        return self._save(record)

    def _job(self, args):
        record = self._open(args)
        record.job(_required(args, "host"), args.get("results_file"), args.get("progress_file"))
        return self._save(record)

    def _times(self, args):
        record = self._open(args)
        record.times(_required(args, "hosts"), _required(args, "keys"))
        return self._save(record)

    def _step_done(self, args):
        record = self._open(args)
        record.step_done(_required(args, "hosts"), args.get("failback") or [])
        return self._save(record)

    def _step_failed(self, args):
        record = self._open(args)
        record.step_failed(_required(args, "hosts"), args.get("error") or "failed", args.get("unplaced") or [])
        return self._save(record)

    def _snapshot(self, args):
        record = self._open(args)
        record.snapshot(args.get("label") or "", percent_by_host((args.get("plan") or {}).get("hosts_after")))
        return self._save(record)

    def _holds(self, args):
        record = self._open(args)
        record.set_holds(args.get("holds"))
        return self._save(record)

    def _close(self, args):
        """Reconcile with the platform, list what is left out of service, write the report, unlock."""
        record = self._open(args)
        status = args.get("status") or "ok"
        if self.check_mode:
            plan = args.get("plan") or {}
            steps = planned_steps(plan)
            order = args.get("rolling_order") or [s["host"] for s in steps]
            record.plan(order, plan.get("max_hosts_down"), None,
                        percent_by_host(plan.get("hosts_before")), steps)
            record.close("check", None, "")
            return dict(changed=False, summary=build_report(record.doc)["summary"], record=record.doc,
                        json_path=None, html_path=None)
        record.fold_journals()
        cluster = args.get("cluster_state")
        if cluster:
            states = dict((h["name"], h.get("state", "up")) for h in cluster.get("hosts", []))
            record.reconcile(cluster.get("vms", []), states)
        else:
            record.note("the cluster could not be read at the end; the record shows what the run saw")
        record.close(status, args.get("error"), PLATFORM_LABELS.get(record.doc.get("platform"), "out of service"))
        summary = record.write()
        state_dir = args.get("state_dir")
        if state_dir and args.get("cluster"):
            ClusterLock(os.path.join(os.path.expanduser(state_dir), _safe(args["cluster"]), "lock.json"),
                        record.doc["run_id"], os.getppid()).release()
        return dict(changed=False, summary=summary, record=record.doc,
                    json_path=os.path.join(record.report_dir, "rollout.json"),
                    html_path=os.path.join(record.report_dir, "rollout.html"))


def percent_by_host(usage):
    """{host: utilization percent} from a plan's hosts_before / hosts_after."""
    return dict((host, item.get("utilization_percent")) for host, item in (usage or {}).items())


def planned_steps(plan):
    """One planned step per host of a rollout plan, with its moves (check mode)."""
    steps = []
    for step in (plan.get("rollout") or {}).get("steps", []):
        for host in step.get("hosts") or [step["host"]]:
            moves = [dict(m, status="planned") for m in plan.get("moves", [])
                     if m.get("step") == step["step"] and m.get("source") == host]
            steps.append({"host": host, "step": step["step"], "moves": moves})
    return steps


def hosts_down(value):
    """max_hosts_down: "auto", or an integer >= 1 however it was passed."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        return positive_int(value, "max_hosts_down")
    except StateError:
        raise StateError("max_hosts_down must be an integer >= 1 or 'auto', got %r; nothing was changed" % (value,))


def positive_int(value, name):
    """An integer >= 1 however it was passed (-e gives strings); else one clear error."""
    number = None
    if isinstance(value, float):
        number = int(value) if value.is_integer() else None
    elif not isinstance(value, bool):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            pass
    if number is None or number < 1:
        raise StateError("%s must be an integer >= 1, got %r; nothing was changed" % (name, value))
    return number


def _required(args, key):
    value = args.get(key)
    if value in (None, "", []):
        raise StateError("rollout_state: '%s' is required" % key)
    return value


def _safe(name):
    """A name usable as one directory level."""
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in str(name)).strip(".") or "_"
