"""Rich HTML for Jupyter: a snapshot, a cluster, a service, a task or an instance as a small
table and a thumbnail.

These back the Jupyter displays registered by ``ecsedu.app.jupyter``: a learner who evaluates
``ecs.snapshot()`` (or ``ecs`` itself) in a notebook sees the cluster's numbers in a table and a
thumbnail of the live cluster view, not a wall of dataclass fields; a service, a task or a
container instance shows its own card (``ecsedu.render.cards``). The output holds no memory
addresses and no wall-clock time (only the simulated clock's time), so notebooks stay comparable
with nbval.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from ecsedu import arns
from ecsedu.model.snapshot import (
    ClusterView,
    EventView,
    InstanceView,
    ServiceView,
    Snapshot,
    TaskView,
)
from ecsedu.render.style import Theme, status_style, task_status

__all__ = [
    "MAX_EVENT_ROWS",
    "MAX_THUMBNAIL_TASKS",
    "cluster_html",
    "control_plane_html",
    "event_html",
    "events_html",
    "short_subject",
    "instance_html",
    "service_html",
    "snapshot_html",
    "table",
    "task_html",
    "thumbnail",
]

MAX_THUMBNAIL_TASKS = 200  # beyond this a cluster thumbnail is too heavy to inline in a notebook
MAX_EVENT_ROWS = 200  # an event log longer than this shows its newest rows (the end of the log)

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


def _when(snapshot: Snapshot) -> str:
    """The snapshot's time, only when it is simulated time (wall-clock time would differ on
    every run and break notebook comparisons)."""
    if snapshot.runtime == "simulated":
        when = datetime.fromtimestamp(snapshot.time, tz=UTC)
        return f"ECS state at {when:%Y-%m-%d %H:%M:%S} UTC (simulated clock)"
    return f"ECS state ({html.escape(snapshot.runtime or 'unknown')} runtime)"


def _instance_row(inst: InstanceView) -> list[object]:
    return [
        inst.ec2_instance_id,
        status_style(inst.status).text,
        "✓ connected" if inst.agent_connected else "⚠ disconnected",
        f"{inst.reserved_cpu} / {inst.registered_cpu}",
        f"{inst.reserved_memory} / {inst.registered_memory}",
        inst.running_tasks_count,
        inst.pending_tasks_count,
    ]


_INSTANCE_HEADER = [
    "instance",
    "status",
    "agent",
    "CPU reserved",
    "memory reserved (MiB)",
    "running",
    "pending",
]


def _cluster_picture(snapshot: Snapshot, cluster: ClusterView, theme: str | Theme | None) -> str:
    from ecsedu.render.figures import cluster_view

    shown = sum(1 for t in snapshot.tasks if t.cluster_arn == cluster.arn)
    if shown > MAX_THUMBNAIL_TASKS:
        return (
            f"<p><i>Cluster view of {html.escape(cluster.name)} not inlined: {shown} tasks. "
            "Draw it with <code>ecsedu.render.cluster_view(snapshot)</code>.</i></p>"
        )
    return thumbnail(cluster_view(snapshot, cluster=cluster.arn, theme=theme, stream=True).svg())


def snapshot_html(
    snapshot: Snapshot, *, picture: bool = True, theme: str | Theme | None = None
) -> str:
    """Each cluster's instances, services and task counts, plus a thumbnail of the first."""
    return (
        f"<div class='ecsedu-snapshot'><p>{_when(snapshot)}</p>"
        f"{_clusters(snapshot, picture, theme)}</div>"
    )


def _clusters(snapshot: Snapshot, picture: bool, theme: str | Theme | None) -> str:
    parts = []
    if not snapshot.clusters:
        parts.append("<p>No clusters yet: <code>ecs.create_cluster(clusterName=...)</code></p>")
    for cluster in snapshot.clusters:
        rows = [_instance_row(inst) for inst in snapshot.instances_in(cluster.arn)]
        parts.append(table(f"Cluster {cluster.name}: container instances", _INSTANCE_HEADER, rows))
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
                            arns.resource_id(s.task_definition_arn),
                            s.desired_count,
                            s.running_count,
                            s.pending_count,
                        ]
                        for s in services
                    ],
                )
            )
    if picture and snapshot.clusters:
        parts.append(_cluster_picture(snapshot, snapshot.clusters[0], theme))
    return "".join(parts)


def control_plane_html(snapshot: Snapshot, name: str, *, theme: str | Theme | None = None) -> str:
    """The control plane (``ecs``) itself: what it holds, and the live view of its first cluster."""
    running = sum(1 for t in snapshot.tasks if t.last_status == "RUNNING")
    counts = table(
        name,
        ["clusters", "container instances", "task definitions", "services", "tasks", "running"],
        [
            [
                len(snapshot.clusters),
                len(snapshot.instances),
                len(snapshot.task_definitions),
                len(snapshot.services),
                len(snapshot.tasks),
                running,
            ]
        ],
    )
    return (
        f"<div class='ecsedu-control-plane'><p>{_when(snapshot)}</p>{counts}"
        f"{_clusters(snapshot, True, theme)}</div>"
    )


