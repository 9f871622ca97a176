"""Clusters: a named group of container instances, services and tasks."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

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
    # counters ECS keeps (recomputed by the engine on every change)
    registered_container_instances_count: int = 0
    running_tasks_count: int = 0
    pending_tasks_count: int = 0
    active_services_count: int = 0
