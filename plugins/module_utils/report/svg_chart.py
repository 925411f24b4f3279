# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The memory chart: each host's utilization (%) over the rollout, one polyline per unbroken run of samples."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .fmt import clock, esc, num
from .svg_common import element, host_style, index_ticks, shorten, text, time_ticks, title

WIDTH = 1100
MIN_HEIGHT = 380
LEFT = 58
RIGHT = 230
TOP = 18
BOTTOM = 58
LIMIT_COLOUR = "#c0392b"


def chart_hosts(record):
    """Hosts with at least one utilization value, in the record's host order."""
    seen = set(h for snap in record["utilization"] for h in snap["hosts"])
    return [h for h in record["hosts"] if h in seen]


def _x_axis(snapshots):
    """(x value per snapshot, ticks as (value, label), axis title): seconds when every snapshot has t."""
    if snapshots and all(s["t"] is not None for s in snapshots):
        values = [s["t"] for s in snapshots]
        ticks = time_ticks(max(values))
        return values, [(t, clock(t)) for t in ticks], "time since the rollout started (m:ss)"
    values = [float(i) for i in range(len(snapshots))]
    ticks = index_ticks(len(snapshots))
    return values, [(i, snapshots[i]["label"] or "#%d" % i) for i in ticks], "snapshot"


def resume_breaks(record, xs):
    """Indexes i of the snapshots after which a resume came (the line breaks between i and i + 1)."""
    breaks = set()
    count = len(record["utilization"])
    for resume in record.get("resumed_at") or []:
        if resume["snapshots"] is not None:
            if 0 < resume["snapshots"] < count:
                breaks.add(resume["snapshots"] - 1)
        elif resume["t"] is not None and all(s["t"] is not None for s in record["utilization"]):
            breaks.update(i for i in range(count - 1) if xs[i] <= resume["t"] < xs[i + 1])
    return breaks


