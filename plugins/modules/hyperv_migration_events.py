#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hyperv_migration_events
short_description: Read failed live migrations from the event logs of every node of a Hyper-V cluster
version_added: 0.1.0
description:
  - Reads the live-migration failure events written since O(since) on every node that is not down and parses each
    into the VM, the destination node and the memory it asked for.
  - Event 21502 (source C(Microsoft-Windows-Hyper-V-High-Availability), level Error) is what a live migration to a
    node without enough free memory leaves - for example CAU's default failback, which sends every VM home at once
    while the next node's drain fills the same memory. It reads "Live migration of 'Virtual Machine VM' failed
    ... failed at migration destination 'NODE' ... Not enough memory in the system to start the virtual machine VM
    with ram size N megabytes". Hyper-V writes it on the migration's B(source) node, so every node is read. 22038
    (Hyper-V-High-Availability) and 21024 (Hyper-V-VMMS, the migration failed at its source) are read too by
    default.
  - Messages in English and in Japanese are parsed; the whole message is returned as well.
  - Reading another node's event log from the WinRM endpoint is a second hop that only C(transport=credssp)
    carries. A node that is not down whose log cannot be read fails the task, naming the node, the host's error
    and the fix; "no events" and a log the node does not have are told by their error IDs, so hosts answering in
    any language are read alike. Nodes that are down are skipped and listed in RV(nodes_skipped).
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.winrm
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.READ_ONLY
  - vmfleet.maintenance.attributes.HYPERV
options:
  since:
    description: Only events written at or after this time of the nodes' clock (C(2024-05-14T02:00:00)); all when
      not given.
    type: str
  event_ids:
    description: Event IDs to read.
    type: list
    elements: int
    default: [21502, 22038, 21024]
  logs:
    description: Event logs to read on each node (a log a node does not have is skipped).
    type: list
    elements: str
    default: [System, Microsoft-Windows-Hyper-V-High-Availability-Admin, Microsoft-Windows-Hyper-V-VMMS-Admin]
  max_events:
    description: At most this many events per node and log (the newest).
    type: int
    default: 1000
  fail_on_events:
    description: Fail when any event is found (after returning them), for a check step in a playbook.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Did the CAU run's failback fail for lack of memory?
  vmfleet.maintenance.hyperv_migration_events:
    host: hv01.contoso.local
    transport: credssp
    username: CONTOSO\clusteradmin
    password: "{{ cluster_password }}"
    since: "{{ run_started }}"
    event_ids: [21502]
  register: failures

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.vm }} could not return to {{ item.target }} ({{ item.memory_mb }} MB) at {{ item.time }}"
  loop: "{{ failures.events }}"
'''

RETURN = r'''
events:
  description: The events found, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The event ID.
      type: int
      sample: 21502
    node:
      description: The node whose log holds it; for 21502, the migration's source.
      type: str
      sample: HV03
    log:
      description: The event log it was read from.
      type: str
      sample: Microsoft-Windows-Hyper-V-High-Availability-Admin
    record_id:
      description: The event's record ID in that log.
      type: int
    provider:
      description: The event's source.
      type: str
      sample: Microsoft-Windows-Hyper-V-High-Availability
    level:
      description: The event's level, in the node's language.
      type: str
      sample: Error
    time:
      description: When it was written, by the node's clock.
      type: str
      sample: "2024-05-14T02:41:10"
    vm:
      description: The VM read from the message, or null.
      type: str
      sample: APP017
    target:
      description: The migration's destination node read from the message, or null.
      type: str
      sample: HV01
    memory_mb:
      description: The memory the VM asked for, read from the message, or null.
      type: int
      sample: 16384
    reason:
      description: C(insufficient_memory) when the message says the destination lacked memory, else null.
      type: str
      sample: insufficient_memory
    message:
      description: The whole message.
      type: str
summary:
  description: The events counted.
  returned: always
  type: dict
  contains:
    count:
      description: How many events were found.
      type: int
      sample: 6
    by_id:
      description: Events per event ID.
      type: dict
      sample: {"21502": 6}
    by_target:
      description: Events per destination node.
      type: dict
      sample: {HV01: 6}
    by_vm:
      description: Events per VM.
      type: dict
      sample: {APP017: 1, APP018: 5}
nodes_skipped:
  description: Nodes that are down, whose logs were not read.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import WinRMModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.events import (
    MIGRATION_EVENT_IDS, MIGRATION_EVENT_LOGS, parse_datetime, summarize_events)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.gather import HyperVCluster


class HyperVMigrationEventsModule(WinRMModule):
    argument_spec = dict(
        since=dict(type="str"),
        event_ids=dict(type="list", elements="int", default=list(MIGRATION_EVENT_IDS)),
        logs=dict(type="list", elements="str", default=list(MIGRATION_EVENT_LOGS)),
        max_events=dict(type="int", default=1000),
        fail_on_events=dict(type="bool", default=False),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_whole_run = True  # reads, or converges on the desired state: safe to repeat after an outage

    def run(self):
        params = self.params
        since = parse_datetime(params["since"]).strftime("%Y-%m-%dT%H:%M:%S") if params["since"] else None
        if not params["event_ids"] or not params["logs"] or params["max_events"] < 1:
            self.fail("event_ids and logs must not be empty, and max_events must be at least 1")
        events, skipped = HyperVCluster(self.shell).migration_events(since, params["event_ids"], params["logs"],
                                                                     params["max_events"])
        summary = summarize_events(events)
        self.results.update(events=events, summary=summary, nodes_skipped=skipped)
        if skipped:
            self.ansible.warn("node(s) %s are down: their event logs were not read" % ", ".join(skipped))
        if events and params["fail_on_events"]:
            self.fail("%d live-migration failure event(s) since %s: %s" % (
                len(events), since or "the logs began", "; ".join(
                    "%s to %s on %s (%s)" % (e["vm"], e["target"], e["time"], e["reason"] or "event %s" % e["id"])
                    for e in events[:5])))


def main():
    HyperVMigrationEventsModule()()


if __name__ == "__main__":
    main()
