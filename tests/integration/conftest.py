# -*- coding: utf-8 -*-
"""Integration tests share the module runner (tests/integration/module_runner.py)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
for path in (HERE, ROOT):
    if path not in sys.path:
        sys.path.insert(0, path)
