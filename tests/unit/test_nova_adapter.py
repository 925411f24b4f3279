# -*- coding: utf-8 -*-
"""The nova adapter's handling of what openstacksdk and nova refuse, on a stub connection."""

import types

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.runner import MoveRefused
from ansible_collections.vmfleet.maintenance.plugins.module_utils.nova.moves import NovaMoveAdapter


class StubCompute:
    def __init__(self):
        self.calls = []

    def migrations(self, **query):
        return []

    def migrate_server(self, server, host=None):
        # what openstacksdk 4.22 server.migrate does on a cloud older than 2.56
        raise ValueError("The 'host' option is only supported on microversion 2.56 or greater.")


def test_cold_migration_to_a_host_on_a_cloud_older_than_2_56_is_refused_with_the_reason():
    conn = types.SimpleNamespace(compute=StubCompute(), vmfleet_retry_seconds=0)
    server = types.SimpleNamespace(id="1", name="vm", vm_state="active", status="ACTIVE")
    adapter = NovaMoveAdapter(conn, {"vm": server})
    with pytest.raises(MoveRefused, match="2.56") as refused:
        adapter.start({"vm": "vm", "source": "a", "target": "b"}, "move")
    assert not refused.value.target_refused
