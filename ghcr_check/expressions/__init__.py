"""GitHub's expression language: finding `${{ }}` in strings and parsing it (parser.py), and evaluating
a parse tree against what is known of a run (evaluate.py)."""
from .parser import (CLOSE, MAX_DEPTH, MAX_LENGTH, OPEN, STEP_OUTPUT_RE, STEP_REF_RE, Expression, Parsed,
                    bare_context, dump, find_expressions, first_unclosed, parse, split_expressions, tokenize)

__all__ = ["CLOSE", "MAX_DEPTH", "MAX_LENGTH", "OPEN", "STEP_OUTPUT_RE", "STEP_REF_RE", "Expression", "Parsed",
           "bare_context", "dump", "find_expressions", "first_unclosed", "parse", "split_expressions", "tokenize"]
