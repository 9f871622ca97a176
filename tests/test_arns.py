"""ecsedu.arns: every ECS ARN is built and parsed in one place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecsedu import arns

PREFIX = "arn:aws:ecs:us-east-1:123456789012:"

names = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)
ids = st.from_regex(r"[0-9a-f]{32}", fullmatch=True)
revisions = st.integers(min_value=1, max_value=10**6)


def test_builders_spell_ecs_arns() -> None:
    assert arns.PREFIX == PREFIX
    assert arns.cluster("demo") == f"{PREFIX}cluster/demo"
    assert arns.container_instance("demo", "abc") == f"{PREFIX}container-instance/demo/abc"
    assert arns.task("demo", "abc") == f"{PREFIX}task/demo/abc"
    assert arns.service("demo", "web") == f"{PREFIX}service/demo/web"
    assert arns.task_definition("web", 3) == f"{PREFIX}task-definition/web:3"
    assert arns.container("demo", "abc", "u-1") == f"{PREFIX}container/demo/abc/u-1"
    assert arns.capacity_provider("cp1") == f"{PREFIX}capacity-provider/cp1"


def test_parse_names_every_part() -> None:
    assert arns.parse(f"{PREFIX}cluster/demo") == arns.Arn(
        arns.ResourceType.CLUSTER, "demo", "demo"
    )
    assert arns.parse(f"{PREFIX}task/demo/abc") == arns.Arn(arns.ResourceType.TASK, "demo", "abc")
    assert arns.parse(f"{PREFIX}task-definition/web:3") == arns.Arn(
        arns.ResourceType.TASK_DEFINITION, None, "web", revision=3
    )
    parsed = arns.parse(f"{PREFIX}container/demo/abc/u-1")
    assert (parsed.cluster, parsed.task_id, parsed.name) == ("demo", "abc", "u-1")
    assert arns.parse(f"{PREFIX}capacity-provider/cp1") == arns.Arn(
        arns.ResourceType.CAPACITY_PROVIDER, None, "cp1"
    )


@pytest.mark.parametrize(
    "text",
    [
        "web",
        "",
        "arn:aws:s3:::demo",  # another service
        "arn:aws:ecs:us-east-1:12345:cluster/demo",  # not an account id
        f"{PREFIX}cluster",
        f"{PREFIX}cluster/",
        f"{PREFIX}bucket/x",
        f"{PREFIX}task/demo",
        f"{PREFIX}task/demo/abc/extra",
        f"{PREFIX}task-definition/web",
        f"{PREFIX}task-definition/web:x",
        f"{PREFIX}container/demo/abc",
        f"{PREFIX}capacity-provider/",
        f"{PREFIX}capacity-provider/a/b",
    ],
)
def test_parse_rejects_what_is_not_an_ecs_arn(text: str) -> None:
    with pytest.raises(ValueError, match="ARN"):
        arns.parse(text)


def test_resource_type_is_none_for_names_and_malformed_arns() -> None:
    assert arns.resource_type(f"{PREFIX}service/demo/web") is arns.ResourceType.SERVICE
    assert arns.resource_type("web") is None
    assert arns.resource_type(f"{PREFIX}cluster") is None
    other = "arn:aws:ecs:us-east-1:999999999999:cluster/demo"
    assert arns.resource_type(other) is arns.ResourceType.CLUSTER  # any account's ARN reads
    assert not arns.is_arn(other)  # but only this account's is the engine's


def test_is_arn_and_short_forms() -> None:
    assert arns.is_arn(arns.cluster("demo"))
    assert not arns.is_arn("demo")
    assert arns.cluster_name(arns.cluster("demo")) == "demo"
    assert arns.cluster_name(arns.container_instance("demo", "abc")) == "demo"
    assert arns.resource_id(arns.task("demo", "abc")) == "abc"
    assert arns.resource_id("abc") == "abc"  # a bare id stays as it is
    assert arns.task_definition_ref(arns.task_definition("web", 2)) == "web:2"
    assert arns.task_definition_ref("web") == "web"


@pytest.mark.fuzz
@given(cluster=names, id=ids)
def test_round_trip_cluster_scoped(cluster: str, id: str) -> None:
    for build, kind in (
        (arns.container_instance, arns.ResourceType.CONTAINER_INSTANCE),
        (arns.task, arns.ResourceType.TASK),
        (arns.service, arns.ResourceType.SERVICE),
    ):
        arn = build(cluster, id)
        assert arns.parse(arn) == arns.Arn(kind, cluster, id)
        assert arns.is_arn(arn)
        assert arns.cluster_name(arn) == cluster
        assert arns.resource_id(arn) == id


@pytest.mark.fuzz
@given(name=names)
def test_round_trip_cluster(name: str) -> None:
    arn = arns.cluster(name)
    assert arns.parse(arn) == arns.Arn(arns.ResourceType.CLUSTER, name, name)
    assert arns.cluster_name(arn) == name == arns.resource_id(arn)


@pytest.mark.fuzz
@given(family=names, revision=revisions)
def test_round_trip_task_definition(family: str, revision: int) -> None:
    arn = arns.task_definition(family, revision)
    parsed = arns.parse(arn)
    assert (parsed.resource, parsed.name, parsed.revision) == (
        arns.ResourceType.TASK_DEFINITION,
        family,
        revision,
    )
    assert arns.task_definition_ref(arn) == f"{family}:{revision}" == arns.resource_id(arn)


@pytest.mark.fuzz
@given(cluster=names, task_id=ids, uuid=st.uuids().map(str))
def test_round_trip_container(cluster: str, task_id: str, uuid: str) -> None:
    arn = arns.container(cluster, task_id, uuid)
    assert arns.parse(arn) == arns.Arn(arns.ResourceType.CONTAINER, cluster, uuid, task_id=task_id)
    assert arns.cluster_name(arn) == cluster


def test_another_accounts_arns_parse_but_are_not_this_accounts() -> None:
    """A classroom server gives each learner an account id of their own."""
    theirs = "arn:aws:ecs:us-east-1:210987654321:task-definition/web:3"
    assert arns.parse(theirs) == arns.Arn(
        arns.ResourceType.TASK_DEFINITION, None, "web", revision=3
    )
    assert arns.parse("arn:aws:ecs:eu-west-1:210987654321:task/demo/abc").task_id is None
    assert not arns.is_arn(theirs)  # the engine treats it as a name: never its own resource


def test_service_deployment_revision_and_task_set_arns() -> None:
    """The ARN formats ECS documents (``service-deployment/<cluster>/<service>/<id>`` ...)."""
    sd = arns.service_deployment("demo", "web", "r9i43YFjvgF_xlg7m2eJ1r")
    assert sd == f"{PREFIX}service-deployment/demo/web/r9i43YFjvgF_xlg7m2eJ1r"
    assert arns.parse(sd) == arns.Arn(
        arns.ResourceType.SERVICE_DEPLOYMENT, "demo", "r9i43YFjvgF_xlg7m2eJ1r", service="web"
    )
    rev = arns.service_revision("demo", "web", "4980306466373577095")
    assert rev == f"{PREFIX}service-revision/demo/web/4980306466373577095"
    assert arns.parse(rev).resource is arns.ResourceType.SERVICE_REVISION
    assert (arns.parse(rev).service, arns.parse(rev).name) == ("web", "4980306466373577095")
    ts = arns.task_set("demo", "web", "ecs-svc/1234567890123456789")
    assert ts == f"{PREFIX}task-set/demo/web/ecs-svc/1234567890123456789"
    assert arns.parse(ts) == arns.Arn(
        arns.ResourceType.TASK_SET, "demo", "ecs-svc/1234567890123456789", service="web"
    )
    assert arns.cluster_name(ts) == arns.cluster_name(sd) == "demo"
    for bad in (
        f"{PREFIX}service-deployment/demo/web",
        f"{PREFIX}service-revision/demo//1",
        f"{PREFIX}task-set/demo/web/1234",
        f"{PREFIX}task-set/demo/web/other/1234",
    ):
        with pytest.raises(ValueError, match="ARN"):
            arns.parse(bad)
