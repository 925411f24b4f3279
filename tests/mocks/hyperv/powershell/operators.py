"""PowerShell operators: arithmetic, comparison (case-insensitive, array-filtering), -like/-match, -f."""
from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from typing import Any

from .values import (PSEnum, PSHashtable, PSObject, PSRuntimeError, PSType, parse_datetime, to_bool,
                     to_number, to_string, unroll)


def add(left: Any, right: Any) -> Any:
    if left is None:
        return right
    if isinstance(left, str):
        return left + to_string(right)
    if isinstance(left, list):
        return left + unroll(right) if not isinstance(right, list) else left + right
    if isinstance(left, PSHashtable):
        merged = PSHashtable(left.items())
        for key, value in right.items():
            if key in merged:
                raise PSRuntimeError(f"Item has already been added. Key in dictionary: '{key}'  Key being added: "
                                     f"'{key}'", 'NotSpecified', 'System.ArgumentException', 'ArgumentException')
            merged[key] = value
        return merged
    if isinstance(left, dt.datetime) and isinstance(right, dt.timedelta):
        return left + right
    if isinstance(left, dt.timedelta) and isinstance(right, dt.timedelta):
        return left + right
    return _numeric(left, right, lambda a, b: a + b)


def subtract(left: Any, right: Any) -> Any:
    if isinstance(left, dt.datetime):
        if isinstance(right, dt.datetime):
            return left - right
        if isinstance(right, dt.timedelta):
            return left - right
    if isinstance(left, dt.timedelta) and isinstance(right, dt.timedelta):
        return left - right
    return _numeric(left, right, lambda a, b: a - b)


def multiply(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        return left * int(to_number(right))
    if isinstance(left, list):
        return left * int(to_number(right))
    return _numeric(left, right, lambda a, b: a * b)


def divide(left: Any, right: Any) -> Any:
    a, b = to_number(left), to_number(right)
    if b == 0:
        raise PSRuntimeError('Attempted to divide by zero.', 'NotSpecified', 'RuntimeException',
                             'RuntimeException')
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


def modulo(left: Any, right: Any) -> Any:
    a, b = to_number(left), to_number(right)
    if b == 0:
        raise PSRuntimeError('Attempted to divide by zero.')
    return a - b * int(a / b)


def _numeric(left, right, fn):
    a, b = to_number(left), to_number(right)
    return fn(a, b)


ARITHMETIC = {'+': add, '-': subtract, '*': multiply, '/': divide, '%': modulo}


def _coerce_pair(left: Any, right: Any) -> tuple[Any, Any]:
    """Convert the right operand toward the left operand's type, as PowerShell comparisons do."""
    if isinstance(left, bool):
        return left, to_bool(right)
    if isinstance(left, (int, float)) and not isinstance(left, bool):
        if isinstance(right, (int, float)) and not isinstance(right, bool):
            return left, right
        try:
            return left, to_number(right)
        except PSRuntimeError:
            return to_string(left), to_string(right)
    if isinstance(left, PSEnum):
        if isinstance(right, PSEnum):
            return left.value, right.value
        if isinstance(right, (int, float)) and not isinstance(right, bool):
            return left.value, right
        return left.name.lower(), to_string(right).lower()
    if isinstance(left, dt.datetime):
        if right is None:
            return left, None
        return left, parse_datetime(right)
    if isinstance(left, dt.timedelta) and isinstance(right, dt.timedelta):
        return left, right
    if left is None or right is None:
        return left, right
    return to_string(left).lower(), to_string(right).lower()


def _equal(left: Any, right: Any, case_sensitive: bool) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, (PSObject, PSHashtable, list)) and not isinstance(right, str):
        return left is right
    if case_sensitive and isinstance(left, str):
        return left == to_string(right)
    a, b = _coerce_pair(left, right)
    return a == b


def _order(left: Any, right: Any, case_sensitive: bool) -> int:
    if left is None and right is None:
        return 0
    if left is None:
        return -1
    if right is None:
        return 1
    if case_sensitive and isinstance(left, str):
        a, b = left, to_string(right)
    else:
        a, b = _coerce_pair(left, right)
    try:
        return (a > b) - (a < b)
    except TypeError:
        raise PSRuntimeError(f'Cannot compare "{to_string(left)}" because it is not IComparable.',
                             'InvalidOperation', 'NotIcomparable') from None


def like(value: Any, pattern: Any, case_sensitive: bool = False) -> bool:
    return _wildcard(to_string(pattern), case_sensitive).fullmatch(to_string(value)) is not None


@functools.lru_cache(maxsize=512)
def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern:
    regex = ''.join('.*' if ch == '*' else '.' if ch == '?' else re.escape(ch) for ch in pattern)
    return re.compile(regex, (0 if case_sensitive else re.IGNORECASE) | re.DOTALL)


def match(value: Any, pattern: Any, case_sensitive: bool, variables) -> bool:
    flags = 0 if case_sensitive else re.IGNORECASE
    found = re.search(to_string(pattern), to_string(value), flags)
    if found:
        groups = PSHashtable([(0, found.group(0))])
        for i, g in enumerate(found.groups(), 1):
            if g is not None:
                groups[i] = g
        for name, g in found.groupdict().items():
            if g is not None:
                groups[name] = g
        variables['Matches'] = groups
    return found is not None


