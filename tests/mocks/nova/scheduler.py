"""Destination checks: nova's filter scheduler, and the forced-host shortcut.

Scheduled moves go through `select`: the placement pre-filters (capacity,
and the availability zone the server asked for at boot), then ComputeFilter,
ServerGroupAntiAffinityFilter and ServerGroupAffinityFilter, then the
weighers (free RAM, soft (anti-)affinity). `late_group_check` is the
server-group check the destination's nova-compute makes once more
(ComputeManager._validate_instance_group_policy), forced hosts included.
"""

# migration statuses nova does not count as in progress
# (db migration_get_in_progress_by_host_and_node)
_NOT_IN_PROGRESS = ("confirmed", "reverted", "error", "failed", "completed",
                    "cancelled", "done")


NO_VALID_HOST = ("No valid host was found. There are not enough hosts "
                 "available.")


class NoDestination(Exception):
    """No host can take the instance; the text is what nova would report."""


def _az_filter(cloud, inst, host):
    """request_filter.map_az_to_placement_aggregate: the zone asked for at
    boot limits placement to the hosts of the aggregate carrying that zone;
    a zone no aggregate carries (the default one, normally) limits nothing.
    """
    zone = inst.requested_az
    if not zone or not cloud.zone_has_aggregate(zone):
        return ""
    if host.zone != zone:
        return ("%s is in availability zone %s, not %s "
                "(map_az_to_placement_aggregate)" % (host.name, host.zone,
                                                     zone))
    return ""


def _members_on(cloud, group, host_name, inst):
    """Other members whose host is `host_name` (HostState.instances)."""
    return [m for m in group.members if m != inst.uuid
            and m in cloud.instances and cloud.instances[m].host == host_name]


def _group_filter(cloud, inst, host):
    """ServerGroupAntiAffinityFilter / ServerGroupAffinityFilter."""
    group = cloud.group_of(inst.uuid)
    if group is None:
        return ""
    if group.policy == "anti-affinity":
        limit = group.max_server_per_host or 1
        count = len(_members_on(cloud, group, host.name, inst))
        if count >= limit:
            return ("%s already holds %d member(s) of anti-affinity group %s "
                    "(max_server_per_host %d) (ServerGroupAntiAffinityFilter)"
                    % (host.name, count, group.name, limit))
    elif group.policy == "affinity":
        # setup_instance_group: group.hosts = group.get_hosts(), the moving
        # instance's own (current) host included
        hosts = cloud.group_hosts(group)
        if hosts and host.name not in hosts:
            return ("%s is not among the hosts of affinity group %s: %s "
                    "(ServerGroupAffinityFilter)" % (
                        host.name, group.name, ", ".join(hosts)))
    return ""


def _filter(cloud, inst, host, resources):
    """Why the scheduler drops `host` ('' when it passes)."""
    service = cloud.compute_service(host.name)
    if service.disabled:
        return "%s is disabled (ComputeFilter)" % host.name
    if not cloud.service_is_up(service):
        return "%s is down (ComputeFilter)" % host.name
    return (cloud.placement.shortfall(host, resources)
            or _az_filter(cloud, inst, host)
            or _group_filter(cloud, inst, host))


def late_group_check(cloud, inst, host_name):
    """The destination compute's own group check ('' when it passes).

    ComputeManager._validate_instance_group_policy: anti-affinity counts the
    other members on the host *and* those in a migration from or to it;
    affinity wants one of the other members' hosts. The text is the
    RescheduledException nova raised up to 2023.1.
    """
    group = cloud.group_of(inst.uuid)
    if group is None:
        return ""
    if group.policy == "anti-affinity":
        here = {i.uuid for i in cloud.instances.values()
                if i.host == host_name}
        here |= {m.instance_uuid for m in cloud.migrations
                 if m.status not in _NOT_IN_PROGRESS
                 and host_name in (m.source_compute, m.dest_compute)}
        others = (here & set(group.members)) - {inst.uuid}
        if len(others) >= (group.max_server_per_host or 1):
            policy = "Anti-affinity"
        else:
            return ""
    elif group.policy == "affinity":
        hosts = cloud.group_hosts(group, exclude=(inst.uuid,))
        if hosts and host_name not in hosts:
            policy = "Affinity"
        else:
            return ""
    else:
        return ""
    return ("Build of instance %s was re-scheduled: %s instance group policy "
            "was violated." % (inst.uuid, policy))


def _weigh(cloud, inst, hosts):
    """Sort survivors best first: RAMWeigher plus the soft-group weighers.

    Each weigher's values are normalized to 0..1 over the candidates and
    multiplied by its multiplier (all 1.0 by default), as nova.weights does.
    """
    def normalize(values):
        if not values:
            return []
        low, high = min(values), max(values)
        if low == high:
            return [0.0] * len(values)
        return [(v - low) / float(high - low) for v in values]

    ram = normalize([cloud.placement.free(h)["MEMORY_MB"] for h in hosts])
    group = cloud.group_of(inst.uuid)
    soft = [0] * len(hosts)
    if group is not None and group.policy in ("soft-affinity",
                                              "soft-anti-affinity"):
        sign = 1 if group.policy == "soft-affinity" else -1
        soft = [sign * len(_members_on(cloud, group, h.name, inst))
                for h in hosts]
    soft = normalize(soft)
    ranked = sorted(zip(hosts, ram, soft),
                    key=lambda x: (-(x[1] + x[2]), x[0].name))
    return [item[0] for item in ranked]


def select(cloud, inst, requested=None, late_check=False):
    """Pick a destination like the filter scheduler would.

    A named host is only a restriction of the candidates: the filters still
    run, so a disabled or full named host fails. The source is never chosen.
    With `late_check`, a host whose compute refuses the group policy is
    dropped and the next one tried (the conductor's retry on a pre-check
    error, or the move's reschedule to an alternate).
    """
    resources = inst.flavor.resources()
    if requested:
        candidates = [cloud.hosts[requested]]
    else:
        candidates = list(cloud.hosts.values())
    passed = []
    reasons = []
    for host in candidates:
        if host.name == inst.host:
            reasons.append("%s is the source" % host.name)
            continue
        reason = _filter(cloud, inst, host, resources)
        if reason:
            reasons.append(reason)
        else:
            passed.append(host)
    for host in _weigh(cloud, inst, passed):
        reason = late_group_check(cloud, inst, host.name) if late_check \
            else ""
        if not reason:
            return host
        reasons.append("%s: %s" % (host.name, reason))
    raise NoDestination("%s (%s)" % (NO_VALID_HOST, "; ".join(reasons)))


def check_forced(cloud, inst, dest_name, what):
    """Checks nova still makes when the caller bypasses the scheduler.

    The destination may be disabled, but it must be up, not the source, and
    have room (placement claims the resources all the same). No scheduler
    filter runs: neither the zone nor the server group is checked here.
    """
    if dest_name == inst.host:
        raise NoDestination("Unable to migrate instance (%s) to current host "
                            "(%s)." % (inst.uuid, dest_name))
    if not cloud.host_is_up(dest_name):
        raise NoDestination("Compute service of %s is unavailable at this "
                            "time." % dest_name)
    host = cloud.hosts[dest_name]
    shortfall = cloud.placement.shortfall(host, inst.flavor.resources())
    if shortfall:
        raise NoDestination("%s: Unable to migrate %s to %s: Lack of "
                            "resources (%s)" % (what, inst.uuid, dest_name,
                                                shortfall))
    return host
