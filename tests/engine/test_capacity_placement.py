"""Placement restricted to an Auto Scaling group provider's instances (``engine/capacity.py``):
a mask over the placement index, reported as a ``memberOf`` constraint would be."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

import ecsedu
from ecsedu.engine import placement

WEB = {"name": "web", "image": "busybox", "cpu": 256, "memory": 256}
STRATEGY = [{"capacityProvider": "big-cp", "weight": 1}]


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=1)
    yield client
    client.close()


def big_provider(ecs: Any, size: int) -> None:
    """Cluster ``c`` with ``size`` instances launched by group ``big`` (provider ``big-cp``,
    managed scaling off) and 3 plain instances registered before them."""
    ecs.create_cluster(clusterName="c")
    ecs.add_instances("c", count=3, cpu=8192, memory=16384)
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="big",
        MinSize=size,
        MaxSize=size,
        DesiredCapacity=size,
        LaunchTemplate={"LaunchTemplateName": "ecs-template"},
    )
    ecs.create_capacity_provider(
        name="big-cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": "big",
            "managedScaling": {"status": "DISABLED"},
            "managedTerminationProtection": "DISABLED",
        },
    )
    ecs.put_cluster_capacity_providers(
        cluster="c", capacityProviders=["big-cp"], defaultCapacityProviderStrategy=[]
    )
    ecs.advance(61)  # the group's instances boot and register
    ecs.register_task_definition(family="e", containerDefinitions=[WEB])


def provider_instances(ecs: Any) -> set[str]:
    out: set[str] = set()
    for page in ecs.get_paginator("list_container_instances").paginate(cluster="c"):
        described = ecs.describe_container_instances(
            cluster="c", containerInstances=page["containerInstanceArns"]
        )["containerInstances"]
        out |= {
            i["containerInstanceArn"]
            for i in described
            if i.get("capacityProviderName") == "big-cp"
        }
    return out


def test_a_provider_with_many_instances_places_run_task_on_them_only(ecs: Any) -> None:
    # 150 instance ids would not fit a memberOf expression (ECS caps them at 2,000 characters)
    big_provider(ecs, 150)
    members = provider_instances(ecs)
    assert len(members) == 150
    out = ecs.run_task(
        cluster="c",
        taskDefinition="e",
        count=10,
        capacityProviderStrategy=STRATEGY,
        placementStrategy=[{"type": "spread", "field": "instanceId"}],
    )
    assert out["failures"] == []
    placed = {t["containerInstanceArn"] for t in out["tasks"]}
    assert len(placed) == 10  # spread: ten different instances, all the group's
    assert placed <= members
    assert {t["capacityProviderName"] for t in out["tasks"]} == {"big-cp"}


def test_a_service_on_a_provider_with_many_instances_places_on_them_only(ecs: Any) -> None:
    big_provider(ecs, 120)
    members = provider_instances(ecs)
    ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="e",
        desiredCount=30,
        capacityProviderStrategy=STRATEGY,
    )
    ecs.advance(5)
    arns = ecs.list_tasks(cluster="c", serviceName="s")["taskArns"]
    tasks = ecs.describe_tasks(cluster="c", tasks=arns)["tasks"]
    assert len(tasks) == 30
    assert {t["containerInstanceArn"] for t in tasks} <= members


def _index(n: int) -> placement.ClusterIndex:
    """A placement index over ``n`` fresh instances (instance ``i`` has id ``i<i>``)."""
    from ecsedu.model import container_instance as ci_mod

    index = placement.ClusterIndex()
    for i in range(n):
        index.add(
            ci_mod.ContainerInstance(
                arn=f"arn:i{i}",
                id=f"i{i}",
                cluster_arn="arn:c",
                ec2_instance_id=f"i-{i:017x}",
                registered_cpu=1024,
                registered_memory=1024,
                registered_at=0.0,
                attributes={},
                remaining_cpu=1024,
                remaining_memory=1024,
            )
        )
    return index


def test_members_reject_the_others_as_a_member_of_constraint() -> None:
    index = _index(4)
    members = np.array([False, True, False, True])
    request = placement.PlacementRequest(
        cpu=512, memory=512, group="g", strategies=(("binpack", "memory"),), members=members
    )
    decision = placement.place(index, request, random.Random(0))
    assert decision.instance == 1
    assert decision.candidates == 2
    assert decision.reasons == {
        "i0": "MemberOf placement constraint unsatisfied.",
        "i1": "FITS",
        "i2": "MemberOf placement constraint unsatisfied.",
        "i3": "FITS",
    }
    assert placement.fits(index, 0, request) == "MemberOf placement constraint unsatisfied."
    assert placement.fits(index, 3, request) is None
    # a resource failure comes first, as it does for a memberOf expression
    too_big = placement.PlacementRequest(cpu=2048, memory=512, group="g", members=members)
    assert placement.fits(index, 0, too_big) == "RESOURCE:CPU"
    none_fit = placement.place(index, too_big, random.Random(0))
    assert none_fit.instance is None
    assert none_fit.rejected == {"RESOURCE:CPU": 4}


def test_members_on_a_big_cluster_count_the_others_as_constraint_failures() -> None:
    index = _index(100)  # past the explain limit: counts per reason, no per-instance story
    members = np.zeros(100, dtype=bool)
    members[[7, 42]] = True
    request = placement.PlacementRequest(cpu=512, memory=512, group="g", members=members)
    batch = placement.Batch(index, request, random.Random(0), explain_limit=64)
    decision = batch.next()
    assert decision.instance in (7, 42)
    assert decision.candidates == 2
    assert decision.rejected == {"MemberOf placement constraint unsatisfied.": 98}
