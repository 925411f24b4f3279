# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where every VM is and how much of each host it uses; updated move by move."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Options:
    """Planning knobs shared by every mode."""

    def __init__(self, scope="running", headroom_percent=0.0, max_parallel_per_host=2,
                 max_parallel_total=0, count_powered_off=False, rolling_order=(), max_hosts_down=1,
                 max_hosts_down_cap=4):
        self.scope = scope
        self.headroom_percent = float(headroom_percent or 0.0)
        self.max_parallel_per_host = 2 if max_parallel_per_host is None else int(max_parallel_per_host)
        self.max_parallel_total = int(max_parallel_total or 0)
        self.count_powered_off = bool(count_powered_off)
        self.rolling_order = tuple(rolling_order or ())
        self.max_hosts_down = max_hosts_down
        self.max_hosts_down_cap = max_hosts_down_cap


class ClusterState:
    """The live picture the planner edits: VM locations and per-host usage."""

    def __init__(self, cluster, options):
        self.cluster = cluster
        self.options = options
        self.location = dict((v.name, v.host) for v in cluster.vms.values())
        self.memory_used = dict((h, 0.0) for h in cluster.hosts)
        self.vcpus_used = dict((h, 0.0) for h in cluster.hosts)
        self.members = {}
        self.residents = dict((h, set()) for h in cluster.hosts)
        for vm in cluster.vms.values():
            self._add(vm, vm.host)

    def snapshot(self):
        """A copy of what moves change, for restore() (a trial drain that is not kept)."""
        return (dict(self.location), dict(self.memory_used), dict(self.vcpus_used),
                dict((k, dict(v)) for k, v in self.members.items()), dict((h, set(v)) for h, v in self.residents.items()))

    def restore(self, saved):
        """Go back to a snapshot (each snapshot is restored at most once)."""
        self.location, self.memory_used, self.vcpus_used, self.members, self.residents = saved

    def counts(self, vm):
        """True when the VM's memory and vCPUs count against its host."""
        return vm.active or self.options.count_powered_off

    def _add(self, vm, host_name):
        self.residents[host_name].add(vm.name)
        if self.counts(vm):
            self.memory_used[host_name] += vm.memory_mb
            self.vcpus_used[host_name] += vm.vcpus
        for rule in self.cluster.rules_of.get(vm.name, ()):
            per_host = self.members.setdefault(id(rule), {})
            per_host[host_name] = per_host.get(host_name, 0) + 1

    def _remove(self, vm, host_name):
        self.residents[host_name].discard(vm.name)
        if self.counts(vm):
            self.memory_used[host_name] -= vm.memory_mb
            self.vcpus_used[host_name] -= vm.vcpus
        for rule in self.cluster.rules_of.get(vm.name, ()):
            per_host = self.members[id(rule)]
            per_host[host_name] -= 1
            if not per_host[host_name]:
                del per_host[host_name]

    def move(self, vm_name, target):
        vm = self.cluster.vms[vm_name]
        source = self.location[vm_name]
        self._remove(vm, source)
        self._add(vm, target)
        self.location[vm_name] = target

    def lift(self, vm_name):
        """Take a VM off its host (it is about to be placed); returns the host it left."""
        vm = self.cluster.vms[vm_name]
        source = self.location.pop(vm_name)
        self._remove(vm, source)
        return source

    def drop(self, vm_name, target):
        """Put a lifted VM on a host."""
        self._add(self.cluster.vms[vm_name], target)
        self.location[vm_name] = target

    def members_on(self, rule, host_name):
        """How many of the rule's VMs sit on the host now."""
        return self.members.get(id(rule), {}).get(host_name, 0)

    def member_hosts(self, rule):
        return self.members.get(id(rule), {})

    def memory_capacity(self, host_name, headroom=True):
        host = self.cluster.hosts[host_name]
        capacity = host.memory_capacity_mb
        if headroom:
            capacity *= 1.0 - self.options.headroom_percent / 100.0
        return capacity

    def fits(self, host_name, memory_mb, vcpus, who=""):
        """None when that much memory and vCPU fits the host's capacity, else a (code, detail) pair."""
        free = self.memory_capacity(host_name) - self.memory_used[host_name]
        if memory_mb > free + 1e-6:
            return ("insufficient_memory", "%s: %sneeds %d MB, %d MB free"
                    % (host_name, who, memory_mb, max(0, int(free))))
        host = self.cluster.hosts[host_name]
        if host.vcpus and vcpus:
            free_vcpus = host.vcpu_capacity - self.vcpus_used[host_name]
            if vcpus > free_vcpus + 1e-9:
                return ("insufficient_vcpu", "%s: %sneeds %g vCPUs, %g free"
                        % (host_name, who, vcpus, max(0, free_vcpus)))
        return None

    def utilization(self, host_name, extra_mb=0.0):
        capacity = self.memory_capacity(host_name, headroom=False)
        if capacity <= 0:
            return 0.0
        return (self.memory_used[host_name] + extra_mb) / capacity

    def hosts_report(self):
        report = {}
        for name in sorted(self.cluster.hosts):
            capacity = self.memory_capacity(name, headroom=False)
            used = self.memory_used[name]
            report[name] = {
                "memory_used_mb": int(round(used)),
                "memory_capacity_mb": int(round(capacity)),
                "utilization_percent": round(100.0 * used / capacity, 2) if capacity else 0.0,
                "vcpus_used": int(round(self.vcpus_used[name])),
                "state": self.cluster.hosts[name].state,
            }
        return report
