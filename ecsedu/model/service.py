"""Services and deployments.

A service keeps ``desired_count`` copies of one task definition running (REPLICA) or one copy on
every eligible instance (DAEMON), replacing tasks that stop. Changing the task definition starts
a new deployment: the newest is PRIMARY, older ones stay ACTIVE while they still have tasks and
become INACTIVE (dropped from the list) once the rolling update has replaced them, within
``minimumHealthyPercent`` (rounded up) and ``maximumPercent`` (rounded down) of desired.

Deployment lifecycle: PRIMARY (rolloutState IN_PROGRESS → COMPLETED) → ACTIVE (replaced by a
newer PRIMARY) → INACTIVE (no tasks left).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Deployment",
    "DeploymentStatus",
    "RolloutState",
    "SchedulingStrategy",
    "Service",
    "ServiceEvent",
    "ServiceStatus",
]


class ServiceStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    DRAINING = "DRAINING"  # DeleteService called; its tasks are stopping
    INACTIVE = "INACTIVE"  # deleted


class SchedulingStrategy(str, enum.Enum):
    REPLICA = "REPLICA"
    DAEMON = "DAEMON"


class DeploymentStatus(str, enum.Enum):
    PRIMARY = "PRIMARY"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class RolloutState(str, enum.Enum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(slots=True)
class Deployment:
    id: str
    task_definition_arn: str
    desired_count: int
    created_at: float
    updated_at: float
    status: DeploymentStatus = DeploymentStatus.PRIMARY
    rollout_state: RolloutState = RolloutState.IN_PROGRESS
    rollout_state_reason: str = ""
    failed_tasks: int = 0
    running_count: int = 0
    pending_count: int = 0


@dataclass(slots=True)
class ServiceEvent:
    id: str
    created_at: float
    message: str


@dataclass(slots=True)
class Service:
    arn: str
    name: str
    cluster_arn: str
    task_definition_arn: str
    desired_count: int
    created_at: float
    scheduling_strategy: SchedulingStrategy = SchedulingStrategy.REPLICA
    launch_type: str = "EC2"
    status: ServiceStatus = ServiceStatus.ACTIVE
    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    placement_constraints: list[dict[str, Any]] = field(default_factory=list)
    placement_strategy: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)  # PRIMARY first
    events: list[ServiceEvent] = field(default_factory=list)  # newest first, at most 100
    request: dict[str, Any] = field(default_factory=dict)  # echo of pass-through fields
    tags: list[dict[str, str]] = field(default_factory=list)
    running_count: int = 0
    pending_count: int = 0
    # scheduler bookkeeping
    consecutive_start_failures: int = 0
    throttled_until: float = 0.0
    launches: list[float] = field(default_factory=list)  # launch times in the last minute
    steady: bool = False
    last_steady_report: float = -1.0
    # teaching: scaling bounds (Application Auto Scaling's min/max capacity), if registered
    min_capacity: int | None = None
    max_capacity: int | None = None

    @property
    def primary(self) -> Deployment:
        return self.deployments[0]
