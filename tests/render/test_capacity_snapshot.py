"""What ``ecs.snapshot()`` says about capacity: Fargate tasks (launch type, provider, ENI and
address), capacity providers with their Auto Scaling groups, the clusters' providers and default
strategy, and the CapacityProviderReservation series; and the same fields rebuilt from ECS
responses by the remote client (``ecsedu.app.remote``)."""

from __future__ import annotations

from typing import Any

import pytest

import ecsedu
from ecsedu.app.remote import RemoteEcs

NET = {"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0", "subnet-0ecsedu1"]}}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect()
    yield client
    client.close()


def fargate_family(ecs: Any) -> None:
    ecs.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "web", "image": "ecsedu/web"}],
    )


def test_a_fargate_task_view_has_no_instance_and_its_own_address(ecs):
    ecs.create_cluster(clusterName="demo", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    fargate_family(ecs)
    run = ecs.run_task(
        cluster="demo",
        taskDefinition="web",
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        networkConfiguration=NET,
    )
    ecs.advance(30)
    (task,) = ecs.snapshot().tasks
    described = ecs.describe_tasks(cluster="demo", tasks=[run["tasks"][0]["taskArn"]])["tasks"][0]
    details = {d["name"]: d["value"] for d in described["attachments"][0]["details"]}
    assert task.fargate
    assert task.launch_type == "FARGATE"
    assert task.container_instance_arn is None
    assert task.capacity_provider == "FARGATE_SPOT"
    assert task.platform_version == "1.4.0"
    assert task.private_ip == details["privateIPv4Address"]
    assert task.eni_id == details["networkInterfaceId"]
    assert task.eni_status == "ATTACHED"
    assert task.availability_zone == described["availabilityZone"]
    cluster = ecs.snapshot().cluster("demo")
    assert cluster.capacity_providers == ("FARGATE", "FARGATE_SPOT")
    assert {cp.name for cp in ecs.snapshot().capacity_providers} == {"FARGATE", "FARGATE_SPOT"}


def test_an_ec2_task_view_keeps_its_instance(ecs):
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=1)
    ecs.register_task_definition(
        family="app", containerDefinitions=[{"name": "a", "image": "ecsedu/web", "memory": 64}]
    )
    ecs.run_task(cluster="demo", taskDefinition="app")
    (task,) = ecs.snapshot().tasks
    assert task.launch_type == "EC2"
    assert not task.fargate
    assert task.container_instance_arn == ecs.snapshot().instances[0].arn
    assert task.private_ip is None
    assert task.eni_id is None


