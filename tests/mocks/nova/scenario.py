"""Scenario files: load the YAML, fill in defaults, reject unknown keys."""

import copy

import yaml

TIMING_DEFAULTS = {
    "schedule": 0.5,          # conductor + scheduler before a move starts
    "queued": 0.5,            # live migration: queued -> preparing
    "preparing": 1.0,         # live migration: preparing -> running
    "post_migrating": 1.0,    # live migration: post-migrating -> completed
    "abort": 0.5,             # running -> cancelled after DELETE
    "cold_phase": 1.0,        # each cold-migration step (3 steps)
    "confirm": 0.5,
    "revert": 1.0,
    "evacuate": 2.0,
    "power": 0.5,             # os-stop / os-start
    "service_down_after": 0.0,  # heartbeat loss noticed after (nova: 60)
    "reboot": 30.0,           # default down time of a host reboot
}

MIGRATION_DEFAULTS = {
    "bandwidth_mb_s": 1000.0,
    "max_concurrent_live_migrations": 1,
    "dirty_floor_percent": 30.0,
}

HOST_DEFAULTS = {
    "memory_mb": 65536,
    "reserved_memory_mb": 512,
    "vcpus": 16,
    "reserved_vcpus": 0,
    "disk_gb": 10240,
    "reserved_disk_gb": 0,
    "ram_allocation_ratio": 1.0,
    "cpu_allocation_ratio": 4.0,
    "disk_allocation_ratio": 1.0,
    "state": "up",
    "status": "enabled",
    "disabled_reason": None,
    "forced_down": False,
    "zone": "nova",
    "host_ip": None,
    "resume_guests_on_boot": True,
    "max_concurrent_live_migrations": None,
}

FLAVOR_DEFAULTS = {"ram": 2048, "vcpus": 1, "disk": 20, "ephemeral": 0,
                   "swap": 0, "extra_specs": {}, "id": None}

INSTANCE_DEFAULTS = {
    "host": None,
    "flavor": None,
    "status": "ACTIVE",
    "project": None,
    "dirty": False,
    "port_resource_request": None,
    "vnic_type": "normal",
    "id": None,
    "availability_zone": None,   # asked for at boot (request spec)
}

GROUP_DEFAULTS = {"policy": None, "members": [], "max_server_per_host": None,
                  "project": None}
GROUP_POLICIES = ("affinity", "anti-affinity", "soft-affinity",
                  "soft-anti-affinity")
DEFAULT_ZONE = "nova"   # nova's [DEFAULT] default_availability_zone

CREDENTIAL_DEFAULTS = {"username": "admin", "password": "secret",
                       "project": "admin", "domain": "Default"}

FAULT_KINDS = ("http_error", "latency", "migration_fail")

TOP_LEVEL = {"credentials", "region", "time_scale", "migration", "timing",
             "hosts", "flavors", "instances", "faults", "description",
             "controller_host", "server_groups", "default_zone_aggregate"}


class ScenarioError(ValueError):
    """The scenario file is malformed."""


def _merge(defaults, given, what):
    unknown = set(given or {}) - set(defaults) - {"name"}
    if unknown:
        raise ScenarioError("unknown key(s) in %s: %s" % (
            what, ", ".join(sorted(unknown))))
    merged = copy.deepcopy(defaults)
    merged.update(given or {})
    return merged


