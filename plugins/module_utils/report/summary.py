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


def out_of_service(record):
    """(host, start, end) for each host whose time out of service the record knows: from its drain_start to
    its back; end None while it is still out (its step failed or did not finish). A finished step without a
    back time (a platform engine's rollout) says nothing about when its host was out, so it is left out."""
    spans = []
    for step in record["steps"]:
        times = step["times"]
        if "drain_start" not in times:
            continue
        if "back" in times:
            spans.append((step["host"], times["drain_start"], max(times["back"], times["drain_start"])))
        elif step["status"] in ("in_progress", "failed"):
            spans.append((step["host"], times["drain_start"], None))
    return spans


def out_together(record):
    """(count, moment, hosts): the most hosts out of service at the same moment, the first moment it
    happened and which hosts; (None, None, []) when no time out of service is recorded."""
    spans = out_of_service(record)
    best = (None, None, [])
    for host, moment, dummy_end in sorted(spans, key=lambda span: span[1]):
        hosts = [h for h, start, end in spans if start <= moment and (end is None or moment < end)]
        if host not in hosts:
            hosts.append(host)  # out for no time at all, but out
        hosts = sorted(set(hosts), key=record["hosts"].index)
        if best[0] is None or len(hosts) > best[0]:
            best = (len(hosts), moment, hosts)
    return best


def step_groups(record):
    """The hosts taken out of service together, one entry per step in the order the record has them:
    {'step', 'hosts', 'start' (first drain_start), 'end' (last back, None while one is still out),
    'open' (one is still out), 'last' (latest time recorded), 'status'}. Steps are told apart by number
    and recorded group, so that a resumed run numbering its remaining steps afresh does not merge two
    steps; a step without number is its host alone."""
    groups, index = [], {}
    for step in record["steps"]:
        if step["step"] is None:
            key = ("host", step["host"])
        else:
            key = ("step", step["step"], tuple(sorted(step["group"])))
        if key not in index:
            index[key] = len(groups)
            groups.append({"step": step["step"], "entries": []})
        groups[index[key]]["entries"].append(step)
    result = []
    for group in groups:
        entries = sorted(group["entries"], key=lambda entry: record["hosts"].index(entry["host"]))
        starts = [e["times"]["drain_start"] for e in entries if "drain_start" in e["times"]]
        still_out = any("back" not in e["times"] and e["status"] in ("in_progress", "failed") for e in entries)
        backs = [e["times"]["back"] for e in entries if "back" in e["times"]]
        times = [t for e in entries for t in e["times"].values()]
        statuses = [e["status"] for e in entries]
        status = next((s for s in ("failed", "in_progress", "planned") if s in statuses),
                      "skipped" if set(statuses) == set(["skipped"]) else "done")
        result.append({"step": group["step"], "hosts": [e["host"] for e in entries],
                       "start": min(starts) if starts else None,
                       "end": max(backs) if backs and starts and not still_out else None,
                       "status": status, "open": still_out,
                       "last": max(times) if times else None})
    return result


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
        "max_hosts_out_together": out_together(record)[0],
        "downtime_vms": sorted(set(move["vm"] for move in moved if move["downtime"])),
        "left_behind": len(record["left_behind"]),
        "restored": len(record["restored"]),
    }
