# -*- coding: utf-8 -*-
"""The Hyper-V adapter's pure parts: event parsing (English and seed 000's Japanese), rules, CAU settings."""

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau.role import cau_arguments, cau_value, format_timespan
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.events import parse_migration_event, summarize_events
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.gather import rule_dicts

JAPANESE_21502 = (
    u"'\u4eee\u60f3\u30de\u30b7\u30f3 APP017' \u306e\u30e9\u30a4\u30d6 \u30de\u30a4\u30b0\u30ec\u30fc\u30b7\u30e7\u30f3"
    u"\u304c\u5931\u6557\u3057\u307e\u3057\u305f\u3002\r\n\r\n'APP017' \u306e\u4eee\u60f3\u30de\u30b7\u30f3\u79fb\u884c"
    u"\u64cd\u4f5c\u304c\u79fb\u884c\u5148 'HV01' \u3067\u5931\u6557\u3057\u307e\u3057\u305f\u3002\r\n\r\n"
    u"RAM \u5bb9\u91cf\u304c 16384 MB \u306e\u4eee\u60f3\u30de\u30b7\u30f3 APP017 \u3092\u8d77\u52d5\u3059\u308b\u305f"
    u"\u3081\u306b\u5fc5\u8981\u306a\u30e1\u30e2\u30ea\u304c\u30b7\u30b9\u30c6\u30e0\u306b\u4e0d\u8db3\u3057\u3066\u3044"
    u"\u307e\u3059\u3002")


def test_japanese_21502_is_parsed_like_the_english_one():
    event = parse_migration_event({"id": 21502, "node": "HV03", "message": JAPANESE_21502, "time": "2024-05-14T02:41:10"})
    assert (event["vm"], event["target"], event["memory_mb"], event["reason"]) == ("APP017", "HV01", 16384,
                                                                                   "insufficient_memory")
    english = parse_migration_event({"id": 21502, "node": "HV03", "message": (
        "Live migration of 'Virtual Machine APP017' failed.\r\n\r\nVirtual machine migration operation for 'APP017' "
        "failed at migration destination 'HV01'. (Virtual machine ID X)\r\n\r\nNot enough memory in the system to "
        "start the virtual machine APP017 with ram size 16384 megabytes.")})
    assert (english["vm"], english["target"], english["memory_mb"], english["reason"]) == (
        "APP017", "HV01", 16384, "insufficient_memory")
    assert summarize_events([event, english])["by_target"] == {"HV01": 2}


def test_anti_affinity_classes_are_soft_unless_enforced_and_preferred_owners_are_should_rules():
    vms = [{"name": "WEB01", "anti_affinity": ["web"], "preferred_owners": ["HV01", "HV02"]},
           {"name": "WEB02", "anti_affinity": ["Web"], "preferred_owners": []},
           {"name": "DB01", "anti_affinity": ["db"], "preferred_owners": ["HV09"]}]
    rules, skipped = rule_dicts(vms, ["HV01", "HV02", "HV03"], enforced=False)
    assert rules == [{"name": "anti-affinity web", "kind": "anti_affinity", "vms": ["WEB01", "WEB02"],
                      "strength": "should"},
                     {"name": "preferred owners HV01,HV02", "kind": "vm_host", "vms": ["WEB01"],
                      "hosts": ["HV01", "HV02"], "strength": "should"}]
    assert sorted(s["name"] for s in skipped) == ["anti-affinity db", "preferred owners HV09"]
    assert rule_dicts(vms, ["HV01"], enforced=True)[0][0]["strength"] == "must"


def test_cau_settings_compare_in_one_form_and_keep_the_current_ones():
    assert cau_value("days", "Tuesday, Thursday") == ["Tuesday", "Thursday"]
    assert cau_value("ints", ["2", "4"]) == [2, 4]
    assert cau_value("switch", None) is False and cau_value("str", "") is None
    assert cau_value("datetime", "2024-06-01T03:00:00.0000000Z") == "2024-06-01T03:00:00"
    assert format_timespan("90") == "01:30:00" and format_timespan("1.2:00:00") == "1.02:00:00"
    before = {"failback_mode": "Immediate", "max_failed_nodes": 1, "require_all_nodes_online": True,
              "pre_update_script": "C:\\Scripts\\pre.ps1", "days_of_week": ["Tuesday"]}
    after = dict(before, failback_mode="NoFailback", pre_update_script=None)
    values = cau_arguments(before, after, create=False)
    assert values == {"FailbackMode": "NoFailback", "MaxFailedNodes": 1, "RequireAllNodesOnline": True,
                      "PreUpdateScript": "", "DaysOfWeek": "Tuesday"}
