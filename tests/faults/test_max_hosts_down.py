# -*- coding: utf-8 -*-
"""max_hosts_down (review §3, §5): a string from -e is a number, and steps of k hosts are proven, then run as
proven."""

import json

import harness


def test_max_hosts_down_1_as_string(faults):
    """9. -e rolling_update_max_hosts_down=1 (a string): one host out of service at a time, rollout ok."""
    cluster = faults.nova()
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(cluster, "k1-string", extra_args=["-e", "rolling_update_max_hosts_down=1"])
    sampler.stop()
    after = cluster.state()
    report = cluster.report("k1-string")
    problems = harness.check_invariants(cluster, before, after, sampler, report, max_down=1)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    if sampler.max_out != 1:
        problems.append("at most %d host(s) out of service: no host was ever taken out" % sampler.max_out)
    if report["max_hosts_down"] != 1:
        problems.append("the report's max_hosts_down is %r" % report["max_hosts_down"])
    assert not problems, "\n".join(problems)


def test_max_hosts_down_2_refused_where_n_minus_2_fails(faults):
    """10a. max_hosts_down 2 where one host at a time fits but two do not: refused in preflight, naming the
    step's hosts, nothing changed (and the same cluster is proven feasible one host at a time)."""
    cluster = faults.nova("nova_tight.yaml")
    before = cluster.state()
    rc, output = faults.run(cluster, "k1-check", extra_args=["--check"], label="check-k1")
    assert rc == 0, "one host at a time should be feasible here:\n%s" % output[-3000:]
    cluster.control("DELETE", "/requests")
    rc, output = faults.run(cluster, "k2-tight", extra_args=["-e", json.dumps({"rolling_update_max_hosts_down": 2})])
    after = cluster.state()
    assert rc != 0, "max_hosts_down 2 was not refused"
    assert "the rollout is not feasible: step 2 cannot drain c2, c3" in output, output[-3000:]
    assert "Nothing was moved" in output
    assert cluster.writes() == [], "writes to the cloud: %s" % cluster.writes()
    assert cluster.vms(after) == cluster.vms(before)
    assert cluster.out_of_service(after) == set()
    report = cluster.report("k2-tight")
    assert report["status"] == "failed" and report["left_behind"] == [], report
    assert not [m for s in report["steps"] for m in s["moves"] if m["status"] == "moved"]


def test_max_hosts_down_2_where_n_minus_2_holds(faults):
    """10b. max_hosts_down 2 where two hosts at a time fit: two steps of two hosts, exactly two out at the peak."""
    cluster = faults.nova("nova_roomy.yaml")
    before = cluster.state()
    sampler = faults.sampler(cluster)
    # four updates one after another (10 s down each) plus two drains: about 50 s alone, much more on a busy machine
    rc, output = faults.run(cluster, "k2-roomy", timeout=180,
                            extra_args=["-e", json.dumps({"rolling_update_max_hosts_down": 2})])
    sampler.stop()
    after = cluster.state()
    report = cluster.report("k2-roomy")
    problems = harness.check_invariants(cluster, before, after, sampler, report, max_down=2)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    if sampler.max_out != 2:
        problems.append("at most %d host(s) out of service at once, expected exactly 2; timeline %s"
                        % (sampler.max_out, sampler.timeline))
    groups = sorted(set(tuple(sorted(s["group"])) for s in report["steps"]))
    if groups != [("compute-0", "compute-1"), ("compute-2", "compute-3")]:
        problems.append("steps %s" % groups)
    peaks = [set(hosts) for _t, hosts in sampler.timeline if len(hosts) == 2]
    if sorted(map(sorted, peaks)) != [["compute-0", "compute-1"], ["compute-2", "compute-3"]]:
        problems.append("hosts out of service together: %s" % sampler.timeline)
    assert not problems, "\n".join(problems)


def test_max_hosts_down_auto_goes_two_at_a_time_where_it_can_and_alone_where_it_must(faults):
    """max_hosts_down auto on the cluster where two hosts at a time fail at the second step: c0 and c1 go out
    together, then c2 and c3 each alone (together they cannot be drained); never more than two out, no VM lost."""
    cluster = faults.nova("nova_tight.yaml")
    before = cluster.state()
    sampler = faults.sampler(cluster)
    rc, output = faults.run(cluster, "auto-tight", timeout=180,
                            extra_args=["-e", json.dumps({"rolling_update_max_hosts_down": "auto"})])
    sampler.stop()
    after = cluster.state()
    report = cluster.report("auto-tight")
    problems = harness.check_invariants(cluster, before, after, sampler, report, max_down=2)
    problems += harness.finished_ok(cluster, after, report, rc, output)
    steps = sorted(set((s["step"], tuple(sorted(s["group"]))) for s in report["steps"]))
    if steps != [(1, ("c0", "c1")), (2, ("c2",)), (3, ("c3",))]:
        problems.append("steps %s" % steps)
    together = sorted(sorted(hosts) for _t, hosts in sampler.timeline if len(hosts) == 2)
    if sampler.max_out != 2 or together != [["c0", "c1"]]:
        problems.append("hosts out of service together: %s" % sampler.timeline)
    if report["max_hosts_down"] != "auto":
        problems.append("the report's max_hosts_down is %r" % report["max_hosts_down"])
    if "Steps sized by max_hosts_down auto (at most 4 hosts out at once): 2 + 1 + 1 host(s) in 3 step(s)" not in output:
        problems.append("the plan shown does not say how auto sized the steps")
    assert not problems, "\n".join(problems)
