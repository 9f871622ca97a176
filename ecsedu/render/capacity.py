"""Drawing blocks for where tasks get their capacity: AWS Fargate and capacity providers.

A cluster's tasks run on one of two kinds of capacity
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html,
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html):

* **AWS Fargate**: AWS runs each task on capacity nobody sees. There is no container instance to
  draw; each task gets its own elastic network interface (ENI) and private IP address, so the
  figures draw it in a small box of its own, labelled with that address, inside an "AWS Fargate"
  area of the cluster. FARGATE_SPOT tasks run on spare capacity AWS may take back;
* **an Auto Scaling group capacity provider**: EC2 instances an Auto Scaling group launches. The
  figures group the cluster's container instances by the provider that launched them, in a
  frame that says how big the group is and, with managed scaling (cluster auto scaling), its
  target capacity and its current ``CapacityProviderReservation``.

Everything reads the snapshot's views only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from ecsedu.model.snapshot import (
    CapacityProviderView,
    ClusterView,
    InstanceView,
    ServiceView,
    Snapshot,
    TaskView,
)
from ecsedu.render import graph as g
from ecsedu.render.blocks import Scene
from ecsedu.render.chart import Line, MetricChart, chart_svg
from ecsedu.render.layout import Box
from ecsedu.render.style import Theme, get_theme
from ecsedu.render.text import plural

__all__ = [
    "FARGATE_TASK_HEADER",
    "Group",
    "draw_fargate_area",
    "draw_fargate_task",
    "draw_group",
    "fargate_tile_w",
    "group_heading",
    "groups_of",
    "percent",
    "reservation_chart",
    "uses_capacity",
]

FARGATE_TASK_HEADER = 34.0  # the two lines above a Fargate task: address and ENI, provider
GROUP_HEADER = 44.0  # the two lines at the top of an Auto Scaling group's frame
FARGATE_HEADER = 44.0  # the two lines at the top of the AWS Fargate area
FARGATE_WORDS = {"FARGATE": "Fargate", "FARGATE_SPOT": "Spot"}  # ⚡ marks Spot too


class Group(NamedTuple):
    """Container instances drawn together: those one Auto Scaling group launched (``provider``
    set), or those registered without a capacity provider (``provider`` None)."""

    provider: CapacityProviderView | None
    instances: tuple[InstanceView, ...]
    waiting: tuple[TaskView, ...]  # tasks waiting for this provider's capacity (PROVISIONING)


def percent(value: float) -> str:
    return f"{round(value):d} %"


def uses_capacity(snapshot: Snapshot, cluster: ClusterView, tasks: Sequence[TaskView]) -> bool:
    """Whether the cluster is drawn with capacity areas: it has capacity providers, a
    container instance an Auto Scaling group launched, or a Fargate task among ``tasks``.
    A cluster of hand-registered EC2 instances keeps the article's look."""
    return (
        bool(cluster.capacity_providers)
        or any(t.fargate for t in tasks)
        or any(i.capacity_provider for i in snapshot.instances_in(cluster.arn))
    )


def _providers(snapshot: Snapshot, cluster: ClusterView) -> list[CapacityProviderView]:
    """The cluster's Auto Scaling group providers, in the cluster's order, then any other
    provider one of its instances came from."""
    known = {cp.name: cp for cp in snapshot.capacity_providers}
    names = list(cluster.capacity_providers)
    names += [
        i.capacity_provider
        for i in snapshot.instances_in(cluster.arn)
        if i.capacity_provider and i.capacity_provider not in names
    ]
    return [known[n] for n in dict.fromkeys(names) if n in known and not known[n].fargate]


def groups_of(
    snapshot: Snapshot,
    cluster: ClusterView,
    instances: Sequence[InstanceView],
    waiting: Sequence[TaskView],
) -> list[Group]:
    """``instances`` (and EC2 tasks ``waiting`` for one) by the provider that launched them:
    one group per Auto Scaling group provider of the cluster, then the instances registered
    without one (only if there are any)."""
    out: list[Group] = []
    for cp in _providers(snapshot, cluster):
        out.append(
            Group(
                cp,
                tuple(i for i in instances if i.capacity_provider == cp.name),
                tuple(t for t in waiting if t.capacity_provider == cp.name),
            )
        )
    named = {grp.provider.name for grp in out if grp.provider is not None}
    rest = tuple(i for i in instances if i.capacity_provider not in named)
    rest_waiting = tuple(t for t in waiting if t.capacity_provider not in named)
    if rest or rest_waiting or not out:
        out.append(Group(None, rest, rest_waiting))
    return out


