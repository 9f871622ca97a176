"""DeleteTaskDefinitions: INACTIVE revisions go to DELETE_IN_PROGRESS; others come back in
``failures``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/"
APP = {"name": "app", "image": "busybox", "memory": 64}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=6)
    client.create_cluster()
    client.add_instances("default", count=1)
    for _ in range(3):
        client.register_task_definition(family="web", containerDefinitions=[APP])
    return client


def test_only_inactive_revisions_are_deleted(ecs: Any) -> None:
    ecs.run_task(taskDefinition="web:1")  # keeps web:1 in DELETE_IN_PROGRESS
    ecs.deregister_task_definition(taskDefinition="web:1")
    answer = ecs.delete_task_definitions(
        taskDefinitions=["web:1", f"{ARN}web:2", "web:9", "web", "nope:1"]
    )
    (deleted,) = answer["taskDefinitions"]
    assert deleted["taskDefinitionArn"] == f"{ARN}web:1"
    assert deleted["status"] == "DELETE_IN_PROGRESS"
    assert deleted["deleteRequestedAt"] >= deleted["deregisteredAt"]
    assert [(f["arn"], f["reason"]) for f in answer["failures"]] == [
        (
            f"{ARN}web:2",
            "The specified task definition is still in ACTIVE status. Please deregister the "
            "target and try again.",
        ),
        (f"{ARN}web:9", "The specified task definition does not exist."),
        ("web", "The task definition revision is required."),
        (f"{ARN}nope:1", "The specified task definition does not exist."),
    ]
    described = ecs.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
    assert described["status"] == "DELETE_IN_PROGRESS"
    assert ecs.describe_task_definition(taskDefinition="web:2")["taskDefinition"]["status"] == (
        "ACTIVE"
    )
    # a second delete answers the same revision again
    again = ecs.delete_task_definitions(taskDefinitions=["web:1"])
    assert again["taskDefinitions"][0]["deleteRequestedAt"] == deleted["deleteRequestedAt"]
    assert again["failures"] == []


def test_a_revision_nothing_uses_is_gone(ecs: Any) -> None:
    ecs.deregister_task_definition(taskDefinition="web:1")
    answer = ecs.delete_task_definitions(taskDefinitions=["web:1"])
    assert answer["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS"
    with pytest.raises(ClientError) as e:
        ecs.describe_task_definition(taskDefinition="web:1")
    assert e.value.response["Error"] == {
        "Code": "ClientException",
        "Message": "Unable to describe task definition.",
    }
    for status in ("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"):
        assert f"{ARN}web:1" not in ecs.list_task_definitions(status=status)["taskDefinitionArns"]
    gone = ecs.delete_task_definitions(taskDefinitions=["web:1"])
    assert gone["failures"][0]["reason"] == "The specified task definition does not exist."


def test_a_family_whose_revisions_are_all_gone_is_not_listed(ecs: Any) -> None:
    ecs.register_task_definition(family="once", containerDefinitions=[APP])
    (task,) = ecs.run_task(taskDefinition="once:1")["tasks"]
    ecs.deregister_task_definition(taskDefinition="once:1")
    ecs.delete_task_definitions(taskDefinitions=["once:1"])
    assert "once" in ecs.list_task_definition_families(status="ALL")["families"]
    ecs.advance(60)
    ecs.stop_task(task=task["taskArn"])
    ecs.advance(120)  # the task has STOPPED: nothing uses once:1 any more
    assert "once" not in ecs.list_task_definition_families(status="ALL")["families"]
    assert "web" in ecs.list_task_definition_families(status="ALL")["families"]


def test_listing_by_status(ecs: Any) -> None:
    ecs.run_task(taskDefinition="web:1")
    ecs.deregister_task_definition(taskDefinition="web:1")
    ecs.deregister_task_definition(taskDefinition="web:2")
    ecs.delete_task_definitions(taskDefinitions=["web:1"])
    assert ecs.list_task_definitions(status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == [
        f"{ARN}web:1"
    ]
    assert ecs.list_task_definitions(status="INACTIVE")["taskDefinitionArns"] == [f"{ARN}web:2"]
    assert ecs.list_task_definitions()["taskDefinitionArns"] == [f"{ARN}web:3"]


def test_a_deleted_revision_runs_nothing_new_but_its_tasks_carry_on(ecs: Any) -> None:
    (task,) = ecs.run_task(taskDefinition="web:1")["tasks"]
    ecs.create_service(serviceName="s", taskDefinition="web:1", desiredCount=1)
    ecs.advance(60)
    ecs.deregister_task_definition(taskDefinition="web:1")
    ecs.delete_task_definitions(taskDefinitions=["web:1"])
    ecs.advance(60)
    (still,) = ecs.describe_tasks(tasks=[task["taskArn"]])["tasks"]
    assert still["lastStatus"] == "RUNNING"
    for call in (
        lambda: ecs.run_task(taskDefinition="web:1"),
        lambda: ecs.create_service(serviceName="t", taskDefinition="web:1", desiredCount=1),
        lambda: ecs.update_service(service="s", taskDefinition="web:1", forceNewDeployment=True),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] in ("InvalidParameterException", "ClientException")
    ecs.update_service(service="s", desiredCount=2)  # scaling still works
    ecs.advance(120)
    assert ecs.describe_services(services=["s"])["services"][0]["runningCount"] == 2


def test_revision_numbers_are_never_reused(ecs: Any) -> None:
    ecs.deregister_task_definition(taskDefinition="web:3")
    ecs.delete_task_definitions(taskDefinitions=["web:3"])
    new = ecs.register_task_definition(family="web", containerDefinitions=[APP])
    assert new["taskDefinition"]["revision"] == 4


def test_at_most_ten_and_at_least_one(ecs: Any) -> None:
    for refs in ([], [f"web:{n}" for n in range(1, 12)]):
        with pytest.raises(ClientError) as e:
            ecs.delete_task_definitions(taskDefinitions=refs)
        assert e.value.response["Error"]["Code"] == "InvalidParameterException"


def test_delete_in_progress_survives_save_and_load(ecs: Any, tmp_path: Path) -> None:
    ecs.run_task(taskDefinition="web:1")
    ecs.deregister_task_definition(taskDefinition="web:1")
    ecs.delete_task_definitions(taskDefinitions=["web:1"])
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert again.describe_task_definition(taskDefinition="web:1") == ecs.describe_task_definition(
        taskDefinition="web:1"
    )
