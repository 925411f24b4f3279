# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout record in, the report's JSON and HTML texts out (the same input gives the same bytes)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from .render_html import render_html
from .schema import normalize
from .summary import summarize


def build_report(record):
    """{'summary', 'document', 'json', 'html'} for a record; ReportDataError when it is malformed."""
    normalized = normalize(record)
    summary = summarize(normalized)
    document = copy.deepcopy(record)
    document["summary"] = summary
    return {
        "summary": summary,
        "document": document,
        "json": json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
        "html": render_html(normalized, summary),
    }
