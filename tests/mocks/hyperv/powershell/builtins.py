"""Core cmdlets every script leans on: JSON, pipeline shaping, output streams, sleep and dates."""
from __future__ import annotations

import datetime as dt
from typing import Any

from . import operators
from .commands import Invocation, Param, Registry
from .formatting import format_output
from .jsonfmt import convert_from_json, convert_to_json
from .members import get_member, property_names
from .values import (GetDateResult, PSHashtable, PSObject, PSRuntimeError, ScriptBlock, make_object, to_number,
                     to_string, unroll)

CORE = Registry()


def _items(inv: Invocation, param: str) -> list:
    """Pipeline input, or the -InputObject argument enumerated."""
    if inv.given(param):
        return unroll(inv.get(param))
    return inv.input


@CORE.add('ConvertTo-Json', Param('InputObject', 'object', position=0, pipeline=True), Param('Depth', 'int'),
          Param('Compress', 'switch'))
def convert_to_json_cmd(inv: Invocation):
    depth = inv.get('Depth', 2)
    if inv.given('InputObject'):
        value = inv.get('InputObject')
    elif not inv.input:
        return None
    else:
        value = inv.input[0] if len(inv.input) == 1 else list(inv.input)
    return convert_to_json(value, depth, bool(inv.get('Compress')))


@CORE.add('ConvertFrom-Json', Param('InputObject', 'string', position=0, mandatory=True, pipeline=True))
def convert_from_json_cmd(inv: Invocation):
    text = inv.get('InputObject') if inv.given('InputObject') else '\n'.join(to_string(i) for i in inv.input)
    value = convert_from_json(text)
    inv.output.append(value)  # an array is written as one object, as Windows PowerShell 5.1 does


@CORE.add('ForEach-Object', Param('Process', 'object[]', position=0), Param('Begin', 'scriptblock'),
          Param('End', 'scriptblock'), Param('InputObject', 'object', pipeline=True),
          Param('MemberName', 'string'), aliases=('%', 'foreach'))
def foreach_object(inv: Invocation):
    blocks = inv.get('Process') or []
    member = inv.get('MemberName')
    if blocks and not isinstance(blocks[0], ScriptBlock):
        member, blocks = to_string(blocks[0]), []
    out: list = []
    if inv.get('Begin'):
        out.extend(inv.run_block(inv.get('Begin')))
    for item in _items(inv, 'InputObject'):
        if member:
            value = get_member(item, member)
            out.extend(unroll(value))
        for block in blocks:
            out.extend(inv.run_block(block, item))
    if inv.get('End'):
        out.extend(inv.run_block(inv.get('End')))
    return out


_WHERE_OPS = ['EQ', 'NE', 'GT', 'GE', 'LT', 'LE', 'Like', 'NotLike', 'Match', 'NotMatch', 'Contains',
              'NotContains', 'In', 'NotIn', 'CEQ', 'CNE', 'CLike', 'CMatch']


@CORE.add('Where-Object', Param('FilterScript', 'object', position=0), Param('Value', 'object', position=1),
          Param('Property', 'string'), Param('InputObject', 'object', pipeline=True),
          *[Param(op, 'switch') for op in _WHERE_OPS], aliases=('?', 'where'))
def where_object(inv: Invocation):
    script = inv.get('FilterScript')
    items = _items(inv, 'InputObject')
    if isinstance(script, ScriptBlock):
        return [item for item in items if _truthy(inv.run_block(script, item))]
    prop = inv.get('Property') or to_string(script)
    op = next((o for o in _WHERE_OPS if inv.get(o)), None)
    out = []
    for item in items:
        value = get_member(item, prop)
        if op is None:
            keep = bool(value)
        else:
            keep = bool(operators.compare('-' + op, value, inv.get('Value'), inv.interp.variables))
        if keep:
            out.append(item)
    return out


def _truthy(result: list) -> bool:
    from .values import to_bool
    return to_bool(result[0] if len(result) == 1 else result)


