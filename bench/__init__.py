"""Benchmark of the placement core (issue 2, section 4): `python -m bench.run` or `make bench`.

The benchmark imports the core as the modules and the tests do,
``ansible_collections.vmfleet.maintenance.plugins.module_utils.placement``: from build/collections, where
`make collection` (or a test run) links ansible_collections/vmfleet/maintenance to this repository.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "vmfleet", "maintenance")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(os.path.join("..", "..", "..", ".."), LINK)
if COLLECTIONS not in sys.path:
    sys.path.append(COLLECTIONS)
