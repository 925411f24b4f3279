# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The placement core's model: hosts, VMs and rules, parsed and validated from plain dicts.

Every platform adapter produces these dicts; nothing here knows about Ansible or any API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

METHODS = ("live", "quick", "move", "storage", "failover")
HOST_STATES = ("up", "down", "maintenance")
POWER_STATES = ("on", "off", "suspended")
PLACEMENT_RULES = ("affinity", "anti_affinity", "vm_host", "vm_anti_host")
RULE_KINDS = PLACEMENT_RULES + ("disruption_budget",)
STRENGTHS = ("must", "should")
REASON_CODES = (
    "insufficient_memory",
    "insufficient_vcpu",
    "affinity",
    "anti_affinity",
    "vm_host_rule",
    "no_storage_access",
    "no_allowed_method",
    "busy",
    "budget",
)


class PlacementInputError(ValueError):
    """Input the core cannot plan with; the message says which item and what to fix."""


class Host:
    """A hypervisor host and the capacity it offers to VMs."""

    __slots__ = ("name", "memory_mb", "reserved_memory_mb", "vcpus", "cpu_allocation_ratio",
                 "ram_allocation_ratio", "storage", "state", "emergency", "zone")

    def __init__(self, name, memory_mb, reserved_memory_mb=0, vcpus=0, cpu_allocation_ratio=1.0,
                 ram_allocation_ratio=1.0, storage=None, state="up", emergency=False, zone=None):
        self.name = name
        self.memory_mb = memory_mb
        self.reserved_memory_mb = reserved_memory_mb
        self.vcpus = vcpus
        self.cpu_allocation_ratio = cpu_allocation_ratio
        self.ram_allocation_ratio = ram_allocation_ratio
        self.storage = storage
        self.state = state
        self.emergency = emergency
        self.zone = zone

    @property
    def memory_capacity_mb(self):
        """Memory VMs may use: (physical - reserved) x allocation ratio."""
        return max(0.0, (self.memory_mb - self.reserved_memory_mb) * self.ram_allocation_ratio)

    @property
    def vcpu_capacity(self):
        """vCPUs VMs may use, or 0 when vCPUs are not checked on this host."""
        return self.vcpus * self.cpu_allocation_ratio

    def reaches(self, storage_names):
        """True when this host can reach every named storage."""
        return self.storage is None or all(s in self.storage for s in storage_names)


class VM:
    """A virtual machine, where it runs and how it may be moved.

    allow_downtime: its guest may be stopped to move it. stopping_methods: allowed methods the
    downtime policy took out of methods (see downtime.restrict_methods).
    """

    __slots__ = ("name", "host", "memory_mb", "vcpus", "power_state", "storage", "methods", "hold",
                 "managed", "maintenance", "busy", "priority", "depends_on", "home", "allow_downtime",
                 "stopping_methods", "methods_reason")

    def __init__(self, name, host, memory_mb, vcpus=0, power_state="on", storage=(), methods=METHODS,
                 hold=False, managed=True, maintenance=False, busy=False, priority=0, depends_on=(),
                 home=None, allow_downtime=False, methods_reason=None):
        self.name = name
        self.host = host
        self.memory_mb = memory_mb
        self.vcpus = vcpus
        self.power_state = power_state
        self.storage = tuple(storage)
        self.methods = tuple(m for m in METHODS if m in methods)
        self.hold = hold
        self.managed = managed
        self.maintenance = maintenance
        self.busy = busy
        self.priority = priority
        self.depends_on = tuple(depends_on)
        self.home = home
        self.allow_downtime = allow_downtime
        self.stopping_methods = ()
        self.methods_reason = methods_reason

    @property
    def active(self):
        """Powered on or suspended: the VM holds memory on its host."""
        return self.power_state != "off"

    def relocated(self, host):
        """A copy of the VM running on another host, everything else the same."""
        copy = VM(self.name, host, self.memory_mb)
        for slot in self.__slots__:
            if slot != "host":
                setattr(copy, slot, getattr(self, slot))
        return copy


