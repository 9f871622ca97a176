"""The dashboard's text panels as HTML strings: events, tasks, "Why here?", status lines.

Pure functions of immutable values (snapshots, event views), so they are tested without a
browser and drawn on whatever thread redraws. Every panel is plain HTML with text and symbols
next to its colours, readable by screen readers.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ecsedu import arns
from ecsedu.model.snapshot import EventView, InstanceView, Snapshot, TaskView
from ecsedu.render.style import Theme

__all__ = [
    "REASONS",
    "events_html",
    "figure_html",
    "placement_detail",
    "status_html",
    "tasks_html",
    "why_html",
]

TASK_ROWS = 200  # the table shows this many tasks; the diagram shows all of them
EVENT_ROWS = 60

#: What placement's rejection codes mean, in a learner's words.
REASONS: dict[str, str] = {
    "INACTIVE": "not ACTIVE (draining or deregistered)",
    "DRAINING": "draining: takes no new tasks",
    "AGENT": "agent disconnected",
    "RESOURCE:CPU": "not enough CPU",
    "RESOURCE:MEMORY": "not enough memory",
    "RESOURCE:PORTS": "port taken",
    "RESOURCE:PORTS_UDP": "UDP port taken",
    "ATTRIBUTE": "missing a required attribute",
}

_HIDDEN = (
    "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0"
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def short(arn: str | None) -> str:
    return "" if not arn else arns.resource_id(arn)


def reason_text(code: str) -> str:
    if code in REASONS:
        return REASONS[code]
    return f"constraint not met ({code})"


def figure_html(svg_html: str, description: str, theme: Theme, *, note: str = "") -> str:
    """The figure's inline SVG plus its full text description, visually hidden but read aloud."""
    label = esc(description[:300])
    return (
        f'<div class="ecsedu-dashboard-figure" role="figure" aria-label="{label}" '
        f'style="background:{theme.background};color:{theme.foreground}">'
        f"{note}{svg_html.replace('max-width:100%;height:auto', 'width:100%;height:auto', 1)}"
        f'<p class="ecsedu-figure-description" style="{_HIDDEN}">'
        f"{esc(description)}</p></div>"
    )


def status_html(message: str, *, error: bool = False) -> str:
    """The status line: what the last control did, or the ECS error text (never a traceback)."""
    if not message:
        return '<div class="ecsedu-status" role="status" aria-live="polite">&nbsp;</div>'
    if error:
        return (
            '<div class="ecsedu-status ecsedu-error" role="alert" '
            'style="color:#8b0000;background:#fff0f0;border-left:4px solid #b00020;'
            f'padding:2px 8px">⚠ {esc(message)}</div>'
        )
    return (
        '<div class="ecsedu-status" role="status" aria-live="polite" '
        f'style="border-left:4px solid #2e7d32;padding:2px 8px">✓ {esc(message)}</div>'
    )


def events_html(events: Sequence[EventView], limit: int = EVENT_ROWS) -> str:
    """The cluster's events, newest first."""
    rows = []
    for event in list(reversed(events))[:limit]:
        kind = event.kind.lower().replace("_", " ")
        rows.append(
            f'<li data-seq="{event.seq}"><span style="opacity:.7">#{event.seq} · {esc(kind)}'
            f"</span><br>{esc(event.message)}</li>"
        )
    body = "".join(rows) or "<li>No events yet.</li>"
    return (
        '<section class="ecsedu-events" aria-label="Events, newest first">'
        "<strong>Events</strong> (newest first)"
        f'<ol reversed style="margin:4px 0;padding-left:0;list-style:none;font-size:12px">'
        f"{body}</ol>"
        "</section>"
    )


