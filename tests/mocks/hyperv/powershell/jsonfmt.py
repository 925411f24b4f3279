"""ConvertTo-Json and ConvertFrom-Json with Windows PowerShell 5.1's behaviour.

Kept on purpose because they bite real scripts: enums become numbers, dates become
"\\/Date(ms)\\/", objects deeper than -Depth (default 2) become their ToString(), a single
pipeline item is not wrapped in an array, and < > & ' are written as \\u escapes.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .members import _timespan_member
from .values import (GetDateResult, PSEnum, PSHashtable, PSObject, PSRuntimeError, PSType, ScriptBlock,
                     format_number, to_string)

_EPOCH = dt.datetime(1970, 1, 1)
_DATE_RE = re.compile(r'^/Date\((-?\d+)(?:[+-]\d{4})?\)/$')
_ESCAPE = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
           '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', "'": '\\u0027'}


def _date_literal(value: dt.datetime) -> str:
    millis = int((value - _EPOCH).total_seconds() * 1000)
    return f'\\/Date({millis})\\/'


def _prepare(value: Any, level: int, depth: int) -> Any:
    """Turn a PowerShell value into nested Python lists/tuples-of-pairs/raw tokens for writing."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return _Raw(format_number(value))
    if isinstance(value, PSEnum):
        return _Raw(str(value.value))
    if isinstance(value, GetDateResult):
        if level > depth:
            return to_string(value)
        long_form = value.strftime('%A, %B ') + f'{value.day}, {value.year} ' + to_string(value).split(' ', 1)[1]
        return [('value', _Raw('"' + _date_literal(value) + '"')), ('DisplayHint', _Raw('2')),
                ('DateTime', long_form)]
    if isinstance(value, dt.datetime):
        return _Raw('"' + _date_literal(value) + '"')
    if isinstance(value, (ScriptBlock, PSType)):
        return to_string(value)
    if isinstance(value, dt.timedelta):
        if level > depth:
            return to_string(value)
        names = ['Ticks', 'Days', 'Hours', 'Milliseconds', 'Minutes', 'Seconds', 'TotalDays', 'TotalHours',
                 'TotalMilliseconds', 'TotalMinutes', 'TotalSeconds']
        return [(n, _Raw(format_number(_timespan_member(value, n.lower())))) for n in names]
    if level > depth:
        return to_string(value)
    if isinstance(value, list):
        return _Array([_prepare(v, level + 1, depth) for v in value])
    if isinstance(value, PSHashtable):
        return [(to_string(k), _prepare(v, level + 1, depth)) for k, v in value.items()]
    if isinstance(value, PSObject):
        return [(k, _prepare(v, level + 1, depth)) for k, v in value.props.items()]
    return to_string(value)


class _Raw(str):
    """Already-encoded JSON text."""


class _Array(list):
    pass


def _quote(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPE:
            out.append(_ESCAPE[ch])
        elif ord(ch) < 0x20:
            out.append(f'\\u{ord(ch):04x}')
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'


def _write(node: Any, compress: bool, indent: int) -> str:
    if node is None:
        return 'null'
    if node is True:
        return 'true'
    if node is False:
        return 'false'
    if isinstance(node, _Raw):
        return str(node)
    if isinstance(node, str):
        return _quote(node)
    pad = '' if compress else ' ' * (indent + 4)
    end_pad = '' if compress else ' ' * indent
    sep = ',' if compress else ',\n'
    if isinstance(node, _Array):
        if not node:
            return '[]' if compress else '[\n\n' + end_pad + ']'
        inner = sep.join(pad + _write(v, compress, indent + 4) for v in node)
        return '[' + inner + ']' if compress else '[\n' + inner + '\n' + end_pad + ']'
    if not node:
        return '{}' if compress else '{\n\n' + end_pad + '}'
    colon = ':' if compress else ':  '
    inner = sep.join(pad + _quote(k) + colon + _write(v, compress, indent + 4) for k, v in node)
    return '{' + inner + '}' if compress else '{\n' + inner + '\n' + end_pad + '}'


def convert_to_json(value: Any, depth: int = 2, compress: bool = False) -> str:
    return _write(_prepare(value, 0, depth), compress, 0)


def _from_python(value: Any) -> Any:
    if isinstance(value, dict):
        raise AssertionError('objects are decoded with pairs')
    if isinstance(value, list):
        return [_from_python(v) if not isinstance(v, PSObject) else v for v in value]
    if isinstance(value, str):
        m = _DATE_RE.match(value)
        if m:
            return _EPOCH + dt.timedelta(milliseconds=int(m.group(1)))
    return value


def _object_pairs(pairs: list[tuple[str, Any]]) -> PSObject:
    return PSObject('System.Management.Automation.PSCustomObject', [(k, _from_python(v)) for k, v in pairs])


def convert_from_json(text: str) -> Any:
    """Parse JSON into PSCustomObjects and arrays (an array stays one object, as in 5.1)."""
    try:
        return _from_python(json.loads(text, object_pairs_hook=_object_pairs))
    except json.JSONDecodeError as exc:
        snippet = text[exc.pos:exc.pos + 20] if exc.pos < len(text) else text[-20:]
        raise PSRuntimeError(f'Invalid JSON primitive: {snippet.split()[0] if snippet.split() else ""}.',
                             'NotSpecified', 'System.ArgumentException', 'ArgumentException') from None
