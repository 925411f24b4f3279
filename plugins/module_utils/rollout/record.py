# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout's one record: written ahead of every change, rewritten (JSON and HTML) after each.

Before a host is taken out of service its step is recorded; the drain's journal (its progress file,
rewritten by the drain module as each move starts and ends) is folded in whenever the record is
written; closing the record reconciles it with what the platform shows. A re-run with the same run
id loads the record and carries on from it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import os
import socket
import time

from ..report.document import build_report
from .files import read_json, write_atomically
from .lock import process_start_ticks

JOURNAL_STATES = {"moved": "moved", "failed": "failed", "running": "in_flight", "waiting": "not_started",
                  "not_started": "not_started", "in_flight": "in_flight"}
UNSETTLED = ("in_flight", "failed", "not_started")


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def current_invocation():
    """The play that writes: its controller and ansible-playbook process (each op runs in a worker forked from it)."""
    pid = os.getppid()
    return "%s:%d:%s" % (socket.gethostname(), pid, process_start_ticks(pid))


def started_epoch(started):
    """The record's own start (its 'started', UTC) in seconds since the epoch, or None when unreadable."""
    try:
        return float(calendar.timegm(time.strptime(str(started), "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return None


def new_record(run_id, platform, cluster, check_mode, invocation=None):
    return {
        "run_id": run_id, "platform": platform, "cluster": cluster,
        "status": "check" if check_mode else "running", "error": None,
        "started": utc_now(), "finished": None, "t0": time.time(),
        "rolling_order": [], "max_hosts_down": None, "steps": [], "utilization": [],
        "restored": [], "left_behind": [], "floor_mb": None, "migrated_mb": None,
        "out_of_service": {}, "jobs": {}, "events": [], "holds": {}, "resumed_at": [], "invocation": invocation,
    }


class Record:
    """The record of one run of one cluster, kept in <report_dir>/rollout.json."""

    def __init__(self, report_dir, document):
        self.report_dir = report_dir
        self.doc = document

    @classmethod
    def open(cls, report_dir, run_id, platform, cluster, check_mode, invocation=None):
        """The record of this run (every op of a play reopens it), or a new one.

        When another invocation (play) wrote it last, this one resumes the run: the moment is kept in
        resumed_at, with the number of snapshots taken before, so that the report does not join samples
        across the time nobody watched.
        """
        invocation = invocation or current_invocation()
        found = read_json(os.path.join(report_dir, "rollout.json"))
        if found and found.get("run_id") == run_id and found.get("status") != "check":
            found.pop("summary", None)
            found.setdefault("out_of_service", {})
            found.setdefault("jobs", {})
            found.setdefault("events", [])
            found.setdefault("holds", {})
            found.setdefault("resumed_at", [])
            if found.get("t0") is None:  # the run's own clock: from its own start, even in an older record
                found["t0"] = started_epoch(found.get("started")) or time.time()
            found["status"] = "check" if check_mode else "running"
            found["finished"] = None
            found["error"] = None
            record = cls(report_dir, found)
            if found.get("invocation") != invocation:
                found["invocation"] = invocation
                found["resumed_at"].append({"t": record.elapsed(), "snapshots": len(found.get("utilization") or [])})
                record.note("resumed by a new invocation of the run")
            return record, True
        return cls(report_dir, new_record(run_id, platform, cluster, check_mode, invocation)), False

    # what a re-run needs to know
    def done_hosts(self):
        return [s["host"] for s in self.doc["steps"] if s["status"] == "done"]

    def taken_out(self):
        """Hosts this run took out of service and has not put back."""
        return sorted(self.doc["out_of_service"])

    def pending_jobs(self):
        """Drain jobs started for hosts whose step is not finished: {host: job}."""
        return dict((h, j) for h, j in self.doc["jobs"].items() if h in self.doc["out_of_service"])

    def elapsed(self):
        return round(time.time() - float(self.doc["t0"]), 1)

    def note(self, text):
        self.doc["events"].append({"t": self.elapsed(), "what": text})

    # the steps
    def step(self, host, number=None, group=None):
        """The host's step entry in this run (created on first use)."""
        for entry in self.doc["steps"]:
            if entry["host"] == host and entry["status"] != "planned":
                return entry
        entry = {"host": host, "step": number, "group": group or [host], "status": "in_progress",
                 "error": None, "times": {}, "moves": [], "failback": [], "unplaced": []}
        self.doc["steps"] = [s for s in self.doc["steps"] if s["host"] != host]
        self.doc["steps"].append(entry)
        return entry

    def plan(self, order, max_hosts_down, floor_mb, hosts_percent, planned_steps=(), left_to_platform=()):
        self.doc["rolling_order"] = list(order)
        if left_to_platform:
            self.doc["left_to_platform"] = list(left_to_platform)
        self.doc["max_hosts_down"] = max_hosts_down
        if self.doc["floor_mb"] is None:
            self.doc["floor_mb"] = floor_mb
        if not self.doc["utilization"]:
            self.doc["utilization"].append({"label": "start", "t": 0, "hosts": hosts_percent})
        for planned in planned_steps:
            self.doc["steps"].append(dict({"status": "planned", "error": None, "times": {}, "failback": [],
                                           "unplaced": []}, **planned))

    def step_start(self, hosts, number):
        """Written before the hosts are taken out of service."""
        for host in hosts:
            entry = self.step(host, number, list(hosts))
            entry["status"] = "in_progress"
            entry["error"] = None
            entry["times"].setdefault("drain_start", self.elapsed())
            self.doc["out_of_service"].setdefault(host, {"step": number, "since": utc_now()})

    def job(self, host, results_file, progress_file):
        self.doc["jobs"][host] = {"results_file": results_file, "progress_file": progress_file}

    def times(self, hosts, keys):
        for host in hosts:
            entry = self.step(host)
            for key in keys:
                entry["times"][key] = self.elapsed()

    def step_done(self, hosts, failback=()):
        for host in hosts:
            entry = self.step(host)
            entry["status"] = "done"
            entry["error"] = None
            entry["times"]["finished"] = self.elapsed()
            entry["failback"] = [m for m in failback if m.get("target") == host]
            self.doc["out_of_service"].pop(host, None)
            self.doc["restored"].append({"host": host, "what": "put back in service after its update"})

    def step_failed(self, hosts, error, unplaced=()):
        for host in hosts:
            entry = self.step(host)
            entry["status"] = "failed"
            entry["error"] = error
            entry["unplaced"] = [u for u in unplaced if u.get("host") in (None, host)]

    def set_holds(self, holds):
        """What the run holds for its whole length (a platform setting it changed and must restore), by name."""
        self.doc["holds"] = dict(holds or {})

    def snapshot(self, label, hosts_percent):
        self.doc["utilization"].append({"label": label, "t": self.elapsed(), "hosts": hosts_percent})

    # the drains' journals
    def fold_journals(self):
        """Take every drain journal's moves into the steps (a move is recorded as it completes)."""
        for host, job in self.doc["jobs"].items():
            journal = read_json(job.get("progress_file") or "") or {}
            entry = self.step(host) if journal.get("moves") else None
            for item in journal.get("moves", []):
                merge_move(entry["moves"], journal_move(item, job.get("results_file")))

    def reconcile(self, vms, host_states):
        """Make the record say what the platform shows: where each VM is, which hosts are out of service."""
        where = dict((v["name"], v.get("host")) for v in vms)
        for entry in self.doc["steps"]:
            for move in entry["moves"]:
                if move["status"] not in UNSETTLED or move["vm"] not in where:
                    continue
                now = where[move["vm"]]
                if now == move["target"] and now != move["source"]:
                    move.update(status="moved", final_host=now,
                                error=None, note="completed after the drain stopped watching it")
                elif move["status"] == "in_flight":
                    move.update(status="failed", final_host=now,
                                error="the drain stopped while this move was in flight; the VM is on %s" % now)
        for host in list(self.doc["out_of_service"]):
            if host_states.get(host, "up") == "up":
                self.doc["out_of_service"].pop(host)

    def close(self, status, error, platform_label):
        self.doc["status"] = status
        self.doc["error"] = error
        self.doc["finished"] = utc_now()
        self.doc["left_behind"] = [
            {"host": host, "what": "left out of service (%s)" % platform_label,
             "why": self._why(host)} for host in sorted(self.doc["out_of_service"])]
        self.doc["left_behind"] += [
            {"host": hold.get("where") or name, "what": hold.get("what") or "%s held by the run" % name,
             "why": hold.get("why") or "the run ended before restoring it; restore it by hand"}
            for name, hold in sorted(self.doc.get("holds", {}).items())]
        moved = [m for s in self.doc["steps"] for m in s["moves"] + s["failback"] if m.get("status") == "moved"]
        self.doc["migrated_mb"] = sum(float(m.get("memory_mb") or 0) for m in moved)

    def _why(self, host):
        entry = self.step(host)
        reason = entry.get("error") or "the run stopped during its step"
        return "%s; inspect it, then re-run the play with the same run id to resume" % reason.rstrip(".")

    def write(self):
        """rollout.json and rollout.html, atomically; returns the report's summary."""
        report = build_report(self.doc)
        write_atomically(os.path.join(self.report_dir, "rollout.json"), report["json"].encode("utf-8"))
        write_atomically(os.path.join(self.report_dir, "rollout.html"), report["html"].encode("utf-8"))
        return report["summary"]


def journal_move(item, drain=None):
    """A journal entry (progress file) as a report move; drain names the drain job that wrote it."""
    keys = ("vm", "source", "target", "method", "wave", "memory_mb", "attempts", "duration_seconds", "final_host",
            "error", "downtime")
    move = dict((k, item.get(k)) for k in keys)
    move["status"] = JOURNAL_STATES.get(item.get("state"), "in_flight")
    move["attempts"] = list(move["attempts"] or [])
    move["drain"] = drain
    return move


def merge_move(moves, move):
    """Replace the VM's entry unless it already moved (a resumed drain never moves a VM twice).

    The attempts an earlier drain of the host made (a live migration that failed before the run stopped)
    stay in front of the new drain's: they were migrations too, and the report counts the failed ones.
    """
    for index, known in enumerate(moves):
        if known["vm"] == move["vm"] and known["source"] == move["source"]:
            if known["status"] != "moved":
                earlier = list(known.get("attempts") or [])
                if known.get("drain") == move.get("drain"):
                    earlier = earlier[:known.get("attempts_before", 0)]
                moves[index] = dict(move, attempts=earlier + list(move.get("attempts") or []),
                                    attempts_before=len(earlier))
            return
    moves.append(move)
