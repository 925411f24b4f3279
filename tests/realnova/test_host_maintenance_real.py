"""The nova_host_maintenance role on a real nova (the equivalent of its molecule scenario): check mode changes
nothing, one host is patched and its instances come home, a failed host is evacuated, and a second run of the
role changes nothing."""

import os
import re
import subprocess
import sys

from modules_helpers import migration_summary, placement_of, service_states

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "host_maintenance.yml")


def _play(nova, workdir, check=False, fail_host=False):
    extra = {"realnova_connection": nova.cloud_args, "realnova_stack_py": nova.env["stack_py"],
             "realnova_state_dir": nova.env["state_dir"], "realnova_work_dir": workdir,
             "realnova_fail_host": fail_host}
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", __import__("json").dumps(extra),
               PLAYBOOK] + (["--check"] if check else [])
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    return int(re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", proc.stdout).group(1))


def test_host_maintenance_role_on_real_nova(clean_realnova, tmp_path):
    nova = clean_realnova
    nova.boot("web-1", "compute-0")
    nova.boot("db-1", "compute-0", flavor="m1.small")
    nova.boot("off-1", "compute-0")
    nova.stop_server("off-1")
    nova.boot("big-2", "compute-2", flavor="m1.medium")
    nova.boot("app-1", "compute-1")
    before = placement_of(nova)

    _play(nova, str(tmp_path), check=True)
    assert placement_of(nova) == before and migration_summary(nova) == []
    assert service_states(nova)["compute-0"] == ("enabled", "up", False)

    _play(nova, str(tmp_path), fail_host=True)
    after = placement_of(nova)
    # drained from compute-0 (the stopped one too: the role's scope is all) and brought home after its update
    assert after["web-1"] == ("compute-0", "ACTIVE") and after["db-1"] == ("compute-0", "ACTIVE")
    assert after["off-1"] == ("compute-0", "SHUTOFF") and after["app-1"] == ("compute-1", "ACTIVE")
    # evacuated from the failed compute-2, still running
    assert after["big-2"][0] in ("compute-0", "compute-1") and after["big-2"][1] == "ACTIVE"
    records = migration_summary(nova)
    moved_off = set(r[0] for r in records if r[2] == "compute-0")
    moved_home = set(r[0] for r in records if r[3] == "compute-0" and r[1] != "evacuation")
    assert moved_off == moved_home == {"web-1", "db-1", "off-1"}, records
    assert [r for r in records if r[1] == "evacuation"] == [("big-2", "evacuation", "compute-2", after["big-2"][0],
                                                             "done")]
    services = service_states(nova)
    assert services["compute-0"] == ("enabled", "up", False) and services["compute-2"] == ("disabled", "down", True)

    # bring compute-2 back the way nova demands: its nova-compute restarts before forced_down is cleared
    nova.start_compute("compute-2")
    assert _play(nova, str(tmp_path)) == 0  # the run id's marker: compute-0 is done, nothing changes
    assert placement_of(nova) == after