def capacity_waits(
    snapshot: Snapshot, cluster: ClusterView, services: Sequence[ServiceView]
) -> dict[str, str]:
    """Services short of tasks whose capacity comes from an Auto Scaling group provider with
    managed scaling (by their strategy, else the cluster's default): that group grows for them.
    Service name -> provider name."""
    managed = {
        cp.name for cp in snapshot.capacity_providers if not cp.fargate and cp.managed_scaling
    }
    out: dict[str, str] = {}
    for svc in services:
        strategy = svc.capacity_provider_strategy
        if not strategy and svc.launch_type not in ("EC2", "FARGATE", "EXTERNAL"):
            strategy = cluster.default_strategy
        chosen = next(
            (s.capacity_provider for s in strategy if s.capacity_provider in managed), None
        )
        if chosen is not None:
            out[svc.name] = chosen
    return out


def in_service(provider: CapacityProviderView, instances: Sequence[InstanceView]) -> int:
    """The group's instances that are registered and not deregistered."""
    return sum(
        1 for i in instances if i.capacity_provider == provider.name and i.status != "INACTIVE"
    )


def group_heading(group: Group) -> tuple[str, str]:
    """The two lines at the top of a group's frame."""
    cp = group.provider
    if cp is None:
        return (
            "Container instances registered without a capacity provider",
            f"{plural(len(group.instances), 'instance')}; nothing scales them for you",
        )
    asg = cp.auto_scaling_group or "?"
    head = f"Auto Scaling group {asg} · capacity provider {cp.name}"
    n = in_service(cp, group.instances)
    line = f"{n} of max {cp.max_size} instances (min {cp.min_size}, desired {cp.desired_capacity})"
    if cp.managed_scaling:
        line += f" · managed scaling: target {cp.target_capacity or 100} %"
        line += (
            ", reservation " + percent(cp.reservation)
            if cp.reservation is not None
            else ", reservation not computed yet"
        )
    else:
        line += " · managed scaling off"
    if cp.status != "ACTIVE":
        line += f" · {cp.status}"
    return head, line


def draw_group(scene: Scene, group: Group, box: Box) -> None:
    """The frame around one Auto Scaling group's instances (or the hand-registered ones)."""
    t = scene.theme
    head, line = group_heading(group)
    cp = group.provider
    node_id = g.provider_id(cp.name) if cp is not None else "provider-none"
    scene.canvas.node(
        node_id,
        box,
        "",
        cls="capacity-provider asg" if cp is not None else "capacity-provider none",
        fill=t.background,
        stroke=t.frame_stroke,
        line="dashed",
        rounded=True,
        penwidth=t.pen_width * 1.1,
        semantic=cp is not None,
        tooltip=(
            f"Capacity provider {cp.name}\n{cp.arn}\nAuto Scaling group {cp.auto_scaling_group}"
            if cp is not None
            else "Container instances registered by hand (RegisterContainerInstance)"
        ),
    )
    scene.canvas.text(
        f"{node_id}-heading",
        Box(box.x + 10, box.y + 6, box.w - 20, 16),
        scene.fit(head, box.w - 20, t.font_size),
        align="l",
        bold=True,
    )
    reserved = cp is not None and cp.reservation is not None
    over = (
        cp is not None
        and cp.reservation is not None
        and cp.managed_scaling
        and cp.reservation > (cp.target_capacity or 100)
    )
    scene.canvas.text(
        f"{node_id}-sizes",
        Box(box.x + 10, box.y + 23, box.w - 20, 15),
        scene.fit(("▲ " if over else "") + line, box.w - 20, t.font_size - 1),
        align="l",
        fontsize=t.font_size - 1,
        fontcolor=t.warn if over else (t.foreground if reserved else t.muted),
    )


def fargate_tile_w(scene: Scene) -> float:
    return scene.geometry.task_w + 16


def _fargate_tip(task: TaskView) -> str:
    lines = [f"Task {task.id} on AWS Fargate ({task.capacity_provider or 'launch type FARGATE'})"]
    if task.platform_version:
        lines.append(f"platform version {task.platform_version}")
    lines.append(
        f"ENI {task.eni_id or '(being attached)'} · private IP {task.private_ip or '(none yet)'}"
    )
    if task.availability_zone:
        lines.append(task.availability_zone)
    return "\n".join(lines)


