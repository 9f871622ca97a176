"""The ECS *cluster query language*: the expressions behind ``memberOf`` placement constraints.

A ``memberOf`` constraint keeps only the container instances for which an expression is true::

    attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d
    not(task:group == database)

Each comparison is ``subject operator [argument]`` (AWS developer guide, "Cluster query
language"); comparisons combine with ``and``/``&&``, ``or``/``||``, ``not``/``!`` and
parentheses.  Precedence, highest first: ``not``, ``and``, ``or``.

Subjects and the operators the guide lists as valid for each:

===================  ===========================================================
``agentConnected``   ``== != in !in =~ !~`` (argument ``true`` / ``false``)
``ec2InstanceId``    ``== != in !in =~ !~``
``agentVersion``     ``== != > >= < <=``  compared as versions: 1.2 < 1.14.5
``registeredAt``     ``== != > >= < <=``  dates ``2018-02-13`` or ISO timestamps (UTC if no zone)
``runningTasksCount````== != > >= < <=``  compared as integers
``attribute:<name>`` every operator, including ``exists`` / ``!exists``
``task:group``       ``== != in !in =~ !~ exists !exists``
===================  ===========================================================

Word aliases: ``equals``, ``not_equals``, ``greater_than``, ``greater_than_equal``,
``less_than``, ``less_than_equal``, ``not_exists``, ``not_in``, ``matches``, ``not_matches``.
Keywords and word operators are case-insensitive; subjects, attribute names and values are not.
Values are bare tokens (``t2.small``, ``service:production``) or quoted (``'i-abcd1234'``);
quote a value that contains spaces or any of ``( ) [ ] , = ! < > & | ~``.
A ``=~`` pattern is Java regex syntax, matched against the *whole* value (``g2.*`` matches
``g2.2xlarge``); it ends at whitespace, so quote a pattern that contains spaces.

Choices where the guide is silent (ours, documented and tested):

* A missing attribute makes every comparison false except ``!exists`` -- including ``!=``: the
  guide's ``attribute:stack != prod`` lists "the instances with the custom attribute stack
  unless the attribute value is prod".  Use ``not(attribute:stack == prod)`` to include
  instances without the attribute.  An attribute present *without a value* counts as present:
  ``==``, ``in`` and ``=~`` are false for it, ``!=``, ``!in`` and ``!~`` true.
* ``task:group`` is many-valued (one group per task on the instance): ``==``, ``in``, ``=~``
  and ``exists`` are true if *any* task's group satisfies them, and ``!=``, ``!in``, ``!~``,
  ``!exists`` are their exact negations (true if *no* task's group does), so
  ``task:group != database`` and the guide's ``not(task:group == database)`` agree.
* ``>``/``<`` on an attribute compare numbers when both sides are numbers, else strings.
* An ``agentVersion`` that is not a dotted number makes every ``agentVersion`` comparison false.
* A date-only ``registeredAt`` argument means the whole UTC day: ``registeredAt == 2018-02-13``
  is true all that day, ``> 2018-02-13`` means from the next day on; a timestamp means that
  second.
* Syntax errors raise ``InvalidParameterException``; the message text is ours (ECS's is unknown).
"""

from __future__ import annotations

import datetime
import functools
import operator as op
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

from ecsedu.errors import ClientError, ecs_error

__all__ = [
    "ATTRIBUTE_NAME",
    "ATTRIBUTE_VALUE",
    "MAX_EXPRESSION_LENGTH",
    "And",
    "Comparison",
    "Node",
    "Not",
    "Or",
    "Query",
    "QuerySubject",
    "compile_expression",
]

MAX_EXPRESSION_LENGTH = 2000
"""ECS's limit on a placement constraint expression [botocore PlacementConstraint]."""

_MAX_NESTING = 64  # ours: keeps recursion bounded for any input


class QuerySubject(Protocol):
    """What an expression is evaluated against: one container instance."""

    @property
    def agent_connected(self) -> bool: ...
    @property
    def agent_version(self) -> str: ...
    @property
    def ec2_instance_id(self) -> str: ...
    @property
    def registered_at(self) -> float:
        """Registration time, epoch seconds."""
        ...

    @property
    def running_tasks_count(self) -> int: ...
    @property
    def task_groups(self) -> frozenset[str]:
        """Groups of the tasks on the instance (``service:<name>``, ``family:<name>`` ...)."""
        ...

    def attribute(self, name: str) -> str | None:
        """The attribute's value; None if it is absent *or* present without a value."""
        ...

    def has_attribute(self, name: str) -> bool: ...


