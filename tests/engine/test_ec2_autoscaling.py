"""``ecs.ec2_autoscaling``: EC2 Auto Scaling groups shaped like ``boto3.client("autoscaling")``."""

from __future__ import annotations

import datetime
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError, ParamValidationError

import ecsedu
from ecsedu.engine.controllers import cluster_autoscaling as cas

MODEL = botocore.session.get_session().get_service_model("autoscaling")
LT = {"LaunchTemplateName": "ecs-template"}


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=2)
    yield client
    client.close()


def create(ecs: Any, name: str = "g", **kw: Any) -> None:
    params = {"MinSize": 0, "MaxSize": 3, "LaunchTemplate": LT, **kw}
    ecs.ec2_autoscaling.create_auto_scaling_group(AutoScalingGroupName=name, **params)


def describe(ecs: Any, name: str = "g") -> dict[str, Any]:
    groups = ecs.ec2_autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    out: dict[str, Any] = groups["AutoScalingGroups"][0]
    return out


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    e = exc.value.response["Error"]
    return e["Code"], e["Message"]


def shape_problems(value: Any, shape: Any, path: str = "") -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        out = [f"{path}.{k}: unknown" for k in value if k not in shape.members]
        for k, v in value.items():
            if k in shape.members:
                out += shape_problems(v, shape.members[k], f"{path}.{k}")
        return out
    if kind == "list":
        return [p for i, v in enumerate(value) for p in shape_problems(v, shape.member, f"{i}")]
    types = {
        "string": str,
        "integer": int,
        "boolean": bool,
        "timestamp": datetime.datetime,
    }
    return [] if isinstance(value, types.get(kind, object)) else [f"{path}: not {kind}"]


def test_the_client_is_botocore_shaped(ecs: Any) -> None:
    asg = ecs.ec2_autoscaling
    assert asg is ecs.ec2_autoscaling  # one per engine
    assert asg.meta.service_model.service_name == "autoscaling"
    assert asg.can_paginate("describe_auto_scaling_groups")
    with pytest.raises(ParamValidationError):
        asg.create_auto_scaling_group(AutoScalingGroupName="g", MinSize=0)  # MaxSize missing


def test_create_and_describe(ecs: Any) -> None:
    create(ecs, DesiredCapacity=2, Tags=[{"Key": "team", "Value": "a", "PropagateAtLaunch": True}])
    g = describe(ecs)
    assert shape_problems(g, MODEL.shape_for("AutoScalingGroup")) == []
    assert g["AutoScalingGroupARN"].startswith(
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:"
    )
    assert g["AutoScalingGroupARN"].endswith(":autoScalingGroupName/g")
    assert (g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) == (0, 3, 2)
    assert [i["LifecycleState"] for i in g["Instances"]] == ["Pending", "Pending"]
    assert g["Tags"][0]["PropagateAtLaunch"] is True
    ecs.advance(cas.BOOT_SECONDS)
    assert [i["LifecycleState"] for i in describe(ecs)["Instances"]] == ["InService"] * 2


def test_create_errors(ecs: Any) -> None:
    asg = ecs.ec2_autoscaling
    create(ecs)
    with pytest.raises(ClientError) as exc:
        create(ecs)
    assert error(exc) == (
        "AlreadyExists",
        "AutoScalingGroup by this name already exists - A group with the name g already exists",
    )
    with pytest.raises(ClientError) as exc:
        asg.create_auto_scaling_group(AutoScalingGroupName="h", MinSize=0, MaxSize=1)
    assert error(exc) == (
        "ValidationError",
        "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, "
        "InstanceId or MixedInstancesPolicy parameter.",
    )
    with pytest.raises(ClientError) as exc:
        create(ecs, "h", MinSize=2, MaxSize=1)
    assert error(exc) == (
        "ValidationError",
        "Max bound, 1, must be greater than or equal to min bound, 2",
    )
    with pytest.raises(ClientError) as exc:
        create(ecs, "h", DesiredCapacity=5)
    assert error(exc) == (
        "ValidationError",
        "Desired capacity:5 must be between the specified min size:0 and max size:3",
    )
    assert [
        g["AutoScalingGroupName"] for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]
    ] == ["g"]


def test_instance_type_from_a_mixed_instances_policy(ecs: Any) -> None:
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="big",
        MinSize=0,
        MaxSize=2,
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": LT,
                "Overrides": [{"InstanceType": "c5.xlarge"}],
            }
        },
    )
    g = ecs.store.auto_scaling_groups["big"]
    assert (g.instance_cpu, g.instance_memory, g.instance_type) == (4096, 8192, "c5.xlarge")
    create(ecs, "plain")
    plain = ecs.store.auto_scaling_groups["plain"]
    assert (plain.instance_cpu, plain.instance_memory) == (2048, 4096)


