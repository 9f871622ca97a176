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
    "ServiceDeployment",
    "ServiceEvent",
    "ServiceRevision",
    "ServiceStatus",
    "TaskSet",
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
    #: Items ``{capacityProvider, weight, base}`` (CreateService / UpdateService).
    capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)
    #: awsvpc: ``{"awsvpcConfiguration": {subnets, securityGroups, assignPublicIp}}``
    network_configuration: dict[str, Any] | None = None
    platform_version: str | None = None  # Fargate: as asked ("LATEST" if not given)
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
    # service deployments and revisions (ListServiceDeployments ...): newest first
    service_deployments: list[ServiceDeployment] = field(default_factory=list)
    service_revisions: list[ServiceRevision] = field(default_factory=list)
    #: deployment id (``ecs-svc/…``) -> the service revision it deploys (a rollback reuses one)
    revision_of: dict[str, str] = field(default_factory=dict)
    #: task sets of an EXTERNAL service (CreateTaskSet ...), oldest first
    task_sets: list[TaskSet] = field(default_factory=list)

    @property
    def primary(self) -> Deployment:
        return self.deployments[0]

    @property
    def external(self) -> bool:
        """Deployed by an external controller through task sets (``deploymentController``)."""
        controller = self.request.get("deploymentController") or {}
        return bool(controller.get("type") == "EXTERNAL")


@dataclass(slots=True)
class ServiceRevision:
    """The workload configuration one deployment deploys (read-only once made).

    ``config`` holds ECS's camelCase fields as captured (taskDefinition, launchType,
    loadBalancers, networkConfiguration, serviceConnectConfiguration ...).
    """

    arn: str
    service_arn: str
    cluster_arn: str
    created_at: float
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ServiceDeployment:
    """One rolling deployment, from ``PENDING`` to ``SUCCESSFUL`` | ``STOPPED`` |
    ``ROLLBACK_SUCCESSFUL`` | ``ROLLBACK_FAILED`` (plain strings: ECS's enum values)."""

    arn: str
    service_arn: str
    cluster_arn: str
    created_at: float
    deployment_id: str  # the ``ecs-svc/…`` deployment driving the target revision
    target_revision_arn: str
    source_revision_arns: list[str] = field(default_factory=list)
    status: str = "PENDING"
    status_reason: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    stopped_at: float | None = None
    updated_at: float | None = None
    deployment_configuration: dict[str, Any] = field(default_factory=dict)
    #: ``{"reason", "startedAt", "serviceRevisionArn"}`` once a rollback started
    rollback: dict[str, Any] | None = None
    rollback_deployment_id: str | None = None
    circuit_breaker_status: str = "DISABLED"
    failure_count: int = 0
    threshold: int = 0
    #: revision ARN -> [requested, running, pending], frozen when the deployment finished
    counts: dict[str, list[int]] | None = None


@dataclass(slots=True)
class TaskSet:
    """A task set of an EXTERNAL service: its own tasks, scaled as a percent of the service."""

    id: str  # ``ecs-svc/…``, the tasks' ``startedBy``
    arn: str
    service_arn: str
    cluster_arn: str
    task_definition_arn: str
    created_at: float
    updated_at: float
    status: str = "ACTIVE"  # PRIMARY | ACTIVE | DRAINING
    external_id: str | None = None
    launch_type: str = "EC2"
    scale: dict[str, Any] = field(default_factory=lambda: {"value": 100.0, "unit": "PERCENT"})
    stability_status: str = "STABILIZING"
    stability_status_at: float = 0.0
    request: dict[str, Any] = field(default_factory=dict)  # networkConfiguration, loadBalancers
    tags: list[dict[str, str]] = field(default_factory=list)
    computed_desired_count: int = 0
    running_count: int = 0
    pending_count: int = 0
