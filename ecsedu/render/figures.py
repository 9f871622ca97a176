"""The article's eight figures, and the live cluster view, drawn from any snapshot.

Each function takes an ``ecsedu.model.snapshot.Snapshot``, or the connection itself (anything
with a ``.snapshot()`` method), and draws whatever state it holds, so the pictures in "Amazon ECS
terms and architecture" come alive: scale a service and figure 6 gains a task. While the state
is the article's, a figure keeps the article's caption; otherwise the caption says what is drawn
("Cluster demo: 1 Service running 10 Tasks across 2 ECS Container Instances"). ``title=`` and
``caption=`` override both. ``theme=None`` uses ``ecsedu.set_theme``'s choice (or
``$ECSEDU_THEME``). See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/Welcome.html.

1. ``docker_host``: one machine running Docker and its containers (app, bins/libs);
2. ``ecs_overview``: the ECS API, a cluster of instances with Docker and the agent, the pool;
3. ``task_definition_tasks``: one task definition creating several identical tasks;
4. ``service_scaling``: a service over its task definition, with min/desired/max, its scaling
   policy and alarms (state, threshold, current value), the last scaling activity, a CPU chart,
   and its load balancer in front of its tasks (each target's health and request count);
5. ``instance_tasks``: one container instance running tasks of several services;
6–8. ``cluster_services``: services' tasks spread across the container instances of a cluster,
   with the load balancers in front (an arrow to each target task, styled by its health).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ecsedu import arns
from ecsedu.model.snapshot import (
    CapacityProviderView,
    ClusterView,
    InstanceView,
    ServiceView,
    Snapshot,
    TaskDefinitionView,
    TaskView,
)
from ecsedu.render import capacity as cap
from ecsedu.render import chart
from ecsedu.render import graph as g
from ecsedu.render import scaling as sc
from ecsedu.render.blocks import Scene
from ecsedu.render.dot import Canvas
from ecsedu.render.figure import Edge, Figure
from ecsedu.render.layout import Box, Geometry, SlotMemory, grid_position
from ecsedu.render.lookup import Drawable, UnknownNameError, as_snapshot, pick_cluster, unknown
from ecsedu.render.style import SERVICE_PALETTE, Theme, get_theme, text_on
from ecsedu.render.svg import GraphvizStream
from ecsedu.render.text import (
    UNPLACED_REASONS,
    describe_cluster,
    describe_instance,
    describe_service,
    describe_task,
    plural,
    unplaced_count,
    unplaced_short,
)

__all__ = [
    "FIGURES",
    "FigureSpec",
    "UnknownNameError",
    "cluster_auto_scaling",
    "cluster_services",
    "cluster_view",
    "docker_host",
    "draw",
    "draw_capacity",
    "ecs_overview",
    "instance_tasks",
    "service_scaling",
    "task_definition_tasks",
]

STREAM_MIN_TASKS = 100  # stream=True only pays off for big figures: smaller ones draw plainly
KEEP_STOPPED = 120.0  # seconds a STOPPED task stays on the diagram, greyed, before it goes


@dataclass(frozen=True)
class FigureSpec:
    number: int
    key: str
    title: str
    caption: str


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        1,
        "fig1-docker-host",
        "A Docker host and its containers",
        "Adapted from Docker's 'get started': each container packages an app with its bins/libs",
    ),
    FigureSpec(
        2,
        "fig2-ecs-overview",
        "Amazon ECS, a container management service",
        "The ECS API runs containers on a cluster of instances with Docker and the agent",
    ),
    FigureSpec(
        3,
        "fig3-task-definition",
        "Task definition and tasks",
        "One Task Definition creates several identical Tasks",
    ),
    FigureSpec(
        4,
        "fig4-service-scaling",
        "A service and its scaling bounds",
        "Service definition defining alarms of when to scale capacity",
    ),
    FigureSpec(
        5,
        "fig5-instance-tasks",
        "One container instance, many services",
        "One ECS Container Instance running 8 Tasks from multiple different Services",
    ),
    FigureSpec(
        6,
        "fig6-one-service",
        "One service across two instances",
        "An example ECS cluster, with one Service running four Tasks across two ECS "
        "Container Instances",
    ),
    FigureSpec(
        7,
        "fig7-many-services",
        "Several services in one cluster",
        "Multiple Services allocated across multiple ECS Container Instances running on "
        "one Cluster",
    ),
    FigureSpec(
        8,
        "fig8-three-services",
        "The whole model",
        "A Cluster running 3 Services, each running a different amount of Tasks, across "
        "two ECS Container Instances",
    ),
)
_SPECS = {spec.number: spec for spec in FIGURES}


# -- shared helpers ----------------------------------------------------------------------------
Theme_ = str | Theme | None  # a theme name, a Theme, or None for ecsedu.set_theme's choice


def _visible(snapshot: Snapshot, task: TaskView) -> bool:
    if task.last_status != "STOPPED":
        return True
    return task.stopped_at is None or snapshot.time - task.stopped_at <= KEEP_STOPPED


def _tasks_on(snapshot: Snapshot) -> Callable[[str], Sequence[TaskView]]:
    by_instance: dict[str, list[TaskView]] = {}
    for task in snapshot.tasks:
        if task.container_instance_arn and _visible(snapshot, task):
            by_instance.setdefault(task.container_instance_arn, []).append(task)
    return lambda arn: by_instance.get(arn, [])


def _scene(
    snapshot: Snapshot,
    theme: Theme_,
    key: str,
    memory: SlotMemory | None,
    geometry: Geometry | None = None,
    *,
    stream: bool = False,
) -> Scene:
    th = get_theme(theme)
    stream = stream and len(snapshot.tasks) >= STREAM_MIN_TASKS
    canvas = Canvas(th, key, stream=GraphvizStream("svg") if stream else None)
    return Scene(snapshot, th, canvas, geometry or Geometry(), memory)


def _relations(snapshot: Snapshot, nodes: frozenset[str]) -> Callable[[], frozenset[Edge]]:
    """The object graph's edges between drawn nodes, computed when first asked for."""

    def edges() -> frozenset[Edge]:
        graph = g.to_graph(snapshot)
        return frozenset(
            (u, v, rel) for u, v, rel in graph.edges(data="relation") if u in nodes and v in nodes
        )

    return edges


def _finish(
    scene: Scene,
    key: str,
    title: str,
    caption: str,
    describe: Callable[[], str],
    width: float,
) -> Figure:
    """Add the title and wrap the canvas up as a Figure (description and edges come lazily)."""
    scene.draw_title(title, caption, width)
    nodes = frozenset(scene.canvas.nodes)
    dot = scene.canvas.to_dot()
    return Figure(
        key,
        f"{title}. {caption}.",
        caption,
        dot,
        scene.theme.name,
        nodes,
        dict(scene.canvas.boxes),
        lambda: f"{title}. {caption}. {describe()}".strip(),
        _relations(scene.snapshot, nodes),
        scene.canvas.close_stream(),
    )


def _heading(spec: FigureSpec, title: str | None = None) -> str:
    """ "Figure 6 · One service across two instances"; the live view has no number."""
    if title is not None:
        return title
    return f"Figure {spec.number} · {spec.title}" if spec.number else spec.title


def _caption(spec: FigureSpec, caption: str | None, drawn: str | None) -> str:
    """The caller's caption, else the article's while the state is the article's (``drawn`` is
    None), else ``drawn``: what the figure actually shows."""
    if caption is not None:
        return caption
    return spec.caption if drawn is None else drawn


