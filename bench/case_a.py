"""Benchmark (a): planning time against cluster size, for a whole rollout and a single-host drain.

The whole rollout drains every host in rolling order, N-1 at every step, each step planned on the
state the previous steps leave. Times include parsing the input dicts and rendering the plan.
"""

import gc
import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan
from bench import instances

SIZES = instances.SCALE_SIZES_VM_HOSTS
QUICK_SIZES = SIZES[:3]
REPEATS = 3
ONE_RUN_FROM = 100000
GOALS = {10000: 1.0, 100000: 10.0}  # whole rollout, seconds


def timed(func, repeats):
    """Best wall time of `repeats` runs, and the last result."""
    best, result = None, None
    for _run in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return best, result


def measure(n_vms, n_hosts, repeats):
    """Two rows for one size: the whole rollout and the drain of the first host."""
    inst = instances.scale_instance(n_vms, n_hosts)
    args = (inst["hosts"], inst["vms"], inst["rules"])
    rows = []
    for kind, kwargs in (("rollout", {"rolling_order": inst["rolling_order"]}),
                         ("drain", {"drain_hosts": inst["drain_hosts"]})):
        seconds, plan = timed(lambda: make_plan(*args, **kwargs), repeats)
        steps = plan["rollout"]["steps_checked"] if kind == "rollout" else 1
        rows.append({"kind": kind, "vms": n_vms, "hosts": n_hosts, "rules": len(inst["rules"]),
                     "seconds": seconds, "runs": repeats, "moves": len(plan["moves"]),
                     "feasible": plan["feasible"], "steps": steps,
                     "max_utilization": plan["metrics"]["max_utilization_percent"],
                     "should_violations": plan["metrics"]["should_violations"],
                     "us_per_vm": 1e6 * seconds / n_vms,
                     "goal": GOALS.get(n_vms) if kind == "rollout" else None})
    return rows


def run(quick=False, sizes=None):
    """Rows for every size (the three smaller ones when quick); best of REPEATS below 100,000 VMs."""
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    rows = []
    for n_vms, n_hosts in sizes:
        repeats = 1 if quick or n_vms >= ONE_RUN_FROM else REPEATS
        rows.extend(measure(n_vms, n_hosts, repeats))
    return rows


def table(rows):
    """Section (a) of the benchmark table: time against size, goals beside the rollout times."""
    runs = max([r["runs"] for r in rows] or [1])
    lines = ["(a) planning time against size (hosts at ~80%% memory, 75%% at 5 hosts; ~1 rule per 25 VMs; %s)"
             % ("best of %d runs, 1 run at 100,000 VMs" % runs if runs > 1 else "1 run each"),
             "    %-8s %8s %6s %10s %8s %6s %9s %8s %9s  %s"
             % ("plan", "VMs", "hosts", "seconds", "moves", "steps", "feasible", "max util", "us/VM", "goal")]
    for row in rows:
        goal = ""
        if row["goal"] is not None:
            goal = "< %g s  %s" % (row["goal"], "met" if row["seconds"] < row["goal"] else "NOT MET")
        lines.append("    %-8s %8d %6d %10.3f %8d %6d %9s %7.1f%% %9.1f  %s" % (
            row["kind"], row["vms"], row["hosts"], row["seconds"], row["moves"], row["steps"],
            "yes" if row["feasible"] else "NO", row["max_utilization"], row["us_per_vm"], goal))
    return "\n".join(lines)
