# -*- coding: utf-8 -*-
"""The rollout report's pure functions: summary numbers, the HTML page, escaping, determinism."""

import copy
import json
import re

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.document import build_report
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.schema import ReportDataError, normalize
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.summary import summarize
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.svg_chart import render_chart

EVIL = "<script>alert(1)</script>"


def move(vm, source, target, status="moved", **extra):
    return dict({"vm": vm, "source": source, "target": target, "method": "live", "wave": 1, "status": status,
                 "duration_seconds": 30, "error": None, "attempts": [{"method": "live"}]}, **extra)


def record():
    """Three hosts: n1 done (with a failback), n2 failed (one stalled move, one unplaced VM), n3 not reached."""
    return {
        "run_id": "r-1", "platform": "nova", "cluster": "az1", "status": "failed",
        "started": "2024-06-11T09:15:00Z", "finished": "2024-06-11T09:35:30Z",
        "rolling_order": ["n1", "n2", "n3"],
        "steps": [
            {"host": "n1", "status": "done", "error": None,
             "times": {"drain_start": 0, "drain_end": 100, "update_start": 101, "update_end": 400, "back": 460,
                       "failback_start": 470, "failback_end": 520},
             "moves": [move(EVIL, "n1", "n2", memory_mb=4096),
                       move("web-2", "n1", "n3", memory_mb=2048,
                            attempts=[{"method": "live", "error": "refused"}, {"method": "move"}], method="move")],
             "failback": [move(EVIL, "n2", "n1", memory_mb=4096)],
             "unplaced": []},
            {"host": "n2", "status": "failed", "error": "drain failed: db-1 did not move",
             "times": {"drain_start": 600},
             "moves": [move("db-1", "n2", "n3", status="failed", memory_mb=8192, error="no progress for 120s",
                            attempts=[{"method": "live", "error": "no progress"}, {"method": "move", "error": "no progress"}]),
                       move("db-2", "n2", "n1", status="failed", error="not started: an earlier wave failed", attempts=[])],
             "unplaced": [{"vm": "huge", "host": "n2", "reasons": [{"code": "insufficient_memory", "detail": "n3: too small"}]}]},
        ],
        "utilization": [
            {"label": "start", "t": 0, "hosts": {"n1": 70, "n2": 72, "n3": 74}},
            {"label": "n1 drained", "t": 100, "hosts": {"n1": 0, "n2": 90, "n3": 95.5}},
            {"label": "n1 back", "t": 520, "hosts": {"n1": 60, "n2": 80, "n3": 85}},
        ],
        "restored": [{"host": "n1", "what": "nova-compute enabled"}],
        "left_behind": [{"host": "n2", "what": "nova-compute disabled", "why": "drain failed"}],
        "floor_mb": 6144, "migrated_mb": None,
    }


def section(page, name):
    start = page.index('<section class="%s">' % name)
    return page[start:page.index("</section>", start)]


def test_summary_numbers():
    summary = summarize(normalize(record()))
    assert summary["hosts_updated"] == 1 and summary["hosts_failed"] == 1 and summary["hosts_total"] == 3
    assert summary["vms_moved"] == 3  # two drain moves and one failback
    # web-2: 1 failed attempt; db-1: 2 failed attempts; db-2: failed without attempts
    assert summary["failed_migrations"] == 4
    assert summary["migrated_mb"] == 4096 + 2048 + 4096
    assert summary["floor_mb"] == 6144
    assert summary["duration_seconds"] == 1230
    assert summary["vms_unplaced"] == 1 and summary["left_behind"] == 1 and summary["restored"] == 1


def test_summary_prefers_the_given_migrated_mb_and_tolerates_missing_times():
    data = record()
    data.update(migrated_mb=12345, finished=None, floor_mb=None)
    summary = summarize(normalize(data))
    assert summary["migrated_mb"] == 12345 and summary["floor_mb"] is None and summary["duration_seconds"] is None
    for step in data["steps"]:
        for item in step["moves"] + step.get("failback", []):
            item.pop("memory_mb", None)
    data["migrated_mb"] = None
    assert summarize(normalize(data))["migrated_mb"] is None


def test_document_is_the_record_plus_summary_and_leaves_the_input_alone():
    data = record()
    before = copy.deepcopy(data)
    report = build_report(data)
    assert data == before
    document = json.loads(report["json"])
    assert document["summary"] == report["summary"]
    assert dict((k, v) for k, v in document.items() if k != "summary") == json.loads(json.dumps(before))


def test_html_has_one_polyline_per_host_and_the_100_percent_line():
    page = build_report(record())["html"]
    chart = section(page, "memory")
    assert chart.count("<svg") == 1
    assert sorted(re.findall(r'<polyline class="util" data-host="([^"]+)"', chart)) == ["n1", "n2", "n3"]
    limit = re.search(r'<line class="limit"[^>]*>', chart).group(0)
    assert 'stroke-dasharray="6 4"' in limit
    y_limit = float(re.search(r'y1="([0-9.]+)"', limit).group(1))
    y_zero = float(re.search(r'<text x="[0-9.]+" y="([0-9.]+)"[^>]*>0 %</text>', chart).group(1)) - 4
    assert y_limit < y_zero
    assert ">100 %</text>" in chart


