"""The Elastic Load Balancing v2 client (``ecs.elbv2``), shaped like ``boto3.client("elbv2")``.

Requests are validated against botocore's model of elbv2; errors are that service's
``ClientError`` subclasses (``ecs.elbv2.exceptions.TargetGroupNotFoundException`` ...) with
ELB's codes and messages. The operations live in ``ecsedu.engine.api.elbv2``.

Beyond boto3 (ecsedu only): ``default_vpc_id`` and ``default_subnet_ids``, the account's one VPC
that container instances live in (ecsedu does not model EC2).
"""

from __future__ import annotations

from ecsedu.engine.api import elbv2 as api
from ecsedu.engine.clients.base import AwsClient, operation
from ecsedu.engine.controllers import loadbalancing as lb_mod

__all__ = ["Elbv2Client"]


class Elbv2Client(AwsClient):
    """Application Load Balancers, target groups and target health over one engine."""

    service = "elbv2"

    #: Teaching helpers: the default VPC and its subnets (one per Availability Zone).
    default_vpc_id = lb_mod.DEFAULT_VPC
    default_subnet_ids = tuple(lb_mod.DEFAULT_SUBNETS)

    create_load_balancer = operation("CreateLoadBalancer", api.create_load_balancer)
    describe_load_balancers = operation("DescribeLoadBalancers", api.describe_load_balancers)
    delete_load_balancer = operation("DeleteLoadBalancer", api.delete_load_balancer)
    create_target_group = operation("CreateTargetGroup", api.create_target_group)
    describe_target_groups = operation("DescribeTargetGroups", api.describe_target_groups)
    delete_target_group = operation("DeleteTargetGroup", api.delete_target_group)
    describe_target_group_attributes = operation(
        "DescribeTargetGroupAttributes", api.describe_target_group_attributes
    )
    modify_target_group_attributes = operation(
        "ModifyTargetGroupAttributes", api.modify_target_group_attributes
    )
    create_listener = operation("CreateListener", api.create_listener)
    describe_listeners = operation("DescribeListeners", api.describe_listeners)
    modify_listener = operation("ModifyListener", api.modify_listener)
    delete_listener = operation("DeleteListener", api.delete_listener)
    register_targets = operation("RegisterTargets", api.register_targets)
    deregister_targets = operation("DeregisterTargets", api.deregister_targets)
    describe_target_health = operation("DescribeTargetHealth", api.describe_target_health)
