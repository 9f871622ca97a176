"""The agent's operations (DiscoverPollEndpoint, Submit*StateChange(s)) and UpdateContainerAgent."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu
from ecsedu.engine.api import agent_facing

C = "agents"
APP = {"name": "app", "image": "busybox", "memory": 64}
SIDE = {"name": "side", "image": "busybox", "memory": 32, "essential": False}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=4)
    client.create_cluster(clusterName=C)
    client.add_instances(C, count=1)
    client.register_task_definition(family="app", containerDefinitions=[APP, SIDE])
    return client


def running_task(ecs: Any) -> dict[str, Any]:
    (task,) = ecs.run_task(cluster=C, taskDefinition="app")["tasks"]
    ecs.advance(60)
    (task,) = ecs.describe_tasks(cluster=C, tasks=[task["taskArn"]])["tasks"]
    assert task["lastStatus"] == "RUNNING"
    return dict(task)


def describe(ecs: Any, arn: str) -> dict[str, Any]:
    (task,) = ecs.describe_tasks(cluster=C, tasks=[arn])["tasks"]
    return dict(task)


def containers(task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in task["containers"]}


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_discover_poll_endpoint_names_the_regions_endpoints(ecs: Any) -> None:
    assert ecs.discover_poll_endpoint(cluster=C) == {
        "endpoint": "https://ecs-a-1.us-east-1.amazonaws.com/",
        "telemetryEndpoint": "https://ecs-t-1.us-east-1.amazonaws.com/",
        "serviceConnectEndpoint": "https://ecs-sc-1.us-east-1.amazonaws.com/",
    }


def test_a_reported_stopped_container_really_exits(ecs: Any) -> None:
    task = running_task(ecs)
    answer = ecs.submit_container_state_change(
        cluster=C, task=task["taskArn"], containerName="side", status="STOPPED", exitCode=3
    )
    assert answer == {"acknowledgment": agent_facing.ACKNOWLEDGMENT}
    ecs.advance(10)
    after = describe(ecs, task["taskArn"])
    assert containers(after)["side"]["lastStatus"] == "STOPPED"
    assert containers(after)["side"]["exitCode"] == 3
    assert after["lastStatus"] == "RUNNING"  # side is not essential


def test_an_essential_container_reported_stopped_stops_the_task(ecs: Any) -> None:
    task = running_task(ecs)
    ecs.submit_task_state_change(
        cluster=C,
        task=task["taskArn"].rsplit("/", 1)[1],  # a short id
        status="STOPPED",
        containers=[{"containerName": "app", "status": "STOPPED"}],
    )
    ecs.advance(120)
    after = describe(ecs, task["taskArn"])
    assert after["lastStatus"] == "STOPPED"
    assert containers(after)["app"]["exitCode"] == agent_facing.DEFAULT_EXIT_CODE
    assert after["stopCode"] == "EssentialContainerExited"


def test_reports_that_agree_with_the_engine_change_nothing(ecs: Any) -> None:
    task = running_task(ecs)
    before = describe(ecs, task["taskArn"])
    ecs.submit_task_state_change(
        cluster=C,
        task=task["taskArn"],
        status="RUNNING",
        reason="agent says so",
        containers=[{"containerName": "app", "status": "RUNNING"}],
    )
    ecs.submit_container_state_change(
        cluster=C, task=task["taskArn"], containerName="side", status="PENDING"
    )
    ecs.submit_attachment_state_changes(
        cluster=C,
        attachments=[
            {
                "attachmentArn": "arn:aws:ecs:us-east-1:123456789012:attachment/x",
                "status": "ATTACHED",
            }
        ],
    )
    assert describe(ecs, task["taskArn"]) == before
    reported = [e.message for e in ecs.events(kind="API_CALL") if "agent reported" in e.message]
    assert len(reported) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cluster": "ghost"}, "ClusterNotFoundException"),
        ({"task": "0" * 32}, "InvalidParameterException"),
        ({"containerName": "nope"}, "InvalidParameterException"),
        ({"status": "EXPLODED"}, "InvalidParameterException"),
    ],
)
def test_bad_container_reports_are_refused(ecs: Any, params: dict[str, Any], expected: str) -> None:
    task = running_task(ecs)
    request = {"cluster": C, "task": task["taskArn"], "containerName": "app", "status": "STOPPED"}
    with pytest.raises(ClientError) as e:
        ecs.submit_container_state_change(**{**request, **params})
    assert code(e) == expected
    ecs.advance(30)
    assert describe(ecs, task["taskArn"])["lastStatus"] == "RUNNING"  # nothing applied


def test_a_task_report_with_one_bad_container_applies_nothing(ecs: Any) -> None:
    task = running_task(ecs)
    with pytest.raises(ClientError) as e:
        ecs.submit_task_state_change(
            cluster=C,
            task=task["taskArn"],
            containers=[
                {"containerName": "app", "status": "STOPPED"},
                {"containerName": "ghost", "status": "STOPPED"},
            ],
        )
    assert code(e) == "InvalidParameterException"
    ecs.advance(30)
    assert describe(ecs, task["taskArn"])["lastStatus"] == "RUNNING"


def test_update_container_agent(ecs: Any) -> None:
    (instance,) = ecs.list_container_instances(cluster=C)["containerInstanceArns"]
    with pytest.raises(ClientError) as e:
        ecs.update_container_agent(cluster=C, containerInstance=instance)
    assert code(e) == "NoUpdateAvailableException"
    ecs.store.instances[instance].agent_version = "1.2.0"  # an old agent
    answer = ecs.update_container_agent(cluster=C, containerInstance=instance.rsplit("/", 1)[1])
    assert answer["containerInstance"]["agentUpdateStatus"] == "PENDING"
    (described,) = ecs.describe_container_instances(cluster=C, containerInstances=[instance])[
        "containerInstances"
    ]
    assert described["versionInfo"]["agentVersion"] == agent_facing.LATEST_AGENT_VERSION
    ecs.store.instances[instance].agent_version = ""
    with pytest.raises(ClientError) as e:
        ecs.update_container_agent(cluster=C, containerInstance=instance)
    assert code(e) == "MissingVersionException"
    with pytest.raises(ClientError) as e:
        ecs.update_container_agent(cluster=C, containerInstance="f" * 32)
    assert code(e) == "InvalidParameterException"
