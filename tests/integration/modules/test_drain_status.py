# -*- coding: utf-8 -*-
"""drain_status through ansible-playbook: its action plugin reads a background job's files on the controller."""

import os

from module_runner import run_playbook


def test_drain_status_follows_a_background_job_by_id_and_by_file(tmp_path):
    playbook = os.path.join(os.path.dirname(__file__), "playbooks", "drain_status.yml")
    proc = run_playbook(playbook, extra_vars={"progress": str(tmp_path / "progress.json")},
                        env={"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout and "ignored=2" in proc.stdout
