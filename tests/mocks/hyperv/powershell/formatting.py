"""Out-Default, roughly: how objects that reach the end of a top-level pipeline become stdout text.

Scripts meant for machines end in `ConvertTo-Json`, whose output is strings and passes through as is;
other objects get a simple list view so humans can read them.
"""
from __future__ import annotations

from typing import Any

from .values import PSHashtable, PSObject, to_string

NEWLINE = '\r\n'


def format_output(items: list[Any]) -> str:
    lines: list[str] = []
    for item in items:
        if isinstance(item, PSHashtable):
            lines.extend(_table(item))
        elif isinstance(item, PSObject) and len(item.props) and not _is_error(item):
            lines.extend(_list_view(item))
        else:
            lines.append(to_string(item))
    return ''.join(line + NEWLINE for line in lines)


def _is_error(item: PSObject) -> bool:
    return item.type_name.endswith('ErrorRecord')


def _list_view(item: PSObject) -> list[str]:
    width = max(len(k) for k in item.props.keys())
    out = ['']
    for key, value in item.props.items():
        out.append(f'{key.ljust(width)} : {_cell(value)}')
    out.append('')
    return out


def _table(table: PSHashtable) -> list[str]:
    width = max([len('Name')] + [len(to_string(k)) for k in table.keys()])
    out = ['', f'{"Name".ljust(width)} Value', f'{"----".ljust(width)} -----']
    for key, value in table.items():
        out.append(f'{to_string(key).ljust(width)} {_cell(value)}')
    out.append('')
    return out


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return '{' + ', '.join(to_string(v) for v in value) + '}'
    return to_string(value)