def _property_value(inv: Invocation, item: Any, spec: Any) -> tuple[str, Any]:
    if isinstance(spec, PSHashtable):
        name = to_string(spec.get('Name') or spec.get('N') or spec.get('Label') or spec.get('L'))
        expr = spec.get('Expression') or spec.get('E')
        if isinstance(expr, ScriptBlock):
            result = inv.run_block(expr, item)
            return name, result[0] if len(result) == 1 else (result or None)
        return name, get_member(item, to_string(expr))
    name = to_string(spec)
    return name, get_member(item, name)


def _expand_wildcards(item: Any, specs: list) -> list:
    out = []
    for spec in specs:
        if isinstance(spec, str) and ('*' in spec or '?' in spec):
            out.extend(n for n in property_names(item) if operators.like(n, spec))
        else:
            out.append(spec)
    return out


@CORE.add('Select-Object', Param('Property', 'object[]', position=0), Param('ExpandProperty', 'string'),
          Param('First', 'int'), Param('Last', 'int'), Param('Skip', 'int'), Param('Unique', 'switch'),
          Param('InputObject', 'object', pipeline=True), aliases=('select',))
def select_object(inv: Invocation):
    items = list(_items(inv, 'InputObject'))
    if inv.given('Skip'):
        items = items[inv.get('Skip'):]
    if inv.given('First'):
        items = items[:inv.get('First')]
    if inv.given('Last'):
        items = items[-inv.get('Last'):] if inv.get('Last') else []
    out = []
    for item in items:
        if inv.get('ExpandProperty'):
            name = inv.get('ExpandProperty')
            if isinstance(item, (PSObject, PSHashtable)) and name not in (
                    item.props if isinstance(item, PSObject) else item):
                raise inv.fail(f'Property "{name}" cannot be found.', 'InvalidArgument',
                               'ExpandPropertyNotFound', 'PSArgumentException', item)
            out.extend(unroll(get_member(item, name)))
        elif inv.get('Property'):
            specs = _expand_wildcards(item, inv.get('Property'))
            out.append(make_object([_property_value(inv, item, s) for s in specs]))
        else:
            out.append(item)
    if inv.get('Unique'):
        seen, unique = set(), []
        for item in out:
            key = to_string(item).lower()
            if key not in seen:
                seen.add(key)
                unique.append(item)
        out = unique
    return out


@CORE.add('Sort-Object', Param('Property', 'object[]', position=0), Param('Descending', 'switch'),
          Param('Unique', 'switch'), Param('InputObject', 'object', pipeline=True), aliases=('sort',))
def sort_object(inv: Invocation):
    items = list(_items(inv, 'InputObject'))
    specs = inv.get('Property') or []

    def key(item):
        values = [_property_value(inv, item, s)[1] for s in specs] if specs else [item]
        return [_SortKey(v) for v in values]
    items.sort(key=key, reverse=bool(inv.get('Descending')))
    return items


class _SortKey:
    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        if self.value is None or other.value is None:
            return self.value is None and other.value is not None
        return operators.compare('-lt', self.value, other.value, {})


@CORE.add('Measure-Object', Param('Property', 'string', position=0), Param('Sum', 'switch'),
          Param('Average', 'switch'), Param('Maximum', 'switch'), Param('Minimum', 'switch'),
          Param('InputObject', 'object', pipeline=True), aliases=('measure',))
def measure_object(inv: Invocation):
    items = list(_items(inv, 'InputObject'))
    prop = inv.get('Property')
    values = [to_number(get_member(i, prop) if prop else i) for i in items]
    return make_object([
        ('Count', len(items)),
        ('Average', (sum(values) / len(values)) if inv.get('Average') and values else None),
        ('Sum', sum(values) if inv.get('Sum') else None),
        ('Maximum', max(values) if inv.get('Maximum') and values else None),
        ('Minimum', min(values) if inv.get('Minimum') and values else None),
        ('Property', prop),
    ], 'Microsoft.PowerShell.Commands.GenericMeasureInfo')


@CORE.add('Write-Output', Param('InputObject', 'object[]', position=0, pipeline=True),
          aliases=('echo', 'write'))
def write_output(inv: Invocation):
    return list(inv.input) + (inv.get('InputObject') or [])