Predicate: TypeAlias = Callable[[QuerySubject], bool]


# --------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True)
class Comparison:
    """``subject operator [argument]``; operator in its symbolic spelling (``==``, ``!in``...)."""

    subject: str
    operator: str
    argument: str | tuple[str, ...] | None
    position: int = field(default=0, compare=False)  # 0-based offset of the subject


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node: TypeAlias = Comparison | Not | And | Or


# --------------------------------------------------------------------------------------------
# Vocabulary

_SUBJECTS = (
    "agentConnected",
    "agentVersion",
    "ec2InstanceId",
    "registeredAt",
    "runningTasksCount",
    "task:group",
)
_ATTRIBUTE_PREFIX = "attribute:"
#: ECS's attribute name rule (botocore ``Attribute.name``): 1-128 letters, digits, ``-``, ``_``,
#: ``/``, ``\\`` or ``.``; PutAttributes checks names with it too.
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_./\\-]{1,128}")
#: ECS's attribute value rule: 1-128 letters, digits, ``-_.@/\\:`` or spaces, no space first or
#: last.
ATTRIBUTE_VALUE = re.compile(
    r"[A-Za-z0-9_.@/\\:-](?:[A-Za-z0-9_.@/\\: -]{0,126}[A-Za-z0-9_.@/\\:-])?"
)

_WORD_OPERATORS = {
    "equals": "==",
    "not_equals": "!=",
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
    "exists": "exists",
    "not_exists": "!exists",
    "in": "in",
    "not_in": "!in",
    "matches": "=~",
    "not_matches": "!~",
}
_EQUALITY = ("==", "!=", "in", "!in", "=~", "!~")
_ORDERING = ("==", "!=", ">", ">=", "<", "<=")
_VALID_OPERATORS: dict[str, tuple[str, ...]] = {
    "agentConnected": _EQUALITY,
    "ec2InstanceId": _EQUALITY,
    "agentVersion": _ORDERING,
    "registeredAt": _ORDERING,
    "runningTasksCount": _ORDERING,
    "task:group": (*_EQUALITY, "exists", "!exists"),
    "attribute": ("==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~"),
}
_NEGATION = {"!=": "==", "!in": "in", "!~": "=~", "!exists": "exists"}
_ORDER_FUNCTIONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": op.eq,
    "!=": op.ne,
    ">": op.gt,
    ">=": op.ge,
    "<": op.lt,
    "<=": op.le,
}


# --------------------------------------------------------------------------------------------
# Errors


class _Invalid(Exception):
    """A syntax problem; becomes InvalidParameterException in compile_expression."""

    def __init__(self, why: str, position: int | None = None) -> None:
        self.why, self.position = why, position
        # Our wording: the text real ECS returns for a bad expression is not documented.
        where = "" if position is None else f" at position {position + 1}"
        super().__init__(f"Invalid constraint expression: {why}{where}")


# --------------------------------------------------------------------------------------------
# Tokens

_SEPARATORS = "\\s()\\[\\],'\"=!<>&|~"
_WORD = re.compile(f"[^{_SEPARATORS}]+")
_BANG_WORD = re.compile(f"!(?:exists|in)(?![^{_SEPARATORS}])", re.IGNORECASE)
_SPACE = re.compile(r"\s*")
_SYMBOLS = (
    ("&&", "AND"),
    ("||", "OR"),
    ("==", "OP"),
    ("!=", "OP"),
    (">=", "OP"),
    ("<=", "OP"),
    ("=~", "OP"),
    ("!~", "OP"),
    (">", "OP"),
    ("<", "OP"),
    ("!", "NOT"),
    ("(", "("),
    (")", ")"),
    ("[", "["),
    ("]", "]"),
    (",", ","),
)


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD STRING OP AND OR NOT ( ) [ ] , END
    text: str
    position: int

    def describe(self) -> str:
        return "end of expression" if self.kind == "END" else repr(self.text)

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "WORD" and self.text.lower() in words


