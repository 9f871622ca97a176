"""Diagrams of ECS state: the article's eight figures and the live cluster view.

The render layer reads ``ecs.snapshot()`` (an ``ecsedu.model.snapshot.Snapshot``) and nothing
else: ``graph.to_graph`` turns it into a networkx graph of clusters, container instances,
agents, task definitions, tasks, containers, services and alarms; ``figures`` lays that graph
out on fixed slots and graphviz (``neato -n2``) draws it. Drawing never changes state.

``figures.cluster_auto_scaling`` draws an Auto Scaling group capacity provider with its
``CapacityProviderReservation`` against the target; the cluster figures draw Fargate tasks in an
"AWS Fargate" area and group container instances by their Auto Scaling group (``capacity``).

``chart.metric_chart`` draws a service's CPU over the last minutes (target line, alarm
thresholds) as plain SVG, for notebooks and the dashboard.

``cards`` draws one object (a task, a service, an instance, a cluster) small, and ``html`` turns
snapshots and views into a table plus a thumbnail: ``ecsedu.app.jupyter`` registers those as the
objects' displays in Jupyter.

>>> from ecsedu.render import figures     # doctest: +SKIP
>>> figures.cluster_services(ecs, 6).save("fig6.png", scale=2)  # doctest: +SKIP
"""

from ecsedu.render.cards import cluster_card, instance_card, service_card, task_card
from ecsedu.render.figure import Figure
from ecsedu.render.figures import (
    FIGURES,
    cluster_auto_scaling,
    cluster_services,
    cluster_view,
    docker_host,
    draw,
    ecs_overview,
    instance_tasks,
    service_scaling,
    task_definition_tasks,
)
from ecsedu.render.html import events_html, snapshot_html
from ecsedu.render.layout import SlotMemory
from ecsedu.render.lookup import UnknownNameError, as_snapshot
from ecsedu.render.style import current_theme, set_theme

__all__ = [
    "FIGURES",
    "Figure",
    "SlotMemory",
    "UnknownNameError",
    "as_snapshot",
    "cluster_auto_scaling",
    "cluster_card",
    "cluster_services",
    "cluster_view",
    "current_theme",
    "docker_host",
    "draw",
    "ecs_overview",
    "events_html",
    "instance_card",
    "instance_tasks",
    "service_card",
    "service_scaling",
    "set_theme",
    "snapshot_html",
    "task_card",
    "task_definition_tasks",
]
