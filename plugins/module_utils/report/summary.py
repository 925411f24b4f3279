# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The numbers at the top of the report, computed from a normalized record."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .fmt import seconds_between


def all_moves(record):
    """(step, phase, move) for every drain move then failback move, step by step."""
    for step in record["steps"]:
        for phase in ("moves", "failback"):
            for move in step[phase]:
                yield step, ("drain" if phase == "moves" else "failback"), move


def failed_attempts(move):
    """Failed migrations behind one move: its failed attempts, at least one when the move failed."""
    count = sum(1 for attempt in move["attempts"] if attempt.get("error"))
    if move["status"] == "failed":
        count = max(count, 1)
    return count


def last_time(record):
    """The latest time (seconds since the start) the record mentions, or None."""
    times = [t for step in record["steps"] for t in step["times"].values()]
    times += [snap["t"] for snap in record["utilization"] if snap["t"] is not None]
    return max(times) if times else None


def summarize(record):
    """hosts_updated, hosts_failed, vms_moved, failed_migrations, migrated_mb, floor_mb, duration_seconds, ..."""
    steps = record["steps"]
    moves = [entry[2] for entry in all_moves(record)]
    moved = [move for move in moves if move["status"] == "moved"]
    migrated = record["migrated_mb"]
    if migrated is None and any(move["memory_mb"] is not None for move in moved):
        migrated = sum(move["memory_mb"] or 0 for move in moved)
    duration = seconds_between(record["started"], record["finished"])
    return {
        "status": record["status"],
        "hosts_total": len(record["hosts"]),
        "hosts_updated": sum(1 for step in steps if step["status"] == "done"),
        "hosts_failed": sum(1 for step in steps if step["status"] == "failed"),
        "hosts_skipped": sum(1 for step in steps if step["status"] == "skipped"),
        "vms_moved": len(moved),
        "vms_planned": sum(1 for move in moves if move["status"] == "planned"),
        "vms_unplaced": sum(len(step["unplaced"]) for step in steps),
        "failed_migrations": sum(failed_attempts(move) for move in moves),
        "migrated_mb": migrated,
        "floor_mb": record["floor_mb"],
        "duration_seconds": round(duration, 1) if duration is not None else None,
        "downtime_vms": sorted(set(move["vm"] for move in moved if move["downtime"])),
        "left_behind": len(record["left_behind"]),
        "restored": len(record["restored"]),
    }
