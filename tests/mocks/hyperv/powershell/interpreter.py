"""A small PowerShell evaluator that walks the tree-sitter syntax tree.

It runs the subset documented in the README: variables, literals, arrays, hashtables, member and
method access, operators, pipelines of cmdlets and script blocks, if/foreach/for/while/do,
try/catch/finally, throw/return/exit, simple functions, and the error semantics of Windows
PowerShell 5.1 (non-terminating, statement-terminating and script-terminating errors, `$?`).
"""
from __future__ import annotations

import re
from typing import Any

from . import operators
from .commands import Element, Invocation, bind
from .errors import (BreakSignal, ContinueSignal, ErrorRecord, ExitSignal, ParseError, Position, ReturnSignal,
                     ScriptTerminated, StatementTerminated)
from .expressions import PASSTHROUGH, ExpressionEvaluator, text
from .formatting import format_output
from .members import set_member
from .parser import parse
from .values import (CIDict, PSHashtable, PSRuntimeError, PSType, ScriptBlock, collapse, to_bool, to_int, to_string,
                     unroll)

_SKIP = {'comment', 'empty_statement'}
_VOID_EXPRESSIONS = {'post_increment_expression', 'post_decrement_expression', 'pre_increment_expression',
                     'pre_decrement_expression'}
MAX_STEPS = 2_000_000
_MISSING = object()
_NUMERIC_COMMAND = re.compile(r'(-?\d+)(?:\.\.(-?\d+))?')


class Function:
    """A `function name($a, $b = 1) { ... }` definition."""

    def __init__(self, name: str, params: list[tuple[str, Any]], body):
        self.name = name
        self.params = params
        self.body = body


class ScriptResult:
    """What a script run leaves behind: stdout text, error records (stderr), exit code."""

    def __init__(self, stdout: str, errors: list[ErrorRecord], warnings: list[str], exit_code: int):
        self.stdout = stdout
        self.errors = errors
        self.warnings = warnings
        self.exit_code = exit_code


