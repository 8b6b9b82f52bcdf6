"""A small, safe expression language for policy rules: parsed, checked, compiled — never eval'd.

Rule conditions are text a risk team edits ("age < profile.minimum_age and is_student == 1").
They are parsed with Python's `ast` module, every node is checked against a whitelist (numbers,
strings, names from a known vocabulary, comparisons, and/or/not, + − × ÷, `in` a literal list,
and a few functions), and the tree is compiled into closures. Anything else — fields outside
`profile.`, `application.` and `fraud.`, calls to other functions, subscripts, lambdas — is
refused when the rule set loads, with the offending text named.

The compiled closures work on plain floats and on NumPy arrays alike, so one rule set decides
one applicant online and a million in a back-test. Comparisons with NaN (unknown) are false;
`missing(x)` asks for unknown explicitly.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np

from puhui.credit.errors import InvalidRuleSet

Context = Mapping[str, Any]
Compiled = Callable[[Context], Any]
NAMESPACES = ("profile", "application", "fraud")
MAX_EXPRESSION_LENGTH = 500
MAX_NODES = 200

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": np.minimum,
    "max": np.maximum,
    "abs": np.abs,
    "missing": np.isnan,
}


def _fail(source: str, why: str) -> InvalidRuleSet:
    return InvalidRuleSet(f"rule condition {source!r} is not allowed: {why}")


class _Compiler:
    def __init__(self, source: str, names: Collection[str]) -> None:
        self.source = source
        self.names = names
        self.used: set[str] = set()

    def compile(self, node: ast.AST) -> Compiled:
        if isinstance(node, ast.Expression):
            return self.compile(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
            value = node.value
            return lambda _context: value
        if isinstance(node, ast.Name | ast.Attribute):
            return self._name(node)
        if isinstance(node, ast.BoolOp):
            return self._bool(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            operation = _ARITHMETIC[type(node.op)]
            left, right = self.compile(node.left), self.compile(node.right)
            return lambda context: operation(left(context), right(context))
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise _fail(self.source, f"{type(node).__name__} is not part of the rule language")

    def _name(self, node: ast.Name | ast.Attribute) -> Compiled:
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id in NAMESPACES):
                raise _fail(self.source, f"only {', '.join(NAMESPACES)} have fields")
            name = f"{node.value.id}.{node.attr}"
        else:
            name = node.id
        if name not in self.names:
            raise _fail(self.source, f"unknown name {name!r}")
        self.used.add(name)
        return lambda context: context[name]

    def _bool(self, node: ast.BoolOp) -> Compiled:
        parts = [self.compile(value) for value in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or

        def evaluate(context: Context) -> Any:
            result = parts[0](context)
            for part in parts[1:]:
                result = combine(result, part(context))
            return result

        return evaluate

    def _unary(self, node: ast.UnaryOp) -> Compiled:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda context: np.logical_not(operand(context))
        if isinstance(node.op, ast.USub):
            return lambda context: np.negative(operand(context))
        raise _fail(self.source, f"operator {type(node.op).__name__} is not allowed")

    def _compare(self, node: ast.Compare) -> Compiled:
        steps: list[
            tuple[list[Any] | None, bool, tuple[Callable[[Any, Any], Any], Compiled] | None]
        ]
        steps = []
        left = self.compile(node.left)
        for operator, comparator in zip(node.ops, node.comparators, strict=True):
            if isinstance(operator, ast.In | ast.NotIn):
                if not isinstance(comparator, ast.List | ast.Tuple) or not all(
                    isinstance(e, ast.Constant) for e in comparator.elts
                ):
                    raise _fail(self.source, "`in` needs a literal list such as [1, 2]")
                members: list[Any] = [
                    e.value for e in comparator.elts if isinstance(e, ast.Constant)
                ]
                negate = isinstance(operator, ast.NotIn)
                steps.append((members, negate, None))
            elif type(operator) in _COMPARE:
                steps.append((None, False, (_COMPARE[type(operator)], self.compile(comparator))))
            else:
                raise _fail(self.source, f"comparison {type(operator).__name__} is not allowed")

        def evaluate(context: Context) -> Any:
            current = left(context)
            result: Any = True
            for members, negate, compare in steps:
                if members is not None:
                    found = np.isin(current, members)
                    result = np.logical_and(result, np.logical_not(found) if negate else found)
                else:
                    assert compare is not None
                    function, right = compare
                    value = right(context)
                    result = np.logical_and(result, function(current, value))
                    current = value
            return result

        return evaluate

    def _call(self, node: ast.Call) -> Compiled:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
            raise _fail(self.source, f"only {', '.join(_FUNCTIONS)} may be called")
        function = _FUNCTIONS[node.func.id]
        arguments = [self.compile(argument) for argument in node.args]
        expected = 1 if node.func.id in ("abs", "missing") else 2
        if len(arguments) != expected:
            raise _fail(self.source, f"{node.func.id} takes {expected} argument(s)")
        return lambda context: function(*(argument(context) for argument in arguments))


def compile_condition(source: str, names: Collection[str]) -> tuple[Compiled, frozenset[str]]:
    """Compile a condition over `names`; returns the evaluator and the names it reads.

    Raises:
        InvalidRuleSet: a syntax error, an unknown name or anything outside the language.
    """
    if not source or len(source) > MAX_EXPRESSION_LENGTH:
        raise InvalidRuleSet(f"a rule condition must be 1–{MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise _fail(source, f"syntax error ({error.msg})") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise _fail(source, f"longer than {MAX_NODES} parts; split it into several rules")
    compiler = _Compiler(source, names)
    return compiler.compile(tree), frozenset(compiler.used)
