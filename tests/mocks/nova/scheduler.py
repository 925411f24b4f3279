"""Destination checks: nova's filter scheduler, and the forced-host shortcut."""


class NoDestination(Exception):
    """No host can take the instance; the text is what nova would report."""


def _filter(cloud, host, resources):
    """Why the scheduler drops `host` ('' when it passes)."""
    service = cloud.compute_service(host.name)
    if service.disabled:
        return "%s is disabled (ComputeFilter)" % host.name
    if not cloud.service_is_up(service):
        return "%s is down (ComputeFilter)" % host.name
    return cloud.placement.shortfall(host, resources)


def select(cloud, inst, requested=None):
    """Pick a destination like the filter scheduler would.

    A named host is only a restriction of the candidates: the filters still
    run, so a disabled or full named host fails. The source is never chosen.
    Among survivors the host with the most free RAM wins (RAMWeigher).
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
        reason = _filter(cloud, host, resources)
        if reason:
            reasons.append(reason)
        else:
            passed.append(host)
    if not passed:
        raise NoDestination("No valid host was found. There are not enough "
                            "hosts available. (%s)" % "; ".join(reasons))
    passed.sort(key=lambda h: (-cloud.placement.free(h)["MEMORY_MB"], h.name))
    return passed[0]


def check_forced(cloud, inst, dest_name, what):
    """Checks nova still makes when the caller bypasses the scheduler.

    The destination may be disabled, but it must be up, not the source, and
    have room (placement claims the resources all the same).
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
