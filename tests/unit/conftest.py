# -*- coding: utf-8 -*-
"""Unit tests import the placement core as ``placement`` and module_utils as the collection."""

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "vmfleet", "maintenance")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(os.path.join("..", "..", "..", ".."), LINK)
for path in (MODULE_UTILS, COLLECTIONS):
    if path not in sys.path:
        sys.path.insert(0, path)
