# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host timeline: one row per host, drain / update / back / failback on a shared time axis."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .fmt import clock, duration, esc
from .summary import step_groups
from .svg_common import element, host_style, shorten, text, time_ticks, title

WIDTH = 1100
LEFT = 210
RIGHT = 24
TOP = 34
ROW = 34
BAR = 18
CHAR = 6.3

# phase: (start key, end key, fill)
PHASES = (
    ("drain", "drain_start", "drain_end", "#e69f00"),
    ("update", "update_start", "update_end", "#0072b2"),
    ("failback", "failback_start", "failback_end", "#7f3c8d"),
)
BACK_COLOUR = "#009e73"
TOGETHER_COLOUR = "#0b5394"
RESUME_COLOUR = "#777"
STATUS_COLOURS = {"done": "#1e7e34", "failed": "#c0392b", "skipped": "#6c757d", "planned": "#0b5394",
                  "not reached": "#6c757d"}


def timeline_rows(record):
    """(host, status, [steps]) for every host in the rolling order or with a step, in order."""
    rows = []
    for host in record["hosts"]:
        steps = [s for s in record["steps"] if s["host"] == host]
        if steps:
            rows.append((host, steps[-1]["status"], steps))
        elif host in record["rolling_order"]:
            rows.append((host, "not reached", []))
    return rows


def _segments(steps, horizon):
    """(phase, start, end, open, fill) of every phase with a start; an open phase runs to the next event."""
    segments = []
    for step in steps:
        times = step["times"]
        for phase, start_key, end_key, fill in PHASES:
            if start_key not in times:
                continue
            start = times[start_key]
            end = times.get(end_key)
            is_open = end is None
            if is_open:
                later = [t for t in times.values() if t > start]
                end = min(later) if later else horizon
            segments.append((phase, start, max(end, start), is_open, fill))
    return segments


def _bar_label(phase, seconds, width, is_open):
    """The longest label that fits in the bar: 'drain 3m 05s', '3m 05s' or nothing."""
    suffix = " (unfinished)" if is_open else ""
    for label in ("%s %s%s" % (phase, duration(seconds), suffix), "%s %s" % (phase, duration(seconds)),
                  duration(seconds)):
        if len(label) * CHAR + 8 <= width:
            return label
    return ""


def _row_runs(indexes):
    """Sorted row indexes as (first, last) runs of neighbours: [1, 2, 4] -> [(1, 2), (4, 4)]."""
    runs = []
    for index in sorted(indexes):
        if runs and index == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _together(record, rows, xpos, open_end):
    """A band behind the rows of every step that took more than one host out of service, from its first
    drain_start to its last back (to open_end while one of them is still out), labelled with the step."""
    row_of = dict((entry[0], index) for index, entry in enumerate(rows))
    parts = []
    for group in step_groups(record):
        hosts = [h for h in group["hosts"] if h in row_of]
        if len(hosts) < 2 or group["start"] is None:
            continue
        end = group["end"] if group["end"] is not None else (open_end if group["open"] else group["last"])
        x1, x2 = xpos(group["start"]), xpos(max(end, group["start"]))
        name = "step %s" % group["step"]
        tip = "%s: %s out of service together, %s \u2192 %s" % (
            name, ", ".join(hosts), clock(group["start"]), "still out" if group["open"] else clock(end))
        if not group["open"]:
            tip += " (%s)" % duration(end - group["start"])
        runs = _row_runs(row_of[h] for h in hosts)
        for first, last in runs:
            parts.append(element("rect", {"class": "together", "data-step": group["step"], "x": x1 - 3,
                                          "y": TOP + first * ROW + 1, "width": max(x2 - x1, 2.0) + 6,
                                          "height": (last - first + 1) * ROW - 2, "rx": 5,
                                          "fill": TOGETHER_COLOUR, "fill-opacity": 0.08, "stroke": TOGETHER_COLOUR,
                                          "stroke-opacity": 0.6, "stroke-dasharray": "4 3"}, title(tip)))
        if len(runs) > 1:
            parts.append(element("line", {"x1": x1 - 3, "x2": x1 - 3, "y1": TOP + runs[0][1] * ROW + ROW - 1,
                                          "y2": TOP + runs[-1][0] * ROW + 1, "stroke": TOGETHER_COLOUR,
                                          "stroke-opacity": 0.6, "stroke-dasharray": "4 3"}))
        # the label sits on the band like a tab, in the gap above the first row's bars
        parts.append(element("text", {"x": x1, "y": TOP + runs[0][0] * ROW - 1, "font-size": 9,
                                      "font-weight": "600", "fill": TOGETHER_COLOUR}, title(tip) + esc(name)))
    return "".join(parts)


def _resumes(record, xpos, bottom):
    """A dashed line where a new invocation took the run over: nothing was recorded before it since the stop."""
    parts = []
    for resume in record.get("resumed_at") or []:
        if resume["t"] is None:
            continue
        x = xpos(resume["t"])
        tip = "the run was resumed at %s; nothing was recorded between its interruption and then" % clock(resume["t"])
        parts.append(element("line", {"class": "resumed", "x1": x, "x2": x, "y1": TOP - 4, "y2": bottom,
                                      "stroke": RESUME_COLOUR, "stroke-width": 1.5, "stroke-dasharray": "2 3"},
                             title(tip)))
        parts.append(text(x, TOP - 7, "resumed", font_size=9, text_anchor="middle", fill=RESUME_COLOUR))
    return "".join(parts)


