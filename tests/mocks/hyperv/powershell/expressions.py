"""Expression evaluation for the interpreter: literals, strings, operators, members, casts, collections.

Kept apart from statements and pipelines (interpreter.py); the Interpreter class mixes this in.
Evaluation is memoised per syntax node (the innermost meaningful node and its handler, literal
values), because polling scripts evaluate the same few nodes thousands of times.
"""
from __future__ import annotations

import re
from typing import Any

from . import operators
from .errors import ErrorRecord, ScriptTerminated
from .members import call_method, call_static, get_member, get_static
from .values import (PSHashtable, PSObject, PSRuntimeError, PSType, ScriptBlock, collapse, make_object,
                     parse_datetime, to_bool, to_int, to_number, to_string, to_timespan, unroll)

PASSTHROUGH = {
    'logical_expression', 'bitwise_expression', 'comparison_expression', 'additive_expression',
    'multiplicative_expression', 'format_expression', 'range_expression', 'array_literal_expression',
    'unary_expression', 'left_assignment_expression', 'argument_expression', 'logical_argument_expression',
    'bitwise_argument_expression', 'comparison_argument_expression', 'additive_argument_expression',
    'multiplicative_argument_expression', 'format_argument_expression', 'range_argument_expression',
    'integer_literal', 'key_expression', 'while_condition', 'for_condition', 'for_initializer', 'for_iterator',
    'redirected_file_name',
}
_CONSTANTS = {'decimal_integer_literal', 'hexadecimal_integer_literal', 'real_literal', 'verbatim_string_characters',
              'verbatim_here_string_characters'}
