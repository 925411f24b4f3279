# -*- coding: utf-8 -*-
"""The CAU modules as Windows behaves: the role's own run or a remote-updating run from a coordinator, the
role's settings as Get-CauClusterRole names and groups them, releases, and a Japanese-UI cluster."""

import json
import os

import pytest
import winrm

from module_runner import run_module

SCENARIOS = os.path.join(os.path.dirname(__file__), "..", "..", "mocks", "hyperv", "scenarios")
USER, PASSWORD = "CONTOSO\\Administrator", "Passw0rd!"


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def coordinator_args(mock, **extra):
    """ADMIN01 (not a node; the scenario maps the name localhost to it), with delegated credentials."""
    args = dict(mock.args, host="localhost", transport="credssp")
    args.update(extra)
    return args


def scenario(mock, data):
    """The fixture's mock reset to a scenario given as a mapping."""
    mock.control.reset(data)
    mock.control.set_idle_speed(0)
    return mock


def seed_with(mock, **changes):
    import yaml
    with open(os.path.join(SCENARIOS, "seed_tight_10node.yaml")) as handle:
        data = yaml.safe_load(handle)
    data.update(changes)
    return scenario(mock, data)


# ------------------------------------------------------------------------------- cau_run


def test_role_run_follows_the_role_and_reports_per_node(small):
    small.ps("Add-CauClusterRole -MaxFailedNodes 0 -FailbackMode NoFailback -Force")
    checked = ok(run_module("cau_run", small.args, check_mode=True))
    assert checked["changed"] and checked["settings"]["failback_mode"] == "NoFailback"
    assert small.state()["cau"]["runs"] == [], "check mode started nothing"
    result = ok(run_module("cau_run", dict(small.args, poll_seconds=5)))
    assert result["changed"] and result["report"]["status"] == "Succeeded"
    assert [(n["node"], n["status"], n["installed"]) for n in result["report"]["nodes"]] == [
        ("HV01", "Succeeded", 3), ("HV02", "Succeeded", 3), ("HV03", "Succeeded", 3)]
    assert result["report"]["run_id"] == small.control.last_cau_run()["run_id"]
    scripts = " ".join(c["script"] for c in small.commands_sent())
    assert "Set-CauClusterRole -UpdateNow -Force" in scripts and "Invoke-CauRun" not in scripts
    again = ok(run_module("cau_run", small.args))
    assert again["changed"] is False, "nothing left to install"
    refused = run_module("cau_run", dict(small.args, failback_mode="Immediate"))
    assert refused["failed"] and "set them on the role" in refused["msg"]


def test_role_run_already_in_progress_is_refused_or_followed(small):
    small.ps("Add-CauClusterRole -MaxFailedNodes 0 -Force")
    small.control.set_idle_speed(0)
    small.ps("Set-CauClusterRole -UpdateNow -Force")
    state = small.state()["cau"]
    if not state["runs"] or state["runs"][-1].get("status") == "InProgress":
        busy = run_module("cau_run", small.args)
        assert busy["failed"] and "already in progress" in busy["msg"]
    followed = ok(run_module("cau_run", dict(small.args, if_running="follow")))
    assert followed["report"]["status"] == "Succeeded"


def test_seed_run_through_the_cau_role_is_clean_and_invoke_defaults_are_not(small):
    mock = seed_with(small)
    session = winrm.Session(mock.url.replace("127.0.0.1", "localhost"), auth=(USER, PASSWORD), transport="credssp")
    raw = session.run_ps("$r = Invoke-CauRun -ClusterName HVCLU01 -Force -ErrorAction SilentlyContinue; "
                         "$r.Status.ToString()")
    assert raw.std_out.decode().strip() == "Failed"
    assert mock.control.last_cau_run()["events_21502"] > 0, "Invoke-CauRun's defaults: Immediate failback"
    for cau_mode in ("no_failback", "quiescence"):
        mock = seed_with(small)
        ok(run_module("cau_cluster_role", dict(mock.args, failback_mode="NoFailback")) if cau_mode == "no_failback"
           else run_module("cau_wait_script", dict(mock.args, transport="credssp", mode="quiescence")))
        result = ok(run_module("cau_run", mock.args))
        assert result["report"]["status"] == "Succeeded", cau_mode
        assert mock.control.last_cau_run()["events_21502"] == 0, cau_mode


