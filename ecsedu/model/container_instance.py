"""Container instances: an EC2 instance (or any host) running Docker and the ECS container agent.

Each instance registers its resources (1024 CPU units per vCPU, memory in MiB, the host
ports the agent reserves, and the ids of its GPUs, if it has any) and ECS keeps ``remaining``
up to date as tasks are placed and stop.
Status is ACTIVE, DRAINING or INACTIVE (after deregistration); ``agent_connected`` says whether
the agent is talking to ECS: only instances with a connected agent accept new tasks.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["DEFAULT_RESERVED_PORTS", "ContainerInstance", "InstanceStatus"]


class InstanceStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    DRAINING = "DRAINING"
    INACTIVE = "INACTIVE"  # deregistered


#: ECS_RESERVED_PORTS default on Linux (amazon-ecs-agent README).
DEFAULT_RESERVED_PORTS: tuple[str, ...] = ("22", "2375", "2376", "51678", "51679")


@dataclass(slots=True)
class ContainerInstance:
    arn: str
    id: str
    cluster_arn: str
    ec2_instance_id: str
    registered_cpu: int
    registered_memory: int
    registered_at: float
    attributes: dict[str, str | None]
    remaining_cpu: int = 0
    remaining_memory: int = 0
    reserved_ports: tuple[str, ...] = DEFAULT_RESERVED_PORTS
    reserved_ports_udp: tuple[str, ...] = ()
    ports: set[str] = field(default_factory=set)  # task static TCP ports in use
    ports_udp: set[str] = field(default_factory=set)
    status: InstanceStatus = InstanceStatus.ACTIVE
    agent_connected: bool = True
    agent_version: str = "1.80.0"
    docker_version: str = "DockerVersion: 20.10.24"
    running_tasks_count: int = 0  # tasks with desiredStatus RUNNING
    pending_tasks_count: int = 0  # tasks with lastStatus PENDING
    group_counts: Counter[str] = field(default_factory=Counter)
    version: int = 1
    tags: list[dict[str, str]] = field(default_factory=list)
    docker_host: str | None = None
    address: str | None = None
    index: int = 0  # position in its cluster's placement index
    gpu_ids: tuple[str, ...] = ()  # registered GPUs (the GPU STRINGSET resource)
    gpus_used: set[str] = field(default_factory=set)  # GPU ids assigned to tasks' containers
    #: CONTAINER_RUNTIME health as last described (OK, IMPAIRED, INSUFFICIENT_DATA) and when
    #: it last changed (None: since registration).
    health_status: str = "OK"
    health_changed_at: float | None = None
    #: The Auto Scaling group capacity provider whose group launched this instance.
    capacity_provider_name: str | None = None

    # -- read-only queries, shaped for the cluster query language -------------------------------
    @property
    def availability_zone(self) -> str | None:
        return self.attributes.get("ecs.availability-zone")

    def attribute(self, name: str) -> str | None:
        return self.attributes.get(name)

    def has_attribute(self, name: str) -> bool:
        return name in self.attributes

    @property
    def task_groups(self) -> frozenset[str]:
        """Groups of the tasks on this instance (``task:group`` in the query language)."""
        return frozenset(g for g, n in self.group_counts.items() if n > 0)

    @property
    def remaining_gpus(self) -> tuple[str, ...]:
        """GPU ids not assigned to any container, in registration order."""
        if not self.gpus_used:
            return self.gpu_ids
        return tuple(g for g in self.gpu_ids if g not in self.gpus_used)

    def used_ports(self, protocol: str = "tcp") -> set[str]:
        if protocol == "udp":
            return set(self.reserved_ports_udp) | self.ports_udp
        return set(self.reserved_ports) | self.ports