def draw_fargate_task(scene: Scene, task: TaskView, box: Box, th: float) -> None:
    """A Fargate task in a box of its own: its address and ENI on top, the task tile below."""
    t = scene.theme
    spot = task.capacity_provider == "FARGATE_SPOT"
    scene.canvas.node(
        f"fargate-{g.task_id(task)}",
        box,
        "",
        cls="fargate-task" + (" spot" if spot else ""),
        fill=t.instance_fill,
        stroke=t.instance_stroke,
        line="dashed" if spot else "solid",
        rounded=True,
        penwidth=t.pen_width * 0.9,
        semantic=False,
        tooltip=_fargate_tip(task),
    )
    word = FARGATE_WORDS.get(task.capacity_provider or "FARGATE", "Fargate")
    attached = task.eni_status != "PRECREATED"  # PRECREATED: only its subnet is known yet
    address = (task.private_ip if attached else None) or "no IP yet"
    zone = f" · {task.availability_zone}" if task.availability_zone else ""
    scene.canvas.text(
        f"fargate-{g.task_id(task)}-address",
        Box(box.x + 6, box.y + 3, box.w - 12, 14),
        scene.fit(("⚡ " if spot else "") + f"{word} · {address}", box.w - 16, t.font_size),
        align="l",
        fontsize=t.font_size - 1,
        bold=True,
    )
    scene.canvas.text(
        f"fargate-{g.task_id(task)}-eni",
        Box(box.x + 6, box.y + 17, box.w - 12, 13),
        scene.fit(
            ((task.eni_id if attached else None) or "ENI being attached") + zone,
            box.w - 12,
            t.font_size - 2,
        ),
        align="l",
        fontsize=t.font_size - 2,
        fontcolor=t.muted,
    )
    scene.draw_task(task, Box(box.x + 8, box.y + FARGATE_TASK_HEADER, box.w - 16, th))


