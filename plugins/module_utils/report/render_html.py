# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report as one self-contained HTML page: inline CSS and SVG, no script, every text escaped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .fmt import DASH, clock, duration, esc, megabytes, num
from .summary import all_moves, failed_attempts, last_time, out_together, step_groups
from .svg_chart import render_chart
from .svg_timeline import render_timeline

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;margin:0;background:#f4f5f7}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 12px}h3{font-size:15px;margin:16px 0 8px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:18px 20px;margin:0 0 18px}
.meta{color:#555;font-size:13px;margin:4px 0 0}.meta b{color:#222}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-size:13px;font-weight:700;vertical-align:middle;
color:#fff;text-transform:uppercase;letter-spacing:.04em;margin-left:8px}
.status-ok{background:#1e7e34}.status-failed{background:#c0392b}.status-check{background:#0b5394}.status-running{background:#b7791f}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:12px;margin-top:16px}
.card{border:1px solid #dde1e6;border-radius:6px;padding:10px 12px;background:#fafbfc}
.card .label{font-size:12px;color:#666;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:22px;font-weight:700;margin-top:2px}.card .sub{font-size:12px;color:#666;margin-top:2px}
.card.bad{border-color:#e6a39b;background:#fdecea}.card.bad .value{color:#c0392b}
.card.good .value{color:#1e7e34}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;background:#eef0f3;padding:6px 8px;border-bottom:1px solid #ccd;white-space:nowrap}
td{padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}
tr.failed td{background:#fdecea}tr.warn td{background:#fff6e0}
td.num{text-align:right;white-space:nowrap}td.nowrap{white-space:nowrap}
.result-moved{color:#1e7e34;font-weight:600}.result-failed{color:#c0392b;font-weight:600}
.result-planned{color:#0b5394;font-weight:600}
.ok-note{color:#1e7e34}.muted{color:#777}.err{color:#a12a1e}
ul.reasons{margin:0;padding-left:18px}code{background:#f0f1f3;padding:0 4px;border-radius:3px;font-size:12px}
.chart{overflow-x:auto}.chart svg{width:100%;height:auto;display:block}
footer{color:#888;font-size:12px;text-align:center;padding:0 0 24px}
""".strip()


def _table(headers, rows, classes=None):
    """A table; rows are lists of cell markup, headers plain text; classes the row classes."""
    head = "".join("<th>%s</th>" % esc(h) for h in headers)
    body = []
    for index, cells in enumerate(rows):
        cls = classes[index] if classes else ""
        body.append("<tr%s>%s</tr>" % (' class="%s"' % esc(cls) if cls else "", "".join(cells)))
    return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (head, "".join(body))


def _td(value, cls=None):
    return "<td%s>%s</td>" % (' class="%s"' % cls if cls else "", esc(value) if value is not None else DASH)


def _card(label, value, sub=None, tone=None):
    return '<div class="card%s"><div class="label">%s</div><div class="value">%s</div>%s</div>' % (
        " " + tone if tone else "", esc(label), esc(value), '<div class="sub">%s</div>' % esc(sub) if sub else "")


def _route(move):
    return "%s \u2192 %s" % (move["source"] or "?", move["target"] or "?")


def _wave(move):
    return num(move["wave"], 0) if move["wave"] is not None else None


def _attempts(move):
    """'live failed: ...; move ok' when the move took more than one try or a try failed."""
    attempts = move["attempts"]
    if len(attempts) < 2 and not any(a.get("error") or a.get("stalled") for a in attempts):
        return ""
    parts = []
    for index, attempt in enumerate(attempts):
        text = str(attempt.get("method") or "attempt %d" % (index + 1))
        detail = attempt.get("error") or attempt.get("stalled")
        if detail:
            text += " failed" if attempt.get("error") else " stalled"
            if str(detail) != move["error"]:
                text += ": %s" % detail
        elif index == len(attempts) - 1 and move["status"] == "moved":
            text += " ok"
        if attempt.get("action"):
            text += " (%s)" % attempt["action"]
        parts.append(text)
    return "; ".join(parts)


def _header(record, summary):
    status = record["status"]
    title = "Rollout %s" % record["run_id"] if record["run_id"] else "Rollout"
    meta = []
    for label, value in (("platform", record["platform"]), ("cluster", record["cluster"]),
                         ("started", record["started"]), ("finished", record["finished"] or "not finished")):
        if value:
            meta.append("%s <b>%s</b>" % (esc(label), esc(value)))
    order = " \u2192 ".join(record["rolling_order"])
    hosts_sub = "%d failed" % summary["hosts_failed"] if summary["hosts_failed"] else (
        "%d skipped" % summary["hosts_skipped"] if summary["hosts_skipped"] else "")
    migrated, floor = summary["migrated_mb"], summary["floor_mb"]
    if floor:
        floor_sub = "floor %s%s" % (megabytes(floor), " (%s\u00d7)" % num(migrated / floor, 2) if migrated is not None else "")
    else:
        floor_sub = "no floor given"
    cards = [
        _card("Hosts updated", "%d / %d" % (summary["hosts_updated"], len(record["rolling_order"]) or summary["hosts_total"]),
              hosts_sub, "bad" if summary["hosts_failed"] else ("good" if status == "ok" else None)),
        _card("VMs moved", summary["vms_moved"],
              "%d planned" % summary["vms_planned"] if summary["vms_planned"] else "drain and failback"),
        _card("Failed migrations", summary["failed_migrations"], None, "bad" if summary["failed_migrations"] else "good"),
        _card("Migrated", megabytes(migrated), floor_sub),
        _card("Duration", duration(summary["duration_seconds"])),
    ]
    count, moment, together = out_together(record)
    if count is not None:
        cards.append(_card("Most out at once", count, "%s at %s" % (", ".join(together), clock(moment))
                           if count > 1 else "one host at a time"))
    if summary["downtime_vms"]:
        cards.append(_card("Guests stopped", len(summary["downtime_vms"]), ", ".join(summary["downtime_vms"][:5]), "bad"))
    if summary["vms_unplaced"]:
        cards.append(_card("Unplaced VMs", summary["vms_unplaced"], "could not be placed", "bad"))
    cards.append(_card("Left behind", summary["left_behind"], "%d restored" % summary["restored"],
                       "bad" if summary["left_behind"] else None))
    return ('<section class="header"><h1>%s<span class="badge status-%s">%s</span></h1>'
            '<p class="meta">%s</p>%s<div class="cards">%s</div></section>') % (
        esc(title), esc(status), esc(status), " \u00b7 ".join(meta),
        '<p class="meta">rolling order <b>%s</b></p>' % esc(order) if order else "", "".join(cards))


def _failures(record):
    parts = []
    steps = [s for s in record["steps"] if s["error"] or s["status"] == "failed"]
    if steps:
        parts.append("<h3>Steps</h3>")
        parts.append(_table(("host", "status", "error"),
                            [[_td(s["host"]), _td(s["status"]), _td(s["error"] or "failed (no error recorded)", "err")]
                             for s in steps], ["failed"] * len(steps)))
    failed = [(step, phase, move) for step, phase, move in all_moves(record) if failed_attempts(move)]
    if failed:
        parts.append("<h3>Migrations</h3>")
        rows, classes = [], []
        for step, phase, move in failed:
            recovered = move["status"] == "moved"
            rows.append([_td(step["host"]), _td(phase), _td(move["vm"]), _td(_route(move), "nowrap"),
                         _td(move["method"]), _td("recovered" if recovered else move["status"]),
                         _td(move["error"] or (None if recovered else "failed (no error recorded)"), "err"),
                         _td(_attempts(move) or None)])
            classes.append("warn" if recovered else "failed")
        parts.append(_table(("step host", "phase", "vm", "source \u2192 target", "method", "result", "error",
                             "attempts"), rows, classes))
    unplaced = [(step, item) for step in record["steps"] for item in step["unplaced"]]
    if unplaced:
        parts.append("<h3>Unplaced VMs</h3>")
        rows = []
        for step, item in unplaced:
            reasons = "".join("<li>%s%s</li>" % ("<code>%s</code> " % esc(r["code"]) if r["code"] else "",
                                                 esc(r["detail"]) if r["detail"] else "")
                              for r in item["reasons"]) or "<li>no reason recorded</li>"
            rows.append([_td(step["host"]), _td(item["vm"]), _td(item["host"]),
                         '<td><ul class="reasons">%s</ul></td>' % reasons])
        parts.append(_table(("step host", "vm", "on host", "reasons"), rows, ["failed"] * len(rows)))
    if not parts:
        parts.append('<p class="ok-note">No failures: every step, migration and placement succeeded.</p>')
    return '<section class="failures"><h2>Failures</h2>%s</section>' % "".join(parts)


def _left_behind(record):
    parts = []
    left, restored = record["left_behind"], record["restored"]
    if left:
        parts.append("<h3>Left behind</h3>")
        rows = [[_td(e["host"]), _td(e["what"]), _td(e["why"] or "no reason given")] for e in left]
        parts.append(_table(("host", "what", "why"), rows, ["warn"] * len(left)))
    elif restored:
        parts.append('<p class="ok-note">Nothing left behind: everything the rollout set was restored.</p>')
    else:
        parts.append('<p class="muted">Nothing recorded: the rollout set no service, maintenance mode or flag.</p>')
    if restored:
        parts.append("<h3>Restored</h3>")
        parts.append(_table(("host", "what"), [[_td(e["host"]), _td(e["what"])] for e in restored]))
    platform = record.get("left_to_platform") or []
    if platform:
        parts.append("<h3>Left to the platform</h3>")
        parts.append(_table(("what", "how"), [[_td(e["what"]), _td(e["how"])] for e in platform]))
    return ('<section class="left-behind"><h2>Left behind / restored</h2>'
            '<p class="muted">Disabled services, maintenance modes and forced-down flags the rollout set.</p>%s</section>'
            % "".join(parts))


def _steps(record):
    """Which hosts each step took out of service together, and from when to when (drain start to back)."""
    groups = step_groups(record)
    if not groups:
        return ""
    rows, classes = [], []
    for group in groups:
        if group["start"] is None:
            out, length = None, None
        elif group["end"] is None:
            out = "%s \u2192 %s" % (clock(group["start"]), "still out" if group["open"] else "back time not recorded")
            length = None
        else:
            out = "%s \u2192 %s" % (clock(group["start"]), clock(group["end"]))
            length = duration(group["end"] - group["start"])
        rows.append([_td(group["step"], "num"), _td(", ".join(group["hosts"])), _td(len(group["hosts"]), "num"),
                     _td(out, "nowrap"), _td(length, "num"), _td(group["status"])])
        classes.append("failed" if group["status"] == "failed" else ("warn" if group["open"] else ""))
    return ('<section class="steps"><h2>Steps</h2><p class="muted">The hosts each step took out of service '
            'together, from the start of their drain until the last of them was back (m:ss since the rollout '
            'started).</p>%s</section>' % _table(("step", "hosts out together", "hosts", "out of service", "for",
                                                  "status"), rows, classes))


def _moves(record):
    entries = list(all_moves(record))
    if not entries:
        return '<section class="moves"><h2>VM moves</h2><p class="muted">No moves in the record.</p></section>'
    memory = any(move["memory_mb"] is not None for dummy_step, dummy_phase, move in entries)
    headers = ["#", "step host", "phase", "vm", "source \u2192 target", "method", "wave"]
    headers += ["memory"] if memory else []
    headers += ["duration", "result", "error / attempts"]
    rows, classes = [], []
    for index, (step, phase, move) in enumerate(entries):
        detail = " \u2014 ".join(t for t in (move["error"], _attempts(move)) if t)
        cells = [_td(index + 1, "num"), _td(step["host"]), _td(phase), _td(move["vm"]), _td(_route(move), "nowrap"),
                 _td(move["method"]), _td(_wave(move), "num")]
        if memory:
            cells.append(_td(megabytes(move["memory_mb"]) if move["memory_mb"] is not None else None, "num"))
        cells += [_td(duration(move["duration_seconds"]) if move["duration_seconds"] is not None else None, "num"),
                  '<td class="result-%s">%s</td>' % (esc(move["status"]), esc(move["status"])),
                  _td(detail or None, "err" if detail else None)]
        rows.append(cells)
        classes.append("failed" if move["status"] == "failed" else ("warn" if failed_attempts(move) else ""))
    return '<section class="moves"><h2>VM moves (%d)</h2>%s</section>' % (len(entries), _table(headers, rows, classes))


def render_html(record, summary):
    """The whole page for a normalized record and its summary."""
    horizon = max(last_time(record) or 0, summary["duration_seconds"] or 0)
    chart = render_chart(record)
    if not chart:
        chart = '<p class="muted">No utilization snapshots in the record.</p>'
    title = "Rollout report %s" % " \u00b7 ".join(t for t in (record["run_id"], record["cluster"]) if t)
    body = "".join((
        _header(record, summary),
        _failures(record),
        _left_behind(record),
        _steps(record),
        '<section class="timeline"><h2>Per-host timeline</h2><div class="chart">%s</div></section>'
        % render_timeline(record, horizon),
        '<section class="memory"><h2>Memory utilization per host</h2><div class="chart">%s</div></section>' % chart,
        _moves(record),
    ))
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>%s</title><style>%s</style></head>\n<body><main>%s</main>'
            '<footer>vmfleet.maintenance rollout report</footer></body></html>\n') % (esc(title), CSS, body)
