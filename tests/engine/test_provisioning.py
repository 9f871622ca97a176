"""Tasks that wait in PROVISIONING for an Auto Scaling group capacity provider's capacity.

With managed scaling on, a task no instance of the group fits is created anyway, with no
container instance, counts in CapacityProviderReservation, and is placed (oldest first) once
the group's new instances register; one that waits too long is stopped."""

from __future__ import annotations

from typing import Any

import pytest

import ecsedu
from ecsedu.engine.controllers import cluster_autoscaling as cas

WEB = {"name": "web", "image": "busybox", "cpu": 1024, "memory": 1024}
BIG = {"name": "big", "image": "busybox", "cpu": 2048, "memory": 2048}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=7)
    yield client
    client.close()


def managed_cluster(
    ecs: Any,
    *,
    desired: int = 0,
    max_size: int = 4,
    managed_scaling: bool = True,
    draining: bool = True,
) -> None:
    """Cluster ``c``, default strategy provider ``cp`` over group ``g`` (instances of 2048 CPU
    units and 4096 MiB), no termination protection."""
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="g",
        MinSize=0,
        MaxSize=max_size,
        DesiredCapacity=desired,
        LaunchTemplate={"LaunchTemplateName": "ecs-template"},
    )
    ecs.create_capacity_provider(
        name="cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": "g",
            "managedScaling": {"status": "ENABLED" if managed_scaling else "DISABLED"},
            "managedTerminationProtection": "DISABLED",
            "managedDraining": "ENABLED" if draining else "DISABLED",
        },
    )
    ecs.create_cluster(
        clusterName="c",
        capacityProviders=["cp"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "cp", "weight": 1}],
    )
    ecs.register_task_definition(family="web", containerDefinitions=[WEB])
    ecs.register_task_definition(family="big", containerDefinitions=[BIG])


