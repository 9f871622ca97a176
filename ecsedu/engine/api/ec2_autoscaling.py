"""EC2 Auto Scaling groups, like ``boto3.client("autoscaling")`` (``ecs.ec2_autoscaling``).

CreateAutoScalingGroup, DescribeAutoScalingGroups, UpdateAutoScalingGroup, SetDesiredCapacity,
SetInstanceProtection and DeleteAutoScalingGroup. Requests are checked against botocore's model
of ``autoscaling`` first, then against Auto Scaling's rules with its error codes
(``ValidationError``, ``AlreadyExists``, ``ResourceInUse``). The instances a group launches
are modelled by ``controllers/cluster_autoscaling.py``.

**Instance size.** Each instance registers the CPU and memory of its instance type: the
``InstanceType`` of the first ``MixedInstancesPolicy`` override (a launch template or launch
configuration cannot be read, so their instance type is unknown) looked up in
``INSTANCE_TYPES``; without one, ``DEFAULT_SIZE`` (2048 CPU units, 4096 MiB: a t3.medium).
"""

from __future__ import annotations

import base64
import copy
from typing import TYPE_CHECKING, Any

from ecsedu import errors
from ecsedu.engine import describe
from ecsedu.engine.clients.base import check_request
from ecsedu.engine.controllers import cluster_autoscaling as ctl
from ecsedu.model import capacity_provider as cp_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

__all__ = [
    "DEFAULT_SIZE",
    "INSTANCE_TYPES",
    "create_auto_scaling_group",
    "delete_auto_scaling_group",
    "describe_auto_scaling_groups",
    "set_desired_capacity",
    "set_instance_protection",
    "update_auto_scaling_group",
]

SERVICE = "autoscaling"
#: (CPU units, MiB) an instance of each type registers: 1024 units per vCPU, the type's memory
#: (the agent's own reservation is not subtracted).
INSTANCE_TYPES: dict[str, tuple[int, int]] = {
    "t3.micro": (2048, 1024),
    "t3.small": (2048, 2048),
    "t3.medium": (2048, 4096),
    "t3.large": (2048, 8192),
    "t3.xlarge": (4096, 16384),
    "t3.2xlarge": (8192, 32768),
    "m5.large": (2048, 8192),
    "m5.xlarge": (4096, 16384),
    "m5.2xlarge": (8192, 32768),
    "c5.large": (2048, 4096),
    "c5.xlarge": (4096, 8192),
    "c5.2xlarge": (8192, 16384),
    "r5.large": (2048, 16384),
    "r5.xlarge": (4096, 32768),
}
DEFAULT_SIZE = (2048, 4096)
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def _error(code: str, message: str, op: str) -> errors.ClientError:
    return errors.service_error(SERVICE, code, message, op)


def _validation(message: str, op: str) -> errors.ClientError:
    return _error("ValidationError", message, op)


def _group(engine: Engine, name: str, op: str) -> cp_mod.AutoScalingGroup:
    g = engine.store.auto_scaling_groups.get(name)
    if g is None:
        # recalled from AWS output; not verified against a source here
        raise _validation(
            f"AutoScalingGroup name not found - AutoScalingGroup {name} not found", op
        )
    return g


def _instance_type(params: dict[str, Any]) -> str | None:
    mixed = params.get("MixedInstancesPolicy") or {}
    for override in (mixed.get("LaunchTemplate") or {}).get("Overrides") or []:
        if override.get("InstanceType"):
            return str(override["InstanceType"])
    return None


def _bounds(min_size: int, max_size: int, desired: int, op: str) -> None:
    if min_size > max_size:
        raise _validation(
            f"Max bound, {max_size}, must be greater than or equal to min bound, {min_size}", op
        )
    if not min_size <= desired <= max_size:
        raise _validation(
            f"Desired capacity:{desired} must be between the specified min size:{min_size} and "
            f"max size:{max_size}",
            op,
        )


