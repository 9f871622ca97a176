"""Cluster auto scaling (managed scaling), managed termination protection and draining, and
FARGATE_SPOT interruptions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import ecsedu
from ecsedu import errors
from ecsedu.engine.controllers import cluster_autoscaling as cas

WEB = {"name": "web", "image": "busybox", "cpu": 1024, "memory": 1024}
VPC_NET = {"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"]}}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=4)
    yield client
    client.close()


def managed_cluster(
    ecs: Any,
    *,
    desired: int = 0,
    max_size: int = 6,
    protected: bool = True,
    termination_protection: bool = True,
    **scaling: Any,
) -> None:
    """Cluster ``c`` whose default strategy is provider ``cp`` over group ``g`` (instances of
    2048 CPU units and 4096 MiB), with managed scaling on."""
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="g",
        MinSize=0,
        MaxSize=max_size,
        DesiredCapacity=desired,
        LaunchTemplate={"LaunchTemplateName": "ecs-template"},
        NewInstancesProtectedFromScaleIn=protected,
    )
    ecs.create_capacity_provider(
        name="cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": "g",
            "managedScaling": {"status": "ENABLED", **scaling},
            "managedTerminationProtection": "ENABLED" if termination_protection else "DISABLED",
        },
    )
    ecs.create_cluster(
        clusterName="c",
        capacityProviders=["cp"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "cp", "weight": 1}],
    )
    ecs.register_task_definition(family="web", containerDefinitions=[WEB])


def group(ecs: Any) -> dict[str, Any]:
    out: dict[str, Any] = ecs.ec2_autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0]
    return out


def reservation(ecs: Any) -> float | None:
    value: float | None = ecs.store.capacity_providers["cp"].reservation
    return value


def running(ecs: Any, service: str = "s") -> int:
    count: int = ecs.describe_services(cluster="c", services=[service])["services"][0][
        "runningCount"
    ]
    return count


def test_an_idle_group_at_zero_stays_at_zero(ecs: Any) -> None:
    managed_cluster(ecs)
    ecs.advance(600)
    assert reservation(ecs) == 100.0  # N = 0, M = 0
    assert group(ecs)["DesiredCapacity"] == 0


def test_a_service_that_does_not_fit_grows_the_cluster(ecs: Any) -> None:
    managed_cluster(ecs)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=5)
    ecs.advance(1)
    events = [
        e["message"]
        for e in ecs.describe_services(cluster="c", services=["s"])["services"][0]["events"]
    ]
    # the tasks are created and wait in PROVISIONING for capacity: no "unable to place"
    assert not any("was unable to place a task" in m for m in events)
    assert any("has started 5 tasks" in m for m in events)
    svc = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    assert (svc["pendingCount"], svc["runningCount"]) == (5, 0)
    arns = ecs.list_tasks(cluster="c")["taskArns"]
    tasks = ecs.describe_tasks(cluster="c", tasks=arns)["tasks"]
    assert {t["lastStatus"] for t in tasks} == {"PROVISIONING"}
    assert all("containerInstanceArn" not in t for t in tasks)
    assert {t["capacityProviderName"] for t in tasks} == {"cp"}
    ecs.advance(60)  # the first minute: N = 0, M > 0
    assert reservation(ecs) == 200.0
    assert group(ecs)["DesiredCapacity"] == 3  # 5 tasks of 1024 CPU units, 2 per instance
    ecs.advance(cas.BOOT_SECONDS + 20)  # instances boot, register; the scheduler places
    assert running(ecs) == 5
    ecs.advance(60)
    assert reservation(ecs) == 100.0  # M = N = 3
    assert group(ecs)["DesiredCapacity"] == 3
    points = ecs.cloudwatch.get_metric_statistics(
        Namespace="AWS/ECS/ManagedScaling",
        MetricName="CapacityProviderReservation",
        Dimensions=[
            {"Name": "CapacityProviderName", "Value": "cp"},
            {"Name": "ClusterName", "Value": "c"},
        ],
        StartTime=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
        EndTime=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    values = [p["Maximum"] for p in sorted(points, key=lambda p: p["Timestamp"])]
    assert values[0] == 200.0
    assert values[-1] == 100.0


def test_target_capacity_keeps_spare_instances(ecs: Any) -> None:
    managed_cluster(ecs, targetCapacity=50)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=2)
    ecs.advance(60 + cas.BOOT_SECONDS + 120)
    assert running(ecs) == 2
    # one instance holds both tasks (spread puts them apart if it can: two busy of N)
    g = group(ecs)
    assert g["DesiredCapacity"] >= 2
    busy = sum(
        1
        for m in ecs.store.auto_scaling_groups["g"].members.values()
        if m.container_instance_arn and cas.busy_tasks(ecs.engine, m.container_instance_arn)
    )
    assert g["DesiredCapacity"] == 2 * busy  # M / N = 50 %
    assert reservation(ecs) == 50.0


def test_scaling_steps_bound_each_scale_out(ecs: Any) -> None:
    managed_cluster(ecs, maximumScalingStepSize=1)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=6)
    ecs.advance(60)
    assert group(ecs)["DesiredCapacity"] == 1
    ecs.advance(240)
    assert 1 < group(ecs)["DesiredCapacity"] <= 4


def test_minimum_step_launches_at_least_that_many(ecs: Any) -> None:
    managed_cluster(ecs, minimumScalingStepSize=3)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=1)
    ecs.advance(60)
    assert group(ecs)["DesiredCapacity"] == 3


def test_scale_in_after_15_minutes_takes_only_idle_instances(ecs: Any) -> None:
    managed_cluster(ecs, instanceWarmupPeriod=0)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=6)
    ecs.advance(60 + cas.BOOT_SECONDS + 60)
    assert running(ecs) == 6
    assert group(ecs)["DesiredCapacity"] == 3
    ecs.update_service(cluster="c", service="s", desiredCount=1)
    ecs.advance(14 * 60)
    assert group(ecs)["DesiredCapacity"] == 3  # the low alarm needs 15 datapoints
    ecs.advance(3 * 60)
    g = group(ecs)
    assert g["DesiredCapacity"] == 1
    (left,) = g["Instances"]
    assert left["ProtectedFromScaleIn"] is True  # the one running the task
    assert running(ecs) == 1
    assert reservation(ecs) == 100.0


def test_termination_protection_follows_the_tasks(ecs: Any) -> None:
    managed_cluster(ecs, desired=2)
    ecs.advance(cas.BOOT_SECONDS + 60)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=1)
    ecs.advance(61)
    protections = sorted(i["ProtectedFromScaleIn"] for i in group(ecs)["Instances"])
    assert protections == [False, True]  # ECS clears it on the idle one, keeps it on the busy


def test_daemon_tasks_do_not_keep_an_instance_busy(ecs: Any) -> None:
    managed_cluster(ecs, desired=1)
    ecs.advance(cas.BOOT_SECONDS)
    ecs.register_task_definition(
        family="agent", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
    )
    ecs.create_service(
        cluster="c",
        serviceName="d",
        taskDefinition="agent",
        schedulingStrategy="DAEMON",
        launchType="EC2",
    )
    ecs.advance(120)
    assert running(ecs, "d") == 1
    assert reservation(ecs) == 0.0  # M = 0 of N = 1


def test_managed_draining_moves_tasks_before_termination(ecs: Any) -> None:
    managed_cluster(ecs, desired=2, protected=False, termination_protection=False)
    ecs.advance(cas.BOOT_SECONDS)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=2)
    ecs.advance(30)
    assert running(ecs) == 2
    ecs.ec2_autoscaling.set_desired_capacity(AutoScalingGroupName="g", DesiredCapacity=1)
    states = sorted(i["LifecycleState"] for i in group(ecs)["Instances"])
    arns = ecs.list_container_instances(cluster="c", status="DRAINING")["containerInstanceArns"]
    assert states == ["InService", "Terminating"]
    assert len(arns) == 1
    ecs.advance(120)
    assert [i["LifecycleState"] for i in group(ecs)["Instances"]] == ["InService"]
    assert running(ecs) == 2  # the drained task moved to the instance that stayed
    (inst,) = ecs.describe_container_instances(cluster="c", containerInstances=arns)[
        "containerInstances"
    ]
    assert inst["status"] == "INACTIVE"


def test_managed_scaling_survives_save_and_load(ecs: Any, tmp_path: Any) -> None:
    managed_cluster(ecs)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=3)
    ecs.advance(70)  # instances launched, still booting
    assert {i["LifecycleState"] for i in group(ecs)["Instances"]} == {"Pending"}
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    try:
        assert group(again) == group(ecs)
        again.advance(cas.BOOT_SECONDS + 60)
        assert running(again) == 3
        (c,) = again.describe_clusters(clusters=["c"])["clusters"]
        assert c["capacityProviders"] == ["cp"]
        arns = again.list_container_instances(cluster="c")["containerInstanceArns"]
        described = again.describe_container_instances(cluster="c", containerInstances=arns)
        assert {i["capacityProviderName"] for i in described["containerInstances"]} == {"cp"}
        s = again.describe_services(cluster="c", services=["s"])["services"][0]
        assert s["capacityProviderStrategy"] == [{"capacityProvider": "cp", "weight": 1, "base": 0}]
    finally:
        again.close()


# =========================================================================== Fargate Spot
def spot_service(ecs: Any) -> str:
    ecs.create_cluster(clusterName="c", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(
        family="f",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "a", "image": "busybox", "stopTimeout": 100}],
    )
    ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="f",
        desiredCount=1,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        networkConfiguration=VPC_NET,
    )
    ecs.advance(60)
    (arn,) = ecs.list_tasks(cluster="c", serviceName="s")["taskArns"]
    return str(arn)


def test_spot_interruption_stops_the_task_and_the_service_replaces_it(ecs: Any) -> None:
    arn = spot_service(ecs)
    out = ecs.inject("spot_interruption", task=arn)
    assert out == {"task": arn, "stopCode": "SpotInterruption"}
    (t,) = ecs.describe_tasks(cluster="c", tasks=[arn])["tasks"]
    assert (t["desiredStatus"], t["stopCode"], t["stoppedReason"]) == (
        "STOPPED",
        "SpotInterruption",
        "Your Spot Task was interrupted.",
    )
    ecs.advance(130)  # SIGTERM at the warning; stopped by the end of the two minutes
    (t,) = ecs.describe_tasks(cluster="c", tasks=[arn])["tasks"]
    assert t["lastStatus"] == "STOPPED"
    tasks = ecs.list_tasks(cluster="c", serviceName="s")["taskArns"]
    assert len(tasks) == 1
    assert tasks != [arn]
    (new,) = ecs.describe_tasks(cluster="c", tasks=tasks)["tasks"]
    assert new["capacityProviderName"] == "FARGATE_SPOT"


def test_only_fargate_spot_tasks_can_be_interrupted(ecs: Any) -> None:
    spot_service(ecs)
    ecs.register_task_definition(
        family="f2",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "a", "image": "busybox"}],
    )
    (t,) = ecs.run_task(
        cluster="c",
        taskDefinition="f2",
        capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        networkConfiguration=VPC_NET,
    )["tasks"]
    with pytest.raises(errors.UsageError, match="FARGATE_SPOT"):
        ecs.inject("spot_interruption", task=t["taskArn"])


def test_add_auto_scaling_group_helper_sets_up_cluster_auto_scaling(ecs: Any) -> None:
    ecs.create_cluster(clusterName="c")
    assert ecs.add_auto_scaling_group("c", "workers", instance_type="c5.xlarge") == "workers-cp"
    (c,) = ecs.describe_clusters(clusters=["c"])["clusters"]
    assert c["capacityProviders"] == ["workers-cp"]
    assert c["defaultCapacityProviderStrategy"] == [
        {"capacityProvider": "workers-cp", "weight": 1, "base": 0}
    ]
    ecs.register_task_definition(family="web", containerDefinitions=[WEB])
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=4)
    ecs.advance(60 + cas.BOOT_SECONDS + 30)
    assert running(ecs) == 4
    assert group(ecs)["DesiredCapacity"] == 1  # c5.xlarge: 4096 CPU units hold all four
    with pytest.raises(errors.UsageError):
        ecs.add_auto_scaling_group("ghost", "other")


def test_turning_managed_scaling_off_stops_the_metric(ecs: Any) -> None:
    managed_cluster(ecs)
    ecs.advance(60)
    assert reservation(ecs) == 100.0
    ecs.update_capacity_provider(
        name="cp", autoScalingGroupProvider={"managedScaling": {"status": "DISABLED"}}
    )
    assert reservation(ecs) is None
    (c,) = ecs.describe_clusters(clusters=["c"], include=["ATTACHMENTS"])["clusters"]
    assert c["attachments"] == []
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="web", desiredCount=2)
    ecs.advance(300)
    assert group(ecs)["DesiredCapacity"] == 0  # nobody scales the group now
    assert reservation(ecs) is None