def test_a_capacity_provider_view_shows_its_group_and_the_reservation(ecs):
    asg = ecs.ec2_autoscaling
    asg.create_auto_scaling_group(
        AutoScalingGroupName="asg-1",
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=1,
        NewInstancesProtectedFromScaleIn=True,
        LaunchTemplate={"LaunchTemplateName": "ecs-node", "Version": "$Latest"},
    )
    arn = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["asg-1"])["AutoScalingGroups"][0][
        "AutoScalingGroupARN"
    ]
    ecs.create_capacity_provider(
        name="cp-1",
        autoScalingGroupProvider={
            "autoScalingGroupArn": arn,
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
            "managedTerminationProtection": "ENABLED",
        },
    )
    ecs.create_cluster(clusterName="demo")
    strategy = [{"capacityProvider": "cp-1", "weight": 2, "base": 1}]
    ecs.put_cluster_capacity_providers(
        cluster="demo", capacityProviders=["cp-1"], defaultCapacityProviderStrategy=strategy
    )
    ecs.advance(180)
    snap = ecs.snapshot()
    (cp,) = snap.capacity_providers
    assert (cp.name, cp.kind, cp.status, cp.auto_scaling_group) == (
        "cp-1",
        "ASG",
        "ACTIVE",
        "asg-1",
    )
    assert cp.managed_scaling
    assert cp.target_capacity == 90
    assert cp.managed_termination_protection
    assert (cp.min_size, cp.desired_capacity, cp.max_size) == (0, 1, 4)
    (inst,) = snap.instances
    assert inst.capacity_provider == "cp-1"
    assert cp.instances == (inst.arn,)
    assert cp.reservation is not None
    cluster = snap.cluster("demo")
    assert cluster.capacity_providers == ("cp-1",)
    assert [(s.capacity_provider, s.weight, s.base) for s in cluster.default_strategy] == [
        ("cp-1", 2, 1)
    ]
    (series,) = [m for m in snap.metrics if m.name == "CapacityProviderReservation"]
    assert series.namespace == "AWS/ECS/ManagedScaling"
    assert (series.capacity_provider_name, series.cluster_name) == ("cp-1", "demo")
    assert series.points[-1][1] == cp.reservation
    assert snap.capacity_provider("cp-1") is cp
    ecs.register_task_definition(
        family="app", containerDefinitions=[{"name": "a", "image": "ecsedu/web", "memory": 64}]
    )
    ecs.create_service(
        cluster="demo",
        serviceName="app",
        taskDefinition="app",
        desiredCount=1,
        capacityProviderStrategy=[{"capacityProvider": "cp-1", "weight": 1, "base": 1}],
    )
    (svc,) = ecs.snapshot().services
    assert [(s.capacity_provider, s.weight, s.base) for s in svc.capacity_provider_strategy] == [
        ("cp-1", 1, 1)
    ]


class _Ecs:
    """Just enough of boto3's ECS client for RemoteEcs.snapshot()."""

    def __init__(self, responses: dict[str, Any]) -> None:
        self.responses = responses

    def __getattr__(self, name: str) -> Any:
        return lambda **_: self.responses[name]

    def get_paginator(self, operation: str) -> Any:
        outer = self

        class Pages:
            def paginate(self, **params: Any) -> Any:
                key = operation + ("-stopped" if params.get("desiredStatus") else "")
                return [outer.responses.get(key, {})]

        return Pages()


def test_the_remote_snapshot_reads_the_same_fields_from_ecs_responses(ecs):
    """RemoteEcs rebuilds the views from Describe calls: feed it ecsedu's own responses."""
    ecs.create_cluster(clusterName="demo", capacityProviders=["FARGATE"])
    fargate_family(ecs)
    ecs.run_task(
        cluster="demo", taskDefinition="web", launchType="FARGATE", networkConfiguration=NET
    )
    ecs.advance(30)
    local = ecs.snapshot()
    task_arns = ecs.list_tasks(cluster="demo")["taskArns"]
    client = _Ecs(
        {
            "list_clusters": {"clusterArns": [local.clusters[0].arn]},
            "describe_clusters": ecs.describe_clusters(clusters=["demo"]),
            "list_container_instances": {"containerInstanceArns": []},
            "list_services": {"serviceArns": []},
            "list_tasks": {"taskArns": task_arns},
            "describe_tasks": ecs.describe_tasks(cluster="demo", tasks=task_arns),
            "describe_task_definition": ecs.describe_task_definition(taskDefinition="web"),
            "describe_capacity_providers": ecs.describe_capacity_providers(
                capacityProviders=["FARGATE"]
            ),
        }
    )
    remote = RemoteEcs.__new__(RemoteEcs)
    remote.client = client
    snap = remote.snapshot()
    (task,), (mine,) = snap.tasks, local.tasks
    for field in (
        "launch_type",
        "capacity_provider",
        "platform_version",
        "private_ip",
        "eni_id",
        "eni_status",
        "availability_zone",
        "container_instance_arn",
    ):
        assert getattr(task, field) == getattr(mine, field), field
    assert snap.clusters[0].capacity_providers == ("FARGATE",)
    assert [(cp.name, cp.kind) for cp in snap.capacity_providers] == [("FARGATE", "FARGATE")]
