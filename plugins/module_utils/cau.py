# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cluster-Aware Updating clustered role: its settings as Get-CauClusterRole names them, read, compared,
merged and written back with every current setting passed along (cau_cluster_role and cau_wait_script)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmfleet.maintenance.plugins.module_utils import cau_scripts as scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv import parse_datetime
from ansible_collections.vmfleet.maintenance.plugins.module_utils.winrm_base import HyperVError

# option name, Set-CauClusterRole parameter, kind
CAU_SETTINGS = (
    ("failback_mode", "FailbackMode", "str"),
    ("pre_update_script", "PreUpdateScript", "str"),
    ("post_update_script", "PostUpdateScript", "str"),
    ("max_failed_nodes", "MaxFailedNodes", "int"),
    ("max_retries_per_node", "MaxRetriesPerNode", "int"),
    ("require_all_nodes_online", "RequireAllNodesOnline", "switch"),
    ("reboot_timeout_minutes", "RebootTimeoutMinutes", "int"),
    ("node_order", "NodeOrder", "list"),
    ("start_date", "StartDate", "datetime"),
    ("days_of_week", "DaysOfWeek", "days"),
    ("weeks_of_month", "WeeksOfMonth", "ints"),
    ("interval_weeks", "IntervalWeeks", "int"),
    ("plugin_name", "CauPluginName", "list"),
    ("plugin_arguments", "CauPluginArguments", "plugin_args"),
    ("run_plugins_serially", "RunPluginsSerially", "switch"),
    ("stop_on_plugin_failure", "StopOnPluginFailure", "switch"),
    ("configuration_name", "ConfigurationName", "str"),
    ("warn_after", "WarnAfter", "timespan"),
    ("stop_after", "StopAfter", "timespan"),
    ("separate_reboots", "SeparateReboots", "switch"),
    ("enable_firewall_rules", "EnableFirewallRules", "switch"),
    ("suspend_cluster_node_timeout_minutes", "SuspendClusterNodeTimeoutMinutes", "int"),
    ("suspend_retries_per_node", "SuspendRetriesPerNode", "int"),
    ("wait_for_storage_repair_timeout_minutes", "WaitForStorageRepairTimeoutMinutes", "int"),
    ("force_pause_no_drain", "ForcePauseNoDrain", "switch"),
    ("force_pause_and_drain", "ForcePauseAndDrain", "switch"),
    ("force_pause_drain_and_reboot", "ForcePauseDrainAndReboot", "switch"),
    ("skip_update_checks", "SkipUpdateChecks", "switch"),
    ("site_aware_updating_order", "SiteAwareUpdatingOrder", "list"),
    ("os_rolling_upgrade", "OsRollingUpgrade", "switch"),
    ("attempt_soft_reboot", "AttemptSoftReboot", "switch"),
    ("reboot_mode", "RebootMode", "str"),
)
CAU_KINDS = dict((name, kind) for _option, name, kind in CAU_SETTINGS)
EMPTY = {"str": "", "list": [], "ints": [], "days": "", "plugin_args": []}


class CauRole:
    """The CAU clustered role as read: whether it exists, its group and status, its settings by option name."""

    def __init__(self, exists, settings, group_name=None, status=None):
        self.exists = exists
        self.settings = settings
        self.group_name = group_name
        self.status = status


def read_cau_role(shell):
    raw = shell.json(scripts.read_cau_role()) or {}
    if not raw.get("exists"):
        return CauRole(False, dict((option, None) for option, _name, _kind in CAU_SETTINGS))
    values = raw.get("settings") or {}
    settings = dict((option, cau_value(kind, values.get(name))) for option, name, kind in CAU_SETTINGS)
    return CauRole(True, settings, values.get("ResourceGroupName"), values.get("Status"))


