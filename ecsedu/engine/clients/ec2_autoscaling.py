"""The EC2 Auto Scaling client: ``ecs.ec2_autoscaling``, shaped like
``boto3.client("autoscaling")``, over the same engine as the ECS client.

Validated against botocore's own model of ``autoscaling``; paginators and waiters come from
botocore. (``ecs.autoscaling`` is Application Auto Scaling, which scales services; this one
scales the EC2 instances of Auto Scaling groups, the capacity behind capacity providers.)
"""

from __future__ import annotations

from ecsedu.engine.api import ec2_autoscaling as api
from ecsedu.engine.clients.base import AwsClient, operation

__all__ = ["Ec2AutoScalingClient"]


class Ec2AutoScalingClient(AwsClient):
    """EC2 Auto Scaling groups (``ecs.ec2_autoscaling``)."""

    service = "autoscaling"

    create_auto_scaling_group = operation("CreateAutoScalingGroup", api.create_auto_scaling_group)
    describe_auto_scaling_groups = operation(
        "DescribeAutoScalingGroups", api.describe_auto_scaling_groups
    )
    update_auto_scaling_group = operation("UpdateAutoScalingGroup", api.update_auto_scaling_group)
    set_desired_capacity = operation("SetDesiredCapacity", api.set_desired_capacity)
    set_instance_protection = operation("SetInstanceProtection", api.set_instance_protection)
    delete_auto_scaling_group = operation("DeleteAutoScalingGroup", api.delete_auto_scaling_group)
