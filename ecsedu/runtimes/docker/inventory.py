"""What a Docker runtime believes, and what the engine really has, found by label.

``TaskRecord`` / ``ContainerRecord`` are a runtime's beliefs about its tasks. The functions here
list containers by label (keeping only those of connections the runtime may take charge of),
turn what they find into records (adoption after a restart) and into an inventory
(``list_tasks``), and compare beliefs with reality (``compare``, the periodic reconcile), returning
``Finding``s that the runtime applies under its own lock.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsedu.runtimes.base import ContainerState, TaskSpec
from ecsedu.runtimes.docker import labels
from ecsedu.runtimes.docker.common import _HEALTH_OF, _STATE_OF, _load_docker

__all__ = [
    "ContainerRecord",
    "Finding",
    "Found",
    "TaskRecord",
    "compare",
    "connection_of",
    "find",
    "record_from",
    "states",
    "task_from",
]


@dataclass
class ContainerRecord:
    name: str
    docker_name: str = ""
    container_id: str | None = None
    state: ContainerState = ContainerState.PENDING
    health: str | None = None
    has_health: bool = False
    oom: bool = False
    exit_code: int | None = None  # reported exit code override (kill_container)
    started: bool = False
    bindings: tuple[tuple[int, int, str, str], ...] = ()


@dataclass
class TaskRecord:
    task_arn: str
    spec: TaskSpec | None  # None for a task adopted from labels
    containers: dict[str, ContainerRecord] = field(default_factory=dict)
    network_id: str | None = None
    volumes: dict[str, str] = field(default_factory=dict)  # source volume -> Docker volume
    starting: bool = True
    stopping: bool = False
    removing: bool = False


def connection_of(summary: Mapping[str, Any]) -> str:
    """The ``ecsedu.connection`` label of a listed container ("" for an older ecsedu's)."""
    return str((summary.get("Labels") or {}).get(labels.CONNECTION, ""))


def find(
    client: Any,
    filters: Mapping[str, list[str]],
    *,
    task_arn: str | None = None,
    take: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """Containers (any state) matching label ``filters`` (and one task), whose connection
    ``take`` accepts; those of the connections ``take`` refuses belong to someone else."""
    wanted = {"label": [*filters.get("label", [])]}
    if task_arn is not None:
        wanted["label"].append(f"{labels.TASK_ARN}={task_arn}")
    found: list[dict[str, Any]] = client.api.containers(all=True, filters=wanted)
    if take is None:
        return found
    verdicts: dict[str, bool] = {}
    out = []
    for summary in found:
        connection = connection_of(summary)
        if connection not in verdicts:
            verdicts[connection] = take(connection)
        if verdicts[connection]:
            out.append(summary)
    return out


def _state(summary: Mapping[str, Any]) -> ContainerState:
    return _STATE_OF.get(str(summary.get("State")), ContainerState.STOPPED)


def record_from(summary: Mapping[str, Any], *, has_health: bool = False) -> ContainerRecord:
    """A record of a container found on the engine (adopted: it was started by someone)."""
    lab = summary.get("Labels") or {}
    names = summary.get("Names") or [""]
    return ContainerRecord(
        str(lab.get(labels.CONTAINER_NAME, "")),
        str(names[0]).lstrip("/"),
        str(summary["Id"]),
        _state(summary),
        has_health=has_health,
        started=True,
    )


def task_from(
    task_arn: str, found: Iterable[Mapping[str, Any]], spec: TaskSpec | None = None
) -> TaskRecord:
    """A task record rebuilt from its containers found by label.

    With ``spec`` (adoption from a state file), only its containers are kept and their health
    checks are known; without, every container found is kept.
    """
    health = {c.name: c.health_check is not None for c in spec.containers} if spec else None
    task = TaskRecord(task_arn, spec, starting=False)
    for summary in found:
        cname = str((summary.get("Labels") or {}).get(labels.CONTAINER_NAME, ""))
        if health is not None and cname not in health:
            continue
        task.containers[cname] = record_from(summary, has_health=bool(health and health[cname]))
    return task


def states(found: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, ContainerState]]:
    """Task ARN → container name → state, of labelled containers (later ones win a clash)."""
    out: dict[str, dict[str, ContainerState]] = {}
    for summary in found:
        lab = summary.get("Labels") or {}
        arn, cname = lab.get(labels.TASK_ARN), lab.get(labels.CONTAINER_NAME)
        if arn and cname:
            out.setdefault(str(arn), {})[str(cname)] = _state(summary)
    return out


class Finding(str, enum.Enum):
    """What a reconcile learnt about one container."""

    VANISHED = "vanished"  # no longer on the engine
    EXITED = "exited"  # stopped while nobody listened
    HEALTH = "health"  # its health status is known
    RUNNING = "running"  # started, but never reported running


@dataclass(frozen=True)
class Found:
    finding: Finding
    task: TaskRecord
    container: ContainerRecord
    exit_code: int | None = None
    oom: bool = False
    health: str | None = None


def compare(
    client: Any, found: Sequence[Mapping[str, Any]], tasks: Iterable[TaskRecord]
) -> list[Found]:
    """Compare the records of ``tasks`` with the containers ``found`` on the engine.

    Containers stopped or running with a health check are inspected for their exit code, OOM
    flag or health. Nothing is changed: the caller applies the findings under its lock (and
    drops those that no longer apply).
    """
    docker = _load_docker()
    by_id = {str(s["Id"]): s for s in found}
    out: list[Found] = []
    for task in tasks:
        for c in list(task.containers.values()):
            if c.container_id is None or c.state == ContainerState.STOPPED:
                continue
            summary = by_id.get(c.container_id)
            if summary is None:
                out.append(Found(Finding.VANISHED, task, c))
                continue
            docker_state = str(summary.get("State"))
            if docker_state in ("exited", "dead") or (c.has_health and docker_state == "running"):
                try:
                    info = client.api.inspect_container(c.container_id)
                except docker.errors.NotFound:
                    out.append(Found(Finding.VANISHED, task, c))
                    continue
                state = info.get("State") or {}
                if docker_state in ("exited", "dead"):
                    code, oom = int(state.get("ExitCode", 0)), bool(state.get("OOMKilled"))
                    out.append(Found(Finding.EXITED, task, c, exit_code=code, oom=oom))
                else:
                    health = _HEALTH_OF.get(str((state.get("Health") or {}).get("Status")))
                    if health:
                        out.append(Found(Finding.HEALTH, task, c, health=health))
            elif docker_state == "running" and c.state == ContainerState.PENDING and c.started:
                out.append(Found(Finding.RUNNING, task, c))
    return out
