"""Capacity providers: where a cluster's tasks get their capacity.

``FARGATE`` and ``FARGATE_SPOT`` are built in (AWS runs each task on capacity you never see).
An Auto Scaling group provider ties a cluster to an EC2 Auto Scaling group; with managed scaling,
ECS computes the ``CapacityProviderReservation`` metric (the capacity the tasks need, as a
percentage of what the group has) and scales the group to keep it at ``targetCapacity``: this is
cluster auto scaling.
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FARGATE_PROVIDERS",
    "AsgInstance",
    "AutoScalingGroup",
    "CapacityProvider",
    "CapacityProviderStatus",
    "ManagedScaling",
]

#: The built-in providers every cluster may use.
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


class CapacityProviderStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


@dataclass(slots=True)
class ManagedScaling:
    """``managedScaling`` of an Auto Scaling group provider (ECS's defaults)."""

    status: str = "DISABLED"  # ENABLED | DISABLED
    target_capacity: int = 100  # 1-100 percent
    minimum_scaling_step_size: int = 1
    maximum_scaling_step_size: int = 10000
    instance_warmup_period: int = 300


@dataclass(slots=True)
class CapacityProvider:
    arn: str
    name: str
    status: CapacityProviderStatus = CapacityProviderStatus.ACTIVE
    #: None for FARGATE and FARGATE_SPOT.
    auto_scaling_group_arn: str | None = None
    managed_scaling: ManagedScaling = field(default_factory=ManagedScaling)
    managed_termination_protection: str = "DISABLED"  # ENABLED | DISABLED
    managed_draining: str = "ENABLED"
    update_status: str | None = None  # DELETE_IN_PROGRESS, DELETE_COMPLETE, UPDATE_COMPLETE, ...
    update_status_reason: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    #: The latest CapacityProviderReservation (percent), None until first computed.
    reservation: float | None = None
    #: Minutes in a row the reservation stayed below targetCapacity (the low alarm counts 15).
    low_minutes: int = 0

    @property
    def kind(self) -> str:
        """``"FARGATE"``, ``"FARGATE_SPOT"`` or ``"ASG"``."""
        return self.name if self.auto_scaling_group_arn is None else "ASG"


@dataclass(slots=True)
class AsgInstance:
    """One EC2 instance of an Auto Scaling group: ``Pending`` while it boots, ``InService`` once
    running (it registers as a container instance then, if its group's provider is associated
    with a cluster), ``Terminating`` while ECS drains it before scale-in."""

    instance_id: str  # i-...
    launched_at: float
    lifecycle_state: str = "Pending"  # Pending | InService | Terminating
    protected: bool = False  # ProtectedFromScaleIn
    container_instance_arn: str | None = None


@dataclass(slots=True)
class AutoScalingGroup:
    """An EC2 Auto Scaling group as far as ECS sees it: bounds, desired capacity, the size of
    each instance it launches, and which of its instances are protected from scale-in."""

    arn: str
    name: str
    min_size: int
    max_size: int
    desired_capacity: int
    #: Resources each launched instance registers (CPU units, MiB).
    instance_cpu: int = 2048
    instance_memory: int = 4096
    #: The container instance ARNs it launched, oldest first.
    instances: list[str] = field(default_factory=list)
    protected: set[str] = field(default_factory=set)
    created_at: float = 0.0
    tags: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    #: Every EC2 instance of the group (booting, in service, terminating), by instance id.
    members: dict[str, AsgInstance] = field(default_factory=dict)
    instance_type: str | None = None
    new_instances_protected: bool = False
    #: The request's LaunchTemplate / LaunchConfigurationName / MixedInstancesPolicy, echoed.
    launch: dict[str, Any] = field(default_factory=dict)
