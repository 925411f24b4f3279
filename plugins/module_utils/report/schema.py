# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a rollout record and normalize it: defaults filled in, numbers as floats, hosts in order.

Every error names the bad item by its path in the record, e.g.
``data.steps[1] (host node2).moves[0]: 'vm' is required``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

RUN_STATUSES = ("ok", "failed", "check", "running")
PLATFORMS = ("nova", "vsphere", "hyperv")
STEP_STATUSES = ("done", "failed", "skipped", "planned", "in_progress")
MOVE_STATUSES = ("moved", "failed", "not_started", "planned", "in_flight")
TIME_KEYS = ("drain_start", "drain_end", "update_start", "update_end", "back", "failback_start", "failback_end")


class ReportDataError(ValueError):
    """The record does not match the schema; the message names the bad item."""


def _where(path, key):
    return "%s.%s" % (path, key) if key is not None else path


def _text(obj, key, path, required=False, default=None):
    value = obj.get(key)
    if value is None:
        if required:
            raise ReportDataError("%s: '%s' is required" % (path, key))
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ReportDataError("%s: '%s' must be a string, got %s" % (path, key, type(value).__name__))
    return str(value)


def _number(obj, key, path):
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ReportDataError("%s: '%s' must be a number, got a boolean" % (path, key))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ReportDataError("%s: '%s' must be a number, got %r" % (path, key, value))


def _choice(obj, key, path, choices, default=None):
    value = _text(obj, key, path, required=default is None, default=default)
    if value not in choices:
        raise ReportDataError("%s: '%s' must be one of %s, got %r" % (path, key, ", ".join(choices), value))
    return value


def _list(obj, key, path):
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ReportDataError("%s: must be a list, got %s" % (_where(path, key), type(value).__name__))
    return list(value)


def _dict(value, path):
    if not isinstance(value, dict):
        raise ReportDataError("%s: must be a dict, got %s" % (path, type(value).__name__))
    return value


def _move(raw, path):
    move = _dict(raw, path)
    vm = _text(move, "vm", path, required=True)
    path = "%s (vm %s)" % (path, vm)
    attempts = []
    for index, attempt in enumerate(_list(move, "attempts", path)):
        attempts.append(dict(_dict(attempt, "%s.attempts[%d]" % (path, index))))
    return {
        "vm": vm,
        "source": _text(move, "source", path),
        "target": _text(move, "target", path),
        "method": _text(move, "method", path),
        "wave": _number(move, "wave", path),
        "status": _choice(move, "status", path, MOVE_STATUSES, default="planned"),
        "duration_seconds": _number(move, "duration_seconds", path),
        "memory_mb": _number(move, "memory_mb", path),
        "error": _text(move, "error", path),
        "downtime": bool(move.get("downtime")),
        "attempts": attempts,
    }


def _unplaced(raw, path):
    item = _dict(raw, path)
    vm = _text(item, "vm", path, required=True)
    path = "%s (vm %s)" % (path, vm)
    reasons = []
    for index, reason in enumerate(_list(item, "reasons", path)):
        where = "%s.reasons[%d]" % (path, index)
        if isinstance(reason, str):
            reasons.append({"code": None, "detail": reason})
            continue
        reason = _dict(reason, where)
        reasons.append({"code": _text(reason, "code", where), "detail": _text(reason, "detail", where)})
    return {"vm": vm, "host": _text(item, "host", path), "reasons": reasons}


def _step_number(obj, path):
    """The step's number (an int, also from an integral float or a digit string), or None when not recorded."""
    value = obj.get("step")
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReportDataError("%s: 'step' must be a step number, got %r" % (path, value))
    return value


def _group(obj, path):
    """The hosts taken out of service with this one (itself included); [] when the record does not say."""
    group = _list(obj, "group", path)
    for index, host in enumerate(group):
        if not isinstance(host, str):
            raise ReportDataError("%s.group[%d]: must be a host name, got %r" % (path, index, host))
    return group