def cluster_html(cluster: ClusterView, *, theme: str | Theme | None = None) -> str:
    """One cluster: its counts, and its card."""
    from ecsedu.render.cards import cluster_card

    rows: list[list[object]] = [
        [
            cluster.status,
            cluster.registered_container_instances_count,
            cluster.active_services_count,
            cluster.running_tasks_count,
            cluster.pending_tasks_count,
        ]
    ]
    return table(
        f"Cluster {cluster.name}",
        ["status", "container instances", "services", "running tasks", "pending tasks"],
        rows,
    ) + thumbnail(cluster_card(cluster, theme=theme).svg(), 300)


def instance_html(instance: InstanceView, *, theme: str | Theme | None = None) -> str:
    """One container instance: its reservations, agent and task counts, and its card."""
    from ecsedu.render.cards import instance_card

    return table(
        f"Container instance {instance.ec2_instance_id}",
        _INSTANCE_HEADER,
        [_instance_row(instance)],
    ) + thumbnail(instance_card(instance, theme=theme).svg(), 340)


def service_html(service: ServiceView, *, theme: str | Theme | None = None) -> str:
    """One service: its counts and deployments, and its card (one cell per task)."""
    from ecsedu.render.cards import service_card

    rows: list[list[object]] = [
        [
            d.status,
            arns.resource_id(d.task_definition_arn),
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
    return (
        head
        + table(
            "deployments",
            ["status", "task definition", "desired", "running", "pending", "rollout"],
            rows,
        )
        + thumbnail(service_card(service, theme=theme).svg(), 320)
    )


def task_html(task: TaskView, *, theme: str | Theme | None = None) -> str:
    """One task: its status and containers, and its tile as the diagrams draw it."""
    from ecsedu.render.cards import task_card

    style = status_style(task_status(task))
    owner = f"service {task.service_name}" if task.service_name else "RunTask, no service"
    head = (
        f"<p>Task <code>{html.escape(task.id)}</code> of "
        f"{html.escape(task.family)}:{task.revision} ({html.escape(owner)}): "
        f"{html.escape(style.text)}</p>"
    )
    rows: list[list[object]] = [
        [c.name, c.image, c.last_status, "" if c.exit_code is None else c.exit_code]
        for c in task.containers
    ]
    return (
        head
        + table("containers", ["container", "image", "status", "exit code"], rows)
        + thumbnail(task_card(task, theme=theme).svg(), 200)
    )


# -- the event log (ecs.events()) --------------------------------------------------------------
_HEX_ID = re.compile(r"[0-9a-f]{32}")


def short_subject(subject: str | None) -> str:
    """An ARN as a learner reads it: ``task a0116be5``, ``service web``, ``cluster demo``."""
    if not subject:
        return ""
    if not subject.startswith("arn:"):
        return subject
    kind, _, rest = subject.split(":", 5)[-1].partition("/")
    last = arns.resource_id(rest) if rest else kind
    return f"{kind} {last[:8] if _HEX_ID.fullmatch(last) else last}"


def _clock(seconds: float) -> str:
    return f"{datetime.fromtimestamp(seconds, tz=UTC):%H:%M:%S}"


def _event_row(event: EventView) -> str:
    detail = "; ".join(f"{k}={v}" for k, v in event.detail)
    cells = (
        (str(event.seq), ""),
        (_clock(event.time), f"{event.time:.1f}"),
        (event.kind, ""),
        (short_subject(event.subject), event.subject or ""),
        (event.message, detail[:500]),
    )
    return (
        "<tr>"
        + "".join(
            f'<td title="{html.escape(tip)}">{html.escape(text)}</td>'
            if tip
            else f"<td>{html.escape(text)}</td>"
            for text, tip in cells
        )
        + "</tr>"
    )


def events_html(events: Sequence[EventView], *, limit: int = MAX_EVENT_ROWS) -> str:
    """The event log as a table, oldest first and newest last, as ``ecs.events()`` orders it.

    Columns: sequence number, time (UTC, simulated clock on the simulated runtime), kind, the
    subject in short (the full ARN on hover) and the message (details on hover). A long log
    shows its newest ``limit`` rows.
    """
    shown = list(events)[-limit:] if limit > 0 else []
    hidden = len(events) - len(shown)
    note = (
        f"<p><i>{hidden} earlier events not shown; filter with "
        "<code>ecs.events(kind=..., since=...)</code>.</i></p>"
        if hidden
        else ""
    )
    head = "".join(f"<th>{h}</th>" for h in ("#", "time (UTC)", "kind", "subject", "message"))
    body = "".join(_event_row(e) for e in shown)
    return (
        f"<div class='ecsedu-events'>{note}"
        f'<table class="ecsedu"><caption>{len(events)} event{"" if len(events) == 1 else "s"}'
        ", newest last</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def event_html(event: EventView) -> str:
    """One event as a one-row table."""
    return events_html([event])
