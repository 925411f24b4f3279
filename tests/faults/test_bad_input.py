# -*- coding: utf-8 -*-
"""Bad input (review §3): refused before any write to the cloud, with a message that says what is wrong."""

import json
import os

import pytest


def connection(cluster, **changes):
    """-e arguments giving the cluster's own connection with some auth settings changed."""
    settings = cluster.inventory("")["vmfleet_connection"]
    settings = dict(settings, auth=dict(settings["auth"], **changes))
    return ["-e", json.dumps({"vmfleet_connection": settings})]


CASES = {
    "update_tasks_missing": (lambda cluster, workdir: [
        "-e", "rolling_update_update_tasks=/nonexistent/vmfleet/patch.yml"],
        r"rolling_update_update_tasks: /nonexistent/vmfleet/patch.yml does not exist"),
    "update_tasks_malformed": (lambda cluster, workdir: [
        "-e", "rolling_update_update_tasks=%s/malformed.yml" % workdir],
        r"malformed.yml is not valid YAML"),
    "max_hosts_down_0_int": (lambda cluster, workdir: ["-e", json.dumps({"rolling_update_max_hosts_down": 0})],
                             r"max_hosts_down must be an integer >= 1 or 'auto', got 0"),
    "max_hosts_down_minus1_int": (lambda cluster, workdir: [
        "-e", json.dumps({"rolling_update_max_hosts_down": -1})],
        r"max_hosts_down must be an integer >= 1 or 'auto', got -1"),
    "max_hosts_down_0_string": (lambda cluster, workdir: ["-e", "rolling_update_max_hosts_down=0"],
                                r"max_hosts_down must be an integer >= 1 or 'auto', got '0'"),
    "max_hosts_down_cap_0": (lambda cluster, workdir: [
        "-e", json.dumps({"rolling_update_max_hosts_down": "auto", "rolling_update_max_hosts_down_cap": 0})],
        r"max_hosts_down_cap must be an integer >= 1, got 0"),
    "host_twice_in_order": (lambda cluster, workdir: [
        "-e", json.dumps({"rolling_update_rolling_order": ["compute-0", "compute-1", "compute-0", "compute-2"]})],
        r"rolling_order lists compute-0 twice"),
    "unknown_host_in_order": (lambda cluster, workdir: [
        "-e", json.dumps({"rolling_update_rolling_order": ["compute-0", "compute-9", "compute-1"]})],
        r"rolling_order names unknown host(s): compute-9"),
    "wrong_password": (lambda cluster, workdir: connection(cluster, password="WRONG"),
                       r"authentication failed at "),
    "unreachable_endpoint": (lambda cluster, workdir: connection(cluster, auth_url="http://127.0.0.1:9/identity"),
                             r"cannot reach the OpenStack API: GET http://127.0.0.1:9/identity: connection refused"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_refused_before_any_change(faults, case):
    """8. Each bad input fails before the first write to the cloud; no lock or running record is left."""
    make_args, message = CASES[case]
    with open(os.path.join(faults.workdir, "malformed.yml"), "w") as handle:
        handle.write("- name: patch\n  ansible.builtin.command: [unclosed\n   - : :\n")
    cluster = faults.nova()
    before = cluster.state()
    cluster.control("DELETE", "/requests")
    rc, output = faults.run(cluster, "bad-1", timeout=120,
                            extra_args=make_args(cluster, faults.workdir))
    after = cluster.state()
    assert rc != 0, "the run did not fail"
    assert message in output, "expected %r in the output; it ends:\n%s" % (message, output[-3000:])
    assert cluster.writes() == [], "writes to the cloud: %s" % cluster.writes()
    assert cluster.vms(after) == cluster.vms(before)
    assert cluster.out_of_service(after) == set()
    assert cluster.lock() is None, "a refused run left a lock: %s" % cluster.lock()
    if case == "wrong_password":
        assert "WRONG" not in output, "the password is in the log"
