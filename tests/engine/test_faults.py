"""Injected faults behave as ECS does: container exits, OOM kills, agent disconnects, lost hosts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import ecsedu
from ecsedu.errors import EcsEduError

C = "c"
TROUBLE = "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."


def setup(instances: int = 2) -> tuple[Any, list[str]]:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=C)
    arns = ecs.add_instances(C, count=instances)
    ecs.register_task_definition(
        family="t",
        containerDefinitions=[
            {"name": "app", "image": "busybox", "memory": 128},
            {"name": "log", "image": "busybox", "memory": 32, "essential": False},
        ],
    )
    return ecs, arns


def described(ecs: Any, arns: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"] if arns else []
    return out


def service_tasks(ecs: Any) -> list[dict[str, Any]]:
    return described(ecs, ecs.list_tasks(cluster=C, serviceName="s")["taskArns"])


def messages(ecs: Any) -> list[str]:
    return [
        e["message"]
        for e in ecs.describe_services(cluster=C, services=["s"])["services"][0]["events"]
    ]


def test_container_exit_of_a_service_task_is_replaced() -> None:
    ecs, _ = setup()
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=2)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    victim = service_tasks(ecs)[0]["taskArn"]
    ecs.inject("container_exit", task=victim, container="app", exit_code=137)
    ecs.advance(60)
    (gone,) = described(ecs, [victim])
    assert (gone["lastStatus"], gone["stopCode"]) == ("STOPPED", "EssentialContainerExited")
    assert len(service_tasks(ecs)) == 2
    assert any(m.startswith("(service s) has started 1 tasks: ") for m in messages(ecs))


def test_oom_kill() -> None:
    ecs, _ = setup()
    arn = ecs.run_task(cluster=C, taskDefinition="t")["tasks"][0]["taskArn"]
    ecs.advance(30)
    ecs.inject("oom", task=arn, container="app")
    ecs.advance(60)
    (t,) = described(ecs, [arn])
    app = next(c for c in t["containers"] if c["name"] == "app")
    assert (app["exitCode"], app["reason"]) == (
        137,
        "OutOfMemoryError: Container killed due to memory usage",
    )
    assert t["stoppedReason"] == "Essential container in task exited"


def test_agent_disconnect_blocks_placement_and_keeps_tasks() -> None:
    ecs, arns = setup(instances=1)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=2)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    before = {t["taskArn"] for t in service_tasks(ecs)}
    ecs.inject("agent_disconnect", instance=arns[0])
    inst = ecs.describe_container_instances(cluster=C, containerInstances=arns)[
        "containerInstances"
    ][0]
    assert inst["agentConnected"] is False
    assert ecs.run_task(cluster=C, taskDefinition="t") == {
        "tasks": [],
        "failures": [{"arn": arns[0], "reason": "AGENT"}],
    }
    ecs.update_service(cluster=C, service="s", desiredCount=3)
    ecs.advance(300)
    now = service_tasks(ecs)
    assert {t["taskArn"] for t in now} == before  # kept running, not rescheduled
    assert {t["lastStatus"] for t in now} == {"RUNNING"}
    instance_id = arns[0].rsplit("/", 1)[1]
    assert messages(ecs)[0] == (
        "(service s) was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching (container-instance {instance_id}) doesn't have the "
        f"agent connected. {TROUBLE}"
    )
    ecs.inject("agent_reconnect", instance=arns[0])
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert len(service_tasks(ecs)) == 3
    assert before <= {t["taskArn"] for t in service_tasks(ecs)}


def test_agent_disconnect_with_a_duration_reconnects_by_itself() -> None:
    ecs, arns = setup(instances=1)
    ecs.inject("agent_disconnect", instance=arns[0], duration=120)
    ecs.advance(60)
    assert ecs.run_task(cluster=C, taskDefinition="t")["failures"][0]["reason"] == "AGENT"
    ecs.advance(61)
    assert len(ecs.run_task(cluster=C, taskDefinition="t")["tasks"]) == 1
    kinds = [e.kind for e in ecs.events() if e.subject == arns[0]]
    assert kinds.count("AGENT_CONNECTED") == 2
    assert kinds.count("AGENT_DISCONNECTED") == 1


def test_a_container_that_dies_while_disconnected_is_reported_on_reconnect() -> None:
    ecs, arns = setup(instances=1)
    arn = ecs.run_task(cluster=C, taskDefinition="t")["tasks"][0]["taskArn"]
    ecs.advance(30)
    ecs.inject("agent_disconnect", instance=arns[0])
    ecs.inject("container_exit", task=arn, container="app", exit_code=1)
    ecs.advance(60)
    assert described(ecs, [arn])[0]["lastStatus"] == "RUNNING"  # ECS has not heard yet
    ecs.inject("agent_reconnect", instance=arns[0])
    ecs.advance(60)
    (t,) = described(ecs, [arn])
    assert (t["lastStatus"], t["stopCode"]) == ("STOPPED", "EssentialContainerExited")


def test_instance_lost_stops_its_tasks_and_the_service_replaces_them_elsewhere() -> None:
    ecs, arns = setup(instances=2)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=4)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    on_lost = [t["taskArn"] for t in service_tasks(ecs) if t["containerInstanceArn"] == arns[0]]
    standalone = ecs.start_task(cluster=C, taskDefinition="t", containerInstances=[arns[0]])
    assert on_lost
    ecs.inject("instance_lost", instance=arns[0])
    gone = described(ecs, [*on_lost, standalone["tasks"][0]["taskArn"]])
    assert {t["lastStatus"] for t in gone} == {"STOPPED"}
    assert {t["stopCode"] for t in gone} == {"TerminationNotice"}
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert Counter(t["containerInstanceArn"] for t in service_tasks(ecs)) == {arns[1]: 4}
    inst = ecs.describe_container_instances(cluster=C, containerInstances=[arns[0]])
    assert inst["containerInstances"][0]["status"] == "INACTIVE"
    assert (
        ecs.describe_clusters(clusters=[C])["clusters"][0]["registeredContainerInstancesCount"] == 1
    )
    assert ecs.run_task(cluster=C, taskDefinition="t", count=2)["tasks"]


@pytest.mark.parametrize(
    ("fault", "target"),
    [
        ("meteor", {}),
        ("container_exit", {"task": "nope"}),
        ("agent_disconnect", {"instance": "nope"}),
    ],
)
def test_bad_injections_are_teaching_errors(fault: str, target: dict[str, str]) -> None:
    ecs, _ = setup()
    with pytest.raises(EcsEduError):
        ecs.inject(fault, **target)


def test_faults_are_in_the_event_log() -> None:
    ecs, arns = setup()
    ecs.inject("agent_disconnect", instance=arns[0])
    assert [e.kind for e in ecs.events()][-2:] == ["FAULT_INJECTED", "AGENT_DISCONNECTED"]


# -- container instance health ---------------------------------------------------------------------
def health(ecs: Any, arn: str) -> dict[str, Any]:
    out = ecs.describe_container_instances(
        cluster=C, containerInstances=[arn], include=["CONTAINER_INSTANCE_HEALTH"]
    )
    return dict(out["containerInstances"][0]["healthStatus"])


def test_instance_health_follows_the_agent_and_the_container_runtime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ecs, (arn, _) = setup()
    ecs.advance(5)
    ok = health(ecs, arn)
    assert ok["overallStatus"] == "OK"
    [detail] = ok["details"]
    assert (detail["type"], detail["status"]) == ("CONTAINER_RUNTIME", "OK")
    assert (detail["lastUpdated"] - detail["lastStatusChange"]).total_seconds() == 5
    ecs.inject("agent_disconnect", instance=arn)
    ecs.advance(2)
    gone = health(ecs, arn)
    assert gone["overallStatus"] == "INSUFFICIENT_DATA"
    assert gone["details"][0]["lastStatusChange"] == gone["details"][0]["lastUpdated"]
    ecs.inject("agent_reconnect", instance=arn)
    runtime = ecs.store.agents[arn].runtime
    monkeypatch.setattr(runtime, "healthy", lambda: False)  # as if Docker stopped answering
    ecs.advance(3)
    impaired = health(ecs, arn)
    assert impaired["overallStatus"] == "IMPAIRED"
    assert impaired["details"][0]["status"] == "IMPAIRED"
    monkeypatch.setattr(runtime, "healthy", lambda: True)
    ecs.advance(1)
    back = health(ecs, arn)["details"][0]
    assert back["status"] == "OK"
    assert back["lastStatusChange"] == back["lastUpdated"]


def test_instance_health_is_shown_only_when_included() -> None:
    ecs, (arn, _) = setup()
    for include in ([], ["TAGS"]):
        out = ecs.describe_container_instances(cluster=C, containerInstances=[arn], include=include)
        assert "healthStatus" not in out["containerInstances"][0]
