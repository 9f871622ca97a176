"""Service scheduler behaviours that used to mislead a learner, pinned to ECS's behaviour.

* The "unable to stop or start tasks ... because of the service deployment configuration" event
  is for a configuration that can never make progress (minimumHealthyPercent and maximumPercent
  leave no room), not for a rollout waiting for its new tasks to count as healthy
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html).
* Draining an instance: the REPLICA tasks move off first; a DAEMON task stops last
  ("daemon tasks ... stop last", developer guide, daemon scheduling strategy).
* runningCount / pendingCount: a task counts as pending until it is RUNNING (PROVISIONING,
  PENDING, ACTIVATING), so the counters never drop to 0/0 while tasks are ACTIVATING.
* A rollout is COMPLETED, and the service steady, once the older deployment's tasks have
  STOPPED (rolloutState COMPLETED "when the service reaches a steady state").
* DAEMON deployments keep maximumPercent 100: on each instance the old task is STOPPED before
  the new one starts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import ecsedu

C = "c"
DEADLOCK = (
    "(service s) was unable to stop or start tasks during a deployment because of the service "
    "deployment configuration. Update the minimumHealthyPercent or maximumPercent value and "
    "try again."
)
BEFORE_RUNNING = {"PROVISIONING", "PENDING", "ACTIVATING"}


def world(instances: int = 2) -> tuple[Any, list[str]]:
    ecs = ecsedu.connect(seed=0)
    ecs.create_cluster(clusterName=C)
    arns = ecs.add_instances(C, count=instances, cpu=2048, memory=4096)
    for memory in (128, 129):
        ecs.register_task_definition(
            family="t",
            containerDefinitions=[{"name": "app", "image": "busybox", "memory": memory}],
        )
    return ecs, arns


def service(ecs: Any, name: str = "s") -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_services(cluster=C, services=[name])["services"][0]
    return out


def messages(ecs: Any, name: str = "s") -> list[str]:
    return [e["message"] for e in service(ecs, name)["events"]]


def every_task(ecs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for desired in ("RUNNING", "STOPPED"):
        arns = ecs.list_tasks(cluster=C, desiredStatus=desired)["taskArns"]
        if arns:
            out += ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]
    return out


def stable(ecs: Any, *names: str) -> None:
    ecs.get_waiter("services_stable").wait(cluster=C, services=list(names or ["s"]))


# -- 1. the configuration event ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("desired", "minimum", "maximum"), [(2, 50, 100), (4, 50, 100), (4, 75, 100)]
)
def test_a_rollout_waiting_for_healthy_tasks_reports_no_configuration_deadlock(
    desired: int, minimum: int, maximum: int
) -> None:
    ecs, _ = world()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="t:1",
        desiredCount=desired,
        deploymentConfiguration={"minimumHealthyPercent": minimum, "maximumPercent": maximum},
    )
    stable(ecs)
    ecs.advance(60)
    new_id = ecs.update_service(cluster=C, service="s", taskDefinition="t:2")["service"][
        "deployments"
    ][0]["id"]
    ecs.advance(600)
    assert DEADLOCK not in messages(ecs)
    (primary,) = service(ecs)["deployments"]
    assert (primary["id"], primary["rolloutState"]) == (new_id, "COMPLETED")


@pytest.mark.parametrize(("desired", "minimum", "maximum"), [(2, 100, 100), (2, 75, 100)])
def test_a_configuration_that_can_never_stop_or_start_a_task_says_so(
    desired: int, minimum: int, maximum: int
) -> None:
    ecs, _ = world()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="t:1",
        desiredCount=desired,
        deploymentConfiguration={"minimumHealthyPercent": minimum, "maximumPercent": maximum},
    )
    stable(ecs)
    ecs.advance(60)
    ecs.update_service(cluster=C, service="s", taskDefinition="t:2")
    ecs.advance(120)
    assert messages(ecs)[0] == DEADLOCK
    assert len(service(ecs)["deployments"]) == 2


# -- 2. drain order ----------------------------------------------------------------------------
def test_on_drain_the_daemon_task_stops_after_the_replica_tasks_moved_off() -> None:
    ecs, arns = world()
    ecs.create_service(
        cluster=C, serviceName="d", taskDefinition="t:1", schedulingStrategy="DAEMON"
    )
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=4)
    stable(ecs, "s", "d")
    ecs.advance(60)
    on_first = [t for t in every_task(ecs) if t["containerInstanceArn"] == arns[0]]
    assert Counter(t["group"] for t in on_first) == {"service:s": 2, "service:d": 1}
    ecs.update_container_instances_state(cluster=C, containerInstances=[arns[0]], status="DRAINING")
    watched = {t["taskArn"] for t in on_first}
    samples = 0
    while True:
        now = {t["taskArn"]: t for t in every_task(ecs) if t["taskArn"] in watched}
        replica_left = [t for t in now.values() if t["group"] == "service:s"]
        (daemon,) = [t for t in now.values() if t["group"] == "service:d"]
        if any(t["lastStatus"] != "STOPPED" for t in replica_left):
            # replica tasks still there: the daemon task keeps running
            assert (daemon["lastStatus"], daemon["desiredStatus"]) == ("RUNNING", "RUNNING")
            samples += 1
        elif daemon["lastStatus"] == "STOPPED":
            break
        assert samples < 2000
        ecs.advance(0.5)
    assert samples > 10  # the replica tasks took a while (replacements had to become healthy)
    replicas_stopped = max(t["stoppedAt"] for t in replica_left)
    assert daemon["stoppingAt"] >= replicas_stopped
    assert daemon["stoppedReason"] == "Service d: container instance is in DRAINING state"


# -- 4. counts during ACTIVATING ---------------------------------------------------------------
def test_tasks_count_as_pending_until_running_also_while_activating() -> None:
    ecs, arns = world()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=3)
    seen: set[str] = set()
    for _ in range(80):
        tasks = [t for t in every_task(ecs) if t["desiredStatus"] == "RUNNING"]
        seen |= {t["lastStatus"] for t in tasks}
        pending = sum(t["lastStatus"] in BEFORE_RUNNING for t in tasks)
        running = sum(t["lastStatus"] == "RUNNING" for t in tasks)
        s = service(ecs)
        (d,) = s["deployments"]
        cluster = ecs.describe_clusters(clusters=[C])["clusters"][0]
        instances = ecs.describe_container_instances(cluster=C, containerInstances=arns)[
            "containerInstances"
        ]
        assert (s["runningCount"], s["pendingCount"]) == (running, pending)
        assert (d["runningCount"], d["pendingCount"]) == (running, pending)
        assert (cluster["runningTasksCount"], cluster["pendingTasksCount"]) == (running, pending)
        assert sum(i["pendingTasksCount"] for i in instances) == pending
        ecs.advance(0.25)
    assert {"PENDING", "ACTIVATING", "RUNNING"} <= seen  # the walk passed through ACTIVATING
    assert service(ecs)["runningCount"] == 3


# -- 5. completion after the old tasks stopped --------------------------------------------------
def test_deployment_completes_and_steady_state_comes_after_old_tasks_stopped() -> None:
    ecs, _ = world()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    stable(ecs)
    ecs.advance(60)
    old = {t["taskArn"] for t in every_task(ecs)}
    new_id = ecs.update_service(cluster=C, service="s", taskDefinition="t:2")["service"][
        "deployments"
    ][0]["id"]
    ecs.advance(600)
    events = service(ecs)["events"]
    completed = [
        e["createdAt"]
        for e in events
        if e["message"] == f"(service s) (deployment {new_id}) deployment completed."
    ]
    assert len(completed) == 1
    steady = [
        e["createdAt"]
        for e in events
        if e["message"] == "(service s) has reached a steady state."
        and e["createdAt"] >= completed[0]
    ]
    assert steady
    old_tasks = [t for t in every_task(ecs) if t["taskArn"] in old]
    assert len(old_tasks) == 2
    last_stopped = max(t["stoppedAt"] for t in old_tasks)
    assert completed[0] >= last_stopped
    assert steady[-1] >= last_stopped


def test_while_old_tasks_are_stopping_the_rollout_is_in_progress() -> None:
    ecs, _ = world()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    stable(ecs)
    ecs.advance(60)
    old = {t["taskArn"] for t in every_task(ecs)}
    ecs.update_service(cluster=C, service="s", taskDefinition="t:2")
    stopping_seen = 0
    for _ in range(1200):
        ecs.advance(0.25)
        olds = [t for t in every_task(ecs) if t["taskArn"] in old]
        if any(t["desiredStatus"] == "STOPPED" and t["lastStatus"] != "STOPPED" for t in olds):
            stopping_seen += 1
            s = service(ecs)
            assert [d["rolloutState"] for d in s["deployments"]] == ["IN_PROGRESS", "COMPLETED"]
            assert s["events"][0]["message"] != "(service s) has reached a steady state."
    assert stopping_seen


# -- 6. DAEMON deployments stay within maximumPercent 100 ---------------------------------------
def test_daemon_update_never_runs_two_tasks_on_one_instance() -> None:
    ecs, arns = world()
    ecs.create_service(
        cluster=C, serviceName="d", taskDefinition="t:1", schedulingStrategy="DAEMON"
    )
    ecs.advance(120)
    ecs.update_service(cluster=C, service="d", taskDefinition="t:2")
    for _ in range(400):
        ecs.advance(0.25)
        per_instance = Counter(
            t["containerInstanceArn"] for t in every_task(ecs) if t["lastStatus"] != "STOPPED"
        )
        assert max(per_instance.values(), default=0) <= 1
    live = [t for t in every_task(ecs) if t["lastStatus"] == "RUNNING"]
    assert sorted(t["containerInstanceArn"] for t in live) == sorted(arns)
    assert {t["taskDefinitionArn"].rsplit("/", 1)[1] for t in live} == {"t:2"}
    (primary,) = service(ecs, "d")["deployments"]
    assert primary["rolloutState"] == "COMPLETED"
