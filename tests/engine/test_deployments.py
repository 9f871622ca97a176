"""Rolling deployments: the rounding table, the deployment circuit breaker, rollback, and the
health gate a load balancer puts in front of old tasks being drained.

Sources: DeploymentConfiguration (minimumHealthyPercent rounded up, maximumPercent rounded down),
ServiceDeploymentCircuitBreaker.threshold ("a minimum threshold of 3 and a maximum threshold of
200 ... 0.5 * desired task count"), and rolloutStateReason / service event texts observed in real
DescribeServices output.
"""

from __future__ import annotations

from typing import Any

import pytest

import ecsedu
from ecsedu.engine import lifecycle, scheduler
from ecsedu.model import task as task_mod

C = "c"


def world(desired: int = 2, *, minimum: int = 100, maximum: int = 200, **cb: bool) -> Any:
    ecs = ecsedu.connect(seed=3)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=4096, memory=8192)
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}]
    )
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "app",
                "image": "ecsedu/crashy",
                "memory": 128,
                "environment": [{"name": "EXIT_AFTER", "value": "5"}],
            }
        ],
    )
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 129}]
    )
    config: dict[str, Any] = {"minimumHealthyPercent": minimum, "maximumPercent": maximum}
    if cb:
        config["deploymentCircuitBreaker"] = {"enable": True, "rollback": False, **cb}
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web:1",
        desiredCount=desired,
        deploymentConfiguration=config,
    )
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(60)  # the tasks count as healthy after 40 s RUNNING: the rollout is COMPLETED
    return ecs


def svc(ecs: Any) -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    return out


def messages(ecs: Any) -> list[str]:
    return [e["message"] for e in svc(ecs)["events"]]


def alive(ecs: Any) -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    out: list[dict[str, Any]] = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"] if arns else []
    return out


# -- the rounding table --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("desired", "minimum", "maximum", "floor", "cap"),
    [
        (4, 50, 200, 2, 8),  # may stop 2 old before starting 2 new; may start 4 before stopping
        (2, 75, 200, 2, 4),  # ceil(1.5) = 2: cannot stop any
        (3, 100, 125, 3, 3),  # floor(3.75) = 3: cannot start any (a deadlock)
        (3, 50, 150, 2, 4),  # ceil(1.5) = 2, floor(4.5) = 4
        (5, 0, 100, 0, 5),
        (10, 90, 110, 9, 11),
        (1, 100, 200, 1, 2),
        (7, 33, 133, 3, 9),  # ceil(2.31) = 3, floor(9.31) = 9
    ],
)
def test_rounding_table(desired: int, minimum: int, maximum: int, floor: int, cap: int) -> None:
    assert scheduler.min_healthy_tasks(desired, minimum) == floor
    assert scheduler.max_tasks(desired, maximum) == cap


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum"), [(4, 50, 200), (4, 100, 150), (3, 50, 150), (4, 75, 125)]
)
def test_a_rollout_stays_inside_the_rounded_bounds(
    desired: int, minimum: int, maximum: int
) -> None:
    ecs = world(desired, minimum=minimum, maximum=maximum)
    floor = scheduler.min_healthy_tasks(desired, minimum)
    cap = scheduler.max_tasks(desired, maximum)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:3")
    lowest, highest = desired, 0
    for _ in range(300):
        tasks = alive(ecs)
        running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
        lowest = min(lowest, len(running))
        highest = max(highest, len(tasks))
        ecs.advance(1)
    assert highest <= cap
    assert lowest >= floor
    s = svc(ecs)
    assert [d["rolloutState"] for d in s["deployments"]] == ["COMPLETED"]
    assert {t["taskDefinitionArn"].rsplit(":", 1)[1] for t in alive(ecs)} == {"3"}


# -- the circuit breaker ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("desired", "threshold"),
    [(0, 3), (1, 3), (5, 3), (6, 3), (7, 4), (25, 13), (100, 50), (400, 200), (1000, 200)],
)
def test_failure_threshold_is_half_desired_between_3_and_200(desired: int, threshold: int) -> None:
    assert scheduler.failure_threshold(desired) == threshold


