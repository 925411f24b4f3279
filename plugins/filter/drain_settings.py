# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmfleet.maintenance.drain_settings: the roles' drain settings (vmfleet_drain) checked, typed and completed with
their defaults - the one place those defaults live (each role's argument spec documents them)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

DRAIN_SETTINGS_SPEC = dict(
    scope=dict(type="str", default="running", choices=["running", "all"]),
    headroom_percent=dict(type="float", default=0),
    max_parallel_per_host=dict(type="int", default=2),
    stall_seconds=dict(type="int", default=120),
    on_stall=dict(type="str", default="abort", choices=["abort", "force_complete", "fail"]),
    poll_seconds=dict(type="float", default=2),
    timeout_seconds=dict(type="int", default=7200),
    allow_downtime=dict(type="bool", default=False),
    allow_downtime_vms=dict(type="list", elements="str", default=[]),
)


def _plain(value):
    """A plain copy of a setting's value. Ansible hands lists in as lazy containers whose deep copy (the argument
    validator deep-copies what it checks) copies every variable of the task: seconds per task on a large cluster."""
    if isinstance(value, Mapping):
        return dict((key, _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def drain_settings(settings):
    """Every drain setting: those given, converted to their type, the others at their default."""
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise AnsibleFilterError("the drain settings (vmfleet_drain) must be a dict, got %s" % type(settings).__name__)
    given = dict((name, _plain(value)) for name, value in settings.items() if value is not None)
    result = ArgumentSpecValidator(DRAIN_SETTINGS_SPEC).validate(given)
    if result.error_messages:
        raise AnsibleFilterError("vmfleet_drain: %s" % "; ".join(
            "unknown setting %s" % error if isinstance(error, UnsupportedError) else str(error)
            for error in result.errors))
    return result.validated_parameters


class FilterModule(object):
    def filters(self):
        return {"drain_settings": drain_settings}
