# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files the rollout keeps on the controller: written atomically, read back tolerantly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile


def write_atomically(path, content):
    """Write bytes to a temporary file next to path, then rename it into place."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temp, 0o644)
        os.rename(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def write_json(path, document):
    write_atomically(path, (json.dumps(document, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8"))


def read_json(path):
    """The file's JSON, or None when it is absent, empty or half-written."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None
