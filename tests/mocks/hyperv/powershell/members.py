"""Properties and methods of values (`$x.Name`, `$s.ToUpper()`, `[math]::Round(...)`)."""
from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from typing import Any

from .values import (CIDict, PSEnum, PSHashtable, PSObject, PSRuntimeError, PSType, ScriptBlock, parse_datetime,
                     to_number, to_string, type_display_name)


def _method_missing(value: Any, name: str) -> PSRuntimeError:
    return PSRuntimeError(f"Method invocation failed because [{type_display_name(value)}] does not contain a method "
                          f"named '{name}'.", 'InvalidOperation', 'MethodNotFound')


def get_member(value: Any, name: str) -> Any:
    """`$value.Name`, with member enumeration over arrays; a missing property is $null."""
    key = name.lower()
    if value is None:
        return None
    if isinstance(value, PSObject):
        if name in value.props:
            return value.props[name]
        return None
    if isinstance(value, PSHashtable):
        if name in value:
            return value[name]
        if key == 'count':
            return len(value)
        if key == 'keys':
            return value.keys()
        if key == 'values':
            return value.values()
        return None
    if isinstance(value, list):
        if key in ('count', 'length'):
            return len(value)
        found = [get_member(item, name) for item in value]
        found = [f for f in found if f is not None]
        flat = []
        for f in found:
            flat.extend(f if isinstance(f, list) else [f])
        return flat[0] if len(flat) == 1 else (flat or None)
    if isinstance(value, str):
        return len(value) if key == 'length' else None
    if isinstance(value, dt.datetime):
        return _datetime_member(value, key)
    if isinstance(value, dt.timedelta):
        return _timespan_member(value, key)
    if isinstance(value, PSEnum):
        return value.value if key == 'value__' else None
    if key == 'count':
        return 1
    return None


def _datetime_member(value: dt.datetime, key: str) -> Any:
    from .enums import DAY_OF_WEEK
    simple = {'year': value.year, 'month': value.month, 'day': value.day, 'hour': value.hour,
              'minute': value.minute, 'second': value.second, 'millisecond': value.microsecond // 1000,
              'dayofyear': value.timetuple().tm_yday,
              'ticks': int((value - dt.datetime(1, 1, 1)).total_seconds() * 10**7)}
    if key in simple:
        return simple[key]
    if key == 'date':
        return value.replace(hour=0, minute=0, second=0, microsecond=0)
    if key == 'dayofweek':
        return DAY_OF_WEEK((value.weekday() + 1) % 7)
    if key == 'kind':
        return 'Local'
    if key == 'datetime':
        return value.strftime('%A, %B ') + f'{value.day}, {value.year} ' + to_string(value).split(' ', 1)[1]
    return None


