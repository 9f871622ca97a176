"""Small pictures of one ECS object (a task, a service, a container instance, a cluster).

They are the thumbnails of the Jupyter reprs (``ecsedu.app.jupyter``): evaluate a ``TaskView`` in a
notebook and you see the task tile of the diagrams, with its containers; a ``ServiceView`` shows
its card and one cell per task it wants (desired / running); an ``InstanceView`` shows its CPU
and memory gauges and its container agent badge. They are drawn with the same building blocks,
colours and status styles as the article's figures, so the two read alike.

A view alone does not say which colour its service has in the whole cluster (that depends on the
other services), so cards colour a service by its position in the snapshot when one is given,
and with the first service colour otherwise.
"""

from __future__ import annotations

from ecsedu.model.snapshot import ClusterView, InstanceView, ServiceView, Snapshot, TaskView
from ecsedu.render.blocks import Scene
from ecsedu.render.dot import Canvas
from ecsedu.render.figure import Figure
from ecsedu.render.graph import cluster_id
from ecsedu.render.layout import Box, Geometry
from ecsedu.render.style import Theme, get_theme

__all__ = ["cluster_card", "instance_card", "service_card", "task_card"]


def _alone(
    *,
    tasks: tuple[TaskView, ...] = (),
    services: tuple[ServiceView, ...] = (),
    instances: tuple[InstanceView, ...] = (),
    clusters: tuple[ClusterView, ...] = (),
) -> Snapshot:
    return Snapshot(
        time=0.0,
        runtime="",
        clusters=clusters,
        instances=instances,
        task_definitions=(),
        tasks=tasks,
        services=services,
    )


def _card(scene: Scene, key: str, title: str, text: str) -> Figure:
    nodes = frozenset(scene.canvas.nodes)
    return Figure(
        key,
        title,
        title,
        scene.canvas.to_dot(),
        scene.theme.name,
        nodes,
        dict(scene.canvas.boxes),
        lambda: text,
        frozenset,
    )


def _scene(snapshot: Snapshot, theme: str | Theme | None, key: str) -> Scene:
    th = get_theme(theme)
    return Scene(snapshot, th, Canvas(th, key), Geometry())


def task_card(
    task: TaskView, *, snapshot: Snapshot | None = None, theme: str | Theme | None = None
) -> Figure:
    """One task tile with its containers, as the cluster diagrams draw it."""
    from ecsedu.render.text import describe_task

    scene = _scene(snapshot or _alone(tasks=(task,)), theme, "card-task")
    geo = scene.geometry
    scene.draw_task(task, Box(0, 0, geo.task_w, scene.task_h([task])))
    return _card(scene, "card-task", f"Task {task.id}", describe_task(task).capitalize() + ".")


def service_card(
    service: ServiceView, *, snapshot: Snapshot | None = None, theme: str | Theme | None = None
) -> Figure:
    """The service card plus one cell per task it may run: running, wanted, headroom."""
    from ecsedu.render.figures import draw_capacity
    from ecsedu.render.text import describe_service, unplaced_count

    scene = _scene(snapshot or _alone(services=(service,)), theme, "card-service")
    scaling = service.scaling
    lo, hi = (
        (scaling.min_capacity, scaling.max_capacity)
        if scaling
        else (service.desired_count, service.desired_count)
    )
    h = 72 if unplaced_count(service) else 58  # room for "⚠ n not placed: ..."
    scene.draw_service(service, Box(0, 0, 300, h))
    draw_capacity(scene, service, lo, hi, Box(0, h + 8, 300, 18))
    return _card(scene, "card-service", f"Service {service.name}", describe_service(service))


def instance_card(
    instance: InstanceView, *, snapshot: Snapshot | None = None, theme: str | Theme | None = None
) -> Figure:
    """A container instance with its gauges, agent badge and the tasks on it (if known)."""
    from ecsedu.render.text import describe_instance

    snap = snapshot or _alone(instances=(instance,))
    tasks = [t for t in snap.tasks_on(instance.arn) if t.last_status != "STOPPED"]
    scene = _scene(snap, theme, "card-instance")
    geo = scene.geometry
    th = scene.task_h(tasks) if tasks else geo.task_h(1)
    rows = scene.instance_rows([len(tasks)])
    box = Box(0, 0, geo.instance_w(), geo.instance_h(rows, th))
    scene.draw_instance(instance, box, tasks)
    if snapshot is None:  # the view alone knows how many tasks run here, not which
        scene.canvas.text(
            "instance-tasks-unknown",
            Box(box.x + geo.pad, box.y + geo.instance_header_h, box.w - 2 * geo.pad, th),
            f"{instance.running_tasks_count} running · {instance.pending_tasks_count} pending"
            " tasks\n(the cluster view shows which)",
            fontcolor=scene.theme.muted,
        )
    return _card(
        scene,
        "card-instance",
        f"Container instance {instance.ec2_instance_id}",
        describe_instance(instance, tasks),
    )


def cluster_card(cluster: ClusterView, *, theme: str | Theme | None = None) -> Figure:
    """A cluster's counts, as a card (the whole picture needs a snapshot: ``cluster_view``)."""
    scene = _scene(_alone(clusters=(cluster,)), theme, "card-cluster")
    t = scene.theme
    text = (
        f"Cluster {cluster.name} ({cluster.status}): "
        f"{cluster.registered_container_instances_count} container instances, "
        f"{cluster.active_services_count} services, {cluster.running_tasks_count} running and "
        f"{cluster.pending_tasks_count} pending tasks."
    )
    scene.canvas.node(
        cluster_id(cluster),
        Box(0, 0, 300, 76),
        f"Cluster {cluster.name} · {cluster.status}\n"
        f"{cluster.registered_container_instances_count} container instances"
        f" · {cluster.active_services_count} services\n"
        f"{cluster.running_tasks_count} running · {cluster.pending_tasks_count} pending tasks",
        cls=f"cluster {cluster.status.lower()}",
        fill=t.frame_fill,
        stroke=t.frame_stroke,
        rounded=True,
        penwidth=t.pen_width * 1.5,
        tooltip=cluster.arn,
    )
    return _card(scene, "card-cluster", f"Cluster {cluster.name}", text)
