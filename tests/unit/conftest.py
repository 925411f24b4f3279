# -*- coding: utf-8 -*-
"""Unit tests import the placement core as the top-level package ``placement``."""

import os
import sys

MODULE_UTILS = os.path.join(os.path.dirname(__file__), "..", "..", "plugins", "module_utils")
if os.path.abspath(MODULE_UTILS) not in sys.path:
    sys.path.insert(0, os.path.abspath(MODULE_UTILS))
