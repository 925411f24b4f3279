# -*- coding: utf-8 -*-
"""The report of a rollout that takes several hosts out at once: steps kept, hosts out together shown and
counted, each cluster's report on its own clock, and no utilization line drawn where nobody sampled."""

import json
import re

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.document import build_report
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.schema import ReportDataError, normalize
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.summary import summarize
from ansible_collections.vmfleet.maintenance.plugins.module_utils.report.svg_chart import render_chart
from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.record import Record


def step(host, number, group, status="done", **times):
    return {"host": host, "step": number, "group": group, "status": status, "times": times, "moves": []}


def paired():
    """Five hosts, two at a time: step 1 n1+n2, step 2 n3+n4, step 3 n5 alone."""
    return {
        "run_id": "pairs", "platform": "nova", "cluster": "az1", "status": "ok",
        "started": "2024-06-11T09:00:00Z", "finished": "2024-06-11T09:20:00Z",
        "rolling_order": ["n1", "n2", "n3", "n4", "n5"], "max_hosts_down": 2,
        "steps": [
            step("n1", 1, ["n1", "n2"], drain_start=0, drain_end=90, update_start=91, update_end=280, back=300),
            step("n2", 1, ["n1", "n2"], drain_start=0.5, drain_end=100, update_start=101, update_end=290, back=310),
            step("n3", 2, ["n3", "n4"], drain_start=400, drain_end=480, update_start=481, update_end=690, back=700),
            step("n4", 2, ["n3", "n4"], drain_start=400, drain_end=470, update_start=471, update_end=680, back=690),
            step("n5", 3, ["n5"], drain_start=800, drain_end=850, update_start=851, update_end=1100, back=1150),
        ],
        "utilization": [
            {"label": "start", "t": 0, "hosts": {"n1": 50, "n2": 50, "n3": 50, "n4": 50, "n5": 50}},
            {"label": "after n1, n2", "t": 320, "hosts": {"n1": 40, "n2": 40, "n3": 60, "n4": 60, "n5": 60}},
            {"label": "after n3, n4", "t": 710, "hosts": {"n1": 55, "n2": 55, "n3": 40, "n4": 40, "n5": 60}},
            {"label": "after n5", "t": 1160, "hosts": {"n1": 50, "n2": 50, "n3": 50, "n4": 50, "n5": 50}},
        ],
    }


def section(page, name):
    start = page.index('<section class="%s">' % name)
    return page[start:page.index("</section>", start)]


def bands(svg):
    """{step: [(y, height), ...]} of the 'out together' bands of a timeline."""
    found = {}
    for tag in re.findall(r'<rect class="together"[^>]*>', svg):
        number = re.search(r'data-step="([^"]+)"', tag).group(1)
        y, height = (float(re.search(r' %s="([0-9.]+)"' % key, tag).group(1)) for key in ("y", "height"))
        found.setdefault(number, []).append((y, height))
    return found


def row_middles(svg):
    """{host: y of the middle of its row}, from the host labels."""
    return dict((host, float(y) - 4) for y, host in re.findall(
        r'<text x="22" y="([0-9.]+)" font-size="12" font-weight="600"><title>[^<]*</title>([^<]+)</text>', svg))


def polylines(svg, host):
    """Every polyline of the host as a list of x coordinates."""
    lines = re.findall(r'<polyline class="util" data-host="%s" points="([^"]+)"' % re.escape(host), svg)
    return [[float(point.split(",")[0]) for point in line.split()] for line in lines]


def snapshot_x(svg, label):
    """x of a snapshot's marker, from the marker's tooltip (host n1)."""
    match = re.search(r'<circle[^>]*cx="([0-9.]+)"[^>]*><title>n1 \u00b7 %s:' % re.escape(label), svg)
    return float(match.group(1))


# 1. hosts out together

def test_the_schema_keeps_step_and_group_and_old_records_still_render():
    normalized = normalize(paired())
    assert [(s["step"], s["group"]) for s in normalized["steps"]][:3] == [(1, ["n1", "n2"]), (1, ["n1", "n2"]),
                                                                          (2, ["n3", "n4"])]
    old = paired()
    for entry in old["steps"]:
        del entry["step"], entry["group"]
    normalized = normalize(old)
    assert all(s["step"] is None and s["group"] == [] for s in normalized["steps"])
    report = build_report(old)
    assert report["summary"]["max_hosts_out_together"] == 2  # from the times alone
    assert 'class="together"' not in section(report["html"], "timeline")  # no step recorded: no band claimed
    assert json.loads(report["json"])["steps"][0].get("step") is None


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["steps"][0].update(step="first"), "data.steps[0] (host n1): 'step' must be a step number, got 'first'"),
    (lambda d: d["steps"][0].update(step=True), "data.steps[0] (host n1): 'step' must be a step number"),
    (lambda d: d["steps"][1].update(group="n1,n2"), "data.steps[1] (host n2).group: must be a list, got str"),
    (lambda d: d["steps"][1].update(group=["n1", 2]), "data.steps[1] (host n2).group[1]: must be a host name, got 2"),
    (lambda d: d.update(resumed_at=[{"t": 5, "snapshots": -1}]), "data.resumed_at[0]: 'snapshots' must be a count"),
], ids=["step-text", "step-bool", "group-text", "group-number", "resume-count"])
def test_bad_steps_and_groups_name_the_bad_item(mutate, message):
    data = paired()
    mutate(data)
    with pytest.raises(ReportDataError) as error:
        build_report(data)
    assert message in str(error.value)


