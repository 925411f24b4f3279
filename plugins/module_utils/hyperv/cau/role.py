# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cluster-Aware Updating clustered role: its settings as Get-CauClusterRole names them, read, compared,
merged and written back with every current setting passed along (cau_cluster_role and cau_wait_script)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import HyperVError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.events import parse_datetime

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
    ("run_once", "RunOnce", "switch"),
)
CAU_KINDS = dict((name, kind) for _option, name, kind in CAU_SETTINGS)
# How Set-CauClusterRole clears a setting: an empty string or array; Weekdays has the value None.
EMPTY = {"str": "", "list": [], "ints": [], "days": "None", "plugin_args": []}
# Get-CauClusterRole names the weekly interval WeeksInterval, though it is set with -IntervalWeeks.
READ_NAMES = {"IntervalWeeks": "WeeksInterval"}
# Settings the CAU cmdlets have only from a Windows Server release on (their SYNTAX in each release's reference).
SINCE = dict((option, 2022) for option in (
    "force_pause_no_drain", "force_pause_and_drain", "force_pause_drain_and_reboot", "skip_update_checks",
    "site_aware_updating_order", "os_rolling_upgrade", "attempt_soft_reboot", "reboot_mode", "run_once"))
SINCE.update(suspend_retries_per_node=2025, wait_for_storage_repair_timeout_minutes=2025)
RELEASES = ((26100, 2025), (20348, 2022), (17763, 2019), (14393, 2016))  # Win32_OperatingSystem BuildNumber
# The schedule: one of three parameter sets, never mixed (MonthlyDayOfWeek, Weekly, Once).
SCHEDULE = ("start_date", "days_of_week", "weeks_of_month", "interval_weeks", "run_once")


class CauRole:
    """The CAU clustered role as read: whether it exists, its group and status, its settings by option name."""

    def __init__(self, exists, settings, group_name=None, status=None):
        self.exists = exists
        self.settings = settings
        self.group_name = group_name
        self.status = status
        self.computer = None  # the machine that answered, its build and Windows Server release
        self.build = None
        self.release = None


def release_of(build):
    """The Windows Server release (2016, 2019, 2022, 2025) of a build number; None when unknown."""
    try:
        build = int(build)
    except (TypeError, ValueError):
        return None
    return next((release for first, release in RELEASES if build >= first), None)


def read_cau_role(shell, cluster_name=None):
    """The role as read on the endpoint (or, with cluster_name, on that cluster from the endpoint)."""
    raw = shell.json(scripts.read_cau_role(cluster_name)) or {}
    if not raw.get("exists"):
        role = CauRole(False, dict((option, None) for option, _name, _kind in CAU_SETTINGS))
    else:
        values = raw.get("settings") or {}
        settings = dict((option, cau_value(kind, values.get(READ_NAMES.get(name, name))))
                        for option, name, kind in CAU_SETTINGS)
        role = CauRole(True, settings, values.get("ResourceGroupName"), values.get("Status"))
    role.computer = raw.get("cn")
    role.build = raw.get("build")
    role.release = release_of(raw.get("build"))
    return role


def unavailable(options, release):
    """The options the CAU cmdlets of that release do not have (none when the release is unknown)."""
    return sorted(o for o in options if release and SINCE.get(o, 2016) > release)


def refuse_unavailable(options, role):
    """HyperVError naming the settings that the endpoint's Windows Server release does not have."""
    missing = unavailable(options, role.release)
    if missing:
        raise HyperVError("%s: not available on %s, which runs Windows Server %s (build %s); %s" % (
            ", ".join(missing), role.computer or "the WinRM endpoint", role.release, role.build,
            "; ".join("%s needs Windows Server %d or later" % (o, SINCE[o]) for o in missing)))


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
    """The settings after the change: the current ones with the wanted ones over them. A wanted schedule replaces
    the current one's kind: interval_weeks (weekly) drops weeks_of_month (monthly) and the other way round; run_once
    drops the schedule, and a schedule drops run_once."""
    after = dict(current)
    if wanted.get("interval_weeks") is not None:
        after.update(weeks_of_month=None, run_once=False)
    if wanted.get("weeks_of_month") is not None:
        after.update(interval_weeks=None, run_once=False)
    if any(wanted.get(o) is not None for o in ("start_date", "days_of_week")):
        after["run_once"] = False
    if wanted.get("run_once"):
        after.update(start_date=None, days_of_week=None, weeks_of_month=None, interval_weeks=None)
    after.update(wanted)
    return after


def schedule_set(settings):
    """The parameter set a role with these settings is written with: Once, Weekly or MonthlyDayOfWeek."""
    if settings.get("run_once"):
        return "Once"
    return "Weekly" if settings.get("interval_weeks") is not None else "MonthlyDayOfWeek"


def cau_arguments(before, after, create, release=None):
    """Set-CauClusterRole's values (CAU name -> value): every setting that has a value after the change - current
    settings passed along with the new ones, so none is reset - and empty values for the ones cleared. Only the
    schedule parameters of one parameter set go (Weekly, MonthlyDayOfWeek or Once), and never a parameter the
    release's cmdlets do not have."""
    values = {}
    kind_of_schedule = schedule_set(after)
    skip = set(unavailable([o for o, _n, _k in CAU_SETTINGS], release))
    skip.update({"Once": ("start_date", "days_of_week", "weeks_of_month", "interval_weeks"),
                 "Weekly": ("weeks_of_month", "run_once"),
                 "MonthlyDayOfWeek": ("interval_weeks", "run_once")}[kind_of_schedule])
    for option, name, kind in CAU_SETTINGS:
        if option in skip:
            continue
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
    refuse_unavailable([o for o, v in wanted.items() if v not in (None, False)], role)
    before = dict(role.settings)
    after = merged_cau_settings(before, wanted)
    if not role.exists and not create:
        raise HyperVError("the cluster has no Cluster-Aware Updating clustered role: add it first "
                          "(vmfleet.maintenance.cau_cluster_role with state=present)")
    changed = not role.exists or any(before.get(o) != v for o, v in wanted.items())
    existed = role.exists
    if changed and not check_mode:
        values = cau_arguments(before, after, not existed, role.release)
        shell.text(scripts.write_cau_role(values, CAU_KINDS, add=not existed))
        role = read_cau_role(shell)
        after = dict(role.settings)
    return CauChange(changed, existed, before, after, role)
