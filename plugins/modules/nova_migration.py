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
attributes:
  check_mode:
    support: full
    description: Reports the action without taking it.
  diff_mode:
    support: none
    description: The returned migrations show the state.
options:
  server:
    description: Server name or ID.
    type: str
    required: true
  action:
    description:
      - C(list) returns the server's migrations; C(abort) cancels its running live migration (nova 2.24+);
        C(force_complete) pauses the server so the live migration finishes (2.22+); C(confirm) and C(revert)
        end a cold migration waiting in VERIFY_RESIZE.
    type: str
    default: list
    choices: [list, abort, force_complete, confirm, revert]
  migration_id:
    description: The migration to act on; default the server's live migration in progress.
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
  sample: [{id: 42, status: running, migration_type: live-migration, source_compute: compute-1,
            dest_compute: compute-2, memory_remaining_bytes: 104857600}]
server:
  description: C(id), C(name), C(status), C(host) and C(task_state) of the server after the action.
  returned: always
  type: dict
'''

from ansible_collections.vmfleet.maintenance.plugins.module_utils.openstack_base import OpenStackModule

IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")


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
        wanted = self.params["migration_id"]
        for migration in self.conn.compute.server_migrations(server):
            if (wanted and str(migration.id) == str(wanted)) or (not wanted and migration.status in IN_PROGRESS):
                return migration
        self.fail("server %s has no live migration in progress%s" % (
            server.name, " with id %s" % wanted if wanted else ""))
        return None


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
