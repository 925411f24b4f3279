"""Cmdlet declarations and PowerShell-style parameter binding.

A cmdlet is a Python function taking an Invocation; its parameters are declared with `Param` so
that binding behaves like PowerShell's: unique prefixes and aliases, switches, `-Name:value`,
positional arguments, type conversion, and the same errors for unknown or ambiguous parameters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import ErrorRecord, ScriptTerminated, StatementTerminated
from .values import (CIDict, EnumType, PSEnum, PSHashtable, PSRuntimeError, ScriptBlock, parse_datetime, to_bool,
                     to_int, to_number, to_string, to_timespan, type_display_name, unroll)


@dataclass
class Param:
    """One parameter: its type is 'string', 'string[]', 'int', 'int[]', 'double', 'bool', 'switch',
    'hashtable', 'hashtable[]', 'datetime', 'timespan', 'scriptblock', 'object', 'object[]' or an EnumType."""

    name: str
    type: Any = 'string'
    position: int | None = None
    mandatory: bool = False
    aliases: tuple[str, ...] = ()
    pipeline: bool = False
    sets: tuple[str, ...] = ()  # the parameter sets it belongs to; () = all of them


COMMON_PARAMS = [
    Param('ErrorAction', aliases=('ea',)), Param('WarningAction', aliases=('wa',)),
    Param('InformationAction', aliases=('infa',)), Param('ErrorVariable', aliases=('ev',)),
    Param('WarningVariable', aliases=('wv',)), Param('InformationVariable', aliases=('iv',)),
    Param('OutVariable', aliases=('ov',)), Param('OutBuffer', 'int', aliases=('ob',)),
    Param('PipelineVariable', aliases=('pv',)), Param('Verbose', 'switch', aliases=('vb',)),
    Param('Debug', 'switch', aliases=('db',)),
]
SHOULD_PROCESS_PARAMS = [Param('WhatIf', 'switch', aliases=('wi',)), Param('Confirm', 'switch', aliases=('cf',))]


@dataclass
class Command:
    name: str
    func: Callable[['Invocation'], Any]
    params: list[Param]
    namespace: str = 'Microsoft.PowerShell.Commands'
    should_process: bool = False
    confirm_high: bool = False
    all_params: list[Param] = field(default_factory=list)
    default_set: str | None = None  # set when the cmdlet declares parameter sets (Param.sets)

    def __post_init__(self):
        self.all_params = list(self.params) + COMMON_PARAMS + (SHOULD_PROCESS_PARAMS if self.should_process else [])

    @property
    def class_name(self) -> str:
        return f'{self.namespace}.{self.name.replace("-", "")}Command'

    def fqid(self, base: str) -> str:
        return f'{base},{self.class_name}'

    def resolve(self, given: str) -> Param:
        """The parameter a (possibly abbreviated) name refers to, or a binding error."""
        low = given.lower()
        for p in self.all_params:
            if p.name.lower() == low or low in (a.lower() for a in p.aliases):
                return p
        matches = [p for p in self.all_params if p.name.lower().startswith(low)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise self.binding_error(f"A parameter cannot be found that matches parameter name '{given}'.",
                                     'NamedParameterNotFound')
        names = ' '.join('-' + p.name for p in matches)
        raise self.binding_error(f"Parameter cannot be processed because the parameter name '{given}' is ambiguous. "
                                 f"Possible matches include: {names}.", 'AmbiguousParameter')

    def binding_error(self, message: str, fqid: str, target: Any = None) -> StatementTerminated:
        return StatementTerminated(ErrorRecord(message, 'InvalidArgument', self.fqid(fqid),
                                               'ParameterBindingException', target=target, command=self.name,
                                               activity=self.name))


class Registry:
    """Known cmdlets and aliases, looked up case-insensitively."""

    def __init__(self):
        self.commands: dict[str, Command] = {}
        self.aliases: dict[str, str] = {}

    def add(self, name: str, *params: Param, namespace: str = 'Microsoft.PowerShell.Commands',
            should_process: bool = False, confirm_high: bool = False, aliases: tuple[str, ...] = (),
            default_set: str | None = None):
        def decorate(func):
            self.commands[name.lower()] = Command(name, func, list(params), namespace, should_process, confirm_high,
                                                  default_set=default_set)
            for alias in aliases:
                self.aliases[alias.lower()] = name
            return func
        return decorate

    def merge(self, other: 'Registry') -> 'Registry':
        self.commands.update(other.commands)
        self.aliases.update(other.aliases)
        return self

    def lookup(self, name: str) -> Command | None:
        low = name.lower()
        low = self.aliases.get(low, name).lower()
        return self.commands.get(low)


def convert(value: Any, ptype: Any, param: Param, command: Command) -> Any:
    """Convert an argument to the parameter's type, failing the way PowerShell's binder does."""
    try:
        return _convert(value, ptype)
    except PSRuntimeError as exc:
        raise command.binding_error(
            f"Cannot bind parameter '{param.name}'. {exc.message}",
            'CannotConvertArgumentNoMessage', target=value) from None


def _convert(value: Any, ptype: Any) -> Any:
    if isinstance(ptype, EnumType):
        if isinstance(value, list) and not ptype.flags:
            if len(value) != 1:
                raise ptype.conversion_error(value)
            value = value[0]
        return ptype(value)
    if ptype == 'object':
        return value
    if ptype == 'object[]':
        return unroll(value) if value is not None else None
    if ptype.endswith('[]'):
        return [_convert(v, ptype[:-2]) for v in unroll(value)]
    if isinstance(value, list):
        if len(value) == 1:
            value = value[0]
        elif ptype not in ('string',):
            raise PSRuntimeError(f'Cannot convert the "{to_string(value)}" value of type "System.Object[]" to type '
                                 f'"{_type_label(ptype)}".')
        else:
            return to_string(value)
    if ptype == 'string':
        return None if value is None else to_string(value)
    if ptype == 'int':
        return to_int(value)
    if ptype == 'double':
        return float(to_number(value))
    if ptype == 'bool':
        if isinstance(value, (bool, int)) or value is None:
            return to_bool(value)
        if isinstance(value, PSEnum):
            return to_bool(value)
        raise PSRuntimeError(f'Cannot convert value "{to_string(value)}" to type "System.Boolean". Boolean '
                             f'parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.')
    if ptype == 'switch':
        return to_bool(value)
    if ptype == 'hashtable':
        if isinstance(value, PSHashtable):
            return value
        raise PSRuntimeError(f'Cannot convert the "{to_string(value)}" value of type "{type_display_name(value)}" '
                             f'to type "System.Collections.Hashtable".')
    if ptype == 'datetime':
        return parse_datetime(value)
    if ptype == 'timespan':
        return to_timespan(value)
    if ptype == 'scriptblock':
        if isinstance(value, ScriptBlock):
            return value
        raise PSRuntimeError(f'Cannot convert the "{to_string(value)}" value of type "{type_display_name(value)}" '
                             f'to type "System.Management.Automation.ScriptBlock".')
    return value


def _type_label(ptype: str) -> str:
    return {'int': 'System.Int32', 'bool': 'System.Boolean', 'double': 'System.Double',
            'datetime': 'System.DateTime', 'hashtable': 'System.Collections.Hashtable'}.get(ptype, 'System.Object')


@dataclass
class Element:
    """One command element after evaluation: a `-Parameter` (maybe with `:value`) or an argument."""

    kind: str  # 'param' | 'arg'
    name: str = ''
    value: Any = None
    colon: bool = False
    text: str = ''
    node: Any = None


def bind(command: Command, elements: list[Element], has_pipeline_input: bool,
         locate: Callable[[Any], Any] | None = None) -> CIDict:
    """Bind evaluated elements to the command's parameters; returns name → converted value.

    Errors point at the offending element when `locate` (node → Position) is given.
    """
    try:
        return _bind(command, elements, has_pipeline_input)
    except StatementTerminated as exc:
        culprit = getattr(exc, 'element', None)
        if locate is not None and culprit is not None and culprit.node is not None:
            exc.record.position = locate(culprit.node)
        raise


def _bind(command: Command, elements: list[Element], has_pipeline_input: bool) -> CIDict:
    bound: CIDict = CIDict()
    positional: list[Element] = []
    i = 0
    while i < len(elements):
        el = elements[i]
        if el.kind != 'param':
            positional.append(el)
            i += 1
            continue
        try:
            param = command.resolve(el.name)
        except StatementTerminated as exc:
            exc.element = el  # type: ignore[attr-defined]
            raise
        if param.name in bound:
            raise command.binding_error(f"Cannot bind parameter because parameter '{param.name}' is specified more "
                                        f"than once. To provide multiple values to parameters that can accept "
                                        f"multiple values, use the array syntax.", 'ParameterAlreadyBound')
        if el.colon:
            bound[param.name] = convert(el.value, param.type, param, command)
        elif param.type == 'switch':
            bound[param.name] = True
        else:
            if i + 1 >= len(elements) or elements[i + 1].kind == 'param':
                raise command.binding_error(
                    f"Missing an argument for parameter '{param.name}'. Specify a parameter of type "
                    f"'{_type_name_for_message(param.type)}' and try again.", 'MissingArgument')
            i += 1
            bound[param.name] = convert(elements[i].value, param.type, param, command)
        i += 1
    slots = sorted((p for p in command.params if p.position is not None), key=lambda p: p.position)
    for el in positional:
        slot = next((p for p in slots if p.name not in bound), None)
        if slot is None:
            error = command.binding_error(f"A positional parameter cannot be found that accepts argument "
                                          f"'{to_string(el.value)}'.", 'PositionalParameterNotFound', el.value)
            error.element = el  # type: ignore[attr-defined]
            raise error
        bound[slot.name] = convert(el.value, slot.type, slot, command)
    missing = [p.name for p in command.params
               if p.mandatory and p.name not in bound and not (p.pipeline and has_pipeline_input)]
    if missing:
        raise StatementTerminated(ErrorRecord(
            f'Cannot process command because of one or more missing mandatory parameters: {" ".join(missing)}.',
            'InvalidArgument', command.fqid('MissingMandatoryParameter'), 'ParameterBindingException',
            command=command.name, activity=command.name))
    parameter_set(command, bound)
    return bound


def parameter_set(command: Command, bound) -> str | None:
    """The parameter set the bound names select (None when the cmdlet declares none), or the binder's error.

    Every set that holds all the bound parameters is a candidate; one candidate, or the default set among
    several, is chosen. Otherwise: "Parameter set cannot be resolved using the specified named parameters."
    """
    if command.default_set is None:
        return None
    by_name = {p.name: p for p in command.params}
    every = {s for p in command.params for s in p.sets} | {command.default_set}
    candidates = set(every)
    for name in bound:
        param = by_name.get(name)
        if param is not None and param.sets:
            candidates &= set(param.sets)
    if len(candidates) == 1:
        return candidates.pop()
    if command.default_set in candidates:
        return command.default_set
    raise command.binding_error('Parameter set cannot be resolved using the specified named parameters.',
                                'AmbiguousParameterSet')


def _type_name_for_message(ptype: Any) -> str:
    if isinstance(ptype, EnumType):
        return ptype.full_name
    return {'string': 'System.String', 'string[]': 'System.String[]', 'int': 'System.Int32',
            'int[]': 'System.Int32[]', 'bool': 'System.Boolean', 'hashtable': 'System.Collections.Hashtable',
            'hashtable[]': 'System.Collections.Hashtable[]', 'datetime': 'System.DateTime',
            'timespan': 'System.TimeSpan', 'scriptblock': 'System.Management.Automation.ScriptBlock',
            'double': 'System.Double'}.get(ptype, 'System.Object')


class Invocation:
    """What a cmdlet function sees: its bound arguments, pipeline input, and the host."""

    def __init__(self, interp, command: Command, args: CIDict, input_items: list, position, merge_errors: bool):
        self.interp = interp
        self.command = command
        self.args = args
        self.input = input_items
        self.position = position
        self.merge_errors = merge_errors
        self.output: list = []
        action = args.get('ErrorAction') or interp.variables.get('ErrorActionPreference') or 'Continue'
        self.error_action = to_string(action).lower()

    @property
    def host(self):
        return self.interp.host

    def get(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def given(self, name: str) -> bool:
        return name in self.args

    @property
    def parameter_set(self) -> str | None:
        return parameter_set(self.command, self.args)

    def record(self, message: str, category: str, fqid: str, exception_type: str = 'InvalidOperationException',
               target: Any = None) -> ErrorRecord:
        return ErrorRecord(message, category, self.command.fqid(fqid), exception_type, target=target,
                           command=self.command.name, position=self.position, activity=self.command.name)

    def write_error(self, message: str, category: str = 'NotSpecified', fqid: str = 'Error',
                    exception_type: str = 'InvalidOperationException', target: Any = None) -> None:
        """A non-terminating error, honouring -ErrorAction (Stop turns it into a terminating one)."""
        record = self.record(message, category, fqid, exception_type, target)
        self.interp.record_error(record)
        if self.error_action == 'stop':
            raise ScriptTerminated(record)
        if self.error_action in ('silentlycontinue', 'ignore'):
            return
        if self.merge_errors:
            self.output.append(record)
        else:
            self.interp.emit_error(record)

    def fail(self, message: str, category: str = 'NotSpecified', fqid: str = 'Error',
             exception_type: str = 'InvalidOperationException', target: Any = None) -> StatementTerminated:
        """A terminating error of this cmdlet (raise the result)."""
        return StatementTerminated(self.record(message, category, fqid, exception_type, target))

    def run_block(self, block: ScriptBlock, item: Any = None, args: list | None = None) -> list:
        return self.interp.invoke_scriptblock(block, dollar_under=item, args=args, collect=True)

    def now(self) -> dt.datetime:
        return self.host.now()
