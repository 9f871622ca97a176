"""The building blocks every figure is drawn from: task tiles, container instances, clusters,
service cards and the legend.

A *task* tile holds its *containers* (the app + metrics pair of the article); a *container
instance* holds its tasks, CPU and memory gauges (reserved / registered, what placement
subtracts) and a badge for its *container agent*; a *cluster* frames its instances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ecsedu import arns
from ecsedu.model.snapshot import (
    ContainerView,
    InstanceView,
    PortBindingView,
    ServiceView,
    Snapshot,
    TaskView,
)
from ecsedu.render import graph as g
from ecsedu.render.dot import Canvas, quote, top_padding
from ecsedu.render.layout import Box, Geometry, SlotMemory, fresh_slots
from ecsedu.render.style import (
    Theme,
    instance_status,
    mix,
    service_colours,
    status_style,
    task_status,
    text_on,
)
from ecsedu.render.text import unplaced_count, unplaced_short

__all__ = ["Scene", "fit", "port_text"]


@lru_cache(maxsize=4096)
def fit(text: str, width: float, size: float) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``width`` points at font ``size``."""
    limit = max(int(width / (size * 0.56)), 2)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def port_text(binding: PortBindingView) -> str:
    """A published port as Docker prints it: ``127.0.0.1:32768→80/tcp``."""
    return f"{binding.host_ip}:{binding.host_port}→{binding.container_port}/{binding.protocol}"


def _ports(task: TaskView) -> int:
    return sum(len(c.network_bindings) for c in task.containers)


def _task_tip(task: TaskView, status: str) -> str:
    lines = [f"Task {task.id}", task.arn, f"{task.family}:{task.revision} · {status}"]
    if task.container_instance_arn:
        lines.append(f"on container instance {arns.resource_id(task.container_instance_arn)}")
    elif task.fargate:
        lines.append(f"on AWS Fargate ({task.capacity_provider or 'launch type FARGATE'})")
    if task.private_ip:
        lines.append(f"awsvpc: ENI {task.eni_id or '?'}, private IP {task.private_ip}")
    if task.stopped_reason:
        lines.append(f"stopped: {task.stopped_reason}")
    return "\n".join(lines)


def _container_tip(task: TaskView, container: ContainerView) -> str:
    lines = [f"Container {container.name} ({container.image}) of task {task.id}", task.arn]
    if container.runtime_id:
        lines.append(f"runtime id {container.runtime_id}")
    lines += [port_text(b) for b in container.network_bindings]
    if container.reason:
        lines.append(container.reason)
    return "\n".join(lines)


def _instance_tip(instance: InstanceView) -> str:
    lines = [f"Container instance {instance.id}", instance.arn, f"EC2 {instance.ec2_instance_id}"]
    if instance.address:
        lines.append(f"ports published on {instance.address}")
    return "\n".join(lines)


def pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class TaskLook:
    """The drawing attributes shared by every task of one owner in one status.

    A task started by RunTask, outside any service, has its own colour and a double outline
    (``peripheries=2``), so it never reads as a greyed-out STOPPED task.
    """

    cls: str
    text: str  # status glyph and word
    task: str  # the tile's DOT style (Canvas.look)
    container: str  # its containers' DOT style
    port: str  # the style of its containers' published ports (text under the container)


