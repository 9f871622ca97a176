"""The service scheduler through the API: reconciliation, rolling deployments, draining, DAEMON
services and service events in ECS's exact wording."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import pytest

import ecsedu

C = "c"
TROUBLE = "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."


def container(memory: int = 128, **extra: Any) -> dict[str, Any]:
    return {"name": "app", "image": "busybox", "memory": memory, **extra}


def setup(
    instances: int = 2, *, cpu: int = 2048, memory: int = 4096, seed: int = 0
) -> tuple[Any, list[str]]:
    ecs = ecsedu.connect(seed=seed)
    ecs.create_cluster(clusterName=C)
    arns = ecs.add_instances(C, count=instances, cpu=cpu, memory=memory) if instances else []
    ecs.register_task_definition(family="t", containerDefinitions=[container()])
    ecs.register_task_definition(family="t", containerDefinitions=[container(129)])
    return ecs, arns


def service(ecs: Any, name: str = "s") -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_services(cluster=C, services=[name])["services"][0]
    return out


def messages(ecs: Any, name: str = "s") -> list[str]:
    return [e["message"] for e in service(ecs, name)["events"]]


def tasks(ecs: Any, name: str = "s", desired: str = "RUNNING") -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=C, serviceName=name, desiredStatus=desired)["taskArns"]
    if not arns:
        return []
    out: list[dict[str, Any]] = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]
    return out


def ids(described: list[dict[str, Any]]) -> set[str]:
    return {t["taskArn"].rsplit("/", 1)[1] for t in described}


def stable(ecs: Any, name: str = "s") -> None:
    ecs.get_waiter("services_stable").wait(cluster=C, services=[name])


# -- reconciliation ----------------------------------------------------------------------------
def test_create_service_answers_before_any_task_exists() -> None:
    ecs, _ = setup()
    s = ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)[
        "service"
    ]
    assert (s["runningCount"], s["pendingCount"], s["events"]) == (0, 0, [])
    assert s["deploymentConfiguration"]["maximumPercent"] == 200
    assert s["deploymentConfiguration"]["minimumHealthyPercent"] == 100
    assert [d["status"] for d in s["deployments"]] == ["PRIMARY"]
    assert s["deployments"][0]["id"].startswith("ecs-svc/")
    assert len(s["deployments"][0]["id"]) == 27
    stable(ecs)
    described = tasks(ecs)
    assert {t["group"] for t in described} == {"service:s"}
    assert {t["startedBy"] for t in described} == {s["deployments"][0]["id"]}
    assert service(ecs)["runningCount"] == 2


def test_a_stopped_task_is_replaced() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    stable(ecs)
    before = tasks(ecs)
    victim = before[0]
    ecs.stop_task(cluster=C, task=victim["taskArn"])
    ecs.advance(60)
    now = tasks(ecs)
    assert len(now) == 2
    assert victim["taskArn"] not in {t["taskArn"] for t in now}
    (new_id,) = ids(now) - ids(before)
    assert f"(service s) has started 1 tasks: (task {new_id})." in messages(ecs)


def test_reconciling_twice_is_a_no_op() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=3)
    stable(ecs)
    model = ecs.store.services["arn:aws:ecs:us-east-1:123456789012:service/c/s"]
    before = ecs.snapshot()
    assert ecs.services.reconcile(model).empty
    assert ecs.services.reconcile(model).empty
    assert ecs.snapshot() == before


def test_scale_in_stops_with_the_scheduler_stop_code() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=4)
    stable(ecs)
    deployment = service(ecs)["deployments"][0]["id"]
    ecs.update_service(cluster=C, service="s", desiredCount=1)
    ecs.advance(60)
    stopped = tasks(ecs, desired="STOPPED")
    assert len(stopped) == 3
    assert {t["stopCode"] for t in stopped} == {"ServiceSchedulerInitiated"}
    assert {t["stoppedReason"] for t in stopped} == {
        f"Scaling activity initiated by (deployment {deployment})"
    }
    event = next(m for m in messages(ecs) if "has stopped" in m)
    assert re.fullmatch(
        r"\(service s\) has stopped 3 running tasks:( \(task [0-9a-f]{32}\)){3}\.", event
    )
    assert set(re.findall(r"\(task ([0-9a-f]{32})\)", event)) == ids(stopped)


# -- rolling deployments -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("desired", "minimum", "maximum"), [(4, 50, 100), (4, 100, 200), (3, 50, 150), (5, 60, 120)]
)
def test_rolling_update_stays_within_min_and_max(desired: int, minimum: int, maximum: int) -> None:
    ecs, _ = setup(instances=3, cpu=4096, memory=8192)
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="t:1",
        desiredCount=desired,
        deploymentConfiguration={"minimumHealthyPercent": minimum, "maximumPercent": maximum},
    )
    stable(ecs)
    ecs.advance(60)  # the old tasks have been RUNNING 40 s: they count as healthy
    ecs.update_service(cluster=C, service="s", taskDefinition="t:2")
    floor, cap = math.ceil(desired * minimum / 100), math.floor(desired * maximum / 100)
    peak = 0
    for _ in range(400):
        ecs.advance(1)
        alive = tasks(ecs)
        running = [t for t in alive if t["lastStatus"] == "RUNNING"]
        peak = max(peak, len(alive))
        assert len(alive) <= cap
        assert len(running) >= floor
        s = service(ecs)
        if len(s["deployments"]) == 1 and s["runningCount"] == desired:
            break
    s = service(ecs)
    assert [d["status"] for d in s["deployments"]] == ["PRIMARY"]
    assert s["deployments"][0]["taskDefinition"].endswith("t:2")
    assert s["deployments"][0]["rolloutState"] == "COMPLETED"
    assert {t["taskDefinitionArn"].rsplit("/", 1)[1] for t in tasks(ecs)} == {"t:2"}
    if maximum >= 200:
        assert peak == 2 * desired  # started all new ones before stopping old ones


def test_deployments_primary_and_active_during_a_rollout() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    stable(ecs)
    first = service(ecs)["deployments"][0]
    assert first["rolloutState"] == "COMPLETED"
    assert first["rolloutStateReason"] == f"ECS deployment {first['id']} completed."
    out = ecs.update_service(cluster=C, service="s", taskDefinition="t:2")["service"]
    assert [d["status"] for d in out["deployments"]] == ["PRIMARY", "ACTIVE"]
    primary = out["deployments"][0]
    assert primary["rolloutState"] == "IN_PROGRESS"
    assert primary["rolloutStateReason"] == f"ECS deployment {primary['id']} in progress."
    stable(ecs)
    assert f"(service s) (deployment {primary['id']}) deployment completed." in messages(ecs)


def test_deadlocked_deployment_says_so() -> None:
    ecs, _ = setup()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="t:1",
        desiredCount=3,
        deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 125},
    )
    stable(ecs)
    ecs.advance(60)  # healthy: RUNNING for 40 s
    ecs.update_service(cluster=C, service="s", taskDefinition="t:2")
    ecs.advance(120)
    assert messages(ecs)[0] == (
        "(service s) was unable to stop or start tasks during a deployment because of the service "
        "deployment configuration. Update the minimumHealthyPercent or maximumPercent value and "
        "try again."
    )
    assert len(service(ecs)["deployments"]) == 2
    # fixing the configuration lets it finish
    ecs.update_service(cluster=C, service="s", deploymentConfiguration={"maximumPercent": 200})
    stable(ecs)
    assert len(service(ecs)["deployments"]) == 1


def test_desired_count_only_update_keeps_the_deployment() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=1)
    stable(ecs)
    before = service(ecs)["deployments"][0]["id"]
    ecs.update_service(cluster=C, service="s", desiredCount=3)
    stable(ecs)
    after = service(ecs)["deployments"]
    assert [d["id"] for d in after] == [before]
    assert after[0]["desiredCount"] == 3
    assert after[0]["runningCount"] == 3


# -- draining ----------------------------------------------------------------------------------
def test_draining_moves_service_tasks_off_and_leaves_standalone_tasks() -> None:
    ecs, arns = setup(instances=2)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=4)
    stable(ecs)
    standalone = ecs.start_task(cluster=C, taskDefinition="t:1", containerInstances=[arns[0]])
    ecs.advance(60)
    ecs.update_container_instances_state(cluster=C, containerInstances=[arns[0]], status="DRAINING")
    ecs.advance(300)  # the service was steady before: draining is not a deployment
    assert Counter(t["containerInstanceArn"] for t in tasks(ecs)) == {arns[1]: 4}
    alone = ecs.describe_tasks(cluster=C, tasks=[standalone["tasks"][0]["taskArn"]])["tasks"][0]
    assert (alone["lastStatus"], alone["desiredStatus"]) == ("RUNNING", "RUNNING")


def test_draining_stops_pending_service_tasks_at_once() -> None:
    ecs, arns = setup(instances=1)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    ecs.advance(0.5)  # placed, not yet running
    assert {t["lastStatus"] for t in tasks(ecs)} <= {"PROVISIONING", "PENDING"}
    ecs.update_container_instances_state(cluster=C, containerInstances=arns, status="DRAINING")
    assert tasks(ecs) == []  # desired STOPPED at once


def test_min_100_max_100_deadlocks_draining() -> None:
    ecs, arns = setup(instances=2)
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="t:1",
        desiredCount=2,
        deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 100},
    )
    stable(ecs)
    ecs.advance(60)  # healthy: RUNNING for 40 s
    on_first = [t for t in tasks(ecs) if t["containerInstanceArn"] == arns[0]]
    assert on_first
    ecs.update_container_instances_state(cluster=C, containerInstances=[arns[0]], status="DRAINING")
    ecs.advance(300)
    still = [t for t in tasks(ecs) if t["containerInstanceArn"] == arns[0]]
    assert ids(still) == ids(on_first)


# -- DAEMON ------------------------------------------------------------------------------------
def test_daemon_runs_one_task_per_active_instance() -> None:
    ecs, arns = setup(instances=2)
    out = ecs.create_service(
        cluster=C, serviceName="d", taskDefinition="t:1", schedulingStrategy="DAEMON"
    )["service"]
    assert out["schedulingStrategy"] == "DAEMON"
    assert out["deploymentConfiguration"]["maximumPercent"] == 100
    assert out["deploymentConfiguration"]["minimumHealthyPercent"] == 0
    ecs.advance(60)
    assert Counter(t["containerInstanceArn"] for t in tasks(ecs, "d")) == {a: 1 for a in arns}
    (third,) = ecs.add_instances(C, count=1)
    ecs.advance(60)
    assert Counter(t["containerInstanceArn"] for t in tasks(ecs, "d")) == {
        a: 1 for a in [*arns, third]
    }
    ecs.update_container_instances_state(cluster=C, containerInstances=[arns[0]], status="DRAINING")
    ecs.advance(60)
    assert arns[0] not in {t["containerInstanceArn"] for t in tasks(ecs, "d")}
    assert service(ecs, "d")["desiredCount"] == 2
    assert service(ecs, "d")["runningCount"] == 2


def test_daemon_rejects_a_desired_count() -> None:
    ecs, _ = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as info:
        ecs.create_service(
            cluster=C,
            serviceName="d",
            taskDefinition="t:1",
            schedulingStrategy="DAEMON",
            desiredCount=2,
        )
    assert info.value.response["Error"]["Message"] == (
        "The daemon scheduling strategy does not support a desired count for services. "
        "Remove the desired count value and try again"
    )


# -- events ------------------------------------------------------------------------------------
def test_events_are_newest_first_in_ecs_wording() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    stable(ecs)
    s = service(ecs)
    got = messages(ecs)
    assert got[0] == "(service s) has reached a steady state."
    assert got[1] == f"(service s) (deployment {s['deployments'][0]['id']}) deployment completed."
    assert got[2].startswith("(service s) has started 2 tasks: ")
    assert set(re.findall(r"\(task ([0-9a-f]{32})\)", got[2])) == ids(tasks(ecs))
    times = [e["createdAt"] for e in s["events"]]
    assert times == sorted(times, reverse=True)
    assert len({e["id"] for e in s["events"]}) == len(s["events"])


def test_events_are_capped_at_100() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=1)
    for i in range(60):
        ecs.update_service(cluster=C, service="s", desiredCount=2 + i % 2)
        ecs.advance(120)
    events = service(ecs)["events"]
    assert len(events) == 100
    assert events[0]["message"] == "(service s) has reached a steady state."


def test_repeated_placement_failures_are_reported_once() -> None:
    ecs, arns = setup(instances=1, memory=1024)
    ecs.register_task_definition(family="big", containerDefinitions=[container(2048)])
    ecs.create_service(cluster=C, serviceName="big", taskDefinition="big", desiredCount=1)
    ecs.advance(600)  # forty sweeps
    instance_id = arns[0].rsplit("/", 1)[1]
    assert messages(ecs, "big") == [
        "(service big) was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching (container-instance {instance_id}) has insufficient "
        f"memory available. {TROUBLE}"
    ]


@pytest.mark.parametrize(
    ("make_it_fail", "phrase"),
    [
        ("cpu", "has insufficient CPU units available."),
        ("memory", "has insufficient memory available."),
        ("ports", "is already using a port required by your task."),
        ("agent", "doesn't have the agent connected."),
        ("member_of", 'encountered error "MemberOf placement constraint unsatisfied."'),
    ],
)
def test_unable_to_place_names_the_closest_instance_and_its_reason(
    make_it_fail: str, phrase: str
) -> None:
    ecs, arns = setup(instances=1, cpu=1024, memory=1024)
    params: dict[str, Any] = {}
    c = container(64)
    if make_it_fail == "cpu":
        c["cpu"] = 2048
    elif make_it_fail == "memory":
        c["memory"] = 2048
    elif make_it_fail == "ports":
        c["portMappings"] = [{"containerPort": 22, "hostPort": 22}]
    elif make_it_fail == "agent":
        ecs.inject("agent_disconnect", instance=arns[0])
    else:
        params["placementConstraints"] = [
            {"type": "memberOf", "expression": "attribute:ecs.instance-type == x1.32xlarge"}
        ]
    ecs.register_task_definition(family="f", containerDefinitions=[c])
    ecs.create_service(cluster=C, serviceName="f", taskDefinition="f", desiredCount=1, **params)
    ecs.advance(30)
    instance_id = arns[0].rsplit("/", 1)[1]
    assert messages(ecs, "f")[0] == (
        "(service f) was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching (container-instance {instance_id}) {phrase} {TROUBLE}"
    )


def test_unable_to_place_without_instances() -> None:
    ecs, _ = setup(instances=0)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=1)
    ecs.advance(30)
    assert messages(ecs) == [
        "(service s) was unable to place a task because no container instance met all of its "
        f"requirements. Reason: No Container Instances were found in your cluster. {TROUBLE}"
    ]
    ecs.add_instances(C, count=1)  # the cause is resolved: the service places its task
    stable(ecs)
    assert messages(ecs)[0] == "(service s) has reached a steady state."


def test_partial_placement_reports_started_then_unable() -> None:
    ecs, arns = setup(instances=1)
    ecs.register_task_definition(
        family="p",
        containerDefinitions=[container(64, portMappings=[{"containerPort": 80, "hostPort": 80}])],
    )
    ecs.create_service(cluster=C, serviceName="p", taskDefinition="p", desiredCount=2)
    ecs.advance(30)
    got = messages(ecs, "p")
    assert got[0].startswith("(service p) was unable to place a task")
    assert got[1].startswith("(service p) has started 1 tasks: ")


# -- delete ------------------------------------------------------------------------------------
def test_delete_service_drains_then_goes_inactive() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=2)
    stable(ecs)
    assert ecs.describe_clusters(clusters=[C])["clusters"][0]["activeServicesCount"] == 1
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.delete_service(cluster=C, service="s")
    out = ecs.delete_service(cluster=C, service="s", force=True)["service"]
    assert out["status"] == "DRAINING"
    assert ecs.list_services(cluster=C)["serviceArns"] == []
    assert ecs.describe_clusters(clusters=[C])["clusters"][0]["activeServicesCount"] == 0
    ecs.get_waiter("services_inactive").wait(cluster=C, services=["s"])
    assert service(ecs)["status"] == "INACTIVE"
    assert tasks(ecs) == []
    # the name is free again
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=1)
