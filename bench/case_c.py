"""Benchmark case (c): a CAU cluster whose other nodes nearly fill up, rolled through by every `maintenance_simulate` strategy.

Ten Hyper-V nodes at 87% memory (so that one node out leaves the other nine ~97% full: the remaining
nodes almost use up their memory, where CAU's failback fails with event 21502), about 20 VMs a node of 2-16 GB, updated
one after another. Run from the collection root: `python -m bench.case_c`.
"""

import random

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.simulation.whatif import simulate

GB = 1024
NODES = 10
NODE_MEMORY_MB = 256 * GB
NODE_RESERVED_MB = 8 * GB          # parent partition / host reserve, not usable by VMs
FILL = 0.87                        # of usable memory: one node out leaves the rest ~97% full
VM_SIZES_GB = ((2, 2), (4, 3), (6, 2), (8, 4), (12, 4), (16, 5))   # (size, weight)
BANDWIDTH_MB_S = 1000.0            # per live migration, 10 GbE-ish
MAX_PARALLEL = 2                   # Hyper-V's MaximumVirtualMachineMigrations default
UPDATE_SECONDS = 1200.0
REBOOT_SECONDS = 300.0
SEED = 0
STRATEGIES = ("cau_immediate", "cau_no_failback", "cau_sleep", "vmfleet")   # one host at a time


def scenario(seed=SEED, nodes=NODES, fill=FILL):
    """(hosts, vms, rolling_order): each node filled to just under `fill` with seeded VM sizes."""
    rng = random.Random(seed)
    sizes = [s for s, _w in VM_SIZES_GB]
    weights = [w for _s, w in VM_SIZES_GB]
    hosts, vms = [], []
    usable = NODE_MEMORY_MB - NODE_RESERVED_MB
    for index in range(nodes):
        name = "node%02d" % (index + 1)
        hosts.append({"name": name, "memory_mb": NODE_MEMORY_MB, "reserved_memory_mb": NODE_RESERVED_MB})
        room = fill * usable
        while True:
            size = rng.choices(sizes, weights=weights)[0] * GB
            if size > room:
                size = max([s * GB for s in sizes if s * GB <= room] or [0])
                if not size:
                    break
            vms.append({"name": "vm%03d" % (len(vms) + 1), "host": name, "memory_mb": size})
            room -= size
    return hosts, vms, [h["name"] for h in hosts]


def run(seed=SEED):
    """One row per strategy, with the floors and the two ratios the goals are stated in."""
    hosts, vms, order = scenario(seed)
    result = simulate(hosts, vms, [], rolling_order=order, migration_bandwidth_mb_s=BANDWIDTH_MB_S,
                      max_parallel_per_host=MAX_PARALLEL, update_seconds=UPDATE_SECONDS,
                      reboot_seconds=REBOOT_SECONDS, seed=seed, strategies=STRATEGIES)
    rows = []
    for name, item in result["strategies"].items():
        rows.append({
            "strategy": name,
            "failed_migrations": item["failed_migrations"],
            "cau_would_stop_at": item.get("cau_would_stop_at"),
            "migrations": item["migrations"],
            "migrated_mb": item["migrated_mb"],
            "floor_mb": item["floor_mb"],
            "migrated_over_floor": round(item["migrated_mb"] / float(item["floor_mb"]), 3),
            "makespan_seconds": item["makespan_seconds"],
            "lower_bound_seconds": result["lower_bound_seconds"],
            "makespan_over_bound": round(item["makespan_seconds"] / result["lower_bound_seconds"], 3),
            "peak_utilization_percent": item["peak_utilization_percent"],
            "vms_not_running": item["vms_not_running"],
            "vms_interrupted": item["vms_interrupted"],
            "hosts_updated": item["hosts_updated"],
            "sleep_seconds": result["sleep_seconds"] if name == "cau_sleep" else None,
            "vms": len(vms),
            "hosts": len(hosts),
        })
    return rows


COLUMNS = (  # (row key, title, width, format)
    ("strategy", "strategy", 16, "%s"),
    ("failed_migrations", "failed", 6, "%d"),
    ("cau_would_stop_at", "stops at", 8, "%s"),
    ("migrations", "moves", 5, "%d"),
    ("migrated_mb", "migrated MB", 11, "%d"),
    ("migrated_over_floor", "/floor", 6, "%.3f"),
    ("makespan_seconds", "makespan s", 10, "%.1f"),
    ("makespan_over_bound", "/bound", 6, "%.3f"),
    ("peak_utilization_percent", "peak %", 6, "%.2f"),
    ("vms_not_running", "lost", 4, "%d"),
    ("vms_interrupted", "rebooted", 8, "%d"),
    ("hosts_updated", "updated", 7, "%d"),
)


LEFT = ("strategy", "cau_would_stop_at")  # text columns, aligned left


def _cell(key, text, width):
    return text.ljust(width) if key in LEFT else text.rjust(width)


def _line(row):
    return " ".join(_cell(key, "-" if row[key] is None else fmt % row[key], width)
                    for key, _title, width, fmt in COLUMNS)


def goals(rows):
    """The case's goals for vmfleet (and cau_immediate's failures), each with whether it is met."""
    by_name = dict((r["strategy"], r) for r in rows)
    fleet = by_name.get("vmfleet")
    if not fleet:
        return []
    cau = [r for r in rows if r["strategy"].startswith("cau_")]
    checks = [
        ("vmfleet failed migrations = 0, %d/%d hosts updated" % (fleet["hosts_updated"], fleet["hosts"]),
         fleet["failed_migrations"] == 0 and fleet["hosts_updated"] == fleet["hosts"]),
        ("vmfleet migrated/floor %.3f <= 1.15" % fleet["migrated_over_floor"], fleet["migrated_over_floor"] <= 1.15),
        ("vmfleet makespan/bound %.3f <= 1.10" % fleet["makespan_over_bound"], fleet["makespan_over_bound"] <= 1.10),
        ("vmfleet makespan %.1f s < every CAU (best %.1f s)"
         % (fleet["makespan_seconds"], min([r["makespan_seconds"] for r in cau] or [0.0])),
         all(fleet["makespan_seconds"] < r["makespan_seconds"] for r in cau)),
    ]
    if "cau_immediate" in by_name:
        failed = by_name["cau_immediate"]["failed_migrations"]
        checks.append(("cau_immediate shows failures (%d)" % failed, failed > 0))
    return checks


def table(rows):
    """A fixed-width text table of the rows, with the floors, the scenario and the goals."""
    if not rows:
        return "(c) no rows"
    header = " ".join(_cell(key, title, width) for key, title, width, _fmt in COLUMNS)
    first = rows[0]
    title = ("(c) CAU cluster, nodes nearly full: rolling update of %d nodes, %d VMs at %.0f%% memory, %d MB/s x %d migrations, "
             "update %ds + reboot %ds" % (first["hosts"], first["vms"], FILL * 100, BANDWIDTH_MB_S, MAX_PARALLEL,
                                          UPDATE_SECONDS, REBOOT_SECONDS))
    lines = [title, header, "-" * len(header)]
    lines.extend(_line(row) for row in rows)
    sleep = [r["sleep_seconds"] for r in rows if r["sleep_seconds"] is not None]
    lines.append("floor %d MB, lower bound %.1f s%s" % (
        first["floor_mb"], first["lower_bound_seconds"],
        (", cau_sleep waits %.1f s (1.5 x longest drain)" % sleep[0]) if sleep else ""))
    lines.extend("goal %-6s %s" % ("ok" if met else "MISSED", text) for text, met in goals(rows))
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
