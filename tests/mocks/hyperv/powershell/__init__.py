"""A small PowerShell: tree-sitter parsing plus an evaluator for the subset the collection's scripts use."""
from .commands import Invocation, Param, Registry
from .errors import ErrorRecord
from .interpreter import Interpreter, ScriptResult
from .parser import parse

__all__ = ['ErrorRecord', 'Interpreter', 'Invocation', 'Param', 'Registry', 'ScriptResult', 'parse']
