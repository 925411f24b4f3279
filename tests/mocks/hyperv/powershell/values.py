"""PowerShell values in Python: objects, hashtables, enums, script blocks, and conversions.

Plain Python stands in where it can: None is $null, bool/int/float/str, list is an array,
datetime is [datetime] (local, naive) and timedelta is [timespan].
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable, Iterable


class PSRuntimeError(Exception):
    """A .NET-style exception raised while evaluating; the interpreter wraps it in an ErrorRecord."""

    def __init__(self, message: str, category: str = 'InvalidOperation', fqid: str = 'RuntimeException',
                 exception_type: str = 'RuntimeException', target: Any = None):
        super().__init__(message)
        self.message = message
        self.category = category
        self.fqid = fqid
        self.exception_type = exception_type
        self.target = target


class Lazy:
    """A property value computed on first read (nested objects that scripts rarely look at)."""

    __slots__ = ('make',)

    def __init__(self, make: Callable[[], Any]):
        self.make = make


class CIDict:
    """Ordered, case-insensitive mapping that keeps the first spelling of each key."""

    __slots__ = ('_d',)

    def __init__(self, items: Iterable[tuple[str, Any]] = ()):
        self._d: dict[Any, list] = {}
        for k, v in items:
            lk = k.lower() if isinstance(k, str) else k
            if lk in self._d:
                self._d[lk][1] = v
            else:
                self._d[lk] = [k, v]

    @staticmethod
    def _k(key: Any) -> Any:
        return key.lower() if isinstance(key, str) else key

    @staticmethod
    def _resolve(item: list) -> Any:
        value = item[1]
        if isinstance(value, Lazy):
            value = item[1] = value.make()
        return value

    def __getitem__(self, key):
        return self._resolve(self._d[self._k(key)])

    def __setitem__(self, key, value):
        lk = self._k(key)
        item = self._d.get(lk)
        if item is None:
            self._d[lk] = [key, value]
        else:
            item[1] = value

    def __delitem__(self, key):
        del self._d[self._k(key)]

    def __contains__(self, key):
        return self._k(key) in self._d

    def __len__(self):
        return len(self._d)

    def __iter__(self):
        return (item[0] for item in self._d.values())

    def get(self, key, default=None):
        item = self._d.get(self._k(key))
        return default if item is None else self._resolve(item)

    def pop(self, key, default=None):
        item = self._d.pop(self._k(key), None)
        return default if item is None else self._resolve(item)

    def items(self):
        return [(item[0], self._resolve(item)) for item in self._d.values()]

    def keys(self):
        return [item[0] for item in self._d.values()]

    def values(self):
        return [self._resolve(item) for item in self._d.values()]


class PSHashtable(CIDict):
    """`@{...}` — a case-insensitive hashtable (insertion-ordered, like [ordered])."""


class PSObject:
    """A .NET or custom object: named properties in order, a type name and a ToString()."""

    def __init__(self, type_name: str = 'System.Management.Automation.PSCustomObject',
                 props: Iterable[tuple[str, Any]] = (), to_string: Callable[[], str] | str | None = None,
                 methods: dict[str, Callable[..., Any]] | None = None):
        self.type_name = type_name
        self.props = CIDict(props)
        self._to_string = to_string
        self.methods = {k.lower(): f for k, f in (methods or {}).items()}

    def get(self, name: str, default=None):
        return self.props.get(name, default)

    def __getitem__(self, name):
        return self.props[name]

    def __setitem__(self, name, value):
        self.props[name] = value

    def to_string(self) -> str:
        if callable(self._to_string):
            return self._to_string()
        if isinstance(self._to_string, str):
            return self._to_string
        if self.type_name.endswith('PSCustomObject'):
            inner = '; '.join(f'{k}={to_string(v)}' for k, v in self.props.items())
            return '@{' + inner + '}'
        return self.type_name

    def __repr__(self):
        return f'PSObject({self.type_name}, {dict(self.props.items())})'


class EnumType:
    """A .NET enum: names to numbers, converted to strings by ToString() and to numbers by ConvertTo-Json."""

    def __init__(self, full_name: str, members: dict[str, int], flags: bool = False):
        self.full_name = full_name
        self.members = members
        self.flags = flags
        self._by_lower = {k.lower(): k for k in members}

    def __call__(self, value: Any) -> 'PSEnum':
        if isinstance(value, PSEnum):
            value = value.name
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            for name, num in self.members.items():
                if num == value:
                    return PSEnum(self, name)
            if self.flags:
                return PSEnum(self, self._flag_name(value))
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(',')] if self.flags else [value.strip()]
            names = []
            for p in parts:
                if p.lower() not in self._by_lower:
                    raise self.conversion_error(value)
                names.append(self._by_lower[p.lower()])
            return PSEnum(self, ', '.join(names))
        if isinstance(value, list) and self.flags:
            return self(sum(self(v).value for v in value))
        raise self.conversion_error(value)

    def _flag_name(self, value: int) -> str:
        names = [n for n, v in self.members.items() if v and value & v == v]
        return ', '.join(names) or str(value)

    def conversion_error(self, value: Any) -> PSRuntimeError:
        names = ', '.join(self.members)
        return PSRuntimeError(
            f'Cannot convert value "{to_string(value)}" to type "{self.full_name}". Error: "Unable to match the '
            f'identifier name {to_string(value)} to a valid enumerator name. Specify one of the following '
            f'enumerator names and try again:\n{names}"', 'InvalidArgument', 'PSInvalidCastException',
            'PSInvalidCastException')


class PSEnum:
    """One enum value; equal to its name (case-insensitive) or its number."""

    __slots__ = ('enum', 'name')

    def __init__(self, enum: EnumType, name: str):
        self.enum = enum
        self.name = name

    @property
    def value(self) -> int:
        if self.enum.flags and ',' in self.name:
            return sum(self.enum.members[n.strip()] for n in self.name.split(','))
        return self.enum.members[self.name]

    def __eq__(self, other):
        if isinstance(other, PSEnum):
            return self.value == other.value
        if isinstance(other, str):
            return self.name.lower() == other.lower()
        if isinstance(other, int):
            return self.value == other
        return NotImplemented

    def __hash__(self):
        return hash(self.name.lower())

    def __repr__(self):
        return f'{self.enum.full_name}::{self.name}'


class ScriptBlock:
    """`{ ... }` — the syntax node of its body, run by the interpreter that made it."""

    def __init__(self, node, source: str):
        self.node = node
        self.source = source

    def __repr__(self):
        return '{' + self.source + '}'


class PSType:
    """`[typename]` used as a value (for -is, static members, casts)."""

    def __init__(self, name: str):
        self.name = name.strip('[]')

    def __repr__(self):
        return f'[{self.name}]'


class GetDateResult(dt.datetime):
    """What Get-Date writes: a DateTime with the DisplayHint note property (shows in ConvertTo-Json)."""


def unroll(value: Any) -> list:
    """Enumerate a value the way the pipeline does: arrays are unrolled, $null gives nothing."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def collapse(items: list) -> Any:
    """Pipeline output as assigned to a variable: nothing → $null, one → the item, more → array."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)


def to_bool(value: Any) -> bool:
    """PowerShell truthiness."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ''
    if isinstance(value, list):
        if not value:
            return False
        return to_bool(value[0]) if len(value) == 1 else True
    if isinstance(value, PSEnum):
        return value.value != 0
    return True


