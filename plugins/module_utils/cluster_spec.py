# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs for the placement core's model (hosts, vms, rules) and planning knobs.

Documented once in the ``vmfleet.maintenance.cluster_model`` and ``placement_options``
doc fragments; modules that take a cluster model merge these into their own spec.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import (
    HOST_STATES, METHODS, POWER_STATES, RULE_KINDS, STRENGTHS)

HOST_SPEC = dict(
    name=dict(type="str", required=True),
    memory_mb=dict(type="float", required=True),
    reserved_memory_mb=dict(type="float", default=0),
    vcpus=dict(type="float", default=0),
    cpu_allocation_ratio=dict(type="float", default=1.0),
    ram_allocation_ratio=dict(type="float", default=1.0),
    storage=dict(type="list", elements="str"),
    state=dict(type="str", default="up", choices=list(HOST_STATES)),
    emergency=dict(type="bool", default=False),
    zone=dict(type="str"),
    ip=dict(type="str"),  # the platform's address of the host (the rolling update's host match); not planned with
)

VM_SPEC = dict(
    name=dict(type="str", required=True),
    host=dict(type="str", required=True),
    memory_mb=dict(type="float", required=True),
    vcpus=dict(type="float", default=0),
    power_state=dict(type="str", default="on", choices=list(POWER_STATES)),
    storage=dict(type="list", elements="str", default=[]),
    methods=dict(type="list", elements="str", choices=list(METHODS), default=list(METHODS)),
    hold=dict(type="bool", default=False),
    managed=dict(type="bool", default=True),
    maintenance=dict(type="bool", default=False),
    busy=dict(type="bool", default=False),
    priority=dict(type="int", default=0),
    depends_on=dict(type="list", elements="str", default=[]),
    home=dict(type="str"),
    methods_reason=dict(type="str"),
    allow_downtime=dict(type="bool", default=False),
)

RULE_SPEC = dict(
    name=dict(type="str"),
    kind=dict(type="str", required=True, choices=list(RULE_KINDS)),
    vms=dict(type="list", elements="str", required=True),
    hosts=dict(type="list", elements="str", default=[]),
    strength=dict(type="str", default="must", choices=list(STRENGTHS)),
    max_unavailable=dict(type="int", default=1),
    max_per_host=dict(type="int"),
)


def cluster_model_spec():
    """hosts, vms and rules options, as the cluster_model doc fragment documents them."""
    return dict(
        hosts=dict(type="list", elements="dict", required=True, options=HOST_SPEC),
        vms=dict(type="list", elements="dict", required=True, options=VM_SPEC),
        rules=dict(type="list", elements="dict", default=[], options=RULE_SPEC),
    )


def placement_options_spec():
    """Planning knobs shared by placement_plan, maintenance_simulate and the drain modules."""
    return dict(
        scope=dict(type="str", default="running", choices=["running", "all"]),
        rolling_order=dict(type="list", elements="str", default=[]),
        headroom_percent=dict(type="float", default=0),
        max_parallel_per_host=dict(type="int", default=2),
        max_parallel_total=dict(type="int", default=0),
        count_powered_off=dict(type="bool", default=False),
    )


def model_params(params):
    """The hosts/vms/rules lists as the core takes them (None-valued keys dropped)."""
    def clean(items):
        return [dict((k, v) for k, v in item.items() if v is not None) for item in items or []]
    return clean(params["hosts"]), clean(params["vms"]), clean(params.get("rules"))