def create_auto_scaling_group(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "CreateAutoScalingGroup"
    check_request(SERVICE, op, params)
    name = str(params["AutoScalingGroupName"])
    if name in engine.store.auto_scaling_groups:
        raise _error(
            "AlreadyExists",
            f"AutoScalingGroup by this name already exists - A group with the name {name} "
            "already exists",
            op,
        )
    if not any(
        params.get(k)
        for k in ("LaunchTemplate", "LaunchConfigurationName", "MixedInstancesPolicy", "InstanceId")
    ):
        raise _validation(
            "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, "
            "InstanceId or MixedInstancesPolicy parameter.",
            op,
        )
    min_size, max_size = int(params["MinSize"]), int(params["MaxSize"])
    desired = int(params.get("DesiredCapacity", min_size))
    _bounds(min_size, max_size, desired, op)
    itype = _instance_type(params)
    cpu, memory = INSTANCE_TYPES.get(itype or "", DEFAULT_SIZE)
    g = cp_mod.AutoScalingGroup(
        arn=ctl.group_arn(engine, name),
        name=name,
        min_size=min_size,
        max_size=max_size,
        desired_capacity=desired,
        instance_cpu=cpu,
        instance_memory=memory,
        created_at=engine.clock.now,
        tags=[
            {
                "ResourceId": name,
                "ResourceType": "auto-scaling-group",
                "Key": t["Key"],
                "Value": t.get("Value", ""),
                "PropagateAtLaunch": "true" if t.get("PropagateAtLaunch") else "false",
            }
            for t in params.get("Tags", [])
        ],
        instance_type=itype,
        new_instances_protected=bool(params.get("NewInstancesProtectedFromScaleIn", False)),
        launch={
            k: copy.deepcopy(params[k])
            for k in ("LaunchTemplate", "LaunchConfigurationName", "MixedInstancesPolicy")
            if k in params
        },
        extra={
            "DefaultCooldown": int(params.get("DefaultCooldown", 300)),
            "HealthCheckGracePeriod": int(params.get("HealthCheckGracePeriod", 0)),
            "HealthCheckType": str(params.get("HealthCheckType", "EC2")),
            "AvailabilityZones": list(params.get("AvailabilityZones") or AZS),
            "VPCZoneIdentifier": str(params.get("VPCZoneIdentifier", "")),
        },
    )
    engine.store.auto_scaling_groups[name] = g
    engine.store.record(ctl.EV.API_CALL, f"Auto Scaling group {name} created", subject=g.arn)
    ctl.reconcile_group(engine, g)
    return {}


def _describe_instance(g: cp_mod.AutoScalingGroup, m: cp_mod.AsgInstance, i: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "InstanceId": m.instance_id,
        "InstanceType": g.instance_type or "t3.medium",
        "AvailabilityZone": AZS[i % len(AZS)],
        "LifecycleState": m.lifecycle_state,
        "HealthStatus": "Healthy",
        "ProtectedFromScaleIn": m.protected,
    }
    if "LaunchTemplate" in g.launch:
        out["LaunchTemplate"] = copy.deepcopy(g.launch["LaunchTemplate"])
    if "LaunchConfigurationName" in g.launch:
        out["LaunchConfigurationName"] = g.launch["LaunchConfigurationName"]
    return out


def describe_group(g: cp_mod.AutoScalingGroup) -> dict[str, Any]:
    extra = g.extra
    out: dict[str, Any] = {
        "AutoScalingGroupName": g.name,
        "AutoScalingGroupARN": g.arn,
        **copy.deepcopy(g.launch),
        "MinSize": g.min_size,
        "MaxSize": g.max_size,
        "DesiredCapacity": g.desired_capacity,
        "DefaultCooldown": int(extra.get("DefaultCooldown", 300)),
        "AvailabilityZones": list(extra.get("AvailabilityZones", AZS)),
        "LoadBalancerNames": [],
        "TargetGroupARNs": [],
        "HealthCheckType": str(extra.get("HealthCheckType", "EC2")),
        "HealthCheckGracePeriod": int(extra.get("HealthCheckGracePeriod", 0)),
        "Instances": [_describe_instance(g, m, i) for i, m in enumerate(g.members.values())],
        "CreatedTime": describe.timestamp(g.created_at),
        "SuspendedProcesses": [],
        "VPCZoneIdentifier": str(extra.get("VPCZoneIdentifier", "")),
        "EnabledMetrics": [],
        "Tags": [dict(t, PropagateAtLaunch=t.get("PropagateAtLaunch") == "true") for t in g.tags],
        "TerminationPolicies": ["Default"],
        "NewInstancesProtectedFromScaleIn": g.new_instances_protected,
        "ServiceLinkedRoleARN": (
            "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/"
            "AWSServiceRoleForAutoScaling"
        ),
    }
    return out


def describe_auto_scaling_groups(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DescribeAutoScalingGroups"
    check_request(SERVICE, op, params)
    names = params.get("AutoScalingGroupNames")
    groups = [g for g in engine.store.auto_scaling_groups.values() if not names or g.name in names]
    limit = int(params.get("MaxRecords") or 50)
    if not 1 <= limit <= 100:
        raise _validation("MaxRecords must be between 1 and 100.", op)  # our wording
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise _error("InvalidNextToken", "The token is invalid.", op) from None  # ours
    out: dict[str, Any] = {
        "AutoScalingGroups": [describe_group(g) for g in groups[start : start + limit]]
    }
    if start + limit < len(groups):
        out["NextToken"] = base64.b64encode(str(start + limit).encode()).decode()
    return out


def update_auto_scaling_group(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "UpdateAutoScalingGroup"
    check_request(SERVICE, op, params)
    g = _group(engine, str(params["AutoScalingGroupName"]), op)
    min_size = int(params.get("MinSize", g.min_size))
    max_size = int(params.get("MaxSize", g.max_size))
    desired = params.get("DesiredCapacity")
    if desired is None:
        # Auto Scaling moves the desired capacity into new bounds
        desired_n = max(min_size, min(max_size, g.desired_capacity))
    else:
        desired_n = int(desired)
    _bounds(min_size, max_size, desired_n, op)
    g.min_size, g.max_size = min_size, max_size
    if "NewInstancesProtectedFromScaleIn" in params:
        g.new_instances_protected = bool(params["NewInstancesProtectedFromScaleIn"])
    for key in ("LaunchTemplate", "LaunchConfigurationName", "MixedInstancesPolicy"):
        if key in params:
            g.launch = {key: copy.deepcopy(params[key])}
    if "MixedInstancesPolicy" in params:
        itype = _instance_type(params)
        g.instance_type = itype
        g.instance_cpu, g.instance_memory = INSTANCE_TYPES.get(itype or "", DEFAULT_SIZE)
    for key in ("DefaultCooldown", "HealthCheckGracePeriod"):
        if key in params:
            g.extra[key] = int(params[key])
    ctl.set_desired(engine, g, desired_n, "UpdateAutoScalingGroup")  # ours
    return {}


def set_desired_capacity(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "SetDesiredCapacity"
    check_request(SERVICE, op, params)
    g = _group(engine, str(params["AutoScalingGroupName"]), op)
    desired = int(params["DesiredCapacity"])
    if desired > g.max_size:
        raise _validation(
            f"New SetDesiredCapacity value {desired} is above max value {g.max_size} for the "
            "AutoScalingGroup.",
            op,
        )
    if desired < g.min_size:
        raise _validation(
            f"New SetDesiredCapacity value {desired} is below min value {g.min_size} for the "
            "AutoScalingGroup.",
            op,
        )
    ctl.set_desired(engine, g, desired, "SetDesiredCapacity")  # ours
    return {}


def set_instance_protection(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "SetInstanceProtection"
    check_request(SERVICE, op, params)
    g = _group(engine, str(params["AutoScalingGroupName"]), op)
    ids = [str(i) for i in params["InstanceIds"]]
    if len(ids) > 50:
        raise _error("LimitExceeded", "You can protect at most 50 instances at a time.", op)  # ours
    for iid in ids:
        if iid not in g.members:
            raise _validation(
                f"The instance {iid} is not part of Auto Scaling group {g.name}.",  # our wording
                op,
            )
    for iid in ids:
        ctl.set_protection(g, g.members[iid], bool(params["ProtectedFromScaleIn"]))
    return {}


def delete_auto_scaling_group(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DeleteAutoScalingGroup"
    check_request(SERVICE, op, params)
    g = _group(engine, str(params["AutoScalingGroupName"]), op)
    if g.members and not params.get("ForceDelete"):
        raise _error(
            "ResourceInUse",
            "You cannot delete an AutoScalingGroup while there are instances or pending Spot "
            "instance request(s) still in the group.",
            op,
        )
    for m in list(g.members.values()):
        m.lifecycle_state = "Terminating"
        ctl.remove(engine, g, m)
    del engine.store.auto_scaling_groups[g.name]
    engine.store.record(ctl.EV.API_CALL, f"Auto Scaling group {g.name} deleted", subject=g.arn)
    return {}
