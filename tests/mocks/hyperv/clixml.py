"""PowerShell's CLIXML error stream, as powershell.exe writes it on stderr for remote callers."""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from .powershell.errors import ErrorRecord

HEADER = '#< CLIXML\r\n'
_AMBIGUOUS = re.compile(r'_(?=x[0-9A-Fa-f]{4}_)')
PROGRESS = ('<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
            '<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for '
            'first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR>'
            '</MS></Obj>')


def encode_text(text: str) -> str:
    """Escape a line the CLIXML way: XML entities, control characters as _xHHHH_, ambiguous '_x' escaped."""
    text = _AMBIGUOUS.sub('_x005F_', escape(text))
    return ''.join(f'_x{ord(ch):04X}_' if ord(ch) < 0x20 else ch for ch in text)


def _line(stream: str, text: str) -> str:
    return f'<S S="{stream}">{encode_text(text)}_x000D__x000A_</S>'


def error_stream(errors: list[ErrorRecord], warnings: list[str]) -> str:
    """stderr text for these records, or '' when there is nothing to report."""
    if not errors and not warnings:
        return ''
    parts = [PROGRESS]
    for warning in warnings:
        parts.append(_line('warning', warning))
    for record in errors:
        for line in record.format().rstrip('\n').split('\n'):
            parts.append(_line('Error', line.rstrip('\r')))
    return HEADER + '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">' + \
        ''.join(parts) + '</Objs>'
