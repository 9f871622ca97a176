"""Task definitions: the recipe for a task (Amazon ECS "task definition").

A task definition names a *family* and lists up to ten *container definitions* (image, CPU
units, memory, ports, dependencies, health check ...). Every ``RegisterTaskDefinition`` call
adds a new immutable *revision* ``family:N``; deregistering marks a revision ``INACTIVE``.
See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definitions.html

This module is pure: it turns an already validated request (``ecsedu.engine.validation``) into
typed values plus the normalised camelCase ``document`` that ECS echoes back from
``RegisterTaskDefinition`` / ``DescribeTaskDefinition``. It reads no clock and does no I/O.

What ECS adds to the echo (``ecs-semantics.md`` 1.2): container defaults ``cpu 0``,
``portMappings []``, ``essential true``, ``environment []``, ``mountPoints []``,
``volumesFrom []``; ``protocol: "tcp"`` on port mappings; ``hostPort`` equal to
``containerPort`` in ``awsvpc``/``host`` mode; ``networkMode: "bridge"`` when omitted;
``compatibilities``; ``requiresAttributes``; task ``cpu``/``memory`` as unit strings
(``"1 vCPU"`` → ``"1024"``, ``"1GB"`` → ``"1024"``). Tags are not part of the document.

Our choice where AWS's echo is unverified: an omitted bridge ``hostPort`` is echoed as ``0``
(the value that asks for a dynamic host port).
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsedu.model import snapshot

__all__ = [
    "ACTIVE",
    "FARGATE_MEMORY_BY_CPU",
    "FARGATE_UNSUPPORTED_CONTAINER",
    "FARGATE_UNSUPPORTED_LINUX",
    "INACTIVE",
    "REGISTERED_BY",
    "ContainerDefinition",
    "FargateRule",
    "HealthCheck",
    "MountPoint",
    "PortMapping",
    "TaskDefinition",
    "TaskDefinitionStatus",
    "Volume",
    "fargate_combination_ok",
    "fargate_violation",
    "parse_task_cpu",
    "parse_task_memory",
]


class TaskDefinitionStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"  # deregistered
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"  # DeleteTaskDefinitions (tasks may still use it)


ACTIVE = TaskDefinitionStatus.ACTIVE
INACTIVE = TaskDefinitionStatus.INACTIVE
REGISTERED_BY = "arn:aws:iam::123456789012:root"
DEFAULT_NETWORK_MODE = "bridge"

#: Fargate's valid task-level (cpu units → memory MiB) combinations (ecs-semantics.md 1.1).
FARGATE_MEMORY_BY_CPU: dict[int, frozenset[int]] = {
    256: frozenset({512, 1024, 2048}),
    512: frozenset(range(1024, 4096 + 1, 1024)),
    1024: frozenset(range(2048, 8192 + 1, 1024)),
    2048: frozenset(range(4096, 16384 + 1, 1024)),
    4096: frozenset(range(8192, 30720 + 1, 1024)),
    8192: frozenset(range(16384, 61440 + 1, 4096)),
    16384: frozenset(range(32768, 122880 + 1, 8192)),
}

# Request fields that the echo drops when they are empty strings (botocore examples-1.json:
# ``"taskRoleArn": ""`` in the request is absent from the response).
_DROPPED_WHEN_EMPTY = ("taskRoleArn", "executionRoleArn")

_CPU_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$", re.IGNORECASE)
_MEMORY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(gb|gib|mb|mib)?\s*$", re.IGNORECASE)


def parse_task_cpu(value: str | int) -> int:
    """Convert a task-level ``cpu`` value to CPU units (1 vCPU = 1024 units).

    >>> parse_task_cpu("1 vCPU"), parse_task_cpu("0.25 vcpu"), parse_task_cpu("512")
    (1024, 256, 512)

    Raises:
        ValueError: the value is not a whole number of units.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a cpu value: {value!r}")
    if isinstance(value, int):
        return value
    match = _CPU_RE.match(value)
    if match is None:
        raise ValueError(f"not a cpu value: {value!r}")
    number = float(match.group(1)) * (1024 if match.group(2) else 1)
    if not number.is_integer():
        raise ValueError(f"not a whole number of cpu units: {value!r}")
    return int(number)


