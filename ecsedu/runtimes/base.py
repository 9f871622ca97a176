"""The runtime interface: what a container agent needs from the thing that runs containers.

A runtime is small on purpose (like httpx's ``BaseTransport``). A container agent owns one
runtime (one per container instance) and talks to it with four verbs:

* ``start_task(spec)`` creates and starts the task's containers, without blocking on them;
* ``stop_task(task_arn, timeout)`` is ``docker stop``: SIGTERM, then SIGKILL after ``timeout``;
* ``poll()`` returns what happened to containers since the last poll, as ``ContainerEvent``s;
* ``close()`` releases the runtime (and, with ``cleanup=True``, removes what it created).

Plus two for faults and recovery: ``kill_container`` (an out-of-band kill, used by
``ecs.inject``) and ``list_tasks`` (what the runtime really has right now, used to adopt
containers after a restart and to reconcile).

Runtimes never import the engine; they see ``TaskSpec`` values and report ``ContainerEvent``
values. ``SimulatedRuntime`` plays scripted durations on the simulated clock; ``DockerRuntime``
drives a real engine.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import NamedTuple

from ecsedu.model.task_definition import HealthCheck as HealthCheckSpec
from ecsedu.model.task_definition import PortMapping as PortSpec

__all__ = [
    "Bindings",
    "ContainerEvent",
    "ContainerSpec",
    "ContainerState",
    "HealthCheckSpec",
    "PortSpec",
    "Runtime",
    "TaskSpec",
]


class ContainerState(str, enum.Enum):
    """Container states as the agent reports them to ECS."""

    PENDING = "PENDING"  # created / image being pulled
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


@dataclass(frozen=True)
class ContainerSpec:
    """One container of a task, already resolved from its container definition."""

    name: str
    image: str
    cpu: int = 0
    memory: int | None = None  # hard limit, MiB
    memory_reservation: int | None = None  # soft limit, MiB
    essential: bool = True
    command: tuple[str, ...] | None = None
    entry_point: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    ports: tuple[PortSpec, ...] = ()
    links: tuple[str, ...] = ()
    depends_on: tuple[tuple[str, str], ...] = ()  # (containerName, condition)
    health_check: HealthCheckSpec | None = None
    stop_timeout: int | None = None
    docker_labels: tuple[tuple[str, str], ...] = ()
    privileged: bool = False
    user: str | None = None
    working_directory: str | None = None
    mount_points: tuple[tuple[str, str, bool], ...] = ()  # (sourceVolume, containerPath, readOnly)


class TaskSpec(NamedTuple):
    """Everything a runtime needs to run one task (immutable; one is built per task started)."""

    task_arn: str
    task_id: str
    cluster: str  # cluster name
    instance_id: str  # container instance id (the 32-hex part of its ARN)
    task_definition_arn: str
    family: str
    network_mode: str  # bridge | host | awsvpc | none
    containers: tuple[ContainerSpec, ...]
    service_name: str | None = None
    group: str | None = None
    volumes: tuple[tuple[str, str | None], ...] = ()  # (name, host sourcePath or None)


Bindings = tuple[tuple[int, int, str, str], ...]  # (containerPort, hostPort, protocol, hostIp)


@dataclass(frozen=True)
class ContainerEvent:
    """What a runtime observed about one container of one task.

    ``state`` is the container's new state. For STOPPED, ``exit_code`` and ``reason`` say why
    (``reason`` follows ECS wording, e.g. ``OutOfMemoryError: Container killed due to memory
    usage``; 143 is a process ended by SIGTERM, 137 one killed). A container that never started
    has ``start_failed`` and, on the one that failed, an ECS start error as ``reason``
    (``CannotPullContainerError: ...``, ``CannotCreateContainerError: ...``,
    ``CannotStartContainerError: ...``), which becomes the task's ``stoppedReason``.
    ``bindings`` carries the real host ports once RUNNING. ``health`` is HEALTHY, UNHEALTHY or
    UNKNOWN.
    """

    task_arn: str
    container_name: str
    state: ContainerState
    exit_code: int | None = None
    reason: str | None = None
    bindings: tuple[
        tuple[int, int, str, str], ...
    ] = ()  # (containerPort, hostPort, protocol, hostIp)
    health: str | None = None
    runtime_id: str | None = None
    start_failed: bool = False  # the container never started (CannotStartContainerError ...)
    image_digest: str | None = None  # the image's digest (``sha256:...``), on RUNNING


class Runtime:
    """Base class of runtimes. Subclasses implement the methods that raise NotImplementedError.

    ``wake`` is set by the agent: a runtime that can call back on the engine's own thread (the
    simulated one) calls it after queueing events so the agent drains them at once; others leave
    it alone and the engine polls them periodically.

    ``notify`` is set by the engine; called from any thread, with no lock held by the runtime,
    whenever poll() has something new to report; it must be cheap and must not touch engine
    state. A runtime with threads of its own (the Docker one) calls it after queueing events, so
    that the engine drains them at once instead of on its next periodic poll.
    """

    name = "base"

    def __init__(self) -> None:
        self.wake: Callable[[], None] | None = None
        #: Set by the engine; called from any thread, with no lock held by the runtime, whenever
        #: poll() has something new to report; it must be cheap and must not touch engine state.
        self.notify: Callable[[], None] | None = None

    # -- the interface -------------------------------------------------------------------------
    def start_task(self, spec: TaskSpec) -> None:
        raise NotImplementedError

    def stop_task(self, task_arn: str, timeout: float) -> None:
        raise NotImplementedError

    def poll(self) -> list[ContainerEvent]:
        raise NotImplementedError

    def kill_container(
        self, task_arn: str, container_name: str, exit_code: int = 137, *, oom: bool = False
    ) -> None:
        raise NotImplementedError

    def list_tasks(self) -> dict[str, dict[str, ContainerState]]:
        """What is really there: task ARN -> container name -> state."""
        raise NotImplementedError

    def adopt(
        self, spec: TaskSpec, known: dict[str, tuple[ContainerState, Bindings]]
    ) -> dict[str, ContainerState]:
        """After a restart: take charge of a task's containers again, if they still exist.

        ``known`` is what the saved state last heard (container name → state, bindings); a
        runtime that keeps nothing outside the process (the simulated one) rebuilds from it, a
        real one looks at reality instead. Returns container name → state as found.
        """
        return self.list_tasks().get(spec.task_arn, {})

    def answering(self) -> bool:
        """Cheap, no I/O: whether the runtime's engine is reachable as far as it knows now (the
        Docker runtime: its event stream is up). The engine disconnects the instance's agent
        while it is not."""
        return True

    def healthy(self) -> bool:
        """Whether the container runtime answers (the instance's CONTAINER_RUNTIME health)."""
        return True

    def usage(self, task_arn: str) -> tuple[float, int] | None:
        """A task's real resource use: (CPU seconds consumed so far, memory bytes in use),
        summed over its containers; None where the runtime cannot tell (the simulated one:
        its metrics come from the engine's load model)."""
        return None

    def close(self, cleanup: bool = False) -> None:
        """Release resources; with ``cleanup`` also remove every container this runtime owns."""

    # -- context manager -----------------------------------------------------------------------
    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