class _Lexer:
    """Tokens on demand, so the parser can read a regex argument raw."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self._peeked: _Token | None = None

    def peek(self) -> _Token:
        if self._peeked is None:
            self._peeked = self._scan()
        return self._peeked

    def next(self) -> _Token:
        token = self.peek()
        self._peeked = None
        return token

    def _skip_space(self) -> int:
        match = _SPACE.match(self.text, self.position)
        self.position = match.end() if match else self.position
        return self.position

    def _scan(self) -> _Token:
        text, start = self.text, self._skip_space()
        if start >= len(text):
            return _Token("END", "", start)
        char = text[start]
        if char in "'\"":
            return self._quoted(char, start)
        bang = _BANG_WORD.match(text, start)
        if bang:
            self.position = bang.end()
            return _Token("OP", bang.group().lower(), start)
        for symbol, kind in _SYMBOLS:
            if text.startswith(symbol, start):
                self.position = start + len(symbol)
                return _Token(kind, symbol, start)
        word = _WORD.match(text, start)
        if word is None:
            raise _Invalid(f"unexpected character {char!r}", start)
        self.position = word.end()
        return _Token("WORD", word.group(), start)

    def _quoted(self, quote: str, start: int) -> _Token:
        end = self.text.find(quote, start + 1)
        if end < 0:
            raise _Invalid(f"unterminated quoted value (missing {quote})", start)
        self.position = end + 1
        return _Token("STRING", self.text[start + 1 : end], start)

    def pattern(self) -> _Token:
        """A regex argument: quoted, or raw up to whitespace or an unmatched ``)`` / ``]``."""
        assert self._peeked is None
        text, start = self.text, self._skip_space()
        if start < len(text) and text[start] in "'\"":
            return self._quoted(text[start], start)
        depth, index = 0, start
        while index < len(text) and not text[index].isspace():
            char = text[index]
            if char == "\\" and index + 1 < len(text) and not text[index + 1].isspace():
                index += 1  # an escaped character, even ( or ), is part of the pattern
            elif char in "([":
                depth += 1
            elif char in ")]":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        self.position = index
        if index == start:
            raise _Invalid("expected a regular expression", start)
        return _Token("STRING", text[start:index], start)


# --------------------------------------------------------------------------------------------
# Parser: or_expr := and_expr (or and_expr)*; and_expr := unary (and unary)*;
#         unary := not* primary; primary := '(' or_expr ')' | subject operator [argument]


class _Parser:
    def __init__(self, text: str) -> None:
        self.lexer = _Lexer(text)
        self.depth = 0

    def parse(self) -> Node:
        if not self.lexer.text.strip():
            raise _Invalid("the expression is empty")
        node = self._or()
        token = self.lexer.next()
        if token.kind == ")":
            raise _Invalid("unmatched ')'", token.position)
        if token.kind != "END":
            raise _Invalid(
                f"unexpected {token.describe()}; combine comparisons with 'and' or 'or'",
                token.position,
            )
        return node

    def _or(self) -> Node:
        operands = [self._and()]
        while self._accept("OR", "or"):
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._unary()]
        while self._accept("AND", "and"):
            operands.append(self._unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _unary(self) -> Node:
        negations = 0
        while self._accept("NOT", "not"):
            negations += 1
        node = self._primary()
        return Not(node) if negations % 2 else node

    def _accept(self, kind: str, word: str) -> bool:
        token = self.lexer.peek()
        if token.kind == kind or token.is_keyword(word):
            self.lexer.next()
            return True
        return False

    def _primary(self) -> Node:
        token = self.lexer.peek()
        if token.kind != "(":
            return self._comparison()
        self.lexer.next()
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise _Invalid(f"parentheses nested deeper than {_MAX_NESTING}", token.position)
        node = self._or()
        close = self.lexer.next()
        if close.kind != ")":
            raise _Invalid(
                f"expected ')' to close the '(' at position {token.position + 1},"
                f" found {close.describe()}",
                close.position,
            )
        self.depth -= 1
        return node

    def _comparison(self) -> Comparison:
        token = self.lexer.next()
        subject = _subject(token)
        operator = _operator(self.lexer.next(), subject)
        argument: str | tuple[str, ...] | None = None
        argument_position = token.position
        if operator in ("in", "!in"):
            argument_position = self.lexer.peek().position
            argument = self._list()
        elif operator in ("=~", "!~"):
            pattern = self.lexer.pattern()
            argument, argument_position = pattern.text, pattern.position
        elif operator not in ("exists", "!exists"):
            argument_position = self.lexer.peek().position
            argument = self._value()
        comparison = Comparison(subject, operator, argument, token.position)
        try:
            _predicate(comparison)  # validate the argument now (dates, numbers, regex)
        except _Invalid as problem:
            raise _Invalid(problem.why, argument_position) from None
        return comparison

    def _value(self) -> str:
        token = self.lexer.next()
        if token.kind not in ("WORD", "STRING"):
            raise _Invalid(f"expected a value, found {token.describe()}", token.position)
        return token.text

    def _list(self) -> tuple[str, ...]:
        token = self.lexer.next()
        if token.kind != "[":
            raise _Invalid(
                f"'in' expects a list like [a, b], found {token.describe()}", token.position
            )
        values = [self._value()]
        while (token := self.lexer.next()).kind == ",":
            values.append(self._value())
        if token.kind != "]":
            raise _Invalid(f"expected ',' or ']', found {token.describe()}", token.position)
        return tuple(values)


def _subject(token: _Token) -> str:
    if token.kind == "WORD":
        name = token.text
        if name in _SUBJECTS:
            return name
        if name.startswith(_ATTRIBUTE_PREFIX):
            attribute = name[len(_ATTRIBUTE_PREFIX) :]
            if ATTRIBUTE_NAME.fullmatch(attribute):
                return name
            raise _Invalid(
                f"invalid attribute name {attribute!r} (1-128 letters, digits, "
                "'-', '_', '.', '/' or '\\')",
                token.position,
            )
        for known in (*_SUBJECTS, _ATTRIBUTE_PREFIX):
            if name.lower().startswith(known.lower()):
                raise _Invalid(f"unknown subject {name!r}; did you mean {known!r}?", token.position)
    expected = ", ".join((*_SUBJECTS, "attribute:<name>"))
    raise _Invalid(f"expected a subject ({expected}), found {token.describe()}", token.position)


def _operator(token: _Token, subject: str) -> str:
    operator: str | None = None
    if token.kind == "OP":
        operator = token.text
    elif token.kind == "WORD":
        operator = _WORD_OPERATORS.get(token.text.lower())
    if operator is None:
        raise _Invalid(
            f"expected an operator after {subject!r}, found {token.describe()}", token.position
        )
    valid = _VALID_OPERATORS[_kind(subject)]
    if operator not in valid:
        raise _Invalid(
            f"operator {token.text!r} is not valid for {subject} (valid: {' '.join(valid)})",
            token.position,
        )
    return operator


def _kind(subject: str) -> str:
    return "attribute" if subject.startswith(_ATTRIBUTE_PREFIX) else subject


# --------------------------------------------------------------------------------------------
# Argument conversion


def _java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex with Python's ``re`` (named groups translated)."""
    translated = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", pattern)
    translated = re.sub(r"\\k<([A-Za-z][A-Za-z0-9]*)>", r"(?P=\1)", translated)
    try:
        return re.compile(translated)
    except Exception as error:  # re.error, OverflowError, RecursionError ...
        why = getattr(error, "msg", None) or str(error) or type(error).__name__
        raise _Invalid(f"invalid regular expression {pattern!r} ({why})") from None


