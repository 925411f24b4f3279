"""Runs one nova service from Debian's python3-nova: ``python3 novarun.py SERVICE [nova options]``.

SERVICE is api, conductor, scheduler or compute (the ``nova.cmd.<service>:main`` entry points; the
Debian service packages that wrap them are not needed). For compute, the fake driver's host size is set
from REALNOVA_FAKE_VCPUS, REALNOVA_FAKE_MEMORY_MB and REALNOVA_FAKE_DISK_GB: nova's
``nova.virt.fake.FakeDriver`` reports class attributes (1000 vCPUs, 800000 MB, 600000 GB) with no
configuration option, so they are set here before the driver is loaded.
"""

import importlib
import os
import sys

SERVICES = ("api", "conductor", "scheduler", "compute")


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
        fake.FakeDriver.vcpus = int(os.environ.get("REALNOVA_FAKE_VCPUS", "8"))
        fake.FakeDriver.memory_mb = int(os.environ.get("REALNOVA_FAKE_MEMORY_MB", "8192"))
        fake.FakeDriver.local_gb = int(os.environ.get("REALNOVA_FAKE_DISK_GB", "200"))
    sys.argv = ["nova-" + service] + sys.argv[2:]
    return module.main()


if __name__ == "__main__":
    sys.exit(main())
