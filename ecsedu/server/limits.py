"""Per-learner limits, so that one learner cannot exhaust a shared host.

Two kinds, each answered the way AWS answers it:

* **request rate**: a token bucket per account; an empty bucket is
  ``ThrottlingException: Rate exceeded`` (HTTP 400), as ECS throttles API calls.
* **resources**: container instances, their total memory, tasks, clusters, services and task
  definition revisions; a call that would go over is ``LimitExceededException`` and changes
  nothing (checked before the call, from the account's snapshot).

EC2 Auto Scaling groups launch container instances by themselves (their desired capacity, which
capacity providers' managed scaling moves), so a group counts as its ``MaxSize`` instances from
the moment it exists: CreateAutoScalingGroup and UpdateAutoScalingGroup that would take the
groups' ``MaxSize`` plus the other container instances over the instance limit are refused (EC2
Auto Scaling's ``LimitExceeded``), and so is a RegisterContainerInstance that would. (The memory
limit counts the instances a group has launched, not those it may launch: an instance type's
size is the engine's, which the server does not import.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ecsedu import arns
from ecsedu.server.protocol import AwsError

__all__ = ["GUARDED_GROUPS", "Limits", "TokenBucket", "check", "check_groups"]


@dataclass(frozen=True)
class Limits:
    rate: float = 20.0  # requests per second, sustained
    burst: int = 40  # requests at once
    instances: int = 10  # container instances not INACTIVE
    instance_memory: int = 64 * 1024  # MiB over all registered instances
    tasks: int = 60  # tasks not STOPPED (and services' desired counts)
    clusters: int = 10
    services: int = 20
    task_definitions: int = 200  # revisions, ACTIVE or INACTIVE


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


def throttled() -> AwsError:
    return AwsError("ThrottlingException", "Rate exceeded")


def _over(what: str, limit: int, code: str = "LimitExceededException") -> AwsError:
    return AwsError(
        code,
        f"The limit for the resource was exceeded: this classroom account may have at most "
        f"{limit} {what}.",
    )


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


#: The operations a resource limit applies to (everything else is only rate-limited).
GUARDED = frozenset(
    {
        "RegisterContainerInstance",
        "RunTask",
        "StartTask",
        "CreateService",
        "UpdateService",
        "CreateCluster",
        "RegisterTaskDefinition",
    }
)


#: The EC2 Auto Scaling operations that can raise how many instances the groups may launch.
GUARDED_GROUPS = frozenset({"CreateAutoScalingGroup", "UpdateAutoScalingGroup"})


def _reserved(groups: list[dict[str, Any]], snapshot: Any) -> tuple[int, list[Any]]:
    """(instances the groups may launch, the live container instances that are not a
    group's)."""
    in_groups = {str(i.get("InstanceId")) for g in groups for i in g.get("Instances") or () if i}
    outside = [
        i
        for i in snapshot.instances
        if i.status != "INACTIVE" and i.ec2_instance_id not in in_groups
    ]
    return sum(_int(g.get("MaxSize"), 0) for g in groups), outside


def check_groups(
    limits: Limits,
    operation: str,
    params: dict[str, Any],
    groups: list[dict[str, Any]],
    snapshot: Any,
) -> None:
    """Raise ``LimitExceeded`` if CreateAutoScalingGroup / UpdateAutoScalingGroup would let the
    groups (``groups``: DescribeAutoScalingGroups') launch more instances than the account may
    have."""
    if operation not in GUARDED_GROUPS:
        return
    name = params.get("AutoScalingGroupName")
    mine = next((g for g in groups if g.get("AutoScalingGroupName") == name), None)
    if operation == "UpdateAutoScalingGroup" and mine is None:
        return  # the service's own error follows
    if operation == "CreateAutoScalingGroup" and mine is not None:
        return  # AlreadyExists follows
    target = dict(mine or {})
    if "MaxSize" in params:
        target["MaxSize"] = params["MaxSize"]
    others = [g for g in groups if g is not mine]
    count, outside = _reserved([*others, target], snapshot)
    if len(outside) + count > limits.instances:
        raise _over(
            "container instances (an Auto Scaling group counts as its MaxSize)",
            limits.instances,
            "LimitExceeded",
        )


def check(
    limits: Limits,
    operation: str,
    params: dict[str, Any],
    snapshot: Any,
    groups: list[dict[str, Any]] | None = None,
) -> None:
    """Raise LimitExceededException if ``operation`` would take the account over a limit.

    ``snapshot`` is the account's ``ecs.snapshot()`` (read only when the operation is guarded);
    ``groups`` its EC2 Auto Scaling groups (DescribeAutoScalingGroups'), whose ``MaxSize``
    instances count as registered.
    """
    snap = snapshot
    if operation == "CreateCluster":
        active = [c for c in snap.clusters if c.status != "INACTIVE"]
        names = {c.name for c in active}
        if params.get("clusterName", "default") not in names and len(active) >= limits.clusters:
            raise _over("clusters", limits.clusters)
        return
    if operation == "RegisterTaskDefinition":
        if len(snap.task_definitions) >= limits.task_definitions:
            raise _over("task definition revisions", limits.task_definitions)
        return
    if operation == "RegisterContainerInstance":
        reserved, outside = _reserved(groups or [], snap)
        if len(outside) + reserved >= limits.instances:
            raise _over("container instances", limits.instances)
        memory = 0
        for r in params.get("totalResources") or ():
            if isinstance(r, dict) and r.get("name") == "MEMORY":
                memory = _int(r.get("integerValue"), 0)
        live = [i for i in snap.instances if i.status != "INACTIVE"]
        used = sum(i.registered_memory for i in live)
        if used + memory > limits.instance_memory:
            raise _over("MiB of container instance memory", limits.instance_memory)
        return
    live_tasks = [t for t in snap.tasks if t.last_status != "STOPPED"]
    services = [s for s in snap.services if s.status == "ACTIVE"]
    standalone = sum(1 for t in live_tasks if not t.service_name)
    if operation in ("RunTask", "StartTask"):
        wanted = (
            _int(params.get("count"), 1)
            if operation == "RunTask"
            else len(params.get("containerInstances") or ())
        )
        in_use = max(len(live_tasks), standalone + sum(s.desired_count for s in services))
        if in_use + wanted > limits.tasks:
            raise _over("tasks", limits.tasks)
        return
    if operation == "CreateService":
        if len(services) >= limits.services:
            raise _over("services", limits.services)
        desired = _int(params.get("desiredCount"), 0)
        in_use = max(len(live_tasks), standalone + sum(s.desired_count for s in services))
        if in_use + desired > limits.tasks:
            raise _over("tasks", limits.tasks)
        return
    if operation == "UpdateService" and "desiredCount" in params:
        name = arns.resource_id(str(params.get("service", "")))
        cluster = arns.resource_id(str(params.get("cluster", "default")))
        others = sum(
            s.desired_count
            for s in services
            if not (s.name == name and arns.resource_id(s.cluster_arn) == cluster)
        )
        if standalone + others + _int(params.get("desiredCount"), 0) > limits.tasks:
            raise _over("tasks", limits.tasks)