def format_datetime(value: dt.datetime) -> str:
    """en-US default DateTime.ToString(): 5/14/2024 2:00:00 AM."""
    hour = value.hour % 12 or 12
    ampm = 'AM' if value.hour < 12 else 'PM'
    return f'{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:{value.second:02d} {ampm}'


def format_timespan(value: dt.timedelta) -> str:
    total = value.total_seconds()
    sign = '-' if total < 0 else ''
    total = abs(total)
    days, rem = divmod(int(total), 86400)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    frac = total - int(total)
    text = f'{hours:02d}:{minutes:02d}:{seconds:02d}'
    if days:
        text = f'{days}.{text}'
    if frac > 1e-9:
        text += f'.{int(round(frac * 1e7)):07d}'
    return sign + text


def format_number(value: float) -> str:
    """[string] of a number: integers as is, doubles with 15 significant digits."""
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return 'NaN'
    return f'{value:.15g}'.replace('e+', 'E+').replace('e-', 'E-')


def to_string(value: Any) -> str:
    """[string] conversion as PowerShell does it (arrays joined with spaces)."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.timedelta):
        return format_timespan(value)
    if isinstance(value, list):
        return ' '.join(to_string(v) for v in value)
    if isinstance(value, PSHashtable):
        return 'System.Collections.Hashtable'
    if isinstance(value, PSObject):
        return value.to_string()
    if isinstance(value, ScriptBlock):
        return value.source
    if isinstance(value, PSType):
        return value.name
    return str(value)


def to_number(value: Any) -> int | float:
    """Numeric conversion for arithmetic and [int]/[double] casts."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, PSEnum):
        return value.value
    if isinstance(value, str):
        text = value.strip()
        if text == '':
            return 0
        try:
            return int(text, 16) if text.lower().startswith('0x') else int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            pass
    if isinstance(value, list) and len(value) == 1:
        return to_number(value[0])
    raise PSRuntimeError(f'Cannot convert value "{to_string(value)}" to type "System.Int32". Error: "Input string '
                         f'was not in a correct format."', 'InvalidArgument', 'InvalidCastFromStringToInteger',
                         'PSInvalidCastException')


