# -*- coding: utf-8 -*-
"""The default update of Hyper-V nodes (issue 12 §2): with no rolling_update_update_tasks, each node is patched by
ansible.windows.win_updates delegated to its inventory entry, which reboots it when Windows Update says so.

No Windows host runs here: the nodes' inventory entries use the stand-in connection of
tests/update_defaults/connection_plugins (standin_windows), which answers what the real win_updates and
win_reboot action plugins send over the PowerShell shell (the module's start/poll/cancel operations, the
reboot's boot-time query, shutdown.exe and post-reboot test) as a Windows host with pending updates would, and
takes the mock cluster's node down and up while it "reboots". What is not covered: the win_updates PowerShell
module itself (Windows Update Agent, its scheduled task) and WinRM to a real node."""

import json
import os
import subprocess

import harness

STANDIN_PLUGINS = os.path.join(harness.ROOT, "tests", "update_defaults", "connection_plugins")
DEFAULT_CATEGORIES = ["CriticalUpdates", "SecurityUpdates", "UpdateRollups"]
CUMULATIVE = {"title": "2024-07 Cumulative Update for Microsoft server operating system version 21H2 for x64-based "
                       "Systems (KB5040437)", "kb": ["5040437"], "categories": ["Security Updates"],
              "reboot_required": True}
ROLLUP = {"title": "2024-07 Update Rollup for .NET Framework (KB5039895)", "kb": ["5039895"],
          "categories": ["Update Rollups"], "reboot_required": False}
DRIVER = {"title": "Contoso NIC driver 2.1", "kb": [], "categories": ["Drivers"], "reboot_required": True}


def standin(cluster, workdir, node, updates):
    """Inventory vars of a node's Windows entry reached through the stand-in connection."""
    return {"ansible_connection": "standin_windows", "ansible_shell_type": "powershell",
            "standin_windows_dir": os.path.join(workdir, "windows"), "standin_windows_updates": updates,
            "standin_windows_mock_url": cluster.url, "standin_windows_node": node,
            "standin_windows_reboot_seconds": 1}


