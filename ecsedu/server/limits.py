"""Per-learner limits, so that one learner cannot exhaust a shared host.

Two kinds, each answered the way AWS answers it:

* **request rate**: a token bucket per account; an empty bucket is
  ``ThrottlingException: Rate exceeded`` (HTTP 400), as ECS throttles API calls.
* **resources**: container instances, their total memory, tasks, clusters, services and task
  definition revisions; a call that would go over is ``LimitExceededException`` and changes
  nothing (checked before the call, from the account's snapshot).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ecsedu import arns
from ecsedu.server.protocol import AwsError

__all__ = ["Limits", "TokenBucket", "check"]


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


def _over(what: str, limit: int) -> AwsError:
    return AwsError(
        "LimitExceededException",
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


def check(limits: Limits, operation: str, params: dict[str, Any], snapshot: Any) -> None:
    """Raise LimitExceededException if ``operation`` would take the account over a limit.

    ``snapshot`` is the account's ``ecs.snapshot()`` (read only when the operation is guarded).
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
        live = [i for i in snap.instances if i.status != "INACTIVE"]
        if len(live) >= limits.instances:
            raise _over("container instances", limits.instances)
        memory = 0
        for r in params.get("totalResources") or ():
            if isinstance(r, dict) and r.get("name") == "MEMORY":
                memory = _int(r.get("integerValue"), 0)
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
