"""The rollout output (callback vmfleet.maintenance.rollout) on a real drain of the nova mock: each VM's move as
it progresses and the wait for the host, with no FAILED text unless something failed."""

import os
import re

from module_runner import run_playbook

PLAYBOOK = os.path.join(os.path.dirname(__file__), "playbooks", "drain_and_wait.yml")
OUTPUT = {"ANSIBLE_STDOUT_CALLBACK": "vmfleet.maintenance.rollout"}


def drain(slow_nova, tmp_path, on_stall="abort", dirty=False, **env):
    connection, url, control = slow_nova
    control.set_dirty("db-1", dirty)
    proc = run_playbook(PLAYBOOK, {"nova_connection": connection, "mock_url": url, "on_stall": on_stall,
                                   "progress_file": str(tmp_path / "compute-0.json")},
                        env=dict(OUTPUT, **env), timeout=300)
    return proc, proc.stdout + proc.stderr


def test_healthy_drain_shows_each_move_and_the_wait_without_failed(slow_nova, tmp_path):
    proc, output = drain(slow_nova, tmp_path)
    assert proc.returncode == 0, output[-4000:]
    assert "FAILED" not in output and "RETRYING" not in output, output
    assert "[localhost] Step 1 of 1: host 1 of 1 - compute-0" in output
    assert re.search(r"^\[localhost\] draining compute-0: \d of 4 moved.* \(\d+ s\)$", output, re.M), output
    # a live move seen under way, with its target, method and percent, then every VM's arrival
    assert re.search(r"^\[localhost\]\s+(web-1|web-2|db-1)\s+compute-0 -> compute-\d\s+live\s+moving \d+%$",
                     output, re.M), output
    for vm, method in (("web-1", "live"), ("web-2", "live"), ("db-1", "live"), ("gpu-1", "move")):
        assert re.search(r"^\[localhost\]\s+%s\s+compute-0 -> compute-[123]\s+%s\s+moved$" % (vm, method),
                         output, re.M), (vm, output)
    assert re.search(r"^\[localhost\] compute-0 drained: 4 of 4 moved \(3 live, 1 move\) in \d+ s$", output, re.M)
    assert re.search(r"^\[localhost\] waiting until the compute service is up again on compute-0 "
                     r"\(\d+ s, check \d+ of \d+\)$", output, re.M), output


def test_compact_output_is_one_line_per_event_and_the_log_has_the_full_output(slow_nova, tmp_path):
    log = tmp_path / "ansible.log"
    proc, output = drain(slow_nova, tmp_path, VMFLEET_ROLLOUT_COMPACT="true", ANSIBLE_LOG_PATH=str(log))
    assert proc.returncode == 0, output[-4000:]
    assert "FAILED" not in output and "TASK [" not in output and "ok: [" not in output, output
    lines = [line for line in output.splitlines() if line.startswith("[localhost] draining compute-0: ")]
    assert any(re.search(r": (.*, )?(web-1|web-2|db-1) -> compute-\d live \d+%", line) for line in lines), output
    assert "[localhost] compute-0 drained: 4 of 4 moved (3 live, 1 move)" in output
    assert "[localhost] waiting until the compute service is up again on compute-0 (" in output
    full = log.read_text()
    assert "TASK [Wait for the moves, showing their progress]" in full and "changed: [localhost]" in full, full
    assert re.search(r"\[localhost\]\s+web-1\s+compute-0 -> compute-\d\s+live\s+moved$", full, re.M), full
    assert "RETRYING" not in full and not re.search(r"draining compute-0: .*\(\d+ s\): ", full), full  # no compact line


def test_a_failed_move_is_told_once_as_a_failure(slow_nova, tmp_path):
    """db-1 dirties its memory faster than it is copied and on_stall is fail: the drain stops, and says which VM."""
    proc, output = drain(slow_nova, tmp_path, on_stall="fail", dirty=True, VMFLEET_ROLLOUT_COMPACT="true")
    assert proc.returncode != 0
    assert "RETRYING" not in output
    assert re.search(r"^\[localhost\] draining compute-0: .*db-1 failed: no progress for 3s", output, re.M), output
    assert re.search(r"^\[localhost\] compute-0 drain ended: \d of 4 moved, 1 failed", output, re.M), output
    failures = [line for line in output.splitlines() if "FAILED" in line]
    assert len(failures) == 1 and "db-1" in failures[0], failures
