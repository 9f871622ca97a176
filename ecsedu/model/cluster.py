"""Clusters: a named group of container instances, services and tasks."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cluster", "ClusterStatus"]


class ClusterStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"  # after DeleteCluster


@dataclass(slots=True)
class Cluster:
    arn: str
    name: str
    created_at: float
    status: ClusterStatus = ClusterStatus.ACTIVE
    tags: list[dict[str, str]] = field(default_factory=list)
    settings: list[dict[str, str]] = field(default_factory=list)
    #: Capacity provider names associated with the cluster (PutClusterCapacityProviders).
    capacity_providers: list[str] = field(default_factory=list)
    #: Items ``{capacityProvider, weight, base}`` used when neither a launch type nor a
    #: strategy is given.
    default_capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)
    #: ``as_policy`` attachments ECS makes for Auto Scaling group providers with managed
    #: scaling (DescribeClusters ``include=["ATTACHMENTS"]``), and their overall status.
    attachments: list[dict[str, Any]] = field(default_factory=list)
    attachments_status: str | None = None
    #: UpdateCluster's ``configuration`` (executeCommandConfiguration, managedStorageConfiguration)
    #: and ``serviceConnectDefaults`` (``{"namespace": ARN}``), as ECS echoes them.
    configuration: dict[str, Any] | None = None
    service_connect_defaults: dict[str, str] | None = None
    # counters ECS keeps (recomputed by the engine on every change)
    registered_container_instances_count: int = 0
    running_tasks_count: int = 0
    pending_tasks_count: int = 0
    active_services_count: int = 0
