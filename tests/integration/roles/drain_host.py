"""The drain role on one host of a mock cluster, through ansible-playbook: the per-VM results."""

import json
import os

from module_runner import run_playbook

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "drain_host.yml")


def drain_host(platform, connection, host, tmp_path, **drain):
    """The drain role's per-VM results."""
    results = tmp_path / "results.json"
    proc = run_playbook(PLAYBOOK, {"vmfleet_platform": platform, "vmfleet_connection": connection, "host": host,
                                   "vmfleet_drain": drain, "platform_progress_dir": str(tmp_path / "progress"),
                                   "platform_progress_seconds": 1, "results_file": str(results)}, timeout=180)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return json.loads(results.read_text())
