#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nova_migration
short_description: List, abort, force-complete, confirm or revert the migrations of one server
version_added: 0.1.0
description:
  - The operator's tool for one server during a drain - what the C(openstack server migration) commands
    do, with check mode and a clear error when the migration is not in a state nova accepts.
author:
  - vmfleet maintainers (@vmfleet)
extends_documentation_fragment:
  - vmfleet.maintenance.openstack
  - vmfleet.maintenance.attributes
  - vmfleet.maintenance.attributes.NOVA
attributes:
  check_mode:
    support: full
    details: Reports the action without taking it.
  diff_mode:
    support: none
    details: RV(migrations) show the state.
options:
  server:
    description: Server name or ID.
    type: str
    required: true
  action:
    description:
      - C(list) returns the server's migrations; C(abort) cancels its live migration (nova 2.24+) while it is
        C(running), or from microversion 2.65 also C(queued) or C(preparing); C(force_complete) pauses the
        server so a C(running) live migration finishes (2.22+); C(confirm) and C(revert) end a cold migration
        waiting in VERIFY_RESIZE.
      - A migration in another state is refused before anything is sent, with nova's rule in the message.
    type: str
    default: list
    choices: [list, abort, force_complete, confirm, revert]
  migration_id:
    description: The migration to act on; default the server's live migration in a state the action accepts.
    type: str
'''

EXAMPLES = r'''
- name: Force a live migration that stopped converging to finish
  vmfleet.maintenance.nova_migration:
    cloud: overcloud
    server: db-1
    action: force_complete

- name: Confirm a cold migration
  vmfleet.maintenance.nova_migration:
    cloud: overcloud
    server: gpu-1
    action: confirm
'''

RETURN = r'''
migrations:
  description: The server's migrations (from os-migrations), newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The migration's ID.
      type: int
      sample: 42
    status:
      description: Its status - C(queued), C(preparing), C(running), C(post-migrating), C(completed), C(finished),
        C(confirmed), C(reverted), C(error), C(cancelled) ...
      type: str
      sample: running
    migration_type:
      description: C(live-migration), C(migration) (cold), C(resize) or C(evacuation).
      type: str
      sample: live-migration
    source_compute:
      description: The host it leaves.
      type: str
      sample: compute-1
    dest_compute:
      description: The host it goes to (null while the scheduler has not chosen one).
      type: str
      sample: compute-2
    created_at:
      description: When it was created.
      type: str
    updated_at:
      description: When it last changed.
      type: str
    memory_total_bytes:
      description: A live migration's memory to copy.
      type: int
      returned: for a live migration in progress, when nova reports it
    memory_processed_bytes:
      description: A live migration's memory copied so far.
      type: int
      returned: for a live migration in progress, when nova reports it
    memory_remaining_bytes:
      description: A live migration's memory left to copy; when it stops falling, the migration does not converge.
      type: int
      returned: for a live migration in progress, when nova reports it
      sample: 104857600
server:
  description: The server after the action.
  returned: always
  type: dict
  contains:
    id:
      description: Its ID.
      type: str
    name:
      description: Its name.
      type: str
      sample: db-1
    status:
      description: Its status.
      type: str
      sample: ACTIVE
    host:
      description: The compute host it is on.
      type: str
      sample: compute-2
    task_state:
      description: The task in progress on it, or null.
      type: str
      sample: migrating
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.base import (
    OpenStackModule, supports_microversion)


class NovaMigrationModule(OpenStackModule):
    argument_spec = dict(
        server=dict(type="str", required=True),
        action=dict(type="str", default="list", choices=["list", "abort", "force_complete", "confirm", "revert"]),
        migration_id=dict(type="str"),
    )
    module_kwargs = dict(supports_check_mode=True)
    retry_unchanged_run = True  # safe to repeat after an outage only until it sets changed (before acting)

    def run(self):
        compute = self.conn.compute
        server = compute.find_server(self.params["server"], all_projects=True, ignore_missing=True)
        if server is None:
            self.fail("no server named or with ID '%s'" % self.params["server"])
        server = compute.get_server(server.id)
        action = self.params["action"]
        if action in ("confirm", "revert"):
            if server.status != "VERIFY_RESIZE":
                self.fail("server %s is %s, not VERIFY_RESIZE: there is no migration to %s"
                          % (server.name, server.status, action))
            self.results["changed"] = True
            if not self.check_mode:
                (compute.confirm_server_resize if action == "confirm" else compute.revert_server_resize)(server)
        elif action in ("abort", "force_complete"):
            migration = self._in_progress(server)
            self.results["changed"] = True
            if not self.check_mode:
                if action == "abort":
                    compute.abort_server_migration(migration, server)
                else:
                    compute.force_complete_server_migration(migration, server)
        server = compute.get_server(server.id)
        self.results["server"] = {"id": server.id, "name": server.name, "status": server.status,
                                  "host": server.compute_host, "task_state": server.task_state}
        self.results["migrations"] = [_migration(m) for m in sorted(
            compute.migrations(instance_uuid=server.id), key=lambda m: (m.created_at or "", m.id), reverse=True)]

    def _in_progress(self, server):
        """The live migration to act on, in a state nova accepts for the action, or fail with nova's rule:
        force-complete needs 'running' (compute/api.py live_migrate_force_complete); abort 'running', and from
        microversion 2.65 also 'queued' or 'preparing' (live_migrate_abort)."""
        action, wanted = self.params["action"], self.params["migration_id"]
        accepted = accepted_states(action, supports_microversion(self.conn.compute, "2.65"))
        rule = "nova %s only a live migration that is %s" % (
            "force-completes" if action == "force_complete" else "aborts", " or ".join(accepted))
        migrations = list(self.conn.compute.server_migrations(server))
        if wanted:
            found = [m for m in migrations if str(m.id) == str(wanted)]
            if not found:
                self.fail("server %s has no live migration in progress with id %s" % (server.name, wanted))
            if found[0].status not in accepted:
                self.fail("live migration %s of server %s is %s: %s" % (wanted, server.name, found[0].status, rule))
            return found[0]
        for migration in migrations:
            if migration.status in accepted:
                return migration
        if migrations:
            self.fail("live migration %s of server %s is %s: %s; try again when it is"
                      % (migrations[0].id, server.name, migrations[0].status, rule))
        self.fail("server %s has no live migration in progress" % server.name)
        return None


def accepted_states(action, abort_before_running):
    """The migration states nova accepts for force_complete or abort."""
    if action == "abort" and abort_before_running:
        return ("running", "queued", "preparing")
    return ("running",)


def _migration(migration):
    keys = ("id", "status", "migration_type", "source_compute", "dest_compute", "created_at", "updated_at")
    item = dict((k, getattr(migration, k, None)) for k in keys)
    for key in ("memory_total_bytes", "memory_processed_bytes", "memory_remaining_bytes"):
        value = getattr(migration, key, None)
        if value is not None:
            item[key] = value
    return item


def main():
    NovaMigrationModule()()


if __name__ == "__main__":
    main()