def describe(ecs: Any, arns: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = ecs.describe_tasks(cluster="c", tasks=arns)["tasks"]
    return sorted(out, key=lambda t: arns.index(t["taskArn"]))


def desired_capacity(ecs: Any) -> int:
    (g,) = ecs.ec2_autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    return int(g["DesiredCapacity"])


def test_run_task_waits_in_provisioning_and_the_group_grows_for_it(ecs: Any) -> None:
    managed_cluster(ecs)
    resp = ecs.run_task(cluster="c", taskDefinition="web", count=3)
    assert resp["failures"] == []
    arns = [t["taskArn"] for t in resp["tasks"]]
    for t in describe(ecs, arns):
        assert t["lastStatus"] == "PROVISIONING"
        assert t["desiredStatus"] == "RUNNING"
        assert t["capacityProviderName"] == "cp"
        assert t["launchType"] == "EC2"
        assert "containerInstanceArn" not in t
    (c,) = ecs.describe_clusters(clusters=["c"])["clusters"]
    assert c["pendingTasksCount"] == 3
    ecs.advance(60)  # the first minute: M = 2 instances for 3 tasks of 1024 CPU units, N = 0
    assert ecs.store.capacity_providers["cp"].reservation == 200.0
    assert desired_capacity(ecs) == 2
    ecs.advance(cas.BOOT_SECONDS + 30)  # the instances register, the tasks go there and start
    tasks = describe(ecs, arns)
    assert {t["lastStatus"] for t in tasks} == {"RUNNING"}
    instances = {t["containerInstanceArn"] for t in tasks}
    described = ecs.describe_container_instances(cluster="c", containerInstances=sorted(instances))
    assert {i["capacityProviderName"] for i in described["containerInstances"]} == {"cp"}
    assert sum(i["runningTasksCount"] for i in described["containerInstances"]) == 3
    assert all(t["availabilityZone"] for t in tasks)
    (c,) = ecs.describe_clusters(clusters=["c"])["clusters"]
    assert (c["pendingTasksCount"], c["runningTasksCount"]) == (0, 3)
    assert cas.waiting(ecs.store) == {}


def test_waiting_tasks_are_placed_oldest_first(ecs: Any) -> None:
    managed_cluster(ecs, max_size=1)  # one instance: room for one big task
    first = ecs.run_task(cluster="c", taskDefinition="big")["tasks"][0]["taskArn"]
    ecs.advance(1)
    second = ecs.run_task(cluster="c", taskDefinition="big")["tasks"][0]["taskArn"]
    ecs.advance(60 + cas.BOOT_SECONDS + 30)
    assert desired_capacity(ecs) == 1  # MaxSize
    old, new = describe(ecs, [first, second])
    assert old["lastStatus"] == "RUNNING"
    assert new["lastStatus"] == "PROVISIONING"
    assert "containerInstanceArn" not in new
    ecs.stop_task(cluster="c", task=first)
    ecs.advance(120)  # the next minute's placement finds the room the first task left
    (new,) = describe(ecs, [second])
    assert new["lastStatus"] == "RUNNING"
    assert new["containerInstanceArn"] == old["containerInstanceArn"]


def test_stop_task_stops_a_waiting_task_and_it_no_longer_counts(ecs: Any) -> None:
    managed_cluster(ecs)
    arn = ecs.run_task(cluster="c", taskDefinition="web")["tasks"][0]["taskArn"]
    ecs.stop_task(cluster="c", task=arn)
    ecs.advance(10)
    (t,) = describe(ecs, [arn])
    assert (t["lastStatus"], t["desiredStatus"]) == ("STOPPED", "STOPPED")
    assert t["stopCode"] == "UserInitiated"
    assert t["stoppedReason"] == "Task stopped by user"
    assert "containerInstanceArn" not in t
    (c,) = ecs.describe_clusters(clusters=["c"])["clusters"]
    assert (c["pendingTasksCount"], c["runningTasksCount"]) == (0, 0)
    ecs.advance(120)
    assert ecs.store.capacity_providers["cp"].reservation == 100.0  # M = 0, N = 0
    assert desired_capacity(ecs) == 0


def test_a_task_that_waits_too_long_is_stopped(ecs: Any) -> None:
    managed_cluster(ecs, max_size=0)  # the group can never grow
    arn = ecs.run_task(cluster="c", taskDefinition="web")["tasks"][0]["taskArn"]
    ecs.advance(cas.PROVISIONING_TIMEOUT - 120)
    (t,) = describe(ecs, [arn])
    assert t["lastStatus"] == "PROVISIONING"
    ecs.advance(180)
    (t,) = describe(ecs, [arn])
    assert t["lastStatus"] == "STOPPED"
    assert t["stopCode"] == "TaskFailedToStart"
    assert t["stoppedReason"] == (
        "Capacity provider cp provided no capacity for the task within 30 minutes"
    )


def test_the_provisioning_quota_per_cluster_fails_the_rest(ecs: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(cas, "PROVISIONING_QUOTA", 2)
    managed_cluster(ecs)
    resp = ecs.run_task(cluster="c", taskDefinition="web", count=3)
    assert len(resp["tasks"]) == 2
    (failure,) = resp["failures"]
    assert failure["arn"].endswith(":capacity-provider/cp")
    assert failure["reason"] == "Limit of 2 tasks in the PROVISIONING state per cluster reached"


def test_without_managed_scaling_a_task_that_does_not_fit_fails(ecs: Any) -> None:
    managed_cluster(ecs, managed_scaling=False)
    resp = ecs.run_task(cluster="c", taskDefinition="web")
    assert resp["tasks"] == []
    assert [f["reason"] for f in resp["failures"]] == ["NO_CONTAINER_INSTANCES"]


def test_a_service_waits_without_unable_to_place_events(ecs: Any) -> None:
    managed_cluster(ecs)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=2)
    ecs.advance(30)  # several scheduler sweeps: no more tasks than the desired count
    (svc,) = ecs.describe_services(cluster="c", services=["s"])["services"]
    assert (svc["pendingCount"], svc["runningCount"]) == (2, 0)
    assert len(ecs.list_tasks(cluster="c")["taskArns"]) == 2
    messages = [e["message"] for e in svc["events"]]
    assert not any("unable to place" in m for m in messages)
    ecs.advance(60 + cas.BOOT_SECONDS + 30)
    (svc,) = ecs.describe_services(cluster="c", services=["s"])["services"]
    assert (svc["pendingCount"], svc["runningCount"]) == (0, 2)
    assert len(ecs.list_tasks(cluster="c")["taskArns"]) == 2  # the same tasks, now placed


def test_scaling_a_service_in_stops_its_waiting_tasks(ecs: Any) -> None:
    managed_cluster(ecs, max_size=0)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=2)
    ecs.advance(5)
    ecs.update_service(cluster="c", service="s", desiredCount=0)
    ecs.advance(30)
    (svc,) = ecs.describe_services(cluster="c", services=["s"])["services"]
    assert (svc["pendingCount"], svc["runningCount"]) == (0, 0)
    assert ecs.list_tasks(cluster="c")["taskArns"] == []
    ecs.advance(60)  # the next minute's look at the waiting tasks forgets them
    assert cas.waiting(ecs.store) == {}


