"""Plain-text twins of the diagrams: what each figure shows, in sentences (its alt text).

A learner using a screen reader, or reading the docs without images, gets the same facts the
picture carries: which container instances the cluster has, how much CPU and memory each has
reserved, which tasks run where and in which status, and what each service wants.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ecsedu import arns
from ecsedu.model.snapshot import InstanceView, ServiceView, Snapshot, TaskView
from ecsedu.render.style import instance_status, status_style, task_status

__all__ = [
    "LIST_TASKS",
    "UNPLACED_REASONS",
    "describe_cluster",
    "describe_instance",
    "describe_service",
    "describe_task",
    "plural",
    "summarise",
    "unplaced_count",
    "unplaced_short",
]


LIST_TASKS = 8  # an instance with more tasks than this is described by counts, not task by task


# ServiceView.unplaced_reason -> (a few words for a tile, a sentence for the description).
UNPLACED_REASONS: dict[str, tuple[str, str]] = {
    "CPU": ("not enough CPU", "no container instance has enough CPU units left"),
    "memory": ("not enough memory", "no container instance has enough memory left"),
    "ports": ("host port in use", "a host port the task needs is already in use"),
    "attribute": ("missing attribute", "no container instance has an attribute the task needs"),
    "constraint": ("placement constraint", "no container instance meets a placement constraint"),
    "no instances": ("no instances", "the cluster has no container instances"),
    "agent": ("agent disconnected", "the container agent of the closest instance is disconnected"),
}


def unplaced_count(service: ServiceView) -> int:
    """How many tasks the service wants that ECS could not place (0 unless it says so now)."""
    if not service.unplaced_reason:
        return 0
    return max(service.desired_count - service.running_count - service.pending_count, 0)


def unplaced_short(service: ServiceView) -> str:
    """Why, in a few words: "not enough CPU"."""
    reason = service.unplaced_reason or ""
    return UNPLACED_REASONS.get(reason, (reason or "unknown reason", ""))[0]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_task(task: TaskView) -> str:
    owner = (
        f"of service {task.service_name}"
        if task.service_name
        else "started by RunTask (standalone, no service)"
    )
    names = ", ".join(c.name for c in task.containers) or "no containers"
    return f"task {task.id[:8]} {owner} ({task_status(task)}; containers {names})"


def describe_instance(instance: InstanceView, tasks: Sequence[TaskView]) -> str:
    status = instance_status(instance)
    agent = "agent connected" if instance.agent_connected else "agent disconnected"
    head = (
        f"Container instance {instance.ec2_instance_id} "
        f"({status_style(instance.status).word}, {agent}"
        + (f", {instance.availability_zone}" if instance.availability_zone else "")
        + f") has reserved {instance.reserved_cpu} of {instance.registered_cpu} CPU units and "
        f"{instance.reserved_memory} of {instance.registered_memory} MiB of memory"
    )
    if status == "DISCONNECTED" and instance.status != "ACTIVE":
        head += f"; it is {instance.status}"
    if not tasks:
        return head + " and runs no tasks."
    if len(tasks) > LIST_TASKS:  # a busy instance: counts say more than a long list
        return head + f" and runs {plural(len(tasks), 'task')}: {summarise(tasks)}."
    return (
        head
        + f" and runs {plural(len(tasks), 'task')}: "
        + "; ".join(describe_task(t) for t in tasks)
        + "."
    )


def summarise(tasks: Sequence[TaskView]) -> str:
    """Task counts by owner and status: "6 of service web (RUNNING), 1 by RunTask (PENDING)"."""
    counts: dict[tuple[str, str], int] = {}
    for task in tasks:
        owner = f"of service {task.service_name}" if task.service_name else "by RunTask"
        key = (owner, task_status(task))
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{n} {owner} ({status})" for (owner, status), n in counts.items())


def describe_service(service: ServiceView) -> str:
    td = arns.resource_id(service.task_definition_arn)
    text = (
        f"Service {service.name} keeps tasks of task definition {td} running: desired "
        f"{service.desired_count}, running {service.running_count}, pending "
        f"{service.pending_count}."
    )
    missing = unplaced_count(service)
    if missing:
        reason = service.unplaced_reason or ""
        why = UNPLACED_REASONS.get(reason, ("", f"reason: {reason}"))[1]
        text += f" ECS could not place {plural(missing, 'task')}: {why}."
    if service.scaling is None:
        return (
            text + " It has no scaling policy, so its minimum and maximum equal the desired count."
        )
    s = service.scaling
    text += f" It scales between {s.min_capacity} and {s.max_capacity} tasks"
    if not s.alarms:
        return text + "."
    alarms = "; ".join(
        f"alarm {a.name} ({a.metric} {a.comparison} {a.threshold:g}) is {a.state}" for a in s.alarms
    )
    return text + f": {alarms}."


def describe_cluster(
    snapshot: Snapshot,
    cluster_arn: str,
    name: str,
    tasks_on: Callable[[str], Sequence[TaskView]],
    waiting: Sequence[TaskView] = (),
) -> str:
    """The cluster, its services, and each instance with the tasks the figure draws on it."""
    instances = snapshot.instances_in(cluster_arn)
    services = snapshot.services_in(cluster_arn)
    parts = [
        f"Cluster {name} has {plural(len(instances), 'container instance')} and "
        f"{plural(len(services), 'service')}."
    ]
    parts += [describe_service(s) for s in services]
    parts += [describe_instance(i, tasks_on(i.arn)) for i in instances]
    if waiting:
        parts.append(
            f"{plural(len(waiting), 'task')} wait for a container instance with room: "
            + "; ".join(describe_task(t) for t in waiting)
            + "."
        )
    return " ".join(parts)
