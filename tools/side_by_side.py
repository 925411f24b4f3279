# -*- coding: utf-8 -*-
"""Several clusters in one run: how close the total comes to the slowest cluster's own time (issue 13 §1).

A measurement, not a test (make test does not run it):
    .venv/bin/python tools/side_by_side.py [--more 4,6] [--cores 0] [--reboot-seconds 2]
It runs playbooks/rolling_update.yml on the demo's mock clusters (tools/demo.py's launchers)
  1. each cluster alone (nova, vSphere, Hyper-V),
  2. the three together,
  3. more clusters together, for each count of --more (a second vSphere cluster, then a second Hyper-V and a
     second nova cluster, and so on in that order),
and prints each cluster's start and end in its run, each run's total, the slowest cluster alone and
total / slowest alone (the target is at most 1.2), with the CPU the run used: the machine's busy share over
the run (all processes, not only ours) and the playbook's own CPU seconds.

--cores runs the playbook (and every process it starts) on those CPUs only, as a smaller controller would; the
mocks, which stand in for the clusters' own services, keep every CPU. --reboot-seconds sets how long a mock
host takes to patch and reboot (the demo's 2 s, a real host 20 minutes and more): the controller's work per
step stays the same, so the longer the update, the smaller its share.
Files under build/side_by_side/<run>/<cluster>/.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import demo  # noqa: E402  pylint: disable=wrong-import-position

OUT = os.path.join(demo.ROOT, "build", "side_by_side")
LAUNCHERS = {"nova": demo.NovaDemo, "vsphere": demo.VsphereDemo, "hyperv": demo.HyperVDemo}


def launcher(platform, name, workdir):
    os.makedirs(workdir)
    return LAUNCHERS[platform](workdir=workdir, name=name)


def cpu_ticks():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def inventory(clusters, run_id, reboot_seconds=None):
    """Every cluster in one inventory. Two mocks of a platform name their hosts alike, so each cluster's update
    targets are named <cluster>--<host> and its rolling_update_host_map points there."""
    hosts, targets = {}, {}
    for cluster in clusters:
        names = cluster.host_names()
        host_vars = cluster.inventory(run_id)
        if reboot_seconds is not None:
            host_vars["mock_reboot_seconds"] = reboot_seconds
        host_vars["rolling_update_host_map"] = dict((n, "%s--%s" % (cluster.name, n)) for n in names)
        hosts[cluster.name] = host_vars
        targets.update(demo.local_hosts("%s--%s" % (cluster.name, n) for n in names))
    return {"vmfleet_clusters": {"hosts": hosts}, "vmfleet_update_targets": {"hosts": targets}}


def run(label, platforms, cores=None, reboot_seconds=None):
    """One playbook run over the clusters given as [(platform, name)], on the CPUs `cores` (all when None):
    (total seconds, {name: (start, end, status, hosts updated)}, machine busy share, playbook CPU seconds, rc)."""
    workdir = os.path.join(OUT, label)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    run_id = "sbs-%s-%s" % (label, time.strftime("%Y%m%d-%H%M%S"))
    clusters = []
    try:
        for platform, name in platforms:
            clusters.append(launcher(platform, name, os.path.join(workdir, name)).start())
        inventory_path = os.path.join(workdir, "inventory.json")
        with open(inventory_path, "w") as handle:
            json.dump(inventory(clusters, run_id, reboot_seconds), handle, indent=2)
        busy0, all0 = cpu_ticks()
        usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        result = subprocess.run(demo.playbook_command(inventory_path, forks=max(5, len(clusters))),
                                cwd=demo.ROOT, env=demo.playbook_env(), check=False, capture_output=True, text=True,
                                preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
        total = time.time() - started
        usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy1, all1 = cpu_ticks()
        with open(os.path.join(workdir, "ansible.log"), "w") as handle:
            handle.write(result.stdout + result.stderr)
        outcome = {}
        for cluster in clusters:
            with open(demo.report_path(cluster, run_id)) as handle:
                report = json.load(handle)
            start, end = demo.cluster_span(report, started)
            outcome[cluster.name] = (start, end, report["status"], report["summary"]["hosts_updated"])
        busy_share = float(busy1 - busy0) / max(1, all1 - all0)
        playbook_cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        return total, outcome, busy_share, playbook_cpu, result.returncode
    finally:
        for cluster in clusters:
            cluster.stop()


def show(label, measured):
    total, outcome, busy_share, playbook_cpu, rc = measured
    print("%s: total %.1f s, rc %d; machine busy %.0f%% of %d cores, playbook CPU %.0f s (%.2f cores)" % (
        label, total, rc, 100 * busy_share, os.cpu_count(), playbook_cpu, playbook_cpu / total))
    for name, (start, end, status, updated) in sorted(outcome.items(), key=lambda item: item[1]):
        print("  %-22s %-6s %d host(s) updated, from %6.1f s to %6.1f s (%6.1f s)" % (
            name, status, updated, start, end, end - start))
    sys.stdout.flush()


def clusters_of(count):
    """The demo's three clusters, then a second vSphere, Hyper-V and nova cluster, a third, ... up to count."""
    order = ("nova", "vsphere", "hyperv") + ("vsphere", "hyperv", "nova") * ((count + 2) // 3)
    seen = {}
    chosen = []
    for platform in order[:count]:
        seen[platform] = seen.get(platform, 0) + 1
        chosen.append((platform, "demo-%s-%d" % (platform, seen[platform])))
    return chosen


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--more", default="4,6", help="cluster counts to run after the three (comma-separated; "
                        "an empty string for none)")
    parser.add_argument("--cores", default="", help="CPUs the playbook runs on, e.g. 0 or 0,1 (default: all)")
    parser.add_argument("--reboot-seconds", type=int, default=None, help="how long a mock host takes to patch "
                        "and reboot (default: the demo's 2; the nova demo cloud runs its clock 60 times faster)")
    return parser.parse_args(argv)


def main(argv=None):
    options = arguments(sys.argv[1:] if argv is None else argv)
    cores = set(int(c) for c in options.cores.split(",") if c.strip()) or None
    more = [int(n) for n in options.more.split(",") if n.strip()]
    usable = len(cores) if cores else os.cpu_count()
    print("controller: %d core(s) for the playbook; a mock host's update takes %s s" % (
        usable, options.reboot_seconds if options.reboot_seconds is not None else "2 (the demo's)"))
    os.makedirs(OUT, exist_ok=True)
    alone = {}
    for platform in ("nova", "vsphere", "hyperv"):
        measured = run("alone-%s" % platform, [(platform, "demo-%s" % platform)], cores, options.reboot_seconds)
        show("alone %s" % platform, measured)
        alone[platform] = measured[0]
    slowest = max(alone.values())
    print("slowest alone: %.1f s (%s)" % (slowest, max(alone, key=alone.get)))

    ratios = []
    for count in [3] + more:
        label = "together-%d" % count
        measured = run(label, clusters_of(count), cores, options.reboot_seconds)
        show(label, measured)
        ratios.append(measured[0] / slowest)
        print("  %s: %.1f clusters per core; total / slowest alone = %.1f / %.1f = %.2f (target <= 1.2)" % (
            label, float(count) / usable, measured[0], slowest, measured[0] / slowest))
    with open("/proc/loadavg") as handle:
        print("load average now: %s" % handle.read().strip())
    return 0 if all(ratio <= 1.2 for ratio in ratios) else 1


if __name__ == "__main__":
    sys.exit(main())