def parse_task_memory(value: str | int) -> int:
    """Convert a task-level ``memory`` value to MiB (``"1GB"`` = 1024 MiB).

    >>> parse_task_memory("1GB"), parse_task_memory("0.5 GB"), parse_task_memory("512")
    (1024, 512, 512)

    Raises:
        ValueError: the value is not a whole number of MiB.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a memory value: {value!r}")
    if isinstance(value, int):
        return value
    match = _MEMORY_RE.match(value)
    if match is None:
        raise ValueError(f"not a memory value: {value!r}")
    unit = (match.group(2) or "").lower()
    number = float(match.group(1)) * (1024 if unit in ("gb", "gib") else 1)
    if not number.is_integer():
        raise ValueError(f"not a whole number of MiB: {value!r}")
    return int(number)


def fargate_combination_ok(cpu: int | None, memory: int | None) -> bool:
    """Whether Fargate offers this task-level cpu/memory pair."""
    if cpu is None or memory is None:
        return False
    return memory in FARGATE_MEMORY_BY_CPU.get(cpu, frozenset())


class FargateRule(str, enum.Enum):
    """A rule of "Amazon ECS task definition differences for Fargate" a definition breaks.

    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
    """

    NETWORK_MODE = "networkMode"  # awsvpc only
    IPC_MODE = "ipcMode"  # not valid
    PID_MODE = "pidMode"  # only "task"
    SOURCE_PATH = "sourcePath"  # no host paths in volumes
    UNSUPPORTED = "unsupported"  # a parameter Fargate does not take (detail: its name)
    CAPABILITY = "capability"  # linuxParameters.capabilities.add beyond CAP_SYS_PTRACE
    CPU_REQUIRED = "cpu"
    MEMORY_REQUIRED = "memory"
    SIZE = "size"  # not one of FARGATE_MEMORY_BY_CPU's pairs


#: Container parameters that are not valid in Fargate tasks (``links`` is covered by awsvpc).
FARGATE_UNSUPPORTED_CONTAINER = (
    "disableNetworking",
    "dnsSearchDomains",
    "dnsServers",
    "dockerSecurityOptions",
    "extraHosts",
    "privileged",
)
#: ``linuxParameters`` members Fargate does not support.
FARGATE_UNSUPPORTED_LINUX = ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness")
FARGATE_CAPABILITIES = frozenset({"CAP_SYS_PTRACE"})


def fargate_violation(
    params: Mapping[str, Any], *, size: bool = True
) -> tuple[FargateRule, str] | None:
    """The first Fargate rule a ``RegisterTaskDefinition`` request breaks, or None.

    Returns ``(rule, detail)``; ``detail`` names the parameter for ``UNSUPPORTED`` and the
    capability for ``CAPABILITY``. With ``size=False`` the task cpu/memory is not looked at.
    Reads the request only; values of the wrong type count as absent.
    """
    if str(params.get("networkMode") or DEFAULT_NETWORK_MODE) != "awsvpc":
        return FargateRule.NETWORK_MODE, "networkMode"
    if params.get("ipcMode") is not None:
        return FargateRule.IPC_MODE, "ipcMode"
    if params.get("pidMode") == "host":
        return FargateRule.PID_MODE, "pidMode"
    for volume in _dicts(params.get("volumes")):
        host = volume.get("host")
        if isinstance(host, Mapping) and host.get("sourcePath"):
            return FargateRule.SOURCE_PATH, "sourcePath"
        if volume.get("dockerVolumeConfiguration") is not None:
            return FargateRule.UNSUPPORTED, "dockerVolumeConfiguration"
    if _dicts(params.get("placementConstraints")):
        return FargateRule.UNSUPPORTED, "placementConstraints"
    for container in _dicts(params.get("containerDefinitions")):
        found = _fargate_container_violation(container)
        if found is not None:
            return found
    if size:
        cpu = _parsed(params.get("cpu"), parse_task_cpu)
        memory = _parsed(params.get("memory"), parse_task_memory)
        if cpu is None:
            return FargateRule.CPU_REQUIRED, "cpu"
        if memory is None:
            return FargateRule.MEMORY_REQUIRED, "memory"
        if not fargate_combination_ok(cpu, memory):
            return FargateRule.SIZE, "cpu"
    return None


def _fargate_container_violation(container: Mapping[str, Any]) -> tuple[FargateRule, str] | None:
    for name in FARGATE_UNSUPPORTED_CONTAINER:
        value = container.get(name)
        if value not in (None, False, [], {}):
            return FargateRule.UNSUPPORTED, name
    for requirement in _dicts(container.get("resourceRequirements")):
        if requirement.get("type") == "GPU":
            return FargateRule.UNSUPPORTED, "gpu"
    linux = container.get("linuxParameters")
    if not isinstance(linux, Mapping):
        return None
    for name in FARGATE_UNSUPPORTED_LINUX:
        if linux.get(name) not in (None, [], {}):
            return FargateRule.UNSUPPORTED, name
    capabilities = linux.get("capabilities")
    added = capabilities.get("add") if isinstance(capabilities, Mapping) else None
    for capability in added if isinstance(added, list | tuple) else ():
        if capability not in FARGATE_CAPABILITIES:
            return FargateRule.CAPABILITY, str(capability)
    return None


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _parsed(value: Any, parse: Any) -> int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        result: int = parse(value)
    except ValueError:
        return None
    return result


@dataclass(frozen=True)
class PortMapping:
    """A container port and the host port it is published on (0 = dynamic, bridge only)."""

    container_port: int
    host_port: int
    protocol: str = "tcp"


@dataclass(frozen=True)
class HealthCheck:
    """A container health check: ``command`` starts with ``CMD`` or ``CMD-SHELL``."""

    command: tuple[str, ...]
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 0


@dataclass(frozen=True)
class MountPoint:
    source_volume: str
    container_path: str
    read_only: bool = False


@dataclass(frozen=True)
class Volume:
    """A task volume; ``host_source_path`` is set for bind mounts (``host.sourcePath``)."""

    name: str
    host_source_path: str | None = None


@dataclass(frozen=True)
class ContainerDefinition:
    """One container of a task definition, with ECS's defaults applied."""

    name: str
    image: str
    cpu: int = 0
    memory: int | None = None  # hard limit, MiB
    memory_reservation: int | None = None  # soft limit, MiB
    essential: bool = True
    port_mappings: tuple[PortMapping, ...] = ()
    links: tuple[str, ...] = ()
    depends_on: tuple[tuple[str, str], ...] = ()  # (containerName, condition)
    command: tuple[str, ...] | None = None
    entry_point: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    health_check: HealthCheck | None = None
    stop_timeout: int | None = None
    docker_labels: tuple[tuple[str, str], ...] = ()
    privileged: bool = False
    user: str | None = None
    working_directory: str | None = None
    mount_points: tuple[MountPoint, ...] = ()

    @property
    def reserved_memory(self) -> int:
        """What placement subtracts for this container: memoryReservation if set, else memory."""
        if self.memory_reservation is not None:
            return self.memory_reservation
        return self.memory or 0


