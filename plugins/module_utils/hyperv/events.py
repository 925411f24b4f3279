# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V, live-migration failure events: which ones, from which logs, read from their message text (English or
Japanese) into the VM, the destination and the memory asked; and the date parsing the modules share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import HyperVError

# Live-migration failure events: 21502 (Hyper-V-High-Availability, "Live migration of 'Virtual Machine X' failed",
# e.g. for lack of memory at the destination), 22038 (Hyper-V-High-Availability, the failure's detail, e.g.
# authentication), 21024 (Hyper-V-VMMS, "Virtual machine migration operation ... failed at migration source").
MIGRATION_EVENT_IDS = (21502, 22038, 21024)
MIGRATION_EVENT_LOGS = ("System", "Microsoft-Windows-Hyper-V-High-Availability-Admin",
                        "Microsoft-Windows-Hyper-V-VMMS-Admin")
VM_PATTERNS = (r"'(?:Virtual Machine|\u4eee\u60f3\u30de\u30b7\u30f3) ([^']+)'", r"for '([^']+)'", r"virtual machine '([^']+)'")
TARGET_PATTERNS = (r"destination '([^']+)'", r"\u79fb\u884c\u5148 '([^']+)'")  # English, Japanese
MEMORY_PATTERN = r"(\d+)\s*(?:megabytes|MB)\b"
JAPANESE_MEMORY, JAPANESE_SHORT = u"\u30e1\u30e2\u30ea", u"\u4e0d\u8db3"  # "memory", "not enough"


def _first(patterns, text):
    for pattern in patterns:
        found = re.search(pattern, text, re.IGNORECASE)
        if found:
            return found.group(1)
    return None


def parse_migration_event(raw):
    """An event as {id, node (where logged: a 21502's migration source), vm, target, memory_mb, reason, ...}.

    The VM, the destination and the memory asked are read from the message text (English or Japanese).
    """
    message = raw.get("message") or ""
    memory = re.search(MEMORY_PATTERN, message)
    lowered = message.lower()
    short = "not enough memory" in lowered or (JAPANESE_MEMORY in message and JAPANESE_SHORT in message)
    reason = "insufficient_memory" if short else None
    return {"id": raw.get("id"), "node": raw.get("node"), "log": raw.get("log"), "record_id": raw.get("record"),
            "provider": raw.get("provider"), "level": raw.get("level"), "time": raw.get("time"),
            "vm": _first(VM_PATTERNS, message), "target": _first(TARGET_PATTERNS, message),
            "memory_mb": int(memory.group(1)) if memory else None, "reason": reason, "message": message}


def summarize_events(events):
    """Counts per event ID, per destination node and per VM."""
    summary = {"count": len(events), "by_id": {}, "by_target": {}, "by_vm": {}}
    for event in events:
        for key, value in (("by_id", str(event["id"])), ("by_target", event["target"]), ("by_vm", event["vm"])):
            if value:
                summary[key][value] = summary[key].get(value, 0) + 1
    return summary


def parse_datetime(value):
    """A datetime from ISO 8601 text (.NET's 7-digit fractions and a trailing Z accepted; the zone is not kept)."""
    text = re.sub(r"(\.\d{1,6})\d*", r"\1", str(value).strip().replace("Z", ""))
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise HyperVError("'%s' is not a date and time (use 2024-06-01T03:00:00)" % value)