def host_runs(record, host, breaks):
    """The host's samples as unbroken runs of snapshot indexes: a snapshot without the host, or a resume
    between two snapshots, ends a run (a line drawn across them would show samples nobody took)."""
    runs, current = [], []
    for index, snap in enumerate(record["utilization"]):
        if host in snap["hosts"]:
            current.append(index)
        elif current:
            runs.append(current)
            current = []
        if index in breaks and current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def render_chart(record):
    """The chart as one <svg> string, or '' when the record has no utilization snapshots."""
    snapshots = record["utilization"]
    hosts = chart_hosts(record)
    if not hosts:
        return ""
    xs, ticks, x_title = _x_axis(snapshots)
    x_min = min(xs + [ticks[0][0]])
    x_max = max(xs + [ticks[-1][0]])
    if x_max <= x_min:
        x_max = x_min + 1.0
    peak = max(v for snap in snapshots for v in snap["hosts"].values())
    y_max = 100.0 if peak <= 100 else float(int(-(-peak // 10)) * 10)
    height = max(MIN_HEIGHT, TOP + 20 * len(hosts) + BOTTOM)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM

    def xpos(value):
        return LEFT + plot_w * (value - x_min) / (x_max - x_min)

    def ypos(percent):
        return TOP + plot_h * (1.0 - max(0.0, percent) / y_max)

    parts = []
    step = 20 if y_max <= 150 else 50
    for level in range(0, int(y_max) + 1, step):
        parts.append(element("line", {"x1": LEFT, "x2": LEFT + plot_w, "y1": ypos(level), "y2": ypos(level),
                                      "stroke": "#e3e3e3"}))
        parts.append(text(LEFT - 8, ypos(level) + 4, "%d %%" % level, font_size=11, text_anchor="end",
                          fill=LIMIT_COLOUR if level == 100 else "#444"))
    spacing = plot_w / max(len(ticks) - 1, 1)
    for value, label in ticks:
        parts.append(element("line", {"x1": xpos(value), "x2": xpos(value), "y1": TOP + plot_h, "y2": TOP + plot_h + 5,
                                      "stroke": "#888"}))
        parts.append(element("text", {"x": xpos(value), "y": TOP + plot_h + 18, "font-size": 11,
                                      "text-anchor": "middle", "fill": "#444"},
                             title(label) + shorten_markup(label, int(spacing / 6.5))))
    parts.append(element("rect", {"x": LEFT, "y": TOP, "width": plot_w, "height": plot_h, "fill": "none",
                                  "stroke": "#999"}))
    parts.append(text(LEFT + plot_w / 2.0, height - 14, x_title, font_size=11, text_anchor="middle", fill="#666"))
    parts.append(text(16, TOP + plot_h / 2.0, "memory used (%)", font_size=11, text_anchor="middle", fill="#666",
                      transform="rotate(-90 16 %s)" % num(TOP + plot_h / 2.0, 2)))
    parts.append(element("line", {"class": "limit", "x1": LEFT, "x2": LEFT + plot_w, "y1": ypos(100), "y2": ypos(100),
                                  "stroke": LIMIT_COLOUR, "stroke-width": 1.5, "stroke-dasharray": "6 4"},
                         title("100 % of host memory")))
    breaks = resume_breaks(record, xs)
    for index in sorted(breaks):
        x = xpos((xs[index] + xs[index + 1]) / 2.0 if x_title == "snapshot" else _resume_x(record, xs, index))
        parts.append(element("line", {"class": "resumed", "x1": x, "x2": x, "y1": TOP, "y2": TOP + plot_h,
                                      "stroke": "#777", "stroke-width": 1.5, "stroke-dasharray": "2 3"},
                             title("the run was resumed here; no samples between its interruption and then")))
    markers = len(snapshots) <= 80
    for index, host in enumerate(hosts):
        colour, dashes = host_style(record["hosts"].index(host))
        points = []
        for run in host_runs(record, host, breaks):
            run_points = [(xs[i], snapshots[i]["label"], snapshots[i]["hosts"][host], len(run) == 1) for i in run]
            points += run_points
            if len(run_points) > 1:
                coords = " ".join("%s,%s" % (num(xpos(p[0]), 1), num(ypos(p[2]), 1)) for p in run_points)
                parts.append(element("polyline", {"class": "util", "data-host": host, "points": coords, "fill": "none",
                                                  "stroke": colour, "stroke-width": 2,
                                                  "stroke-dasharray": dashes or None, "stroke-linejoin": "round"},
                                     title(host)))
        for x, label, value, alone in points:
            if markers or alone:  # a sample with no neighbour to join is drawn as a point whatever the count
                tip = "%s%s: %s %%" % (host, " \u00b7 " + label if label else "", num(value))
                attrs = {"class": "util-point", "data-host": host} if alone else {}
                attrs.update({"cx": xpos(x), "cy": ypos(value), "r": 3.5 if alone else 3, "fill": colour})
                parts.append(element("circle", attrs, title(tip)))
        top = TOP + 6 + index * 20
        peak_host = max(p[2] for p in points)
        parts.append(element("line", {"x1": WIDTH - RIGHT + 14, "x2": WIDTH - RIGHT + 36, "y1": top, "y2": top,
                                      "stroke": colour, "stroke-width": 3, "stroke-dasharray": dashes or None}))
        parts.append(element("text", {"x": WIDTH - RIGHT + 42, "y": top + 4, "font-size": 11},
                             title(host) + shorten_markup("%s (max %s %%)" % (shorten(host, 14), num(peak_host)), 30)))
    return element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 %d %d" % (WIDTH, height),
                           "width": WIDTH, "height": height, "role": "img", "class": "utilization",
                           "aria-label": "memory utilization per host", "font-family": "sans-serif"},
                   "".join(parts))


def _resume_x(record, xs, index):
    """Where to draw the resume that came after snapshot index: at its time when recorded, else midway."""
    for resume in record.get("resumed_at") or []:
        if resume["t"] is not None and xs[index] <= resume["t"] <= xs[index + 1]:
            return resume["t"]
    return (xs[index] + xs[index + 1]) / 2.0


def shorten_markup(label, chars):
    """shorten() then escaped, ready to go into an element body."""
    return esc(shorten(label, max(chars, 4)))