def tasks_html(
    snapshot: Snapshot, cluster_arn: str | None, selected: str | None = None, limit: int = TASK_ROWS
) -> str:
    """The cluster's tasks as a table: id, task definition, service, instance, status."""
    tasks = [t for t in snapshot.tasks if cluster_arn is None or t.cluster_arn == cluster_arn]
    live = [t for t in tasks if t.last_status != "STOPPED"]
    stopped = [t for t in tasks if t.last_status == "STOPPED"][-20:]
    shown = (live + stopped)[:limit]
    azs = {i.arn: i.availability_zone or "" for i in snapshot.instances}
    rows = []
    for t in shown:
        mark = ' aria-selected="true" style="font-weight:bold"' if t.arn == selected else ""
        reason = f" ({esc(t.stop_code)})" if t.stop_code else ""
        if t.fargate:  # no container instance: AWS Fargate, with the task's own address
            where = (t.capacity_provider or "FARGATE").replace("_", " ").title()
            zone = " ".join(x for x in (t.availability_zone, t.private_ip) if x)
        else:
            where = (short(t.container_instance_arn) or "waiting for placement")[:12]
            zone = azs.get(t.container_instance_arn or "", "")
        rows.append(
            f"<tr{mark}><td title='{esc(t.arn)}'>{esc(t.id[:12])}</td>"
            f"<td>{esc(t.family)}:{t.revision}</td><td>{esc(t.service_name or t.group)}</td>"
            f"<td>{esc(where)} {esc(zone)}</td>"
            f"<td>{esc(t.last_status)}{reason}</td></tr>"
        )
    more = len(live) + len(stopped) - len(shown)
    extra = f"<p>… and {more} more (the diagram shows them all).</p>" if more > 0 else ""
    empty = "" if rows else "<p>No tasks yet: run a task or create a service.</p>"
    return (
        '<table class="ecsedu-tasks" style="font-size:12px;border-collapse:collapse;width:100%">'
        f"<caption style='text-align:left'><strong>Tasks</strong>: {len(live)} not stopped, "
        f"{len(stopped)} recently stopped</caption>"
        "<thead><tr><th scope='col'>task</th><th scope='col'>task definition</th>"
        "<th scope='col'>service / group</th><th scope='col'>instance</th>"
        f"<th scope='col'>status</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{empty}{extra}"
    )


def placement_detail(event: EventView) -> dict[str, Any]:
    """A placement event's detail as a dict (instance, candidates, rejected, reasons, strategy)."""
    return dict(event.detail)


def _group_tasks(snapshot: Snapshot, event: EventView) -> list[TaskView]:
    """The tasks a spread strategy counts: the service's, or the task definition family's."""
    subject = event.subject or ""
    alive = [t for t in snapshot.tasks if t.last_status != "STOPPED" and t.container_instance_arn]
    if ":service/" in subject:
        name = short(subject)
        return [t for t in alive if t.service_name == name]
    if ":task-definition/" in subject:
        family = short(subject).split(":")[0]
        return [t for t in alive if t.family == family]
    return alive


def _field(instance: InstanceView, name: str | None) -> str:
    if name in (None, "instanceId"):
        return instance.arn
    if name and name.startswith("attribute:"):
        return str(instance.attribute(name.split(":", 1)[1]))
    return instance.arn


def rank(
    snapshot: Snapshot, event: EventView, kept: Iterable[InstanceView]
) -> list[tuple[InstanceView, str]]:
    """Order the instances that passed every check by the event's strategies (chosen first).

    The engine logs which instance won and why the others were rejected; the ranking of the
    others is recomputed here from ``snapshot`` (the state just before the decision), strategy
    by strategy, each one breaking the ties of the one before. ``random`` cannot be replayed:
    its ties stay tied.
    """
    detail = placement_detail(event)
    chosen = detail.get("instance")
    strategies: Sequence[tuple[str, str | None]] = detail.get("strategy") or ()
    group = _group_tasks(snapshot, event)
    by_instance: dict[str, int] = {}
    for t in group:
        key = t.container_instance_arn or ""
        by_instance[key] = by_instance.get(key, 0) + 1
    instances = {i.arn: i for i in snapshot.instances}

    def order(inst: InstanceView) -> tuple[Any, ...]:
        parts: list[Any] = [0 if inst.id == chosen else 1]
        for kind, name in strategies:
            if kind == "binpack":
                parts.append(inst.remaining_cpu if name == "cpu" else inst.remaining_memory)
            elif kind == "spread":
                value = _field(inst, name)
                parts.append(
                    sum(
                        n
                        for arn, n in by_instance.items()
                        if arn in instances and _field(instances[arn], name) == value
                    )
                )
        return tuple(parts)

    def why(inst: InstanceView) -> str:
        bits = []
        for kind, name in strategies:
            if kind == "binpack":
                free = inst.remaining_cpu if name == "cpu" else inst.remaining_memory
                bits.append(f"binpack {name}: {free} {'units' if name == 'cpu' else 'MiB'} free")
            elif kind == "spread":
                value = _field(inst, name)
                count = sum(
                    n
                    for arn, n in by_instance.items()
                    if arn in instances and _field(instances[arn], name) == value
                )
                label = "this instance" if name in (None, "instanceId") else value
                bits.append(f"spread {name}: {count} of the group's tasks on {label}")
            elif kind == "random":
                bits.append("random: seeded pick among the tied")
        return "; ".join(bits)

    return [(inst, why(inst)) for inst in sorted(kept, key=order)]


