# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text formatting shared by the report: escaping, durations, megabytes, ISO-8601 times."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import html

DASH = "\u2014"


def esc(value):
    """Any value as HTML-safe text (None as an em dash)."""
    if value is None:
        return DASH
    return html.escape(str(value), quote=True)


def num(value, digits=1):
    """A compact, deterministic number: 12, 12.5, never 12.000000001."""
    if value is None:
        return ""
    text = "%.*f" % (digits, value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def duration(seconds):
    """45s, 3m 05s, 1h 02m; None as an em dash."""
    if seconds is None:
        return DASH
    seconds = int(round(seconds))
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return "%s%ds" % (sign, seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return "%s%dm %02ds" % (sign, minutes, secs)
    hours, minutes = divmod(minutes, 60)
    return "%s%dh %02dm" % (sign, hours, minutes)


def clock(seconds):
    """An axis label: 0:00, 4:30, 1:02:00."""
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return "%d:%02d" % (minutes, secs)
    hours, minutes = divmod(minutes, 60)
    return "%d:%02d:%02d" % (hours, minutes, secs)


def megabytes(value):
    """12,288 MB; None as an em dash."""
    if value is None:
        return DASH
    return "{:,.0f} MB".format(value)


def parse_iso(text):
    """A datetime from an ISO-8601 string (a trailing Z accepted), or None when it is not one."""
    if not isinstance(text, str) or not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def seconds_between(started, finished):
    """Seconds from one ISO-8601 string to another, or None when either is missing or unreadable."""
    first, last = parse_iso(started), parse_iso(finished)
    if first is None or last is None:
        return None
    if (first.tzinfo is None) != (last.tzinfo is None):
        first, last = first.replace(tzinfo=None), last.replace(tzinfo=None)
    return (last - first).total_seconds()