class Interpreter(ExpressionEvaluator):
    """Evaluates one script against a host (the node it runs on, its clock and its cmdlets)."""

    def __init__(self, host, variables: CIDict | None = None):
        self.host = host
        self.variables = variables if variables is not None else self._default_variables()
        self.functions: dict[str, Function] = {}
        self.stdout: list[str] = []
        self.errors: list[ErrorRecord] = []
        self.warnings: list[str] = []
        self.error_count = 0
        self.last_ok = True
        self.try_depth = 0
        self.nesting = 0
        self.steps = 0
        self.source_lines: list[str] = []
        self._stmt_handlers: dict[str, Any] = {}
        self._eval_cache: dict[int, tuple] = {}  # node id -> (innermost node, handler)
        self._list_cache: dict[tuple[str, int], list] = {}  # statements, pipeline elements, named children

    def _default_variables(self) -> CIDict:
        return CIDict([
            ('ErrorActionPreference', 'Continue'), ('WarningPreference', 'Continue'),
            ('ProgressPreference', 'Continue'), ('VerbosePreference', 'SilentlyContinue'),
            ('ConfirmPreference', 'High'), ('WhatIfPreference', False), ('Error', []),
            ('PSVersionTable', PSHashtable([('PSVersion', '5.1.17763.1'), ('PSEdition', 'Desktop')])),
            ('PID', 4242), ('LASTEXITCODE', 0),
        ])

    # ----------------------------------------------------------------- running
    def run(self, source: str) -> ScriptResult:
        """Parse and run a whole script, as `powershell -EncodedCommand` would."""
        try:
            tree = parse(source)
        except ParseError as exc:
            return ScriptResult('', [exc.record], [], 1)
        self.source_lines = source.splitlines() or ['']
        code = None
        try:
            for statement in self._statements(tree.root_node):
                output = self.exec_statement(statement)
                self._write_output(output)
        except ExitSignal as exc:
            code = exc.code
        except ScriptTerminated as exc:
            self.emit_error(exc.record)
            code = 1
        except ReturnSignal as exc:
            self._write_output(unroll(exc.value))
        except (BreakSignal, ContinueSignal):
            pass
        if code is None:
            code = 0 if self.last_ok else 1
        return ScriptResult(''.join(self.stdout), self.errors, self.warnings, code)

    def run_nested(self, source: str) -> ScriptResult:
        """Run another script (a .ps1 file) with a fresh interpreter on the same host."""
        return Interpreter(self.host).run(source)

    def _write_output(self, items: list) -> None:
        if items:
            self.stdout.append(format_output(items))

    def write_host(self, line: str) -> None:
        self.stdout.append(line + '\r\n')

    def record_error(self, record: ErrorRecord) -> None:
        """Add to $Error; errors inside (...), $(...) or @(...) do not fail the enclosing statement's $?."""
        self.variables['Error'] = [record] + list(self.variables.get('Error') or [])
        if self.nesting == 0:
            self.error_count += 1

    def emit_error(self, record: ErrorRecord) -> None:
        """Write an error to the error stream (the host's stderr)."""
        if record not in self.errors:
            self.errors.append(record)

    def position(self, node) -> Position:
        return Position.of(node, self.source_lines)

    # -------------------------------------------------------------- statements
    def _statements(self, node) -> list:
        key = ('statements', node.id)
        found = self._list_cache.get(key)
        if found is None:
            found = self._list_cache[key] = self._find_statements(node)
        return found

    def _named(self, node) -> list:
        key = ('named', node.id)
        found = self._list_cache.get(key)
        if found is None:
            found = self._list_cache[key] = node.named_children
        return found

    def _find_statements(self, node) -> list:
        if node.type in ('program', 'statement_block', 'script_block', 'script_block_body'):
            found = []
            for child in node.named_children:
                if child.type in ('statement_list', 'script_block_body', 'script_block'):
                    found.extend(self._find_statements(child))
                elif child.type not in _SKIP:
                    found.append(child)
            return found
        if node.type == 'statement_list':
            return [c for c in node.named_children if c.type not in _SKIP]
        if node.type in ('array_expression', 'sub_expression'):
            inner = next((c for c in node.named_children if c.type == 'statement_list'), None)
            return self._find_statements(inner) if inner is not None else []
        return [node]

    def exec_block(self, node) -> list:
        output: list = []
        for statement in self._statements(node):
            output.extend(self.exec_statement(statement))
        return output

    def exec_statement(self, node) -> list:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ScriptTerminated(ErrorRecord('The mock stopped a script that ran too many statements without '
                                               'finishing (a busy loop without Start-Sleep?).', 'LimitsExceeded',
                                               'MockStepLimit'))
        self.host.check_cancel()
        before = self.error_count
        try:
            output = self._exec(node)
            self.last_ok = self.error_count == before
            return output
        except StatementTerminated as exc:
            record = exc.record.with_context(None, self.position(node))
            if self.try_depth or to_string(self.variables.get('ErrorActionPreference')).lower() == 'stop':
                raise ScriptTerminated(record) from None
            self.record_error(record)
            self.emit_error(record)
            self.last_ok = False
            return []
        except PSRuntimeError as exc:
            record = ErrorRecord(exc.message, exc.category, exc.fqid, exc.exception_type, target=exc.target,
                                 position=self.position(node))
            if self.try_depth or to_string(self.variables.get('ErrorActionPreference')).lower() == 'stop':
                raise ScriptTerminated(record) from None
            self.record_error(record)
            self.emit_error(record)
            self.last_ok = False
            return []

    def _exec(self, node) -> list:
        kind = node.type
        handler = self._stmt_handlers.get(kind, _MISSING)
        if handler is _MISSING:
            handler = self._stmt_handlers[kind] = getattr(self, f'_stmt_{kind}', None)
        if handler is not None:
            return handler(node)
        if kind == 'pipeline':
            child = self._named(node)[0]
            if child.type == 'assignment_expression':
                self.assign(child)
                return []
            return self.run_pipeline(child)
        if kind == 'assignment_expression':
            self.assign(node)
            return []
        return self.run_pipeline(node)

    def _stmt_if_statement(self, node) -> list:
        if to_bool(self.value_of(node.child_by_field_name('condition'))):
            return self.exec_block(self._block(node))
        elseifs = node.child_by_field_name('elseif_clauses')
        for clause in (elseifs.named_children if elseifs else []):
            if to_bool(self.value_of(clause.child_by_field_name('condition'))):
                return self.exec_block(self._block(clause))
        else_clause = node.child_by_field_name('else_clause')
        if else_clause is not None:
            return self.exec_block(self._block(else_clause))
        return []

    def _block(self, node):
        return next(c for c in node.named_children if c.type == 'statement_block')

    def _loop_body(self, body, output: list) -> bool:
        """Run one iteration; False when the loop should stop (break)."""
        self.host.check_cancel()
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ScriptTerminated(ErrorRecord('The mock stopped a script that ran too many statements without '
                                               'finishing (a busy loop without Start-Sleep?).', 'LimitsExceeded',
                                               'MockStepLimit'))
        try:
            output.extend(self.exec_block(body))
        except ContinueSignal:
            pass
        except BreakSignal:
            return False
        return True

    def _stmt_foreach_statement(self, node) -> list:
        variable = next(c for c in node.named_children if c.type == 'variable')
        collection = next(c for c in node.named_children if c.type == 'pipeline')
        body = self._block(node)
        output: list = []
        for item in unroll(self.value_of(collection)):
            self.set_variable(text(variable), item)
            if not self._loop_body(body, output):
                break
        return output

    def _stmt_while_statement(self, node) -> list:
        condition = node.child_by_field_name('condition')
        body = self._block(node)
        output: list = []
        while to_bool(self.value_of(condition)):
            if not self._loop_body(body, output):
                break
        return output

    def _stmt_do_statement(self, node) -> list:
        condition = node.child_by_field_name('condition')
        until = any(not c.is_named and c.type == 'until' for c in node.children)
        body = self._block(node)
        output: list = []
        while True:
            if not self._loop_body(body, output):
                break
            result = to_bool(self.value_of(condition))
            if result == until:
                break
        return output

    def _stmt_for_statement(self, node) -> list:
        init = node.child_by_field_name('for_initializer')
        condition = node.child_by_field_name('for_condition')
        step = node.child_by_field_name('for_iterator')
        body = self._block(node)
        output: list = []
        if init is not None:
            self._exec(init.named_children[0])
        while condition is None or to_bool(self.value_of(condition)):
            if not self._loop_body(body, output):
                break
            if step is not None:
                self._exec(step.named_children[0])
        return output

    def _stmt_try_statement(self, node) -> list:
        body = self._block(node)
        clauses = next((c for c in node.named_children if c.type == 'catch_clauses'), None)
        final = next((c for c in node.named_children if c.type == 'finally_clause'), None)
        output: list = []
        before = self.error_count
        try:
            self.try_depth += 1
            try:
                output.extend(self.exec_block(body))
            finally:
                self.try_depth -= 1
        except (ScriptTerminated, StatementTerminated) as exc:
            if clauses is None:
                raise
            self.error_count = before  # a caught error does not fail the statement
            errors = list(self.variables.get('Error') or [])
            if exc.record not in errors:
                self.variables['Error'] = [exc.record] + errors
            saved = self.variables.get('_'), self.variables.get('PSItem')
            self.variables['_'] = self.variables['PSItem'] = exc.record
            try:
                output.extend(self.exec_block(self._block(clauses.named_children[0])))
            finally:
                self.variables['_'], self.variables['PSItem'] = saved
        finally:
            if final is not None:
                output.extend(self.exec_block(self._block(final)))
        return output

    def _stmt_flow_control_statement(self, node) -> list:
        keyword = node.children[0].type.lower()
        operand = node.named_children[0] if node.named_children else None
        if keyword == 'break':
            raise BreakSignal()
        if keyword == 'continue':
            raise ContinueSignal()
        if keyword == 'return':
            raise ReturnSignal(self.value_of(operand) if operand is not None else None)
        if keyword == 'exit':
            raise ExitSignal(to_int(self.value_of(operand)) if operand is not None else 0)
        if keyword == 'throw':
            value = self.value_of(operand) if operand is not None else 'ScriptHalted'
            if isinstance(value, ErrorRecord):
                raise ScriptTerminated(value)
            message = to_string(value)
            raise ScriptTerminated(ErrorRecord(message, 'OperationStopped', message, 'RuntimeException',
                                               target=message, position=self.position(node), activity=''))
        raise PSRuntimeError(f"'{keyword}' is not supported by this mock.")

    def _stmt_function_statement(self, node) -> list:
        name = text(node.child_by_field_name('function_name') or
                    next(c for c in node.named_children if c.type == 'function_name'))
        params: list[tuple[str, Any]] = []
        decl = next((c for c in node.named_children if c.type == 'function_parameter_declaration'), None)
        if decl is not None:
            plist = next((c for c in decl.named_children if c.type == 'parameter_list'), None)
            for p in (plist.named_children if plist else []):
                if p.type != 'script_parameter':
                    continue
                var = next(c for c in p.named_children if c.type == 'variable')
                default = next((c for c in p.named_children if c.type == 'script_parameter_default'), None)
                params.append((self._variable_name(text(var))[1], default))
        body = next(c for c in node.named_children if c.type == 'script_block')
        self.functions[name.lower()] = Function(name, params, body)
        return []

    # --------------------------------------------------------------- pipelines
    def run_pipeline(self, node) -> list:
        """Run a pipeline (or a lone expression) and return its output objects."""
        while node.type == 'pipeline' and node.named_child_count == 1:
            node = self._named(node)[0]
        if node.type == 'assignment_expression':
            self.assign(node)
            return []
        key = ('elements', node.id)
        elements = self._list_cache.get(key)
        if elements is None:
            elements = [c for c in node.named_children if c.type not in _SKIP] if node.type == 'pipeline_chain' \
                else [node]
            self._list_cache[key] = elements
        items: list = []
        for index, element in enumerate(elements):
            last = index == len(elements) - 1
            if element.type == 'command':
                items = self.invoke_command(element, items, index > 0)
            elif index == 0:
                if last and self._innermost(element).type in _VOID_EXPRESSIONS:
                    self.eval(element)  # `$i++` as a statement writes nothing
                    return []
                value = self.eval(element)
                items = [None] if value is None and not last else unroll(value)
            else:
                raise PSRuntimeError('Expressions are only allowed as the first element of a pipeline.',
                                     'ParserError', 'ExpressionsMustBeFirstInPipeline')
        return items

    def _innermost(self, node):
        while node.type in PASSTHROUGH and node.named_child_count == 1 and node.child_count == 1:
            node = node.named_children[0]
        return node

    def value_of(self, node) -> Any:
        """The value of a pipeline used as an expression (assignment right side, condition, argument)."""
        if node is None:
            return None
        inner = node
        while inner.type in ('pipeline', 'while_condition', 'for_condition') and inner.named_child_count == 1:
            inner = inner.named_children[0]
        if inner.type == 'pipeline_chain':
            real = [c for c in inner.named_children if c.type not in _SKIP]
            if len(real) == 1 and real[0].type != 'command':
                return self.eval(real[0])
            return collapse(self.run_pipeline(inner))
        if inner.type == 'command':
            return collapse(self.invoke_command(inner, [], False))
        if inner.type == 'assignment_expression':
            return self.assign(inner)
        return self.eval(inner)

    def invoke_command(self, node, input_items: list, has_input: bool) -> list:
        name_node = node.child_by_field_name('command_name')
        elements_node = node.child_by_field_name('command_elements')
        elements, merge_errors, discard = self._collect_elements(elements_node)
        if name_node is not None and name_node.type == 'command_name_expr':
            target = self._command_target(name_node)  # `& 'C:\x.ps1'`, `& $block`
            if isinstance(target, ScriptBlock):
                output = self.invoke_scriptblock(target, args=[e.value for e in elements if e.kind == 'arg'],
                                                 input_items=input_items)
                return [] if discard else output
            name = to_string(target)
        else:
            name = text(name_node)
            numeric = _NUMERIC_COMMAND.fullmatch(name)
            if numeric and not elements:  # the grammar reads a leading `1..3` as a command name
                start, end = numeric.group(1), numeric.group(2)
                return list(range(int(start), int(end) + (1 if int(end) >= int(start) else -1),
                                  1 if int(end) >= int(start) else -1)) if end else [int(start)]
        function = self.functions.get(name.lower())
        if function is not None:
            output = self._call_function(function, elements, input_items)
        else:
            command = self.host.registry.lookup(name)
            if command is None:
                script = self.host.read_script(name) if name.lower().endswith('.ps1') else None
                if script is None:
                    raise StatementTerminated(ErrorRecord(
                        f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or "
                        f"operable program. Check the spelling of the name, or if a path was included, verify that "
                        f"the path is correct and try again.", 'ObjectNotFound', 'CommandNotFoundException',
                        'CommandNotFoundException', target=name, command=name,
                        position=self.position(name_node), activity=''))
                output = self._run_script_text(script)
            else:
                args = bind(command, elements, has_input, self.position)
                invocation = Invocation(self, command, args, input_items, self.position(node), merge_errors)
                output = self._call_cmdlet(command, invocation)
        return [] if discard else output

    def _command_target(self, name_node) -> Any:
        inner = name_node.named_children[0]
        if inner.type == 'path_command_name':
            if inner.named_child_count == 1 and inner.named_children[0].type in ('variable', 'braced_variable'):
                return self.eval(inner.named_children[0])
            return text(inner)
        return self.eval(inner)

    def _call_cmdlet(self, command, invocation: Invocation) -> list:
        if command.should_process and invocation.get('WhatIf'):
            self.write_host(f'What if: Performing the operation "{command.name}".')
            return []
        if command.confirm_high and not invocation.get('Force') and invocation.args.get('Confirm', True) is not False:
            raise invocation.fail('Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is '
                                  'not available.', 'InvalidOperation', 'HostFunctionNotImplemented',
                                  'HostException')
        try:
            with self.host.model_lock():
                result = command.func(invocation)
        except PSRuntimeError as exc:
            raise StatementTerminated(invocation.record(exc.message, exc.category, exc.fqid, exc.exception_type,
                                                        exc.target)) from None
        output = invocation.output
        if result is not None:
            output.extend(unroll(result) if isinstance(result, list) else [result])
        return output

    def _run_script_text(self, script: str) -> list:
        nested = Interpreter(self.host)
        result = nested.run(script)
        for record in result.errors:
            self.emit_error(record)
        if result.stdout:
            self.stdout.append(result.stdout)
        return []

    def _collect_elements(self, node) -> tuple[list[Element], bool, bool]:
        """Evaluate a command's elements into parameters and arguments; note 2>&1 and > $null."""
        elements: list[Element] = []
        merge_errors = discard = False
        if node is None:
            return elements, merge_errors, discard
        children = node.children
        pending: Element | None = None
        for index, child in enumerate(children):
            if child.type == 'command_argument_sep' or child.type == 'comment' or not child.is_named:
                continue
            if child.type == 'command_parameter':
                raw = text(child)
                colon = raw.endswith(':')
                nxt = children[index + 1] if index + 1 < len(children) else None
                if nxt is not None and nxt.type == 'command_argument_sep' and text(nxt).strip() == ':':
                    colon = True
                element = Element('param', name=raw.lstrip('-').rstrip(':'), colon=colon, text=raw, node=child)
                elements.append(element)
                pending = element if colon else None
                continue
            if child.type == 'redirection':
                op = text(child.named_children[0]).replace(' ', '')
                target = child.named_children[1] if child.named_child_count > 1 else None
                if op in ('2>&1', '*>&1'):
                    merge_errors = True
                elif target is not None and text(target).strip().lower() == '$null' and op in ('>', '>>', '1>', '*>'):
                    discard = True
                continue
            value = text(child) if child.type == 'generic_token' else self.eval(child)
            if pending is not None:
                pending.value = value
                pending = None
                continue
            elements.append(Element('arg', value=value, text=text(child), node=child))
        return elements, merge_errors, discard

    def _call_function(self, function: Function, elements: list[Element], input_items: list) -> list:
        saved = {}
        names = [p[0] for p in function.params]
        values: dict[str, Any] = {}
        positional = []
        i = 0
        while i < len(elements):
            el = elements[i]
            if el.kind == 'param':
                match = [n for n in names if n.lower().startswith(el.name.lower())]
                if not match:
                    raise PSRuntimeError(f"A parameter cannot be found that matches parameter name '{el.name}'.",
                                         'InvalidArgument', 'NamedParameterNotFound,' + function.name)
                if el.colon:
                    values[match[0]] = el.value
                elif i + 1 < len(elements) and elements[i + 1].kind == 'arg':
                    values[match[0]] = elements[i + 1].value
                    i += 1
                else:
                    values[match[0]] = True
            else:
                positional.append(el.value)
            i += 1
        for name, default in function.params:
            if name not in values:
                if positional:
                    values[name] = positional.pop(0)
                elif default is not None:
                    values[name] = self.value_of(default.named_children[0])
                else:
                    values[name] = None
        for name, value in list(values.items()) + [('args', positional), ('input', input_items)]:
            saved[name] = self.variables.get(name)
            self.variables[name] = value
        try:
            return self.exec_block(function.body)
        except ReturnSignal as ret:
            return unroll(ret.value)
        finally:
            for name, value in saved.items():
                self.variables[name] = value

    def invoke_scriptblock(self, block: ScriptBlock, dollar_under: Any = None, args: list | None = None,
                           input_items: list | None = None, collect: bool = True) -> list:
        """Run a script block in the current scope with `$_` bound (as ForEach-Object does)."""
        variables = self.variables
        saved = variables.get('_'), variables.get('PSItem'), variables.get('args'), variables.get('input')
        variables['_'] = variables['PSItem'] = dollar_under
        if args is not None or saved[2] is not None:
            variables['args'] = list(args or [])
        if input_items is not None or saved[3] is not None:
            variables['input'] = list(input_items or [])
        try:
            return self.exec_block(block.node)
        except ReturnSignal as ret:
            return unroll(ret.value)
        finally:
            variables['_'], variables['PSItem'] = saved[0], saved[1]
            if saved[2] is not None or 'args' in variables:
                variables['args'] = saved[2]
            if saved[3] is not None or 'input' in variables:
                variables['input'] = saved[3]

    # ------------------------------------------------------------- assignment
    def assign(self, node) -> Any:
        target = node.named_children[0]
        operator = text(next(c for c in node.named_children if c.type == 'assignement_operator')).strip()
        value_node = node.child_by_field_name('value') or node.named_children[-1]
        value = self.value_of(value_node)
        while target.type in PASSTHROUGH and target.named_child_count == 1:
            target = target.named_children[0]
        if operator != '=':
            current = self.eval(target)
            op = operator[0]
            value = operators.ARITHMETIC[op](current, value)
        self._store(target, value)
        return value

    def _store(self, target, value: Any) -> None:
        kind = target.type
        if kind in ('variable', 'braced_variable'):
            self.set_variable(text(target), value)
        elif kind == 'member_access':
            obj = self.eval(target.named_children[0])
            set_member(obj, self._member_name(target.named_children[-1]), value)
        elif kind == 'element_access':
            obj = self.eval(target.named_children[0])
            key = self.eval(target.named_children[1])
            if isinstance(obj, PSHashtable):
                obj[key] = value
            elif isinstance(obj, list):
                obj[to_int(key)] = value
            else:
                raise PSRuntimeError('Unable to index into an object of this type.', 'InvalidOperation',
                                     'CannotIndex')
        elif kind == 'expression_with_unary_operator' and target.named_children[0].type == 'cast_expression':
            cast = target.named_children[0]
            type_ref = PSType(text(cast.named_children[0]))
            self._store(cast.named_children[1], self.cast(type_ref, value))
        else:
            raise PSRuntimeError('The assignment expression is not valid. The input to an assignment operator must '
                                 'be an object that is able to accept assignments, such as a variable or a property.',
                                 'ParserError', 'InvalidLeftHandSide')

    def _variable_name(self, raw: str) -> tuple[str, str]:
        name = raw[1:] if raw.startswith('$') else raw
        if name.startswith('{') and name.endswith('}'):
            name = name[1:-1]
        scope = ''
        if ':' in name:
            prefix, rest = name.split(':', 1)
            if prefix.lower() in ('global', 'script', 'local', 'private', 'using', 'env', 'variable'):
                scope, name = prefix.lower(), rest
        return scope, name

    def set_variable(self, raw: str, value: Any) -> None:
        scope, name = self._variable_name(raw)
        if scope == 'env':
            self.host.environment[name] = to_string(value)
            return
        if name.lower() == 'null':
            return
        self.variables[name] = value

    def get_variable(self, raw: str) -> Any:
        scope, name = self._variable_name(raw)
        low = name.lower()
        if scope == 'env':
            return self.host.environment.get(name)
        if scope == 'using':
            return self.host.using_variables.get(name)
        if low == 'true':
            return True
        if low == 'false':
            return False
        if low == 'null':
            return None
        if low == '?':
            return self.last_ok
        return self.variables.get(name)