def test_remote_run_passes_the_role_settings_from_a_coordinator(small):
    mock = seed_with(small)
    ok(run_module("cau_cluster_role", dict(mock.args, failback_mode="NoFailback")))
    checked = ok(run_module("cau_run", coordinator_args(mock, mode="remote", cluster_name="HVCLU01"), check_mode=True))
    assert checked["settings"]["failback_mode"] == "NoFailback" and mock.state()["cau"]["runs"] == []
    result = ok(run_module("cau_run", coordinator_args(mock, mode="remote", cluster_name="HVCLU01")))
    assert result["report"]["status"] == "Succeeded" and mock.control.last_cau_run()["events_21502"] == 0
    script = mock.commands_sent()[-1]["script"]
    assert "Invoke-CauRun -ClusterName $p.cluster" in script and "-FailbackMode $p.v.FailbackMode" in script
    assert json.loads(script.split("'")[1])["v"]["FailbackMode"] == "NoFailback"


def test_remote_run_refuses_a_node_and_needs_a_cluster_name(small):
    small.ps("Add-CauClusterRole -Force")
    node = run_module("cau_run", dict(small.args, transport="credssp", mode="remote", cluster_name="HVCLU02"))
    assert node["failed"] and "is a node of cluster HVCLU02" in node["msg"]
    assert small.state()["cau"]["runs"] == []
    unnamed = run_module("cau_run", coordinator_args(small, mode="remote"))
    assert unnamed["failed"] and "cluster_name" in unnamed["msg"]
    basic = run_module("cau_run", coordinator_args(small, mode="remote", cluster_name="HVCLU02", transport="basic"))
    assert basic["failed"] and small.state()["cau"]["runs"] == []


def test_refused_run_surfaces_cau_error(small):
    small.ps("Add-CauClusterRole -Force")
    result = run_module("cau_run", coordinator_args(small, mode="remote", cluster_name="HVCLU02", max_failed_nodes=7))
    assert result["failed"] and result["msg"].startswith("Invoke-CauRun on ADMIN01 did not run: ")
    assert "MaxFailedNodes must be between 0 and 2." in result["msg"] and "None" not in result["msg"]
    assert small.state()["cau"]["runs"] == []


# ------------------------------------------------------------------------ cau_cluster_role


def test_weekly_interval_is_idempotent_and_kept_when_other_settings_change(small):
    args = dict(small.args, days_of_week=["Tuesday"], interval_weeks=2)
    ok(run_module("cau_cluster_role", args))
    assert small.cau_settings()["IntervalWeeks"] == 2
    again = ok(run_module("cau_cluster_role", args))
    assert again["changed"] is False and again["settings"]["interval_weeks"] == 2
    ok(run_module("cau_cluster_role", dict(small.args, failback_mode="NoFailback")))
    settings = small.cau_settings()
    assert settings["IntervalWeeks"] == 2 and settings["WeeksOfMonth"] is None, "still weekly"
    monthly = ok(run_module("cau_cluster_role", dict(small.args, weeks_of_month=[2, 4])))
    assert monthly["settings"]["interval_weeks"] is None and small.cau_settings()["WeeksOfMonth"] == [2, 4]
    once = ok(run_module("cau_cluster_role", dict(small.args, run_once=True)))
    assert once["settings"]["run_once"] and small.cau_settings()["DaysOfWeek"] is None
    cleared = ok(run_module("cau_cluster_role", dict(small.args, days_of_week=["Monday"], interval_weeks=1)))
    assert cleared["settings"]["run_once"] is False
    ok(run_module("cau_cluster_role", dict(small.args, days_of_week=[])))
    assert small.cau_settings()["DaysOfWeek"] is None
    assert "-DaysOfWeek $p.DaysOfWeek" in small.commands_sent()[-2]["script"]


