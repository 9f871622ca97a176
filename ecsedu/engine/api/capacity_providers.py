"""Capacity providers: CreateCapacityProvider, DescribeCapacityProviders, UpdateCapacityProvider,
DeleteCapacityProvider and PutClusterCapacityProviders (plus the strategy rules CreateCluster,
RunTask and CreateService share).

``FARGATE`` and ``FARGATE_SPOT`` are built in: every account has them, they are never stored,
cannot be created, updated or deleted, and only need to be associated with a cluster. Every other
provider wraps an EC2 Auto Scaling group (``ecs.ec2_autoscaling``); with managed scaling ECS
attaches an ``as_policy`` attachment to the cluster and drives the group's desired capacity
(``controllers/cluster_autoscaling.py``).

Texts quoted from real ECS output (public threads): ``The specified capacity provider already
exists. To change the configuration of an existing capacity provider, update the capacity
provider.``, ``The specified Auto Scaling group ARN is already being used by another capacity
provider. Specify a unique Auto Scaling group ARN and try again.``, ``The specified capacity
provider is in use and cannot be removed.`` (ResourceInUseException), ``The maximum number of
capacity providers per cluster has been exceeded.`` and the managed termination protection text.
The others are marked ``# our wording``.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine.api.common import EV, S, api
from ecsedu.model import capacity_provider as cp_mod
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = [
    "check_strategy",
    "create_capacity_provider",
    "delete_capacity_provider",
    "describe_capacity_provider",
    "describe_capacity_providers",
    "put_cluster_capacity_providers",
    "update_capacity_provider",
]

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
RESERVED_PREFIXES = ("aws", "ecs", "fargate")
#: Service quota "Capacity providers per cluster" (Amazon ECS service quotas page).
MAX_PER_CLUSTER = 20
ASG_ARN_RE = re.compile(
    r"^arn:aws:autoscaling:[^:]+:\d{12}:autoScalingGroup:[^:]+:autoScalingGroupName/(.+)$"
)

ALREADY_EXISTS = (
    "The specified capacity provider already exists. To change the configuration of an existing "
    "capacity provider, update the capacity provider."
)
ASG_IN_USE = (
    "The specified Auto Scaling group ARN is already being used by another capacity provider. "
    "Specify a unique Auto Scaling group ARN and try again."
)
TERMINATION_PROTECTION = (
    "The managed termination protection setting for the capacity provider is invalid. To enable "
    "managed termination protection for a capacity provider, the Auto Scaling group must have "
    "instance protection from scale in enabled."
)
IN_USE = "The specified capacity provider is in use and cannot be removed."
TOO_MANY = "The maximum number of capacity providers per cluster has been exceeded."
#: https://github.com/terraform-aws-modules/terraform-aws-ecs/issues/27 (observed).
NO_WEIGHT_IN_DEFAULT = (
    "There are no capacity providers with a weight value greater than zero defined in the "
    "default capacity provider strategy. At least one capacity provider must have a weight value "
    "greater than zero specified. Update the cluster's default capacity provider strategy or "
    "specify a valid capacity provider strategy and try again."
)


def _invalid(message: str, op: str) -> errors.ClientError:
    return errors.ecs_error("InvalidParameterException", message, op)


def _client(message: str, op: str) -> errors.ClientError:
    return errors.ecs_error("ClientException", message, op)


# =========================================================================== lookups
def provider_arn(name: str) -> str:
    return arns_mod.capacity_provider(name)


def find(cp: ControlPlane, ref: str) -> cp_mod.CapacityProvider | None:
    """The provider named (or ARN'd) ``ref``: a stored one, or a built-in Fargate one."""
    name = arns_mod.resource_id(ref) if arns_mod.is_arn(ref) else ref
    if name in cp_mod.FARGATE_PROVIDERS:
        return cp_mod.CapacityProvider(arn=provider_arn(name), name=name)
    return cp.store.capacity_providers.get(name)


def group_of(cp: ControlPlane, provider: cp_mod.CapacityProvider) -> cp_mod.AutoScalingGroup | None:
    if provider.auto_scaling_group_arn is None:
        return None
    for g in cp.store.auto_scaling_groups.values():
        if g.arn == provider.auto_scaling_group_arn:
            return g
    return None


def _group_by_ref(cp: ControlPlane, ref: str) -> cp_mod.AutoScalingGroup | None:
    found = ASG_ARN_RE.match(ref)
    name = found.group(1) if found else ref
    g = cp.store.auto_scaling_groups.get(name)
    if g is None or (found and g.arn != ref):
        return None
    return g


def cluster_of(cp: ControlPlane, provider_name: str) -> cluster_mod.Cluster | None:
    """The ACTIVE cluster an Auto Scaling group provider is associated with (at most one)."""
    for c in cp.store.clusters.values():
        if c.status == cluster_mod.ClusterStatus.ACTIVE and provider_name in c.capacity_providers:
            return c
    return None


# =========================================================================== describe
def _managed_scaling(m: cp_mod.ManagedScaling) -> dict[str, Any]:
    return {
        "status": m.status,
        "targetCapacity": m.target_capacity,
        "minimumScalingStepSize": m.minimum_scaling_step_size,
        "maximumScalingStepSize": m.maximum_scaling_step_size,
        "instanceWarmupPeriod": m.instance_warmup_period,
    }


def describe_capacity_provider(p: cp_mod.CapacityProvider, *, tags: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "capacityProviderArn": p.arn,
        "name": p.name,
        "status": p.status._value_,
    }
    if p.auto_scaling_group_arn is not None:
        out["autoScalingGroupProvider"] = {
            "autoScalingGroupArn": p.auto_scaling_group_arn,
            "managedScaling": _managed_scaling(p.managed_scaling),
            "managedTerminationProtection": p.managed_termination_protection,
            "managedDraining": p.managed_draining,
        }
        out["type"] = "EC2_AUTOSCALING"
    else:
        out["type"] = p.name
    if p.update_status is not None:
        out["updateStatus"] = p.update_status
    if p.update_status_reason is not None:
        out["updateStatusReason"] = p.update_status_reason
    out["tags"] = copy.deepcopy(p.tags) if tags else []
    return out


# =========================================================================== create / update
def _check_name(name: str, op: str) -> None:
    if not NAME_RE.match(name):
        raise _invalid(
            # our wording
            "The capacity provider name can have up to 255 letters, numbers, underscores and "
            "hyphens.",
            op,
        )
    if name.lower().startswith(RESERVED_PREFIXES):
        raise _invalid(
            # our wording
            'The capacity provider name cannot begin with "aws", "ecs" or "fargate".',
            op,
        )


def _apply_scaling(
    target: cp_mod.ManagedScaling, given: dict[str, Any] | None, op: str
) -> cp_mod.ManagedScaling:
    m = copy.copy(target)
    if not given:
        return m
    if "status" in given:
        m.status = str(given["status"])
    ranges = {
        "targetCapacity": ("target_capacity", 1, 100),
        "minimumScalingStepSize": ("minimum_scaling_step_size", 1, 10000),
        "maximumScalingStepSize": ("maximum_scaling_step_size", 1, 10000),
        "instanceWarmupPeriod": ("instance_warmup_period", 0, 10000),
    }
    for key, (attr, low, high) in ranges.items():
        if key in given:
            value = int(given[key])
            if not low <= value <= high:
                raise _invalid(f"{key} must be between {low} and {high}.", op)  # our wording
            setattr(m, attr, value)
    if m.minimum_scaling_step_size > m.maximum_scaling_step_size:
        raise _invalid(
            # our wording
            "minimumScalingStepSize must be less than or equal to maximumScalingStepSize.",
            op,
        )
    return m


def _check_termination_protection(
    p: cp_mod.CapacityProvider, g: cp_mod.AutoScalingGroup | None, op: str
) -> None:
    # (without managed scaling it is accepted but does nothing, as the API reference says)
    if p.managed_termination_protection != "ENABLED":
        return
    if g is not None and not g.new_instances_protected:
        raise _invalid(TERMINATION_PROTECTION, op)


@api("CreateCapacityProvider")
def create_capacity_provider(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "CreateCapacityProvider"
    name = str(params["name"])
    _check_name(name, op)
    provider = params.get("autoScalingGroupProvider")
    if provider is None:
        raise _invalid(
            # our wording
            "ecsedu models Auto Scaling group capacity providers only: give "
            "autoScalingGroupProvider.",
            op,
        )
    existing = cp.store.capacity_providers.get(name)
    if existing is not None and existing.status != cp_mod.CapacityProviderStatus.INACTIVE:
        raise _client(ALREADY_EXISTS, op)
    ref = str(provider["autoScalingGroupArn"])
    g = _group_by_ref(cp, ref)
    if g is None:
        raise _invalid(
            # our wording
            f"The specified Auto Scaling group {ref} was not found. Create it first "
            "(ecs.ec2_autoscaling.create_auto_scaling_group).",
            op,
        )
    for other in cp.store.capacity_providers.values():
        if (
            other.auto_scaling_group_arn == g.arn
            and other.status != cp_mod.CapacityProviderStatus.INACTIVE
        ):
            raise _client(ASG_IN_USE, op)
    p = cp_mod.CapacityProvider(
        arn=provider_arn(name),
        name=name,
        auto_scaling_group_arn=g.arn,
        managed_scaling=_apply_scaling(
            cp_mod.ManagedScaling(status="DISABLED"), provider.get("managedScaling"), op
        ),
        managed_termination_protection=str(
            provider.get("managedTerminationProtection", "DISABLED")
        ),
        managed_draining=str(provider.get("managedDraining", "ENABLED")),
        tags=list(params.get("tags", [])),
    )
    if provider.get("managedScaling") and "status" not in provider["managedScaling"]:
        p.managed_scaling.status = "ENABLED"  # ECS turns it on when managedScaling is given
    _check_termination_protection(p, g, op)
    cp.store.capacity_providers[name] = p
    cp.store.record(
        EV.API_CALL, f"capacity provider {name} created (group {g.name})", subject=p.arn
    )
    return {"capacityProvider": describe_capacity_provider(p, tags=True)}


@api("UpdateCapacityProvider")
def update_capacity_provider(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "UpdateCapacityProvider"
    name = arns_mod.resource_id(str(params["name"]))
    if name in cp_mod.FARGATE_PROVIDERS:
        raise _invalid(
            # our wording
            f"The {name} capacity provider is reserved and cannot be updated.",
            op,
        )
    p = cp.store.capacity_providers.get(name)
    if p is None or p.status == cp_mod.CapacityProviderStatus.INACTIVE:
        raise _invalid(
            # our wording
            "The specified capacity provider does not exist. Specify a valid name or ARN and "
            "try again.",
            op,
        )
    update = params.get("autoScalingGroupProvider")
    if update is None:
        raise _invalid("autoScalingGroupProvider is required.", op)  # our wording
    candidate = copy.copy(p)
    candidate.managed_scaling = _apply_scaling(p.managed_scaling, update.get("managedScaling"), op)
    if "managedTerminationProtection" in update:
        candidate.managed_termination_protection = str(update["managedTerminationProtection"])
    if "managedDraining" in update:
        candidate.managed_draining = str(update["managedDraining"])
    _check_termination_protection(candidate, group_of(cp, p), op)
    p.managed_scaling = candidate.managed_scaling
    p.managed_termination_protection = candidate.managed_termination_protection
    p.managed_draining = candidate.managed_draining
    if p.managed_scaling.status != "ENABLED":
        p.reservation = None  # ECS stops publishing the metric
        p.low_minutes = 0
    p.update_status = "UPDATE_COMPLETE"
    p.update_status_reason = None
    c = cluster_of(cp, p.name)
    if c is not None:
        refresh_attachments(cp, c)
    cp.store.record(EV.API_CALL, f"capacity provider {name} updated", subject=p.arn)
    return {"capacityProvider": describe_capacity_provider(p)}


@api("DeleteCapacityProvider")
def delete_capacity_provider(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DeleteCapacityProvider"
    name = arns_mod.resource_id(str(params["capacityProvider"]))
    if name in cp_mod.FARGATE_PROVIDERS:
        raise _invalid(
            # our wording
            f"The {name} capacity provider is reserved and cannot be deleted. Remove it from "
            "the cluster with PutClusterCapacityProviders instead.",
            op,
        )
    p = cp.store.capacity_providers.get(name)
    if p is None or p.status == cp_mod.CapacityProviderStatus.INACTIVE:
        raise _invalid(
            # our wording
            "The specified capacity provider does not exist. Specify a valid name or ARN and "
            "try again.",
            op,
        )
    c = cluster_of(cp, name)
    users = [
        s.name
        for s in cp.store.services.values()
        if s.status != service_mod.ServiceStatus.INACTIVE
        and any(i.get("capacityProvider") == name for i in s.capacity_provider_strategy)
    ]
    if c is not None or users:
        # ECS answers with the provider, its delete failed (observed: DELETE_FAILED at once)
        p.update_status = "DELETE_FAILED"
        p.update_status_reason = (
            # our wording
            f"The capacity provider is associated with cluster {c.name}. Remove it from the "
            "cluster first."
            if c is not None
            else f"The capacity provider is used by the strategy of service {users[0]}."
        )
        return {"capacityProvider": describe_capacity_provider(p)}
    p.status = cp_mod.CapacityProviderStatus.INACTIVE
    p.update_status = "DELETE_COMPLETE"
    p.update_status_reason = None
    cp.store.record(EV.API_CALL, f"capacity provider {name} deleted", subject=p.arn)
    return {"capacityProvider": describe_capacity_provider(p)}


@api("DescribeCapacityProviders")
def describe_capacity_providers(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DescribeCapacityProviders"
    tags = "TAGS" in params.get("include", [])
    refs = params.get("capacityProviders")
    out: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    if refs:
        if len(refs) > 100:
            raise _invalid("capacityProviders can have at most 100 elements.", op)  # our wording
        for ref in refs:
            p = find(cp, ref)
            if p is None:
                failures.append(
                    {"arn": ref if arns_mod.is_arn(ref) else provider_arn(ref), "reason": "MISSING"}
                )
            else:
                out.append(describe_capacity_provider(p, tags=tags))
    else:
        everything = [find(cp, n) for n in cp_mod.FARGATE_PROVIDERS] + [
            p
            for p in cp.store.capacity_providers.values()
            if p.status != cp_mod.CapacityProviderStatus.INACTIVE
        ]
        out = [describe_capacity_provider(p, tags=tags) for p in everything if p is not None]
    limit = params.get("maxResults") or 10
    if not 1 <= int(limit) <= 10:
        raise _invalid("maxResults must be between 1 and 10.", op)  # our wording
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise _invalid("Invalid nextToken.", op) from None
    result: dict[str, Any] = {"capacityProviders": out[start : start + int(limit)]}
    result["failures"] = failures
    if start + int(limit) < len(out):
        result["nextToken"] = base64.b64encode(str(start + int(limit)).encode()).decode()
    return result


# =========================================================================== strategies
def check_strategy(
    cp: ControlPlane,
    strategy: list[dict[str, Any]],
    associated: list[str],
    op: str,
    *,
    launching: bool = False,
    default: bool = False,
) -> None:
    """ECS's rules for a capacity provider strategy against the cluster's providers.

    ``launching``: the strategy is about to place tasks (RunTask, CreateService, UpdateService),
    so at least one item needs a weight above 0 (``default``: it is the cluster's default
    strategy, which ECS words its own way).
    """
    seen: set[str] = set()
    with_base = 0
    kinds: set[str] = set()
    for item in strategy:
        name = str(item.get("capacityProvider", ""))
        if name in seen:
            raise _invalid(
                # our wording
                f"The capacity provider {name} appears more than once in the strategy.",
                op,
            )
        seen.add(name)
        weight = int(item.get("weight", 0))
        base = int(item.get("base", 0))
        if not 0 <= weight <= 1000:
            raise _invalid("The weight must be between 0 and 1000.", op)  # our wording
        if not 0 <= base <= 100000:
            raise _invalid("The base must be between 0 and 100000.", op)  # our wording
        if base > 0:
            with_base += 1
        if name not in associated:
            raise _invalid(
                # our wording
                f"The capacity provider {name} is not associated with the cluster. Associate it "
                "with PutClusterCapacityProviders first.",
                op,
            )
        kinds.add("FARGATE" if name in cp_mod.FARGATE_PROVIDERS else "ASG")
    if with_base > 1:
        raise _invalid(
            # our wording
            "Only one capacity provider in a strategy can have a base defined.",
            op,
        )
    if len(kinds) > 1:
        raise _invalid(
            # our wording
            "A capacity provider strategy cannot mix Auto Scaling group capacity providers with "
            "FARGATE or FARGATE_SPOT.",
            op,
        )
    if launching and all(int(i.get("weight", 0)) == 0 for i in strategy):
        if default:
            raise _invalid(NO_WEIGHT_IN_DEFAULT, op)
        raise _invalid(
            # our wording
            "At least one capacity provider in the strategy must have a weight greater than 0.",
            op,
        )


def _check_associable(cp: ControlPlane, names: list[str], cluster_arn: str, op: str) -> None:
    if len(names) > MAX_PER_CLUSTER:
        raise _invalid(TOO_MANY, op)
    if len(set(names)) != len(names):
        raise _invalid("The capacity providers must be unique.", op)  # our wording
    for name in names:
        p = find(cp, name)
        if p is None or p.status != cp_mod.CapacityProviderStatus.ACTIVE:
            raise _invalid(
                # our wording
                f"The specified capacity provider {name} does not exist or is not ACTIVE. "
                "Specify a valid capacity provider and try again.",
                op,
            )
        if p.auto_scaling_group_arn is not None:
            other = cluster_of(cp, name)
            if other is not None and other.arn != cluster_arn:
                raise _invalid(
                    # our wording
                    f"The capacity provider {name} is already associated with cluster "
                    f"{other.name}. An Auto Scaling group capacity provider belongs to one "
                    "cluster at a time.",
                    op,
                )


def in_use(cp: ControlPlane, c: cluster_mod.Cluster, name: str) -> bool:
    """A provider is in use in ``c`` while a task that runs on it is not STOPPED, or a service
    of ``c`` has it in its strategy."""
    for t in cp.store.tasks.values():
        if (
            t.cluster_arn == c.arn
            and t.capacity_provider_name == name
            and t.last_status is not S.STOPPED
        ):
            return True
    return any(
        s.cluster_arn == c.arn
        and s.status != service_mod.ServiceStatus.INACTIVE
        and any(i.get("capacityProvider") == name for i in s.capacity_provider_strategy)
        for s in cp.store.services.values()
    )


def check_association(
    cp: ControlPlane,
    c: cluster_mod.Cluster,
    names: list[str],
    strategy: list[dict[str, Any]],
    op: str,
) -> None:
    _check_associable(cp, names, c.arn, op)
    check_strategy(cp, strategy, names, op)
    for name in c.capacity_providers:
        if name not in names and in_use(cp, c, name):
            raise errors.ecs_error("ResourceInUseException", IN_USE, op)


def associate(
    cp: ControlPlane,
    c: cluster_mod.Cluster,
    names: list[str],
    strategy: list[dict[str, Any]],
    op: str,
) -> None:
    """Set the cluster's providers and default strategy (checked first; nothing changes on a
    failure). Instances of newly associated groups register with the cluster."""
    check_association(cp, c, names, strategy, op)
    added = [n for n in names if n not in c.capacity_providers]
    for name in c.capacity_providers:
        removed = cp.store.capacity_providers.get(name)
        if name not in names and removed is not None:
            removed.reservation = None  # no longer managed for this cluster
            removed.low_minutes = 0
    c.capacity_providers = list(names)
    c.default_capacity_provider_strategy = [_item(i) for i in strategy]
    refresh_attachments(cp, c)
    if added:
        from ecsedu.engine.controllers import cluster_autoscaling

        cluster_autoscaling.on_association(cp, c, added)


def _item(item: dict[str, Any]) -> dict[str, Any]:
    """A strategy item as ECS echoes it (weight and base always present)."""
    return {
        "capacityProvider": str(item["capacityProvider"]),
        "weight": int(item.get("weight", 0)),
        "base": int(item.get("base", 0)),
    }


def normalized(strategy: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_item(i) for i in strategy]


def refresh_attachments(cp: ControlPlane, c: cluster_mod.Cluster) -> None:
    """One ``as_policy`` attachment per associated Auto Scaling group provider with managed
    scaling on: the target tracking policy ECS puts on the group. (Ours, as recalled from
    DescribeClusters output: status ``CREATED``, details ``capacityProviderName`` and
    ``scalingPolicyName`` ``ECSManagedAutoScalingPolicy-<uuid>``; not verified against a
    source.)"""
    kept = {a["details"][0]["value"]: a for a in c.attachments}
    out = []
    for name in c.capacity_providers:
        p = cp.store.capacity_providers.get(name)
        if p is None or p.managed_scaling.status != "ENABLED":
            continue
        a = kept.get(name)
        if a is None:
            policy = f"ECSManagedAutoScalingPolicy-{cp.store.ids.uuid()}"
            a = {
                "id": cp.store.ids.uuid(),
                "type": "as_policy",
                "status": "CREATED",
                "details": [
                    {"name": "capacityProviderName", "value": name},
                    {"name": "scalingPolicyName", "value": policy},
                ],
            }
        out.append(a)
    c.attachments = out
    c.attachments_status = "UPDATE_COMPLETE" if (out or c.capacity_providers) else None


@api("PutClusterCapacityProviders")
def put_cluster_capacity_providers(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "PutClusterCapacityProviders"
    from ecsedu.engine import describe

    c = cp.store.cluster(params.get("cluster"), op)
    names = [arns_mod.resource_id(str(n)) for n in params["capacityProviders"]]
    associate(cp, c, names, list(params["defaultCapacityProviderStrategy"]), op)
    cp.store.record(
        EV.API_CALL,
        f"cluster {c.name} capacity providers: {', '.join(names) or 'none'}",
        cluster_arn=c.arn,
        subject=c.arn,
    )
    return {"cluster": describe.cluster(c)}