def normalize(raw):
    """Return a complete scenario dict from a partial one."""
    raw = dict(raw or {})
    unknown = set(raw) - TOP_LEVEL
    if unknown:
        raise ScenarioError("unknown top-level key(s): %s" % ", ".join(
            sorted(unknown)))
    out = {
        "description": raw.get("description", ""),
        "credentials": _merge(CREDENTIAL_DEFAULTS, raw.get("credentials"),
                              "credentials"),
        "region": raw.get("region", "RegionOne"),
        "time_scale": float(raw.get("time_scale", 1.0)),
        "controller_host": raw.get("controller_host", "controller-0"),
        "migration": _merge(MIGRATION_DEFAULTS, raw.get("migration"),
                            "migration"),
        "timing": _merge(TIMING_DEFAULTS, raw.get("timing"), "timing"),
        "faults": list(raw.get("faults") or []),
        "default_zone_aggregate": bool(raw.get("default_zone_aggregate",
                                               False)),
    }
    for fault in out["faults"]:
        if not isinstance(fault, dict) or fault.get("kind") not in FAULT_KINDS:
            raise ScenarioError("faults: each needs a kind among %s"
                                % ", ".join(FAULT_KINDS))
    out["hosts"] = []
    for i, host in enumerate(raw.get("hosts") or []):
        if not host.get("name"):
            raise ScenarioError("hosts[%d] has no name" % i)
        merged = _merge(HOST_DEFAULTS, host, "host %s" % host["name"])
        merged["name"] = host["name"]
        if merged["state"] not in ("up", "down"):
            raise ScenarioError("host %s: state must be up or down"
                                % host["name"])
        if merged["status"] not in ("enabled", "disabled"):
            raise ScenarioError("host %s: status must be enabled or disabled"
                                % host["name"])
        merged["host_ip"] = merged["host_ip"] or "192.0.2.%d" % (10 + i)
        out["hosts"].append(merged)
    out["flavors"] = []
    for flavor in raw.get("flavors") or []:
        merged = _merge(FLAVOR_DEFAULTS, flavor, "flavor %s"
                        % flavor.get("name"))
        merged["name"] = flavor["name"]
        out["flavors"].append(merged)
    host_names = {h["name"] for h in out["hosts"]}
    flavor_names = {f["name"] for f in out["flavors"]}
    out["instances"] = []
    for inst in raw.get("instances") or []:
        merged = _merge(INSTANCE_DEFAULTS, inst, "instance %s"
                        % inst.get("name"))
        merged["name"] = inst["name"]
        if merged["host"] not in host_names:
            raise ScenarioError("instance %s: unknown host %r" % (
                inst["name"], merged["host"]))
        if merged["flavor"] not in flavor_names:
            raise ScenarioError("instance %s: unknown flavor %r" % (
                inst["name"], merged["flavor"]))
        if merged["status"] not in ("ACTIVE", "SHUTOFF", "PAUSED", "ERROR"):
            raise ScenarioError("instance %s: status must be ACTIVE, "
                                "SHUTOFF, PAUSED or ERROR" % inst["name"])
        merged["project"] = merged["project"] or out["credentials"]["project"]
        zones = {h["zone"] for h in out["hosts"]}
        if merged["availability_zone"] is not None \
                and merged["availability_zone"] not in zones:
            # nova's API refuses a boot request naming an unknown zone
            raise ScenarioError("instance %s: unknown availability_zone %r "
                                "(no host is in it)" % (
                                    inst["name"], merged["availability_zone"]))
        out["instances"].append(merged)
    out["server_groups"] = _groups(raw.get("server_groups"), out)
    return out


def _groups(raw_groups, out):
    """Validate `server_groups`; members are instance names."""
    names = {i["name"] for i in out["instances"]}
    groups, seen, member_of = [], set(), {}
    for i, group in enumerate(raw_groups or []):
        if not isinstance(group, dict) or not group.get("name"):
            raise ScenarioError("server_groups[%d] has no name" % i)
        name = group["name"]
        if name in seen:
            raise ScenarioError("server group %s is defined twice" % name)
        seen.add(name)
        merged = _merge(GROUP_DEFAULTS, group, "server group %s" % name)
        merged["name"] = name
        if merged["policy"] not in GROUP_POLICIES:
            raise ScenarioError("server group %s: policy must be one of %s"
                                % (name, ", ".join(GROUP_POLICIES)))
        limit = merged["max_server_per_host"]
        if limit is not None:
            # create_v264: rules only with anti-affinity, a positive integer
            if merged["policy"] != "anti-affinity":
                raise ScenarioError("server group %s: max_server_per_host is "
                                    "only for the anti-affinity policy"
                                    % name)
            if isinstance(limit, bool) or not isinstance(limit, int) \
                    or limit < 1:
                raise ScenarioError("server group %s: max_server_per_host "
                                    "must be an integer >= 1" % name)
        members = merged["members"] or []
        if not isinstance(members, list):
            raise ScenarioError("server group %s: members must be a list"
                                % name)
        for member in members:
            if member not in names:
                raise ScenarioError("server group %s: unknown member %r"
                                    % (name, member))
            if member_of.get(member) == name:
                raise ScenarioError("server group %s lists %s twice"
                                    % (name, member))
            if member in member_of:
                # an instance is in at most one group (one 'group' hint)
                raise ScenarioError("instance %s is in server groups %s and "
                                    "%s" % (member, member_of[member], name))
            member_of[member] = name
        merged["members"] = list(members)
        merged["project"] = merged["project"] or out["credentials"]["project"]
        groups.append(merged)
    return groups


def load(path):
    """Read and normalize a scenario YAML file."""
    with open(path, encoding="utf-8") as handle:
        return normalize(yaml.safe_load(handle))
