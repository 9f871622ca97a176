"""The ECS object graph behind every diagram: a snapshot turned into a networkx graph.

Nodes are the things the article names: the cluster, its container instances and their
container agents, task definitions, tasks and their containers, services and the alarms that
scale them. Edges say how they relate:

* ``member-of``: a container instance or a service belongs to a cluster, a container to its task;
* ``runs-on``: a task runs on a container instance, an agent runs on its instance;
* ``created-from``: a task is an instance of a task definition;
* ``uses``: a service keeps tasks of a task definition running;
* ``manages``: a service manages its tasks;
* ``scales``: an alarm scales a service.

Capacity: an Auto Scaling group capacity provider is a node (``provider-<name>``, a
``member-of`` its clusters) and the instances it launched are ``member-of`` it; a cluster's
AWS Fargate capacity is a node (``fargate-<cluster>``) its Fargate tasks ``runs-on``.

(Load balancers are not yet part of the snapshot, so no node stands for them.)

Node ids are stable strings (``task-<id>``, ``instance-<id>``...) that also become the SVG ids of
the drawn shapes. Building the graph only reads the snapshot.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ecsedu.model.snapshot import (
    ClusterView,
    InstanceView,
    ServiceView,
    Snapshot,
    TaskDefinitionView,
    TaskView,
)

Graph = Any  # networkx.DiGraph (networkx ships no type information)

__all__ = [
    "RELATIONS",
    "Graph",
    "agent_id",
    "alarm_id",
    "cluster_id",
    "container_id",
    "fargate_id",
    "instance_id",
    "provider_id",
    "service_id",
    "task_definition_id",
    "task_id",
    "to_graph",
]

RELATIONS = ("member-of", "runs-on", "created-from", "uses", "manages", "scales")

_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


@lru_cache(maxsize=65536)
def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text)


def cluster_id(cluster: ClusterView) -> str:
    return f"cluster-{_safe(cluster.name)}"


def instance_id(instance: InstanceView) -> str:
    return f"instance-{_safe(instance.id)}"


def agent_id(instance: InstanceView) -> str:
    return f"agent-{_safe(instance.id)}"


def task_definition_id(td: TaskDefinitionView) -> str:
    return f"taskdef-{_safe(td.family)}-{td.revision}"


def task_id(task: TaskView) -> str:
    return f"task-{_safe(task.id)}"


def container_id(task: TaskView, name: str) -> str:
    return f"container-{_safe(task.id)}-{_safe(name)}"


def service_id(service: ServiceView) -> str:
    return f"service-{_safe(service.name)}"


def alarm_id(name: str) -> str:
    return f"alarm-{_safe(name)}"


def provider_id(name: str) -> str:
    return f"provider-{_safe(name)}"


def fargate_id(cluster: ClusterView) -> str:
    return f"fargate-{_safe(cluster.name)}"


def _load_networkx() -> Any:
    try:
        import networkx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("ecsedu diagrams need networkx: pip install 'ecsedu[viz]'") from exc
    return networkx


def to_graph(snapshot: Snapshot) -> Graph:
    """Build the object graph of ``snapshot``: one node per ECS object, one edge per relation.

    Every node carries ``kind`` (cluster, instance, agent, taskdef, task, container, service,
    alarm) and ``view`` (the frozen snapshot view it stands for); every edge carries
    ``relation``. Two objects are linked by at most one relation, so a DiGraph suffices.

    >>> from ecsedu.model.snapshot import Snapshot
    >>> to_graph(Snapshot(time=0.0, runtime="simulated", clusters=(), instances=(),
    ...     task_definitions=(), tasks=(), services=())).number_of_nodes()
    0
    """
    nx = _load_networkx()
    nodes: list[tuple[str, dict[str, Any]]] = []
    edges: list[tuple[str, str, str]] = []
    clusters = {c.arn: cluster_id(c) for c in snapshot.clusters}
    nodes += [(clusters[c.arn], {"kind": "cluster", "view": c}) for c in snapshot.clusters]
    fargate: dict[str, str] = {}  # clusters with Fargate tasks or Fargate providers
    on_fargate = {t.cluster_arn for t in snapshot.tasks if t.fargate}
    for c in snapshot.clusters:
        if c.arn not in on_fargate and not {"FARGATE", "FARGATE_SPOT"} & set(c.capacity_providers):
            continue
        fargate[c.arn] = fargate_id(c)
        nodes.append((fargate[c.arn], {"kind": "fargate", "view": c}))
        edges.append((fargate[c.arn], clusters[c.arn], "member-of"))
    providers = {cp.name: provider_id(cp.name) for cp in snapshot.capacity_providers}
    for cp in snapshot.capacity_providers:
        if cp.fargate:
            continue
        nodes.append((providers[cp.name], {"kind": "provider", "view": cp}))
        edges += [
            (providers[cp.name], clusters[c.arn], "member-of")
            for c in snapshot.clusters
            if cp.name in c.capacity_providers
        ]

    instances: dict[str, str] = {}
    for inst in snapshot.instances:
        node = instances[inst.arn] = instance_id(inst)
        agent = agent_id(inst)
        nodes += [
            (node, {"kind": "instance", "view": inst}),
            (agent, {"kind": "agent", "view": inst}),
        ]
        edges.append((agent, node, "runs-on"))
        if inst.cluster_arn in clusters:
            edges.append((node, clusters[inst.cluster_arn], "member-of"))
        if inst.capacity_provider in providers:
            edges.append((node, providers[inst.capacity_provider], "member-of"))

    taskdefs = {td.arn: task_definition_id(td) for td in snapshot.task_definitions}
    nodes += [
        (taskdefs[td.arn], {"kind": "taskdef", "view": td}) for td in snapshot.task_definitions
    ]

    services: dict[tuple[str, str], str] = {}
    for svc in snapshot.services:
        node = services[(svc.cluster_arn, svc.name)] = service_id(svc)
        nodes.append((node, {"kind": "service", "view": svc}))
        if svc.cluster_arn in clusters:
            edges.append((node, clusters[svc.cluster_arn], "member-of"))
        if svc.task_definition_arn in taskdefs:
            edges.append((node, taskdefs[svc.task_definition_arn], "uses"))
        for alarm in svc.scaling.alarms if svc.scaling is not None else ():
            nodes.append((alarm_id(alarm.name), {"kind": "alarm", "view": alarm}))
            edges.append((alarm_id(alarm.name), node, "scales"))

    for task in snapshot.tasks:
        node = task_id(task)
        nodes.append((node, {"kind": "task", "view": task}))
        if task.container_instance_arn in instances:
            edges.append((node, instances[task.container_instance_arn], "runs-on"))
        elif task.fargate and task.cluster_arn in fargate:
            edges.append((node, fargate[task.cluster_arn], "runs-on"))
        if task.task_definition_arn in taskdefs:
            edges.append((node, taskdefs[task.task_definition_arn], "created-from"))
        owner = services.get((task.cluster_arn, task.service_name or ""))
        if owner is not None:
            edges.append((owner, node, "manages"))
        for container in task.containers:
            child = container_id(task, container.name)
            nodes.append((child, {"kind": "container", "view": container, "task": task}))
            edges.append((child, node, "member-of"))
    g: Graph = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((u, v, {"relation": rel}) for u, v, rel in edges)
    return g