@dataclass(frozen=True)
class TaskDefinition:
    """One revision of a task definition family.

    Lifecycle: ``ACTIVE`` when registered → ``INACTIVE`` after ``DeregisterTaskDefinition``
    (running tasks and services keep going, no new tasks or services may use it) →
    ``DELETE_IN_PROGRESS`` after ``DeleteTaskDefinitions``.

    ``document`` is the full camelCase ``taskDefinition`` that ECS returns; treat it as
    read-only (copy it before handing it out).
    """

    arn: str
    family: str
    revision: int
    status: TaskDefinitionStatus
    network_mode: str
    containers: tuple[ContainerDefinition, ...]
    task_cpu: int | None = None
    task_memory: int | None = None
    requires_compatibilities: tuple[str, ...] = ()
    placement_constraints: tuple[tuple[str, str], ...] = ()  # (type, expression)
    volumes: tuple[Volume, ...] = ()
    document: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_request(
        cls,
        params: Mapping[str, Any],
        *,
        arn: str,
        revision: int,
        registered_at: float,
    ) -> TaskDefinition:
        """Build revision ``revision`` from a validated ``RegisterTaskDefinition`` request."""
        network_mode = str(params.get("networkMode") or DEFAULT_NETWORK_MODE)
        task_cpu = _optional_parse(params.get("cpu"), parse_task_cpu)
        task_memory = _optional_parse(params.get("memory"), parse_task_memory)
        raw_containers = [dict(c) for c in params.get("containerDefinitions", ())]
        echoed = [_echo_container(c, network_mode) for c in raw_containers]
        containers = tuple(_container_from_echo(c) for c in echoed)
        requires = tuple(str(c) for c in params.get("requiresCompatibilities") or ())
        constraints = tuple(
            (str(c.get("type", "")), str(c.get("expression", "")))
            for c in params.get("placementConstraints") or ()
        )
        volumes = tuple(_volume(v) for v in params.get("volumes") or ())
        document = _document(
            params,
            arn=arn,
            revision=revision,
            registered_at=registered_at,
            network_mode=network_mode,
            containers=echoed,
            task_cpu=task_cpu,
            task_memory=task_memory,
        )
        return cls(
            arn=arn,
            family=str(params["family"]),
            revision=revision,
            status=ACTIVE,
            network_mode=network_mode,
            containers=containers,
            task_cpu=task_cpu,
            task_memory=task_memory,
            requires_compatibilities=requires,
            placement_constraints=constraints,
            volumes=volumes,
            document=document,
        )

    # -- read-only queries -----------------------------------------------------------------
    @property
    def name(self) -> str:
        """``family:revision``, the short form ECS accepts wherever a task definition goes."""
        return f"{self.family}:{self.revision}"

    @property
    def reserved_cpu(self) -> int:
        """CPU units one task of this definition takes: task-level cpu, else Σ container cpu."""
        if self.task_cpu is not None:
            return self.task_cpu
        return sum(c.cpu for c in self.containers)

    @property
    def reserved_memory(self) -> int:
        """MiB one task takes: task-level memory, else Σ (memoryReservation or memory)."""
        if self.task_memory is not None:
            return self.task_memory
        return sum(c.reserved_memory for c in self.containers)

    @property
    def essential_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.containers if c.essential)

    @property
    def compatibilities(self) -> tuple[str, ...]:
        return tuple(self.document.get("compatibilities", ()))

    def container(self, name: str) -> ContainerDefinition:
        for c in self.containers:
            if c.name == name:
                return c
        raise KeyError(name)

    def static_host_ports(self, protocol: str = "tcp") -> tuple[int, ...]:
        """Host ports a task of this definition needs fixed on its instance, for ``protocol``.

        bridge: the mappings with ``hostPort > 0`` (0 means a dynamic port); host and awsvpc:
        every ``containerPort`` (ports are the host's, or the task ENI's); none: nothing.
        """
        if self.network_mode == "none":
            return ()
        ports: list[int] = []
        for container in self.containers:
            for mapping in container.port_mappings:
                if mapping.protocol != protocol:
                    continue
                if self.network_mode == "bridge":
                    if mapping.host_port > 0:
                        ports.append(mapping.host_port)
                else:
                    ports.append(mapping.container_port)
        return tuple(ports)

    def with_status(self, status: TaskDefinitionStatus) -> TaskDefinition:
        """A copy in ``status`` (e.g. INACTIVE), with the echoed document updated too."""
        document = copy.deepcopy(self.document)
        document["status"] = status.value
        return dataclasses.replace(self, status=status, document=document)

    def to_view(self) -> snapshot.TaskDefinitionView:
        """The frozen view renderers read."""
        return snapshot.TaskDefinitionView(
            arn=self.arn,
            family=self.family,
            revision=self.revision,
            status=self.status.value,
            network_mode=self.network_mode,
            cpu=self.reserved_cpu,
            memory=self.reserved_memory,
            containers=tuple(_container_view(c) for c in self.containers),
        )