def _step(raw, path):
    step = _dict(raw, path)
    host = _text(step, "host", path, required=True)
    path = "%s (host %s)" % (path, host)
    times_raw = _dict(step.get("times") or {}, path + ".times")
    times = {}
    for key in TIME_KEYS:
        value = _number(times_raw, key, path + ".times")
        if value is not None:
            times[key] = value
    return {
        "host": host,
        "step": _step_number(step, path),
        "group": _group(step, path),
        "status": _choice(step, "status", path, STEP_STATUSES, default="planned"),
        "error": _text(step, "error", path),
        "times": times,
        "moves": [_move(m, "%s.moves[%d]" % (path, i)) for i, m in enumerate(_list(step, "moves", path))],
        "failback": [_move(m, "%s.failback[%d]" % (path, i)) for i, m in enumerate(_list(step, "failback", path))],
        "unplaced": [_unplaced(u, "%s.unplaced[%d]" % (path, i)) for i, u in enumerate(_list(step, "unplaced", path))],
    }


def _snapshot(raw, path):
    snap = _dict(raw, path)
    hosts = {}
    raw_hosts = _dict(snap.get("hosts") or {}, path + ".hosts")
    for host in sorted(raw_hosts, key=str):
        percent = _number(raw_hosts, host, path + ".hosts")
        if percent is not None:
            hosts[str(host)] = percent
    return {"label": _text(snap, "label", path), "t": _number(snap, "t", path), "hosts": hosts}


def _resume(raw, path):
    """When a new invocation took the run over: seconds since the start, and how many snapshots came before."""
    if not isinstance(raw, dict):
        raw = {"t": raw}
    value = raw.get("snapshots")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ReportDataError("%s: 'snapshots' must be a count of snapshots, got %r" % (path, value))
    return {"t": _number(raw, "t", path), "snapshots": value}


def _entries(record, key, fields):
    entries = []
    for index, raw in enumerate(_list(record, key, "data")):
        path = "data.%s[%d]" % (key, index)
        if isinstance(raw, str):
            raw = {"what": raw}
        entry = _dict(raw, path)
        entries.append(dict((f, _text(entry, f, path, required=f == "what")) for f in fields))
    return entries


def host_order(record):
    """Every host the record names: the rolling order first, then the others sorted."""
    order = []
    for host in record["rolling_order"] + [s["host"] for s in record["steps"]]:
        if host not in order:
            order.append(host)
    others = set(h for snap in record["utilization"] for h in snap["hosts"])
    return order + sorted(others - set(order))


def normalize(record):
    """The record checked and normalized; ReportDataError names the first bad item."""
    record = _dict(record, "data")
    rolling = _list(record, "rolling_order", "data")
    for index, host in enumerate(rolling):
        if not isinstance(host, str):
            raise ReportDataError("data.rolling_order[%d]: must be a host name, got %r" % (index, host))
    result = {
        "run_id": _text(record, "run_id", "data", default=""),
        "platform": _text(record, "platform", "data"),
        "cluster": _text(record, "cluster", "data"),
        "status": _choice(record, "status", "data", RUN_STATUSES),
        "started": _text(record, "started", "data"),
        "finished": _text(record, "finished", "data"),
        "rolling_order": list(rolling),
        "steps": [_step(s, "data.steps[%d]" % i) for i, s in enumerate(_list(record, "steps", "data"))],
        "utilization": [_snapshot(u, "data.utilization[%d]" % i) for i, u in enumerate(_list(record, "utilization", "data"))],
        "resumed_at": [_resume(r, "data.resumed_at[%d]" % i) for i, r in enumerate(_list(record, "resumed_at", "data"))],
        "restored": _entries(record, "restored", ("host", "what")),
        "left_behind": _entries(record, "left_behind", ("host", "what", "why")),
        "left_to_platform": _entries(record, "left_to_platform", ("what", "how")),
        "floor_mb": _number(record, "floor_mb", "data"),
        "migrated_mb": _number(record, "migrated_mb", "data"),
    }
    if result["platform"] is not None and result["platform"] not in PLATFORMS:
        raise ReportDataError("data: 'platform' must be one of %s, got %r" % (", ".join(PLATFORMS), result["platform"]))
    result["hosts"] = host_order(result)
    return result