def calls(workdir):
    path = os.path.join(workdir, "windows", "calls.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def run(faults, cluster, run_id, **overrides):
    playbook = faults.playbook(cluster, run_id, rolling_update_update_tasks="", **overrides)
    playbook.env["ANSIBLE_CONNECTION_PLUGINS"] = STANDIN_PLUGINS
    rc = playbook.start().wait(240)
    return rc, playbook.output()


def test_windows_update_runs_on_each_node_and_reboots_when_needed(faults):
    """HV01 has a cumulative update that needs a reboot, HV03 a rollup that does not (and a driver outside the
    default categories); the rollout updates those two: win_updates ran delegated to each node's entry with the
    default categories and reboot on; HV01 rebooted once (down in the cluster, then back), HV03 did not (it
    stayed up); the rollout ended ok with every VM running."""
    cluster = faults.hyperv()
    targets = {"hv01.contoso.local": ("HV01", [CUMULATIVE]), "hv03.contoso.local": ("HV03", [ROLLUP, DRIVER])}
    cluster.inventory_targets = dict((host, standin(cluster, faults.workdir, node, updates))
                                     for host, (node, updates) in targets.items())
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = run(faults, cluster, "winupd-1", rolling_update_host_match="short_name",
                     rolling_update_rolling_order=["HV01", "HV03"])
    sampler.stop()
    after = cluster.state()
    report = cluster.report("winupd-1")
    problems = harness.check_invariants(cluster, before, after, sampler, report)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    assert not problems, "\n".join(problems)
    assert report["rolling_order"] == ["HV01", "HV03"], report["rolling_order"]
    assert all(state == "Online" for name, state in cluster.powers(after).items() if name != "OFF01"), \
        cluster.powers(after)

    recorded = calls(faults.workdir)
    starts = [c for c in recorded if c.get("module") == "ansible.windows.win_updates"
              and c["args"]["_operation"] == "start"]
    for call in starts:
        assert call["args"]["category_names"] == DEFAULT_CATEGORIES, call
        assert call["args"]["reboot"] is True and call["args"]["state"] == "installed", call
        assert call["args"]["reboot_timeout"] == 1800 and not call["check_mode"], call
    # win_updates' action searches again after a round that installed something: twice on each node
    assert sorted(c["host"] for c in starts) == ["hv01.contoso.local"] * 2 + ["hv03.contoso.local"] * 2, starts
    for host, (node, _updates) in targets.items():
        assert "[%s -> %s]" % (cluster.name, host) in output, "no task of %s delegated to %s" % (node, host)
    reboots = [c["host"] for c in recorded if c.get("command") == "reboot"]
    assert reboots == ["hv01.contoso.local"], reboots
    assert dict(sampler.went_down) == {"HV01": 1}, sampler.went_down
    assert "HV01 on hv01.contoso.local: 1 update(s) installed (KB5040437); rebooted" in output, output[-3000:]
    assert "HV03 on hv03.contoso.local: 1 update(s) installed (KB5039895); not rebooted (reboot when_needed)" \
        in output, output[-3000:]


def test_failed_windows_update_stops_the_rollout_naming_the_node(faults):
    """Every node's update fails to install (HRESULT WU_E_DOWNLOAD_FAILED; reboot never): the rollout stops at
    the first node with a message naming it and the update; that node stays paused, no other node was touched."""
    cluster = faults.hyperv()
    broken = dict(CUMULATIVE, hresult=-2145124300)   # 0x80240034 as the module returns it (signed)
    cluster.inventory_targets = dict(("hv0%d.contoso.local" % n, standin(cluster, faults.workdir, "HV0%d" % n, [broken]))
                                     for n in (1, 2, 3))
    rc, output = run(faults, cluster, "winupd-2", rolling_update_host_match="short_name",
                     platform_update_reboot="never")
    after = cluster.state()
    report = cluster.report("winupd-2")
    assert rc != 0, "the run did not fail"
    out = cluster.out_of_service(after)
    assert len(out) == 1, out
    node = out.pop()
    host = "%s.contoso.local" % node.lower()
    assert "Windows Update on %s (%s) failed" % (node, host) in output, output[-3000:]
    assert "1 update(s) did not install: %s - Update failed to download" % CUMULATIVE["title"] in output, \
        output[-3000:]
    assert report["status"] != "ok" and node in (report["error"] or ""), report["error"]
    starts = [c for c in calls(faults.workdir) if c.get("module") == "ansible.windows.win_updates"
              and c["args"]["_operation"] == "start"]
    assert [c["host"] for c in starts] == [host], starts
    assert all(c["args"]["reboot"] is False for c in starts), starts
    assert not [c for c in calls(faults.workdir) if c.get("command") == "reboot"]


def test_node_mapped_to_a_non_windows_host_is_refused_before_any_change(faults):
    """HV02 and HV03 map to inventory hosts with a local (Linux) connection: the run stops in preflight naming
    both, before any change in the cluster and before any update ran."""
    cluster = faults.hyperv()
    cluster.inventory_targets = harness.demo.local_hosts(["linux-a", "linux-b"])
    cluster.inventory_targets["hv01.contoso.local"] = standin(cluster, faults.workdir, "HV01", [CUMULATIVE])
    before = cluster.state()
    rc, output = run(faults, cluster, "winupd-3", rolling_update_host_match="short_name",
                     rolling_update_host_map={"HV02": "linux-a", "HV03": "linux-b"})
    after = cluster.state()
    assert rc != 0, "the run did not fail"
    assert "cannot run on the inventory entry of HV02 (linux-a, connection local), HV03 (linux-b, connection " \
           "local): not a Windows connection" in output, output[-3000:]
    assert "Nothing was moved" in output
    scripts = [c["script"] for c in cluster.control("GET", "/commands")]
    changes = [s for s in scripts if any(cmdlet in s for cmdlet in (
        "Suspend-ClusterNode", "Resume-ClusterNode", "Move-ClusterVirtualMachineRole", "Move-VM", "Stop-VM"))]
    assert changes == [], changes
    assert cluster.vms(after) == cluster.vms(before)
    assert cluster.out_of_service(after) == set()
    assert cluster.lock() is None, "a refused run left a lock: %s" % cluster.lock()
    assert cluster.report("winupd-3")["steps"] == []
    assert [c for c in calls(faults.workdir) if c.get("module") == "ansible.windows.win_updates"] == []


def run_one(workdir, label, updates, **knobs):
    """The update tasks file alone on one stand-in node (no cluster): (rc, output)."""
    inventory = os.path.join(workdir, "%s-inventory.json" % label)
    cluster = dict({"ansible_connection": "local", "ansible_python_interpreter": harness.demo.PYTHON,
                    "standin_node": "HV01", "standin_target": "hv01.contoso.local"}, **knobs)
    node = {"ansible_connection": "standin_windows", "ansible_shell_type": "powershell",
            "standin_windows_dir": os.path.join(workdir, label), "standin_windows_updates": updates,
            "standin_windows_reboot_seconds": 0.2}
    with open(inventory, "w") as handle:
        json.dump({"cluster": {"hosts": {"hv-cluster": cluster}}, "windows": {"hosts": {"hv01.contoso.local": node}}},
                  handle)
    env = harness.demo.playbook_env(ansible_dir=workdir, home=os.path.join(workdir, "home"))
    env["ANSIBLE_CONNECTION_PLUGINS"] = STANDIN_PLUGINS
    playbook = os.path.join(harness.ROOT, "tests", "update_defaults", "playbooks", "hyperv_update_one.yml")
    done = subprocess.run([os.path.join(os.path.dirname(harness.demo.PYTHON), "ansible-playbook"), "-i", inventory,
                           playbook], cwd=harness.ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    with open(os.path.join(workdir, label, "calls.jsonl")) as handle:
        recorded = [json.loads(line) for line in handle]
    return done.returncode, done.stdout + done.stderr, recorded


def test_reboot_always_and_never(faults):
    """platform_update_reboot always: an update that needs no reboot, yet the node reboots (win_reboot after
    win_updates). never: win_updates runs with reboot off, the node is not rebooted, and the play warns that it
    needs one. Custom categories reach win_updates as given."""
    rc, output, recorded = run_one(faults.workdir, "always", [ROLLUP], platform_update_reboot="always",
                                   platform_update_categories=["Update Rollups", "SecurityUpdates"])
    assert rc == 0, output[-3000:]
    starts = [c for c in recorded if c.get("module") == "ansible.windows.win_updates" and c["args"]["_operation"] == "start"]
    assert starts and all(c["args"]["reboot"] is True for c in starts), starts
    assert all(c["args"]["category_names"] == ["Update Rollups", "SecurityUpdates"] for c in starts), starts
    assert [c["command"] for c in recorded if c.get("command") == "reboot"] == ["reboot"], recorded
    assert "HV01 on hv01.contoso.local: 1 update(s) installed (KB5039895); rebooted" in output, output[-3000:]

    rc, output, recorded = run_one(faults.workdir, "never", [CUMULATIVE], platform_update_reboot="never")
    assert rc == 0, output[-3000:]
    starts = [c for c in recorded if c.get("module") == "ansible.windows.win_updates" and c["args"]["_operation"] == "start"]
    assert len(starts) == 1 and starts[0]["args"]["reboot"] is False, starts
    assert not [c for c in recorded if c.get("command") == "reboot"], recorded
    assert "HV01 on hv01.contoso.local: 1 update(s) installed (KB5040437); not rebooted (reboot never)" in output
    assert "WARNING: HV01 needs a reboot to finish its updates" in output, output[-3000:]