def test_set_desired_capacity_bounds_and_scale_in(ecs: Any) -> None:
    asg = ecs.ec2_autoscaling
    create(ecs, DesiredCapacity=3)
    ecs.advance(cas.BOOT_SECONDS)
    with pytest.raises(ClientError) as exc:
        asg.set_desired_capacity(AutoScalingGroupName="g", DesiredCapacity=4)
    assert error(exc) == (
        "ValidationError",
        "New SetDesiredCapacity value 4 is above max value 3 for the AutoScalingGroup.",
    )
    with pytest.raises(ClientError) as exc:
        asg.set_desired_capacity(AutoScalingGroupName="ghost", DesiredCapacity=1)
    assert error(exc)[0] == "ValidationError"
    first = describe(ecs)["Instances"][0]["InstanceId"]
    asg.set_instance_protection(
        AutoScalingGroupName="g", InstanceIds=[first], ProtectedFromScaleIn=True
    )
    asg.set_desired_capacity(AutoScalingGroupName="g", DesiredCapacity=1)
    left = describe(ecs)["Instances"]
    assert [(i["InstanceId"], i["ProtectedFromScaleIn"]) for i in left] == [(first, True)]
    asg.set_desired_capacity(AutoScalingGroupName="g", DesiredCapacity=0)
    assert [i["InstanceId"] for i in describe(ecs)["Instances"]] == [first]  # protected stays


def test_update_moves_desired_into_new_bounds(ecs: Any) -> None:
    create(ecs, DesiredCapacity=3)
    ecs.ec2_autoscaling.update_auto_scaling_group(AutoScalingGroupName="g", MaxSize=2)
    assert describe(ecs)["DesiredCapacity"] == 2
    assert len(describe(ecs)["Instances"]) == 2
    with pytest.raises(ClientError) as exc:
        ecs.ec2_autoscaling.update_auto_scaling_group(AutoScalingGroupName="g", MinSize=3)
    assert error(exc)[0] == "ValidationError"


def test_set_instance_protection_needs_the_groups_instances(ecs: Any) -> None:
    create(ecs, DesiredCapacity=1)
    with pytest.raises(ClientError) as exc:
        ecs.ec2_autoscaling.set_instance_protection(
            AutoScalingGroupName="g", InstanceIds=["i-0000000000000000"], ProtectedFromScaleIn=True
        )
    assert error(exc)[0] == "ValidationError"


def test_delete_needs_force_while_instances_remain(ecs: Any) -> None:
    create(ecs, DesiredCapacity=1)
    with pytest.raises(ClientError) as exc:
        ecs.ec2_autoscaling.delete_auto_scaling_group(AutoScalingGroupName="g")
    assert error(exc) == (
        "ResourceInUse",
        "You cannot delete an AutoScalingGroup while there are instances or pending Spot "
        "instance request(s) still in the group.",
    )
    ecs.ec2_autoscaling.delete_auto_scaling_group(AutoScalingGroupName="g", ForceDelete=True)
    assert ecs.ec2_autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []


def test_instances_join_the_providers_cluster_once_associated(ecs: Any) -> None:
    create(ecs, DesiredCapacity=2)
    ecs.advance(cas.BOOT_SECONDS)
    ecs.create_cluster(clusterName="c")
    assert ecs.list_container_instances(cluster="c")["containerInstanceArns"] == []
    ecs.create_capacity_provider(name="cp", autoScalingGroupProvider={"autoScalingGroupArn": "g"})
    ecs.put_cluster_capacity_providers(
        cluster="c", capacityProviders=["cp"], defaultCapacityProviderStrategy=[]
    )
    arns = ecs.list_container_instances(cluster="c")["containerInstanceArns"]
    described = ecs.describe_container_instances(cluster="c", containerInstances=arns)
    ec2_ids = sorted(i["ec2InstanceId"] for i in described["containerInstances"])
    assert ec2_ids == sorted(i["InstanceId"] for i in describe(ecs)["Instances"])
    assert {i["capacityProviderName"] for i in described["containerInstances"]} == {"cp"}
    assert {
        a["value"]
        for i in described["containerInstances"]
        for a in i["attributes"]
        if a["name"] == "ecs.instance-type"
    } == {"t3.medium"}
    # scale-in deregisters (no tasks: nothing to drain)
    ecs.ec2_autoscaling.set_desired_capacity(AutoScalingGroupName="g", DesiredCapacity=1)
    assert len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == 1