def _timespan_member(value: dt.timedelta, key: str) -> Any:
    total = value.total_seconds()
    whole = int(total)
    members = {
        'totalseconds': total, 'totalminutes': total / 60, 'totalhours': total / 3600,
        'totaldays': total / 86400, 'totalmilliseconds': total * 1000, 'days': int(total / 86400),
        'hours': int(total / 3600) % 24 if total >= 0 else -(int(-total / 3600) % 24),
        'minutes': (whole // 60) % 60 if total >= 0 else -((-whole // 60) % 60),
        'seconds': whole % 60 if total >= 0 else -(-whole % 60),
        'milliseconds': int(round((total - whole) * 1000)), 'ticks': int(round(total * 10**7)),
    }
    return members.get(key)


def set_member(target: Any, name: str, value: Any) -> None:
    """`$obj.Name = value` on a custom object or a hashtable."""
    if isinstance(target, PSHashtable):
        target[name] = value
    elif isinstance(target, PSObject):
        if name not in target.props and not target.type_name.endswith('PSCustomObject'):
            raise PSRuntimeError(f"The property '{name}' cannot be found on this object. Verify that the property "
                                 f"exists and can be set.", 'InvalidOperation', 'PropertyAssignmentException')
        target.props[name] = value
    else:
        raise PSRuntimeError(f"The property '{name}' cannot be found on this object. Verify that the property "
                             f"exists and can be set.", 'InvalidOperation', 'PropertyNotFound')


def call_method(value: Any, name: str, args: list, interp) -> Any:
    """`$value.Name(args)` for the methods the mock knows on strings, dates, collections and objects."""
    key = name.lower()
    if key == 'gettype':
        full = type_display_name(value)
        return PSObject('System.RuntimeType', [('Name', full.split('.')[-1]), ('FullName', full)], to_string=full)
    if key == 'equals' and args:
        from .operators import compare
        return compare('-eq', value, args[0], {})
    if isinstance(value, PSObject) and key in value.methods:
        return value.methods[key](*args)
    if isinstance(value, ScriptBlock) and key in ('invoke', 'invokereturnasis'):
        return interp.invoke_scriptblock(value, args=args)
    if key == 'tostring':
        if args and isinstance(value, dt.datetime):
            return format_datetime_pattern(value, to_string(args[0]))
        if args and isinstance(value, (int, float)) and not isinstance(value, bool):
            from .operators import _format_value
            return _format_value(value, to_string(args[0]))
        if isinstance(value, list):
            return 'System.Object[]'
        return to_string(value)
    if isinstance(value, str):
        return _string_method(value, key, args, name)
    if isinstance(value, dt.datetime):
        return _datetime_method(value, key, args, name)
    if isinstance(value, PSHashtable):
        return _hashtable_method(value, key, args, name)
    if isinstance(value, list):
        if key == 'contains':
            from .operators import compare
            return compare('-ccontains', value, args[0], {})
        if key == 'indexof':
            for i, item in enumerate(value):
                if item == args[0]:
                    return i
            return -1
        if key in ('add', 'remove', 'clear'):
            raise PSRuntimeError(f'Exception calling "{name}" with "{len(args)}" argument(s): "Collection was of a '
                                 f'fixed size."', 'NotSpecified', 'NotSupportedException',
                                 'MethodInvocationException')
    if isinstance(value, dt.timedelta) and key in ('add', 'subtract'):
        other = args[0]
        return value + other if key == 'add' else value - other
    raise _method_missing(value, name)


def _string_method(value: str, key: str, args: list, name: str) -> Any:
    a = [to_string(x) for x in args]
    if key == 'toupper':
        return value.upper()
    if key == 'tolower':
        return value.lower()
    if key == 'trim':
        return value.strip(a[0]) if a else value.strip()
    if key == 'trimend':
        return value.rstrip(a[0]) if a else value.rstrip()
    if key == 'trimstart':
        return value.lstrip(a[0]) if a else value.lstrip()
    if key == 'split':
        seps = ''.join(a) or ' '
        return re.split('[' + re.escape(seps) + ']', value)
    if key == 'replace':
        return value.replace(a[0], a[1])
    if key == 'contains':
        return a[0] in value
    if key == 'startswith':
        return value.startswith(a[0])
    if key == 'endswith':
        return value.endswith(a[0])
    if key == 'indexof':
        return value.find(a[0])
    if key == 'substring':
        start = int(to_number(args[0]))
        return value[start:start + int(to_number(args[1]))] if len(args) > 1 else value[start:]
    if key == 'padleft':
        return value.rjust(int(to_number(args[0])), a[1] if len(a) > 1 else ' ')
    if key == 'padright':
        return value.ljust(int(to_number(args[0])), a[1] if len(a) > 1 else ' ')
    raise _method_missing(value, name)


def _datetime_method(value: dt.datetime, key: str, args: list, name: str) -> Any:
    units = {'addseconds': 'seconds', 'addminutes': 'minutes', 'addhours': 'hours', 'adddays': 'days',
             'addmilliseconds': 'milliseconds'}
    if key in units:
        return value + dt.timedelta(**{units[key]: float(to_number(args[0]))})
    if key in ('touniversaltime', 'tolocaltime'):
        return value
    if key == 'add':
        return value + args[0]
    if key == 'subtract':
        return value - args[0]
    raise _method_missing(value, name)


def _hashtable_method(value: PSHashtable, key: str, args: list, name: str) -> Any:
    if key in ('containskey', 'contains'):
        return args[0] in value
    if key == 'add':
        if args[0] in value:
            raise PSRuntimeError(f'Exception calling "Add" with "2" argument(s): "Item has already been added. '
                                 f"Key in dictionary: '{args[0]}'  Key being added: '{args[0]}'\"",
                                 'NotSpecified', 'ArgumentException', 'MethodInvocationException')
        value[args[0]] = args[1]
        return None
    if key == 'remove':
        value.pop(args[0])
        return None
    if key == 'clone':
        return PSHashtable(value.items())
    if key == 'getenumerator':
        return [PSObject('System.Collections.DictionaryEntry', [('Name', k), ('Key', k), ('Value', v)])
                for k, v in value.items()]
    raise _method_missing(value, name)


def get_static(type_ref: PSType, name: str, interp) -> Any:
    """`[type]::Member` for the few static members scripts use."""
    t, key = type_ref.name.lower().replace('system.', ''), name.lower()
    if t == 'datetime':
        if key in ('now', 'utcnow'):
            return interp.host.now()
        if key == 'today':
            return interp.host.now().replace(hour=0, minute=0, second=0, microsecond=0)
        if key in ('minvalue',):
            return dt.datetime(1, 1, 1)
    if t in ('int', 'int32'):
        return {'maxvalue': 2**31 - 1, 'minvalue': -2**31}.get(key)
    if t == 'string' and key == 'empty':
        return ''
    if t == 'math' and key == 'pi':
        return math.pi
    if t == 'environment' and key == 'machinename':
        return interp.host.computer_name
    from .enums import ENUMS_BY_NAME
    enum = ENUMS_BY_NAME.get(t)
    if enum is not None:
        return enum(name)
    raise PSRuntimeError(f"The property '{name}' cannot be found on type [{type_ref.name}].", 'InvalidOperation',
                         'PropertyNotFound')


def call_static(type_ref: PSType, name: str, args: list, interp) -> Any:
    t, key = type_ref.name.lower().replace('system.', ''), name.lower()
    if t == 'math':
        nums = [to_number(a) for a in args]
        if key == 'round':
            places = int(nums[1]) if len(nums) > 1 else 0
            result = round(float(nums[0]), places)
            return int(result) if places == 0 else result
        funcs = {'floor': math.floor, 'ceiling': math.ceil, 'abs': abs, 'truncate': math.trunc, 'sqrt': math.sqrt}
        if key in funcs:
            return funcs[key](nums[0])
        if key == 'max':
            return max(nums)
        if key == 'min':
            return min(nums)
    if t == 'string':
        if key == 'isnullorempty':
            return args[0] is None or to_string(args[0]) == ''
        if key == 'isnullorwhitespace':
            return args[0] is None or to_string(args[0]).strip() == ''
        if key == 'join':
            items = args[1] if len(args) == 2 and isinstance(args[1], list) else args[1:]
            return to_string(args[0]).join(to_string(i) for i in items)
        if key == 'format':
            from .operators import format_operator
            return format_operator(args[0], list(args[1:]))
    if t == 'datetime' and key == 'parse':
        return parse_datetime(args[0])
    if t == 'guid' and key == 'newguid':
        return PSObject('System.Guid', [('Guid', str(uuid.uuid4()))], to_string=str(uuid.uuid4()))
    if t in ('net.dns', 'dns') and key == 'gethostname':
        return interp.host.computer_name
    raise PSRuntimeError(f"Method invocation failed because [{type_ref.name}] does not contain a method named "
                         f"'{name}'.", 'InvalidOperation', 'MethodNotFound')


_DATE_TOKENS = [('yyyy', '%Y'), ('yy', '%y'), ('MMMM', '%B'), ('MMM', '%b'), ('MM', '%m'), ('dddd', '%A'),
                ('ddd', '%a'), ('dd', '%d'), ('HH', '%H'), ('hh', '%I'), ('mm', '%M'), ('ss', '%S'), ('tt', '%p')]


def format_datetime_pattern(value: dt.datetime, pattern: str) -> str:
    """DateTime.ToString(format): the standard 'o', 's', 'u' and common custom patterns."""
    frac = f'{value.microsecond * 10:07d}'
    if pattern in ('o', 'O'):
        return value.strftime('%Y-%m-%dT%H:%M:%S.') + frac + 'Z'
    if pattern == 's':
        return value.strftime('%Y-%m-%dT%H:%M:%S')
    if pattern == 'u':
        return value.strftime('%Y-%m-%d %H:%M:%SZ')
    out, i = [], 0
    while i < len(pattern):
        for token, code in _DATE_TOKENS:
            if pattern.startswith(token, i):
                out.append(value.strftime(code))
                i += len(token)
                break
        else:
            m = re.match(r'f{1,7}', pattern[i:])
            if m:
                out.append(frac[:len(m.group(0))])
                i += len(m.group(0))
            else:
                out.append(pattern[i])
                i += 1
    return ''.join(out)


def property_names(value: Any) -> list[str]:
    """The property names a value shows to Select-Object / ConvertTo-Json / Format-List."""
    if isinstance(value, PSObject):
        return value.props.keys()
    if isinstance(value, (PSHashtable, CIDict)):
        return value.keys()
    return []
