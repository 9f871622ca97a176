"""Tasks: one running copy of a task definition, and its lifecycle.

A task's ``last_status`` walks forward through ECS's lifecycle, one timed step at a time on the
engine's clock (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle.html)::

    PROVISIONING → PENDING → ACTIVATING → RUNNING
                 → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED

``desired_status`` is RUNNING until someone (StopTask, the service scheduler, an essential
container's exit) sets it to STOPPED; the task then walks the second half of the path. A task can
jump from PENDING or ACTIVATING towards STOPPING, but it never goes backwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ecsedu.model import task_definition as task_definition_mod

__all__ = [
    "Container",
    "ContainerStatus",
    "DesiredStatus",
    "HealthStatus",
    "StopCode",
    "Task",
    "TaskStatus",
    "is_forward",
]


class TaskStatus(str, enum.Enum):
    PROVISIONING = "PROVISIONING"
    PENDING = "PENDING"
    ACTIVATING = "ACTIVATING"
    RUNNING = "RUNNING"
    DEACTIVATING = "DEACTIVATING"
    STOPPING = "STOPPING"
    DEPROVISIONING = "DEPROVISIONING"
    STOPPED = "STOPPED"


# Keyed by the plain string value (``_value_``, the Enum API's own attribute): hashing a str is
# far cheaper than hashing an Enum member, and this runs on every state change.
ORDER = {status._value_: index for index, status in enumerate(TaskStatus)}


#: The states ECS's counters count as pending: a task is pending until it is RUNNING.
PENDING_COUNTED = (
    TaskStatus.PROVISIONING,
    TaskStatus.PENDING,
    TaskStatus.ACTIVATING,
)


def is_forward(current: TaskStatus, new: TaskStatus) -> bool:
    """A task only ever moves forward through the lifecycle."""
    return ORDER[new._value_] > ORDER[current._value_]


class DesiredStatus(str, enum.Enum):
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class ContainerStatus(str, enum.Enum):
    """A container's ``lastStatus``."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class HealthStatus(str, enum.Enum):
    """A container's or a task's ``healthStatus``."""

    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"
    UNKNOWN = "UNKNOWN"


class StopCode(str, enum.Enum):
    TASK_FAILED_TO_START = "TaskFailedToStart"
    ESSENTIAL_CONTAINER_EXITED = "EssentialContainerExited"
    USER_INITIATED = "UserInitiated"
    SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"
    SPOT_INTERRUPTION = "SpotInterruption"
    TERMINATION_NOTICE = "TerminationNotice"


@dataclass(slots=True)
class Container:
    """A container of a task as ECS tracks it (PENDING, RUNNING, STOPPED)."""

    name: str
    image: str
    essential: bool
    cpu: int
    memory: int | None
    memory_reservation: int | None
    container_arn: str
    has_health_check: bool = False
    last_status: ContainerStatus = ContainerStatus.PENDING
    exit_code: int | None = None
    reason: str | None = None
    health_status: HealthStatus = HealthStatus.UNKNOWN
    bindings: tuple[
        tuple[int, int, str, str], ...
    ] = ()  # (containerPort, hostPort, protocol, hostIp)
    runtime_id: str | None = None
    image_digest: str | None = None  # sha256:... of the image the container runs
    gpu_ids: tuple[str, ...] = ()  # GPUs of the instance assigned to this container


@dataclass(slots=True)
class Task:
    """One task. Mutated only by the engine; read through snapshots."""

    arn: str
    id: str
    cluster_arn: str
    task_definition: task_definition_mod.TaskDefinition
    container_instance_arn: str | None  # None on Fargate: the task's host is hidden
    group: str
    started_by: str | None
    created_at: float
    containers: list[Container]
    launch_type: str = "EC2"
    service_name: str | None = None
    deployment_id: str | None = None
    last_status: TaskStatus = TaskStatus.PROVISIONING
    desired_status: DesiredStatus = DesiredStatus.RUNNING
    version: int = 1
    health_status: HealthStatus = HealthStatus.UNKNOWN
    pull_started_at: float | None = None
    pull_stopped_at: float | None = None
    started_at: float | None = None
    running_since: float | None = None
    stopping_at: float | None = None
    execution_stopped_at: float | None = None
    stopped_at: float | None = None
    stop_code: str | None = None
    stopped_reason: str | None = None
    ports: tuple[str, ...] = ()  # static TCP host ports reserved on the instance
    ports_udp: tuple[str, ...] = ()
    overrides: dict[str, object] = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)
    reached_running: bool = False
    protected_until: float | None = None  # task scale-in protection expires then (clock time)
    cpu: int = 0  # CPU units reserved on the instance (fixed at placement)
    memory: int = 0  # MiB reserved on the instance (fixed at placement)
    capacity_provider_name: str | None = None  # FARGATE / FARGATE_SPOT / an ASG provider
    platform_version: str | None = None  # Fargate: "1.4.0" (LATEST resolved)
    #: The task's attachments as ECS describes them (an ElasticNetworkInterface for awsvpc).
    attachments: list[dict[str, Any]] = field(default_factory=list)
    private_ip: str | None = None  # awsvpc: the ENI's private IPv4 address
    availability_zone: str | None = None
    #: Fargate: the ARN of the hidden micro-VM the task runs on (never a container instance).
    fargate_host: str | None = None

    @property
    def host_arn(self) -> str:
        """What the task runs on: its container instance, or its hidden Fargate host."""
        return self.container_instance_arn or self.fargate_host or ""

    @property
    def alive(self) -> bool:
        """Counted by ECS as the instance's and service's task: desired status RUNNING."""
        return self.desired_status == DesiredStatus.RUNNING

    def container(self, name: str) -> Container | None:
        for c in self.containers:
            if c.name == name:
                return c
        return None

    def essential_health(self) -> HealthStatus:
        """Task health = aggregate of its essential containers' health (ECS rule)."""
        checked = [c for c in self.containers if c.essential and c.has_health_check]
        if not checked:
            return HealthStatus.UNKNOWN
        if any(c.health_status == HealthStatus.UNHEALTHY for c in checked):
            return HealthStatus.UNHEALTHY
        if all(c.health_status == HealthStatus.HEALTHY for c in checked):
            return HealthStatus.HEALTHY
        return HealthStatus.UNKNOWN