def test_circuit_breaker_fails_the_rollout_and_stops_launching() -> None:
    ecs = world(2, enable=True, rollback=False)
    old = svc(ecs)["deployments"][0]["id"]
    new = ecs.update_service(cluster=C, service="s", taskDefinition="web:2")["service"]
    new_id = new["deployments"][0]["id"]
    assert new["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert new["deployments"][0]["rolloutStateReason"] == f"ECS deployment {new_id} in progress."
    assert new["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": False,
    }
    ecs.advance(600)
    s = svc(ecs)
    primary = s["deployments"][0]
    assert primary["id"] == new_id
    assert primary["rolloutState"] == "FAILED"
    assert primary["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert primary["failedTasks"] >= scheduler.failure_threshold(2)
    assert (
        f"(service s) (deployment {new_id}) deployment failed: tasks failed to start."
        in messages(ecs)
    )
    # no rollback: the old tasks keep serving, and no more new tasks are launched
    tasks = alive(ecs)
    assert len(tasks) == 2
    assert {t["startedBy"] for t in tasks} == {old}
    launched = len(ecs.list_tasks(cluster=C, serviceName="s", desiredStatus="STOPPED")["taskArns"])
    ecs.advance(1800)
    later = len(ecs.list_tasks(cluster=C, serviceName="s", desiredStatus="STOPPED")["taskArns"])
    assert later == launched
    assert svc(ecs)["deployments"][0]["rolloutState"] == "FAILED"


def test_circuit_breaker_rolls_back_to_the_last_completed_deployment() -> None:
    ecs = world(2, enable=True, rollback=True)
    good = svc(ecs)["deployments"][0]
    assert good["rolloutState"] == "COMPLETED"
    assert good["rolloutStateReason"] == f"ECS deployment {good['id']} completed."
    bad_id = ecs.update_service(cluster=C, service="s", taskDefinition="web:2")["service"][
        "deployments"
    ][0]["id"]
    for _ in range(600):
        ecs.advance(1)
        if svc(ecs)["deployments"][0]["id"] != bad_id:
            break
    s = svc(ecs)
    back = s["deployments"][0]
    assert (back["status"], back["rolloutState"]) == ("PRIMARY", "IN_PROGRESS")
    assert back["rolloutStateReason"] == (
        f"ECS deployment circuit breaker: rolling back to deploymentId {good['id']}."
    )
    assert back["taskDefinition"] == good["taskDefinition"]
    assert back["id"] not in (good["id"], bad_id)
    # the failed deployment stays listed (ACTIVE, FAILED) while it still has tasks
    for d in s["deployments"][1:]:
        if d["id"] == bad_id:
            assert (d["status"], d["rolloutState"]) == ("ACTIVE", "FAILED")
            assert (
                d["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
            )
    assert s["taskDefinition"] == good["taskDefinition"]
    text = messages(ecs)
    failed = f"(service s) (deployment {bad_id}) deployment failed: tasks failed to start."
    rolling = f"(service s) rolling back to deployment {good['id']}."
    assert text.index(rolling) < text.index(failed)  # newest first: rolling back came after
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(120)
    s = svc(ecs)
    assert [(d["id"], d["rolloutState"]) for d in s["deployments"]] == [(back["id"], "COMPLETED")]
    assert s["deployments"][0]["rolloutStateReason"] == f"ECS deployment {back['id']} completed."
    assert f"(service s) (deployment {back['id']}) deployment completed." in messages(ecs)
    assert {t["taskDefinitionArn"] for t in alive(ecs)} == {good["taskDefinition"]}
    assert s["runningCount"] == 2


def test_rollback_finds_a_completed_deployment_that_has_no_tasks_left() -> None:
    # minimumHealthyPercent 0: the old tasks are gone before the new ones fail
    ecs = world(2, minimum=0, enable=True, rollback=True)
    good = svc(ecs)["deployments"][0]
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    for _ in range(600):
        ecs.advance(1)
        if svc(ecs)["deployments"][0]["rolloutStateReason"].startswith(
            "ECS deployment circuit breaker: rolling back"
        ):
            break
    assert svc(ecs)["deployments"][0]["taskDefinition"] == good["taskDefinition"]
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert {t["taskDefinitionArn"] for t in alive(ecs)} == {good["taskDefinition"]}


def test_without_the_circuit_breaker_a_bad_rollout_keeps_trying() -> None:
    ecs = world(2)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    ecs.advance(900)
    primary = svc(ecs)["deployments"][0]
    assert primary["rolloutState"] == "IN_PROGRESS"
    assert primary["failedTasks"] > 3
    assert not any("deployment failed" in m for m in messages(ecs))


def test_a_good_rollout_with_the_breaker_on_completes_with_no_failures() -> None:
    ecs = world(4, enable=True, rollback=True)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:3")
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(60)
    (d,) = svc(ecs)["deployments"]
    assert (d["rolloutState"], d["failedTasks"]) == ("COMPLETED", 0)


def test_a_healthy_task_resets_the_failure_count() -> None:
    ecs = world(2, enable=True, rollback=False)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:3")
    ecs.advance(30)
    # two of the new tasks fail before they count as healthy (RUNNING < 40 s)
    new = [t for t in alive(ecs) if t["taskDefinitionArn"].endswith(":3")]
    for t in new[:2]:
        ecs.inject("container_exit", task=t["taskArn"], container="app", exit_code=1)
    ecs.advance(1)
    assert svc(ecs)["deployments"][0]["failedTasks"] == 2
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(60)
    (d,) = svc(ecs)["deployments"]
    assert (d["rolloutState"], d["failedTasks"]) == ("COMPLETED", 0)


def test_the_breaker_can_be_turned_on_by_update_service() -> None:
    ecs = world(2)
    s = ecs.update_service(
        cluster=C,
        service="s",
        taskDefinition="web:2",
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )["service"]
    assert s["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    ecs.advance(600)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert {t["taskDefinitionArn"].rsplit(":", 1)[1] for t in alive(ecs)} == {"1"}


# -- a load balancer's health gate -----------------------------------------------------------
class TargetGroupStandIn:
    """Holds the new deployment's tasks in ACTIVATING, as a target group does until healthy."""

    name = "tg"

    def __init__(self, deployment: str) -> None:
        self.deployment = deployment
        self.held: list[task_mod.Task] = []

    def hold(self, task: task_mod.Task, gate: str) -> bool:
        if task.deployment_id != self.deployment:
            return False
        self.held.append(task)
        return True


def test_old_tasks_stay_until_new_ones_pass_the_health_gate() -> None:
    ecs = world(2, minimum=100, maximum=200)
    arn = svc(ecs)["serviceArn"]
    ecs.engine.store.services[arn].request["loadBalancers"] = [
        {"targetGroupArn": "arn:tg", "containerName": "app", "containerPort": 80}
    ]
    new_id = ecs.update_service(cluster=C, service="s", taskDefinition="web:3")["service"][
        "deployments"
    ][0]["id"]
    gate = TargetGroupStandIn(new_id)
    ecs.lifecycle.register_participant(lifecycle.ACTIVATION, gate)
    ecs.advance(600)
    tasks = alive(ecs)
    old = [t for t in tasks if t["startedBy"] != new_id]
    new = [t for t in tasks if t["startedBy"] == new_id]
    assert [t["lastStatus"] for t in old] == ["RUNNING", "RUNNING"]
    assert [t["lastStatus"] for t in new] == ["ACTIVATING", "ACTIVATING"]
    # one new target turns healthy: exactly one old task may go (floor 2 of 2)
    ecs.engine.run("Healthy", lambda: ecs.lifecycle.release(gate.held[0], "activation", "tg"))
    ecs.advance(5)
    tasks = alive(ecs)
    assert len([t for t in tasks if t["startedBy"] != new_id]) == 1
    ecs.engine.run("Healthy", lambda: ecs.lifecycle.release(gate.held[1], "activation", "tg"))
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert {t["startedBy"] for t in alive(ecs)} == {new_id}


def test_behind_a_load_balancer_tasks_that_crash_while_activating_trip_the_breaker() -> None:
    ecs = ecsedu.connect(seed=5)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=4096, memory=8192)
    elb = ecs.elbv2
    lb = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="web-tg",
        Protocol="HTTP",
        Port=80,
        VpcId=elb.default_vpc_id,
        HealthCheckIntervalSeconds=10,
        HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    web = {"name": "web", "image": "ecsedu/web", "memory": 128}
    web["portMappings"] = [{"containerPort": 80, "hostPort": 0}]
    ecs.register_task_definition(family="web", containerDefinitions=[web])
    crashy = dict(web, image="ecsedu/crashy", environment=[{"name": "EXIT_AFTER", "value": "5"}])
    ecs.register_task_definition(family="web", containerDefinitions=[crashy])
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web:1",
        desiredCount=3,
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(60)
    good = svc(ecs)["deployments"][0]
    assert good["rolloutState"] == "COMPLETED"
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    # the old tasks keep serving while the new ones never pass their health checks
    ecs.advance(4)
    health = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert sum(d["TargetHealth"]["State"] == "healthy" for d in health) == 3
    ecs.advance(600)
    assert f"(service s) rolling back to deployment {good['id']}." in messages(ecs)
    ecs.advance(600)  # the old tasks drain (deregistration delay 300 s) as the new ones pass
    s = svc(ecs)
    assert [(d["rolloutState"], d["taskDefinition"]) for d in s["deployments"]] == [
        ("COMPLETED", good["taskDefinition"])
    ]
    assert f"(service s) rolling back to deployment {good['id']}." in messages(ecs)
    assert s["runningCount"] == 3