# -- helpers ---------------------------------------------------------------------------------
def _optional_parse(value: Any, parse: Any) -> int | None:
    if value is None:
        return None
    result: int = parse(value)
    return result


def _echo_port_mapping(mapping: Mapping[str, Any], network_mode: str) -> dict[str, Any]:
    echoed = dict(mapping)
    container_port = echoed.get("containerPort")
    if network_mode in ("awsvpc", "host") and container_port is not None:
        if echoed.get("hostPort") in (None, 0):
            echoed["hostPort"] = container_port
    elif container_port is not None and echoed.get("hostPort") is None:
        echoed["hostPort"] = 0  # our choice: the echo for an omitted bridge hostPort
    echoed.setdefault("protocol", "tcp")
    return echoed


def _echo_container(container: Mapping[str, Any], network_mode: str) -> dict[str, Any]:
    """One container definition as ECS echoes it: defaults added, everything else kept."""
    echoed = copy.deepcopy(dict(container))
    echoed.setdefault("cpu", 0)
    echoed["portMappings"] = [
        _echo_port_mapping(m, network_mode) for m in echoed.get("portMappings") or ()
    ]
    if echoed.get("essential") is None:
        echoed["essential"] = True
    echoed.setdefault("environment", [])
    echoed.setdefault("mountPoints", [])
    echoed.setdefault("volumesFrom", [])
    return echoed


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(str(v) for v in value)