class Rule:
    """A placement rule (affinity, anti_affinity, vm_host, vm_anti_host) or a disruption budget.

    max_per_host: how many VMs of an anti_affinity rule one host may run (nova's max_server_per_host).
    """

    __slots__ = ("name", "kind", "vms", "hosts", "strength", "max_unavailable", "max_per_host")

    def __init__(self, name, kind, vms, hosts=(), strength="must", max_unavailable=1, max_per_host=1):
        self.name = name
        self.kind = kind
        self.vms = tuple(vms)
        self.hosts = frozenset(hosts)
        self.strength = strength
        self.max_unavailable = max_unavailable
        self.max_per_host = max_per_host

    @property
    def is_must(self):
        return self.strength == "must"


class Cluster:
    """Hosts, VMs and rules, indexed by name."""

    def __init__(self, hosts, vms, rules=()):
        self.hosts = dict((h.name, h) for h in hosts)
        self.vms = dict((v.name, v) for v in vms)
        self.rules = list(rules)
        self.rules_of = {}
        for rule in self.rules:
            for vm_name in rule.vms:
                self.rules_of.setdefault(vm_name, []).append(rule)

    def vms_on(self, host_name):
        return [v for v in self.vms.values() if v.host == host_name]


def _number(item, where, key, default, minimum=0, kind=float):
    value = item.get(key)
    if value is None:
        if default is None:
            raise PlacementInputError("%s: '%s' is required" % (where, key))
        value = default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = kind(value)
        except (TypeError, ValueError):
            raise PlacementInputError("%s: '%s' must be a number, got %r" % (where, key, value))
    if value < minimum:
        raise PlacementInputError("%s: '%s' must be >= %s, got %s" % (where, key, minimum, value))
    return kind(value)


def _choice(item, where, key, default, choices):
    value = item.get(key, default)
    if value is None:
        value = default
    if value not in choices:
        raise PlacementInputError("%s: '%s' must be one of %s, got %r" % (where, key, ", ".join(choices), value))
    return value


def _names(item, where, key):
    value = item.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in value):
        raise PlacementInputError("%s: '%s' must be a list of names" % (where, key))
    return list(value)


def _name(item, kind, index):
    if not isinstance(item, dict):
        raise PlacementInputError("%s #%d must be a dict, got %r" % (kind, index + 1, item))
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise PlacementInputError("%s #%d has no 'name'" % (kind, index + 1))
    return name


def parse_host(item, index=0):
    name = _name(item, "host", index)
    where = "host '%s'" % name
    storage = item.get("storage")
    return Host(
        name=name,
        memory_mb=_number(item, where, "memory_mb", None),
        reserved_memory_mb=_number(item, where, "reserved_memory_mb", 0),
        vcpus=_number(item, where, "vcpus", 0),
        cpu_allocation_ratio=_number(item, where, "cpu_allocation_ratio", 1.0),
        ram_allocation_ratio=_number(item, where, "ram_allocation_ratio", 1.0),
        storage=None if storage is None else frozenset(_names(item, where, "storage")),
        state=_choice(item, where, "state", "up", HOST_STATES),
        emergency=bool(item.get("emergency", False)),
        zone=item.get("zone"),
    )