def why_html(
    snapshot: Snapshot,
    event: EventView | None,
    before: Snapshot | None = None,
    *,
    task: TaskView | None = None,
) -> str:
    """ "Why here?": the last placement decision, rejected instances dimmed with their reason,
    the rest in rank order. For a task waiting in PENDING, why nothing fits."""
    head = "<strong>Why here?</strong> "
    if event is None:
        return (
            f'<section class="ecsedu-why" aria-label="Why here?">{head}'
            "No placement decision yet: run a task or create a service.</section>"
        )
    detail = placement_detail(event)
    chosen = detail.get("instance")
    reasons: Mapping[str, str] = detail.get("reasons") or {}
    rejected: Mapping[str, int] = detail.get("rejected") or {}
    strategies = detail.get("strategy") or ()
    basis = before or snapshot
    instances = {i.id: i for i in basis.instances}
    if task is not None and not task.container_instance_arn and not task.fargate:
        title = f"task {esc(task.id[:12])} is waiting ({esc(task.last_status)}): "
    else:
        title = ""
    if chosen:
        summary = f"{title}{esc(event.message)}"
    else:
        summary = f"{title}{esc(event.message)}: every instance was ruled out."
    kept = [instances[i] for i, why in reasons.items() if why == "FITS" and i in instances]
    items = []
    for position, (inst, why) in enumerate(rank(basis, event, kept), start=1):
        won = inst.id == chosen
        badge = "✓ chosen" if won else f"#{position}"
        style = (
            "font-weight:bold;border-left:4px solid #2e7d32"
            if won
            else "border-left:4px solid #888"
        )
        items.append(
            f'<li class="ecsedu-kept" style="{style};padding-left:4px">{badge} '
            f"{esc(inst.id[:12])} ({esc(inst.availability_zone or '')}): {esc(why)}</li>"
        )
    for inst_id, code in reasons.items():
        if code == "FITS":
            continue
        az = instances[inst_id].availability_zone if inst_id in instances else ""
        items.append(
            f'<li class="ecsedu-rejected" style="opacity:.55;text-decoration:line-through '
            f'dotted;border-left:4px dashed #b00020;padding-left:4px">✗ {esc(inst_id[:12])} '
            f"({esc(az or '')}): <span style='text-decoration:none'>"
            f"{esc(reason_text(code))}</span></li>"
        )
    if not reasons and rejected:  # a big cluster: counts only
        items += [f"<li>✗ {n} × {esc(reason_text(code))}</li>" for code, n in rejected.items()]
    order = ", then ".join(f"{k} {v}" if v else k for k, v in strategies) or "none"
    return (
        f'<section class="ecsedu-why" aria-label="Why here?">{head}{summary}'
        f'<div style="font-size:12px;opacity:.8">strategy: {esc(order)}</div>'
        f'<ul style="list-style:none;margin:4px 0;padding:0;font-size:12px">{"".join(items)}'
        "</ul></section>"
    )
