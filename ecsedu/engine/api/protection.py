"""Task scale-in protection: ``UpdateTaskProtection`` and ``GetTaskProtection``.

A protected task of a service is not chosen by the service scheduler for scale-in, and a
deployment does not stop it: the rollout waits, still IN_PROGRESS, until the protection is turned
off or expires
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-scale-in-protection.html).
Protection lasts ``expiresInMinutes`` (1 to 2,880; 120 when not given); setting it again on a
protected task restarts the period. Only a service's tasks can be protected: a standalone task is
a ``TASK_NOT_VALID`` failure, an unknown one ``MISSING``
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateTaskProtection.html).

The expiry is kept on the task (``Task.protected_until``, clock time) and read against the
clock, so protection lapses on time without a timer; a reconcile of the service is queued for the
moment it lapses so that a waiting rollout or scale-in carries on at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import errors
from ecsedu.engine import describe
from ecsedu.engine.api.common import EV, api
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = ["DEFAULT_MINUTES", "MAX_MINUTES", "get_task_protection", "update_task_protection"]

DEFAULT_MINUTES = 120  # "automatically protected for 120 minutes (2 hours)"
MAX_MINUTES = 2880  # "from 1 minute to up to 2,880 minutes (48 hours)"
MAX_UPDATE_TASKS = 10  # UpdateTaskProtection: "A list of up to 10 task IDs or full ARN entries."
MAX_GET_TASKS = 100  # GetTaskProtection: "A list of up to 100 task IDs or full ARN entries."


def protected(task: task_mod.Task, now: float) -> bool:
    """Is ``task`` protected from scale-in at ``now``?"""
    return task.protected_until is not None and now < task.protected_until


def _entry(task: task_mod.Task, now: float) -> dict[str, Any]:
    if protected(task, now):
        return {
            "taskArn": task.arn,
            "protectionEnabled": True,
            "expirationDate": describe.timestamp(task.protected_until),
        }
    # as ECS answers once protection is off: no expirationDate (API reference, example 3)
    return {"taskArn": task.arn, "protectionEnabled": False}


def _resolve(
    cp: ControlPlane, cluster_arn: str, refs: list[str], op: str
) -> tuple[list[task_mod.Task], list[dict[str, str]]]:
    c = cp.store.clusters[cluster_arn]
    found: list[task_mod.Task] = []
    failures: list[dict[str, str]] = []
    for ref in refs:
        arn = cp.store.task_arn(c, ref)
        t = cp.store.tasks.get(arn)
        if t is None or t.cluster_arn != c.arn:
            failures.append({"arn": arn, "reason": "MISSING"})
        elif t.service_name is None:
            # "Invoking this operation for a standalone task will result in an TASK_NOT_VALID
            # failure."
            failures.append({"arn": arn, "reason": "TASK_NOT_VALID"})
        else:
            found.append(t)
    return found, failures


def _too_many(refs: list[str], limit: int, op: str) -> None:
    if len(refs) > limit:
        raise errors.ecs_error(
            "InvalidParameterException",
            f"Tasks cannot have more than {limit} elements",  # our wording
            op,
        )


@api("UpdateTaskProtection")
def update_task_protection(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "UpdateTaskProtection"
    c = cp.store.cluster(params.get("cluster"), op)
    refs: list[str] = list(params["tasks"])
    _too_many(refs, MAX_UPDATE_TASKS, op)
    enable = bool(params["protectionEnabled"])
    minutes = params.get("expiresInMinutes")
    if enable and minutes is not None and not 1 <= int(minutes) <= MAX_MINUTES:
        raise errors.ecs_error(
            "InvalidParameterException",
            f"expiresInMinutes must be between 1 and {MAX_MINUTES}.",  # our wording
            op,
        )
    found, failures = _resolve(cp, c.arn, refs, op)
    now = cp.store.clock.now
    until = now + 60.0 * int(minutes if minutes is not None else DEFAULT_MINUTES)
    for t in found:
        t.protected_until = until if enable else None
        cp.store.record(
            EV.API_CALL,
            f"task {t.id} scale-in protection "
            + (f"on for {int(minutes or DEFAULT_MINUTES)} minutes" if enable else "off"),
            cluster_arn=c.arn,
            subject=t.arn,
        )
        service = cp.services._service_of(t)
        if service is not None:
            cp.services.request(service)  # protection off: a waiting scale-in can go on
            if enable:
                cp.services.request(service, until - now)  # and again when it lapses
    cp.store.touch(*(t.arn for t in found))
    return {"protectedTasks": [_entry(t, now) for t in found], "failures": failures}


@api("GetTaskProtection")
def get_task_protection(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "GetTaskProtection"
    c = cp.store.cluster(params.get("cluster"), op)
    now = cp.store.clock.now
    refs = params.get("tasks")
    if refs is None:
        # our choice: without ``tasks``, every running service task of the cluster
        tasks = [t for t in cp.store.tasks_in(c.arn) if t.service_name is not None and t.alive]
        return {"protectedTasks": [_entry(t, now) for t in tasks], "failures": []}
    _too_many(list(refs), MAX_GET_TASKS, op)
    found, failures = _resolve(cp, c.arn, list(refs), op)
    return {"protectedTasks": [_entry(t, now) for t in found], "failures": failures}
