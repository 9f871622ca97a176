"""The article's eight figures, and the live cluster view, drawn from any snapshot.

Each function takes an ``ecsedu.model.snapshot.Snapshot`` and draws whatever state it holds, so
the pictures in "Amazon ECS terms and architecture" come alive: scale a service and figure 6
gains a task. See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/Welcome.html.

1. ``docker_host``: one machine running Docker and its containers (app, bins/libs);
2. ``ecs_overview``: the ECS API, a cluster of instances with Docker and the agent, the pool;
3. ``task_definition_tasks``: one task definition creating several identical tasks;
4. ``service_scaling``: a service over its task definition, with min/desired/max and alarms;
5. ``instance_tasks``: one container instance running tasks of several services;
6–8. ``cluster_services``: services' tasks spread across the container instances of a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ecsedu.model.snapshot import (
    ClusterView,
    InstanceView,
    ServiceView,
    Snapshot,
    TaskDefinitionView,
    TaskView,
)
from ecsedu.render import graph as g
from ecsedu.render.blocks import Scene, fit
from ecsedu.render.dot import Canvas
from ecsedu.render.figure import Edge, Figure
from ecsedu.render.layout import Box, Geometry, SlotMemory, grid_position
from ecsedu.render.style import SERVICE_PALETTE, Theme, get_theme, text_on
from ecsedu.render.svg import GraphvizStream
from ecsedu.render.text import (
    describe_cluster,
    describe_instance,
    describe_service,
    describe_task,
    plural,
)

__all__ = [
    "FIGURES",
    "FigureSpec",
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


def _pick_cluster(snapshot: Snapshot, cluster: str | None) -> ClusterView | None:
    if cluster is not None:
        return snapshot.cluster(cluster)
    return snapshot.clusters[0] if snapshot.clusters else None


def _scene(
    snapshot: Snapshot,
    theme: str | Theme,
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


def _heading(spec: FigureSpec) -> str:
    """ "Figure 6 · One service across two instances"; the live view has no number."""
    return f"Figure {spec.number} · {spec.title}" if spec.number else spec.title


def _empty(scene: Scene, spec: FigureSpec, what: str) -> Figure:
    scene.canvas.text("figure-empty", Box(0, 0, 420, 40), f"Nothing to draw yet: {what}")
    scene.draw_legend(440, 0)
    return _finish(
        scene,
        spec.key,
        _heading(spec),
        spec.caption,
        lambda: f"Nothing to draw yet: {what}.",
        640,
    )


def _draw_cluster(
    scene: Scene, cluster: ClusterView, top: float, *, services: bool, arrows: bool
) -> tuple[Box, Callable[[], str]]:
    """Draw a cluster frame with its service cards, instances and tasks.

    Returns the frame and a function that describes what was drawn, in sentences.
    """
    snap, geo, t = scene.snapshot, scene.geometry, scene.theme
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
    if services and svc_views:
        y += 70
    grid_w = per_row * iw + (per_row - 1) * geo.gap * 2
    n_rows = -(-len(instances) // per_row) if instances else 0
    body_h = n_rows * ih + max(n_rows - 1, 0) * geo.gap * 2
    wait_h = (th + 40) if waiting else 0.0
    frame = Box(
        0,
        top,
        max(grid_w, 3 * 232) + 2 * geo.pad,
        y - top + body_h + wait_h + geo.pad + (0 if instances else 40),
    )
    scene.canvas.node(
        g.cluster_id(cluster),
        frame,
        f"Cluster {cluster.name} · {plural(len(instances), 'container instance')}"
        f" · {cluster.running_tasks_count} running, {cluster.pending_tasks_count} pending tasks",
        cls=f"cluster {cluster.status.lower()}",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        labelloc="t",
        rounded=True,
        bold=True,
        penwidth=t.pen_width * 1.5,
        tooltip=cluster.arn,
    )
    if services and svc_views:
        for i, svc in enumerate(svc_views):
            scene.draw_service(svc, Box(geo.pad + i * 232, top + geo.cluster_header_h, 220, 58))
    if not instances:
        scene.canvas.text(
            "cluster-empty",
            Box(geo.pad, y, 400, 30),
            "No container instances registered: tasks have nowhere to run",
        )
    for index, (inst, tasks) in enumerate(zip(instances, per_instance, strict=True)):
        dx, dy = grid_position(index, per_row, iw + 2 * geo.gap, ih + 2 * geo.gap)
        scene.draw_instance(inst, Box(geo.pad + dx, y + dy, iw, ih), tasks)
    if waiting:
        wy = y + body_h + 14
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
    return frame, lambda: describe_cluster(snap, cluster.arn, cluster.name, tasks_on, waiting)


def _cluster_figure(
    snapshot: Snapshot,
    spec: FigureSpec,
    cluster: str | None,
    theme: str | Theme,
    memory: SlotMemory | None,
    *,
    arrows: bool,
    geometry: Geometry | None = None,
    stream: bool = False,
) -> Figure:
    scene = _scene(snapshot, theme, spec.key, memory, geometry, stream=stream)
    try:
        view = _pick_cluster(snapshot, cluster)
        if view is None:
            return _empty(scene, spec, "create a cluster")
        frame, text = _draw_cluster(scene, view, 0, services=True, arrows=arrows)
        scene.draw_legend(frame.right + 24, 0)
        return _finish(
            scene,
            spec.key,
            _heading(spec),
            spec.caption,
            text,
            frame.right + 220,
        )
    except BaseException:
        scene.canvas.abort_stream()
        raise


# -- figures 6, 7, 8 and the live view ---------------------------------------------------------
def cluster_services(
    snapshot: Snapshot,
    number: int = 8,
    *,
    cluster: str | None = None,
    theme: str | Theme = "light",
    memory: SlotMemory | None = None,
    stream: bool = False,
) -> Figure:
    """Figures 6–8: services' tasks across the container instances of one cluster.

    Args:
        snapshot: the state to draw.
        number: which article caption to use (6, 7 or 8); the drawing is the same.
        cluster: name or ARN (default: the first cluster).
        theme: light, dark or projector.
        memory: keeps task slots stable across renders.
        stream: start graphviz now and feed it the DOT while drawing, for a caller that will
            want ``.svg()`` (the dashboard, notebooks): a big figure's SVG is ready sooner.
            Ignored below ``STREAM_MIN_TASKS`` tasks, where the threads cost more than they save.
    """
    if number not in (6, 7, 8):
        raise ValueError("cluster_services draws figures 6, 7 and 8")
    return _cluster_figure(
        snapshot, _SPECS[number], cluster, theme, memory, arrows=False, stream=stream
    )


def cluster_view(
    snapshot: Snapshot,
    *,
    cluster: str | None = None,
    theme: str | Theme = "light",
    memory: SlotMemory | None = None,
    arrows: bool = False,
    instances_per_row: int = 4,
    stream: bool = False,
) -> Figure:
    """The dashboard's live view of a whole cluster (no service arrows by default).

    ``stream=True`` starts graphviz at once and feeds it the DOT while drawing (see
    ``cluster_services``); use it when the SVG is wanted.
    """
    spec = FigureSpec(0, "cluster-view", "Cluster view", "Live state of the cluster")
    geometry = Geometry(instances_per_row=instances_per_row)
    return _cluster_figure(
        snapshot, spec, cluster, theme, memory, arrows=arrows, geometry=geometry, stream=stream
    )


# -- figure 5 ----------------------------------------------------------------------------------
def instance_tasks(
    snapshot: Snapshot,
    *,
    instance: str | None = None,
    theme: str | Theme = "light",
    memory: SlotMemory | None = None,
) -> Figure:
    """Figure 5: one container instance (default: the busiest) with the tasks it runs."""
    spec = _SPECS[5]
    scene = _scene(snapshot, theme, spec.key, memory)
    tasks_on = _tasks_on(snapshot)
    chosen = _pick_instance(snapshot, instance, tasks_on)
    if chosen is None:
        return _empty(scene, spec, "register a container instance")
    tasks = tasks_on(chosen.arn)
    geo = scene.geometry
    th = scene.task_h(tasks)
    box = Box(0, 0, geo.instance_w(), geo.instance_h(scene.instance_rows([len(tasks)]), th))
    scene.draw_instance(chosen, box, tasks)
    services = sorted({t.service_name for t in tasks if t.service_name})
    scene.draw_legend(box.right + 24, 0)
    return _finish(
        scene,
        spec.key,
        f"Figure 5 · {spec.title}",
        spec.caption,
        lambda: (
            describe_instance(chosen, tasks)
            + f" The tasks belong to {plural(len(services), 'service')}."
        ),
        box.right + 220,
    )


def _pick_instance(
    snapshot: Snapshot, instance: str | None, tasks_on: Callable[[str], Sequence[TaskView]]
) -> InstanceView | None:
    if instance is not None:
        for inst in snapshot.instances:
            if instance in (inst.arn, inst.id, inst.ec2_instance_id):
                return inst
        raise KeyError(instance)
    if not snapshot.instances:
        return None
    return max(snapshot.instances, key=lambda i: len(tasks_on(i.arn)))  # first of the busiest


# -- figure 1 ----------------------------------------------------------------------------------
def docker_host(
    snapshot: Snapshot, *, instance: str | None = None, theme: str | Theme = "light"
) -> Figure:
    """Figure 1: a machine running Docker, each container an app with its bins/libs.

    Drawn as layers, as in Docker's "get started" diagram: infrastructure (the EC2 instance),
    the host operating system, Docker, and on top one column per running container.
    """
    spec = _SPECS[1]
    scene = _scene(snapshot, theme, spec.key, None)
    t, c = scene.theme, scene.canvas
    tasks_on = _tasks_on(snapshot)
    chosen = _pick_instance(snapshot, instance, tasks_on)
    if chosen is None:
        return _empty(scene, spec, "register a container instance")
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
            f"App: {fit(ct.name, 100, 9)}\n{fit(ct.image, 100, 8.5)}",
            cls=f"container {ct.last_status.lower()}",
            fill=colour,
            stroke=None,
            fontcolor=text_on(colour),
            fontsize=t.font_size - 1,
            tooltip=f"container {ct.name} of {describe_task(task)}",
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
        tooltip=chosen.arn,
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

    return _finish(scene, spec.key, f"Figure 1 · {spec.title}", spec.caption, describe, width + 220)


# -- figure 2 ----------------------------------------------------------------------------------
def ecs_overview(
    snapshot: Snapshot,
    *,
    cluster: str | None = None,
    theme: str | Theme = "light",
    memory: SlotMemory | None = None,
) -> Figure:
    """Figure 2: you call the ECS API; ECS runs containers on a cluster of instances."""
    spec = _SPECS[2]
    scene = _scene(snapshot, theme, spec.key, memory)
    t, c = scene.theme, scene.canvas
    view = _pick_cluster(snapshot, cluster)
    if view is None:
        return _empty(scene, spec, "create a cluster")
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
    frame, describe_cluster_ = _draw_cluster(scene, view, 90, services=False, arrows=False)
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
        scene, spec.key, f"Figure 2 · {spec.title}", spec.caption, describe, frame.right + 220
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
        tooltip=td.arn,
        penwidth=t.pen_width * 1.5,
    )
    return box


def task_definition_tasks(
    snapshot: Snapshot, *, task_definition: str | None = None, theme: str | Theme = "light"
) -> Figure:
    """Figure 3: one task definition (default: the one with most tasks) and its tasks."""
    spec = _SPECS[3]
    scene = _scene(snapshot, theme, spec.key, None)
    alive = [x for x in snapshot.tasks if _visible(snapshot, x)]
    td = _pick_taskdef(snapshot, task_definition, alive)
    if td is None:
        return _empty(scene, spec, "register a task definition")
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

    return _finish(scene, spec.key, f"Figure 3 · {spec.title}", spec.caption, describe, right + 200)


def _pick_taskdef(
    snapshot: Snapshot, name: str | None, tasks: Sequence[TaskView]
) -> TaskDefinitionView | None:
    tds = snapshot.task_definitions
    if name is not None:
        matches = [td for td in tds if name in (td.arn, td.family, td.name)]
        if not matches:
            raise KeyError(name)
        return matches[-1]
    if not tds:
        return None
    return max(tds, key=lambda td: sum(1 for x in tasks if x.task_definition_arn == td.arn))


# -- figure 4 ----------------------------------------------------------------------------------
def service_scaling(
    snapshot: Snapshot, *, service: str | None = None, theme: str | Theme = "light"
) -> Figure:
    """Figure 4: a service, its task definition, its min/desired/max bounds and alarms."""
    spec = _SPECS[4]
    scene = _scene(snapshot, theme, spec.key, None)
    svc = _pick_service(snapshot, service)
    if svc is None:
        return _empty(scene, spec, "create a service")
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
    for i, alarm in enumerate(alarms):
        firing = alarm.state == "ALARM"
        glyph = {"ALARM": "⚠", "OK": "✓"}.get(alarm.state, "?")
        value = f" (now {alarm.value:g})" if alarm.value is not None else ""
        c.node(
            g.alarm_id(alarm.name),
            Box(0, i * 62, 200, 54),
            f"Alarm {fit(alarm.name, 150, 10)}\n{alarm.metric} "
            f"{'>' if 'Greater' in alarm.comparison else '<'} {alarm.threshold:g}"
            f"\n{glyph} {alarm.state}{value}",
            cls=f"alarm {alarm.state.lower()}",
            fill=t.warn if firing else t.badge_fill,
            fontcolor=text_on(t.warn) if firing else t.foreground,
            stroke=t.warn if firing else t.instance_stroke,
            line="solid" if firing else "dashed",
            bold=firing,
        )
        c.edge(g.alarm_id(alarm.name), g.service_id(svc), "scales", label="scales")
        scene.arrows.add("scales")
    if not alarms:
        c.node(
            "alarms-none",
            Box(0, 0, 220, 90),
            "Scaling alarms: not simulated yet\n"
            "In AWS, CloudWatch alarms (say,\n"
            "CPU above 75%) add or remove tasks\n"
            "between min and max. Until ecsedu\n"
            "has autoscaling: the bounds only.",
            cls="alarm none",
            fill=t.background,
            stroke=t.muted,
            line="dashed",
            semantic=False,
            fontsize=t.font_size - 1,
        )
    tasks = [x for x in snapshot.tasks_of(svc.name, svc.cluster_arn) if _visible(snapshot, x)]
    th = scene.task_h(tasks)
    top = max(160.0, len(alarms) * 62 + 30)
    if tasks:
        # The arrows leave from under the capacity row, so they cross no text.
        hub = f"{g.service_id(svc)}-manages"
        c.node(hub, Box(sbox.cx - 1, 122, 2, 2), cls="hub", semantic=False)
        scene.arrows.add("manages (dashed)")
    for i, task in enumerate(tasks):
        dx, dy = grid_position(i, 5, geo.task_w + 16, th + 16)
        scene.draw_task(task, Box(dx, top + dy, geo.task_w, th))
        c.edge(
            hub,
            g.task_id(task),
            "manages",
            line="dashed",
            colour=scene.colours.get(svc.name, t.edge),
            semantic=False,
            headport="n",
        )
    scene.draw_legend(920, 0, instances=False)

    def describe() -> str:
        text = describe_service(svc)
        if not alarms:
            text += (
                " Scaling alarms are not simulated yet, so the figure shows the service's "
                "bounds only."
            )
        return text

    return _finish(
        scene,
        spec.key,
        f"Figure 4 · {spec.title}",
        spec.caption,
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
        f"one cell per task: {svc.running_count} running, "
        f"{max(svc.desired_count - svc.running_count, 0)} more wanted, "
        f"room up to max {hi}",
        fontcolor=t.muted,
        fontsize=t.font_size - 2,
    )


def _pick_service(snapshot: Snapshot, name: str | None) -> ServiceView | None:
    if name is not None:
        for svc in snapshot.services:
            if name in (svc.name, svc.arn):
                return svc
        raise KeyError(name)
    active = [s for s in snapshot.services if s.status == "ACTIVE"] or list(snapshot.services)
    with_alarms = [s for s in active if s.scaling is not None]
    chosen = with_alarms or active
    return chosen[0] if chosen else None


def draw(number: int, snapshot: Snapshot, *, theme: str | Theme = "light") -> Figure:
    """Draw article figure ``number`` (1–8) from ``snapshot``."""
    simple: dict[int, Callable[..., Figure]] = {
        1: docker_host,
        2: ecs_overview,
        3: task_definition_tasks,
        4: service_scaling,
        5: instance_tasks,
    }
    if number in simple:
        return simple[number](snapshot, theme=theme)
    return cluster_services(snapshot, number, theme=theme)
