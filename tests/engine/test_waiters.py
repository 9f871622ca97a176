"""boto3's ECS waiters on the simulated clock: they advance time instead of sleeping, and give
up with botocore's WaiterError when the condition can never hold."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import WaiterError

import ecsedu

C = "c"


def setup(image: str = "busybox", **env: str) -> Any:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2)
    ecs.register_task_definition(
        family="t",
        containerDefinitions=[
            {
                "name": "app",
                "image": image,
                "memory": 128,
                "environment": [{"name": k, "value": v} for k, v in env.items()],
            }
        ],
    )
    return ecs


def test_tasks_running_advances_the_clock_in_six_second_polls() -> None:
    ecs = setup()
    arn = ecs.run_task(cluster=C, taskDefinition="t")["tasks"][0]["taskArn"]
    start = ecs.clock.now
    ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[arn])
    waited = ecs.clock.now - start
    assert waited > 0
    assert waited % 6 == 0
    assert ecs.describe_tasks(cluster=C, tasks=[arn])["tasks"][0]["lastStatus"] == "RUNNING"


def test_tasks_running_fails_when_the_essential_container_exits() -> None:
    ecs = setup("ecsedu/crashy", EXIT_AFTER="1", EXIT_CODE="2")
    arn = ecs.run_task(cluster=C, taskDefinition="t")["tasks"][0]["taskArn"]
    start = ecs.clock.now
    with pytest.raises(WaiterError) as info:
        ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[arn])
    assert "terminal failure" in str(info.value)
    assert info.value.last_response["tasks"][0]["lastStatus"] == "STOPPED"
    assert ecs.clock.now - start < 60  # gave up at once, not after 100 polls


def test_tasks_running_fails_on_missing_tasks() -> None:
    ecs = setup()
    start = ecs.clock.now
    with pytest.raises(WaiterError) as info:
        ecs.get_waiter("tasks_running").wait(cluster=C, tasks=["0" * 32])
    assert info.value.last_response["failures"][0]["reason"] == "MISSING"
    assert ecs.clock.now == start  # the failure acceptor matched on the first poll


def test_tasks_stopped() -> None:
    ecs = setup()
    arns = [t["taskArn"] for t in ecs.run_task(cluster=C, taskDefinition="t", count=3)["tasks"]]
    ecs.advance(30)
    for arn in arns:
        ecs.stop_task(cluster=C, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=C, tasks=arns)
    described = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]
    assert {t["lastStatus"] for t in described} == {"STOPPED"}


def test_services_stable_waits_for_one_deployment_at_desired_count() -> None:
    ecs = setup()
    ecs.register_task_definition(
        family="t", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 256}]
    )
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=3)
    start = ecs.clock.now
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert (ecs.clock.now - start) % 15 == 0
    assert ecs.clock.now > start
    ecs.update_service(cluster=C, service="s", taskDefinition="t:2")
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    s = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    assert len(s["deployments"]) == 1
    assert s["runningCount"] == s["desiredCount"] == 3


def test_services_stable_gives_up_when_tasks_cannot_be_placed() -> None:
    ecs = setup()
    ecs.register_task_definition(
        family="huge", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 100_000}]
    )
    ecs.create_service(cluster=C, serviceName="h", taskDefinition="huge", desiredCount=1)
    with pytest.raises(WaiterError) as info:
        ecs.get_waiter("services_stable").wait(
            cluster=C, services=["h"], WaiterConfig={"Delay": 15, "MaxAttempts": 5}
        )
    assert "Max attempts exceeded" in str(info.value)


def test_services_stable_fails_on_a_missing_service() -> None:
    ecs = setup()
    with pytest.raises(WaiterError) as info:
        ecs.get_waiter("services_stable").wait(cluster=C, services=["ghost"])
    assert "terminal failure" in str(info.value)


def test_services_inactive_after_delete() -> None:
    ecs = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=2)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.delete_service(cluster=C, service="s", force=True)
    ecs.get_waiter("services_inactive").wait(cluster=C, services=["s"])
    assert ecs.describe_services(cluster=C, services=["s"])["services"][0]["status"] == "INACTIVE"


def test_unknown_waiter_name() -> None:
    with pytest.raises(ValueError):
        ecsedu.connect().get_waiter("cluster_exploded")


def test_services_stable_fails_on_a_deleted_service() -> None:
    ecs = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=1)
    ecs.delete_service(cluster=C, service="s", force=True)
    start = ecs.clock.now
    with pytest.raises(WaiterError) as info:
        ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert "terminal failure" in str(info.value)
    assert info.value.last_response["services"][0]["status"] in ("DRAINING", "INACTIVE")
    assert ecs.clock.now == start