def test_chart_uses_the_snapshot_index_when_a_snapshot_has_no_time():
    data = record()
    del data["utilization"][1]["t"]
    chart = render_chart(normalize(data))
    assert ">snapshot</text>" in chart and ">n1 drained</text>" in chart
    assert chart.count("<polyline") == 3


def test_chart_axis_grows_past_100_percent_when_a_host_is_overcommitted():
    data = record()
    data["utilization"][1]["hosts"]["n3"] = 117
    chart = render_chart(normalize(data))
    assert ">120 %</text>" in chart and ">100 %</text>" in chart


def test_sections_show_the_failures_left_behind_moves_and_timeline():
    page = build_report(record())["html"]
    failures = section(page, "failures")
    assert "drain failed: db-1 did not move" in failures
    assert "no progress for 120s" in failures and "not started: an earlier wave failed" in failures
    assert "<code>insufficient_memory</code> n3: too small" in failures
    assert "recovered" in failures  # web-2 moved after a refused attempt
    left = section(page, "left-behind")
    assert "nova-compute disabled" in left and "drain failed" in left and "nova-compute enabled" in left
    moves = section(page, "moves")
    assert moves.count("<tr") == 1 + 5 and "failback" in moves and "n1 \u2192 n3" in moves
    timeline = section(page, "timeline")
    for host in ("n1", "n2", "n3"):
        assert ">%s</text>" % host in timeline
    assert "not reached" in timeline and "unfinished" in timeline and "back in service at 7:40" in timeline
    assert "VMs moved" in page and "Failed migrations" in page and "floor 6,144 MB" in page and "20m 30s" in page


def test_every_text_is_escaped_and_there_is_no_script():
    data = record()
    data["cluster"] = "<b>az1</b>"
    data["rolling_order"][2] = data["steps"][1]["unplaced"][0]["host"] = "n3\"><img src=x onerror=alert(1)>"
    data["utilization"][2]["hosts"]['n3"><img src=x onerror=alert(1)>'] = data["utilization"][2]["hosts"].pop("n3")
    data["left_behind"][0]["why"] = "a & b <i>"
    page = build_report(data)["html"]
    assert EVIL not in page and "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "<b>az1" not in page and "<i>" not in page
    assert "a &amp; b &lt;i&gt;" in page
    assert not re.search(r"\son[a-z]+=", page.replace("onerror=alert(1)&gt;", ""))


def test_output_is_deterministic():
    first = build_report(record())
    second = build_report(record())
    assert first["html"] == second["html"] and first["json"] == second["json"]
    shuffled = record()
    for snap in shuffled["utilization"]:
        snap["hosts"] = dict(reversed(list(snap["hosts"].items())))
    assert build_report(shuffled)["html"] == first["html"]


def test_check_mode_record_with_planned_moves_and_no_times():
    data = {"run_id": "plan", "status": "check", "rolling_order": ["a", "b"],
            "steps": [{"host": "a", "moves": [{"vm": "v1", "source": "a", "target": "b", "wave": 1}]},
                      {"host": "b", "moves": [{"vm": "v1", "source": "b", "target": "a", "wave": 1}]}]}
    report = build_report(data)
    assert report["summary"]["vms_planned"] == 2 and report["summary"]["vms_moved"] == 0
    assert "No utilization snapshots" in report["html"] and "no times recorded" in report["html"]
    assert "status-check" in report["html"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(steps="n1"), "data.steps: must be a list, got str"),
    (lambda d: d["steps"][0]["moves"][1].pop("vm"), "data.steps[0] (host n1).moves[1]: 'vm' is required"),
    (lambda d: d["steps"][1]["moves"].append("db-3"), "data.steps[1] (host n2).moves[2]: must be a dict, got str"),
    (lambda d: d["steps"][0].update(status="finished"), "data.steps[0] (host n1): 'status' must be one of done, failed"),
    (lambda d: d["steps"][1]["times"].update(drain_end="soon"), "data.steps[1] (host n2).times: 'drain_end' must be a number"),
    (lambda d: d["utilization"][0]["hosts"].update(n1="lots"), "data.utilization[0].hosts: 'n1' must be a number"),
    (lambda d: d.pop("status"), "data: 'status' is required"),
    (lambda d: d.update(platform="xen"), "data: 'platform' must be one of nova, vsphere, hyperv"),
    (lambda d: d["left_behind"][0].pop("what"), "data.left_behind[0]: 'what' is required"),
    (lambda d: d["steps"][1]["unplaced"][0].update(reasons={"code": "x"}),
     "data.steps[1] (host n2).unplaced[0] (vm huge).reasons: must be a list, got dict"),
])
def test_bad_data_names_the_bad_item(mutate, message):
    data = record()
    mutate(data)
    with pytest.raises(ReportDataError) as error:
        build_report(data)
    assert message in str(error.value)