def _empty(
    scene: Scene, spec: FigureSpec, what: str, title: str | None, caption: str | None
) -> Figure:
    scene.canvas.text("figure-empty", Box(0, 0, 420, 40), f"Nothing to draw yet: {what}")
    scene.draw_legend(440, 0)
    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, f"Nothing to draw yet: {what}"),
        lambda: f"Nothing to draw yet: {what}.",
        640,
    )


def _short_by(services: Sequence[ServiceView]) -> list[tuple[ServiceView, int]]:
    return [(s, n) for s in services if (n := unplaced_count(s))]


def _draw_unplaced_row(
    scene: Scene, svc: ServiceView, missing: int, x: float, y: float, width: float, th: float
) -> float:
    """A heading and one row of empty, dashed task slots; returns the row's height."""
    t, geo = scene.theme, scene.geometry
    why = UNPLACED_REASONS.get(svc.unplaced_reason or "", ("", unplaced_short(svc)))[1]
    provider = scene.capacity_waits.get(svc.name)
    if provider is not None:  # managed scaling is adding instances for them
        why = f"they wait for capacity provider {provider} to launch instances"
    scene.canvas.text(
        f"unplaced-{g.service_id(svc)}-heading",
        Box(x, y, width, 18),
        scene.fit(
            f"⚠ {plural(missing, 'task')} of service {svc.name} could not be placed: {why}",
            width,
            t.font_size,
        ),
        align="l",
        fontcolor=t.warn,
    )
    per_row = max(1, int((width + geo.gap) // (geo.task_w + geo.gap)))
    shown = min(missing, per_row)
    for i in range(shown):
        more = missing - shown + 1 if i == shown - 1 and missing > shown else 0
        scene.draw_unplaced(
            svc,
            Box(x + i * (geo.task_w + geo.gap), y + 22, geo.task_w, th),
            f"unplaced-{g.service_id(svc)[len('service-') :]}-{i}",
            more,
        )
    return 22 + th + 14


class ClusterDrawing(NamedTuple):
    """What ``_draw_cluster`` drew: its frame, its description, and counts for the caption."""

    frame: Box
    describe: Callable[[], str]
    services: tuple[ServiceView, ...]
    tasks: tuple[TaskView, ...]  # not STOPPED, placed or waiting
    instances: int
    unplaced: int
    fargate: int = 0  # tasks drawn in the AWS Fargate area
    legend: tuple[tuple[str, str, dict[str, object]], ...] = ()  # extra legend rows


def _draw_cluster(
    scene: Scene, cluster: ClusterView, top: float, *, services: bool, arrows: bool
) -> ClusterDrawing:
    """Draw a cluster frame with its service cards, instances and tasks (and, with the service
    cards, the tasks ECS could not place, as empty dashed slots with the reason)."""
    snap, geo, t = scene.snapshot, scene.geometry, scene.theme
    if cap.uses_capacity(snap, cluster, [x for x in snap.tasks if x.cluster_arn == cluster.arn]):
        return _draw_capacity_cluster(scene, cluster, top, services=services, arrows=arrows)
    instances = snap.instances_in(cluster.arn)
    tasks_on = _tasks_on(snap)
    per_instance = [tasks_on(i.arn) for i in instances]
    every = [task for tasks in per_instance for task in tasks]
    waiting = [
        x
        for x in snap.tasks
        if x.cluster_arn == cluster.arn and not x.container_instance_arn and _visible(snap, x)
    ]
    rows = scene.instance_rows([len(x) for x in per_instance])
    th = scene.task_h(every + waiting)
    iw, ih = geo.instance_w(), geo.instance_h(rows, th)
    per_row = max(1, min(geo.instances_per_row, len(instances)))
    y = top + geo.cluster_header_h
    svc_views = [s for s in snap.services_in(cluster.arn) if s.status != "INACTIVE"]
    short = _short_by(svc_views) if services else []
    card_h = 72.0 if short else 58.0  # room for "⚠ n not placed: ..."
    if services and svc_views:
        y += card_h + 12
    grid_w = per_row * iw + (per_row - 1) * geo.gap * 2
    n_rows = -(-len(instances) // per_row) if instances else 0
    body_h = n_rows * ih + max(n_rows - 1, 0) * geo.gap * 2
    wait_h = (th + 40) if waiting else 0.0
    frame_w = max(grid_w, 3 * 232) + 2 * geo.pad
    unplaced_th = geo.task_h(1)
    short_h = len(short) * (22 + unplaced_th + 14) + (10 if short else 0)
    frame = Box(
        0,
        top,
        frame_w,
        y - top + body_h + wait_h + short_h + geo.pad + (0 if instances else 40),
    )
    _cluster_frame(scene, cluster, frame, len(instances))
    if services and svc_views:
        for i, svc in enumerate(svc_views):
            scene.draw_service(svc, Box(geo.pad + i * 232, top + geo.cluster_header_h, 220, card_h))
    if not instances:
        scene.canvas.text(
            "cluster-empty",
            Box(geo.pad, y, 400, 30),
            "No container instances registered: tasks have nowhere to run",
        )
    for index, (inst, tasks) in enumerate(zip(instances, per_instance, strict=True)):
        dx, dy = grid_position(index, per_row, iw + 2 * geo.gap, ih + 2 * geo.gap)
        scene.draw_instance(inst, Box(geo.pad + dx, y + dy, iw, ih), tasks)
    below = y + body_h + (0 if instances else 40)
    if waiting:
        wy = below + 14
        scene.canvas.text(
            "waiting-heading",
            Box(geo.pad, wy, 520, 18),
            "Waiting for placement (no container instance has room):",
            align="l",
            fontcolor=t.muted,
        )
        for i, task in enumerate(waiting):
            scene.draw_task(
                task, Box(geo.pad + i * (geo.task_w + geo.gap), wy + 22, geo.task_w, th)
            )
    sy = below + wait_h + 10
    for svc, missing in short:
        sy += _draw_unplaced_row(
            scene, svc, missing, geo.pad, sy, frame_w - 2 * geo.pad, unplaced_th
        )
    if arrows and services:
        scene.arrows.add("manages (dashed)")
        for svc in svc_views:
            for task in every + waiting:
                if task.service_name == svc.name and task.last_status != "STOPPED":
                    scene.canvas.edge(
                        g.service_id(svc),
                        g.task_id(task),
                        "manages",
                        colour=scene.colours.get(svc.name, t.edge),
                        line="dashed",
                    )
    return ClusterDrawing(
        frame,
        lambda: describe_cluster(snap, cluster.arn, cluster.name, tasks_on, waiting),
        tuple(svc_views) if services else (),
        tuple(x for x in every + waiting if x.last_status != "STOPPED"),
        len(instances),
        sum(n for _, n in short),
    )


def _draw_waiting(
    scene: Scene, tasks: Sequence[TaskView], heading: str, key: str, x: float, y: float, th: float
) -> None:
    """A heading and the tiles of tasks that wait for a container instance."""
    geo, t = scene.geometry, scene.theme
    scene.canvas.text(f"{key}-heading", Box(x, y, 620, 18), heading, align="l", fontcolor=t.muted)
    for i, task in enumerate(tasks):
        scene.draw_task(task, Box(x + i * (geo.task_w + geo.gap), y + 22, geo.task_w, th))


def _draw_capacity_cluster(
    scene: Scene, cluster: ClusterView, top: float, *, services: bool, arrows: bool
) -> ClusterDrawing:
    """A cluster whose tasks get capacity from capacity providers or AWS Fargate: its
    container instances grouped by the Auto Scaling group that launched them (each group
    framed with its size, target capacity and reservation), its Fargate tasks in an
    "AWS Fargate" area, each in a box of its own with its private IP and ENI."""
    snap, geo, t = scene.snapshot, scene.geometry, scene.theme
    tasks_on = _tasks_on(snap)
    mine = [x for x in snap.tasks if x.cluster_arn == cluster.arn and _visible(snap, x)]
    # A deregistered instance with nothing left on it (an Auto Scaling group scaled in) goes.
    instances = [
        i for i in snap.instances_in(cluster.arn) if i.status != "INACTIVE" or tasks_on(i.arn)
    ]
    fargate = [x for x in mine if x.fargate]
    waiting = [x for x in mine if not x.fargate and not x.container_instance_arn]
    groups = [
        grp
        for grp in cap.groups_of(snap, cluster, instances, waiting)
        if grp.provider is not None or grp.instances or grp.waiting
    ]
    framed = any(grp.provider is not None for grp in groups)
    per_instance = {i.arn: tasks_on(i.arn) for i in instances}
    every = [task for i in instances for task in per_instance[i.arn]]
    rows = scene.instance_rows([len(v) for v in per_instance.values()])
    th = scene.task_h(every + waiting + fargate)
    iw, ih = geo.instance_w(), geo.instance_h(rows, th)
    most = max((len(grp.instances) for grp in groups), default=1)
    per_row = max(1, min(geo.instances_per_row, most))
    inset = 12.0 if framed else 0.0  # instances sit this far inside their group's frame
    grid_w = per_row * iw + (per_row - 1) * geo.gap * 2
    fw = cap.fargate_tile_w(scene)
    show_fargate = bool(fargate) or bool(
        {"FARGATE", "FARGATE_SPOT"} & set(cluster.capacity_providers)
    )
    fargate_w = min(len(fargate), 4) * (fw + 10) + 10 if fargate else 0.0  # 4 tiles a row
    inner_w = max(grid_w + 2 * inset, 3 * 232 - geo.pad, fargate_w)
    frame_w = inner_w + 2 * geo.pad
    f_per_row = max(1, int((inner_w - 10) // (fw + 10)))
    svc_views = [s for s in snap.services_in(cluster.arn) if s.status != "INACTIVE"]
    short = _short_by(svc_views) if services else []
    scene.capacity_waits.update(cap.capacity_waits(snap, cluster, [s for s, _ in short]))
    card_h = 72.0 if short else 58.0
    y = top + geo.cluster_header_h + ((card_h + 12) if services and svc_views else 0)
    unplaced_th = geo.task_h(1)

    def grid_h(n: int) -> float:
        n_rows = -(-n // per_row) if n else 0
        return n_rows * ih + max(n_rows - 1, 0) * geo.gap * 2

    def wait_h(tasks: Sequence[TaskView]) -> float:
        return (th + 32) if tasks else 0.0

    heights = []
    for grp in groups:
        body = grid_h(len(grp.instances)) if grp.instances else 26.0
        if framed:
            heights.append(cap.GROUP_HEADER + body + wait_h(grp.waiting) + 12)
        else:
            heights.append(body + wait_h(grp.waiting))
    f_slots = cap.fargate_slots(scene, cluster, fargate)
    f_count = max(f_slots.values(), default=-1) + 1  # slots in use, gaps included
    fargate_h = cap.fargate_area_h(f_count, f_per_row, th) if show_fargate else 0.0
    short_h = len(short) * (22 + unplaced_th + 14) + (10 if short else 0)
    body_h = sum(heights) + 16 * max(len(heights) - 1, 0)
    body_h += (fargate_h + (16 if heights else 0)) if show_fargate else 0.0
    frame = Box(0, top, frame_w, y - top + body_h + short_h + geo.pad)
    _cluster_frame(scene, cluster, frame, len(instances), len(fargate))
    if services and svc_views:
        for i, svc in enumerate(svc_views):
            scene.draw_service(svc, Box(geo.pad + i * 232, top + geo.cluster_header_h, 220, card_h))
    for grp, h in zip(groups, heights, strict=True):
        gx, gy = geo.pad, y
        if framed:
            cap.draw_group(scene, grp, Box(gx, gy, inner_w, h))
            gx, gy = gx + inset, gy + cap.GROUP_HEADER
        if not grp.instances:
            scene.canvas.text(
                f"{g.provider_id(grp.provider.name) if grp.provider else 'cluster'}-no-instances",
                Box(gx, gy, inner_w - 2 * inset, 20),
                "No instances yet: the group launches them when tasks need room"
                if grp.provider is not None
                else "No container instances registered",
                align="l",
                fontcolor=t.muted,
            )
        for index, inst in enumerate(grp.instances):
            dx, dy = grid_position(index, per_row, iw + 2 * geo.gap, ih + 2 * geo.gap)
            scene.draw_instance(inst, Box(gx + dx, gy + dy, iw, ih), per_instance[inst.arn])
        if grp.waiting:
            wy = gy + (grid_h(len(grp.instances)) if grp.instances else 26.0) + 6
            provider = grp.provider
            _draw_waiting(
                scene,
                grp.waiting,
                f"Waiting for capacity (PROVISIONING): {provider.name} must launch instances"
                if provider is not None
                else "Waiting for placement (no container instance has room):",
                f"waiting-{g.provider_id(provider.name) if provider else 'none'}",
                gx,
                wy,
                th,
            )
        y += h + 16
    if show_fargate:
        cap.draw_fargate_area(
            scene, cluster, fargate, Box(geo.pad, y, inner_w, fargate_h), f_per_row, th, f_slots
        )
        y += fargate_h + 16
    sy = y - 6
    for svc, missing in short:
        sy += _draw_unplaced_row(scene, svc, missing, geo.pad, sy, inner_w, unplaced_th)
    drawn_tasks = every + waiting + fargate
    if arrows and services:
        scene.arrows.add("manages (dashed)")
        for svc in svc_views:
            for task in drawn_tasks:
                if task.service_name == svc.name and task.last_status != "STOPPED":
                    scene.canvas.edge(
                        g.service_id(svc),
                        g.task_id(task),
                        "manages",
                        colour=scene.colours.get(svc.name, t.edge),
                        line="dashed",
                    )

    def describe() -> str:
        text = describe_cluster(snap, cluster.arn, cluster.name, tasks_on, waiting)
        more = cap.describe_capacity(snap, groups, fargate)
        return f"{text} {more}".strip()

    return ClusterDrawing(
        frame,
        describe,
        tuple(svc_views) if services else (),
        tuple(x for x in drawn_tasks if x.last_status != "STOPPED"),
        len(instances),
        sum(n for _, n in short),
        sum(1 for x in fargate if x.last_status != "STOPPED"),
        cap.legend_rows(scene, groups, fargate),
    )


def _cluster_caption(number: int, name: str, drawn: ClusterDrawing) -> str | None:
    """None while the cluster drawn is the article's figure ``number``; else what is drawn."""
    s, i, n, u = len(drawn.services), drawn.instances, len(drawn.tasks), drawn.unplaced
    per_service = [sum(x.service_name == svc.name for x in drawn.tasks) for svc in drawn.services]
    article = (
        u == 0
        and not drawn.fargate
        and {
            6: s == 1 and n == 4 and i == 2 and per_service == [4],
            7: s >= 2 and i >= 2 and sum(per_service) == n,
            8: s == 3 and i == 2 and len(set(per_service)) == 3 and sum(per_service) == n,
        }.get(number, False)
    )
    if article:
        return None
    standalone = n - sum(per_service)
    tasks = plural(n, "Task")
    if s and not standalone:
        text = f"Cluster {name}: {plural(s, 'Service')} running {tasks}"
    elif s:
        text = f"Cluster {name}: {plural(s, 'Service')} and {tasks} ({standalone} standalone)"
    else:
        text = f"Cluster {name}: {tasks} (no Service)"
    if drawn.fargate and not i:
        text += " on AWS Fargate"
    else:
        text += f" across {plural(i, 'ECS Container Instance')}"
        if drawn.fargate:
            text += f" and AWS Fargate ({drawn.fargate})"
    if u:
        text += f"; {u} more could not be placed"
    return text


def _cluster_figure(
    source: Drawable,
    spec: FigureSpec,
    cluster: str | None,
    theme: Theme_,
    memory: SlotMemory | None,
    *,
    arrows: bool,
    geometry: Geometry | None = None,
    stream: bool = False,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    snapshot = as_snapshot(source)
    view = pick_cluster(snapshot, cluster)  # an unknown name fails before graphviz starts
    scene = _scene(snapshot, theme, spec.key, memory, geometry, stream=stream)
    try:
        if view is None:
            return _empty(scene, spec, "create a cluster", title, caption)
        services = [s for s in snapshot.services_in(view.arn) if s.status != "INACTIVE"]
        balancers = sc.balancers_of(snapshot, services)
        lb_h = 58.0
        top = (lb_h + 46) if balancers else 0.0
        drawn = _draw_cluster(scene, view, top, services=True, arrows=arrows)
        # Load balancers in front of the cluster: an arrow to each target task, by its health.
        tasks_by_arn = {x.arn: x for x in drawn.tasks}
        lb_w = min(360.0, (drawn.frame.w - 16 * (len(balancers) - 1)) / max(len(balancers), 1))
        for k, lb in enumerate(balancers):
            lb_node = sc.draw_balancer(scene, lb, Box(k * (lb_w + 16), 0, lb_w, lb_h))
            mine = [x for x in sc.targets_of(snapshot) if x.balancer.arn == lb.arn]
            sc.route_edges(scene, lb_node, mine, tasks_by_arn, labels=False)
            for x in mine:  # each target's health and requests, on its task's lower edge
                task = tasks_by_arn.get(x.target.task_arn or x.target.target_id)
                tile = scene.canvas.boxes.get(g.task_id(task)) if task is not None else None
                if tile is not None and task is not None:
                    sc.health_badge(
                        scene,
                        f"target-{g.task_id(task)}",
                        x.target,
                        Box(tile.x + 12, tile.bottom - 8, tile.w - 24, 15),
                    )
        # A cluster of Fargate tasks alone has no instance to explain in the legend.
        no_instances = bool(drawn.fargate) and not drawn.instances
        scene.draw_legend(
            drawn.frame.right + 24, top, extra=drawn.legend, instances=not no_instances
        )
        live = spec.number == 0  # the live view keeps its own caption
        return _finish(
            scene,
            spec.key,
            _heading(spec, title),
            _caption(
                spec, caption, None if live else _cluster_caption(spec.number, view.name, drawn)
            ),
            drawn.describe,
            drawn.frame.right + 220,
        )
    except BaseException:
        scene.canvas.abort_stream()
        raise


# -- figures 6, 7, 8 and the live view ---------------------------------------------------------
def cluster_services(
    snapshot: Drawable,
    number: int = 8,
    *,
    cluster: str | None = None,
    theme: Theme_ = None,
    memory: SlotMemory | None = None,
    stream: bool = False,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Figures 6–8: services' tasks across the container instances of one cluster.

    Args:
        snapshot: the state to draw: a Snapshot, or the connection (``ecsedu.connect()``).
        number: which article figure (6, 7 or 8); the drawing is the same. Its caption is the
            article's while the state matches the article's, else it says what is drawn.
        cluster: name or ARN (default: the first cluster).
        theme: light, dark or projector (default: ``ecsedu.set_theme``'s, else light).
        memory: keeps task slots stable across renders.
        stream: start graphviz now and feed it the DOT while drawing, for a caller that will
            want ``.svg()`` (the dashboard, notebooks): a big figure's SVG is ready sooner.
            Ignored below ``STREAM_MIN_TASKS`` tasks, where the threads cost more than they save.
        title, caption: replace the heading and the caption.
    """
    if number not in (6, 7, 8):
        raise ValueError("cluster_services draws figures 6, 7 and 8")
    return _cluster_figure(
        snapshot,
        _SPECS[number],
        cluster,
        theme,
        memory,
        arrows=False,
        stream=stream,
        title=title,
        caption=caption,
    )


def cluster_view(
    snapshot: Drawable,
    *,
    cluster: str | None = None,
    theme: Theme_ = None,
    memory: SlotMemory | None = None,
    arrows: bool = False,
    instances_per_row: int = 4,
    stream: bool = False,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """The dashboard's live view of a whole cluster (no service arrows by default).

    ``stream=True`` starts graphviz at once and feeds it the DOT while drawing (see
    ``cluster_services``); use it when the SVG is wanted.
    """
    spec = FigureSpec(0, "cluster-view", "Cluster view", "Live state of the cluster")
    geometry = Geometry(instances_per_row=instances_per_row)
    return _cluster_figure(
        snapshot,
        spec,
        cluster,
        theme,
        memory,
        arrows=arrows,
        geometry=geometry,
        stream=stream,
        title=title,
        caption=caption,
    )


# -- figure 5 ----------------------------------------------------------------------------------
def instance_tasks(
    snapshot: Drawable,
    *,
    instance: str | None = None,
    cluster: str | None = None,
    theme: Theme_ = None,
    memory: SlotMemory | None = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Figure 5: one container instance (default: the busiest) with the tasks it runs."""
    spec = _SPECS[5]
    snap = as_snapshot(snapshot)
    scene = _scene(snap, theme, spec.key, memory)
    tasks_on = _tasks_on(snap)
    chosen = _pick_instance(snap, instance, cluster, tasks_on)
    if chosen is None:
        return _empty(scene, spec, "register a container instance", title, caption)
    tasks = tasks_on(chosen.arn)
    geo = scene.geometry
    th = scene.task_h(tasks)
    box = Box(0, 0, geo.instance_w(), geo.instance_h(scene.instance_rows([len(tasks)]), th))
    scene.draw_instance(chosen, box, tasks)
    services = sorted({t.service_name for t in tasks if t.service_name})
    scene.draw_legend(box.right + 24, 0)
    alive = [x for x in tasks if x.last_status != "STOPPED"]
    owners = {x.service_name for x in alive if x.service_name}
    standalone = sum(1 for x in alive if not x.service_name)
    drawn = None
    if not (len(alive) == 8 and len(owners) >= 2 and not standalone):
        drawn = (
            f"One ECS Container Instance running {plural(len(alive), 'Task')} from "
            f"{plural(len(owners), 'Service')}"
            + (f" and {standalone} standalone (RunTask)" if standalone else "")
        )
    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, drawn),
        lambda: (
            describe_instance(chosen, tasks)
            + f" The tasks belong to {plural(len(services), 'service')}."
        ),
        box.right + 220,
    )


def _pick_instance(
    snapshot: Snapshot,
    instance: str | None,
    cluster: str | None,
    tasks_on: Callable[[str], Sequence[TaskView]],
) -> InstanceView | None:
    view = pick_cluster(snapshot, cluster) if cluster is not None else None
    candidates = snapshot.instances_in(view.arn) if view is not None else snapshot.instances
    if instance is not None:
        for inst in candidates:
            if instance in (inst.arn, inst.id, inst.ec2_instance_id):
                return inst
        raise unknown("container instance", instance, (i.ec2_instance_id for i in candidates))
    if not candidates:
        return None
    return max(candidates, key=lambda i: len(tasks_on(i.arn)))  # first of the busiest


# -- figure 1 ----------------------------------------------------------------------------------
def docker_host(
    snapshot: Drawable,
    *,
    instance: str | None = None,
    cluster: str | None = None,
    theme: Theme_ = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Figure 1: a machine running Docker, each container an app with its bins/libs.

    Drawn as layers, as in Docker's "get started" diagram: infrastructure (the EC2 instance),
    the host operating system, Docker, and on top one column per running container.
    """
    spec = _SPECS[1]
    snapshot = as_snapshot(snapshot)
    scene = _scene(snapshot, theme, spec.key, None)
    t, c = scene.theme, scene.canvas
    tasks_on = _tasks_on(snapshot)
    chosen = _pick_instance(snapshot, instance, cluster, tasks_on)
    if chosen is None:
        return _empty(scene, spec, "register a container instance", title, caption)
    pairs = [
        (task, ct)
        for task in tasks_on(chosen.arn)
        if task.last_status != "STOPPED"
        for ct in task.containers
    ]
    # Before ECS there are no services here: each container image (app) gets its own colour.
    images = list(dict.fromkeys(ct.image for _, ct in pairs))
    colour_of = {img: SERVICE_PALETTE[i % len(SERVICE_PALETTE)] for i, img in enumerate(images)}
    col_w = 118.0
    per_row = min(max(len(pairs), 3), 6)
    n_rows = max(1, -(-len(pairs) // per_row))
    width = per_row * col_w + 12
    for i, (task, ct) in enumerate(pairs):
        dx, dy = grid_position(i, per_row, col_w, 100)
        colour = colour_of[ct.image]
        top = Box(6 + dx, dy, col_w - 8, 50)
        c.node(
            g.container_id(task, ct.name),
            top,
            f"App: {scene.fit(ct.name, 100, t.font_size - 1)}"
            f"\n{scene.fit(ct.image, 100, t.font_size - 1.5)}",
            cls=f"container {ct.last_status.lower()}",
            fill=colour,
            stroke=None,
            fontcolor=text_on(colour),
            fontsize=t.font_size - 1,
            tooltip=f"Container {ct.name} ({ct.image}) of task {task.id}\n{task.arn}"
            + (f"\nruntime id {ct.runtime_id}" if ct.runtime_id else ""),
        )
        c.node(
            f"binslibs-{g.container_id(task, ct.name)}",
            Box(top.x, dy + 52, top.w, 32),
            "bins/libs",
            cls="binslibs",
            fill=scene.tint(colour),
            stroke=colour,
            fontsize=t.font_size - 1,
            semantic=False,
        )
    base = n_rows * 100
    if not pairs:
        c.text("no-containers", Box(6, 0, width - 12, 84), "No containers running yet")
    layers = [
        (
            f"docker-{chosen.id}",
            "Docker Engine: runs and isolates the containers",
            "docker",
            t.gauge_fill,
        ),
        (f"hostos-{chosen.id}", "Host operating system (Linux)", "hostos", t.badge_fill),
    ]
    for i, (node_id, label, cls, fill) in enumerate(layers):
        c.node(
            node_id,
            Box(6, base + i * 38, width - 12, 32),
            label,
            cls=cls,
            fill=fill,
            stroke=t.instance_stroke,
            semantic=False,
            fontcolor=text_on(fill),
        )
    c.node(
        g.instance_id(chosen),
        Box(6, base + 76, width - 12, 32),
        f"Infrastructure: EC2 instance {chosen.ec2_instance_id}",
        cls="instance infra",
        fill=t.frame_fill,
        stroke=t.instance_stroke,
        tooltip=f"Container instance {chosen.id}\n{chosen.arn}\nEC2 {chosen.ec2_instance_id}",
    )
    legend: list[tuple[str, str, dict[str, object]]] = [
        (f"legend-image-{i}", f"container of {img}", {"fill": colour_of[img]})
        for i, img in enumerate(images)
    ]
    if images:
        legend.append(
            (
                "legend-binslibs",
                "its bins/libs (libraries)",
                {"fill": scene.tint(colour_of[images[0]]), "stroke": colour_of[images[0]]},
            )
        )
    legend.append(("legend-docker", "Docker Engine", {"fill": t.gauge_fill}))
    legend.append(("legend-hostos", "host operating system", {"fill": t.badge_fill}))
    scene.draw_legend(width + 20, 0, tasks=False, instances=False, extra=legend)

    def describe() -> str:
        names = ", ".join(f"{ct.name} ({ct.image})" for _, ct in pairs) or "none"
        return (
            f"EC2 instance {chosen.ec2_instance_id} runs a host operating system and Docker; "
            f"on top, {plural(len(pairs), 'container')} each package an app with its "
            f"bins/libs: {names}."
        )

    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, None),
        describe,
        width + 220,
    )


# -- figure 2 ----------------------------------------------------------------------------------
def ecs_overview(
    snapshot: Drawable,
    *,
    cluster: str | None = None,
    theme: Theme_ = None,
    memory: SlotMemory | None = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Figure 2: you call the ECS API; ECS runs containers on a cluster of instances."""
    spec = _SPECS[2]
    snapshot = as_snapshot(snapshot)
    view = pick_cluster(snapshot, cluster)
    scene = _scene(snapshot, theme, spec.key, memory)
    t, c = scene.theme, scene.canvas
    if view is None:
        return _empty(scene, spec, "create a cluster", title, caption)
    c.node(
        "api-user",
        Box(12, 0, 170, 44),
        "You: console, CLI, SDK",
        cls="api user",
        fill=t.badge_fill,
        stroke=t.instance_stroke,
        semantic=False,
        rounded=True,
    )
    c.node(
        "api-ecs",
        Box(230, 0, 330, 44),
        "Amazon ECS API (control plane)\nschedules tasks, places them, watches them",
        cls="api ecs",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        semantic=False,
        penwidth=t.pen_width * 1.8,
        bold=True,
    )
    c.edge("api-user", "api-ecs", "calls", semantic=False)
    frame, describe_cluster_, *_ = _draw_cluster(scene, view, 90, services=False, arrows=False)
    api = c.boxes["api-ecs"]
    for inst in snapshot.instances_in(view.arn):
        # To the near end of each agent badge, from the near corner of the API: the line
        # passes beside the cluster's and the instance's titles, not through them.
        left = c.boxes[g.agent_id(inst)].cx < api.cx
        c.edge(
            "api-ecs",
            g.agent_id(inst),
            "talks-to",
            line="dashed",
            semantic=False,
            tailport="sw" if left else "se",
            headport="nw" if left else "ne",
        )
    scene.arrows.update({"API call", "ECS ⇄ agent (dashed)"})
    instances = snapshot.instances_in(view.arn)
    cpu = (sum(i.reserved_cpu for i in instances), sum(i.registered_cpu for i in instances))
    mem = (sum(i.reserved_memory for i in instances), sum(i.registered_memory for i in instances))
    pool = Box(frame.x + 12, frame.bottom + 16, frame.w - 24, 50)
    c.node(
        "resource-pool",
        pool,
        f"Resource pool of cluster {view.name}: CPU {cpu[0]} / {cpu[1]} units reserved"
        f"\nMemory {mem[0]} / {mem[1]} MiB reserved, across "
        f"{plural(len(instances), 'instance')}",
        cls="pool",
        fill=t.badge_fill,
        stroke=t.frame_stroke,
        line="dashed",
        semantic=False,
        rounded=True,
    )
    scene.draw_legend(frame.right + 24, 90)

    def describe() -> str:
        return (
            "You call the Amazon ECS API; the container agent on each container instance "
            "talks to ECS and runs the containers with Docker. "
            f"{describe_cluster_()} Together the instances form a pool of {cpu[1]} CPU units "
            f"and {mem[1]} MiB."
        )

    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, None),
        describe,
        frame.right + 220,
    )


# -- figure 3 ----------------------------------------------------------------------------------
def _taskdef_label(td: TaskDefinitionView) -> str:
    lines = [f"Task definition {td.family}:{td.revision}", "the blueprint", ""]
    for cd in td.containers:
        ports = ",".join(str(p.container_port) for p in cd.port_mappings)
        mem = cd.memory if cd.memory is not None else cd.memory_reservation
        lines.append(f"• {cd.name}: {cd.image}")
        lines.append(f"   {cd.cpu} CPU · {mem} MiB" + (f" · port {ports}" if ports else ""))
    return "\n".join(lines)


def _draw_taskdef(scene: Scene, td: TaskDefinitionView, x: float, y: float) -> Box:
    t = scene.theme
    box = Box(x, y, 230, 52 + 28 * len(td.containers))
    scene.canvas.node(
        g.task_definition_id(td),
        box,
        _taskdef_label(td),
        cls="taskdef",
        fill=t.badge_fill,
        stroke=t.frame_stroke,
        line="solid",
        labelloc="t",
        tooltip=f"Task definition {td.family}:{td.revision}\n{td.arn}",
        penwidth=t.pen_width * 1.5,
    )
    return box


def task_definition_tasks(
    snapshot: Drawable,
    *,
    task_definition: str | None = None,
    cluster: str | None = None,
    theme: Theme_ = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Figure 3: one task definition (default: the one with most tasks) and its tasks
    (in ``cluster`` only, when one is named)."""
    spec = _SPECS[3]
    snapshot = as_snapshot(snapshot)
    view = pick_cluster(snapshot, cluster) if cluster is not None else None
    scene = _scene(snapshot, theme, spec.key, None)
    alive = [
        x
        for x in snapshot.tasks
        if _visible(snapshot, x) and (view is None or x.cluster_arn == view.arn)
    ]
    td = _pick_taskdef(snapshot, task_definition, alive)
    if td is None:
        return _empty(scene, spec, "register a task definition", title, caption)
    tasks = [x for x in alive if x.task_definition_arn == td.arn]
    geo = scene.geometry
    tdbox = _draw_taskdef(scene, td, 0, 0)
    th = scene.task_h(tasks)
    per_col = 4
    for i, task in enumerate(tasks):
        col, row = divmod(i, per_col)
        scene.draw_task(
            task, Box(tdbox.right + 90 + col * (geo.task_w + 20), row * (th + 14), geo.task_w, th)
        )
        scene.canvas.edge(g.task_definition_id(td), g.task_id(task), "creates")
    scene.arrows.add("creates (task from task definition)")
    cols = max(1, -(-len(tasks) // per_col))
    right = tdbox.right + 90 + cols * (geo.task_w + 20)
    scene.draw_legend(right + 10, 0, instances=False)

    def describe() -> str:
        return (
            f"Task definition {td.family}:{td.revision} describes "
            f"{plural(len(td.containers), 'container')} "
            f"({', '.join(c.name for c in td.containers)}); "
            f"{plural(len(tasks), 'identical task')} were created from it: "
            + ("; ".join(describe_task(x) for x in tasks) or "none yet")
            + "."
        )

    n = sum(1 for x in tasks if x.last_status != "STOPPED")
    drawn = (
        None if n >= 2 else f"Task Definition {td.name} with {plural(n, 'Task')} created from it"
    )
    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, drawn),
        describe,
        right + 200,
    )


def _pick_taskdef(
    snapshot: Snapshot, name: str | None, tasks: Sequence[TaskView]
) -> TaskDefinitionView | None:
    tds = snapshot.task_definitions
    if name is not None:
        matches = [td for td in tds if name in (td.arn, td.family, td.name)]
        if not matches:
            raise unknown("task definition", name, (td.family for td in tds))
        return matches[-1]
    if not tds:
        return None
    return max(tds, key=lambda td: sum(1 for x in tasks if x.task_definition_arn == td.arn))


# -- figure 4 ----------------------------------------------------------------------------------
def service_scaling(
    snapshot: Drawable,
    *,
    service: str | None = None,
    cluster: str | None = None,
    theme: Theme_ = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Figure 4: a service, its task definition, its min/desired/max bounds, its scaling policy
    with its alarms, its last scaling activity and a CPU chart (one bar a minute, the target line,
    the alarms' thresholds), its tasks with their load balancer below them (each target's health
    and request count), and the tasks ECS could not place (empty dashed slots, with the reason)."""
    spec = _SPECS[4]
    snapshot = as_snapshot(snapshot)
    svc = _pick_service(snapshot, service, cluster)
    scene = _scene(snapshot, theme, spec.key, None)
    if svc is None:
        return _empty(scene, spec, "create a service", title, caption)
    t, c, geo = scene.theme, scene.canvas, scene.geometry
    scaling = svc.scaling
    lo, hi = (scaling.min_capacity, scaling.max_capacity) if scaling else (svc.desired_count,) * 2
    bounds = f"\nmin {lo} · desired {svc.desired_count} · max {hi}"
    if scaling is None:
        bounds += " (no scaling policy)"
    sbox = Box(290, 0, 300, 76)
    scene.draw_service(svc, sbox, bounds)
    draw_capacity(scene, svc, lo, hi, Box(290, 84, 300, 18))
    td = next((x for x in snapshot.task_definitions if x.arn == svc.task_definition_arn), None)
    if td is not None:
        _draw_taskdef(scene, td, 660, 0)
        c.edge(g.service_id(svc), g.task_definition_id(td), "uses", label="uses")
        scene.arrows.add("uses")
    alarms = scaling.alarms if scaling else ()
    policy_bottom = sc.draw_policy(scene, svc, 0, 0, 236)
    if scaling is None:
        c.node(
            "alarms-none",
            Box(0, 0, 236, 90),
            "No scaling policy\n"
            "Register the service as a scalable\n"
            "target (ecs.autoscaling) and put a\n"
            "policy: its CloudWatch alarms add\n"
            "or remove tasks between min and max.",
            cls="alarm none",
            fill=t.background,
            stroke=t.muted,
            line="dashed",
            semantic=False,
            fontsize=t.font_size - 1,
        )
        policy_bottom = 90.0
    tasks = [x for x in snapshot.tasks_of(svc.name, svc.cluster_arn) if _visible(snapshot, x)]
    th = scene.task_h(tasks)
    top = max(160.0, policy_bottom + 30)
    targets = sc.targets_of(snapshot, svc)
    by_task = {x.target.task_arn or x.target.target_id: x.target for x in targets}
    balancers = sc.balancers_of(snapshot, [svc])
    left = 0.0
    per_row = 5
    badge = 20.0 if by_task else 0.0
    rows = -(-len(tasks) // per_row)
    colour = scene.colours.get(svc.name, t.edge)
    # More than one row: one arrow to the group (arrows to a lower row would cross the first).
    group = len(tasks) > per_row
    if tasks:
        # The arrows leave from under the capacity row, so they cross no text.
        hub = f"{g.service_id(svc)}-manages"
        c.node(hub, Box(sbox.cx - 1, 122, 2, 2), cls="hub", semantic=False)
        scene.arrows.add("manages (dashed)")
        if group:
            frame = f"{g.service_id(svc)}-tasks"
            c.node(
                frame,
                Box(left - 8, top - 8, per_row * (geo.task_w + 16), rows * (th + badge + 16)),
                cls="task-group",
                stroke=colour,
                line="dashed",
                rounded=True,
                semantic=False,
                tooltip=f"The {plural(len(tasks), 'task')} service {svc.name} manages",
            )
            c.edge(hub, frame, "manages", line="dashed", colour=colour, semantic=False)
    for i, task in enumerate(tasks):
        dx, dy = grid_position(i, per_row, geo.task_w + 16, th + badge + 16)
        scene.draw_task(task, Box(left + dx, top + dy, geo.task_w, th))
        target = by_task.get(task.arn)
        if target is not None:
            sc.health_badge(
                scene,
                f"target-{g.task_id(task)}",
                target,
                Box(left + dx, top + dy + th + 3, geo.task_w, badge - 4),
            )
        if not group:
            c.edge(
                hub,
                g.task_id(task),
                "manages",
                line="dashed",
                colour=colour,
                semantic=False,
                headport="n",
            )
    below = top + rows * (th + badge + 16) + (8 if group else 0)
    # The load balancer in front of the tasks: requests come in from below, one arrow up to
    # each target (the health badge under its task).
    badges = {f"target-{g.task_id(x)}": x for x in tasks if x.arn in by_task}
    for k, lb in enumerate(balancers):
        lb_node = sc.draw_balancer(
            scene, lb, Box(0, below + 40 + k * 96, min(per_row, max(len(tasks), 3)) * 172 - 16, 62)
        )
        sc.route_edges(
            scene,
            lb_node,
            [x for x in targets if x.balancer.arn == lb.arn],
            {x.arn: x for x in tasks},
            badges={x.arn: b for b, x in badges.items()},
        )
    if balancers:
        below += 40 + len(balancers) * 96
    missing = unplaced_count(svc)
    if missing:
        _draw_unplaced_row(
            scene, svc, missing, 0, below, per_row * (geo.task_w + 16) - 16, geo.task_h(1)
        )
        below += geo.task_h(1) + 40
    if scaling is not None:
        charted = sc.draw_bars(scene, svc, Box(0, below + 12, 470, 150))
        sc.draw_activity(scene, svc, Box(490 if charted else 0, below + 12, 380, 84))
    scene.draw_legend(920, 0, instances=False)

    def describe() -> str:
        text = describe_service(svc)
        if scaling is None:
            text += " It has no scaling policy, so the figure shows the service's bounds only."
        elif scaling.policies:
            text += f" Policy {', '.join(scaling.policies)}"
            if scaling.metric and scaling.target_value is not None:
                text += f" keeps {scaling.metric} near {scaling.target_value:g}"
            text += "."
        if scaling is not None and scaling.last_activity is not None:
            act = scaling.last_activity
            text += f" Last scaling activity ({act.status}): {act.description}"
        series = chart.find_series(snapshot, svc)
        if series is not None and series.points:
            text += f" CPU now {series.points[-1][1]:g} %."
        for lb in balancers:
            mine = [x.target for x in targets if x.balancer.arn == lb.arn]
            text += (
                f" Load balancer {lb.name} routes to {plural(len(mine), 'target')}: "
                + "; ".join(
                    f"task {arns.resource_id(x.task_arn or x.target_id)[:8]} {x.state}, "
                    f"{x.requests} requests"
                    for x in mine
                )
                + "."
            )
        return text

    drawn = None
    if not alarms or missing:
        drawn = f"Service {svc.name}: min {lo} · desired {svc.desired_count} · max {hi}"
        drawn += ", scaled by alarms" if alarms else ", no scaling alarms yet"
        if missing:
            drawn += f"; {missing} could not be placed"
    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, drawn),
        describe,
        1120,
    )


def draw_capacity(scene: Scene, svc: ServiceView, lo: int, hi: int, box: Box) -> None:
    """A row of cells, one per task the service may run (up to max): filled when running."""
    t = scene.theme
    colour = scene.colours.get(svc.name, t.standalone)
    cells = max(hi, svc.desired_count, svc.running_count, 1)
    shown = min(cells, 20)
    w = box.w / shown
    for i in range(shown):
        if i < svc.running_count:
            fill, line, word = colour, "solid", "running"
        elif i < svc.desired_count:
            fill, line, word = scene.tint(colour), "dashed", "wanted"
        else:
            fill, line, word = t.background, "dotted", "headroom"
        marks = [
            name
            for name, at in (("min", lo), ("desired", svc.desired_count), ("max", hi))
            if i == at - 1
        ]
        mark = "=".join(marks) if len(marks) < 3 else "min=max"
        scene.canvas.node(
            f"capacity-{svc.name}-{i}",
            Box(box.x + i * w, box.y, w - 2, box.h),
            mark,
            cls=f"capacity {word}",
            fill=fill,
            stroke=t.instance_stroke,
            line=line,
            semantic=False,
            fontsize=t.font_size - 2.5,
            fontcolor=text_on(fill),
            tooltip=f"task slot {i + 1}: {word}",
        )
    scene.canvas.text(
        f"capacity-{svc.name}-key",
        Box(box.x, box.bottom + 2, box.w, 14),
        scene.fit(
            f"one cell per task: {svc.running_count} running, "
            f"{max(svc.desired_count - svc.running_count, 0)} more wanted, "
            f"room up to max {hi}",
            box.w,
            t.font_size - 2,
        ),
        fontcolor=t.muted,
        fontsize=t.font_size - 2,
    )


def _pick_service(
    snapshot: Snapshot, name: str | None, cluster: str | None = None
) -> ServiceView | None:
    view = pick_cluster(snapshot, cluster) if cluster is not None else None
    candidates = snapshot.services_in(view.arn) if view is not None else snapshot.services
    if name is not None:
        for svc in candidates:
            if name in (svc.name, svc.arn):
                return svc
        raise unknown("service", name, (s.name for s in candidates))
    active = [s for s in candidates if s.status == "ACTIVE"] or list(candidates)
    with_alarms = [s for s in active if s.scaling is not None]
    chosen = with_alarms or active
    return chosen[0] if chosen else None


# -- cluster auto scaling ----------------------------------------------------------------------
def _pick_provider(
    snapshot: Snapshot, name: str | None, cluster: ClusterView | None
) -> CapacityProviderView | None:
    groups = [cp for cp in snapshot.capacity_providers if not cp.fargate]
    if cluster is not None:
        used = [cp for cp in groups if cp.name in cluster.capacity_providers]
        groups = used or groups
    if name is not None:
        for cp in groups:
            if name in (cp.name, cp.arn, cp.auto_scaling_group):
                return cp
        raise unknown("Auto Scaling group capacity provider", name, (cp.name for cp in groups))
    managed = [cp for cp in groups if cp.managed_scaling]
    chosen = managed or groups
    return chosen[0] if chosen else None


def cluster_auto_scaling(
    snapshot: Drawable,
    *,
    provider: str | None = None,
    cluster: str | None = None,
    minutes: int = 30,
    theme: Theme_ = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Cluster auto scaling: an Auto Scaling group capacity provider (default: the first with
    managed scaling), its group's size (registered, launching, room up to max), the
    ``CapacityProviderReservation`` worked out (M / N × 100) against the target capacity, the
    reservation over the last ``minutes`` (one bar a minute, the target line, and the number of
    instances under the bars), the group's instances and the tasks waiting for room."""
    spec = FigureSpec(
        0,
        "cluster-auto-scaling",
        "Cluster auto scaling",
        "Managed scaling keeps CapacityProviderReservation at the target capacity",
    )
    snap = as_snapshot(snapshot)
    view = pick_cluster(snap, cluster) if cluster is not None else None
    cp = _pick_provider(snap, provider, view)
    scene = _scene(snap, theme, spec.key, None)
    if cp is None:
        return _empty(scene, spec, "create an Auto Scaling group capacity provider", title, caption)
    if view is None:
        view = next((c for c in snap.clusters if cp.name in c.capacity_providers), None)
    t = scene.theme
    members = [
        i
        for i in snap.instances
        if i.capacity_provider == cp.name
        and i.status != "INACTIVE"
        and (view is None or i.cluster_arn == view.arn)
    ]
    cap.draw_provider_card(scene, cp, Box(0, 0, 330, 76))
    cap.draw_group_cells(scene, cp, len(members), Box(0, 86, 330, 18))
    scene.canvas.node(
        f"formula-{g._safe(cp.name)}",
        Box(350, 0, 400, 102),
        cap.formula(cp, len(members)),
        cls="reservation-formula",
        fill=t.background,
        stroke=t.instance_stroke,
        line="dashed",
        fontsize=t.font_size - 0.5,
        align="l",
        semantic=False,
        tooltip="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
        "cluster-auto-scaling.html",
    )
    cap.draw_reservation_chart(scene, cp, view, Box(0, 140, 750, 200), minutes=minutes)
    # The group's instances, small: what each runs, and whether scale-in may take it.
    tasks_on = _tasks_on(snap)
    y = 362.0
    scene.canvas.text(
        "asg-instances-heading",
        Box(0, y, 750, 18),
        f"Instances of Auto Scaling group {cp.auto_scaling_group}"
        + ("" if members else ": none registered")
        + (f" ({cp.launching} launching)" if cp.launching else ""),
        align="l",
        bold=True,
    )
    w, per_row = 180.0, 4
    for k, inst in enumerate(members):
        dx, dy = grid_position(k, per_row, w + 10, 52)
        alive = [x for x in tasks_on(inst.arn) if x.last_status != "STOPPED"]
        protected = inst.arn in cp.protected
        scene.canvas.node(
            g.instance_id(inst),
            Box(dx, y + 24 + dy, w, 44),
            f"{inst.ec2_instance_id}\n{plural(len(alive), 'task')} · "
            f"CPU {inst.reserved_cpu}/{inst.registered_cpu}"
            + ("\n✓ protected from scale-in" if protected else "\nmay be scaled in"),
            cls=f"instance {inst.status.lower()}" + (" protected" if protected else ""),
            fill=t.instance_fill,
            stroke=t.instance_stroke,
            line="solid" if inst.status == "ACTIVE" else "dashed",
            fontsize=t.font_size - 1.5,
            penwidth=t.pen_width * (1.6 if protected else 1.0),
            tooltip=f"Container instance {inst.id}\n{inst.arn}",
        )
    rows = -(-len(members) // per_row) if members else 0
    y += 24 + rows * 52 + (0 if members else 4)
    services = [s for s in snap.services_in(view.arn)] if view is not None else []
    waiting = [(s, n) for s in services if (n := unplaced_count(s))]
    for svc, n in waiting:
        scene.canvas.text(
            f"asg-waiting-{g.service_id(svc)}",
            Box(0, y, 750, 16),
            scene.fit(
                f"⚠ service {svc.name}: {plural(n, 'task')} waiting for room "
                f"({unplaced_short(svc)})",
                750,
                t.font_size,
            ),
            align="l",
            fontcolor=t.warn,
        )
        y += 18

    def describe() -> str:
        head, line = cap.group_heading(cap.Group(cp, tuple(members), ()))
        series = cap.reservation_series(snap, cp, view)
        text = f"{head}: {line}. " + cap.formula(cp, len(members)).replace("\n", "; ") + "."
        if series:
            counts = cap.instance_counts(snap, cp, cap.measured_at(series))
            text += (
                f" Over the last {len(series)} minutes the reservation went from "
                f"{series[0][1]:g} % to {series[-1][1]:g} % and the group from "
                f"{plural(counts[0], 'instance')} to {counts[-1]}."
            )
        for svc, n in waiting:
            text += f" Service {svc.name} has {plural(n, 'task')} waiting for room."
        return text

    reservation = "not computed yet" if cp.reservation is None else cap.percent(cp.reservation)
    drawn = (
        f"Capacity provider {cp.name}: {plural(len(members), 'instance')} of max {cp.max_size}, "
        f"reservation {reservation}"
        + (f", target {cp.target_capacity} %" if cp.managed_scaling else ", managed scaling off")
    )
    scene.draw_legend(
        790,
        0,
        tasks=False,
        instances=False,
        extra=(
            ("legend-registered", "instance registered", {"fill": t.gauge_fill}),
            (
                "legend-launching",
                "instance launching",
                {"fill": scene.tint(t.gauge_fill), "line": "dashed"},
            ),
            ("legend-room", "room up to max", {"fill": t.background, "line": "dotted"}),
            ("legend-over", "reservation above target", {"fill": t.warn, "warn": True}),
        ),
    )
    return _finish(
        scene,
        spec.key,
        _heading(spec, title),
        _caption(spec, caption, drawn),
        describe,
        1000,
    )


def draw(
    number: int,
    snapshot: Drawable,
    *,
    theme: Theme_ = None,
    cluster: str | None = None,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Draw article figure ``number`` (1–8) from ``snapshot`` (or a connection)."""
    simple: dict[int, Callable[..., Figure]] = {
        1: docker_host,
        2: ecs_overview,
        3: task_definition_tasks,
        4: service_scaling,
        5: instance_tasks,
    }
    if number in simple:
        return simple[number](snapshot, theme=theme, cluster=cluster, title=title, caption=caption)
    if number not in _SPECS:
        raise ValueError(f"the article has figures 1 to 8, not {number}")
    return cluster_services(
        snapshot, number, theme=theme, cluster=cluster, title=title, caption=caption
    )


def _cluster_frame(
    scene: Scene, cluster: ClusterView, frame: Box, instances: int, on_fargate: int = 0
) -> None:
    """The cluster's frame, titled with its counts (and its Fargate tasks, if any)."""
    t = scene.theme
    scene.canvas.node(
        g.cluster_id(cluster),
        frame,
        f"Cluster {cluster.name} · {plural(instances, 'container instance')}"
        + (f" · {on_fargate} on Fargate" if on_fargate else "")
        + f" · {cluster.running_tasks_count} running, {cluster.pending_tasks_count} pending tasks",
        cls=f"cluster {cluster.status.lower()}",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        labelloc="t",
        rounded=True,
        bold=True,
        penwidth=t.pen_width * 1.5,
        tooltip=f"Cluster {cluster.name}\n{cluster.arn}",
    )