def parse_vm(item, index=0):
    name = _name(item, "vm", index)
    where = "vm '%s'" % name
    host = item.get("host")
    if not isinstance(host, str) or not host:
        raise PlacementInputError("%s: 'host' is required (the host it runs on)" % where)
    methods = _names(item, where, "methods") if item.get("methods") is not None else list(METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise PlacementInputError("%s: unknown method(s) %s; allowed: %s"
                                  % (where, ", ".join(unknown), ", ".join(METHODS)))
    return VM(
        name=name,
        host=host,
        memory_mb=_number(item, where, "memory_mb", None),
        vcpus=_number(item, where, "vcpus", 0),
        power_state=_choice(item, where, "power_state", "on", POWER_STATES),
        storage=_names(item, where, "storage"),
        methods=methods,
        hold=bool(item.get("hold", False)),
        managed=bool(item.get("managed", True)),
        maintenance=bool(item.get("maintenance", False)),
        busy=bool(item.get("busy", False)),
        priority=_number(item, where, "priority", 0, minimum=float("-inf")),
        depends_on=_names(item, where, "depends_on"),
        home=item.get("home"),
        allow_downtime=bool(item.get("allow_downtime", False)),
        methods_reason=item.get("methods_reason"),
    )


def parse_rule(item, index=0):
    if not isinstance(item, dict):
        raise PlacementInputError("rule #%d must be a dict, got %r" % (index + 1, item))
    name = item.get("name") or "rule-%d" % (index + 1)
    where = "rule '%s'" % name
    kind = _choice(item, where, "kind", None, RULE_KINDS) if item.get("kind") else None
    if kind is None:
        raise PlacementInputError("%s: 'kind' is required, one of %s" % (where, ", ".join(RULE_KINDS)))
    vms = _names(item, where, "vms")
    if not vms:
        raise PlacementInputError("%s: 'vms' must name at least one VM" % where)
    hosts = _names(item, where, "hosts")
    if kind in ("vm_host", "vm_anti_host") and not hosts:
        raise PlacementInputError("%s: a %s rule needs 'hosts'" % (where, kind))
    return Rule(
        name=name,
        kind=kind,
        vms=vms,
        hosts=hosts,
        strength=_choice(item, where, "strength", "must", STRENGTHS),
        max_unavailable=int(_number(item, where, "max_unavailable", 1)),
        max_per_host=_max_per_host(item, where, kind),
    )


def _max_per_host(item, where, kind):
    if item.get("max_per_host") is None:
        return 1
    if kind != "anti_affinity":
        raise PlacementInputError("%s: max_per_host applies to anti_affinity rules only" % where)
    value = _number(item, where, "max_per_host", 1)
    if value < 1 or int(value) != value:
        raise PlacementInputError("%s: max_per_host must be a whole number >= 1, got %r" % (where, value))
    return int(value)


def build_cluster(hosts, vms, rules=()):
    """Parse and cross-check hosts, VMs and rules; raise PlacementInputError on the first problem."""
    host_objs = [parse_host(h, i) for i, h in enumerate(hosts or [])]
    vm_objs = [parse_vm(v, i) for i, v in enumerate(vms or [])]
    rule_objs = [parse_rule(r, i) for i, r in enumerate(rules or [])]
    _unique("host", [h.name for h in host_objs])
    _unique("vm", [v.name for v in vm_objs])
    for host in host_objs:
        if host.memory_mb <= 0:
            raise PlacementInputError("host '%s': 'memory_mb' must be > 0" % host.name)
        if host.reserved_memory_mb > host.memory_mb:
            raise PlacementInputError("host '%s': reserved_memory_mb exceeds memory_mb" % host.name)
    host_names = set(h.name for h in host_objs)
    vm_names = set(v.name for v in vm_objs)
    for vm in vm_objs:
        if vm.host not in host_names:
            raise PlacementInputError("vm '%s' runs on host '%s', which is not in hosts" % (vm.name, vm.host))
        missing = [d for d in vm.depends_on if d not in vm_names]
        if missing:
            raise PlacementInputError("vm '%s' depends_on unknown VM(s): %s" % (vm.name, ", ".join(missing)))
        if vm.home is not None and vm.home not in host_names:
            raise PlacementInputError("vm '%s': home '%s' is not in hosts" % (vm.name, vm.home))
    for rule in rule_objs:
        unknown = [n for n in rule.vms if n not in vm_names]
        if unknown:
            raise PlacementInputError("rule '%s' names unknown VM(s): %s" % (rule.name, ", ".join(unknown)))
        unknown = sorted(n for n in rule.hosts if n not in host_names)
        if unknown:
            raise PlacementInputError("rule '%s' names unknown host(s): %s" % (rule.name, ", ".join(unknown)))
    return Cluster(host_objs, vm_objs, rule_objs)


def _unique(kind, names):
    seen = set()
    for name in names:
        if name in seen:
            raise PlacementInputError("%s '%s' is listed twice" % (kind, name))
        seen.add(name)
