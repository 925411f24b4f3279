"""Benchmark case (d): k-parallel rollouts, one host at a time against fixed groups and auto.

Clusters of 16 hosts (500 VMs) and 64 hosts (2,000 VMs) from `instances.scale_instance` at 50, 65
and 80% memory, every host updated (1,200 s) and rebooted (300 s), live migrations at 1,000 MB/s, two
at a time per host. `maintenance_simulate`'s strategies vmfleet (k = 1), vmfleet_fixed (k = 4) and
vmfleet_auto (cap 4). Run from the collection root: `python -m bench.case_d`.
"""

import sys
import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.planner import make_plan
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation.whatif import simulate
from bench.instances import scale_instance

SIZES = ((16, 500), (64, 2000))      # (hosts, VMs)
FILLS = (0.50, 0.65, 0.80)
BANDWIDTH_MB_S = 1000.0
MAX_PARALLEL = 2
UPDATE_SECONDS = 1200.0
REBOOT_SECONDS = 300.0
FIXED_K = 4
AUTO_CAP = 4
STRATEGIES = ("vmfleet", "vmfleet_fixed", "vmfleet_auto")
GOAL_CASE = (64, 0.50)               # where goals ii-iv are stated
PLANNING_HOSTS, PLANNING_VMS, PLANNING_REPEAT, PLANNING_LIMIT_SECONDS = 64, 2000, 3, 2.0


def run(quick=False):
    """{"rows": one per (case, strategy), "planning": [(fill, best seconds)]}; quick: 64 hosts at 50% only
    for the simulation, one planning run a fill."""
    cases = [GOAL_CASE] if quick else [(n, f) for n, _vms in SIZES for f in FILLS]
    vm_counts = dict(SIZES)
    rows = []
    for n_hosts, fill in cases:
        rows.extend(simulate_case(n_hosts, vm_counts[n_hosts], fill))
    repeat = 1 if quick else PLANNING_REPEAT
    planning = [(fill, planning_seconds(fill, repeat)) for fill in FILLS]
    return {"rows": rows, "planning": planning, "quick": quick}


def simulate_case(n_hosts, n_vms, fill):
    """One row per strategy for one cluster, with the ratios the goals are stated in."""
    instance = scale_instance(n_vms, n_hosts, fill=fill)
    result = simulate(instance["hosts"], instance["vms"], instance["rules"],
                      rolling_order=instance["rolling_order"], migration_bandwidth_mb_s=BANDWIDTH_MB_S,
                      max_parallel_per_host=MAX_PARALLEL, update_seconds=UPDATE_SECONDS,
                      reboot_seconds=REBOOT_SECONDS, strategies=STRATEGIES, max_hosts_down=FIXED_K,
                      max_hosts_down_cap=AUTO_CAP)
    one_at_a_time = result["strategies"]["vmfleet"]["makespan_seconds"]
    rows = []
    for name, item in result["strategies"].items():
        rows.append({
            "case": "%d/%d %.0f%%" % (n_hosts, n_vms, fill * 100),
            "hosts": n_hosts,
            "vms": n_vms,
            "fill": fill,
            "strategy": name,
            "steps": item["steps"],
            "largest_step": item["largest_step"],
            "failed_migrations": item["failed_migrations"],
            "makespan_seconds": item["makespan_seconds"],
            "over_k1": round(item["makespan_seconds"] / one_at_a_time, 3) if one_at_a_time else 0.0,
            "lower_bound_seconds": item["lower_bound_seconds"],
            "over_bound": round(item["makespan_seconds"] / item["lower_bound_seconds"], 3),
            "migrated_over_floor": round(item["migrated_mb"] / float(item["floor_mb"]), 3),
            "peak_utilization_percent": item["peak_utilization_percent"],
            "hosts_updated": item["hosts_updated"],
            "plan_feasible": item["plan_feasible"],
        })
    return rows


def planning_seconds(fill, repeat):
    """Best wall-clock time of make_plan(max_hosts_down="auto") on the 64-host, 2,000-VM instance."""
    instance = scale_instance(PLANNING_VMS, PLANNING_HOSTS, fill=fill)
    best = None
    for _attempt in range(repeat):
        start = time.perf_counter()
        make_plan(instance["hosts"], instance["vms"], instance["rules"], rolling_order=instance["rolling_order"],
                  max_parallel_per_host=MAX_PARALLEL, max_hosts_down="auto", max_hosts_down_cap=AUTO_CAP)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


COLUMNS = (  # (row key, title, width, format)
    ("case", "case", 13, "%s"),
    ("strategy", "strategy", 13, "%s"),
    ("steps", "steps", 5, "%d"),
    ("largest_step", "largest", 7, "%d"),
    ("failed_migrations", "failed", 6, "%d"),
    ("makespan_seconds", "makespan s", 10, "%.1f"),
    ("over_k1", "/k=1", 5, "%.3f"),
    ("over_bound", "/bound", 6, "%.3f"),
    ("migrated_over_floor", "MB/floor", 8, "%.3f"),
    ("peak_utilization_percent", "peak %", 6, "%.2f"),
    ("hosts_updated", "updated", 7, "%d"),
    ("plan_feasible", "proven", 6, "%s"),
)
LEFT = ("case", "strategy")


