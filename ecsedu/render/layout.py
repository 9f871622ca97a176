"""Deterministic slot layout: where each cluster, container instance and task is drawn.

Automatic graph layout moves nodes around whenever anything changes, and a learner who watches a
service scale loses track of which task is which. ecsedu computes every position itself instead:
container instances sit in columns in registration order, and each task takes a slot inside its
instance. Positions are then handed to graphviz unchanged (``neato -n2``).

A task's slot is its rank among the tasks placed on that instance, in creation order, so a new
task only fills the next free slot. A ``SlotMemory`` kept between renders (the dashboard keeps
one) goes further: a task keeps its slot for as long as it is listed, and the slot of a task that
disappears is reused by the next new task, so removing a task moves nothing either.

Coordinates are points, with y growing downwards; ``svg.py`` flips them for graphviz.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "Box",
    "Geometry",
    "SlotMemory",
    "grid_position",
]


class Box(NamedTuple):
    """A rectangle: top-left corner (x, y) and size, in points (a tuple: cheap to make)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, self.w - 2 * dx, self.h - 2 * dy)


@dataclass(frozen=True)
class Geometry:
    """Sizes of the building blocks, in points."""

    task_w: float = 156.0
    task_header_h: float = 32.0
    container_h: float = 17.0
    port_h: float = 12.0  # one published port (host → container) under its container
    task_pad: float = 6.0
    gap: float = 10.0
    pad: float = 12.0
    instance_header_h: float = 100.0
    instance_footer_h: float = 30.0
    task_cols: int = 2
    min_task_rows: int = 1
    instances_per_row: int = 4
    cluster_header_h: float = 34.0

    def task_h(self, containers: int, ports: int = 0) -> float:
        return (
            self.task_header_h
            + max(containers, 1) * (self.container_h + 3)
            + ports * self.port_h
            + self.task_pad
        )

    def instance_w(self) -> float:
        return 2 * self.pad + self.task_cols * self.task_w + (self.task_cols - 1) * self.gap

    def instance_h(self, rows: int, task_h: float) -> float:
        body = rows * task_h + max(rows - 1, 0) * self.gap
        return self.instance_header_h + body + self.gap + self.instance_footer_h

    def task_box(self, instance: Box, slot: int, task_h: float) -> Box:
        col, row = slot % self.task_cols, slot // self.task_cols
        x = instance.x + self.pad + col * (self.task_w + self.gap)
        y = instance.y + self.instance_header_h + row * (task_h + self.gap)
        return Box(x, y, self.task_w, task_h)


def grid_position(index: int, per_row: int, cell_w: float, cell_h: float) -> tuple[float, float]:
    """Top-left offset of cell ``index`` in a row-major grid ``per_row`` cells wide."""
    return (index % per_row) * cell_w, (index // per_row) * cell_h


@dataclass
class SlotMemory:
    """Remembers which slot each task holds on each instance, across renders."""

    slots: dict[str, dict[str, int]] = field(default_factory=dict)

    def assign(self, instance_arn: str, task_arns: Iterable[str]) -> dict[str, int]:
        """Slots for ``task_arns`` (in creation order) on one instance.

        Tasks seen before keep their slot; tasks no longer listed give theirs up; new tasks take
        the lowest free slots in creation order.
        """
        arns = list(task_arns)
        previous = self.slots.get(instance_arn, {})
        kept = {arn: previous[arn] for arn in arns if arn in previous}
        used = set(kept.values())
        free = (slot for slot in range(len(arns) + len(used) + 1) if slot not in used)
        for arn in arns:
            if arn not in kept:
                kept[arn] = next(free)
        self.slots[instance_arn] = kept
        return kept


def fresh_slots(task_arns: Iterable[str]) -> dict[str, int]:
    """Slots without memory: creation order."""
    return {arn: i for i, arn in enumerate(task_arns)}
