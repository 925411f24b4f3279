# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout report: a rollout record in, a JSON document and one self-contained HTML page out.

Pure Python: no Ansible import. ``schema`` checks and normalizes the record, ``summary`` computes
the numbers, ``svg_timeline`` and ``svg_chart`` draw, ``render_html`` lays out the page and
``document`` ties them together.
"""
