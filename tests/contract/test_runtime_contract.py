"""The runtime contract: what ECS shows a learner is the same over the simulated and Docker runtimes.

Every test runs twice, through the engine's boto3-shaped API only: once on the deterministic
simulated runtime (waiters advance simulated time) and once on real containers (``docker``:
waiters sleep on the wall clock while the agents drain Docker's events). Same calls, same
assertions: task and container states, stop codes and reasons, network bindings, health, start
order, service scaling and rolling deployments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CLUSTER = "c"
WAIT = {"Delay": 1, "MaxAttempts": 60}
HEALTH_CHECK = {
    "command": ["CMD", "/ecsedu/http-get", "http://127.0.0.1/health"],
    "interval": 5,
    "timeout": 2,
    "retries": 2,
}


def web(**extra: Any) -> dict[str, Any]:
    return {
        "name": "web",
        "image": "ecsedu/web",
        "cpu": 128,
        "memory": 64,
        "portMappings": [{"containerPort": 80, "hostPort": 0}],
        "essential": True,
        **extra,
    }


def metrics(**extra: Any) -> dict[str, Any]:
    return {
        "name": "metrics",
        "image": "ecsedu/metrics",
        "cpu": 64,
        "memory": 32,
        "essential": False,
        "environment": [{"name": "METRICS_TARGET", "value": "http://web/"}],
        **extra,
    }


def register_app(ecs: Any, family: str = "app", **web_extra: Any) -> str:
    td = ecs.register_task_definition(
        family=family, containerDefinitions=[web(**web_extra), metrics()]
    )["taskDefinition"]
    return str(td["taskDefinitionArn"])


def describe(ecs: Any, arn: str) -> dict[str, Any]:
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"]
    assert len(tasks) == 1, tasks
    return dict(tasks[0])


def container(task: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in task["containers"] if c["name"] == name)


def run_one(ecs: Any, td: str) -> str:
    resp = ecs.run_task(cluster=CLUSTER, taskDefinition=td)
    assert resp["failures"] == [], resp["failures"]
    return str(resp["tasks"][0]["taskArn"])


def until(ecs: Any, check: Callable[[], Any], seconds: float = 40, what: str = "") -> Any:
    """Let time pass (simulated or real) until ``check()`` is truthy; return its value."""
    step = 0.25 if ecs.store.runtime_name == "docker" else 1.0
    for _ in range(int(seconds / step)):
        value = check()
        if value:
            return value
        ecs.advance(step)
    value = check()
    assert value, f"not reached in {seconds}s: {what}"
    return value


def service_tasks(ecs: Any, service: str, status: str = "RUNNING") -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=service, desiredStatus=status)["taskArns"]
    if not arns:
        return []
    return list(ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"])


def wait_stable(ecs: Any, service: str) -> dict[str, Any]:
    ecs.get_waiter("services_stable").wait(cluster=CLUSTER, services=[service], WaiterConfig=WAIT)
    return dict(ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0])


# -- tasks ------------------------------------------------------------------------------------------


def test_task_definition_with_app_and_metrics_registers(ecs: Any) -> None:
    arn = register_app(ecs)
    td = ecs.describe_task_definition(taskDefinition="app")["taskDefinition"]
    assert td["taskDefinitionArn"] == arn
    assert arn.endswith(":1")
    assert [c["name"] for c in td["containerDefinitions"]] == ["web", "metrics"]


def test_run_task_reaches_running_with_a_dynamic_host_port(ecs: Any) -> None:
    arn = run_one(ecs, register_app(ecs))
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert task["lastStatus"] == "RUNNING"
    assert {c["name"]: c["lastStatus"] for c in task["containers"]} == {
        "web": "RUNNING",
        "metrics": "RUNNING",
    }
    [binding] = container(task, "web")["networkBindings"]
    assert binding["containerPort"] == 80
    assert binding["protocol"] == "tcp"
    assert 1024 < binding["hostPort"] <= 65535  # dynamic: chosen by the runtime, not 80
    assert binding["bindIP"] == "0.0.0.0"  # as ECS shows it (Docker publishes on loopback)
    assert container(task, "metrics").get("networkBindings", []) == []


def test_stop_task_reports_user_initiated(ecs: Any) -> None:
    arn = run_one(ecs, register_app(ecs))
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert task["lastStatus"] == "STOPPED"
    assert task["stopCode"] == "UserInitiated"
    assert task["stoppedReason"] == "Task stopped by user"
    # docker stop's SIGTERM ends them: 128 + 15
    assert {c["name"]: c.get("exitCode") for c in task["containers"]} == {
        "web": 143,
        "metrics": 143,
    }


def test_crashy_reports_its_exit_code(ecs: Any) -> None:
    td = ecs.register_task_definition(
        family="crash",
        containerDefinitions=[
            {
                "name": "crashy",
                "image": "ecsedu/crashy",
                "memory": 32,
                "environment": [
                    {"name": "EXIT_CODE", "value": "3"},
                    {"name": "EXIT_AFTER", "value": "1"},
                ],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    arn = run_one(ecs, td)
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    task = describe(ecs, arn)
    assert container(task, "crashy")["exitCode"] == 3
    assert task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"


def test_health_check_makes_the_task_healthy(ecs: Any) -> None:
    arn = run_one(ecs, register_app(ecs, healthCheck=HEALTH_CHECK))
    task = until(
        ecs,
        lambda: (t := describe(ecs, arn))["healthStatus"] == "HEALTHY" and t,
        what="healthStatus HEALTHY",
    )
    assert container(task, "web")["healthStatus"] == "HEALTHY"
    assert task["lastStatus"] == "RUNNING"


def test_depends_on_starts_the_dependency_first(ecs: Any) -> None:
    # the dependent container comes first in the definition: only dependsOn can order them
    td = ecs.register_task_definition(
        family="ordered",
        containerDefinitions=[
            metrics(dependsOn=[{"containerName": "web", "condition": "START"}], links=["web"]),
            web(),
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    arn = run_one(ecs, td)
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    running = [
        dict(e.detail)["container"]
        for e in ecs.events(kind="CONTAINER_STATE_CHANGE")
        if e.subject == arn and dict(e.detail).get("lastStatus") == "RUNNING"
    ]
    assert running == ["web", "metrics"]


# -- services ---------------------------------------------------------------------------------------


def test_service_of_n_tasks_becomes_stable(ecs: Any) -> None:
    ecs.create_service(
        cluster=CLUSTER, serviceName="svc", taskDefinition=register_app(ecs), desiredCount=3
    )
    service = wait_stable(ecs, "svc")
    assert (service["desiredCount"], service["runningCount"], service["pendingCount"]) == (3, 3, 0)
    tasks = service_tasks(ecs, "svc")
    assert len(tasks) == 3
    assert all(t["lastStatus"] == "RUNNING" for t in tasks)
    assert all(t["group"] == "service:svc" for t in tasks)


def test_essential_container_exit_stops_the_task_and_the_service_replaces_it(ecs: Any) -> None:
    ecs.create_service(
        cluster=CLUSTER, serviceName="svc", taskDefinition=register_app(ecs), desiredCount=2
    )
    wait_stable(ecs, "svc")
    victim = service_tasks(ecs, "svc")[0]["taskArn"]
    ecs.inject("container_exit", task=victim, container="web")
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[victim], WaiterConfig=WAIT)
    task = describe(ecs, victim)
    assert task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"
    assert container(task, "web")["exitCode"] is not None
    replacements = until(
        ecs,
        lambda: [t for t in service_tasks(ecs, "svc") if t["taskArn"] != victim],
        what="a replacement task",
    )
    service = wait_stable(ecs, "svc")
    assert service["runningCount"] == 2
    assert {t["taskArn"] for t in service_tasks(ecs, "svc")} >= {r["taskArn"] for r in replacements}
    assert victim not in {t["taskArn"] for t in service_tasks(ecs, "svc")}


def test_scale_out_and_in(ecs: Any) -> None:
    ecs.create_service(
        cluster=CLUSTER, serviceName="svc", taskDefinition=register_app(ecs), desiredCount=1
    )
    wait_stable(ecs, "svc")
    ecs.update_service(cluster=CLUSTER, service="svc", desiredCount=4)
    assert wait_stable(ecs, "svc")["runningCount"] == 4
    assert len(service_tasks(ecs, "svc")) == 4
    ecs.update_service(cluster=CLUSTER, service="svc", desiredCount=1)
    assert wait_stable(ecs, "svc")["runningCount"] == 1
    until(ecs, lambda: len(service_tasks(ecs, "svc")) == 1, what="one task left")
    stopped = until(
        ecs, lambda: service_tasks(ecs, "svc", "STOPPED"), what="scaled-in tasks stopped"
    )
    assert {t["stopCode"] for t in stopped} == {"ServiceSchedulerInitiated"}


def test_update_service_to_a_new_revision_rolls(ecs: Any) -> None:
    first = register_app(ecs)
    ecs.create_service(cluster=CLUSTER, serviceName="svc", taskDefinition=first, desiredCount=2)
    wait_stable(ecs, "svc")
    second = register_app(ecs, environment=[{"name": "WEB_MESSAGE", "value": "v2"}])
    assert second.endswith(":2")
    ecs.update_service(cluster=CLUSTER, service="svc", taskDefinition=second)
    service = wait_stable(ecs, "svc")
    assert service["taskDefinition"] == second
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY"]
    tasks = service_tasks(ecs, "svc")
    assert len(tasks) == 2
    assert {t["taskDefinitionArn"] for t in tasks} == {second}
    old = service_tasks(ecs, "svc", "STOPPED")
    assert old
    assert {t["taskDefinitionArn"] for t in old} == {first}
