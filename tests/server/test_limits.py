"""Per-learner limits answer with AWS-style errors, and the server keeps serving."""

from __future__ import annotations

import urllib.request

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.server.conftest import start_server

INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048},
]
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    served = start_server(
        tmp_path_factory.mktemp("tight"),
        "--learners",
        "2",
        "--rate",
        "2",
        "--burst",
        "30",
        "--max-instances",
        "2",
        "--max-tasks",
        "3",
        "--max-memory",
        "5000",
    )
    yield served
    served.stop()


def test_resource_limits(tight):
    ecs = tight.ecs(0, config=NO_RETRY)
    ecs.create_cluster(clusterName="c")
    ecs.register_container_instance(cluster="c", totalResources=INSTANCE)
    ecs.register_container_instance(cluster="c", totalResources=INSTANCE)
    with pytest.raises(ecs.exceptions.LimitExceededException) as err:
        ecs.register_container_instance(cluster="c", totalResources=INSTANCE)
    assert "at most 2 container instances" in err.value.response["Error"]["Message"]
    assert len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == 2
    ecs.register_task_definition(
        family="t", containerDefinitions=[{"name": "c", "image": "busybox", "memory": 32}]
    )
    ecs.run_task(cluster="c", taskDefinition="t", count=2)
    with pytest.raises(ecs.exceptions.LimitExceededException):
        ecs.run_task(cluster="c", taskDefinition="t", count=2)
    with pytest.raises(ecs.exceptions.LimitExceededException):
        ecs.create_service(cluster="c", serviceName="s", taskDefinition="t", desiredCount=5)
    assert len(ecs.list_tasks(cluster="c")["taskArns"]) == 2
    # the other learner is not affected by this one's usage
    other = tight.ecs(1, config=NO_RETRY)
    other.create_cluster(clusterName="c")
    assert other.register_container_instance(cluster="c", totalResources=INSTANCE)


def test_memory_limit(tight):
    ecs = tight.ecs(1, config=NO_RETRY)
    ecs.create_cluster(clusterName="m")
    big = [INSTANCE[0], {"name": "MEMORY", "type": "INTEGER", "integerValue": 4000}]
    with pytest.raises(ecs.exceptions.LimitExceededException) as err:
        ecs.register_container_instance(cluster="m", totalResources=big)
    assert "MiB" in err.value.response["Error"]["Message"]


def test_request_rate(tight):
    ecs = tight.ecs(0, config=NO_RETRY)
    codes = []
    for _ in range(60):
        try:
            ecs.list_clusters()
            codes.append("ok")
        except ClientError as err:
            codes.append(err.response["Error"]["Code"])
            assert err.response["Error"]["Message"] == "Rate exceeded"
    assert "ThrottlingException" in codes
    with urllib.request.urlopen(tight.url + "/_ecsedu/health", timeout=5) as resp:
        assert resp.status == 200


def _asg(served, who=0):
    import boto3

    learner = served.learners[who]
    return boto3.client(
        "autoscaling",
        endpoint_url=served.url,
        region_name="us-east-1",
        aws_access_key_id=learner.access_key_id,
        aws_secret_access_key=learner.secret_access_key,
        config=NO_RETRY,
    )


def _policy(instance_type):
    return {
        "LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateName": "ecs-lt"},
            "Overrides": [{"InstanceType": instance_type}],
        }
    }


def test_auto_scaling_groups_count_as_their_max_size(tmp_path):
    """A group launches instances by itself: its MaxSize counts against the instance limit
    from the start."""
    served = start_server(
        tmp_path, "--learners", "1", "--rate", "1000", "--burst", "1000",
        "--max-instances", "3",
    )  # fmt: skip
    try:
        asg, ecs = _asg(served), served.ecs(0, config=NO_RETRY)
        with pytest.raises(asg.exceptions.LimitExceededFault) as err:
            asg.create_auto_scaling_group(
                AutoScalingGroupName="big", MinSize=0, MaxSize=4,
                MixedInstancesPolicy=_policy("t3.micro"),
            )  # fmt: skip
        assert err.value.response["Error"] == {
            "Type": "Sender",
            "Code": "LimitExceeded",
            "Message": "The limit for the resource was exceeded: this classroom account may "
            "have at most 3 container instances (an Auto Scaling group counts as its MaxSize).",
        }
        assert asg.describe_auto_scaling_groups()["AutoScalingGroups"] == []
        asg.create_auto_scaling_group(
            AutoScalingGroupName="ok", MinSize=0, MaxSize=2, DesiredCapacity=0,
            MixedInstancesPolicy=_policy("t3.micro"),
        )  # fmt: skip
        ecs.create_cluster(clusterName="c")
        ecs.register_container_instance(cluster="c", totalResources=INSTANCE)
        # 2 reserved by the group + 1 registered: no room for another
        with pytest.raises(ecs.exceptions.LimitExceededException):
            ecs.register_container_instance(cluster="c", totalResources=INSTANCE)
        with pytest.raises(asg.exceptions.LimitExceededFault):
            asg.update_auto_scaling_group(AutoScalingGroupName="ok", MaxSize=3)
        found = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["ok"])
        assert found["AutoScalingGroups"][0]["MaxSize"] == 2
        # within the reservation, the group works as usual
        asg.set_desired_capacity(AutoScalingGroupName="ok", DesiredCapacity=2)
        asg.update_auto_scaling_group(AutoScalingGroupName="ok", MaxSize=1, DesiredCapacity=1)
        # a group that does not exist gets the service's own error
        with pytest.raises(asg.exceptions.ClientError) as err:
            asg.update_auto_scaling_group(AutoScalingGroupName="nope", MaxSize=99)
        assert err.value.response["Error"]["Code"] == "ValidationError"
    finally:
        served.stop()