def to_int(value: Any) -> int:
    """[int] cast: banker's rounding like .NET."""
    number = to_number(value)
    if isinstance(number, float):
        return int(round(number))
    return number


def parse_datetime(value: Any) -> dt.datetime:
    """[datetime] cast from a string (ISO 8601 or en-US M/d/yyyy)."""
    if isinstance(value, dt.datetime):
        return value
    text = to_string(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace('Z', '+00:00'))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return parsed
    except ValueError:
        pass
    for fmt in ('%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y'):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise PSRuntimeError(f'Cannot convert value "{text}" to type "System.DateTime". Error: "String was not '
                         f'recognized as a valid DateTime."', 'InvalidArgument', 'InvalidCastParseTargetInvocation',
                         'PSInvalidCastException')


def to_timespan(value: Any) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.timedelta(microseconds=value / 10)  # ticks
    text = to_string(value).strip()
    try:
        days = 0
        if '.' in text.split(':')[0]:
            day_text, text = text.split('.', 1)
            days = int(day_text)
        parts = [float(p) for p in text.split(':')]
        while len(parts) < 3:
            parts.append(0.0)
        return dt.timedelta(days=days, hours=parts[0], minutes=parts[1], seconds=parts[2])
    except ValueError:
        raise PSRuntimeError(f'Cannot convert value "{text}" to type "System.TimeSpan".', 'InvalidArgument',
                             'InvalidCastParseTargetInvocation', 'PSInvalidCastException') from None


def make_object(props: Iterable[tuple[str, Any]] | CIDict,
                type_name: str = 'System.Management.Automation.PSCustomObject') -> PSObject:
    items = props.items() if isinstance(props, CIDict) else props
    return PSObject(type_name, items)


def type_display_name(value: Any) -> str:
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'System.Boolean'
    if isinstance(value, int):
        return 'System.Int32'
    if isinstance(value, float):
        return 'System.Double'
    if isinstance(value, str):
        return 'System.String'
    if isinstance(value, list):
        return 'System.Object[]'
    if isinstance(value, PSHashtable):
        return 'System.Collections.Hashtable'
    if isinstance(value, dt.datetime):
        return 'System.DateTime'
    if isinstance(value, dt.timedelta):
        return 'System.TimeSpan'
    if isinstance(value, PSEnum):
        return value.enum.full_name
    if isinstance(value, PSObject):
        return value.type_name
    if isinstance(value, ScriptBlock):
        return 'System.Management.Automation.ScriptBlock'
    return type(value).__name__