def test_summary_counts_the_most_hosts_out_of_service_at_once():
    assert summarize(normalize(paired()))["max_hosts_out_together"] == 2
    one_by_one = paired()
    one_by_one["steps"][1]["times"].update(drain_start=300, back=380)  # n2 starts when n1 is back: never together
    one_by_one["steps"][2]["times"]["drain_start"] = one_by_one["steps"][3]["times"]["drain_start"] = 700
    assert summarize(normalize(one_by_one))["max_hosts_out_together"] == 1
    stuck = paired()  # n1's step failed and it stays out; n3 and n4 are taken out while it is still out
    stuck["steps"][0].update(status="failed")
    del stuck["steps"][0]["times"]["back"]
    assert summarize(normalize(stuck))["max_hosts_out_together"] == 3
    engine = paired()  # a platform engine's rollout: done hosts without back times say nothing about overlap
    for entry in engine["steps"]:
        entry.update(step=None, group=["n1", "n2", "n3", "n4", "n5"], times={"drain_start": 0})
    assert summarize(normalize(engine))["max_hosts_out_together"] is None
    plan = {"run_id": "plan", "status": "check", "rolling_order": ["a", "b"],
            "steps": [{"host": "a", "step": 1}, {"host": "b", "step": 1}]}
    assert summarize(normalize(plan))["max_hosts_out_together"] is None


def test_the_timeline_draws_a_band_over_the_rows_of_each_step_with_several_hosts():
    svg = section(build_report(paired())["html"], "timeline")
    middles = row_middles(svg)
    assert list(middles) == ["n1", "n2", "n3", "n4", "n5"]  # rolling order
    found = bands(svg)
    assert sorted(found) == ["1", "2"]  # n5 was out alone: no band
    for number, hosts in (("1", ("n1", "n2")), ("2", ("n3", "n4"))):
        [(y, height)] = found[number]
        assert y < middles[hosts[0]] and y + height > middles[hosts[1]]
        others = [h for h in middles if h not in hosts]
        assert not any(y < middles[h] < y + height for h in others)
    assert ">step 1</text>" in svg and ">step 2</text>" in svg
    assert "step 1: n1, n2 out of service together, 0:00 \u2192 5:10 (5m 10s)" in svg


def test_a_band_over_rows_that_are_not_neighbours_leaves_the_row_between_alone():
    data = paired()
    data["rolling_order"] = ["n1", "n3", "n2", "n4", "n5"]
    svg = section(build_report(data)["html"], "timeline")
    middles = row_middles(svg)
    pieces = bands(svg)["1"]
    assert len(pieces) == 2
    assert not any(y < middles["n3"] < y + height for y, height in pieces)
    assert all(any(y < middles[h] < y + height for y, height in pieces) for h in ("n1", "n2"))


def test_the_page_lists_the_hosts_out_together_and_when():
    page = build_report(paired())["html"]
    steps = section(page, "steps")
    assert steps.count("<tr") == 1 + 3
    assert "<td>n1, n2</td>" in steps and "0:00 \u2192 5:10" in steps
    assert "<td>n3, n4</td>" in steps and "6:40 \u2192 11:40" in steps
    assert "<td>n5</td>" in steps and "13:20 \u2192 19:10" in steps
    header = section(page, "header")
    assert "Most out at once" in header and "n1, n2 at 0:00" in header


def test_a_step_still_out_is_shown_as_still_out():
    data = paired()
    data["status"] = "failed"
    data["steps"][3].update(status="failed")
    del data["steps"][3]["times"]["back"]
    page = build_report(data)["html"]
    assert "6:40 \u2192 still out" in section(page, "steps")
    assert "n3, n4 out of service together, 6:40 \u2192 still out" in section(page, "timeline")


# 2. each cluster's own clock

def horizon(svg):
    """The last tick label of the timeline axis, in seconds."""
    labels = re.findall(r'text-anchor="middle" fill="#444">([0-9:]+)</text>', svg)
    minutes, seconds = labels[-1].split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


