# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small SVG helpers: escaped elements, round axis ticks, one stable colour per host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .fmt import esc, num

# Colour-blind friendly (Okabe-Ito and Tableau hues), dark enough for text on white.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7f3c8d", "#8c6d31",
           "#3969ac", "#a5aa99")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def element(name, attrs=None, body=None):
    """<name a="v">body</name>; attribute values escaped, body inserted as given (already markup)."""
    parts = [name]
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        if isinstance(value, float):
            value = num(value, 2)
        parts.append('%s="%s"' % (key, esc(value)))
    if body is None:
        return "<%s/>" % " ".join(parts)
    return "<%s>%s</%s>" % (" ".join(parts), body, name)


def text(x, y, label, **attrs):
    """An escaped <text> at x, y; extra attributes with _ in their names written with -."""
    attrs = dict((k.replace("_", "-"), v) for k, v in attrs.items())
    return element("text", dict({"x": float(x), "y": float(y)}, **attrs), esc(label))


def title(label):
    """A tooltip for the enclosing SVG element (no script needed)."""
    return element("title", None, esc(label))


def host_style(index):
    """(colour, dash array) of the index-th host: colours first, then dashes once they run out."""
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


def time_ticks(maximum, most=10):
    """Round tick positions in seconds from 0 to at least maximum, at most ``most`` intervals."""
    maximum = max(maximum, 1.0)
    step = TIME_STEPS[-1]
    for candidate in TIME_STEPS:
        if maximum / candidate <= most:
            step = candidate
            break
    count = int(-(-maximum // step))
    return [i * step for i in range(count + 1)]


def index_ticks(count, most=12):
    """Snapshot indexes to label when the x axis is the snapshot index."""
    if count <= 1:
        return [0]
    stride = max(1, int(-(-(count - 1) // most)))
    ticks = list(range(0, count, stride))
    if ticks[-1] != count - 1:
        if (count - 1 - ticks[-1]) * 2 < stride:
            ticks[-1] = count - 1
        else:
            ticks.append(count - 1)
    return ticks


def shorten(label, chars):
    """label cut to at most ``chars`` characters, with an ellipsis when cut."""
    label = str(label)
    if chars < 2:
        return ""
    return label if len(label) <= chars else label[:chars - 1] + "\u2026"
