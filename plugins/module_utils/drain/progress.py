# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a drain in flight: written by the drain modules, read by drain_status for the operator.

One small JSON file per drain: which VM goes where, by which method, and how far it is. It is also the
drain's journal: each move's outcome (attempts, duration, final host) is written as soon as it is known, and
the file names the drain's process, so a controller that lost the drain job can tell whether it still runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time


class ProgressFile:
    """Rewrites the progress file (atomically) whenever a move starts, advances or ends."""

    def __init__(self, path, host, moves):
        self.path = path
        self.host = host
        self.pid = os.getpid()
        self.started_at = time.time()
        self.finished = False
        self.moves = dict((m["vm"], {"vm": m["vm"], "source": m["source"], "target": m["target"],
                                     "method": m["method"], "wave": m.get("wave"), "memory_mb": m.get("memory_mb"),
                                     "downtime": bool(m.get("downtime")), "state": "waiting",
                                     "percent": None, "detail": ""}) for m in moves)
        self.write()

    def update(self, result, status):
        item = self.moves.get(result.move["vm"])
        if item is None:
            return
        item.update((k, v) for k, v in result.as_dict().items() if k not in ("status", "target", "source"))
        item["method"] = result.method or item["method"]
        item["state"] = {"done": "moved", "failed": "failed"}.get(status.state, "running")
        item["percent"] = status.percent
        item["detail"] = status.detail or ("%s" % status.progress if status.progress is not None else "")
        self.write()

    def finish(self, results):
        self.finished = True
        for result in results:
            item = self.moves.get(result["vm"])
            if item is not None:
                item.update((k, v) for k, v in result.items() if k not in ("status", "target", "source"))
                item["state"] = result["status"]
                item["percent"] = 100 if result["status"] == "moved" else item["percent"]
                item["detail"] = result["error"] or ""
        self.write()

    def write(self):
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory)
        temporary = self.path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump({"host": self.host, "pid": self.pid, "finished": self.finished, "started_at": self.started_at,
                       "updated_at": time.time(), "moves": list(self.moves.values())}, handle)
        os.rename(temporary, self.path)


def progress_lines(document):
    """One line per VM: where it goes, by which method, how far."""
    lines = []
    for item in document.get("moves", []):
        how_far = "%d%%" % item["percent"] if item.get("percent") is not None else item.get("detail") or ""
        line = "%s: %s -> %s (%s, wave %s) %s %s" % (
            item["vm"], item["source"], item["target"], item["method"], item.get("wave"), item["state"], how_far)
        lines.append(line.rstrip())
    return lines


# The file's states as the user reads them: "running" is the move, not the guest.
MOVE_STATES = {"running": "moving"}


def progress_moves(document):
    """Each VM's move as it stands: vm, source, target (where it is heading now, or where it landed), method,
    wave, state (waiting, moving, moved, failed, in_flight or not_started), percent and detail."""
    moves = []
    for item in document.get("moves", []):
        heading_to = [a["target"] for a in item.get("attempts") or [] if a.get("target")]
        target = item.get("final_host") if item.get("state") == "moved" else None
        moves.append({
            "vm": item["vm"], "source": item["source"],
            "target": target or (heading_to[-1] if heading_to else item["target"]),
            "method": item.get("method"), "wave": item.get("wave"),
            "state": MOVE_STATES.get(item.get("state"), item.get("state")),
            "percent": item.get("percent"), "detail": item.get("detail") or ""})
    return moves


def progress_elapsed_seconds(document, now=None):
    """Seconds since the drain started, up to its last write once it has finished; None for an older file."""
    started = document.get("started_at")
    if started is None:
        return None
    end = document.get("updated_at") if document.get("finished") else (now or time.time())
    return max(0.0, round((end or started) - started, 1))
