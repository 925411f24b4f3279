"""Runs one nova service from Debian's python3-nova: ``python3 novarun.py SERVICE [nova options]``.

SERVICE is api, conductor, scheduler or compute (the ``nova.cmd.<service>:main`` entry points; the
Debian service packages that wrap them are not needed). For compute, the fake driver's host size is set
from REALNOVA_FAKE_VCPUS, REALNOVA_FAKE_MEMORY_MB and REALNOVA_FAKE_DISK_GB: nova's
``nova.virt.fake.FakeDriver`` reports class attributes (1000 vCPUs, 800000 MB, 600000 GB; its subclass
``SmallFakeDriver``, the base of ``FakeDriverWithPciResources``, 2 vCPUs, 8192 MB, 1028 GB) with no
configuration option, so they are set here, on every fake driver class that defines them, before the
driver is loaded. The PCI devices of ``FakeDriverWithPciResources`` get 4-hex-digit vendor and product
ids (see ``_fit_fake_pci_ids``). The live migration of a server whose name starts with ``held-`` stays
running until it is force-completed or aborted, or for HELD_MIGRATION_SECONDS (see ``_hold_named_migrations``).
"""

import importlib
import json
import os
import sys
import time

SERVICES = ("api", "conductor", "scheduler", "compute")
# ids the PCI devices of the fake driver get here (see _fit_fake_pci_ids); stack.py's [pci] config
# matches the devices by address and type, not by these
FAKE_PCI_VENDOR_ID = "feed"
FAKE_PCI_PRODUCT_ID = "f00d"
# nova's FakeLiveMigrateDriver keeps a live migration running for at most 5 s before completing it: too short
# for a test to act on a running migration on a loaded machine; servers named held-* keep it running longer
HELD_PREFIX = "held-"
HELD_MIGRATION_SECONDS = 120


def _fit_fake_pci_ids(fake):
    """``FakeDriverWithPciResources`` reports vendor_id "fake-vendor_id" and product_id "fake-product_id":
    fine in nova's functional tests (SQLite ignores column lengths), but nova's ``pci_devices`` table has
    ``vendor_id``/``product_id`` ``String(4)`` (nova/db/main/models.py) and MariaDB in oslo.db's
    TRADITIONAL (strict) sql_mode refuses the insert ("Data too long for column 'vendor_id'"), so the
    compute never records its devices. Replace them with 4-hex-digit ids."""
    cls = getattr(fake, "FakeDriverWithPciResources", None)
    if cls is None or getattr(cls.get_available_resource, "_realnova", False):
        return
    original = cls.get_available_resource

    def get_available_resource(self, nodename):
        status = original(self, nodename)
        devices = json.loads(status.get("pci_passthrough_devices") or "[]")
        for dev in devices:
            dev["vendor_id"] = FAKE_PCI_VENDOR_ID
            dev["product_id"] = FAKE_PCI_PRODUCT_ID
        status["pci_passthrough_devices"] = json.dumps(devices)
        return status

    get_available_resource._realnova = True
    cls.get_available_resource = get_available_resource


def _hold_named_migrations(fake):
    """``FakeLiveMigrateDriver.live_migration`` completes a live migration by itself after 5 s unless it is
    force-completed or aborted first. For servers named held-* wait up to HELD_MIGRATION_SECONDS instead, with
    the same ending (the driver's own force-complete and abort flags); every other server is unchanged."""
    cls = getattr(fake, "FakeLiveMigrateDriver", None)
    if cls is None or getattr(cls.live_migration, "_realnova", False):
        return
    original = cls.live_migration

    def live_migration(self, context, instance, dest, post_method, recover_method, block_migration=False,
                       migrate_data=None):
        if not (instance.display_name or "").startswith(HELD_PREFIX):
            return original(self, context, instance, dest, post_method, recover_method, block_migration,
                            migrate_data)
        self._abort_migration = False
        self._migrating = True
        deadline = time.time() + HELD_MIGRATION_SECONDS
        while self._migrating and time.time() < deadline:
            time.sleep(0.1)
        if self._abort_migration:
            return recover_method(context, instance, dest, migrate_data, migration_status="cancelled")
        return post_method(context, instance, dest, block_migration, migrate_data)

    live_migration._realnova = True
    cls.live_migration = live_migration


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SERVICES:
        sys.stderr.write("usage: novarun.py {%s} [nova options]\n" % ",".join(SERVICES))
        return 2
    service = sys.argv[1]
    # nova.cmd's package import applies eventlet's monkey patching: it must come before anything else
    # of nova's is imported.
    module = importlib.import_module("nova.cmd." + service)
    if service == "compute":
        from nova.virt import fake
        sizes = {"vcpus": int(os.environ.get("REALNOVA_FAKE_VCPUS", "8")),
                 "memory_mb": int(os.environ.get("REALNOVA_FAKE_MEMORY_MB", "8192")),
                 "local_gb": int(os.environ.get("REALNOVA_FAKE_DISK_GB", "200"))}
        # Subclasses such as SmallFakeDriver (the base of FakeDriverWithPciResources) set their own
        # sizes: override every class of the module that defines one, not only FakeDriver.
        for cls in vars(fake).values():
            if isinstance(cls, type) and issubclass(cls, fake.FakeDriver):
                for attr, value in sizes.items():
                    if attr in vars(cls):
                        setattr(cls, attr, value)
        _fit_fake_pci_ids(fake)
        _hold_named_migrations(fake)
    sys.argv = ["nova-" + service] + sys.argv[2:]
    return module.main()


if __name__ == "__main__":
    sys.exit(main())