def _container_from_echo(c: Mapping[str, Any]) -> ContainerDefinition:
    health = c.get("healthCheck")
    return ContainerDefinition(
        name=str(c.get("name", "")),
        image=str(c.get("image", "")),
        cpu=int(c.get("cpu") or 0),
        memory=c.get("memory"),
        memory_reservation=c.get("memoryReservation"),
        essential=bool(c.get("essential", True)),
        port_mappings=tuple(
            PortMapping(
                container_port=int(m.get("containerPort") or 0),
                host_port=int(m.get("hostPort") or 0),
                protocol=str(m.get("protocol", "tcp")),
            )
            for m in c.get("portMappings") or ()
        ),
        links=tuple(str(link) for link in c.get("links") or ()),
        depends_on=tuple(
            (str(d.get("containerName", "")), str(d.get("condition", "")))
            for d in c.get("dependsOn") or ()
        ),
        command=_strings(c.get("command")),
        entry_point=_strings(c.get("entryPoint")),
        environment=tuple(
            (str(e.get("name", "")), str(e.get("value", ""))) for e in c.get("environment") or ()
        ),
        health_check=_health_check(health) if health else None,
        stop_timeout=c.get("stopTimeout"),
        docker_labels=tuple((str(k), str(v)) for k, v in (c.get("dockerLabels") or {}).items()),
        privileged=bool(c.get("privileged") or False),
        user=c.get("user"),
        working_directory=c.get("workingDirectory"),
        mount_points=tuple(
            MountPoint(
                source_volume=str(m.get("sourceVolume", "")),
                container_path=str(m.get("containerPath", "")),
                read_only=bool(m.get("readOnly") or False),
            )
            for m in c.get("mountPoints") or ()
        ),
    )


def _health_check(h: Mapping[str, Any]) -> HealthCheck:
    def pick(key: str, default: int) -> int:
        value = h.get(key)
        return default if value is None else int(value)

    return HealthCheck(
        command=tuple(str(part) for part in h.get("command") or ()),
        interval=pick("interval", 30),
        timeout=pick("timeout", 5),
        retries=pick("retries", 3),
        start_period=pick("startPeriod", 0),
    )


def _volume(v: Mapping[str, Any]) -> Volume:
    host = v.get("host") or {}
    source = host.get("sourcePath")
    return Volume(name=str(v.get("name", "")), host_source_path=source)


