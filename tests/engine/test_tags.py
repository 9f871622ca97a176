"""TagResource, UntagResource and ListTagsForResource on capacity providers and task sets (the
other resources are covered in test_control_plane.py), with the errors other resources get."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu

ARN = "arn:aws:ecs:us-east-1:123456789012:"
OTHER = "arn:aws:ecs:us-east-1:210987654321:"
TAG = [{"key": "team", "value": "red"}]
NOT_FOUND = "The specified resource could not be found."


def error(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _provider(ecs: Any, name: str = "cp1", **extra: Any) -> str:
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"asg-{name}",
        MinSize=0,
        MaxSize=2,
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "ecs-lt"}}
        },
    )
    group = ecs.ec2_autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"asg-{name}"])
    arn: str = ecs.create_capacity_provider(
        name=name,
        autoScalingGroupProvider={
            "autoScalingGroupArn": group["AutoScalingGroups"][0]["AutoScalingGroupARN"]
        },
        **extra,
    )["capacityProvider"]["capacityProviderArn"]
    return arn


def _task_set(ecs: Any, **extra: Any) -> str:
    ecs.create_cluster(clusterName="c")
    ecs.register_task_definition(
        family="app", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}]
    )
    ecs.create_service(
        cluster="c", serviceName="ext", desiredCount=0, deploymentController={"type": "EXTERNAL"}
    )
    arn: str = ecs.create_task_set(
        cluster="c", service="ext", taskDefinition="app", launchType="EC2", **extra
    )["taskSet"]["taskSetArn"]
    return arn


def _round_trip(ecs: Any, arn: str) -> None:
    ecs.tag_resource(
        resourceArn=arn, tags=[{"key": "team", "value": "a"}, {"key": "env", "value": "x"}]
    )
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "b"}])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "env", "value": "x"},
        {"key": "team", "value": "b"},
    ]
    ecs.untag_resource(resourceArn=arn, tagKeys=["env", "absent"])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "b"}]


def test_capacity_providers_take_tags() -> None:
    ecs = ecsedu.connect()
    arn = _provider(ecs, tags=[{"key": "made", "value": "at-create"}])
    assert arn == f"{ARN}capacity-provider/cp1"
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "made", "value": "at-create"}
    ]
    ecs.untag_resource(resourceArn=arn, tagKeys=["made"])
    _round_trip(ecs, arn)
    found = ecs.describe_capacity_providers(capacityProviders=["cp1"], include=["TAGS"])
    assert found["capacityProviders"][0]["tags"] == [{"key": "team", "value": "b"}]


def test_task_sets_take_tags() -> None:
    ecs = ecsedu.connect()
    arn = _task_set(ecs, tags=[{"key": "made", "value": "at-create"}])
    assert arn.startswith(f"{ARN}task-set/c/ext/ecs-svc/")
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "made", "value": "at-create"}
    ]
    ecs.untag_resource(resourceArn=arn, tagKeys=["made"])
    _round_trip(ecs, arn)
    found = ecs.describe_task_sets(cluster="c", service="ext", include=["TAGS"])
    assert found["taskSets"][0]["tags"] == [{"key": "team", "value": "b"}]


def test_tags_survive_save_and_load(tmp_path: Path) -> None:
    ecs = ecsedu.connect()
    provider, task_set = _provider(ecs), _task_set(ecs)
    ecs.tag_resource(resourceArn=provider, tags=TAG)
    ecs.tag_resource(resourceArn=task_set, tags=[{"key": "colour", "value": "blue"}])
    ecs.save(tmp_path / "state.json")
    again = ecsedu.connect(state=tmp_path / "state.json")
    assert again.list_tags_for_resource(resourceArn=provider)["tags"] == TAG
    assert again.list_tags_for_resource(resourceArn=task_set)["tags"] == [
        {"key": "colour", "value": "blue"}
    ]


def _missing(ecs: Any, arn: str) -> None:
    """Not there: ResourceNotFoundException, and InvalidParameterException from
    ListTagsForResource (which does not model ResourceNotFoundException), as for a cluster."""
    assert error(lambda: ecs.tag_resource(resourceArn=arn, tags=TAG)) == (
        "ResourceNotFoundException",
        NOT_FOUND,
    )
    assert error(lambda: ecs.untag_resource(resourceArn=arn, tagKeys=["team"])) == (
        "ResourceNotFoundException",
        NOT_FOUND,
    )
    assert error(lambda: ecs.list_tags_for_resource(resourceArn=arn)) == (
        "InvalidParameterException",
        NOT_FOUND,
    )


def test_missing_capacity_providers_and_task_sets_get_the_usual_errors() -> None:
    ecs = ecsedu.connect()
    ghost_cluster = f"{ARN}cluster/ghost"
    expected = error(lambda: ecs.tag_resource(resourceArn=ghost_cluster, tags=TAG))
    assert expected == ("ResourceNotFoundException", NOT_FOUND)
    provider = _provider(ecs)
    task_set = _task_set(ecs)
    _missing(ecs, f"{ARN}capacity-provider/ghost")
    _missing(ecs, f"{OTHER}capacity-provider/cp1")  # same name, another account
    _missing(ecs, f"{ARN}capacity-provider/FARGATE")  # built in, AWS's own
    _missing(ecs, task_set.rsplit("/", 1)[0] + "/1234567890123456789")
    _missing(ecs, task_set.replace(ARN, OTHER))
    _missing(ecs, task_set.replace("/ext/", "/nope/"))
    # a deleted provider's tags go with it
    ecs.tag_resource(resourceArn=provider, tags=TAG)
    assert (
        ecs.delete_capacity_provider(capacityProvider="cp1")["capacityProvider"]["updateStatus"]
        == "DELETE_COMPLETE"
    )
    _missing(ecs, provider)
    # a deleted task set's too, once it has drained (DRAINING, it is still there)
    ecs.delete_task_set(cluster="c", service="ext", taskSet=task_set, force=True)
    ecs.tag_resource(resourceArn=task_set, tags=TAG)
    ecs.advance(300)
    assert ecs.describe_task_sets(cluster="c", service="ext")["taskSets"] == []
    _missing(ecs, task_set)


@pytest.mark.parametrize(
    "arn",
    [
        f"{ARN}capacity-provider/",  # no name
        f"{ARN}task-set/c/ext",  # not a task set's path
        f"{ARN}cluster/a/b",  # as a malformed ARN of the older kinds
    ],
)
def test_malformed_arns_are_not_found(arn: str) -> None:
    _missing(ecsedu.connect(), arn)


def test_other_kinds_are_still_refused() -> None:
    ecs = ecsedu.connect()
    for arn in (f"{ARN}service-deployment/c/s/abc", "nonsense"):
        assert error(lambda arn=arn: ecs.tag_resource(resourceArn=arn, tags=TAG)) == (
            "InvalidParameterException",
            "The ARN provided is invalid.",
        )
