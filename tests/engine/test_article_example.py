"""The article's running example, end to end.

A two-container task definition (the app and a metrics sidecar), a service of 4 tasks spread
over 2 container instances (2 and 2); one task's app container dies and the service replaces
it; then one instance drains and the service, scaled to 8, runs all 8 on the other instance.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import ecsedu

C = "article"


def running_tasks(ecs: Any) -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=C, serviceName="web")["taskArns"]
    out: list[dict[str, Any]] = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"] if arns else []
    return out


def events(ecs: Any) -> list[str]:
    return [
        e["message"]
        for e in ecs.describe_services(cluster=C, services=["web"])["services"][0]["events"]
    ]


def test_article_running_example() -> None:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=C)
    # 2 vCPU / 4 GiB instances; a task takes 256 CPU units and 448 MiB, so 8 fit on one
    instances = ecs.add_instances(C, count=2, cpu=2048, memory=4096)
    td = ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "app",
                "image": "nginx:1.25",
                "cpu": 192,
                "memory": 384,
                "essential": True,
                "portMappings": [{"containerPort": 80, "hostPort": 0}],
            },
            {"name": "metrics", "image": "busybox", "cpu": 64, "memory": 64, "essential": False},
        ],
    )["taskDefinition"]
    assert [c["name"] for c in td["containerDefinitions"]] == ["app", "metrics"]

    # -- a service of 4 tasks, spread 2 and 2 ------------------------------------------------
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=4)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["web"])
    tasks = running_tasks(ecs)
    assert Counter(t["containerInstanceArn"] for t in tasks) == {instances[0]: 2, instances[1]: 2}
    assert all(t["lastStatus"] == "RUNNING" for t in tasks)
    assert all({c["name"] for c in t["containers"]} == {"app", "metrics"} for t in tasks)
    assert events(ecs)[0] == "(service web) has reached a steady state."

    # -- kill one: the app container exits, the task stops, a replacement starts -------------
    victim = tasks[0]["taskArn"]
    ecs.inject("container_exit", task=victim, container="app", exit_code=1)
    ecs.advance(60)
    stopped = ecs.describe_tasks(cluster=C, tasks=[victim])["tasks"][0]
    assert stopped["lastStatus"] == "STOPPED"
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["stoppedReason"] == "Essential container in task exited"
    now = running_tasks(ecs)
    assert len(now) == 4
    assert victim not in {t["taskArn"] for t in now}
    (replacement,) = {t["taskArn"] for t in now} - {t["taskArn"] for t in tasks}
    replacement_id = replacement.rsplit("/", 1)[1]
    assert f"(service web) has started 1 tasks: (task {replacement_id})." in events(ecs)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["web"])
    assert events(ecs)[0] == "(service web) has reached a steady state."

    # -- drain one instance and scale to 8: all 8 on the other one ---------------------------
    ecs.advance(60)
    ecs.update_container_instances_state(
        cluster=C, containerInstances=[instances[0]], status="DRAINING"
    )
    ecs.update_service(cluster=C, service="web", desiredCount=8)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["web"])
    ecs.advance(120)
    now = running_tasks(ecs)
    assert Counter(t["containerInstanceArn"] for t in now) == {instances[1]: 8}
    assert all(t["lastStatus"] == "RUNNING" for t in now)
    drained = ecs.describe_container_instances(cluster=C, containerInstances=[instances[0]])
    assert drained["containerInstances"][0]["runningTasksCount"] == 0
    full = ecs.describe_container_instances(cluster=C, containerInstances=[instances[1]])
    remaining = {
        r["name"]: r.get("integerValue")
        for r in full["containerInstances"][0]["remainingResources"]
    }
    assert remaining["CPU"] == 0
    assert remaining["MEMORY"] == 4096 - 8 * 448
    log = events(ecs)
    assert log[0] == "(service web) has reached a steady state."
    # the two tasks of the drained instance are stopped as their replacements come up: in one
    # message or two (start times vary with the seed, as on ECS)
    stops = [
        re.fullmatch(r"\(service web\) has stopped (\d) running tasks: (\(task \w+\) ?)+\.", m)
        for m in log
    ]
    assert sum(int(found.group(1)) for found in stops if found) == 2
    service = ecs.describe_services(cluster=C, services=["web"])["services"][0]
    assert (service["desiredCount"], service["runningCount"], service["pendingCount"]) == (8, 8, 0)
