"""Parse scripts with the tree-sitter PowerShell grammar; anything that does not parse is rejected."""
from __future__ import annotations

import tree_sitter
import tree_sitter_powershell

from .errors import ErrorRecord, ParseError, Position

_LANGUAGE = tree_sitter.Language(tree_sitter_powershell.language())


def parse(source: str) -> tree_sitter.Tree:
    """The syntax tree of `source`; raises ParseError pointing at the first error, as PowerShell would."""
    tree = tree_sitter.Parser(_LANGUAGE).parse(source.encode('utf-8'))
    if tree.root_node.has_error:
        raise ParseError(_parse_error_record(tree.root_node, source))
    return tree


def _first_error(node):
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _parse_error_record(root, source: str) -> ErrorRecord:
    bad = _first_error(root) or root
    lines = source.splitlines() or ['']
    position = Position.of(bad, lines)
    before = source.encode('utf-8')[:bad.start_byte].decode('utf-8', 'replace').rstrip()
    token = bad.text.decode('utf-8', 'replace').strip().splitlines()
    shown = (token[0] if token else '')[:40]
    opener = _unclosed(source) if bad.end_byte >= len(source.encode('utf-8').rstrip()) else None
    if before.endswith(','):
        message, fqid = "Missing expression after ','.", 'MissingExpressionAfterToken'
    elif source.rstrip().endswith('='):
        message, fqid = "You must provide a value expression following the '=' operator.", 'ExpectedValueExpression'
    elif opener is not None:
        offset, char = opener
        line = source[:offset].count('\n')
        column = offset - (source.rfind('\n', 0, offset) + 1)
        position = Position(line + 1, column + 1, lines[line] if line < len(lines) else '', 1)
        message, fqid = _MISSING_CLOSE[char]
        return ErrorRecord(message, 'ParserError', fqid, 'ParentContainsErrorRecordException',
                           position=position, activity='', parse_error=True)
    elif bad.is_missing or not shown:
        if bad.end_byte >= len(source.encode('utf-8').rstrip()):
            message, fqid = 'Incomplete statement: the script ended unexpectedly.', 'IncompleteParseException'
        else:
            following = source.encode('utf-8')[bad.end_byte:].decode('utf-8', 'replace').strip().split()
            shown = following[0][:40] if following else ''
            message, fqid = f"Unexpected token '{shown}' in expression or statement.", 'UnexpectedToken'
    else:
        message, fqid = f"Unexpected token '{shown}' in expression or statement.", 'UnexpectedToken'
    position.length = max(1, min(position.length, len(shown) or 1))
    return ErrorRecord(message, 'ParserError', fqid, 'ParentContainsErrorRecordException',
                       position=position, activity='', parse_error=True)


_MISSING_CLOSE = {
    '{': ("Missing closing '}' in statement block or type definition.", 'MissingEndCurlyBrace'),
    '(': ("Missing closing ')' in expression.", 'MissingEndParenthesisInExpression'),
    '[': ("Missing ']' at end of attribute or type literal.", 'EndSquareBracketExpectedAtEndOfAttribute'),
}


def _unclosed(source: str) -> tuple[int, str] | None:
    """The last bracket left open (outside strings and comments), for 'missing closing' messages."""
    stack: list[tuple[int, str]] = []
    pairs = {')': '(', '}': '{', ']': '['}
    quote = None
    i = 0
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == '`' and quote == '"':
                i += 1
            elif ch == quote:
                quote = None
        elif ch in '\'"':
            quote = ch
        elif ch == '#':
            while i < len(source) and source[i] != '\n':
                i += 1
        elif ch in '({[':
            stack.append((i, ch))
        elif ch in ')}]' and stack and stack[-1][1] == pairs[ch]:
            stack.pop()
        i += 1
    return stack[-1] if stack else None
