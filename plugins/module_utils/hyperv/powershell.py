# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose small PowerShell scripts that fit one WinRM command line.

WinRM runs a script as ``powershell -encodedcommand <base64 of UTF-16LE>`` and cmd.exe caps a command
line at 8191 characters, about 3,000 characters of script. So parameters go in as ONE compact JSON
literal (``$p = '<json>' | ConvertFrom-Json``), output comes back as ``ConvertTo-Json -Compress``, and
a script that would not fit is refused here, before anything is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

MAX_COMMAND_LINE = 8191
COMMAND_PREFIX = "powershell -encodedcommand "
# PowerShell also ends a single-quoted string at these typographic quotes; each is escaped by doubling.
SINGLE_QUOTES = ("'", u"\u2018", u"\u2019", u"\u201a", u"\u201b")


class ScriptTooLong(ValueError):
    """The encoded script would exceed cmd.exe's command-line limit (nothing was sent)."""


class Script:
    """A composed script and the job it does (named in errors: 'reading the CAU clustered role')."""

    __slots__ = ("text", "what")

    def __init__(self, text, what):
        self.text = text
        self.what = what

    def __repr__(self):
        return "Script(%r, %d characters)" % (self.what, len(self.text))


def quote(text):
    """A PowerShell single-quoted (verbatim) string literal of text."""
    for mark in SINGLE_QUOTES:
        text = text.replace(mark, mark + mark)
    return "'" + text + "'"


def params_line(params):
    """`$p = '<compact json>' | ConvertFrom-Json`; non-ASCII is escaped so only ASCII quotes need doubling."""
    data = json.dumps(params, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    return "$p = %s | ConvertFrom-Json" % quote(data)


def json_output(expression, depth=2):
    """Write expression as compact JSON; -InputObject keeps a one-item array an array (no pipeline unrolling)."""
    return "ConvertTo-Json -InputObject %s -Compress -Depth %d" % (expression, depth)


def compact(body):
    """The body without indentation, blank lines and whole-line comments (the scripts use no here-strings)."""
    lines = [line.strip() for line in body.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("#"))


def encoded_command(text):
    """The command line WinRM runs for a script (what pywinrm's run_ps sends)."""
    return COMMAND_PREFIX + base64.b64encode(text.encode("utf-16-le")).decode("ascii")


def command_line_length(text):
    """Length of the encoded command line: 27 + 4 * ceil(2 * len / 3) for a BMP-only script."""
    return len(COMMAND_PREFIX) + 4 * ((len(text.encode("utf-16-le")) + 2) // 3)


def check_length(text, what):
    """Raise ScriptTooLong when the script's command line would not fit cmd.exe's limit."""
    length = command_line_length(text)
    if length > MAX_COMMAND_LINE:
        raise ScriptTooLong(
            "the PowerShell script for %s would be a %d-character command line once encoded (powershell "
            "-encodedcommand), over cmd.exe's limit of %d; nothing was sent. Pass fewer or shorter values "
            "(%d characters of script, of which the parameters are part)" % (what, length, MAX_COMMAND_LINE, len(text)))
    return length


def compose(what, body, params=None):
    """A Script: the parameter line (when params is given) and the compacted body, checked for length."""
    parts = [params_line(params)] if params is not None else []
    parts.append(compact(body))
    text = "\n".join(parts)
    check_length(text, what)
    return Script(text, what)