_VERSION = re.compile(r"v?([0-9]+(?:\.[0-9]+)*)")


@functools.lru_cache(maxsize=256)
def _version_key(text: str) -> tuple[int, ...] | None:
    """``1.14.5`` -> (1, 14, 5); trailing zeros dropped so 1.2 == 1.2.0; None if not a version."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    parts = [int(part) for part in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def _date_interval(text: str) -> tuple[float, float]:
    """The seconds a registeredAt argument denotes, as [start, end)."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise _Invalid(
            f"registeredAt expects a date like 2018-06-18 or 2018-06-18T22:28:28Z, got {text!r}"
        )
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        tz = datetime.UTC
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            tz = datetime.timezone(
                sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            )
        moment = datetime.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
        start = moment.timestamp()
    except (ValueError, OverflowError) as error:
        raise _Invalid(f"invalid registeredAt date {text!r}: {error}") from None
    return start, start + (1.0 if hour is not None else 86400.0)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Evaluation: every node becomes a closure once, at compile time


def _predicate(node: Node) -> Predicate:
    if isinstance(node, Comparison):
        return _comparison_predicate(node)
    if isinstance(node, Not):
        inner = _predicate(node.operand)
        return lambda s: not inner(s)
    parts = tuple(_predicate(operand) for operand in node.operands)
    if isinstance(node, And):
        if len(parts) == 2:
            first, second = parts
            return lambda s: first(s) and second(s)
        return lambda s: all(part(s) for part in parts)
    if len(parts) == 2:
        first, second = parts
        return lambda s: first(s) or second(s)
    return lambda s: any(part(s) for part in parts)


