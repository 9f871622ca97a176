"""Runtime realism, over both runtimes: exit codes, start failures, image digests, instance
health and orphaned tasks read as they do on ECS, whichever runtime runs the containers."""

from __future__ import annotations

import re
from typing import Any

from tests.contract.test_runtime_contract import (
    CLUSTER,
    WAIT,
    container,
    describe,
    register_app,
    run_one,
    until,
    web,
)

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
PULL_DENIED = (
    "CannotPullContainerError: Error response from daemon: pull access denied for "
    "ecsedu/doesnotexist, repository does not exist or may require 'docker login': "
    "denied: requested access to the resource is denied"
)


def instance_arns(ecs: Any) -> list[str]:
    return list(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"])


def test_stop_task_exits_143_by_sigterm(ecs: Any) -> None:
    arn = run_one(ecs, register_app(ecs))
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert {c["name"]: c.get("exitCode") for c in task["containers"]} == {
        "web": 143,
        "metrics": 143,
    }


def test_a_container_that_ignores_sigterm_is_killed_137_after_its_stop_timeout(ecs: Any) -> None:
    td = ecs.register_task_definition(
        family="stubborn",
        containerDefinitions=[
            web(environment=[{"name": "IGNORE_SIGTERM", "value": "1"}], stopTimeout=2)
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    arn = run_one(ecs, td)
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert container(task, "web")["exitCode"] == 137
    # SIGKILL came at the stop timeout, not before
    assert (task["executionStoppedAt"] - task["stoppingAt"]).total_seconds() >= 2


def test_a_missing_image_fails_the_task_with_cannot_pull_container_error(ecs: Any) -> None:
    td = ecs.register_task_definition(
        family="missing",
        containerDefinitions=[
            {"name": "app", "image": "ecsedu/doesnotexist:1.0", "memory": 32, "essential": True}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    arn = run_one(ecs, td)
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"] == PULL_DENIED
    app = container(task, "app")
    assert app["reason"] == PULL_DENIED
    assert "exitCode" not in app
    assert "startedAt" not in task  # it never ran


def test_the_failing_container_gives_the_reason_even_when_it_is_not_the_first(ecs: Any) -> None:
    td = ecs.register_task_definition(
        family="second-missing",
        containerDefinitions=[
            web(),
            {"name": "side", "image": "ecsedu/doesnotexist:1.0", "memory": 32, "essential": False},
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    arn = run_one(ecs, td)
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert (task["stopCode"], task["stoppedReason"]) == ("TaskFailedToStart", PULL_DENIED)
    assert container(task, "side")["reason"] == PULL_DENIED


def test_running_containers_report_an_image_digest_and_bind_ip_as_ecs_does(ecs: Any) -> None:
    td = register_app(ecs)
    first, second = run_one(ecs, td), run_one(ecs, td)
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[first, second], WaiterConfig=WAIT)
    one, two = describe(ecs, first), describe(ecs, second)
    for name in ("web", "metrics"):
        assert DIGEST.match(container(one, name)["imageDigest"]), container(one, name)
        assert container(one, name)["imageDigest"] == container(two, name)["imageDigest"]
    assert container(one, "web")["imageDigest"] != container(one, "metrics")["imageDigest"]
    [binding] = container(one, "web")["networkBindings"]
    assert binding["bindIP"] == "0.0.0.0"


def test_container_instance_health_only_when_asked_and_not_ok_when_the_agent_is_gone(
    ecs: Any,
) -> None:
    first, second = instance_arns(ecs)
    plain = ecs.describe_container_instances(cluster=CLUSTER, containerInstances=[first])
    assert "healthStatus" not in plain["containerInstances"][0]
    ecs.inject("agent_disconnect", instance=second)
    out = ecs.describe_container_instances(
        cluster=CLUSTER, containerInstances=[first, second], include=["CONTAINER_INSTANCE_HEALTH"]
    )["containerInstances"]
    health = {i["containerInstanceArn"]: i["healthStatus"] for i in out}
    assert health[first]["overallStatus"] == "OK"
    [detail] = health[first]["details"]
    assert (detail["type"], detail["status"]) == ("CONTAINER_RUNTIME", "OK")
    assert detail["lastStatusChange"] <= detail["lastUpdated"]
    assert health[second]["overallStatus"] == "INSUFFICIENT_DATA"
    assert health[second]["details"][0]["status"] == "INSUFFICIENT_DATA"


def test_force_deregistration_orphans_the_tasks_their_containers_keep_running(ecs: Any) -> None:
    td = register_app(ecs)
    first, _ = instance_arns(ecs)
    [task] = ecs.start_task(cluster=CLUSTER, taskDefinition=td, containerInstances=[first])["tasks"]
    arn = task["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    ecs.deregister_container_instance(cluster=CLUSTER, containerInstance=first, force=True)
    described = describe(ecs, arn)
    assert described["lastStatus"] == "STOPPED"
    assert described["stoppedReason"] == "Container instance deregistration forced by user"
    runtime = ecs.store.agents[first].runtime
    ecs.advance(3)
    # ECS no longer watches them, but nobody stopped the containers
    assert runtime.list_tasks().get(arn) == {"web": "RUNNING", "metrics": "RUNNING"}
    assert describe(ecs, arn)["lastStatus"] == "STOPPED"


def test_a_service_replaces_orphaned_tasks_elsewhere(ecs: Any) -> None:
    ecs.create_service(
        cluster=CLUSTER, serviceName="svc", taskDefinition=register_app(ecs), desiredCount=2
    )
    ecs.get_waiter("services_stable").wait(cluster=CLUSTER, services=["svc"], WaiterConfig=WAIT)
    first, second = instance_arns(ecs)
    ecs.deregister_container_instance(cluster=CLUSTER, containerInstance=first, force=True)

    def both_on_second() -> bool:
        arns = ecs.list_tasks(cluster=CLUSTER, serviceName="svc")["taskArns"]
        tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
        running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
        return len(running) == 2 and all(t["containerInstanceArn"] == second for t in running)

    until(ecs, both_on_second, seconds=60, what="two tasks RUNNING on the remaining instance")