def test_a_waiting_task_is_drawn_as_waiting_not_as_fargate(ecs: Any) -> None:
    managed_cluster(ecs)
    arn = ecs.run_task(cluster="c", taskDefinition="web")["tasks"][0]["taskArn"]
    (view,) = [t for t in ecs.snapshot().tasks if t.arn == arn]
    assert view.container_instance_arn is None
    assert not view.fargate
    assert view.capacity_provider == "cp"
    assert view.last_status == "PROVISIONING"


def test_waiting_tasks_survive_save_and_load(ecs: Any, tmp_path: Any) -> None:
    managed_cluster(ecs)
    arn = ecs.run_task(
        cluster="c",
        taskDefinition="web",
        placementConstraints=[{"type": "distinctInstance"}],
    )["tasks"][0]["taskArn"]
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    try:
        (t,) = describe(again, [arn])
        assert t["lastStatus"] == "PROVISIONING"
        assert "containerInstanceArn" not in t
        assert list(cas.waiting(again.store)) == [arn]
        again.advance(60 + cas.BOOT_SECONDS + 30)
        (t,) = describe(again, [arn])
        assert t["lastStatus"] == "RUNNING"
        assert t["containerInstanceArn"]
    finally:
        again.close()


def test_scale_in_without_draining_stops_tasks_as_terminated_not_by_user(ecs: Any) -> None:
    managed_cluster(ecs, desired=1, draining=False)
    ecs.advance(cas.BOOT_SECONDS + 5)
    arn = ecs.run_task(cluster="c", taskDefinition="web")["tasks"][0]["taskArn"]
    ecs.advance(10)
    (t,) = describe(ecs, [arn])
    assert t["lastStatus"] == "RUNNING"
    (member,) = ecs.ec2_autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0][
        "Instances"
    ]
    ecs.ec2_autoscaling.set_desired_capacity(AutoScalingGroupName="g", DesiredCapacity=0)
    ecs.advance(1)
    (t,) = describe(ecs, [arn])
    assert t["lastStatus"] == "STOPPED"
    assert t["stopCode"] == "TerminationNotice"
    assert t["stoppedReason"] == f"Host EC2 (instance {member['InstanceId']}) terminated."


def test_an_awsvpc_task_gets_its_network_interface_when_placed(ecs: Any) -> None:
    managed_cluster(ecs)
    ecs.register_task_definition(family="net", networkMode="awsvpc", containerDefinitions=[WEB])
    arn = ecs.run_task(
        cluster="c",
        taskDefinition="net",
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"]}},
    )["tasks"][0]["taskArn"]
    (t,) = describe(ecs, [arn])
    assert t["attachments"] == []  # no instance yet, so no ENI on it
    ecs.advance(60 + cas.BOOT_SECONDS + 30)
    (t,) = describe(ecs, [arn])
    assert t["lastStatus"] == "RUNNING"
    (eni,) = t["attachments"]
    assert eni["type"] == "ElasticNetworkInterface"
    assert eni["status"] == "ATTACHED"


def test_on_docker_a_waiting_task_runs_on_the_instance_the_group_adds(docker_client: Any) -> None:
    """Live: the group's new instance is a new Docker agent; the waiting task's container runs
    there (one CloudWatch minute is 3 s, an instance boots in ``WALL_BOOT_SECONDS``)."""
    import time
    import uuid

    from ecsedu.runtimes import docker as docker_runtime

    namespace = f"ecsedu-provisioning-{uuid.uuid4().hex[:10]}"
    live = ecsedu.connect("docker", namespace=namespace)
    try:
        live.autoscaling.set_period(3)
        managed_cluster(live)
        worker = {"name": "w", "image": "ecsedu/worker", "cpu": 1024, "memory": 256}
        live.register_task_definition(family="w", containerDefinitions=[worker])
        arn = live.run_task(cluster="c", taskDefinition="w")["tasks"][0]["taskArn"]
        (t,) = describe(live, [arn])
        assert t["lastStatus"] == "PROVISIONING"
        deadline = time.monotonic() + 90
        while t["lastStatus"] != "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.5)
            (t,) = describe(live, [arn])
        assert t["lastStatus"] == "RUNNING"
        assert [c["lastStatus"] for c in t["containers"]] == ["RUNNING"]
        assert desired_capacity(live) == 1
    finally:
        live.close(cleanup=True)
        docker_runtime.cleanup(namespace)