def cau_value(kind, value):
    """A setting in one comparable form (as read from the host or given by the user); None when not set."""
    if kind == "switch":
        return bool(value) and str(value).lower() not in ("false", "0")
    if value is None or value == "" or value == []:
        return None
    if kind == "int":
        return int(value)
    if kind in ("list", "ints", "days"):
        items = value if isinstance(value, list) else re.split(r"\s*,\s*", str(value))
        items = [i for i in items if i not in (None, "")]
        if kind == "ints":
            return [int(i) for i in items]
        return [str(i) for i in items] or None
    if kind == "datetime":
        return parse_datetime(value).strftime("%Y-%m-%dT%H:%M:%S")
    if kind == "timespan":
        return format_timespan(value)
    if kind == "plugin_args":
        items = value if isinstance(value, list) else [value]
        return [dict((str(k), str(v)) for k, v in item.items()) for item in items] or None
    return str(value)




def format_timespan(value):
    """'[d.]hh:mm:ss' as .NET writes a TimeSpan, from that form or from a number of minutes."""
    text = str(value).strip()
    found = re.match(r"^(?:(\d+)\.)?(\d+):(\d+)(?::(\d+))?$", text)
    if found:
        days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    elif re.match(r"^\d+$", text):
        total = int(text) * 60
    else:
        raise HyperVError("'%s' is not a duration (use hh:mm:ss, d.hh:mm:ss, or a number of minutes)" % value)
    days, rest = divmod(total, 86400)
    text = "%02d:%02d:%02d" % (rest // 3600, rest % 3600 // 60, rest % 60)
    return "%d.%s" % (days, text) if days else text


def wanted_cau_settings(params):
    """Option -> comparable value for the CAU options the user gave (None options are left out)."""
    kinds = dict((option, kind) for option, _name, kind in CAU_SETTINGS)
    return dict((option, cau_value(kinds[option], params[option])) for option in kinds
                if params.get(option) is not None)


def merged_cau_settings(current, wanted):
    """The settings after the change: the current ones with the wanted ones over them."""
    after = dict(current)
    after.update(wanted)
    return after


def cau_arguments(before, after, create):
    """Set-CauClusterRole's values (CAU name -> value): every setting that has a value after the change - the seed's
    rule, current settings passed along with the new ones - and empty values for the ones cleared."""
    values = {}
    for option, name, kind in CAU_SETTINGS:
        value, old = after.get(option), before.get(option)
        if kind == "switch":
            if value or (old and not create):
                values[name] = bool(value)
        elif value is not None:
            if kind == "days":
                value = ", ".join(value)
            elif kind == "plugin_args":
                value = [[{"k": k, "v": v} for k, v in sorted(item.items())] for item in value]
            values[name] = value
        elif old is not None and not create and kind in EMPTY:
            values[name] = EMPTY[kind]
    return values


class CauChange:
    """What configure_cau_role did (or would do): settings before and after, and the role as it ends up."""

    def __init__(self, changed, existed, before, after, role):
        self.changed = changed
        self.existed = existed
        self.before = before
        self.after = after
        self.role = role

    @property
    def changed_settings(self):
        return sorted(o for o in self.after if self.before.get(o) != self.after.get(o))


def configure_cau_role(shell, wanted, check_mode, create=False):
    """Read the role, merge the wanted settings (option -> value), write them when one differs, read it back.

    create=True adds the role when it does not exist; otherwise a missing role is an error.
    """
    role = read_cau_role(shell)
    before = dict(role.settings)
    after = merged_cau_settings(before, wanted)
    if not role.exists and not create:
        raise HyperVError("the cluster has no Cluster-Aware Updating clustered role: add it first "
                          "(vmfleet.maintenance.cau_cluster_role with state=present)")
    changed = not role.exists or any(before.get(o) != v for o, v in wanted.items())
    existed = role.exists
    if changed and not check_mode:
        shell.text(scripts.write_cau_role(cau_arguments(before, after, not existed), CAU_KINDS, add=not existed))
        role = read_cau_role(shell)
        after = dict(role.settings)
    return CauChange(changed, existed, before, after, role)
