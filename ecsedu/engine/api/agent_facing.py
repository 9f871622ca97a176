"""The operations the ECS container agent calls: DiscoverPollEndpoint, SubmitTaskStateChange,
SubmitContainerStateChange, SubmitAttachmentStateChanges; and UpdateContainerAgent, which asks
an instance's agent to update itself.

"This action is only used by the Amazon ECS agent, and it is not intended for use outside of
the agent." (botocore). In ecsedu every container instance already has an agent inside the
engine (``ecsedu/agent``), which reports every container change to the lifecycle directly; these
operations exist so that a learner (or a script written for AWS) can make the calls and see
what ECS answers. What a submitted state change does here, precisely:

* it is checked (the cluster, the task in that cluster, each named container of the task, and
  the statuses, which must be ECS's task / container statuses) and recorded in the event log
  (``API_CALL``), then acknowledged;
* a container reported ``STOPPED`` that is RUNNING is made to exit with the reported
  ``exitCode`` (137 when none is given) on its runtime, exactly like ``ecs.inject(
  "container_exit", ...)``: the instance's own agent then reports it, and the task and its
  service react as ECS would (an essential container stops the task, a service replaces it);
* nothing else is applied: statuses the engine has already reached, a task-level ``status``,
  ``reason``, timestamps, network bindings, attachments and managed agents are recorded only.
  The runtime stays the only source of truth, so what DescribeTasks shows never contradicts
  what is really running.

UpdateContainerAgent: ecsedu's agents run the newest agent version it knows
(``LATEST_AGENT_VERSION``), so ECS answers ``NoUpdateAvailableException``; an instance whose
agent reports an older version is updated at once (ECS answers ``agentUpdateStatus: PENDING``
and goes through STAGING / STAGED / UPDATING; ecsedu does not model these steps, nor
``UpdateInProgressException``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ecsedu import errors, ids
from ecsedu.engine import describe, validation
from ecsedu.engine.api.common import EV, api
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = [
    "ACKNOWLEDGMENT",
    "LATEST_AGENT_VERSION",
    "discover_poll_endpoint",
    "submit_attachment_state_changes",
    "submit_container_state_change",
    "submit_task_state_change",
    "update_container_agent",
]

ACKNOWLEDGMENT = "OK"  # our wording (ECS's acknowledgment string is not documented)
#: The agent version every ecsedu instance registers with (the model's default).
LATEST_AGENT_VERSION: str = next(
    f.default for f in dataclasses.fields(ci_mod.ContainerInstance) if f.name == "agent_version"
)  # type: ignore[assignment]
TASK_STATUSES = frozenset(s.value for s in task_mod.TaskStatus)
CONTAINER_STATUSES = frozenset(s.value for s in task_mod.ContainerStatus)
#: What a container killed without a reported exit code shows (SIGKILL, as Docker reports it).
DEFAULT_EXIT_CODE = 137


def _invalid(message: str, op: str) -> errors.ClientError:
    return errors.ecs_error("InvalidParameterException", message, op)


@api("DiscoverPollEndpoint")
def discover_poll_endpoint(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """The endpoints the agent connects to: ACS (``endpoint``), TACS (``telemetryEndpoint``) and
    Service Connect's. They depend only on the region (an agent calls this before it has
    registered, so neither argument is checked)."""
    region = ids.REGION
    return {
        "endpoint": f"https://ecs-a-1.{region}.amazonaws.com/",
        "telemetryEndpoint": f"https://ecs-t-1.{region}.amazonaws.com/",
        "serviceConnectEndpoint": f"https://ecs-sc-1.{region}.amazonaws.com/",  # our wording
    }


def _task(cp: ControlPlane, c: cluster_mod.Cluster, ref: str | None, op: str) -> task_mod.Task:
    if not ref:
        raise _invalid("A task is required.", op)  # our wording
    task = cp.store.tasks.get(cp.store.task_arn(c, ref))
    if task is None or task.cluster_arn != c.arn:
        raise _invalid(f"Task not found: {ref}", op)  # our wording
    return task


def _check_status(status: str | None, allowed: frozenset[str], what: str, op: str) -> None:
    if status is not None and status not in allowed:
        raise _invalid(
            # our wording
            f"Invalid {what} status {status!r}: one of {', '.join(sorted(allowed))}.",
            op,
        )


def _check_container(task: task_mod.Task, name: str | None, op: str) -> task_mod.Container:
    container = task.container(name) if name else None
    if container is None:
        raise _invalid(f"Task {task.id} has no container {name!r}.", op)  # our wording
    return container


def _apply_stop(
    cp: ControlPlane, task: task_mod.Task, container: task_mod.Container, exit_code: int | None
) -> bool:
    """Make a RUNNING container the agent reports STOPPED really exit (its runtime reports it)."""
    agent = cp.store.agents.get(task.container_instance_arn or "")
    if agent is None or container.last_status is not task_mod.ContainerStatus.RUNNING:
        return False
    code = DEFAULT_EXIT_CODE if exit_code is None else int(exit_code)
    agent.runtime.kill_container(task.arn, container.name, code)
    return True


def _record(cp: ControlPlane, task: task_mod.Task, message: str, **detail: Any) -> None:
    cp.store.record(EV.API_CALL, message, cluster_arn=task.cluster_arn, subject=task.arn, **detail)


@api("SubmitTaskStateChange")
def submit_task_state_change(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """An agent reports a task's state (see the module's docstring for what is applied)."""
    op = "SubmitTaskStateChange"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    task = _task(cp, c, params.get("task"), op)
    _check_status(params.get("status"), TASK_STATUSES, "task", op)
    changes = params.get("containers", [])
    containers = []
    for change in changes:
        containers.append(_check_container(task, change.get("containerName"), op))
        _check_status(change.get("status"), CONTAINER_STATUSES, "container", op)
    applied = [
        container.name
        for container, change in zip(containers, changes, strict=True)
        if change.get("status") == "STOPPED"
        and _apply_stop(cp, task, container, change.get("exitCode"))
    ]
    _record(
        cp,
        task,
        f"agent reported task {task.id} {params.get('status') or '(no status)'}",
        status=params.get("status"),
        reason=params.get("reason"),
        containers=[(ch.get("containerName"), ch.get("status")) for ch in changes],
        applied=applied,
    )
    return {"acknowledgment": ACKNOWLEDGMENT}


@api("SubmitContainerStateChange")
def submit_container_state_change(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """An agent reports one container's state (see the module's docstring)."""
    op = "SubmitContainerStateChange"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    task = _task(cp, c, params.get("task"), op)
    container = _check_container(task, params.get("containerName"), op)
    status = params.get("status")
    _check_status(status, CONTAINER_STATUSES, "container", op)
    applied = status == "STOPPED" and _apply_stop(cp, task, container, params.get("exitCode"))
    _record(
        cp,
        task,
        f"agent reported container {container.name} of task {task.id} {status or '(no status)'}",
        container=container.name,
        status=status,
        exit_code=params.get("exitCode"),
        reason=params.get("reason"),
        applied=applied,
    )
    return {"acknowledgment": ACKNOWLEDGMENT}


@api("SubmitAttachmentStateChanges")
def submit_attachment_state_changes(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """An agent reports ENI / load balancer attachments: ecsedu's tasks have none, so the
    report is recorded and acknowledged only."""
    op = "SubmitAttachmentStateChanges"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    attachments = params["attachments"]
    cp.store.record(
        EV.API_CALL,
        f"agent reported {len(attachments)} attachment state change(s)",
        cluster_arn=c.arn,
        subject=c.arn,
        attachments=[(a["attachmentArn"], a["status"]) for a in attachments],
    )
    return {"acknowledgment": ACKNOWLEDGMENT}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))


@api("UpdateContainerAgent")
def update_container_agent(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Update an instance's agent to ``LATEST_AGENT_VERSION`` (see the module's docstring)."""
    op = "UpdateContainerAgent"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    ref = params["containerInstance"]
    inst = cp.store.instances.get(cp.store.instance_arn(c, ref))
    if inst is None or inst.cluster_arn != c.arn or inst.status == ci_mod.InstanceStatus.INACTIVE:
        raise _invalid(f"Container instance not found: {ref}", op)  # our wording
    if not inst.agent_version:
        raise errors.ecs_error(
            "MissingVersionException",
            # our wording (botocore's description of the exception)
            "Amazon ECS can't determine the current version of the Amazon ECS container agent "
            "on the container instance.",
            op,
        )
    if _version(inst.agent_version) >= _version(LATEST_AGENT_VERSION):
        raise errors.ecs_error(
            "NoUpdateAvailableException",
            # our wording (botocore's description of the exception)
            "There's no update available for this Amazon ECS container agent.",
            op,
        )
    old = inst.agent_version
    inst.agent_version = LATEST_AGENT_VERSION
    inst.version += 1
    cp.store.record(
        EV.API_CALL,
        f"agent on {inst.id} updated from {old} to {LATEST_AGENT_VERSION}",
        cluster_arn=c.arn,
        subject=inst.arn,
    )
    out = describe.container_instance(inst)
    out["agentUpdateStatus"] = "PENDING"
    return {"containerInstance": out}
