"""The cluster query language behind ``memberOf`` placement constraints (ecsedu.engine.query)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecsedu.engine.query import And, Comparison, Not, Or, Query, compile_expression
from ecsedu.errors import ClientError


def epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC).timestamp()


@dataclass(frozen=True)
class Instance:
    """A fake container instance (satisfies QuerySubject)."""

    attributes: Mapping[str, str | None] = field(default_factory=dict)
    agent_connected: bool = True
    agent_version: str = "1.14.5"
    ec2_instance_id: str = "i-abcd1234"
    registered_at: float = epoch("2018-02-13T12:00:00")
    running_tasks_count: int = 0
    task_groups: frozenset[str] = frozenset()

    def attribute(self, name: str) -> str | None:
        return self.attributes.get(name)

    def has_attribute(self, name: str) -> bool:
        return name in self.attributes


def matches(expression: str, instance: Instance) -> bool:
    return compile_expression(expression).matches(instance)


T2_1A = Instance({"ecs.instance-type": "t2.small", "ecs.availability-zone": "us-east-1a"})
G2_1B = Instance({"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1b"})
G2_1D = Instance({"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1d"})
PROD = Instance(task_groups=frozenset({"service:production", "family:web"}), running_tasks_count=2)
DB = Instance(task_groups=frozenset({"database"}), running_tasks_count=1)
EMPTY = Instance()
OLD = Instance(agent_version="1.2.0", registered_at=epoch("2018-02-12T23:59:59"))
WXYX = Instance(ec2_instance_id="i-wxyx7890")
OTHER = Instance(ec2_instance_id="i-00000000")


# -- every example in the AWS guide and reference section 5.3 -----------------------------------

GUIDE_EXAMPLES = [
    ("attribute:ecs.instance-type == t2.small", [(T2_1A, True), (G2_1B, False), (EMPTY, False)]),
    (
        "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
        [(T2_1A, True), (G2_1B, True), (G2_1D, False), (EMPTY, False)],
    ),
    (
        "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
        [(G2_1B, True), (G2_1D, False), (T2_1A, False), (EMPTY, False)],
    ),
    ("task:group == service:production", [(PROD, True), (DB, False), (EMPTY, False)]),
    ("not(task:group == database)", [(PROD, True), (DB, False), (EMPTY, True)]),
    ("runningTasksCount == 1", [(DB, True), (PROD, False), (EMPTY, False)]),
    ("agentVersion < 1.14.5", [(OLD, True), (EMPTY, False)]),
    ("registeredAt < 2018-02-13", [(OLD, True), (EMPTY, False)]),
    (
        "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
        [(EMPTY, True), (WXYX, True), (OTHER, False)],
    ),
    # task-placement-constraints.md
    ("attribute:ecs.instance-type == g2.2xlarge", [(G2_1B, True), (T2_1A, False)]),
    ("attribute:ecs.instance-type in [t2.small, t2.medium]", [(T2_1A, True), (G2_1B, False)]),
    (
        "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
        [(T2_1A, True), (G2_1B, False)],
    ),
    (
        "task:group == databases",
        [(Instance(task_groups=frozenset({"databases"})), True), (DB, False)],
    ),
]


@pytest.mark.parametrize(
    ("expression", "instance", "expected"),
    [(e, i, x) for e, rows in GUIDE_EXAMPLES for i, x in rows],
)
def test_guide_examples(expression: str, instance: Instance, expected: bool) -> None:
    assert matches(expression, instance) is expected


STACK_PROD = Instance({"stack": "prod"})
STACK_DEV = Instance({"stack": "dev"})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:stack == prod", [True, False, False]),
        # "lists the instances with the custom attribute stack unless the value is prod"
        ("attribute:stack != prod", [False, True, False]),
    ],
)
def test_custom_attribute_examples(expression: str, expected: list[bool]) -> None:
    instances = [STACK_PROD, STACK_DEV, EMPTY]
    assert [matches(expression, i) for i in instances] == expected


# -- operators and their aliases -----------------------------------------------------------------

ALIASES = [
    ("==", "equals"),
    ("!=", "not_equals"),
    (">", "greater_than"),
    (">=", "greater_than_equal"),
    ("<", "less_than"),
    ("<=", "less_than_equal"),
    ("!exists", "not_exists"),
    ("!in", "not_in"),
    ("=~", "matches"),
    ("!~", "not_matches"),
]


def argument_for(symbol: str) -> str:
    if symbol in ("!exists", "exists"):
        return ""
    if symbol in ("in", "!in"):
        return " [5, 7]"
    return " 5"


@pytest.mark.parametrize(("symbol", "word"), ALIASES)
def test_word_alias_means_the_symbol(symbol: str, word: str) -> None:
    argument = argument_for(symbol)
    by_symbol = compile_expression(f"attribute:n {symbol}{argument}")
    for spelling in (word, word.upper()):
        by_word = compile_expression(f"attribute:n {spelling}{argument}")
        assert by_word.tree == by_symbol.tree
    instances = [Instance({"n": v}) for v in ("3", "5", "7", "10")] + [EMPTY]
    results = [by_symbol.matches(i) for i in instances]
    assert len(set(results)) == 2, "the alias test must tell instances apart"


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("==", [False, True, False, False]),
        ("!=", [True, False, True, False]),
        (">", [False, False, True, False]),
        (">=", [False, True, True, False]),
        ("<", [True, False, False, False]),
        ("<=", [True, True, False, False]),
    ],
)
def test_attribute_ordering_is_numeric_for_numbers(operator: str, expected: list[bool]) -> None:
    instances = [Instance({"n": "9"}), Instance({"n": "10"}), Instance({"n": "11.5"}), EMPTY]
    assert [matches(f"attribute:n {operator} 10", i) for i in instances] == expected


def test_attribute_ordering_is_lexical_for_strings() -> None:
    assert matches("attribute:tier > b", Instance({"tier": "c"}))
    assert not matches("attribute:tier > b", Instance({"tier": "a"}))
    assert not matches("attribute:n > 10", Instance({"n": "ten"}))


@pytest.mark.parametrize(
    ("operator", "present", "no_value", "missing"),
    [
        ("== prod", True, False, False),
        ("!= dev", True, True, False),
        ("!= prod", False, True, False),
        ("in [prod, dev]", True, False, False),
        ("!in [dev]", True, True, False),
        ("!in [prod]", False, True, False),
        ("=~ p.*", True, False, False),
        ("!~ d.*", True, True, False),
        ("> a", True, False, False),
        ("exists", True, True, False),
        ("!exists", False, False, True),
        ("not_exists", False, False, True),
    ],
)
def test_missing_and_valueless_attributes(
    operator: str, present: bool, no_value: bool, missing: bool
) -> None:
    instances = [Instance({"stack": "prod"}), Instance({"stack": None}), EMPTY]
    assert [matches(f"attribute:stack {operator}", i) for i in instances] == [
        present,
        no_value,
        missing,
    ]


def test_not_includes_instances_without_the_attribute() -> None:
    assert matches("not(attribute:stack == prod)", EMPTY)
    assert not matches("attribute:stack != prod", EMPTY)


# -- task:group ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),  # instances: PROD (two groups), DB, EMPTY (no tasks)
    [
        ("task:group == family:web", [True, False, False]),
        ("task:group != database", [True, False, True]),
        ("task:group != family:web", [False, True, True]),
        ("task:group in [database, family:web]", [True, True, False]),
        ("task:group !in [database]", [True, False, True]),
        ("task:group =~ service:.*", [True, False, False]),
        ("task:group !~ service:.*", [False, True, True]),
        ("task:group exists", [True, True, False]),
        ("task:group !exists", [False, False, True]),
    ],
)
def test_task_group_any_task(expression: str, expected: list[bool]) -> None:
    assert [matches(expression, i) for i in (PROD, DB, EMPTY)] == expected


def test_task_group_not_equal_is_the_guides_anti_affinity() -> None:
    for instance in (PROD, DB, EMPTY):
        assert matches("task:group != database", instance) == matches(
            "not(task:group == database)", instance
        )


# -- other subjects --------------------------------------------------------------------------------

DISCONNECTED = Instance(agent_connected=False)


@pytest.mark.parametrize(
    ("expression", "connected", "disconnected"),
    [
        ("agentConnected == true", True, False),
        ("agentConnected == TRUE", True, False),
        ("agentConnected != true", False, True),
        ("agentConnected == false", False, True),
        ("agentConnected in [true, false]", True, True),
        ("agentConnected !in [true]", False, True),
        ("agentConnected =~ t.*", True, False),
        ("agentConnected !~ t.*", False, True),
    ],
)
def test_agent_connected(expression: str, connected: bool, disconnected: bool) -> None:
    assert [matches(expression, i) for i in (EMPTY, DISCONNECTED)] == [connected, disconnected]


@pytest.mark.parametrize(
    ("version", "expression", "expected"),
    [
        ("1.14.4", "agentVersion < 1.14.5", True),
        ("1.2.0", "agentVersion < 1.14.5", True),  # as versions, not as strings
        ("1.14.5", "agentVersion < 1.14.5", False),
        ("1.20.0", "agentVersion > 1.14.5", True),
        ("1.14.5", "agentVersion >= 1.14.5", True),
        ("1.14.5", "agentVersion <= 1.14.5", True),
        ("1.2.0", "agentVersion == 1.2", True),
        ("1.2.1", "agentVersion == 1.2", False),
        ("1.2.1", "agentVersion != 1.2", True),
        ("v1.70.2", "agentVersion > 1.9", True),
        ("unknown", "agentVersion < 9", False),
        ("unknown", "agentVersion != 9", False),
    ],
)
def test_agent_version(version: str, expression: str, expected: bool) -> None:
    assert matches(expression, Instance(agent_version=version)) is expected


@pytest.mark.parametrize(
    ("registered", "expression", "expected"),
    [
        ("2018-02-12T23:59:59", "registeredAt < 2018-02-13", True),
        ("2018-02-13T00:00:00", "registeredAt < 2018-02-13", False),
        ("2018-02-13T23:59:59", "registeredAt == 2018-02-13", True),  # the whole day
        ("2018-02-14T00:00:00", "registeredAt == 2018-02-13", False),
        ("2018-02-13T23:59:59", "registeredAt <= 2018-02-13", True),
        ("2018-02-13T23:59:59", "registeredAt > 2018-02-13", False),
        ("2018-02-14T00:00:00", "registeredAt > 2018-02-13", True),
        ("2018-02-13T00:00:00", "registeredAt >= 2018-02-13", True),
        ("2018-02-13T00:00:00", "registeredAt != 2018-02-13", False),
        ("2018-06-18T22:28:28", "registeredAt == 2018-06-18T22:28:28+00:00", True),
        ("2018-06-18T22:28:28", "registeredAt == 2018-06-18T22:28:28Z", True),
        ("2018-06-18T22:28:28", "registeredAt == 2018-06-18T22:28:28", True),
        ("2018-06-18T22:28:28", "registeredAt == 2018-06-18T23:28:28+01:00", True),
        ("2018-06-18T22:28:29", "registeredAt > 2018-06-18T22:28:28Z", True),
        ("2018-06-18T22:28:28", "registeredAt > 2018-06-18T22:28:28Z", False),
    ],
)
def test_registered_at(registered: str, expression: str, expected: bool) -> None:
    assert matches(expression, Instance(registered_at=epoch(registered))) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),  # counts 0, 1, 2
    [
        ("runningTasksCount == 1", [False, True, False]),
        ("runningTasksCount != 1", [True, False, True]),
        ("runningTasksCount < 2", [True, True, False]),
        ("runningTasksCount <= 0", [True, False, False]),
        ("runningTasksCount > 0", [False, True, True]),
        ("runningTasksCount >= 2", [False, False, True]),
    ],
)
def test_running_tasks_count(expression: str, expected: list[bool]) -> None:
    assert [matches(expression, Instance(running_tasks_count=n)) for n in (0, 1, 2)] == expected


def test_ec2_instance_id() -> None:
    assert matches("ec2InstanceId == i-abcd1234", EMPTY)
    assert matches("ec2InstanceId != i-abcd1234", WXYX)
    assert matches("ec2InstanceId =~ i-wx.*", WXYX)
    assert matches("ec2InstanceId not_in [i-abcd1234]", WXYX)


# -- regular expressions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "instance_type", "expected"),
    [
        ("attribute:t =~ g2", "g2.2xlarge", False),  # whole-value match
        ("attribute:t =~ g2.*", "g2.2xlarge", True),
        ("attribute:t =~ (t2|g2)\\..*", "t2.small", True),
        ("not(attribute:t =~ (t2|g2)\\..*)", "m5.large", True),
        ("attribute:t =~ [gt]2[.]small", "t2.small", True),
        ("attribute:t =~ 'a b.*'", "a b c", True),
        ('attribute:t =~ "a b.*"', "a bc", True),
        ("attribute:t =~ (?<family>[a-z]+)2\\.\\k<family>", "t2.t", True),  # Java named groups
        ("attribute:t =~ (?<family>[a-z]+)2\\.\\k<family>", "t2.g", False),
    ],
)
def test_regex(expression: str, instance_type: str, expected: bool) -> None:
    assert matches(expression, Instance({"t": instance_type})) is expected


# -- lists and values ------------------------------------------------------------------------------


def test_lists_accept_quoted_and_bare_values() -> None:
    query = compile_expression("attribute:zone in [us-east-1a,'us east 1b' , \"x,y\"]")
    assert isinstance(query.tree, Comparison)
    assert query.tree.argument == ("us-east-1a", "us east 1b", "x,y")
    assert query.matches(Instance({"zone": "us east 1b"}))
    assert not query.matches(Instance({"zone": "x"}))


def test_values_keep_dots_dashes_slashes_colons_and_stars() -> None:
    query = compile_expression("attribute:path/a.b_c == arn:aws:ecs:us-east-1:1/x*.y")
    assert query.matches(Instance({"path/a.b_c": "arn:aws:ecs:us-east-1:1/x*.y"}))
    assert not query.matches(Instance({"path/a.b_c": "arn:aws:ecs:us-east-1:1/xz.y"}))  # no glob


def test_spacing_is_optional_around_symbols() -> None:
    assert compile_expression("runningTasksCount==1&&!(task:group==db)").tree == (
        compile_expression("runningTasksCount == 1 and not (task:group == db)").tree
    )


# -- combining -------------------------------------------------------------------------------------

A, B, C = "attribute:a exists", "attribute:b exists", "attribute:c exists"


def flags(*names: str) -> Instance:
    return Instance(dict.fromkeys(names, "1"))


@pytest.mark.parametrize(
    ("expression", "instance", "expected"),
    [
        (f"{A} or {B} and {C}", flags("a"), True),  # and binds tighter than or
        (f"({A} or {B}) and {C}", flags("a"), False),
        (f"not {A} and {B}", flags(), False),  # not binds tighter than and
        (f"not ({A} and {B})", flags(), True),
        (f"!{A} || {B}", flags("a"), False),
        (f"{A} && {B} || {C}", flags("c"), True),
        (f"{A} AND {B} OR {C}", flags("a", "b"), True),
        (f"NOT NOT {A}", flags("a"), True),
        (f"! ! ! {A}", flags("a"), False),
        (f"(({A}))", flags("a"), True),
        (f"{A} and {B} and {C}", flags("a", "b", "c"), True),
        (f"{A} and {B} and {C}", flags("a", "b"), False),
        (f"{A} or {B} or {C}", flags("c"), True),
        (f"{A} or {B} or {C}", flags(), False),
    ],
)
def test_precedence_and_parentheses(expression: str, instance: Instance, expected: bool) -> None:
    assert matches(expression, instance) is expected


def test_tree_shape() -> None:
    tree = compile_expression(f"{A} or not {B} and {C}").tree
    assert isinstance(tree, Or)
    left, right = tree.operands
    assert isinstance(left, Comparison)
    assert isinstance(right, And)
    assert isinstance(right.operands[0], Not)


def test_subjects() -> None:
    query = compile_expression(
        "attribute:ecs.availability-zone in [a] and (task:group == x or not agentConnected == true)"
    )
    assert query.subjects() == {"attribute:ecs.availability-zone", "task:group", "agentConnected"}


def test_compiled_queries_are_cached() -> None:
    assert compile_expression("runningTasksCount > 3") is compile_expression(
        "runningTasksCount > 3"
    )


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("foo == bar", "expected a subject"),
        ("agentconnected == true", "did you mean 'agentConnected'"),
        ("attribute: == x", "invalid attribute name"),
        ("attribute:a$b == x", "invalid attribute name"),
        ("attribute:a", "expected an operator"),
        ("attribute:a is x", "expected an operator"),
        ("attribute:a ==", "expected a value"),
        ("attribute:a == x y", "combine comparisons with 'and' or 'or'"),
        ("attribute:a == x and", "expected a subject"),
        ("attribute:a in x", "expects a list"),
        ("attribute:a in [x", "expected ',' or ']'"),
        ("attribute:a in []", "expected a value"),
        ("attribute:a == 'x", "unterminated"),
        ("(attribute:a exists", "expected ')'"),
        ("attribute:a exists)", "unmatched ')'"),
        ("attribute:a = x", "unexpected character"),
        ("attribute:a =~ (", "invalid regular expression"),
        ("attribute:a =~", "expected a regular expression"),
        ("agentVersion in [1.0]", "not valid for agentVersion"),
        ("runningTasksCount =~ 1", "not valid for runningTasksCount"),
        ("registeredAt exists", "not valid for registeredAt"),
        ("agentConnected > true", "not valid for agentConnected"),
        ("task:group > a", "not valid for task:group"),
        ("agentVersion < latest", "version like 1.14.5"),
        ("registeredAt < yesterday", "registeredAt expects a date"),
        ("registeredAt < 2018-02-30", "invalid registeredAt date"),
        ("runningTasksCount > one", "whole number"),
        ("agentConnected == yes", "true or false"),
        ("(" * 100 + "attribute:a exists" + ")" * 100, "nested deeper"),
    ],
)
def test_syntax_errors(expression: str, why: str) -> None:
    with pytest.raises(ClientError) as raised:
        compile_expression(expression, "CreateService")
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"].startswith("Invalid constraint expression: ")
    assert why in error["Message"]
    assert raised.value.operation_name == "CreateService"


def test_error_names_the_position() -> None:
    with pytest.raises(ClientError, match="position 24"):
        compile_expression("runningTasksCount == 1 blah")


def test_length_limit() -> None:
    prefix = "attribute:a == "
    longest = prefix + "x" * (2000 - len(prefix))
    assert compile_expression(longest).matches(Instance({"a": "x" * (2000 - len(prefix))}))
    with pytest.raises(ClientError, match="2000"):
        compile_expression(longest + "x")


# -- properties ------------------------------------------------------------------------------------

VOCABULARY = [
    "attribute:a", "attribute:ecs.os-type", "task:group", "agentConnected", "agentVersion",
    "registeredAt", "runningTasksCount", "ec2InstanceId", "==", "!=", ">", ">=", "<", "<=",
    "equals", "exists", "!exists", "not_exists", "in", "!in", "not_in", "=~", "!~", "matches",
    "and", "AND", "&&", "or", "||", "!", "not", "(", ")", "[", "]", ",", "'", '"', "true", "1",
    "1.2.3", "2018-02-13", "2018-02-13T01:02:03Z", "x", "g2.*", "(a|b)", "[", "\\", "=", "~",
]  # fmt: skip

token_soups = st.lists(st.sampled_from(VOCABULARY), max_size=12).flatmap(
    lambda tokens: st.sampled_from([" ".join(tokens), "".join(tokens)])
)

instances = st.builds(
    Instance,
    attributes=st.dictionaries(
        st.sampled_from(["a", "ecs.os-type"]), st.none() | st.sampled_from(["x", "1", "linux"])
    ),
    agent_connected=st.booleans(),
    agent_version=st.sampled_from(["1.2.3", "1.14.5", "weird"]),
    ec2_instance_id=st.sampled_from(["x", "i-1"]),
    registered_at=st.floats(0, 2e9),
    running_tasks_count=st.integers(0, 3),
    task_groups=st.frozensets(st.sampled_from(["x", "a", "service:b"])),
)


def compile_or_none(expression: str) -> Query | None:
    try:
        return compile_expression(expression)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "InvalidParameterException"
        return None


@given(st.text())
def test_any_text_compiles_or_raises_invalid_parameter(expression: str) -> None:
    compile_or_none(expression)


@given(token_soups, instances)
def test_token_soups_are_deterministic(expression: str, instance: Instance) -> None:
    first = compile_or_none(expression)
    again = compile_or_none(expression + " ")  # a different cache key, the same expression
    if first is None or again is None:
        assert first is again is None
        return
    assert first.tree == again.tree
    assert first.matches(instance) == first.matches(instance) == again.matches(instance)


# An independent oracle: random trees of simple comparisons, rendered with random spellings.

Oracle = Callable[[Instance], bool]
Case = tuple[str, Oracle]

leaf: st.SearchStrategy[Case] = st.sampled_from(
    [
        ("attribute:a == x", lambda i: i.attribute("a") == "x"),
        ("attribute:a exists", lambda i: i.has_attribute("a")),
        ("task:group == x", lambda i: "x" in i.task_groups),
        ("runningTasksCount > 1", lambda i: i.running_tasks_count > 1),
        ("agentConnected == true", lambda i: i.agent_connected),
    ]
)


def render(kind: str, left: Case, right: Case, spelling: int) -> Case:
    (left_text, left_is), (right_text, right_is) = left, right
    if kind == "not":
        word = ("not ", "!", "NOT ")[spelling]
        return f"{word}({left_text})", lambda i: not left_is(i)
    joiner = {"and": (" and ", " && ", " AND "), "or": (" or ", " || ", " Or ")}[kind][spelling]
    text = f"({left_text}){joiner}({right_text})"
    if kind == "and":
        return text, lambda i: left_is(i) and right_is(i)
    return text, lambda i: left_is(i) or right_is(i)


def combine(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    return st.builds(
        render, st.sampled_from(["and", "or", "not"]), children, children, st.integers(0, 2)
    )


@given(st.recursive(leaf, combine, max_leaves=12), instances)
def test_agrees_with_an_oracle(case: Case, instance: Instance) -> None:
    text, oracle = case
    assert compile_expression(text).matches(instance) is oracle(instance)


# -- the attribute rules PutAttributes shares with the query language ---------------------------
@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("stack", True),
        ("ecs.instance-type", True),
        ("a/b\\c_d-e.f", True),
        ("x" * 128, True),
        ("", False),
        ("x" * 129, False),
        ("has space", False),
        ("colon:no", False),
    ],
)
def test_attribute_name_rule(name: str, ok: bool) -> None:
    from ecsedu.engine.query import ATTRIBUTE_NAME

    assert bool(ATTRIBUTE_NAME.fullmatch(name)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("prod", True),
        ("a b", True),
        ("x@y:/\\_-.", True),
        ("v" * 128, True),
        ("", False),
        ("v" * 129, False),
        (" lead", False),
        ("trail ", False),
        ("semi;colon", False),
    ],
)
def test_attribute_value_rule(value: str, ok: bool) -> None:
    from ecsedu.engine.query import ATTRIBUTE_VALUE

    assert bool(ATTRIBUTE_VALUE.fullmatch(value)) is ok


def test_an_attribute_value_with_a_space_is_matched_when_quoted() -> None:
    assert matches("attribute:team == 'blue team'", Instance({"team": "blue team"}))
    assert not matches("attribute:team == 'blue team'", Instance({"team": "blue"}))