def _compatibilities(network_mode: str, params: Mapping[str, Any]) -> list[str]:
    """ECS's ``compatibilities``: where this definition could run.

    EC2/bridge definitions come back as ``["EXTERNAL", "EC2"]``; ECS Anywhere (EXTERNAL) has no
    awsvpc; ``FARGATE`` is added when the definition passes every Fargate rule
    (``fargate_violation``): awsvpc, a valid task cpu/memory pair, no host IPC/PID sharing, no
    host paths, no privileged containers ... (Fargate definitions come back as
    ``["EC2", "FARGATE"]``).
    """
    result: list[str] = []
    if network_mode != "awsvpc":
        result.append("EXTERNAL")
    result.append("EC2")
    if fargate_violation(params) is None:
        result.append("FARGATE")
    return result


def _requires_attributes(
    params: Mapping[str, Any], network_mode: str, containers: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """The container-instance attributes a task of this definition needs (placement checks)."""
    names = ["com.amazonaws.ecs.capability.docker-remote-api.1.18"]
    if any(c.get("memoryReservation") is not None for c in containers):
        names.append("com.amazonaws.ecs.capability.docker-remote-api.1.21")
    if any(c.get("healthCheck") for c in containers):
        names.append("ecs.capability.container-health-check")
    if any(c.get("dependsOn") for c in containers):
        names.append("ecs.capability.container-ordering")
    drivers = {
        str((c.get("logConfiguration") or {}).get("logDriver"))
        for c in containers
        if c.get("logConfiguration")
    }
    for driver in sorted(drivers):
        names.append(f"com.amazonaws.ecs.capability.logging-driver.{driver}")
    if params.get("taskRoleArn"):
        names.append("com.amazonaws.ecs.capability.task-iam-role")
    if params.get("executionRoleArn") and "awslogs" in drivers:
        names.append("ecs.capability.execution-role-awslogs")
    if network_mode == "awsvpc":
        names.append("ecs.capability.task-eni")
    return [{"name": n} for n in names]


def _document(
    params: Mapping[str, Any],
    *,
    arn: str,
    revision: int,
    registered_at: float,
    network_mode: str,
    containers: list[dict[str, Any]],
    task_cpu: int | None,
    task_memory: int | None,
) -> dict[str, Any]:
    """The ``taskDefinition`` object of the response, keys in the order ECS prints them."""
    doc: dict[str, Any] = {
        "taskDefinitionArn": arn,
        "containerDefinitions": containers,
        "family": params["family"],
    }
    for key in _DROPPED_WHEN_EMPTY:
        if params.get(key):
            doc[key] = params[key]
    doc["networkMode"] = network_mode
    doc["revision"] = revision
    doc["volumes"] = copy.deepcopy(list(params.get("volumes") or []))
    doc["status"] = ACTIVE.value
    doc["requiresAttributes"] = _requires_attributes(params, network_mode, containers)
    doc["placementConstraints"] = copy.deepcopy(list(params.get("placementConstraints") or []))
    doc["compatibilities"] = _compatibilities(network_mode, params)
    if params.get("requiresCompatibilities"):
        doc["requiresCompatibilities"] = list(params["requiresCompatibilities"])
    if task_cpu is not None:
        doc["cpu"] = str(task_cpu)
    if task_memory is not None:
        doc["memory"] = str(task_memory)
    handled = set(doc) | {"tags", "requiresCompatibilities", *_DROPPED_WHEN_EMPTY}
    for key, value in params.items():  # everything else passes through unchanged
        if key not in handled:
            doc[key] = copy.deepcopy(value)
    doc["registeredAt"] = registered_at
    doc["registeredBy"] = REGISTERED_BY
    return doc


def _container_view(c: ContainerDefinition) -> snapshot.ContainerDefinitionView:
    return snapshot.ContainerDefinitionView(
        name=c.name,
        image=c.image,
        cpu=c.cpu,
        memory=c.memory,
        memory_reservation=c.memory_reservation,
        essential=c.essential,
        port_mappings=tuple(
            snapshot.PortBindingView(
                container_port=m.container_port, host_port=m.host_port, protocol=m.protocol
            )
            for m in c.port_mappings
        ),
        links=c.links,
        depends_on=tuple(name for name, _ in c.depends_on),
    )
