"""Application Auto Scaling for ECS services, like ``boto3.client("application-autoscaling")``.

Each function takes the engine and boto3's keyword arguments. Requests are first checked against
botocore's own model of the service, then against Application Auto Scaling's rules; errors are
that service's (``ValidationException``, ``ObjectNotFoundException`` ...). Only
``ServiceNamespace="ecs"`` with ``ScalableDimension="ecs:service:DesiredCount"`` is simulated.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import TYPE_CHECKING, Any

from ecsedu import errors, ids
from ecsedu.engine import describe
from ecsedu.engine.clients.base import check_request
from ecsedu.engine.controllers import autoscaling as ctl
from ecsedu.engine.controllers import metrics as metrics_mod
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

SERVICE = "application-autoscaling"
RESOURCE = re.compile(r"^service/([^/]+)/([^/]+)$")
PREDEFINED_TYPES = tuple(ctl.PREDEFINED)


def _error(code: str, message: str, op: str) -> errors.ClientError:
    return errors.service_error(SERVICE, code, message, op)


def _validation(message: str, op: str) -> errors.ClientError:
    return _error("ValidationException", message, op)


def _check(op: str, params: dict[str, Any]) -> None:
    check_request(SERVICE, op, params)


def _no_target(params: dict[str, Any], op: str) -> errors.ClientError:
    # AWS's message (seen in Terraform and Ansible bug reports)
    return _error(
        "ObjectNotFoundException",
        f"No scalable target registered for service namespace: {params['ServiceNamespace']}, "
        f"resource ID: {params['ResourceId']}, scalable dimension: {params['ScalableDimension']}",
        op,
    )


def _ecs_target(engine: Engine, params: dict[str, Any], op: str) -> tuple[str, str, str]:
    """Check the namespace, dimension and resource id; (cluster, service, resource id)."""
    if params["ServiceNamespace"] != "ecs":
        raise _validation(
            f"ecsedu simulates the ecs service namespace only, not {params['ServiceNamespace']!r}",
            op,
        )  # our wording
    if params["ScalableDimension"] != ctl.DIMENSION:
        raise _validation(
            f"Unsupported scalable dimension '{params['ScalableDimension']}' for service "
            "namespace 'ecs'",
            op,
        )  # our wording
    m = RESOURCE.match(params["ResourceId"])
    if m is None:
        raise _validation(
            f"Unsupported resource ID format: {params['ResourceId']}; expected "
            "service/<cluster>/<service>",
            op,
        )  # our wording
    return m.group(1), m.group(2), params["ResourceId"]


def _page(items: list[Any], params: dict[str, Any], key: str, op: str) -> dict[str, Any]:
    limit = int(params.get("MaxResults") or 50)
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise _error("InvalidNextTokenException", "Invalid NextToken", op) from None
    if not 1 <= limit <= 50:
        raise _validation("MaxResults must be between 1 and 50", op)  # our wording
    out: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        out["NextToken"] = base64.b64encode(str(start + limit).encode()).decode()
    return out


def _filter(items: list[Any], params: dict[str, Any]) -> list[Any]:
    ids = params.get("ResourceIds")
    rid = params.get("ResourceId")
    dim = params.get("ScalableDimension")
    return [
        i
        for i in items
        if (not ids or i.resource_id in ids)
        and (rid is None or i.resource_id == rid)
        and (dim is None or dim == ctl.DIMENSION)
    ]


# =========================================================================== targets
def register_scalable_target(engine: Engine, **params: Any) -> dict[str, Any]:
    """Register (or update the bounds of) an ECS service as a scalable target."""
    op = "RegisterScalableTarget"
    _check(op, params)
    cluster, name, rid = _ecs_target(engine, params, op)
    svc = engine.service(cluster, name)
    if svc is None or svc.status != service_mod.ServiceStatus.ACTIVE:
        raise _validation(f"ECS service doesn't exist: {rid}", op)  # our wording
    state = ctl.scaling(engine.store)
    target = state.targets.get(rid)
    lo = params.get("MinCapacity", target.min_capacity if target else None)
    hi = params.get("MaxCapacity", target.max_capacity if target else None)
    if lo is None or hi is None:
        raise _validation(
            "MinCapacity and MaxCapacity are required for registering a new scalable target",
            op,
        )  # our wording
    if lo < 0 or hi < 0:
        raise _validation("Capacity values must be 0 or more", op)  # our wording
    if lo > hi:
        raise _validation(
            f"Minimum capacity cannot be greater than maximum capacity ({lo} > {hi})", op
        )  # our wording
    if target is None:
        target = ctl.ScalableTarget(
            resource_id=rid,
            service_arn=svc.arn,
            min_capacity=lo,
            max_capacity=hi,
            created=engine.clock.now,
            arn=ctl.target_arn(engine),
        )
        state.targets[rid] = target
    target.min_capacity, target.max_capacity = lo, hi
    if "SuspendedState" in params:
        target.suspended.update(params["SuspendedState"])
    svc.min_capacity, svc.max_capacity = lo, hi
    engine.store.touch()
    ctl.ensure(engine)
    ctl.clamp_to_bounds(engine, target)
    return {"ScalableTargetARN": target.arn}


def deregister_scalable_target(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DeregisterScalableTarget"
    _check(op, params)
    _, _, rid = _ecs_target(engine, params, op)
    state = ctl.scaling(engine.store)
    target = state.targets.pop(rid, None)
    if target is None:
        raise _error(
            "ObjectNotFoundException",
            f"No scalable target found for service namespace: ecs, resource ID: {rid}, "
            f"scalable dimension: {ctl.DIMENSION}",
            op,
        )  # our wording
    for key in [k for k in state.policies if k[0] == rid]:
        _drop_policy(engine, state.policies.pop(key))
    svc = engine.store.services.get(target.service_arn)
    if svc is not None:
        svc.min_capacity = svc.max_capacity = None
    engine.store.touch()
    return {}


def describe_scalable_targets(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DescribeScalableTargets"
    _check(op, params)
    if params["ServiceNamespace"] != "ecs":
        return {"ScalableTargets": []}
    state = ctl.scaling(engine.store)
    items = [
        {
            "ServiceNamespace": "ecs",
            "ResourceId": t.resource_id,
            "ScalableDimension": ctl.DIMENSION,
            "MinCapacity": t.min_capacity,
            "MaxCapacity": t.max_capacity,
            "RoleARN": ctl.ROLE_ARN,
            "CreationTime": describe.timestamp(t.created),
            "SuspendedState": {
                "DynamicScalingInSuspended": t.suspended.get("DynamicScalingInSuspended", False),
                "DynamicScalingOutSuspended": t.suspended.get("DynamicScalingOutSuspended", False),
                "ScheduledScalingSuspended": t.suspended.get("ScheduledScalingSuspended", False),
            },
            "ScalableTargetARN": t.arn,
        }
        for t in _filter(list(state.targets.values()), params)
    ]
    return _page(items, params, "ScalableTargets", op)


# =========================================================================== policies
def _tt_config(cfg: dict[str, Any], op: str) -> None:
    pre = cfg.get("PredefinedMetricSpecification")
    custom = cfg.get("CustomizedMetricSpecification")
    if (pre is None) == (custom is None):
        raise _validation(
            "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification "
            "must be specified",
            op,
        )  # our wording
    if pre is not None:
        kind = pre["PredefinedMetricType"]
        if kind not in PREDEFINED_TYPES:
            # AWS's standard constraint wording for an enum (the JSON protocol's validation)
            raise _validation(
                f"1 validation error detected: Value '{kind}' at "
                "'targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification."
                "predefinedMetricType' failed to satisfy constraint: Member must satisfy enum "
                f"value set: [{', '.join(PREDEFINED_TYPES)}]",
                op,
            )
        if kind == "ALBRequestCountPerTarget" and not pre.get("ResourceLabel"):
            raise _validation(
                "ResourceLabel must be specified for the predefined metric type "
                "ALBRequestCountPerTarget",
                op,
            )  # our wording
        if kind != "ALBRequestCountPerTarget" and pre.get("ResourceLabel"):
            raise _validation(
                f"ResourceLabel cannot be specified for the predefined metric type {kind}", op
            )  # our wording
    if custom is not None:
        if custom.get("Metrics"):
            raise _validation(
                "ecsedu supports customized metrics with MetricName, Namespace and Statistic, "
                "not metric math (Metrics)",
                op,
            )  # our wording
        if not (custom.get("MetricName") and custom.get("Namespace")):
            raise _validation(
                "CustomizedMetricSpecification needs MetricName, Namespace and Statistic", op
            )  # our wording
        stat = custom.get("Statistic", "Average")
        if stat not in ("Average", "Minimum", "Maximum", "SampleCount", "Sum"):
            raise _validation(f"Unsupported statistic {stat!r}", op)  # our wording
    value = float(cfg["TargetValue"])
    if not value > 0:
        raise _validation("TargetValue must be greater than 0", op)  # our wording


def _step_config(cfg: dict[str, Any] | None, op: str) -> None:
    if not cfg or not cfg.get("StepAdjustments"):
        raise _validation(
            "StepScalingPolicyConfiguration with at least one StepAdjustment is required for a "
            "StepScaling policy",
            op,
        )  # our wording
    kind = cfg.get("AdjustmentType")
    if kind not in ("ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"):
        raise _validation(
            f"1 validation error detected: Value '{kind}' at 'stepScalingPolicyConfiguration."
            "adjustmentType' failed to satisfy constraint: Member must satisfy enum value set: "
            "[ChangeInCapacity, ExactCapacity, PercentChangeInCapacity]",
            op,
        )


def _owned_alarm(
    engine: Engine,
    policy: ctl.Policy,
    target: ctl.ScalableTarget,
    high: bool,
    cfg: dict[str, Any],
) -> metrics_mod.Alarm:
    namespace, name, dims, stat = ctl.policy_metric(policy, target)
    goal = float(cfg["TargetValue"])
    now = engine.clock.now
    return metrics_mod.Alarm(
        name=f"TargetTracking-{target.resource_id}-Alarm{'High' if high else 'Low'}-"
        f"{ctl.new_uuid(engine)}",
        namespace=namespace,
        metric_name=name,
        dimensions=dims,
        statistic=stat,
        period=60,
        evaluation_periods=3 if high else 15,
        datapoints_to_alarm=3 if high else 15,
        threshold=goal if high else round(goal * 0.9, 6),
        comparison="GreaterThanThreshold" if high else "LessThanThreshold",
        alarm_actions=[policy.arn],
        # AWS's description on the alarms target tracking creates (our recollection)
        description=f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy.arn}.",
        state_updated=now,
        configuration_updated=now,
        owner=policy.arn,
    )


def _drop_policy(engine: Engine, policy: ctl.Policy) -> None:
    cw = metrics_mod.cloudwatch(engine.store)
    for name in policy.alarms:
        cw.alarms.pop(name, None)


def put_scaling_policy(engine: Engine, **params: Any) -> dict[str, Any]:
    """Create or replace a TargetTrackingScaling or StepScaling policy."""
    op = "PutScalingPolicy"
    _check(op, params)
    _, _, rid = _ecs_target(engine, params, op)
    kind = params.get("PolicyType", "StepScaling")
    if kind not in ("TargetTrackingScaling", "StepScaling"):
        raise _validation(
            f"ecsedu simulates TargetTrackingScaling and StepScaling policies, not {kind}", op
        )  # our wording
    if kind == "TargetTrackingScaling":
        cfg = params.get("TargetTrackingScalingPolicyConfiguration")
        if cfg is None:
            raise _validation(
                "TargetTrackingScalingPolicyConfiguration is required for a "
                "TargetTrackingScaling policy",
                op,
            )  # our wording
        _tt_config(cfg, op)
    else:
        cfg = params.get("StepScalingPolicyConfiguration")
        _step_config(cfg, op)
        assert cfg is not None
    state = ctl.scaling(engine.store)
    target = state.targets.get(rid)
    if target is None:
        raise _no_target(params, op)
    name = params["PolicyName"]
    old = state.policies.get((rid, name))
    if old is not None:
        _drop_policy(engine, old)
    policy = ctl.Policy(
        name=name,
        resource_id=rid,
        kind=kind,
        config=copy.deepcopy(cfg),
        arn=old.arn if old is not None else ctl.policy_arn(engine, rid, name),
        created=old.created if old is not None else engine.clock.now,
    )
    out: dict[str, Any] = {"PolicyARN": policy.arn}
    if kind == "TargetTrackingScaling":
        cw = metrics_mod.cloudwatch(engine.store)
        for high in (True, False):
            alarm = _owned_alarm(engine, policy, target, high, cfg)
            cw.alarms[alarm.name] = alarm
            policy.alarms.append(alarm.name)
        out["Alarms"] = [_alarm_ref(n) for n in policy.alarms]
    state.policies[(rid, name)] = policy
    engine.store.touch()
    ctl.ensure(engine)
    return out


def _alarm_ref(name: str) -> dict[str, str]:
    return {
        "AlarmName": name,
        "AlarmARN": f"arn:aws:cloudwatch:{ids.REGION}:{ids.ACCOUNT}:alarm:{name}",
    }


def describe_scaling_policies(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DescribeScalingPolicies"
    _check(op, params)
    if params["ServiceNamespace"] != "ecs":
        return {"ScalingPolicies": []}
    state = ctl.scaling(engine.store)
    names = params.get("PolicyNames")
    cw = metrics_mod.cloudwatch(engine.store)
    items = []
    for p in _filter(list(state.policies.values()), params):
        if names and p.name not in names:
            continue
        alarms = list(p.alarms) or [a.name for a in cw.alarms.values() if p.arn in a.alarm_actions]
        item: dict[str, Any] = {
            "PolicyARN": p.arn,
            "PolicyName": p.name,
            "ServiceNamespace": "ecs",
            "ResourceId": p.resource_id,
            "ScalableDimension": ctl.DIMENSION,
            "PolicyType": p.kind,
            "Alarms": [_alarm_ref(n) for n in alarms],
            "CreationTime": describe.timestamp(p.created),
        }
        key = (
            "TargetTrackingScalingPolicyConfiguration"
            if p.kind == "TargetTrackingScaling"
            else "StepScalingPolicyConfiguration"
        )
        item[key] = copy.deepcopy(p.config)
        items.append(item)
    return _page(items, params, "ScalingPolicies", op)


def delete_scaling_policy(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DeleteScalingPolicy"
    _check(op, params)
    _, _, rid = _ecs_target(engine, params, op)
    state = ctl.scaling(engine.store)
    policy = state.policies.pop((rid, params["PolicyName"]), None)
    if policy is None:
        raise _error(
            "ObjectNotFoundException",
            f"No scaling policy found for service namespace: ecs, resource ID: {rid}, "
            f"scalable dimension: {ctl.DIMENSION}, policy name: {params['PolicyName']}",
            op,
        )  # our wording
    _drop_policy(engine, policy)
    engine.store.touch()
    return {}


def describe_scaling_activities(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DescribeScalingActivities"
    _check(op, params)
    if params["ServiceNamespace"] != "ecs":
        return {"ScalingActivities": []}
    state = ctl.scaling(engine.store)
    items = [
        {
            "ActivityId": a.activity_id,
            "ServiceNamespace": "ecs",
            "ResourceId": a.resource_id,
            "ScalableDimension": ctl.DIMENSION,
            "Description": a.description,
            "Cause": a.cause,
            "StartTime": describe.timestamp(a.start),
            "EndTime": describe.timestamp(a.end),
            "StatusCode": a.status,
            "StatusMessage": a.message,
        }
        for a in reversed(_filter(state.activities, params))
    ]
    return _page(items, params, "ScalingActivities", op)