def _scalar_compare(op: str, left: Any, right: Any, cs: bool, variables) -> bool:
    if op == 'eq':
        return _equal(left, right, cs)
    if op == 'ne':
        return not _equal(left, right, cs)
    if op in ('gt', 'ge', 'lt', 'le'):
        order = _order(left, right, cs)
        return {'gt': order > 0, 'ge': order >= 0, 'lt': order < 0, 'le': order <= 0}[op]
    if op == 'like':
        return like(left, right, cs)
    if op == 'notlike':
        return not like(left, right, cs)
    if op == 'match':
        return match(left, right, cs, variables)
    if op == 'notmatch':
        return not match(left, right, cs, variables)
    raise PSRuntimeError(f"The operator '-{op}' is not supported by this mock.")


def is_type(value: Any, type_ref: Any) -> bool:
    name = (type_ref.name if isinstance(type_ref, PSType) else to_string(type_ref)).lower()
    name = name.replace('system.', '')
    checks = {
        'string': lambda v: isinstance(v, str), 'int': lambda v: isinstance(v, int) and not isinstance(v, bool),
        'int32': lambda v: isinstance(v, int) and not isinstance(v, bool), 'long': lambda v: isinstance(v, int),
        'double': lambda v: isinstance(v, float), 'bool': lambda v: isinstance(v, bool),
        'boolean': lambda v: isinstance(v, bool), 'array': lambda v: isinstance(v, list),
        'object[]': lambda v: isinstance(v, list), 'hashtable': lambda v: isinstance(v, PSHashtable),
        'collections.hashtable': lambda v: isinstance(v, PSHashtable),
        'datetime': lambda v: isinstance(v, dt.datetime), 'timespan': lambda v: isinstance(v, dt.timedelta),
        'pscustomobject': lambda v: isinstance(v, PSObject), 'object': lambda v: v is not None,
    }
    check = checks.get(name)
    if check is None:
        return isinstance(value, PSObject) and value.type_name.lower().endswith(name)
    return check(value)


def compare(op_text: str, left: Any, right: Any, variables) -> Any:
    """Apply a comparison operator (`-eq`, `-ceq`, `-like`, `-contains`, `-in`, `-replace`, ...)."""
    op = op_text.lstrip('-').lower()
    cs = False
    if op[0] in 'ci' and op[1:] in {'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'like', 'notlike', 'match', 'notmatch',
                                    'contains', 'notcontains', 'in', 'notin', 'replace', 'split'}:
        cs = op[0] == 'c'
        op = op[1:]
    if op in ('contains', 'notcontains'):
        found = any(_equal(item, right, cs) for item in unroll(left))
        return found if op == 'contains' else not found
    if op in ('in', 'notin'):
        found = any(_equal(item, left, cs) for item in unroll(right))
        return found if op == 'in' else not found
    if op == 'is':
        return is_type(left, right)
    if op == 'isnot':
        return not is_type(left, right)
    if op == 'replace':
        args = unroll(right)
        pattern = to_string(args[0]) if args else ''
        replacement = to_string(args[1]) if len(args) > 1 else ''
        replacement = re.sub(r'\$(\d+)', r'\\\1', replacement)
        flags = 0 if cs else re.IGNORECASE
        if isinstance(left, list):
            return [re.sub(pattern, replacement, to_string(v), flags=flags) for v in left]
        return re.sub(pattern, replacement, to_string(left), flags=flags)
    if op == 'split':
        flags = 0 if cs else re.IGNORECASE
        return re.split(to_string(right), to_string(left), flags=flags)
    if op == 'join':
        return to_string(right).join(to_string(v) for v in unroll(left))
    if isinstance(left, list):
        return [item for item in left if _scalar_compare(op, item, right, cs, variables)]
    return _scalar_compare(op, left, right, cs, variables)


_FORMAT_ITEM = re.compile(r'\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}|\{\{|\}\}')


def format_operator(fmt: Any, args: Any) -> str:
    """`'{0} {1:N2}' -f $a, $b` with the common .NET format specifiers."""
    values = unroll(args) if isinstance(args, list) else [args]

    def one(m):
        if m.group(0) == '{{':
            return '{'
        if m.group(0) == '}}':
            return '}'
        index = int(m.group(1))
        if index >= len(values):
            raise PSRuntimeError('Error formatting a string: Index (zero based) must be greater than or equal to '
                                 'zero and less than the size of the argument list..', 'InvalidOperation',
                                 'FormatError')
        value, spec = values[index], (m.group(3) or '')
        text = _format_value(value, spec)
        width = m.group(2)
        if width:
            w = int(width)
            text = text.ljust(-w) if w < 0 else text.rjust(w)
        return text
    return _FORMAT_ITEM.sub(one, to_string(fmt))


def _format_value(value: Any, spec: str) -> str:
    if not spec:
        return to_string(value)
    kind, digits = spec[0].upper(), spec[1:]
    if kind in 'NF' and digits.isdigit() or spec.upper() in ('N', 'F'):
        places = int(digits) if digits else 2
        number = decimal.Decimal(repr(float(to_number(value)))).quantize(
            decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)  # .NET rounds half away from 0
        return f'{number:,}' if kind == 'N' else f'{number}'
    if kind == 'D':
        return str(int(to_number(value))).zfill(int(digits) if digits else 0)
    if isinstance(value, dt.datetime):
        from .members import format_datetime_pattern
        return format_datetime_pattern(value, spec)
    return to_string(value)
