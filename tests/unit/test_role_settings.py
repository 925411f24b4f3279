# -*- coding: utf-8 -*-
"""The drain settings every role reads (vmfleet_drain, completed by the drain_settings filter) and the host_drain
action that runs each platform's drain module with them."""

import importlib
import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.vmfleet.maintenance.plugins.action.host_drain import (
    PASSED_ON, PLATFORM_MODULES, platform_args)
from ansible_collections.vmfleet.maintenance.plugins.filter.drain_settings import (
    DRAIN_SETTINGS_SPEC, drain_settings)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES_READING_THE_SETTINGS = ("rolling_update", "preflight", "drain", "failback", "platform")


def documented_drain_options():
    """(role, entry point) -> the vmfleet_drain suboptions its argument spec documents."""
    found = {}
    for role in ROLES_READING_THE_SETTINGS:
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry, spec in specs.items():
            option = spec.get("options", {}).get("vmfleet_drain")
            if option:
                found[(role, entry)] = option["options"]
    return found


def test_every_role_documents_the_defaults_the_filter_applies():
    documented = documented_drain_options()
    assert {where[0] for where in documented} == set(ROLES_READING_THE_SETTINGS)
    for where, options in documented.items():
        assert set(options) == set(DRAIN_SETTINGS_SPEC), where
        for name, spec in DRAIN_SETTINGS_SPEC.items():
            assert options[name]["type"] == spec["type"], (where, name)
            assert options[name].get("default") == spec["default"], (where, name)
            assert options[name].get("choices") == spec.get("choices"), (where, name)


def test_settings_not_given_are_at_their_default_and_given_ones_typed():
    settings = drain_settings({"stall_seconds": "30", "allow_downtime": "no", "allow_downtime_vms": ["db-1"],
                               "poll_seconds": None})
    assert settings["stall_seconds"] == 30 and settings["allow_downtime"] is False
    assert settings["allow_downtime_vms"] == ["db-1"] and settings["poll_seconds"] == 2.0
    assert drain_settings(None) == drain_settings({}) == dict(
        (name, spec["default"]) for name, spec in DRAIN_SETTINGS_SPEC.items())


@pytest.mark.parametrize("given, words", [
    ({"stall_second": 3}, "unknown setting stall_second"),
    ({"on_stall": "wait"}, "value of on_stall must be one of"),
    ("fast", "must be a dict"),
])
def test_a_wrong_setting_is_named(given, words):
    with pytest.raises(AnsibleFilterError, match=words):
        drain_settings(given)


def module_options(module):
    """The options a module documents, its doc fragments' included."""
    package = "ansible_collections.vmfleet.maintenance.plugins."
    doc = yaml.safe_load(importlib.import_module(package + "modules." + module.rsplit(".", 1)[1]).DOCUMENTATION)
    options = dict(doc["options"])
    for fragment in doc.get("extends_documentation_fragment", []):
        parts = fragment.split(".")[2:] + ["DOCUMENTATION"]  # vmfleet.maintenance.<name>[.<PART>]
        text = importlib.import_module(package + "doc_fragments." + parts[0]).ModuleDocFragment
        options.update(yaml.safe_load(getattr(text, parts[1])).get("options") or {})
    return options


@pytest.mark.parametrize("platform", sorted(PLATFORM_MODULES))
@pytest.mark.parametrize("mode", ["drain", "failback"])
def test_host_drain_passes_each_platform_module_only_options_it_has(platform, mode):
    options = module_options(PLATFORM_MODULES[platform])
    assert set(PASSED_ON) <= set(options)
    assert set(platform_args(platform, "h1", mode)) <= set(options)


def test_what_drain_and_failback_mean_to_each_platform():
    assert platform_args("nova", "c0", "failback") == {"host": "c0"}
    assert platform_args("vsphere", "esx-01", "drain")["maintenance_mode"] == "enter"
    assert platform_args("vsphere", "esx-01", "failback")["maintenance_mode"] == "none"
    assert platform_args("hyperv", "HV01", "drain") == {"node": "HV01", "state": "paused"}
    assert platform_args("hyperv", "HV01", "failback") == {"node": "HV01", "state": "resumed", "failback": "planned"}


class _CostlyToCopy(list):
    """A list like Ansible's lazy ones, whose deep copy copies every variable of the task."""

    def __deepcopy__(self, memo):
        raise AssertionError("the filter deep-copied the caller's list")


def test_the_filter_checks_a_plain_copy_of_what_it_is_given():
    given = {"allow_downtime_vms": _CostlyToCopy(["db-1", "web-2"]), "scope": "all"}
    settings = drain_settings(given)
    assert settings["allow_downtime_vms"] == ["db-1", "web-2"]
    assert not isinstance(settings["allow_downtime_vms"], _CostlyToCopy) and settings["scope"] == "all"