def fargate_area_h(count: int, per_row: int, th: float) -> float:
    rows = max(1, -(-count // per_row))
    return FARGATE_HEADER + rows * (FARGATE_TASK_HEADER + th + 8) + (rows - 1) * 10 + 10


def fargate_slots(scene: Scene, cluster: ClusterView, tasks: Sequence[TaskView]) -> dict[str, int]:
    """Each Fargate task's place in the area: kept across renders with the scene's
    ``SlotMemory`` (a task that goes leaves a gap the next new task fills), else in order."""
    arns = [x.arn for x in tasks]
    if scene.memory is None:
        return {arn: i for i, arn in enumerate(arns)}
    return scene.memory.assign(f"fargate:{cluster.arn}", arns)


def draw_fargate_area(
    scene: Scene,
    cluster: ClusterView,
    tasks: Sequence[TaskView],
    box: Box,
    per_row: int,
    th: float,
    slots: dict[str, int] | None = None,
) -> None:
    """The "AWS Fargate" area of a cluster: every Fargate task in a box of its own."""
    t = scene.theme
    spot = sum(1 for x in tasks if x.capacity_provider == "FARGATE_SPOT" and alive(x))
    regular = sum(1 for x in tasks if alive(x)) - spot
    node_id = g.fargate_id(cluster)
    scene.canvas.node(
        node_id,
        box,
        "",
        cls="fargate-area",
        fill=t.badge_fill,
        stroke=t.frame_stroke,
        line="solid",
        rounded=True,
        penwidth=t.pen_width * 1.1,
        tooltip="AWS Fargate: AWS provides and manages the capacity. No container instance, "
        "no Docker host to see; each task gets its own network interface (awsvpc).",
    )
    scene.canvas.text(
        f"{node_id}-heading",
        Box(box.x + 10, box.y + 6, box.w - 20, 16),
        "AWS Fargate · capacity AWS manages (no container instances)",
        align="l",
        bold=True,
    )
    counts = f"{plural(regular, 'task')} on FARGATE"
    if spot:
        counts += f", {spot} on FARGATE_SPOT (spare capacity AWS may take back)"
    scene.canvas.text(
        f"{node_id}-counts",
        Box(box.x + 10, box.y + 23, box.w - 20, 15),
        scene.fit(
            counts + " · each task has its own ENI and private IP",
            box.w - 20,
            t.font_size - 1,
        ),
        align="l",
        fontsize=t.font_size - 1,
        fontcolor=t.muted,
    )
    if not tasks:
        scene.canvas.text(
            f"{node_id}-empty",
            Box(box.x + 10, box.y + FARGATE_HEADER, box.w - 20, 18),
            "No Fargate tasks yet",
            align="l",
            fontcolor=t.muted,
        )
        return
    w = fargate_tile_w(scene)
    for i, task in enumerate(tasks):
        slot = slots.get(task.arn, i) if slots is not None else i
        col, row = slot % per_row, slot // per_row
        draw_fargate_task(
            scene,
            task,
            Box(
                box.x + 10 + col * (w + 10),
                box.y + FARGATE_HEADER + row * (FARGATE_TASK_HEADER + th + 18),
                w,
                FARGATE_TASK_HEADER + th + 8,
            ),
            th,
        )


def legend_rows(
    scene: Scene, groups: Sequence[Group], fargate: Sequence[TaskView]
) -> tuple[tuple[str, str, dict[str, object]], ...]:
    """The legend's rows for what a capacity-aware cluster drawing shows."""
    t = scene.theme
    rows: list[tuple[str, str, dict[str, object]]] = []
    if any(grp.provider is not None for grp in groups):
        rows.append(
            (
                "legend-asg",
                "Auto Scaling group",
                {"line": "dashed", "fill": t.background},
            )
        )
    if fargate:
        rows.append(("legend-fargate", "AWS Fargate (no instances)", {"fill": t.badge_fill}))
    if any(x.capacity_provider == "FARGATE_SPOT" for x in fargate):
        rows.append(("legend-fargate-spot", "⚡ Fargate Spot task", {"line": "dashed"}))
    return tuple(rows)


def alive(task: TaskView) -> bool:
    return task.last_status != "STOPPED"


def describe_capacity(
    snapshot: Snapshot, groups: Sequence[Group], fargate: Sequence[TaskView]
) -> str:
    """Sentences about the groups and the Fargate tasks (the figure's alt text adds them)."""
    parts: list[str] = []
    for grp in groups:
        if grp.provider is None:
            continue
        head, line = group_heading(grp)
        parts.append(f"{head}: {line}.")
        if grp.waiting:
            parts.append(
                f"{plural(len(grp.waiting), 'task')} wait for capacity from {grp.provider.name}."
            )
    if fargate:
        listed = "; ".join(
            f"task {x.id[:8]} ({x.service_name or 'RunTask'}, "
            f"{x.capacity_provider or 'FARGATE'}) at {x.private_ip or 'no IP yet'}"
            for x in fargate
        )
        parts.append(f"AWS Fargate runs {plural(len(fargate), 'task')}: {listed}.")
    return " ".join(parts)


# -- cluster auto scaling ------------------------------------------------------------------------
MANAGED_SCALING = "AWS/ECS/ManagedScaling"
RESERVATION = "CapacityProviderReservation"


def reservation_series(
    snapshot: Snapshot, provider: CapacityProviderView, cluster: ClusterView | None
) -> tuple[tuple[float, float], ...]:
    """The provider's ``CapacityProviderReservation`` datapoints (time, percent), oldest first."""
    for series in snapshot.metrics:
        if (
            series.namespace == MANAGED_SCALING
            and series.name == RESERVATION
            and series.capacity_provider_name == provider.name
            and (cluster is None or series.cluster_name in (cluster.name, cluster.arn))
        ):
            return series.points
    return ()


def measured_at(points: Sequence[tuple[float, float]]) -> list[float]:
    """When each datapoint was worked out: a datapoint is stamped with the start of its period
    (a minute; shorter on Docker) and computed at its end."""
    times = [x for x, _ in points]
    steps = sorted(b - a for a, b in zip(times, times[1:], strict=False) if b > a)
    period = steps[len(steps) // 2] if steps else 60.0
    return [x + period for x in times]


def instance_counts(
    snapshot: Snapshot, provider: CapacityProviderView, times: Sequence[float]
) -> list[int]:
    """How many of the provider's instances were registered (and not yet deregistered) at each
    of ``times``: read from the instances' registration times and the event log."""
    mine = {i.arn: i for i in snapshot.instances if i.capacity_provider == provider.name}
    gone: dict[str, float] = {}
    if any(i.status == "INACTIVE" for i in mine.values()):
        for event in snapshot.events:
            if (
                event.kind == "INSTANCE_STATE_CHANGE"
                and event.subject in mine
                and dict(event.detail).get("status") == "INACTIVE"
            ):
                gone.setdefault(event.subject, event.time)
    return [
        sum(
            1
            for arn, i in mine.items()
            if i.registered_at <= at and (arn not in gone or gone[arn] > at)
        )
        for at in times
    ]


def draw_provider_card(scene: Scene, provider: CapacityProviderView, box: Box) -> None:
    """The provider and its group: managed scaling, target capacity, termination protection."""
    t = scene.theme
    scaling = (
        f"managed scaling ON · target capacity {provider.target_capacity or 100} %"
        if provider.managed_scaling
        else "managed scaling OFF: nothing resizes the group for you"
    )
    protection = (
        "managed termination protection ON"
        if provider.managed_termination_protection
        else "managed termination protection off"
    )
    scene.canvas.node(
        g.provider_id(provider.name),
        box,
        f"Capacity provider {provider.name}\n"
        + scene.fit(f"→ Auto Scaling group {provider.auto_scaling_group}", box.w - 12, t.font_size)
        + f"\n{scaling}\n{protection}",
        cls="capacity-provider card",
        fill=t.badge_fill,
        stroke=t.frame_stroke,
        rounded=True,
        penwidth=t.pen_width * 1.6,
        fontsize=t.font_size - 0.5,
        tooltip=f"Capacity provider {provider.name}\n{provider.arn}",
    )


def draw_group_cells(scene: Scene, provider: CapacityProviderView, in_group: int, box: Box) -> None:
    """One cell per instance the group may have (up to its max): registered, launching
    (wanted by the desired capacity, still booting) or room up to max."""
    t = scene.theme
    lo, desired, hi = provider.min_size, provider.desired_capacity, provider.max_size
    cells = max(hi, desired, in_group, 1)
    shown = min(cells, 20)
    w = box.w / shown
    for i in range(shown):
        if i < in_group:
            fill, line, word = t.gauge_fill, "solid", "registered"
        elif i < desired:
            fill, line, word = scene.tint(t.gauge_fill), "dashed", "launching"
        else:
            fill, line, word = t.background, "dotted", "room up to max"
        marks = [
            name for name, at in (("min", lo), ("desired", desired), ("max", hi)) if i == at - 1
        ]
        scene.canvas.node(
            f"asg-{g._safe(provider.name)}-{i}",
            Box(box.x + i * w, box.y, w - 2, box.h),
            "=".join(marks) if len(marks) < 3 else "min=max",
            cls=f"asg-cell {word.replace(' ', '-')}",
            fill=fill,
            stroke=t.instance_stroke,
            line=line,
            semantic=False,
            fontsize=t.font_size - 2.5,
            tooltip=f"instance slot {i + 1}: {word}",
        )
    scene.canvas.text(
        f"asg-{g._safe(provider.name)}-key",
        Box(box.x, box.bottom + 2, box.w, 14),
        scene.fit(
            f"one cell per instance: {in_group} registered · "
            f"{max(desired - in_group, 0)} launching · room up to max {hi}",
            box.w,
            t.font_size - 2,
        ),
        fontcolor=t.muted,
        fontsize=t.font_size - 2,
    )


def formula(provider: CapacityProviderView, in_group: int) -> str:
    """The reservation, worked out: M / N × 100 and what managed scaling does about it."""
    target = provider.target_capacity or 100
    head = "CapacityProviderReservation = M / N × 100"
    value = provider.reservation
    if value is None:
        return f"{head}\nnot computed yet (once a minute)"
    n = in_group
    lines = [head]
    if n:
        m = round(value * n / 100)
        lines.append(f"N = {plural(n, 'instance')} in service, M = {m} the tasks need")
    else:
        lines.append("N = 0: 200 % while tasks wait for room, else 100 %")
    lines.append(f"now {percent(value)}, target {target} %")
    if not provider.managed_scaling:
        lines.append("managed scaling is off: the group keeps its size")
    elif value > target:
        lines.append("above target → scale out: more instances")
    elif value < target:
        lines.append("below target → scale in after 15 minutes")
    else:
        lines.append("at target: the group is the right size")
    return "\n".join(lines)


def draw_reservation_chart(
    scene: Scene,
    provider: CapacityProviderView,
    cluster: ClusterView | None,
    box: Box,
    *,
    minutes: int = 30,
) -> bool:
    """CapacityProviderReservation per minute as bars, the target line, and under each bar the
    number of the group's instances registered then. False when there is no datapoint yet."""
    t, c = scene.theme, scene.canvas
    key = f"reservation-{g._safe(provider.name)}"
    points = list(reservation_series(scene.snapshot, provider, cluster))[-minutes:]
    target = float(provider.target_capacity or 100)
    ymax = max([200.0] + [math.ceil(v / 100) * 100.0 for _, v in points])
    size = t.font_size - 2
    c.node(
        key,
        box,
        f"{provider.name} · {RESERVATION} (%), one bar a minute, last {minutes} min",
        cls="metric-chart reservation",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        labelloc="t",
        semantic=False,
        fontsize=t.font_size - 1,
    )
    label_w = 96.0 * max(1.0, t.fit_size(t.font_size) / 10)
    plot = Box(box.x + 34, box.y + 26, box.w - 34 - label_w - 8, box.h - 26 - 40)

    def yof(v: float) -> float:
        return plot.bottom - max(0.0, min(v, ymax)) / ymax * plot.h

    ticks = [100.0 * k for k in range(int(ymax // 100) + 1)]
    for k, tick in enumerate(ticks if len(ticks) <= 6 else ticks[:: len(ticks) // 4]):
        c.text(
            f"{key}-y{k}",
            Box(box.x + 2, yof(tick) - 6, 30, 12),
            f"{tick:g}",
            fontcolor=t.muted,
            fontsize=size,
            align="r",
        )
    slot = plot.w / minutes
    first = minutes - len(points)  # the newest datapoint sits in the rightmost slot
    counts = instance_counts(scene.snapshot, provider, measured_at(points))
    c.text(
        f"{key}-count-label",
        Box(box.x + 2, plot.bottom + 3, 30, 12),
        "inst.",
        fontcolor=t.muted,
        fontsize=size,
        align="r",
    )
    previous = None
    for i, ((_, v), n) in enumerate(zip(points, counts, strict=True)):
        slot_x = plot.x + (first + i) * slot
        top = yof(v)
        over = v > target
        c.node(
            f"{key}-bar{i}",
            Box(slot_x + 1, top, max(slot - 2, 1), max(plot.bottom - top, 0.8)),
            cls="metric-bar hot" if over else "metric-bar",
            fill=t.warn if over else t.gauge_fill,
            stroke=t.warn if over else t.gauge_fill,
            semantic=False,
            tooltip=f"{v:g} % with {plural(n, 'instance')}",
        )
        c.text(  # the instance count then; bold where it changed
            f"{key}-count{i}",
            Box(slot_x, plot.bottom + 3, slot, 12),
            str(n),
            fontsize=size,
            bold=previous is not None and n != previous,
            fontcolor=t.foreground if n != previous else t.muted,
        )
        previous = n
    c.text(
        f"{key}-now",
        Box(plot.right - 300, plot.bottom + 18, 300, 14),
        f"now {points[-1][1]:g} % with {plural(counts[-1], 'instance')}"
        if points
        else "no datapoints yet (one a minute, once the provider is in use)",
        fontsize=size,
    )
    y = yof(target)
    c.node(
        f"{key}-target",
        Box(plot.x, y - 0.6, plot.w, 1.2),
        cls="metric-line target",
        fill=t.ok,
        stroke=t.ok,
        semantic=False,
        tooltip=f"target capacity {target:g} %",
    )
    c.text(
        f"{key}-target-label",
        Box(plot.right + 4, y - 6, label_w, 12),
        f"target {target:g} %",
        fontcolor=t.ok,
        fontsize=size,
        align="l",
    )
    return bool(points)


def reservation_chart(
    snapshot: Snapshot,
    provider: CapacityProviderView,
    cluster: ClusterView | None = None,
    *,
    minutes: int = 30,
    theme: str | Theme | None = None,
    width: int = 400,
    height: int = 160,
) -> MetricChart:
    """``CapacityProviderReservation`` as a small SVG line chart with the target line, for
    notebooks and the dashboard (the figure ``figures.cluster_auto_scaling`` draws more)."""
    points = reservation_series(snapshot, provider, cluster)
    target = float(provider.target_capacity or 100)
    lines = [Line(f"target {target:g}", target, "target")] if provider.managed_scaling else []
    title = f"{provider.name} · {RESERVATION} (%), last {minutes} min"
    svg = chart_svg(
        points,
        now=snapshot.time,
        lines=lines,
        theme=get_theme(theme),
        title=title,
        unit="Percent",
        minutes=minutes,
        width=width,
        height=height,
    )
    text = f"{title}: " + (f"now {points[-1][1]:g}" if points else "no datapoints yet")
    if lines:
        text += f"; target {target:g}"
    return MetricChart(title, svg, text + ".")