def cluster(name, finished_after, last_back):
    data = paired()
    data.update(cluster=name, finished="2024-06-11T09:%02d:%02dZ" % divmod(finished_after, 60))
    data["steps"] = [step("h1", 1, ["h1"], drain_start=0, drain_end=20, update_start=21, update_end=last_back - 5,
                          back=last_back)]
    data["rolling_order"] = ["h1"]
    data["utilization"] = [{"label": "start", "t": 0, "hosts": {"h1": 50}},
                           {"label": "end", "t": last_back, "hosts": {"h1": 50}}]
    return data


def test_each_cluster_report_has_its_own_horizon_and_duration():
    fast, slow = cluster("fast", 100, 95), cluster("slow", 400, 390)
    slow_first = [build_report(slow), build_report(fast)]
    fast_first = [build_report(fast), build_report(slow)]
    assert slow_first[1]["html"] == fast_first[0]["html"]  # nothing carried from one report to the next
    fast_report, slow_report = fast_first
    assert fast_report["summary"]["duration_seconds"] == 100 and slow_report["summary"]["duration_seconds"] == 400
    assert 100 <= horizon(section(fast_report["html"], "timeline")) < 150
    assert 400 <= horizon(section(slow_report["html"], "timeline")) < 500


def test_an_older_record_without_t0_keeps_its_own_start_when_resumed(tmp_path):
    record = Record.open(str(tmp_path), "r1", "nova", "c1", False)[0]
    record.doc.update(started="2024-06-11T09:00:00Z")
    del record.doc["t0"]
    record.write()
    again = Record.open(str(tmp_path), "r1", "nova", "c1", False)[0]
    assert again.doc["t0"] == 1718096400.0  # 2024-06-11T09:00:00Z, not the moment of the resume


# 3. no line across a period without samples

def test_a_host_missing_from_a_snapshot_breaks_its_line_there():
    data = paired()
    del data["utilization"][2]["hosts"]["n5"]
    svg = render_chart(normalize(data))
    gap = snapshot_x(svg, "after n3, n4")
    lines = polylines(svg, "n5")
    assert lines and not any(min(xs) < gap < max(xs) for xs in lines)
    assert len(polylines(svg, "n1")) == 1  # the others are whole
    del data["utilization"][1]["hosts"]["n5"]  # n5 now sampled at start, gap, gap, end: two lone points
    svg = render_chart(normalize(data))
    assert polylines(svg, "n5") == []
    assert len(re.findall(r'<circle class="util-point" data-host="n5"', svg)) == 2


@pytest.mark.parametrize("resume", [{"t": 500, "snapshots": 2}, {"t": 500}, 500],
                         ids=["with-count", "time-only", "bare-number"])
def test_no_line_joins_the_samples_before_and_after_a_resume(resume):
    data = paired()
    data["resumed_at"] = [resume]
    svg = render_chart(normalize(data))
    before, after = snapshot_x(svg, "after n1, n2"), snapshot_x(svg, "after n3, n4")
    for host in ("n1", "n2", "n3", "n4", "n5"):
        lines = polylines(svg, host)
        assert len(lines) == 2
        assert not any(min(xs) <= before and max(xs) >= after for xs in lines)
    resumed = re.search(r'<line class="resumed" x1="([0-9.]+)"', svg)
    assert resumed and before < float(resumed.group(1)) < after


def test_a_resumed_record_breaks_the_lines_where_the_new_invocation_took_over(tmp_path):
    record = Record.open(str(tmp_path), "r1", "nova", "c1", False, invocation="play-1")[0]
    record.plan(["n1", "n2"], 1, 1024, {"n1": 50, "n2": 50})
    record.step_start(["n1"], 1)
    record.snapshot("n1 drained", {"n1": 0, "n2": 90})
    record.write()
    same, resumed = Record.open(str(tmp_path), "r1", "nova", "c1", False, invocation="play-1")
    assert resumed and same.doc["resumed_at"] == []  # every op of one play reopens the record: not a resume
    again, resumed = Record.open(str(tmp_path), "r1", "nova", "c1", False, invocation="play-2")
    assert resumed and [r["snapshots"] for r in again.doc["resumed_at"]] == [2]
    assert again.doc["events"][-1]["what"] == "resumed by a new invocation of the run"
    again.snapshot("n1 back", {"n1": 45, "n2": 45})
    again.step_done(["n1"])
    again.write()
    third = Record.open(str(tmp_path), "r1", "nova", "c1", False, invocation="play-2")[0]
    assert len(third.doc["resumed_at"]) == 1
    svg = section(build_report(third.doc)["html"], "memory")
    for host in ("n1", "n2"):
        assert [len(xs) for xs in polylines(svg, host)] == [2]  # start + drained; the sample after stands alone
        assert len(re.findall(r'<circle class="util-point" data-host="%s"' % host, svg)) == 1
    assert '<line class="resumed"' in section(build_report(third.doc)["html"], "timeline")