@lru_cache(maxsize=1024)
def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@dataclass
class Scene:
    """One figure being drawn: the snapshot, a theme and a canvas."""

    snapshot: Snapshot
    theme: Theme
    canvas: Canvas
    geometry: Geometry = field(default_factory=Geometry)
    memory: SlotMemory | None = None
    colours: dict[str, str] = field(default_factory=dict)
    legend_services: list[str] = field(default_factory=list)
    standalone_shown: bool = False
    unplaced_shown: bool = False
    task_looks: dict[tuple[str | None, str], TaskLook] = field(default_factory=dict)
    arrows: set[str] = field(default_factory=set)
    #: Services whose missing tasks wait for an Auto Scaling group to grow: name -> provider.
    capacity_waits: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.colours = service_colours(self.snapshot)
        if self.theme.task_w != self.geometry.task_w and self.geometry.task_w == Geometry.task_w:
            self.geometry = replace(self.geometry, task_w=self.theme.task_w)  # room for its type

    # -- colours ------------------------------------------------------------------------------
    def colour_of(self, task: TaskView) -> str:
        if task.service_name is None:
            self.standalone_shown = True
            return self.theme.standalone
        if task.service_name not in self.legend_services:
            self.legend_services.append(task.service_name)
        return self.colours.get(task.service_name, self.theme.standalone)

    def tint(self, colour: str, faded: bool = False) -> str:
        return mix(colour, self.theme.background, 0.9 if faded else self.theme.tint)

    def fit(self, text: str, width: float, size: float) -> str:
        """``fit`` for a box ``width`` layout units wide and type of ``size`` points."""
        return fit(text, width, self.theme.fit_size(size))

    # -- tasks --------------------------------------------------------------------------------
    def task_h(self, tasks: Sequence[TaskView]) -> float:
        """The height of the tiles of ``tasks``: room for the most containers and ports."""
        rows = {(len(t.containers), _ports(t)) for t in tasks} or {(1, 0)}
        return max(self.geometry.task_h(n, ports) for n, ports in rows)

    def task_look(self, task: TaskView, status: str) -> TaskLook:
        """How a task of this owner in this status is drawn (worked out once per figure)."""
        key = (task.service_name, status)
        look = self.task_looks.get(key)
        if look is None:
            t, c = self.theme, self.canvas
            colour = self.colour_of(task)
            style = status_style(status)
            standalone = task.service_name is None
            stroke = t.standalone_stroke if standalone else colour
            inner = colour if not style.faded else self.tint(colour, True)
            look = self.task_looks[key] = TaskLook(
                cls=f"task {status.lower()}" + (" standalone" if standalone else ""),
                text=style.text,
                task=c.look(
                    fill=self.tint(colour, style.faded),
                    stroke=stroke if not style.faded else t.muted,
                    line=style.line,
                    fontsize=t.font_size - 0.5,
                    rounded=True,
                    penwidth=t.pen_width * (1.6 if status == "RUNNING" else 1.2),
                    peripheries=2 if standalone else 1,
                ),
                container=c.look(fill=inner, fontcolor=text_on(inner), fontsize=t.font_size - 1.5),
                port=c.look(fontsize=t.font_size - 2),
            )
        elif task.service_name is None:
            self.standalone_shown = True
        elif task.service_name not in self.legend_services:
            self.legend_services.append(task.service_name)
        return look

    def draw_task(self, task: TaskView, box: Box) -> None:
        """A task tile: owner, short id and status on top, its containers inside."""
        t, geo, c = self.theme, self.geometry, self.canvas
        status = task_status(task)
        look = self.task_look(task, status)
        owner = self.fit(task.service_name or "RunTask", geo.task_w - 70, t.font_size - 0.5)
        # The two-line header sits at the top of the tile (see dot.top_padding).
        pad = top_padding(box.h * t.scale, t.font_size - 0.5, 2).replace("\n", "\\n")
        c.emit(
            g.task_id(task),
            box,
            f'"{_escape(owner)} · task {task.id[:8]}\\n{look.text}{pad}"',
            look.cls,
            look.task,
            quote(_task_tip(task, status)),
        )
        top = box.y + geo.task_header_h
        x, w, step, size = box.x + 6, box.w - 12, geo.container_h + 3, t.font_size - 1.5
        for container in task.containers:
            mark = ""
            if container.last_status == "STOPPED" and status != "STOPPED":
                mark = "✕ "
            elif container.last_status == "PENDING" and status == "RUNNING":
                mark = "◔ "
            text = f"{mark}{container.name} · {container.image}"
            if container.exit_code is not None and container.last_status == "STOPPED":
                text += f" (exit {container.exit_code})"
            node = g.container_id(task, container.name)
            c.emit(
                node,
                Box(x, top, w, geo.container_h),
                quote(self.fit(text, w - 6, size)),
                f"container {container.last_status.lower()}",
                look.container,
                quote(_container_tip(task, container)),
            )
            top += step
            for n, binding in enumerate(container.network_bindings):
                c.emit(
                    f"port-{node[len('container-') :]}-{n}",
                    Box(x, top - 2, w, geo.port_h),
                    quote(self.fit("↳ " + port_text(binding), w - 4, t.font_size - 2), "l"),
                    "port",
                    look.port,
                    quote(f"{container.name}: host {port_text(binding)} (container port)"),
                    semantic=False,
                )
                top += geo.port_h

    # -- container instances ------------------------------------------------------------------
    def instance_rows(self, per_instance: Sequence[int]) -> int:
        geo = self.geometry
        most = max(per_instance, default=0)
        return max(geo.min_task_rows, math.ceil(most / geo.task_cols))

    def slots(self, instance: InstanceView, tasks: Sequence[TaskView]) -> dict[str, int]:
        arns = [t.arn for t in tasks]
        return self.memory.assign(instance.arn, arns) if self.memory else fresh_slots(arns)

    def draw_gauge(self, node_id: str, box: Box, name: str, used: int, total: int) -> None:
        t = self.theme
        share = min(used / total, 1.0) if total else 0.0
        if share > 0:
            fill = Box(box.x, box.y, max(box.w * share, 1.5), box.h)
            self.canvas.node(
                f"{node_id}-fill", fill, cls="gauge-fill", fill=t.gauge_fill, semantic=False
            )
        unit = "units" if name == "CPU" else "MiB"
        self.canvas.node(
            node_id,
            box,
            f"{name} {used} / {total} {unit} reserved ({pct(used, total)}%)",
            cls=f"gauge {name.lower()}",
            stroke=t.instance_stroke,
            fontsize=t.font_size - 1.5,
            semantic=False,
            penwidth=t.pen_width * 0.7,
        )

    def draw_instance(self, instance: InstanceView, box: Box, tasks: Sequence[TaskView]) -> None:
        t, geo = self.theme, self.geometry
        status = instance_status(instance)
        style = status_style(status)
        stroke = t.warn if status == "DISCONNECTED" else t.instance_stroke
        az = f" · {instance.availability_zone}" if instance.availability_zone else ""
        word = status_style(instance.status).text
        label = f"Container instance {instance.ec2_instance_id}\n{word}{az}"
        self.canvas.node(
            g.instance_id(instance),
            box,
            label,
            cls=f"instance {status.lower()}",
            fill=mix(t.instance_fill, t.background, 0.5) if style.faded else t.instance_fill,
            stroke=stroke,
            line=style.line,
            labelloc="t",
            penwidth=t.pen_width * 1.4,
            tooltip=_instance_tip(instance),
        )
        inner = box.w - 2 * geo.pad
        lift = max(t.fit_size(t.font_size) - 10, 0) * 2.2  # larger type: a taller title
        self.draw_gauge(
            f"{g.instance_id(instance)}-cpu",
            Box(box.x + geo.pad, box.y + 58 + lift, inner, 16),
            "CPU",
            instance.reserved_cpu,
            instance.registered_cpu,
        )
        self.draw_gauge(
            f"{g.instance_id(instance)}-memory",
            Box(box.x + geo.pad, box.y + 77 + lift, inner, 16),
            "Memory",
            instance.reserved_memory,
            instance.registered_memory,
        )
        th = self.task_h(tasks) if tasks else geo.task_h(1)
        slots = self.slots(instance, tasks)
        for task in tasks:
            self.draw_task(task, geo.task_box(box, slots[task.arn], th))
        self.canvas.node(
            f"docker-{instance.id}",
            Box(box.x + geo.pad, box.bottom - 26, inner, 20),
            "Docker Engine (runs the containers)",
            cls="docker",
            fill=t.badge_fill,
            stroke=t.instance_stroke,
            fontsize=t.font_size - 1,
            semantic=False,
            penwidth=t.pen_width * 0.7,
            tooltip=f"Docker Engine of container instance {instance.id}"
            + (f"\nDocker host {instance.docker_host}" if instance.docker_host else ""),
        )
        self.draw_agent(instance, Box(box.x + geo.pad, box.y + 34 + lift, inner, 20))

    def draw_agent(self, instance: InstanceView, box: Box) -> None:
        t = self.theme
        connected = instance.agent_connected
        fill = t.badge_fill if connected else t.warn
        self.canvas.node(
            g.agent_id(instance),
            box,
            "ECS container agent ✓ connected"
            if connected
            else "ECS container agent ⚠ DISCONNECTED",
            cls="agent " + ("connected" if connected else "disconnected"),
            fill=fill,
            stroke=t.ok if connected else t.warn,
            fontcolor=t.foreground if connected else text_on(fill),
            fontsize=t.font_size - 1,
            bold=not connected,
            penwidth=t.pen_width * 0.9,
            tooltip=f"ECS container agent of container instance {instance.id}\n{instance.arn}",
        )

    # -- services -----------------------------------------------------------------------------
    def service_colour(self, service: ServiceView) -> str:
        if service.name not in self.legend_services:
            self.legend_services.append(service.name)
        return self.colours.get(service.name, self.theme.standalone)

    def draw_service(self, service: ServiceView, box: Box, extra: str = "") -> None:
        """The service card; a service short of tasks ECS could not place says so and why."""
        t = self.theme
        colour = self.service_colour(service)
        td = arns.resource_id(service.task_definition_arn)
        label = (
            f"Service {service.name}\n"
            f"desired {service.desired_count} · running {service.running_count}"
            f" · pending {service.pending_count}\ntask definition {td}{extra}"
        )
        missing = unplaced_count(service)
        if missing:
            label += "\n" + self.fit(
                f"⚠ {missing} not placed: {self.unplaced_short(service)}", box.w - 8, t.font_size
            )
        style = status_style(service.status)
        self.canvas.node(
            g.service_id(service),
            box,
            label,
            cls=f"service {service.status.lower()}",
            fill=self.tint(colour),
            stroke=colour,
            line=style.line,
            penwidth=t.pen_width * 2,
            tooltip=f"Service {service.name}\n{service.arn}\n"
            f"task definition {service.task_definition_arn}",
        )

    def unplaced_short(self, service: ServiceView) -> str:
        """Why a service's tasks are missing, in a few words (``text.unplaced_short``), or that
        they wait for the Auto Scaling group cluster auto scaling is growing."""
        provider = self.capacity_waits.get(service.name)
        return f"{provider} scaling out" if provider else unplaced_short(service)

    def draw_unplaced(self, service: ServiceView, box: Box, node_id: str, more: int = 0) -> None:
        """An empty, dashed task slot: a task the service wants that ECS could not place."""
        t = self.theme
        self.service_colour(service)  # the service is in the legend
        self.unplaced_shown = True
        reason = self.unplaced_short(service)
        head = f"+{more} more not placed" if more else f"{service.name} · not placed"
        self.canvas.node(
            node_id,
            box,
            f"{self.fit(head, box.w - 10, t.font_size - 0.5)}\n"
            f"{self.fit('✕ ' + reason, box.w - 10, t.font_size - 0.5)}",
            cls="unplaced " + (service.unplaced_reason or "unknown").replace(" ", "-"),
            fill=t.background,
            stroke=t.warn,
            line="dashed",
            rounded=True,
            fontsize=t.font_size - 0.5,
            penwidth=t.pen_width * 1.2,
            semantic=False,
            tooltip=f"Service {service.name} wants {unplaced_count(service)} more tasks that "
            f"ECS could not place: {reason}\n{service.arn}",
        )

    # -- title and legend ---------------------------------------------------------------------
    def draw_title(self, title: str, caption: str, width: float) -> None:
        t = self.theme
        self.canvas.text(
            "figure-heading", Box(0, -58, width, 22), title, fontsize=t.font_size * 1.4, bold=True
        )
        self.canvas.text(
            "figure-caption",
            Box(0, -36, width, 18),
            caption,
            fontcolor=t.muted,
            fontsize=t.font_size * 1.05,
        )

    def draw_legend(
        self,
        x: float,
        y: float,
        *,
        tasks: bool = True,
        instances: bool = True,
        extra: Sequence[tuple[str, str, dict[str, object]]] = (),
    ) -> None:
        """The legend box; ``extra`` rows (id, text, swatch spec) come first."""
        t, c = self.theme, self.canvas
        rows: list[tuple[str, str, dict[str, object]]] = list(extra)
        for name in self.legend_services:
            colour = self.colours.get(name, t.standalone)
            rows.append((f"legend-service-{name}", f"service {name}", {"fill": colour}))
        if self.standalone_shown:
            rows.append(
                (
                    "legend-runtask",
                    "standalone task (RunTask)",
                    {"fill": t.standalone, "stroke": t.standalone_stroke, "double": True},
                )
            )
        if self.unplaced_shown:
            rows.append(
                (
                    "legend-unplaced",
                    "task not placed (empty)",
                    {"line": "dashed", "fill": t.background, "warn": True},
                )
            )
        if tasks:
            for status in ("PENDING", "RUNNING", "STOPPING", "STOPPED"):
                s = status_style(status)
                spec: dict[str, object] = {"line": s.line}
                if s.faded:
                    spec["fill"] = t.badge_fill
                rows.append((f"legend-{status.lower()}", f"task {s.text}", spec))
        if instances:
            rows.append(("legend-draining", "instance ▼ DRAINING", {"line": "dashed"}))
            rows.append(
                ("legend-disconnected", "⚠ agent disconnected", {"fill": t.warn, "warn": True})
            )
            rows.append(("legend-gauge", "gauge: reserved / registered", {"fill": t.gauge_fill}))
        for arrow in sorted(self.arrows):
            rows.append((f"legend-arrow-{arrow}", f"→ {arrow}", {"arrow": True}))
        height = 26 + 20 * len(rows)
        grow = max(round(150 * (t.fit_size(t.font_size) / 10 - 1)), 0)  # room for larger type
        c.node(
            "legend",
            Box(x, y, 196 + grow, height),
            "Legend",
            cls="legend",
            fill=t.frame_fill,
            stroke=t.frame_stroke,
            labelloc="t",
            semantic=False,
            bold=True,
        )
        for i, (node_id, text, spec) in enumerate(rows):
            top = y + 24 + 20 * i
            if spec.get("arrow"):
                c.text(
                    node_id, Box(x + 10, top, 176 + grow, 16), text, cls="legend-entry", align="l"
                )
                continue
            fill = spec.get("fill")
            double = bool(spec.get("double"))  # the outer ring is drawn 4pt outside the box
            c.node(
                f"{node_id}-swatch",
                Box(x + 14, top + 4, 22, 7) if double else Box(x + 10, top, 30, 15),
                cls="legend-swatch",
                fill=str(fill) if fill else t.instance_fill,
                stroke=str(spec["stroke"])
                if "stroke" in spec
                else (t.warn if spec.get("warn") else t.instance_stroke),
                line=str(spec.get("line", "solid")),
                peripheries=2 if double else 1,
                semantic=False,
            )
            c.text(
                node_id,
                Box(x + 46, top, 146 + grow, 16),
                self.fit(text, 146 + grow, t.font_size - 1),
                cls="legend-entry",
                fontsize=t.font_size - 1,
                align="l",
            )
        self.draw_runtime(Box(x, y + height + 10, 196 + grow, 22))

    def draw_runtime(self, box: Box) -> None:
        """A badge saying which runtime ran the tasks drawn: simulated or real Docker."""
        t, runtime = self.theme, self.snapshot.runtime
        if not runtime:  # a card drawn from a view alone: unknown
            return
        docker = runtime == "docker"
        word = "Docker runtime" if docker else f"{runtime} runtime"
        tip = (
            "Tasks run as real containers on a Docker engine"
            if docker
            else "Tasks run on ecsedu's simulated runtime: no real containers, simulated clock"
        )
        self.canvas.node(
            "runtime-badge",
            box,
            ("▶ " if docker else "◇ ") + word,
            cls=f"runtime {runtime}",
            fill=t.badge_fill,
            stroke=t.frame_stroke,
            line="solid" if docker else "dashed",
            rounded=True,
            bold=True,
            fontsize=t.font_size - 0.5,
            semantic=False,
            tooltip=tip,
        )
