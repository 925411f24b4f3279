"""Error records and the control-flow signals of the interpreter.

An ErrorRecord formats itself the way Windows PowerShell 5.1 prints errors on stderr, so that
what a client sees (after pywinrm decodes the CLIXML) reads like a real host's error.
"""
from __future__ import annotations

from typing import Any

from .values import PSObject, to_string, type_display_name


class Position:
    """Where in the script an error happened: 1-based line and column, the line text, the extent."""

    def __init__(self, line: int, column: int, line_text: str, length: int):
        self.line = line
        self.column = column
        self.line_text = line_text
        self.length = max(1, length)

    @classmethod
    def of(cls, node, source_lines: list[str]) -> 'Position':
        row, col = node.start_point
        line_text = source_lines[row] if row < len(source_lines) else ''
        end = node.end_point
        length = (end[1] if end[0] == row else len(line_text)) - col
        return cls(row + 1, col + 1, line_text, length)

    def message(self) -> str:
        return (f'At line:{self.line} char:{self.column}\n+ {self.line_text}\n'
                f'+ {" " * (self.column - 1)}{"~" * self.length}')


class ErrorRecord(PSObject):
    """An error as `$_` sees it in a catch block and as the host prints it."""

    def __init__(self, message: str, category: str = 'NotSpecified', fqid: str = 'RuntimeException',
                 exception_type: str = 'RuntimeException', target: Any = None, command: str | None = None,
                 position: Position | None = None, activity: str | None = None, parse_error: bool = False):
        exception = PSObject(f'System.Management.Automation.{exception_type}',
                             [('Message', message)], to_string=message)
        target_name = '' if target is None else to_string(target)
        target_type = '' if target is None else type_display_name(target).split('.')[-1]
        self.activity = activity if activity is not None else (command or '')
        self.category_text = f'{category}: ({target_name}:{target_type}) [{self.activity}], {exception_type}'
        category_info = PSObject('System.Management.Automation.ErrorCategoryInfo', [
            ('Category', category), ('Activity', self.activity), ('Reason', exception_type),
            ('TargetName', target_name), ('TargetType', target_type)], to_string=self.category_text)
        full_fqid = fqid
        super().__init__('System.Management.Automation.ErrorRecord', [
            ('Exception', exception), ('TargetObject', target), ('CategoryInfo', category_info),
            ('FullyQualifiedErrorId', full_fqid), ('ScriptStackTrace', ''),
        ], to_string=message)
        self.message = message
        self.command = command
        self.position = position
        self.fqid = full_fqid
        self.parse_error = parse_error

    def with_context(self, command: str | None, position: Position | None) -> 'ErrorRecord':
        if self.command is None and command:
            self.command = command
        if self.position is None:
            self.position = position
        return self

    def format(self) -> str:
        """The text Windows PowerShell writes for this error (lines separated by newlines)."""
        lines = []
        if self.parse_error:
            if self.position:
                lines.append(self.position.message())
            lines.append(self.message)
        else:
            lines.append(f'{self.command} : {self.message}' if self.command else self.message)
            if self.position:
                lines.append(self.position.message())
        lines.append(f'    + CategoryInfo          : {self.category_text}')
        lines.append(f'    + FullyQualifiedErrorId : {self.fqid}')
        return '\n'.join(lines) + '\n \n'


class ParseError(Exception):
    """The script does not parse; nothing of it runs."""

    def __init__(self, record: ErrorRecord):
        super().__init__(record.message)
        self.record = record


class StatementTerminated(Exception):
    """A terminating error of one statement (ThrowTerminatingError): the script goes on unless in try."""

    def __init__(self, record: ErrorRecord):
        super().__init__(record.message)
        self.record = record


class ScriptTerminated(Exception):
    """`throw` or an error under -ErrorAction Stop: ends the script unless caught."""

    def __init__(self, record: ErrorRecord):
        super().__init__(record.message)
        self.record = record


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class ReturnSignal(Exception):
    def __init__(self, value: Any = None):
        super().__init__('return')
        self.value = value


class ExitSignal(Exception):
    def __init__(self, code: int):
        super().__init__(f'exit {code}')
        self.code = code
