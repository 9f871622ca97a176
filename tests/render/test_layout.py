"""Stable layout: adding or removing one task moves no other node."""

from __future__ import annotations

import json

import pytest

from ecsedu.render import figures
from ecsedu.render.layout import SlotMemory
from ecsedu.render.svg import run_graphviz


def drawn_positions(figure) -> dict[str, tuple[float, float]]:
    """Node centres as graphviz actually laid them out (``neato -n2 -Tjson``)."""
    data = json.loads(run_graphviz(figure.dot, "json"))
    out = {}
    for obj in data.get("objects", []):
        if "pos" in obj:
            x, y = obj["pos"].split(",")
            out[obj["name"]] = (float(x), float(y))
    return out


def moved(a: dict, b: dict) -> set[str]:
    """Shapes whose position changed; a gauge's fill bar grows in place, so it is not counted."""
    return {k for k in a.keys() & b.keys() if a[k] != b[k] and not k.endswith("-fill")}


def test_adding_a_task_moves_no_other_node(seed):
    before = figures.cluster_view(seed.snapshot())
    seed.task(seed.instances[1].arn, "worker", service="worker")
    after = figures.cluster_view(seed.snapshot())
    added = after.nodes - before.nodes
    assert len([n for n in added if n.startswith("task-")]) == 1
    assert moved(before.boxes, after.boxes) == set()
    assert moved(drawn_positions(before), drawn_positions(after)) == set()


def test_removing_a_task_moves_no_other_node_with_slot_memory(seed):
    memory = SlotMemory()
    before = figures.cluster_view(seed.snapshot(), memory=memory)
    first_on_instance = seed.tasks[0].arn
    seed.remove_task(first_on_instance)
    after = figures.cluster_view(seed.snapshot(), memory=memory)
    assert len(before.nodes - after.nodes) == 3  # the task and its two containers
    assert moved(before.boxes, after.boxes) == set()
    assert moved(drawn_positions(before), drawn_positions(after)) == set()


def test_without_memory_a_removed_task_lets_later_ones_slide_up(seed):
    before = figures.cluster_view(seed.snapshot())
    seed.remove_task(seed.tasks[0].arn)
    after = figures.cluster_view(seed.snapshot())
    assert moved(before.boxes, after.boxes)  # the reason SlotMemory exists


def test_new_task_reuses_the_freed_slot():
    memory = SlotMemory()
    assert memory.assign("i", ["a", "b", "c"]) == {"a": 0, "b": 1, "c": 2}
    assert memory.assign("i", ["a", "c"]) == {"a": 0, "c": 2}
    assert memory.assign("i", ["a", "c", "d", "e"]) == {"a": 0, "c": 2, "d": 1, "e": 3}


@pytest.mark.parametrize("number", range(1, 9))
def test_same_snapshot_gives_identical_output(seed, number):
    snap = seed.snapshot()
    first, second = figures.draw(number, snap), figures.draw(number, snap)
    assert first.dot == second.dot
    assert first.svg() == second.svg()


def test_stopped_task_stays_in_its_slot_then_leaves(seed):
    snap = seed.snapshot()
    running = figures.cluster_view(snap)
    target = seed.tasks[0]
    from dataclasses import replace

    seed.tasks[0] = replace(
        target, last_status="STOPPED", desired_status="STOPPED", stopped_at=seed.time - 10
    )
    stopped = figures.cluster_view(seed.snapshot())
    node = f"task-{target.id}"
    assert stopped.boxes[node] == running.boxes[node]
    assert "task stopped" in stopped.dot
    seed.tasks[0] = replace(seed.tasks[0], stopped_at=seed.time - 3600)
    assert node not in figures.cluster_view(seed.snapshot()).nodes