_ESCAPES = {'0': '\0', 'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}
_MULTIPLIERS = {'kb': 1024, 'mb': 1024**2, 'gb': 1024**3, 'tb': 1024**4, 'pb': 1024**5}


def text(node) -> str:
    return node.text.decode('utf-8')


class _OpToken:
    """The operator between two operands, remembered as text."""

    __slots__ = ('text',)

    def __init__(self, op: str):
        self.text = op


class ExpressionEvaluator:
    """Mixin: `eval(node)` for expression nodes; relies on the interpreter's statements and variables."""
    def eval(self, node) -> Any:
        found = self._eval_cache.get(node.id)
        if found is None:
            found = self._eval_cache[node.id] = self._prepare_eval(node)
        return found[1](found[0])

    def _prepare_eval(self, node) -> tuple:
        inner = node
        while (inner.type in PASSTHROUGH or inner.type == 'string_literal') and inner.child_count == 1 \
                and inner.named_child_count == 1:
            inner = inner.named_children[0]
        if inner.type in _CONSTANTS:
            value = getattr(self, f'_eval_{inner.type}')(inner)
            return inner, lambda _node: value
        handler = getattr(self, f'_eval_{inner.type}', None)
        if handler is None:
            if inner.type in ('pipeline', 'pipeline_chain', 'command', 'assignment_expression'):
                handler = self.value_of
            elif hasattr(self, f'_stmt_{inner.type}'):  # `$x = foreach (...) {...}`, `$y = if (...) {...}`
                handler = self._statement_value
            else:
                handler = self._unsupported
        return inner, handler

    def _statement_value(self, node) -> Any:
        return collapse(self._exec(node))

    def _unsupported(self, node) -> Any:
        """Outside the subset: stop the script rather than guess what it meant."""
        raise ScriptTerminated(ErrorRecord(
            f"The syntax '{text(node)[:40]}' ({node.type}) is not supported by this mock.", 'NotImplemented',
            'MockUnsupportedSyntax', 'NotSupportedException', position=self.position(node), activity=''))

    def _eval_variable(self, node) -> Any:
        return self.get_variable(text(node))

    _eval_braced_variable = _eval_variable

    def _eval_decimal_integer_literal(self, node) -> Any:
        raw = text(node).lower()
        m = re.fullmatch(r'(\d+)([ld]?)(kb|mb|gb|tb|pb)?', raw)
        if not m:
            return to_number(raw)
        number = int(m.group(1)) * _MULTIPLIERS.get(m.group(3) or '', 1)
        return float(number) if m.group(2) == 'd' else number

    def _eval_hexadecimal_integer_literal(self, node) -> Any:
        return int(text(node).lower().rstrip('l'), 16)

    def _eval_real_literal(self, node) -> Any:
        raw = text(node).lower()
        m = re.fullmatch(r'([0-9.e+-]+?)(d?)(kb|mb|gb|tb|pb)?', raw)
        number = float(m.group(1)) if m else float(raw)
        if m and m.group(3):
            return number * _MULTIPLIERS[m.group(3)]
        return number

    def _eval_verbatim_string_characters(self, node) -> str:
        raw = text(node)
        return raw[1:-1].replace("''", "'")

    def _eval_verbatim_here_string_characters(self, node) -> str:
        raw = text(node)
        body = raw[raw.index('\n') + 1:raw.rindex('\n')] if raw.count('\n') >= 1 else ''
        return body.replace('\r', '')

    def _eval_expandable_string_literal(self, node) -> str:
        return self._expand(node, node.start_byte + 1, node.end_byte - 1, here=False)

    def _eval_expandable_here_string_literal(self, node) -> str:
        raw = node.text
        start = node.start_byte + raw.index(b'\n') + 1
        end = node.start_byte + raw.rindex(b'\n')
        return self._expand(node, start, end, here=True).replace('\r', '')

    def _expand(self, node, start: int, end: int, here: bool) -> str:
        source = node.text
        base = node.start_byte
        parts: list[str] = []
        cursor = start
        for child in node.named_children:
            if child.start_byte < start or child.end_byte > end:
                continue
            parts.append(self._literal(source[cursor - base:child.start_byte - base].decode('utf-8'), here))
            if child.type == 'sub_expression':
                value = collapse(self.exec_block(child))
            else:
                value = self.eval(child)
            parts.append(to_string(value))
            cursor = child.end_byte
        parts.append(self._literal(source[cursor - base:end - base].decode('utf-8'), here))
        return ''.join(parts)

    def _literal(self, raw: str, here: bool) -> str:
        if not here:
            raw = raw.replace('""', '"')
        out, i = [], 0
        while i < len(raw):
            ch = raw[i]
            if ch == '`' and i + 1 < len(raw):
                nxt = raw[i + 1]
                out.append(_ESCAPES.get(nxt, nxt))
                i += 2
                continue
            out.append(ch)
            i += 1
        return ''.join(out)

    def _eval_array_literal_expression(self, node) -> list:
        items = []
        for child in node.named_children:
            items.append(self.eval(child))
        return items

    def _binary(self, node):
        key = ('binary', node.id)
        found = self._list_cache.get(key)
        if found is None:
            left, right = node.named_children[0], node.named_children[-1]
            op_node = next(c for c in node.children if c.id not in (left.id, right.id))
            found = self._list_cache[key] = [left, _OpToken(text(op_node)), right]
        return found

    def _eval_logical_expression(self, node) -> bool:
        left, op_node, right = self._binary(node)
        op = op_node.text.lower()
        a = to_bool(self.eval(left))
        if op == '-and':
            return a and to_bool(self.eval(right))
        if op == '-or':
            return a or to_bool(self.eval(right))
        return a != to_bool(self.eval(right))

    def _eval_bitwise_expression(self, node) -> int:
        left, op_node, right = self._binary(node)
        a, b = to_int(self.eval(left)), to_int(self.eval(right))
        op = op_node.text.lower()
        return {'-band': a & b, '-bor': a | b, '-bxor': a ^ b}[op]

    def _eval_comparison_expression(self, node) -> Any:
        left, op_node, right = self._binary(node)
        return operators.compare(op_node.text, self.eval(left), self.eval(right), self.variables)

    def _eval_additive_expression(self, node) -> Any:
        left, op_node, right = self._binary(node)
        return operators.ARITHMETIC[op_node.text](self.eval(left), self.eval(right))

    _eval_multiplicative_expression = _eval_additive_expression

    def _eval_format_expression(self, node) -> str:
        left, op_node, right = self._binary(node)
        return operators.format_operator(self.eval(left), self.eval(right))

    def _eval_range_expression(self, node) -> list:
        left, op_node, right = self._binary(node)
        a, b = to_int(self.eval(left)), to_int(self.eval(right))
        step = 1 if b >= a else -1
        return list(range(a, b + step, step))

    def _eval_expression_with_unary_operator(self, node) -> Any:
        first = node.children[0]
        if first.is_named:
            return self.eval(first)
        op = first.type.lower()
        operand = node.named_children[0]
        if op in ('++', '--'):
            value = to_number(self.eval(operand)) + (1 if op == '++' else -1)
            self._store(operand, value)
            return value
        value = self.eval(operand)
        if op in ('-not', '!'):
            return not to_bool(value)
        if op == '-':
            return -to_number(value)
        if op == '+':
            return to_number(value)
        if op == ',':
            return [value]
        if op == '-bnot':
            return ~to_int(value)
        if op == '-join':
            return ''.join(to_string(v) for v in unroll(value))
        if op == '-split':
            return to_string(value).split()
        raise PSRuntimeError(f"The unary operator '{op}' is not supported by this mock.")

    def _eval_post_increment_expression(self, node) -> Any:
        operand = node.named_children[0]
        value = self.eval(operand)
        self._store(operand, to_number(value) + 1)
        return value

    def _eval_post_decrement_expression(self, node) -> Any:
        operand = node.named_children[0]
        value = self.eval(operand)
        self._store(operand, to_number(value) - 1)
        return value

    def _eval_pre_increment_expression(self, node) -> Any:
        operand = node.named_children[0]
        value = to_number(self.eval(operand)) + 1
        self._store(operand, value)
        return value

    def _eval_pre_decrement_expression(self, node) -> Any:
        operand = node.named_children[0]
        value = to_number(self.eval(operand)) - 1
        self._store(operand, value)
        return value

    def _eval_cast_expression(self, node) -> Any:
        type_ref = PSType(text(node.named_children[0]))
        return self.cast(type_ref, self.eval(node.named_children[1]))

    def cast(self, type_ref: PSType, value: Any) -> Any:
        """`[type]value` for the types scripts use."""
        name = type_ref.name.lower().replace('system.', '')
        if name in ('int', 'int32', 'long', 'int64', 'uint32', 'byte'):
            return to_int(value)
        if name in ('double', 'decimal', 'single', 'float'):
            return float(to_number(value))
        if name == 'string':
            return to_string(value)
        if name == 'char':
            return chr(to_int(value)) if not isinstance(value, str) else value[:1]
        if name in ('bool', 'boolean', 'switch'):
            return to_bool(value)
        if name in ('array', 'object[]', 'string[]', 'int[]'):
            items = unroll(value) if value is not None else []
            if name == 'string[]':
                return [to_string(v) for v in items]
            if name == 'int[]':
                return [to_int(v) for v in items]
            return list(items)
        if name in ('pscustomobject', 'psobject'):
            if isinstance(value, PSHashtable):
                return make_object(value)
            return value
        if name in ('ordered', 'hashtable', 'collections.hashtable'):
            if isinstance(value, PSHashtable):
                return value
        if name == 'datetime':
            return parse_datetime(value)
        if name == 'timespan':
            return to_timespan(value)
        if name == 'void':
            return None
        if name in ('object',):
            return value
        from .enums import ENUMS_BY_NAME
        enum = ENUMS_BY_NAME.get(name)
        if enum is not None:
            return enum(value)
        raise PSRuntimeError(f'Unable to find type [{type_ref.name}].', 'InvalidOperation', 'TypeNotFound')

    def _eval_type_literal(self, node) -> PSType:
        return PSType(text(node))

    def _nested(self, run):
        self.nesting += 1
        try:
            return run()
        finally:
            self.nesting -= 1

    def _eval_parenthesized_expression(self, node) -> Any:
        inner = self._named(node)[0] if node.named_child_count else None
        return self._nested(lambda: self.value_of(inner))

    def _eval_sub_expression(self, node) -> Any:
        return self._nested(lambda: collapse(self.exec_block(node)))

    def _eval_array_expression(self, node) -> list:
        return self._nested(lambda: list(self.exec_block(node)))

    def _eval_hash_literal_expression(self, node) -> PSHashtable:
        table = PSHashtable()
        body = next((c for c in node.named_children if c.type == 'hash_literal_body'), None)
        for entry in (body.named_children if body else []):
            if entry.type != 'hash_entry':
                continue
            key_node = entry.named_children[0]
            key_inner = key_node.named_children[0] if key_node.named_children else key_node
            key = text(key_inner) if key_inner.type == 'simple_name' else self.eval(key_inner)
            table[key] = self.value_of(entry.named_children[1])
        return table

    def _eval_script_block_expression(self, node) -> ScriptBlock:
        block = next(c for c in node.named_children if c.type == 'script_block') \
            if any(c.type == 'script_block' for c in node.named_children) else node
        source = text(node)
        return ScriptBlock(block, source[1:-1] if source.startswith('{') else source)

    def _member_name(self, node) -> str:
        inner = node.named_children[0] if node.type == 'member_name' and node.named_children else node
        if inner.type in ('simple_name', 'member_name'):
            return text(inner)
        return to_string(self.eval(inner))

    def _eval_member_access(self, node) -> Any:
        key = ('member', node.id)
        shape = self._list_cache.get(key)
        if shape is None:
            target, member = node.named_children[0], node.named_children[-1]
            static = any(not c.is_named and c.type == '::' for c in node.children) or target.type == 'type_literal'
            fixed = member.named_children[0].type == 'simple_name' if member.named_children else True
            shape = self._list_cache[key] = [target, member, static, text(member) if fixed else None]
        target, member, static, name = shape
        if name is None:
            name = self._member_name(member)
        if static:
            return get_static(PSType(text(target)), name, self)
        return get_member(self.eval(target), name)

    def _eval_invokation_expression(self, node) -> Any:
        target = node.named_children[0]
        member = next(c for c in node.named_children if c.type == 'member_name')
        arg_list = next((c for c in node.named_children if c.type == 'argument_list'), None)
        args = []
        if arg_list is not None:
            expr_list = next((c for c in arg_list.named_children if c.type == 'argument_expression_list'), None)
            for arg in (expr_list.named_children if expr_list else []):
                args.append(self.eval(arg))
        name = self._member_name(member)
        static = any(not c.is_named and c.type == '::' for c in node.children)
        if static or target.type == 'type_literal':
            return call_static(PSType(text(target)), name, args, self)
        return call_method(self.eval(target), name, args, self)

    def _eval_element_access(self, node) -> Any:
        target = self.eval(node.named_children[0])
        index = self.eval(node.named_children[1])
        if isinstance(target, PSHashtable):
            return target.get(index)
        if isinstance(target, PSObject):
            return target.get(to_string(index))
        if target is None:
            raise PSRuntimeError('Cannot index into a null array.', 'InvalidOperation', 'NullArray')
        items = target if isinstance(target, (list, str)) else [target]
        if isinstance(index, list):
            return [self._index(items, i) for i in index]
        return self._index(items, index)

    def _index(self, items, index) -> Any:
        i = to_int(index)
        try:
            return items[i]
        except IndexError:
            return None
