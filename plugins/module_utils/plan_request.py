# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""placement_plan's options and its one step: validated options in, the core's plan (or why it fails) out.

Shared by the module (plugins/modules/placement_plan.py, its documentation and a run on any host) and its action
plugin (plugins/action/placement_plan.py), which plans in the controller's own process: no module process to
start for a computation that needs no host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.cluster_spec import (
    cluster_model_spec, model_params, placement_options_spec)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.plan_output import describe_unplaced
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan

PLAN_KNOBS = ("drain_hosts", "mode", "scope", "rolling_order", "headroom_percent", "max_parallel_per_host",
              "max_parallel_total", "count_powered_off", "max_hosts_down", "max_hosts_down_cap",
              "allow_downtime", "allow_downtime_vms")


def plan_argument_spec():
    """placement_plan's argument spec."""
    return dict(
        drain_hosts=dict(type="list", elements="str", default=[], aliases=["evacuate"],
                         deprecated_aliases=[dict(name="evacuate", version="1.0.0",
                                                  collection_name="vmfleet.maintenance")]),
        mode=dict(type="str", default="drain", choices=["drain", "failback"]),
        allow_partial=dict(type="bool", default=False),
        max_hosts_down=dict(type="raw", default=1),
        max_hosts_down_cap=dict(type="int", default=4),
        allow_downtime=dict(type="bool", default=True),
        allow_downtime_vms=dict(type="list", elements="str", default=[]),
        **dict(cluster_model_spec(), **placement_options_spec())
    )


def plan_from_params(params):
    """(plan, None), or (plan, message) when the plan is infeasible and allow_partial is false.
    Raises PlacementInputError on a model the core refuses."""
    hosts, vms, rules = model_params(params)
    plan = make_plan(hosts, vms, rules, **dict((n, params[n]) for n in PLAN_KNOBS))
    if plan["feasible"] or params["allow_partial"]:
        return plan, None
    where = plan["rollout"]["first_failure"] if plan["mode"] == "rollout" else None
    prefix = where["message"] if where else "the drain of %s is infeasible: %s" % (
        ", ".join(plan["drain_hosts"]), describe_unplaced(plan["unplaced"]))
    return plan, ("%s. Free capacity, relax rules or hold the VMs; allow_partial returns the partial plan." % prefix)
