# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova's own placement rules in the core's shape: server groups and availability zones.

nova's scheduler refuses a move that breaks them (ServerGroupAffinityFilter, ServerGroupAntiAffinityFilter,
AvailabilityZoneFilter), so a plan that ignores them fails at run time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# policy -> (core rule kind, strength); soft-* policies are only weighers in nova's scheduler
GROUP_POLICIES = {
    "affinity": ("affinity", "must"),
    "anti-affinity": ("anti_affinity", "must"),
    "soft-affinity": ("affinity", "should"),
    "soft-anti-affinity": ("anti_affinity", "should"),
}
INTERNAL_ZONE = "internal"
AFFINITY_STUCK = ("member of server group '%s' (affinity): nova's scheduler keeps every member on the hosts the "
                  "group already uses, this one's own included, so no member can move while others share it; "
                  "stop it or take it out of the group to drain this host")


def group_policy(group):
    """The group's policy: ``policy`` from microversion 2.64, the single item of ``policies`` before."""
    policy = getattr(group, "policy", None)
    if not policy:
        policies = getattr(group, "policies", None) or []
        policy = policies[0] if policies else None
    return policy


def server_group_rules(groups, names_by_id):
    """One core rule per server group with two or more members among the instances read.

    names_by_id: instance id -> the name the core knows it by. A group's rule is named
    "server group <name>"; anti-affinity carries max_server_per_host (2.64) as max_per_host.
    """
    rules = []
    for group in sorted(groups, key=lambda g: (g.name or "", g.id)):
        kind = GROUP_POLICIES.get(group_policy(group))
        members = sorted(names_by_id[m] for m in (group.member_ids or []) if m in names_by_id)
        if kind is None or len(members) < 2:
            continue
        rule = {"name": "server group %s" % (group.name or group.id), "kind": kind[0], "strength": kind[1],
                "vms": members}
        limit = (getattr(group, "rules", None) or {}).get("max_server_per_host")
        if kind[0] == "anti_affinity" and limit:
            rule["max_per_host"] = int(limit)
        rules.append(rule)
    return rules


def stuck_in_affinity(rules, vms):
    """Members of a hard-affinity group that share their host with another member: nova moves instances one
    at a time and its ServerGroupAffinityFilter passes only the group's current hosts, the mover's own
    included, so none of them can leave. Returns vm name -> reason."""
    host_of = dict((v["name"], v["host"]) for v in vms)
    stuck = {}
    for rule in rules:
        if rule["kind"] != "affinity" or rule["strength"] != "must":
            continue
        group = rule["name"][len("server group "):]
        for name in rule["vms"]:
            if any(host_of.get(other) == host_of.get(name) for other in rule["vms"] if other != name):
                stuck[name] = AFFINITY_STUCK % group
    return stuck


def host_zones(zones):
    """host -> availability zone, from os-availability-zone/detail (the internal zone left out)."""
    result = {}
    for zone in zones:
        if zone.name == INTERNAL_ZONE:
            continue
        for host in (zone.hosts or {}):
            result[host] = zone.name
    return result


def zone_rules(vms, zone_of, pinned):
    """vm_host rules keeping instances in their availability zone, when the cloud has more than one.

    pinned: instance name -> the zone it asked for, or None when it asked for none; an instance missing from
    it (microversion < 2.96 shows no pinned_availability_zone) stays in the zone it runs in.
    """
    zones = sorted(set(z for z in zone_of.values() if z))
    if len(zones) < 2:
        return []
    members = {}
    for vm in vms:
        zone = pinned[vm["name"]] if vm["name"] in pinned else zone_of.get(vm["host"])
        if zone:
            members.setdefault(zone, []).append(vm["name"])
    rules = []
    for zone in sorted(members):
        hosts = sorted(h for h, z in zone_of.items() if z == zone)
        rules.append({"name": "availability zone %s" % zone, "kind": "vm_host", "strength": "must",
                      "vms": sorted(members[zone]), "hosts": hosts})
    return rules
