# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of a rollout as it runs: each VM's move, a drain's tally and outcome, what a task waits for.

Shared by the rollout output (callback vmfleet.maintenance.rollout) and the progress callback; it reads the
``moves`` that vmfleet.maintenance.drain_status returns and knows nothing of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The order a drain's tally names the states in.
TALLY_ORDER = ("moved", "moving", "waiting", "failed", "in_flight", "not_started")
TALLY_WORDS = {"in_flight": "still moving on the platform", "not_started": "not started"}


def duration_text(seconds):
    """45 s, 2 min 05 s, 1 h 02 min."""
    seconds = int(round(seconds or 0))
    if seconds < 60:
        return "%d s" % seconds
    if seconds < 3600:
        return "%d min %02d s" % (seconds // 60, seconds % 60)
    return "%d h %02d min" % (seconds // 3600, seconds % 3600 // 60)


def percent_text(percent):
    return "%d%%" % int(round(percent)) if percent is not None else ""


def move_status(move):
    """Where the move stands, in a few words: moving 63%, moved, waiting, failed: why."""
    state = move.get("state") or "waiting"
    if state == "moving":
        if move.get("percent") is not None:
            return "moving %s" % percent_text(move["percent"])
        return "moving (%s)" % move["detail"] if move.get("detail") else "moving"
    if state in ("failed", "in_flight") and move.get("detail"):
        return "%s: %s" % (TALLY_WORDS.get(state, state), move["detail"])
    return TALLY_WORDS.get(state, state)


def move_lines(moves, indent="  "):
    """One aligned line per move: VM, source -> target, method, how far."""
    if not moves:
        return []
    vm_width = max(len(m["vm"]) for m in moves)
    routes = ["%s -> %s" % (m["source"], m["target"]) for m in moves]
    route_width = max(len(r) for r in routes)
    method_width = max(len(m.get("method") or "") for m in moves)
    line = "%s%-*s  %-*s  %-*s  %s"
    return [(line % (indent, vm_width, m["vm"], route_width, route, method_width, m.get("method") or "",
                     move_status(m))).rstrip() for m, route in zip(moves, routes)]


def fills_host(host, moves):
    """True for a failback: every move goes to the host rather than off it."""
    return bool(moves) and all(m["source"] != host for m in moves)


def drain_title(host, moves):
    """'draining compute-1', or 'bringing VMs home to compute-1' for a failback."""
    if fills_host(host, moves):
        return "bringing VMs home to %s" % host
    return "draining %s" % (host or "the host")


def drain_tally(moves):
    """'2 of 5 moved, 2 moving, 1 waiting'."""
    counts = dict((state, sum(1 for m in moves if m.get("state") == state)) for state in TALLY_ORDER)
    parts = ["%d of %d moved" % (counts["moved"], len(moves))]
    parts += ["%d %s" % (counts[s], TALLY_WORDS.get(s, s)) for s in TALLY_ORDER[1:] if counts[s]]
    return ", ".join(parts)


def drain_heading(host, moves, elapsed_seconds=None):
    """'draining compute-1: 2 of 5 moved, 2 moving, 1 waiting (45 s)'."""
    line = "%s: %s" % (drain_title(host, moves), drain_tally(moves))
    return line + (" (%s)" % duration_text(elapsed_seconds) if elapsed_seconds is not None else "")


def compact_drain_line(host, moves, changed, elapsed_seconds=None):
    """One line for a check of a drain: the tally, every move in flight, and the moves that ended since."""
    ended = set(m["vm"] for m in changed)
    items = []
    for move in moves:
        state = move.get("state")
        if state == "moving":
            how_far = percent_text(move.get("percent")) or ("(%s)" % move["detail"] if move.get("detail") else "")
            items.append(" ".join(w for w in (move["vm"], "->", move["target"], move.get("method"), how_far) if w))
        elif state == "moved" and move["vm"] in ended:
            items.append("%s moved to %s" % (move["vm"], move["target"]))
        elif state != "waiting" and move["vm"] in ended:
            items.append("%s %s" % (move["vm"], move_status(move)))
    return drain_heading(host, moves, elapsed_seconds) + (": " + ", ".join(items) if items else "")


def drain_outcome(host, moves, elapsed_seconds=None):
    """'compute-1 drained: 5 of 5 moved (4 live, 1 cold) in 1 min 02 s', or the tally of what did not move."""
    if not moves:
        return "%s: nothing to move" % (host or "the host")
    methods = {}
    for move in moves:
        if move.get("state") == "moved":
            methods[move.get("method") or "?"] = methods.get(move.get("method") or "?", 0) + 1
    if fills_host(host, moves):
        subject = "VMs home to %s" % host
    else:
        subject = "%s %s" % (host, "drained" if sum(methods.values()) == len(moves) else "drain ended")
    how = ", ".join("%d %s" % (n, method) for method, n in sorted(methods.items(), key=lambda i: (-i[1], i[0])))
    return "%s: %s%s%s" % (subject, drain_tally(moves), " (%s)" % how if how else "",
                           " in %s" % duration_text(elapsed_seconds) if elapsed_seconds is not None else "")


def waiting_line(what, elapsed_seconds, check=None, checks=None, error=None):
    """'waiting until compute-1 is up again (12 s, check 5 of 121)' from a task named 'Wait until ...'; error: why
    the last check failed, when it did."""
    text = what.strip()
    if text.lower().startswith("wait "):
        text = "waiting " + text[5:]
    else:
        text = "waiting: " + text
    facts = [duration_text(elapsed_seconds)]
    if check is not None:
        facts.append("check %d of %d" % (check, checks) if checks else "check %d" % check)
    line = "%s (%s)" % (text, ", ".join(facts))
    return line + ("; the last check failed: %s" % error if error else "")


class MoveTracker:
    """What was last shown of each drain's moves, so that a check shows only the moves that changed."""

    def __init__(self):
        self.shown = {}

    def changed(self, key, moves):
        """The moves of drain key whose target, method, state, percent or detail changed since the last call."""
        before = self.shown.setdefault(key, {})
        changed = []
        for move in moves:
            percent = move.get("percent") if move.get("state") == "moving" else None
            now = (move.get("target"), move.get("method"), move.get("state"), percent, move.get("detail"))
            if before.get(move["vm"]) != now:
                before[move["vm"]] = now
                changed.append(move)
        return changed

    def forget(self, key):
        self.shown.pop(key, None)