def _comparison_predicate(node: Comparison) -> Predicate:
    kind = _kind(node.subject)
    if kind == "attribute":
        return _attribute_predicate(node)
    if kind == "task:group":
        return _group_predicate(node)
    if kind == "agentConnected":
        return _connected_predicate(node)
    if kind == "ec2InstanceId":
        test = _string_test(node.operator, node.argument)
        return lambda s: test(s.ec2_instance_id)
    return _ordered_predicate(node)


def _positive(operator: str) -> tuple[str, bool]:
    """(positive operator, negated?) so ``!in`` -> ("in", True)."""
    return (_NEGATION[operator], True) if operator in _NEGATION else (operator, False)


def _string_test(operator: str, argument: str | tuple[str, ...] | None) -> Callable[[str], bool]:
    """A test on one string value; for ``!=``/``!in``/``!~`` the negation of the positive."""
    positive, negated = _positive(operator)
    test: Callable[[str], bool]
    if positive == "==":
        assert isinstance(argument, str)
        value = argument
        test = value.__eq__
    elif positive == "in":
        assert isinstance(argument, tuple)
        test = frozenset(argument).__contains__
    elif positive == "=~":
        assert isinstance(argument, str)
        fullmatch = _java_regex(argument).fullmatch
        test = lambda text: fullmatch(text) is not None  # noqa: E731
    else:
        raise AssertionError(operator)
    if negated:
        positive_test = test
        return lambda text: not positive_test(text)
    return test


def _attribute_predicate(node: Comparison) -> Predicate:
    name = node.subject[len(_ATTRIBUTE_PREFIX) :]
    operator, argument = node.operator, node.argument
    if operator == "exists":
        return lambda s: s.has_attribute(name)
    if operator == "!exists":
        return lambda s: not s.has_attribute(name)
    if operator == "==":
        return lambda s: s.attribute(name) == argument
    if operator == "in":
        assert isinstance(argument, tuple)
        values = frozenset(argument)
        return lambda s: s.attribute(name) in values
    if operator in (">", ">=", "<", "<="):
        return _attribute_order(name, operator, argument)
    test = _string_test(operator, argument)
    if operator in _NEGATION:  # != !in !~ : the attribute must exist; no value counts as "not"

        def negative(s: QuerySubject) -> bool:
            value = s.attribute(name)
            return s.has_attribute(name) if value is None else test(value)

        return negative
    return lambda s: (value := s.attribute(name)) is not None and test(value)


def _attribute_order(name: str, operator: str, argument: object) -> Predicate:
    assert isinstance(argument, str)
    compare = _ORDER_FUNCTIONS[operator]
    number = _number(argument)
    if number is None:
        return lambda s: (value := s.attribute(name)) is not None and compare(value, argument)

    def numeric(s: QuerySubject) -> bool:
        value = s.attribute(name)
        other = None if value is None else _number(value)
        return other is not None and compare(other, number)

    return numeric


def _group_predicate(node: Comparison) -> Predicate:
    positive, negated = _positive(node.operator)
    argument = node.argument
    test: Predicate
    if positive == "exists":
        test = lambda s: bool(s.task_groups)  # noqa: E731
    elif positive == "==":
        test = lambda s: argument in s.task_groups  # noqa: E731
    elif positive == "in":
        assert isinstance(argument, tuple)
        values = frozenset(argument)
        test = lambda s: not values.isdisjoint(s.task_groups)  # noqa: E731
    else:
        assert isinstance(argument, str)
        fullmatch = _java_regex(argument).fullmatch
        test = lambda s: any(fullmatch(group) is not None for group in s.task_groups)  # noqa: E731
    if negated:
        positive_test = test
        return lambda s: not positive_test(s)
    return test