def _cell(key, text, width):
    return text.ljust(width) if key in LEFT else text.rjust(width)


def _text(row, key, fmt):
    """A cell's text: the proof as yes/NO; times and ratios as "-" when the rollout stopped before any host."""
    if key == "plan_feasible":
        return "yes" if row[key] else "NO"
    if not row["hosts_updated"] and key in ("makespan_seconds", "over_k1", "over_bound", "migrated_over_floor"):
        return "-"
    return fmt % row[key]


def _line(row):
    return " ".join(_cell(key, _text(row, key, fmt), width) for key, _title, width, fmt in COLUMNS)


def goals(result):
    """(text, met) for goals i-v of case (d)."""
    rows = result["rows"]
    auto = [r for r in rows if r["strategy"] == "vmfleet_auto"]
    proven = [r for r in auto if r["failed_migrations"] == 0 and r["plan_feasible"]
              and r["hosts_updated"] == r["hosts"]]
    checks = [("i   auto: 0 failed migrations and every step proven in every case (%d/%d cases)"
               % (len(proven), len(auto)), bool(auto) and len(proven) == len(auto))]
    goal = [r for r in auto if (r["hosts"], r["fill"]) == GOAL_CASE]
    if goal:
        row = goal[0]
        where = "%d hosts at %.0f%%" % (GOAL_CASE[0], GOAL_CASE[1] * 100)
        checks.extend([
            ("ii  %s: auto makespan %.3f x k=1 <= 0.35" % (where, row["over_k1"]), row["over_k1"] <= 0.35),
            ("iii %s: auto migrated/floor %.3f <= 1.15" % (where, row["migrated_over_floor"]),
             row["migrated_over_floor"] <= 1.15),
            ("iv  %s: auto makespan/bound %.3f <= 1.10" % (where, row["over_bound"]), row["over_bound"] <= 1.10),
        ])
    slowest = max([seconds for _fill, seconds in result["planning"]] or [0.0])
    checks.append(("v   planning a %d-host auto rollout with %d VMs: %s (best of %d) < %.0f s"
                   % (PLANNING_HOSTS, PLANNING_VMS,
                      ", ".join("%.2f s at %.0f%%" % (s, f * 100) for f, s in result["planning"]),
                      1 if result["quick"] else PLANNING_REPEAT, PLANNING_LIMIT_SECONDS),
                   slowest < PLANNING_LIMIT_SECONDS))
    return checks


def table(result):
    """A fixed-width text table: the rows, the bound stated, the goals, and auto's ratios in every case."""
    rows = result["rows"]
    if not rows:
        return "(d) no rows"
    header = " ".join(_cell(key, title, width) for key, title, width, _fmt in COLUMNS)
    sizes = sorted(set((r["hosts"], r["vms"]) for r in rows))
    fills = sorted(set(r["fill"] for r in rows))
    title = ("(d) k-parallel rollouts: %s at %s%% memory, %d MB/s x %d migrations, update %ds + reboot %ds; "
             "k=1, fixed k=%d, auto cap %d"
             % (", ".join("%d hosts/%d VMs" % size for size in sizes), "/".join("%.0f" % (f * 100) for f in fills),
                BANDWIDTH_MB_S, MAX_PARALLEL, UPDATE_SECONDS, REBOOT_SECONDS, FIXED_K, AUTO_CAP))
    lines = [title, header, "-" * len(header)]
    lines.extend(_line(row) for row in rows)
    lines.append("bound: each host is out of service >= L = drain (max(largest VM / bw, its VMs / (%d x bw))) + update "
                 "+ reboot; with <= K out at once," % MAX_PARALLEL)
    lines.append("       makespan >= max(max L, sum L / K, sum of the ceil(N/K) smallest L), K = min(k or cap, "
                 "hosts the others' capacity lets out)")
    lines.extend("goal %-6s %s" % ("ok" if met else "MISSED", text) for text, met in goals(result))
    lines.append("info auto's migrated/floor and makespan/bound in every case (goals iii and iv are stated at %d hosts, "
                 "%.0f%%: the first step's VMs necessarily move twice, a quarter of them with 16 hosts):"
                 % (GOAL_CASE[0], GOAL_CASE[1] * 100))
    for n_hosts, _vms in SIZES:
        auto = ["%s %.3f / %.3f" % (r["case"], r["migrated_over_floor"], r["over_bound"])
                for r in rows if r["strategy"] == "vmfleet_auto" and r["hosts"] == n_hosts and r["hosts_updated"]]
        if auto:
            lines.append("     " + "; ".join(auto))
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run(quick="--quick" in sys.argv[1:])))