def _legend():
    parts = []
    x = LEFT
    for phase, fill in [(p[0], p[3]) for p in PHASES]:
        parts.append(element("rect", {"x": x, "y": 8, "width": 14, "height": 10, "rx": 2, "fill": fill}))
        parts.append(text(x + 19, 17, phase, font_size=11))
        x += 30 + len(phase) * CHAR
    parts.append(element("path", {"d": "M%d 7 l5 6 l-5 6 l-5 -6 z" % (x + 5), "fill": BACK_COLOUR}))
    parts.append(text(x + 15, 17, "back in service", font_size=11))
    x += 30 + 15 * CHAR
    parts.append(element("rect", {"x": x, "y": 8, "width": 14, "height": 10, "rx": 2, "fill": "#bbb",
                                  "stroke": "#333", "stroke-dasharray": "3 2"}))
    parts.append(text(x + 19, 17, "unfinished", font_size=11))
    return "".join(parts)


def render_timeline(record, horizon):
    """The timeline as one <svg> string; horizon is the end of the time axis in seconds."""
    rows = timeline_rows(record)
    ticks = time_ticks(horizon or 1)
    span = float(ticks[-1]) or 1.0
    plot = WIDTH - LEFT - RIGHT
    height = TOP + ROW * max(len(rows), 1) + 34

    def xpos(seconds):
        return LEFT + plot * max(0.0, min(seconds, span)) / span

    parts = [_legend()]
    for row, entry in enumerate(rows):
        top = TOP + row * ROW
        if entry[1] == "failed":
            parts.append(element("rect", {"x": 0, "y": top, "width": WIDTH, "height": ROW, "fill": "#fdecea"}))
        elif row % 2:
            parts.append(element("rect", {"x": 0, "y": top, "width": WIDTH, "height": ROW, "fill": "#f7f7f9"}))
    bottom = TOP + ROW * max(len(rows), 1)
    for tick in ticks:
        parts.append(element("line", {"x1": xpos(tick), "x2": xpos(tick), "y1": TOP - 4, "y2": bottom,
                                      "stroke": "#ddd", "stroke-width": 1}))
        parts.append(text(xpos(tick), bottom + 16, clock(tick), font_size=11, text_anchor="middle", fill="#444"))
    parts.append(text(LEFT + plot / 2.0, bottom + 31, "time since the rollout started (m:ss)", font_size=11,
                      text_anchor="middle", fill="#666"))
    parts.append(_together(record, rows, xpos, min(horizon or span, span)))
    parts.append(_resumes(record, xpos, bottom))
    host_index = dict((h, i) for i, h in enumerate(record["hosts"]))
    for row, (host, status, steps) in enumerate(rows):
        top = TOP + row * ROW
        middle = top + ROW / 2.0
        colour = host_style(host_index[host])[0]
        parts.append(element("rect", {"x": 6, "y": middle - 5, "width": 10, "height": 10, "rx": 2, "fill": colour}))
        parts.append(element("text", {"x": 22, "y": middle + 4, "font-size": 12, "font-weight": "600"},
                             title(host) + esc(shorten(host, 20))))
        parts.append(text(LEFT - 10, middle + 4, status, font_size=11, text_anchor="end",
                          fill=STATUS_COLOURS.get(status, "#333")))
        segments = _segments(steps, min(horizon or span, span))
        for phase, start, end, is_open, fill in segments:
            x1, x2 = xpos(start), xpos(end)
            width = max(x2 - x1, 2.0)
            tip = "%s %s: %s \u2192 %s (%s)%s" % (host, phase, clock(start), clock(end), duration(end - start),
                                                  ", unfinished" if is_open else "")
            rect = {"x": x1, "y": middle - BAR / 2.0, "width": width, "height": BAR, "rx": 3, "fill": fill}
            if is_open:
                rect.update({"fill-opacity": 0.55, "stroke": "#333", "stroke-dasharray": "3 2"})
            parts.append(element("rect", rect, title(tip)))
            label = _bar_label(phase, end - start, width, is_open)
            if label:
                parts.append(text(x1 + 4, middle + 4, label, font_size=11, fill="#222" if is_open else "#fff",
                                  font_weight="600"))
        backs = [s["times"]["back"] for s in steps if "back" in s["times"]]
        for back in backs:
            x = xpos(back)
            parts.append(element("path", {"d": "M%.1f %.1f l6 8 l-6 8 l-6 -8 z" % (x, middle - 8), "fill": BACK_COLOUR,
                                          "stroke": "#fff", "stroke-width": 1},
                                 title("%s back in service at %s" % (host, clock(back)))))
            following = [segment[1] for segment in segments if segment[1] > back]
            room = (xpos(min(following)) if following else LEFT + plot) - x
            if room > 44:
                parts.append(text(x + 9, middle + 4, "back", font_size=11, fill=BACK_COLOUR, font_weight="600"))
        if not segments and not backs and status != "not reached":
            parts.append(text(LEFT + 6, middle + 4, "no times recorded", font_size=11, fill="#888", font_style="italic"))
    if not rows:
        parts.append(text(LEFT + 6, TOP + ROW / 2.0 + 4, "no steps in the record", font_size=11, fill="#888"))
    return element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 %d %d" % (WIDTH, height),
                           "width": WIDTH, "height": height, "role": "img", "class": "timeline",
                           "aria-label": "per-host timeline", "font-family": "sans-serif"},
                   "".join(parts))