@pytest.mark.parametrize("release,option,value,needs", [
    ("2019", "reboot_mode", "FullReboot", "2022"),
    ("2016", "force_pause_and_drain", True, "2022"),
    ("2022", "suspend_retries_per_node", 2, "2025"),
])
def test_settings_of_newer_releases_are_refused_before_writing(small, release, option, value, needs):
    mock = scenario(small, {"cluster": {"name": "OLD", "os": release}, "nodes": [{"name": "N1"}, {"name": "N2"}],
                            "cau": {"role": {"MaxFailedNodes": 0}}})
    result = run_module("cau_cluster_role", dict(mock.args, failback_mode="NoFailback", **{option: value}))
    assert result["failed"] and result["msg"].startswith("%s: not available on N1, which runs Windows Server %s"
                                                         % (option, release)), result["msg"]
    assert "needs Windows Server %s or later" % needs in result["msg"]
    assert not any("Set-CauClusterRole" in c["script"] for c in mock.commands_sent())
    ok(run_module("cau_cluster_role", dict(mock.args, failback_mode="NoFailback")))


def test_2025_settings_and_reboot_types_on_2025(small):
    mock = scenario(small, {"cluster": {"name": "NEW", "os": 2025}, "nodes": [{"name": "N1"}, {"name": "N2"}]})
    result = ok(run_module("cau_cluster_role", dict(mock.args, suspend_retries_per_node=2,
                                                    reboot_mode="OrchestratorDefault")))
    assert result["settings"]["suspend_retries_per_node"] == 2
    assert result["settings"]["reboot_mode"] == "OrchestratorDefault"


# ------------------------------------------------------------------------------- ja-JP


def test_cau_modules_work_on_a_japanese_ui_cluster(small):
    import yaml
    with open(os.path.join(SCENARIOS, "small_3node.yaml")) as handle:
        data = yaml.safe_load(handle)
    data["locale"] = "ja-JP"
    mock = scenario(small, data)
    absent = ok(run_module("cau_cluster_role", dict(mock.args, state="absent")))
    assert absent["changed"] is False
    added = ok(run_module("cau_cluster_role", dict(mock.args, failback_mode="NoFailback", max_failed_nodes=0)))
    assert added["changed"] and mock.cau_settings()["FailbackMode"] == "NoFailback"
    ok(run_module("cau_wait_script", dict(mock.args, transport="credssp", mode="sleep", seconds=5)))
    assert ok(run_module("cau_run", mock.args))["report"]["status"] == "Succeeded"
    assert ok(run_module("cau_cluster_role", dict(mock.args, state="absent")))["changed"]


# ------------------------------------------------------------------------- pure parts


def test_arguments_keep_one_schedule_set_clear_what_the_cmdlet_accepts_and_skip_older_releases():
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau.role import (
        cau_arguments, merged_cau_settings, release_of)
    weekly = {"days_of_week": ["Tuesday"], "interval_weeks": 2, "weeks_of_month": None, "run_once": False,
              "reboot_mode": "FullReboot", "failback_mode": "Immediate"}
    after = merged_cau_settings(weekly, {"weeks_of_month": [2]})
    values = cau_arguments(weekly, after, create=False, release=2019)
    assert values["WeeksOfMonth"] == [2] and "IntervalWeeks" not in values and "RebootMode" not in values
    cleared = cau_arguments(weekly, dict(weekly, days_of_week=None), create=False, release=2022)
    assert cleared["DaysOfWeek"] == "None" and cleared["IntervalWeeks"] == 2 and "WeeksOfMonth" not in cleared
    once = cau_arguments(weekly, merged_cau_settings(weekly, {"run_once": True}), create=False, release=2022)
    assert once["RunOnce"] is True and not {"DaysOfWeek", "IntervalWeeks", "WeeksOfMonth", "StartDate"} & set(once)
    assert [release_of(b) for b in ("14393", "17763", "20348", "26100", "", None)] == [2016, 2019, 2022, 2025,
                                                                                       None, None]
