"""Custom attributes: PutAttributes, DeleteAttributes, ListAttributes, and placement reading them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu

C = "attrs"
TD = {"name": "app", "image": "busybox", "memory": 64}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=2)
    client.create_cluster(clusterName=C)
    client.create_cluster(clusterName="other")
    client.register_task_definition(family="app", containerDefinitions=[TD])
    return client


def put(ecs: Any, target: str, name: str, value: str | None = "v", **extra: Any) -> Any:
    attribute = {"name": name, "targetId": target, **extra}
    if value is not None:
        attribute["value"] = value
    return ecs.put_attributes(cluster=C, attributes=[attribute])


def attributes_of(ecs: Any, instance: str) -> dict[str, Any]:
    (described,) = ecs.describe_container_instances(cluster=C, containerInstances=[instance])[
        "containerInstances"
    ]
    return {a["name"]: a.get("value") for a in described["attributes"]}


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_put_creates_then_replaces_and_describe_shows_it(ecs: Any) -> None:
    (i,) = ecs.add_instances(C, count=1)
    answer = put(ecs, i, "stack", "prod")
    assert answer == {"attributes": [{"name": "stack", "value": "prod", "targetId": i}]}
    assert attributes_of(ecs, i)["stack"] == "prod"
    put(ecs, i, "stack", "dev")
    assert attributes_of(ecs, i)["stack"] == "dev"
    put(ecs, i, "gpu", None)  # a name without a value, like the agent's capabilities
    assert "gpu" in attributes_of(ecs, i)
    assert attributes_of(ecs, i)["gpu"] is None


def test_short_ids_need_the_target_type(ecs: Any) -> None:
    (i,) = ecs.add_instances(C, count=1)
    short = i.rsplit("/", 1)[1]
    with pytest.raises(ClientError) as e:
        put(ecs, short, "stack")
    assert code(e) == "InvalidParameterException"
    put(ecs, short, "stack", "x", targetType="container-instance")
    assert attributes_of(ecs, i)["stack"] == "x"


def test_unknown_or_foreign_targets_are_not_found(ecs: Any) -> None:
    (elsewhere,) = ecs.add_instances("other", count=1)
    for target in (
        elsewhere,
        f"arn:aws:ecs:us-east-1:123456789012:container-instance/{C}/" + "f" * 32,
    ):
        with pytest.raises(ClientError) as e:
            put(ecs, target, "stack")
        assert code(e) == "TargetNotFoundException"
    with pytest.raises(ClientError) as e:
        ecs.put_attributes(cluster="ghost", attributes=[{"name": "a", "targetId": elsewhere}])
    assert code(e) == "ClusterNotFoundException"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("", "v"),
        ("has space", "v"),
        ("x" * 129, "v"),
        ("ok", " lead"),
        ("ok", "trail "),
        ("ok", "a" * 129),
        ("ok", "semi;colon"),
    ],
)
def test_names_and_values_follow_ecs_rules(ecs: Any, name: str, value: str) -> None:
    (i,) = ecs.add_instances(C, count=1)
    with pytest.raises(ClientError) as e:
        put(ecs, i, name, value)
    assert code(e) == "InvalidParameterException"


def test_accepted_names_and_values(ecs: Any) -> None:
    (i,) = ecs.add_instances(C, count=1)
    put(ecs, i, "team/a_b-c.d\\e", "x y@z:/\\_-.1")
    put(ecs, i, "n" * 128, "v" * 128)
    assert attributes_of(ecs, i)["team/a_b-c.d\\e"] == "x y@z:/\\_-.1"


def test_at_most_ten_per_call_and_ten_custom_per_instance(ecs: Any) -> None:
    (i,) = ecs.add_instances(C, count=1, attributes={"stack": "prod"})
    many = [{"name": f"a{n}", "value": "v", "targetId": i} for n in range(11)]
    with pytest.raises(ClientError) as e:
        ecs.put_attributes(cluster=C, attributes=many)
    assert code(e) == "InvalidParameterException"
    # stack (given at registration) + 9 = 10 custom attributes; the agent's ecs.* do not count
    ecs.put_attributes(cluster=C, attributes=many[:9])
    before = attributes_of(ecs, i)
    with pytest.raises(ClientError) as e:
        put(ecs, i, "one-too-many")
    assert code(e) == "AttributeLimitExceededException"
    assert attributes_of(ecs, i) == before  # nothing applied
    put(ecs, i, "a0", "replaced")  # replacing one is not a new one
    put(ecs, i, "ecs.custom-capability", None)  # ecs.* names are not custom


def test_a_failing_call_applies_nothing(ecs: Any) -> None:
    a, b = ecs.add_instances(C, count=2)
    with pytest.raises(ClientError):
        ecs.put_attributes(
            cluster=C,
            attributes=[
                {"name": "good", "value": "1", "targetId": a},
                {"name": "bad name", "value": "1", "targetId": b},
            ],
        )
    assert "good" not in attributes_of(ecs, a)


def test_delete_removes_and_tolerates_absent_names(ecs: Any) -> None:
    (i,) = ecs.add_instances(C, count=1)
    put(ecs, i, "stack", "prod")
    answer = ecs.delete_attributes(cluster=C, attributes=[{"name": "stack", "targetId": i}])
    assert answer == {"attributes": [{"name": "stack", "targetId": i}]}
    assert "stack" not in attributes_of(ecs, i)
    ecs.delete_attributes(cluster=C, attributes=[{"name": "stack", "targetId": i}])
    with pytest.raises(ClientError) as e:
        ecs.delete_attributes(
            cluster=C,
            attributes=[
                {"name": "stack", "targetId": "f" * 32, "targetType": "container-instance"}
            ],
        )
    assert code(e) == "TargetNotFoundException"


def test_list_attributes_filters_by_name_and_value(ecs: Any) -> None:
    a, b = ecs.add_instances(C, count=2)
    put(ecs, a, "stack", "prod")
    put(ecs, b, "stack", "dev")
    listed = ecs.list_attributes(cluster=C, targetType="container-instance", attributeName="stack")
    assert listed["attributes"] == [
        {"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": a},
        {"name": "stack", "value": "dev", "targetType": "container-instance", "targetId": b},
    ]
    prod = ecs.list_attributes(
        cluster=C, targetType="container-instance", attributeName="stack", attributeValue="prod"
    )
    assert [x["targetId"] for x in prod["attributes"]] == [a]
    linux = ecs.list_attributes(
        cluster=C,
        targetType="container-instance",
        attributeName="ecs.os-type",
        attributeValue="linux",
    )
    assert len(linux["attributes"]) == 2  # built-in attributes are listed too
    everything = ecs.list_attributes(cluster=C, targetType="container-instance")["attributes"]
    assert len(everything) == len(attributes_of(ecs, a)) + len(attributes_of(ecs, b))
    with pytest.raises(ClientError) as e:
        ecs.list_attributes(cluster=C, targetType="container-instance", attributeValue="prod")
    assert code(e) == "InvalidParameterException"
    paged = ecs.get_paginator("list_attributes").paginate(
        cluster=C, targetType="container-instance", PaginationConfig={"PageSize": 7}
    )
    assert sum(len(p["attributes"]) for p in paged) == len(everything)


def test_member_of_reads_attributes_put_after_registration(ecs: Any) -> None:
    a, b = ecs.add_instances(C, count=2)
    constraint = [{"type": "memberOf", "expression": "attribute:stack == prod"}]
    first = ecs.run_task(cluster=C, taskDefinition="app", placementConstraints=constraint)
    assert first["tasks"] == []
    assert {f["reason"] for f in first["failures"]} == {
        "MemberOf placement constraint unsatisfied."
    }
    put(ecs, b, "stack", "prod")
    placed = ecs.run_task(cluster=C, taskDefinition="app", count=3, placementConstraints=constraint)
    assert {t["containerInstanceArn"] for t in placed["tasks"]} == {b}
    ecs.delete_attributes(cluster=C, attributes=[{"name": "stack", "targetId": b}])
    again = ecs.run_task(cluster=C, taskDefinition="app", placementConstraints=constraint)
    assert again["tasks"] == []


def test_spread_sees_a_changed_attribute(ecs: Any) -> None:
    """The placement index caches attribute codes per field: PutAttributes must refresh them."""
    a, b = ecs.add_instances(C, count=2, attributes={"rack": "r1"})
    spread = [{"type": "spread", "field": "attribute:rack"}]
    first = ecs.run_task(cluster=C, taskDefinition="app", count=2, placementStrategy=spread)
    assert {t["containerInstanceArn"] for t in first["tasks"]} == {a}  # one rack: a tie
    put(ecs, b, "rack", "r2")  # now rack r2 has no task: spread fills it first
    placed = ecs.run_task(cluster=C, taskDefinition="app", count=2, placementStrategy=spread)
    assert [t["containerInstanceArn"] for t in placed["tasks"]] == [b, b]


def test_list_container_instances_filter_sees_put_attributes(ecs: Any) -> None:
    a, b = ecs.add_instances(C, count=2)
    put(ecs, a, "stack", "prod")
    listed = ecs.list_container_instances(cluster=C, filter="attribute:stack == prod")
    assert listed["containerInstanceArns"] == [a]


def test_attributes_survive_save_and_load(ecs: Any, tmp_path: Path) -> None:
    (i,) = ecs.add_instances(C, count=1)
    put(ecs, i, "stack", "prod")
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert attributes_of(again, i)["stack"] == "prod"
    placed = again.run_task(
        cluster=C,
        taskDefinition="app",
        placementConstraints=[{"type": "memberOf", "expression": "attribute:stack == prod"}],
    )
    assert [t["containerInstanceArn"] for t in placed["tasks"]] == [i]


def test_the_snapshot_and_the_change_feed_show_a_put_attribute(ecs: Any) -> None:
    (i,) = ecs.add_instances(C, count=1)
    changes: list[Any] = []
    ecs.subscribe(changes.append)
    put(ecs, i, "stack", "prod")
    (view,) = [v for v in ecs.snapshot().instances if v.arn == i]
    assert ("stack", "prod") in view.attributes
    assert any(i in change.instances for change in changes)
