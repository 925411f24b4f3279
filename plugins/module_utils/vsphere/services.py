# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster services the vSphere adapter must respect: vCLS agent VMs, HA admission control and DRS automation.

- vCLS agent VMs (vSphere 7.0 U1+) are managed by the ESX Agent Manager (``config.managedBy`` extension
  ``com.vmware.vim.eam``, type ``cluster-agent``): never planned, never counted as blocking maintenance mode
  (vCenter stops them itself when the host enters it).
- HA admission control keeps failover capacity back (``ClusterDasConfigInfo.admissionControlPolicy``); the
  plan may not use it, so each host's share is added to its ``reserved_memory_mb``.
- DRS fully automated moves VMs on its own; ``hold_drs`` sets the cluster to partially automated for a drain
  and ``release_drs`` restores what it changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.vsphere.base import VsphereError, fault_text

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # vsphere.base reports the missing library once

EAM_EXTENSION = "com.vmware.vim.eam"
VCLS_TYPE = "cluster-agent"
AGENT_TREATMENT = ("vSphere Cluster Services agent VM: not planned and not counted as blocking maintenance mode; "
                   "vCenter stops or moves it itself when the host enters maintenance mode")
DRS_LEVELS = ("fullyAutomated", "partiallyAutomated", "manual")
DRS_HOLD_LEVEL = "partiallyAutomated"


def is_agent_vm(config):
    """True for a vCLS agent VM (by its configuration's managedBy, not by its name)."""
    return is_agent_managed(getattr(config, "managedBy", None) if config is not None else None)


def is_agent_managed(managed):
    """True when a VM's config.managedBy names the vCLS agent of vSphere ESX Agent Manager."""
    return bool(managed is not None and managed.extensionKey == EAM_EXTENSION and managed.type == VCLS_TYPE)


# ---------------------------------------------------------------------------------------------
# HA admission control


def ha_facts(config, host_names):
    """The cluster's HA admission control as plain data (policy none when HA or admission control is off), from its
    configurationEx; host_names: HostSystem -> name (dedicated failover hosts are named)."""
    das = getattr(config, "dasConfig", None)
    facts = {"enabled": bool(das is not None and das.enabled), "admission_control": False, "policy": "none",
             "memory_percent": None, "auto_compute": False, "failover_level": None, "failover_hosts": []}
    if das is None or not das.enabled:
        return facts
    facts["admission_control"] = das.admissionControlEnabled is not False
    policy = das.admissionControlPolicy
    if not facts["admission_control"] or policy is None:
        return facts
    facts["failover_level"] = getattr(policy, "failoverLevel", None) or das.failoverLevel or 1
    if isinstance(policy, vim.cluster.FailoverResourcesAdmissionControlPolicy):
        facts.update(policy="percentage", memory_percent=policy.memoryFailoverResourcesPercent or 0,
                     auto_compute=bool(policy.autoComputePercentages))
    elif isinstance(policy, vim.cluster.FailoverLevelAdmissionControlPolicy):
        facts["policy"] = "slots"
    elif isinstance(policy, vim.cluster.FailoverHostAdmissionControlPolicy):
        facts.update(policy="failover_hosts", failover_hosts=sorted(host_names[h] for h in policy.failoverHosts or [] if h in host_names))
    else:
        facts["policy"] = type(policy).__name__.rsplit(".", 1)[-1]
    return facts


def ha_reserve_mb(facts, memory_by_host):
    """Host name -> memory (MB) HA keeps back on it, from ha_facts and every cluster host's memory.

    Percentage: that share of each host. Slots, or percentages vCenter computes itself: the share of the
    cluster's memory held by its failover_level largest hosts (the slot size is not modelled). Dedicated
    failover hosts: all of their memory (vCenter refuses to power on or vMotion VMs onto them).
    """
    policy = facts["policy"]
    if policy == "failover_hosts":
        return dict((h, float(m) if h in facts["failover_hosts"] else 0.0) for h, m in memory_by_host.items())
    if policy == "percentage" and not facts["auto_compute"]:
        share = (facts["memory_percent"] or 0) / 100.0
    elif policy in ("percentage", "slots"):
        total = float(sum(memory_by_host.values())) or 1.0
        largest = sorted(memory_by_host.values(), reverse=True)[:facts["failover_level"] or 1]
        share = min(1.0, sum(largest) / total)
    else:
        share = 0.0
    return dict((h, round(float(m) * share, 1)) for h, m in memory_by_host.items())


def ha_text(facts):
    """What HA keeps back, in operator words (for details and messages)."""
    if facts["policy"] == "none":
        return "HA admission control off: no failover capacity kept back"
    if facts["policy"] == "failover_hosts":
        return "HA keeps dedicated failover host(s) %s free" % ", ".join(facts["failover_hosts"])
    if facts["policy"] == "percentage" and not facts["auto_compute"]:
        return "HA keeps %s%% of each host's memory back for failover" % facts["memory_percent"]
    return "HA keeps the memory of %s host failure(s) back for failover" % facts["failover_level"]


# ---------------------------------------------------------------------------------------------
# DRS automation


def drs_facts(cluster):
    """{'cluster', 'enabled', 'behavior'} of the cluster's DRS configuration."""
    return drs_config_facts(cluster.name, cluster.configurationEx)


def drs_config_facts(name, config):
    """drs_facts of a cluster from its name and configurationEx."""
    drs = getattr(config, "drsConfig", None)
    return {"cluster": name, "enabled": bool(drs is not None and drs.enabled),
            "behavior": str(drs.defaultVmBehavior) if drs is not None and drs.defaultVmBehavior else "fullyAutomated"}


def drs_moves_vms(facts):
    """True when DRS migrates VMs on its own (enabled and fully automated)."""
    return facts["enabled"] and facts["behavior"] == "fullyAutomated"


def set_drs_behavior(cluster, behavior, wait):
    """Set the cluster's default DRS automation level (modify, keeping the rest); wait(task) follows it."""
    spec = vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo(defaultVmBehavior=behavior))
    try:
        wait(cluster.ReconfigureComputeResource_Task(spec=spec, modify=True))
    except vmodl.MethodFault as fault:
        raise VsphereError("setting DRS of cluster %s to %s failed: %s" % (cluster.name, behavior, fault_text(fault)))


def hold_plan(facts):
    """The change a hold makes: {'cluster', 'before', 'after'}; after == before when DRS moves nothing itself."""
    after = DRS_HOLD_LEVEL if drs_moves_vms(facts) else facts["behavior"]
    return {"cluster": facts["cluster"], "enabled": facts["enabled"], "before": facts["behavior"], "after": after}


def release_plan(facts, held):
    """What restoring a hold does: (behavior to set or None, left-behind reason or None).

    held is a hold_plan result. Nothing to restore when the hold changed nothing or the level is already
    back; when someone else changed the level since, it is left as they set it (and said so).
    """
    if not held or held.get("before") == held.get("after"):
        return None, None
    if facts["behavior"] == held["before"]:
        return None, None
    if facts["behavior"] != held["after"]:
        return None, ("DRS of cluster %s is %s, not the %s the drain set: someone changed it since, so it was "
                      "not set back to %s" % (facts["cluster"], facts["behavior"], held["after"], held["before"]))
    return held["before"], None
