"""Rich HTML for Jupyter: a snapshot, a cluster, a service or a task as a small table + picture.

These back the ``_repr_html_`` of the public objects: a learner who evaluates ``ecs.snapshot()``
in a notebook sees the cluster's numbers in a table and a thumbnail of the live cluster view,
not a wall of dataclass fields. The output holds no memory addresses or wall-clock times, so
notebooks stay comparable with nbval.
"""

from __future__ import annotations

import html
import re

from ecsedu.model.snapshot import ServiceView, Snapshot, TaskView
from ecsedu.render.style import status_style, task_status

__all__ = ["service_html", "snapshot_html", "table", "task_html", "thumbnail"]

_SIZE = re.compile(r'(<svg\b[^>]*?)\swidth="[^"]*"\sheight="[^"]*"')


def table(caption: str, header: list[str], rows: list[list[object]]) -> str:
    """A plain HTML table (escaped)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<table class="ecsedu"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def thumbnail(svg: str, width: int = 480) -> str:
    """Inline an SVG scaled to ``width`` pixels (its viewBox keeps the proportions)."""
    return _SIZE.sub(rf'\1 width="{width}"', svg, count=1)


def snapshot_html(snapshot: Snapshot, *, picture: bool = True, theme: str = "light") -> str:
    """Each cluster's instances, services and task counts, plus a thumbnail of the first."""
    parts = [
        f"<div class='ecsedu-snapshot'><p>ECS state at t = {snapshot.time:g} s "
        f"({html.escape(snapshot.runtime)} runtime)</p>"
    ]
    for cluster in snapshot.clusters:
        rows: list[list[object]] = []
        for inst in snapshot.instances_in(cluster.arn):
            rows.append(
                [
                    inst.ec2_instance_id,
                    status_style(inst.status).text,
                    "connected" if inst.agent_connected else "⚠ disconnected",
                    f"{inst.reserved_cpu} / {inst.registered_cpu}",
                    f"{inst.reserved_memory} / {inst.registered_memory}",
                    inst.running_tasks_count,
                    inst.pending_tasks_count,
                ]
            )
        parts.append(
            table(
                f"Cluster {cluster.name}: container instances",
                [
                    "instance",
                    "status",
                    "agent",
                    "CPU reserved",
                    "memory reserved (MiB)",
                    "running",
                    "pending",
                ],
                rows,
            )
        )
        services = snapshot.services_in(cluster.arn)
        if services:
            parts.append(
                table(
                    f"Cluster {cluster.name}: services",
                    ["service", "status", "task definition", "desired", "running", "pending"],
                    [
                        [
                            s.name,
                            s.status,
                            s.task_definition_arn.rsplit("/", 1)[-1],
                            s.desired_count,
                            s.running_count,
                            s.pending_count,
                        ]
                        for s in services
                    ],
                )
            )
    if picture and snapshot.clusters:
        from ecsedu.render.figures import cluster_view

        parts.append(thumbnail(cluster_view(snapshot, theme=theme).svg()))
    parts.append("</div>")
    return "".join(parts)


def service_html(service: ServiceView) -> str:
    """One service: its counts and deployments."""
    rows: list[list[object]] = [
        [
            d.status,
            d.task_definition_arn.rsplit("/", 1)[-1],
            d.desired_count,
            d.running_count,
            d.pending_count,
            d.rollout_state,
        ]
        for d in service.deployments
    ]
    head = (
        f"<p>Service <b>{html.escape(service.name)}</b> ({html.escape(service.status)}): "
        f"desired {service.desired_count}, running {service.running_count}, pending "
        f"{service.pending_count}</p>"
    )
    return head + table(
        "deployments",
        ["status", "task definition", "desired", "running", "pending", "rollout"],
        rows,
    )


def task_html(task: TaskView) -> str:
    """One task: its status and containers."""
    style = status_style(task_status(task))
    head = (
        f"<p>Task <code>{html.escape(task.id)}</code> of "
        f"{html.escape(task.family)}:{task.revision}: {html.escape(style.text)}"
        + (f" (service {html.escape(task.service_name)})" if task.service_name else "")
        + "</p>"
    )
    rows: list[list[object]] = [
        [c.name, c.image, c.last_status, "" if c.exit_code is None else c.exit_code]
        for c in task.containers
    ]
    return head + table("containers", ["container", "image", "status", "exit code"], rows)
