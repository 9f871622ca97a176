"""Drawing blocks for services that scale and sit behind a load balancer (figures 4, 6–8, live).

* ``draw_policy``: the scaling policy as a frame around its alarms, each alarm with its state
  (OK, ALARM, INSUFFICIENT_DATA), threshold, datapoints and current value;
* ``draw_activity``: the last scaling activity (description, cause, status);
* ``draw_bars``: a compact CPU chart in graphviz boxes (one bar a minute, the target line and
  the alarm thresholds), so figure 4 carries it in SVG and PNG alike (``chart.metric_chart``
  draws the same data as a standalone SVG line chart for notebooks and the dashboard);
* ``draw_balancer`` / ``route_edges``: a load balancer in front of the service's tasks, with
  each target's health and its request count.

Everything reads the snapshot's views only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ecsedu.model.snapshot import (
    AlarmView,
    LoadBalancerView,
    ServiceView,
    Snapshot,
    TargetGroupView,
    TargetView,
    TaskView,
)
from ecsedu.render import graph as g
from ecsedu.render.blocks import Scene
from ecsedu.render.chart import Line, find_series, lines_for, short_alarm
from ecsedu.render.layout import Box
from ecsedu.render.style import text_on

__all__ = [
    "Target",
    "draw_activity",
    "draw_balancer",
    "draw_bars",
    "draw_policy",
    "health_badge",
    "route_edges",
    "targets_of",
]

GLYPH = {"ALARM": "⚠", "OK": "✓", "INSUFFICIENT_DATA": "?"}
#: ELB target states, as DescribeTargetHealth reports them, and their glyphs.
HEALTH_GLYPH = {
    "healthy": "✓",
    "unhealthy": "✗",
    "initial": "…",
    "draining": "⇣",
    "unused": "–",
    "unavailable": "?",
}
MAX_ROUTES = 60  # more targets than this: the load balancer box says how many, no arrows


class Target(NamedTuple):
    balancer: LoadBalancerView
    group: TargetGroupView
    target: TargetView


def targets_of(snapshot: Snapshot, svc: ServiceView | None = None) -> list[Target]:
    """Every registered target (of ``svc``'s target groups, if given)."""
    out: list[Target] = []
    for lb in snapshot.load_balancers:
        for tg in lb.target_groups:
            if svc is not None and svc.arn not in tg.service_arns:
                continue
            out.extend(Target(lb, tg, t) for t in tg.targets)
    return out


def balancers_of(snapshot: Snapshot, services: Sequence[ServiceView]) -> list[LoadBalancerView]:
    arns = {s.arn for s in services}
    return [
        lb
        for lb in snapshot.load_balancers
        if any(arns & set(tg.service_arns) for tg in lb.target_groups)
    ]


def _alarm_label(alarm: AlarmView) -> str:
    sign = ">" if "Greater" in alarm.comparison else "<"
    per = "1 min" if alarm.period == 60 else f"{alarm.period} s"
    span = f"{alarm.datapoints} × {per}"
    now = " (no data yet)" if alarm.value is None else f" (now {alarm.value:g})"
    glyph = GLYPH.get(alarm.state, "?")
    return (
        f"{short_alarm(alarm.name)}: {alarm.metric} {sign} {alarm.threshold:g}\n"
        f"over {span}\n{glyph} {alarm.state}{now}"
    )


def draw_policy(scene: Scene, svc: ServiceView, x: float, y: float, w: float) -> float:
    """The policy frame with its alarms; every alarm arrows to the service. Returns the bottom."""
    t, c = scene.theme, scene.canvas
    scaling = svc.scaling
    alarms = scaling.alarms if scaling is not None else ()
    if scaling is None or (not alarms and not scaling.policies):
        return y
    kind = {"TargetTrackingScaling": "target tracking", "StepScaling": "step scaling"}.get(
        scaling.policy_kind or "", scaling.policy_kind or "policy"
    )
    head = (
        f"Policy {', '.join(scaling.policies)} · {kind}" if scaling.policies else "Scaling alarms"
    )
    if scaling.metric and scaling.target_value is not None:
        head += f"\n{scene.fit(scaling.metric, w - 40, t.font_size - 1)} = {scaling.target_value:g}"
    head_h = 36.0 if "\n" in head else 22.0
    alarm_h = 54.0
    frame_h = head_h + len(alarms) * (alarm_h + 8) + 8
    c.node(
        f"policy-{svc.name}",
        Box(x, y, w, frame_h),
        scene.fit(head.split("\n")[0], w - 12, t.font_size - 0.5)
        + ("\n" + head.split("\n")[1] if "\n" in head else ""),
        cls="policy",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        labelloc="t",
        rounded=True,
        semantic=False,
        fontsize=t.font_size - 0.5,
        tooltip="Application Auto Scaling policy: " + ", ".join(scaling.policies),
    )
    for i, alarm in enumerate(alarms):
        firing = alarm.state == "ALARM"
        unknown = alarm.state == "INSUFFICIENT_DATA"
        c.node(
            g.alarm_id(alarm.name),
            Box(x + 8, y + head_h + i * (alarm_h + 8), w - 16, alarm_h),
            _alarm_label(alarm),
            cls=f"alarm {alarm.state.lower()}",
            fill=t.warn if firing else t.badge_fill,
            fontcolor=text_on(t.warn) if firing else (t.muted if unknown else t.foreground),
            stroke=t.warn if firing else t.instance_stroke,
            line="solid" if firing else ("dotted" if unknown else "dashed"),
            bold=firing,
            fontsize=t.font_size - 1,
            tooltip=f"CloudWatch alarm {alarm.name}: {alarm.state}",
        )
        c.edge(g.alarm_id(alarm.name), g.service_id(svc), "scales", label="scales")
        scene.arrows.add("scales")
    return y + frame_h


def draw_activity(scene: Scene, svc: ServiceView, box: Box) -> None:
    """The newest scaling activity: what it did, why, and how it went."""
    t = scene.theme
    scaling = svc.scaling
    last = scaling.last_activity if scaling is not None else None
    if last is None:
        text = "Last scaling activity: none yet"
    else:
        ago = max(0, round(scene.snapshot.time - last.start_time))
        cause = last.cause[:1].upper() + last.cause[1:]
        words = cause.split(" ")
        lines, current = [], ""
        size = t.font_size - 1.5
        for word in words:  # wrap the cause to the box
            trial = f"{current} {word}".strip()
            if current and scene.fit(trial, box.w - 16, size) != trial:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
        lines = [scene.fit(line, box.w - 16, size) for line in lines]  # a word too long
        if len(lines) > 3:
            lines = lines[:3]
            lines[-1] = scene.fit(lines[-1] + " …", box.w - 16, size)
        text = (
            f"Last scaling activity ({ago} s ago) · {last.status}\n{last.description}\n"
            + "\n".join(lines)
        )
    scene.canvas.node(
        f"activity-{svc.name}",
        box,
        text,
        cls="scaling-activity",
        fill=t.background,
        stroke=t.instance_stroke,
        line="dashed",
        semantic=False,
        fontsize=t.font_size - 1.5,
        align="l",
        tooltip=None if last is None else f"{last.description}\n{last.cause}",
    )


def draw_bars(scene: Scene, svc: ServiceView, box: Box, *, minutes: int = 15) -> bool:
    """CPU per minute as bars, with the target line and the alarms' thresholds. False when
    there is no metric to draw."""
    t, c = scene.theme, scene.canvas
    series = find_series(scene.snapshot, svc)
    if series is None:
        return False
    now = scene.snapshot.time
    points = [(x, v) for x, v in series.points if now - minutes * 60.0 - 1e-6 <= x <= now + 1e-6]
    lines = lines_for(svc)
    ymax = max([100.0] + [v for _, v in points] + [ln.value for ln in lines])
    size = t.font_size - 2
    c.node(
        f"chart-{svc.name}",
        box,
        f"{svc.name} · CPUUtilization (%), one bar a minute, last {minutes} min",
        cls="metric-chart",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        labelloc="t",
        semantic=False,
        fontsize=t.font_size - 1,
    )
    left, label_w = box.x + 30, 118.0 * max(1.0, t.fit_size(t.font_size) / 10)
    plot = Box(left, box.y + 24, box.w - 30 - label_w - 8, box.h - 24 - 18)

    def yof(v: float) -> float:
        return plot.bottom - max(0.0, min(v, ymax)) / ymax * plot.h

    for k, tick in enumerate((0.0, 50.0, 100.0)):
        c.text(
            f"chart-{svc.name}-y{k}",
            Box(box.x + 2, yof(tick) - 6, 26, 12),
            f"{tick:g}",
            fontcolor=t.muted,
            fontsize=size,
            align="r",
        )
    high = next((ln.value for ln in lines if "AlarmHigh" in ln.label), None)
    slot = plot.w / minutes
    for x, v in points:
        i = int(round((x - (now - minutes * 60.0)) / 60.0)) - 1
        if not 0 <= i < minutes:
            continue
        top = yof(v)
        hot = high is not None and v > high
        c.node(
            f"chart-{svc.name}-bar{i}",
            Box(plot.x + i * slot + 1, top, max(slot - 2, 1), max(plot.bottom - top, 0.8)),
            cls="metric-bar hot" if hot else "metric-bar",
            fill=t.warn if hot else t.gauge_fill,
            stroke=t.warn if hot else t.gauge_fill,
            semantic=False,
            tooltip=f"{v:g} %",
        )
    c.text(
        f"chart-{svc.name}-now",
        Box(plot.x, plot.bottom + 2, plot.w, 14),
        f"now {points[-1][1]:g} %" if points else "no datapoints yet (one a minute)",
        fontcolor=t.foreground,
        fontsize=size,
        align="r",
    )
    used: list[float] = []
    for k, ln in enumerate(sorted(lines, key=lambda ln: -ln.value)):
        y = yof(ln.value)
        colour = {"target": t.ok, "alarm-alarm": t.warn}.get(ln.kind, t.muted)
        c.node(
            f"chart-{svc.name}-line{k}",
            Box(plot.x, y - 0.6, plot.w, 1.2),
            cls=f"metric-line {ln.kind}",
            fill=colour,
            stroke=colour,
            line="solid" if ln.kind == "target" else "dashed",
            semantic=False,
            tooltip=_line_tip(ln),
        )
        ly = y - 6
        while any(abs(ly - u) < 12 for u in used):
            ly += 12
        used.append(ly)
        c.text(
            f"chart-{svc.name}-line{k}-label",
            Box(plot.right + 4, ly, label_w, 12),
            scene.fit(ln.label, label_w, size),
            fontcolor=colour,
            fontsize=size,
            align="l",
        )
    return True


def _line_tip(ln: Line) -> str:
    return f"target tracking's target: {ln.value:g}" if ln.kind == "target" else ln.label


def health_badge(scene: Scene, node_id: str, target: TargetView, box: Box) -> None:
    """A small label under a task: its target's health and the requests it served."""
    t = scene.theme
    state = target.state
    fill = {"healthy": t.ok, "unhealthy": t.warn}.get(state, t.badge_fill)
    scene.canvas.node(
        node_id,
        box,
        scene.fit(
            f"{HEALTH_GLYPH.get(state, '?')} {state} · {target.requests} req",
            box.w,
            t.font_size - 2,
        ),
        cls=f"target-health {state}",
        fill=fill,
        fontcolor=text_on(fill),
        stroke=fill if state in ("healthy", "unhealthy") else t.instance_stroke,
        line="solid" if state in ("healthy", "unhealthy") else "dashed",
        semantic=False,
        fontsize=t.font_size - 2,
        tooltip=f"target {target.target_id}:{target.port} {state}"
        + (f" ({target.reason})" if target.reason else ""),
    )


def _summary(targets: Sequence[TargetView]) -> str:
    counts: dict[str, int] = {}
    for target in targets:
        counts[target.state] = counts.get(target.state, 0) + 1
    order = ("healthy", "initial", "draining", "unhealthy", "unused", "unavailable")
    parts = [f"{counts[s]} {s}" for s in order if s in counts]
    return " · ".join(parts) or "no targets"


def draw_balancer(scene: Scene, lb: LoadBalancerView, box: Box) -> str:
    """The load balancer: name, listeners, target groups and their targets' health."""
    t = scene.theme
    node_id = f"lb-{g._safe(lb.name)}"
    groups = "\n".join(
        f"→ {tg.name} ({tg.protocol} {tg.port}): {_summary(tg.targets)}" for tg in lb.target_groups
    )
    total = sum(x.requests for tg in lb.target_groups for x in tg.targets)
    listeners = ", ".join(f":{p}" for p in lb.listener_ports) or "no listener"
    where = f" at {lb.address}" if lb.address else ""
    scene.canvas.node(
        node_id,
        box,
        scene.fit(
            f"Load balancer {lb.name} {listeners}{where} · {total} requests served",
            box.w - 8,
            t.font_size,
        )
        + "\n"
        + "\n".join(scene.fit(line, box.w - 8, t.font_size - 1.5) for line in groups.split("\n")),
        cls="load-balancer",
        fill=t.badge_fill,
        stroke=t.edge,
        rounded=True,
        penwidth=t.pen_width * 1.4,
        fontsize=t.font_size - 1,
        tooltip=f"{lb.name}\n{lb.dns_name}\n{lb.arn}",
    )
    scene.arrows.add("routes requests to")
    return node_id


def route_edges(
    scene: Scene,
    lb_node: str,
    targets: Sequence[Target],
    drawn: dict[str, TaskView],
    *,
    badges: dict[str, str] | None = None,
    labels: bool = True,
) -> None:
    """An arrow from the load balancer to each drawn target task (or to its health badge,
    from below, when ``badges`` maps task ARNs to badge nodes), styled by its health."""
    t = scene.theme
    if len(targets) > MAX_ROUTES:
        return
    for x in targets:
        task = drawn.get(x.target.task_arn or x.target.target_id)
        if task is None:
            continue
        state = x.target.state
        colour = {"healthy": t.ok, "unhealthy": t.warn}.get(state, t.muted)
        badge = (badges or {}).get(task.arn)
        scene.canvas.edge(
            lb_node,
            badge or g.task_id(task),
            "routes",
            label="" if badge or not labels or len(targets) > 12 else f"{x.target.requests}",
            line="solid" if state == "healthy" else "dashed",
            colour=colour,
            semantic=False,
            tailport="n" if badge else None,
            headport="s" if badge else None,
        )