def _connected_predicate(node: Comparison) -> Predicate:
    if node.operator in ("=~", "!~"):
        test = _string_test(node.operator, node.argument)
        return lambda s: test("true" if s.agent_connected else "false")
    values = node.argument if isinstance(node.argument, tuple) else (node.argument,)
    wanted = frozenset(_boolean(value) for value in values if value is not None)
    if node.operator in ("!=", "!in"):
        return lambda s: s.agent_connected not in wanted
    return lambda s: s.agent_connected in wanted


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise _Invalid(f"agentConnected is compared with true or false, not {text!r}")
    return lowered == "true"


def _ordered_predicate(node: Comparison) -> Predicate:
    """agentVersion, registeredAt, runningTasksCount: ``== != > >= < <=``."""
    argument, operator = node.argument, node.operator
    assert isinstance(argument, str)
    if node.subject == "runningTasksCount":
        if not re.fullmatch(r"-?[0-9]{1,18}", argument):
            raise _Invalid(f"runningTasksCount is compared with a whole number, not {argument!r}")
        count, compare = int(argument), _ORDER_FUNCTIONS[operator]
        return lambda s: compare(s.running_tasks_count, count)
    if node.subject == "agentVersion":
        wanted = _version_key(argument) if _VERSION.fullmatch(argument) else None
        if wanted is None:
            raise _Invalid(f"agentVersion is compared with a version like 1.14.5, not {argument!r}")
        compare = _ORDER_FUNCTIONS[operator]
        return lambda s: (
            (have := _version_key(s.agent_version)) is not None and compare(have, wanted)
        )
    start, end = _date_interval(argument)
    return _registered_at(operator, start, end)


def _registered_at(operator: str, start: float, end: float) -> Predicate:
    if operator == "==":
        return lambda s: start <= s.registered_at < end
    if operator == "!=":
        return lambda s: not start <= s.registered_at < end
    if operator == "<":
        return lambda s: s.registered_at < start
    if operator == "<=":
        return lambda s: s.registered_at < end
    if operator == ">":
        return lambda s: s.registered_at >= end
    return lambda s: s.registered_at >= start


# --------------------------------------------------------------------------------------------
# Public API


class Query:
    """A compiled expression; ``matches`` is cheap enough to call per instance per placement."""

    __slots__ = ("_predicate", "_subjects", "expression", "tree")

    def __init__(self, expression: str, tree: Node) -> None:
        self.expression = expression
        self.tree = tree
        self._predicate = _predicate(tree)
        self._subjects = frozenset(_comparisons_subjects(tree))

    def matches(self, subject: QuerySubject) -> bool:
        """True if the container instance satisfies the expression."""
        return self._predicate(subject)

    def subjects(self) -> frozenset[str]:
        """The subjects read, e.g. ``{"attribute:ecs.instance-type", "task:group"}``."""
        return self._subjects

    def __repr__(self) -> str:
        return f"Query({self.expression!r})"


def _comparisons_subjects(node: Node) -> Iterable[str]:
    if isinstance(node, Comparison):
        yield node.subject
    elif isinstance(node, Not):
        yield from _comparisons_subjects(node.operand)
    else:
        for operand in node.operands:
            yield from _comparisons_subjects(operand)


@functools.lru_cache(maxsize=1024)
def _compile(expression: str) -> Query | str:
    """The Query, or the error message (failures are cached too)."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return (  # our wording
            f"Invalid constraint expression: longer than {MAX_EXPRESSION_LENGTH} characters"
        )
    try:
        return Query(expression, _Parser(expression).parse())
    except _Invalid as problem:
        return str(problem)
    except RecursionError:
        return "Invalid constraint expression: too deeply nested"


def compile_expression(expression: str, operation: str = "RunTask") -> Query:
    """Parse ``expression`` once (cached) or raise InvalidParameterException for ``operation``.

    >>> query = compile_expression("runningTasksCount == 1")
    >>> query.subjects()
    frozenset({'runningTasksCount'})
    """
    if not isinstance(expression, str):
        raise ecs_error(
            "InvalidParameterException", "Invalid constraint expression: not a string", operation
        )
    result = _compile(expression)
    if isinstance(result, str):
        error: ClientError = ecs_error("InvalidParameterException", result, operation)
        raise error
    return result