@CORE.add('Write-Host', Param('Object', 'object', position=0, pipeline=True), Param('NoNewline', 'switch'),
          Param('ForegroundColor'), Param('BackgroundColor'), Param('Separator'))
def write_host(inv: Invocation):
    value = inv.get('Object') if inv.given('Object') else inv.input
    inv.interp.write_host(to_string(value))


@CORE.add('Write-Error', Param('Message', 'string', position=0), Param('Category'), Param('ErrorId'),
          Param('TargetObject', 'object'))
def write_error(inv: Invocation):
    inv.write_error(inv.get('Message') or '', inv.get('Category') or 'NotSpecified',
                    inv.get('ErrorId') or 'Microsoft.PowerShell.Commands.WriteErrorException',
                    'WriteErrorException', inv.get('TargetObject'))


@CORE.add('Write-Warning', Param('Message', 'string', position=0, pipeline=True))
def write_warning(inv: Invocation):
    inv.interp.warnings.append(inv.get('Message') or '')


@CORE.add('Write-Verbose', Param('Message', 'string', position=0, pipeline=True))
def write_verbose(inv: Invocation):
    return None


@CORE.add('Write-Progress', Param('Activity', 'string', position=0), Param('Status', 'string', position=1),
          Param('PercentComplete', 'int'), Param('Completed', 'switch'), Param('Id', 'int'))
def write_progress(inv: Invocation):
    return None


@CORE.add('Out-Null', Param('InputObject', 'object', pipeline=True))
def out_null(inv: Invocation):
    return None


@CORE.add('Out-String', Param('InputObject', 'object', pipeline=True), Param('Width', 'int'),
          Param('Stream', 'switch'))
def out_string(inv: Invocation):
    return format_output(_items(inv, 'InputObject')).replace('\r\n', '\n')


@CORE.add('Start-Sleep', Param('Seconds', 'double', position=0), Param('Milliseconds', 'int', aliases=('ms',)))
def start_sleep(inv: Invocation):
    seconds = inv.get('Seconds') if inv.given('Seconds') else (inv.get('Milliseconds') or 0) / 1000.0
    if seconds < 0:
        raise inv.fail('Cannot validate argument on parameter \'Seconds\'. The argument is less than the minimum '
                       'allowed range of 0.', 'InvalidData', 'ParameterArgumentValidationError',
                       'ParameterBindingValidationException')
    inv.host.sleep(seconds)


@CORE.add('Get-Date', Param('Date', 'datetime', position=0), Param('Format', 'string'),
          Param('UFormat', 'string'))
def get_date(inv: Invocation):
    value = inv.get('Date') or inv.now()
    if inv.get('Format'):
        from .members import format_datetime_pattern
        return format_datetime_pattern(value, inv.get('Format'))
    return GetDateResult(value.year, value.month, value.day, value.hour, value.minute, value.second,
                         value.microsecond)


@CORE.add('New-TimeSpan', Param('Start', 'datetime', position=0), Param('End', 'datetime', position=1),
          Param('Days', 'int'), Param('Hours', 'int'), Param('Minutes', 'int'), Param('Seconds', 'int'))
def new_timespan(inv: Invocation):
    if inv.given('Start') or inv.given('End'):
        return (inv.get('End') or inv.now()) - (inv.get('Start') or inv.now())
    return dt.timedelta(days=inv.get('Days', 0), hours=inv.get('Hours', 0), minutes=inv.get('Minutes', 0),
                        seconds=inv.get('Seconds', 0))


@CORE.add('New-Object', Param('TypeName', 'string', position=0), Param('Property', 'hashtable'),
          Param('ArgumentList', 'object[]'))
def new_object(inv: Invocation):
    type_name = (inv.get('TypeName') or '').lower()
    if type_name in ('psobject', 'pscustomobject', 'system.management.automation.psobject'):
        return make_object(inv.get('Property') or PSHashtable())
    raise PSRuntimeError(f'Cannot find type [{inv.get("TypeName")}]: verify that the assembly containing this '
                         f'type is loaded.', 'InvalidType', 'TypeNotFound', 'PSArgumentException')
