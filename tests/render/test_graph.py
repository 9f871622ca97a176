"""The object graph: one node per ECS object, one edge per relation, and no state changes."""

from __future__ import annotations

import copy
from collections import Counter

from ecsedu.render.graph import to_graph


def kinds(graph) -> Counter[str]:
    return Counter(data["kind"] for _, data in graph.nodes(data=True))


def test_seed_graph_has_a_node_per_ecs_object(seed):
    graph = to_graph(seed.snapshot())
    assert kinds(graph) == {
        "cluster": 1,
        "instance": 2,
        "agent": 2,
        "taskdef": 3,
        "task": 6,
        "container": 9,
        "service": 3,
        "alarm": 2,
    }


def test_relations_link_tasks_to_instance_taskdef_and_service(seed):
    snap = seed.snapshot()
    graph = to_graph(snap)
    task = snap.tasks[0]
    node = f"task-{task.id}"
    out = {(v, rel) for _, v, rel in graph.out_edges(node, data="relation")}
    assert (f"instance-{snap.instances[0].id}", "runs-on") in out
    assert ("taskdef-app-1", "created-from") in out
    assert graph.edges["service-web", node]["relation"] == "manages"
    assert graph.edges[f"container-{task.id}-metrics", node]["relation"] == "member-of"
    assert graph.edges["alarm-web-cpu-high", "service-web"]["relation"] == "scales"
    assert graph.edges["service-web", "taskdef-app-1"]["relation"] == "uses"


def test_unplaced_task_has_no_runs_on_edge(build):
    build.cluster()
    build.instance()
    build.taskdef()
    arn = build.task(None, status="PENDING")
    snap = build.snapshot()
    node = f"task-{snap.tasks[0].id}"
    assert arn == snap.tasks[0].arn
    assert [r for _, _, r in to_graph(snap).out_edges(node, data="relation")] == ["created-from"]


def test_building_the_graph_leaves_the_snapshot_unchanged(seed):
    snap = seed.snapshot()
    before = copy.deepcopy(snap)
    to_graph(snap)
    assert snap == before
