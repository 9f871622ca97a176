"""The dashboard's memory: the last snapshots the change feed delivered, and what changed.

Snapshots are immutable, so keeping one per step costs nothing but memory; ``History`` keeps the
most recent ``limit`` of them, numbered from 1 in the order they arrived. ``what_changed``
compares two snapshots of one cluster and says, in one line, what happened between them.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass

from ecsedu import arns
from ecsedu.model.snapshot import Snapshot, TaskView

__all__ = ["History", "Step", "what_changed"]

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class Step:
    """One snapshot from the feed: its step number, the engine version, the events it added."""

    number: int
    version: int
    time: float
    snapshot: Snapshot
    events: range
    cause: str


class History:
    """A bounded, thread-safe list of steps (the feed may push from a background thread)."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self._steps: deque[Step] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._next = 1

    def push(self, version: int, snapshot: Snapshot, events: range, cause: str) -> Step:
        with self._lock:
            step = Step(self._next, version, snapshot.time, snapshot, events, cause)
            self._next += 1
            self._steps.append(step)
            return step

    @property
    def steps(self) -> tuple[Step, ...]:
        with self._lock:
            return tuple(self._steps)

    @property
    def first(self) -> int:
        with self._lock:
            return self._steps[0].number if self._steps else 0

    @property
    def last(self) -> int:
        with self._lock:
            return self._steps[-1].number if self._steps else 0

    def get(self, number: int) -> Step | None:
        with self._lock:
            if not self._steps:
                return None
            index = number - self._steps[0].number
            return self._steps[index] if 0 <= index < len(self._steps) else None

    def before(self, seq: int) -> Step | None:
        """The step just before the one whose events include event ``seq`` (for rankings)."""
        with self._lock:
            previous: Step | None = None
            for step in self._steps:
                if seq in step.events:
                    return previous
                previous = step
            return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._steps)


def _short(arn: str) -> str:
    return arns.resource_id(arn)[:8]


def _in(snapshot: Snapshot, cluster_arn: str | None) -> dict[str, TaskView]:
    return {t.arn: t for t in snapshot.tasks if cluster_arn is None or t.cluster_arn == cluster_arn}


def what_changed(before: Snapshot | None, after: Snapshot, cluster_arn: str | None = None) -> str:
    """One line: what differs between two snapshots of a cluster (tasks, instances, services)."""
    if before is None:
        return "The first step the dashboard saw: nothing to compare with."
    parts: list[str] = []
    elapsed = after.time - before.time
    if elapsed >= 0.05:  # on Docker the clock is the wall clock: a few ms is "at once"
        parts.append(f"{round(elapsed, 1):g} s passed")
    old, new = _in(before, cluster_arn), _in(after, cluster_arn)
    added = [t for arn, t in new.items() if arn not in old]
    if added:
        parts.append(f"{len(added)} new task{'s' * (len(added) != 1)}")
    gone = [arn for arn in old if arn not in new]
    if gone:
        parts.append(f"{len(gone)} task{'s' * (len(gone) != 1)} removed")
    moves: Counter[str] = Counter(
        f"{old[arn].last_status} → {t.last_status}"
        for arn, t in new.items()
        if arn in old and old[arn].last_status != t.last_status
    )
    parts += [f"{n} task{'s' * (n != 1)} {move}" for move, n in sorted(moves.items())]
    old_i = {i.arn: i for i in before.instances}
    for inst in after.instances:
        if cluster_arn is not None and inst.cluster_arn != cluster_arn:
            continue
        was = old_i.get(inst.arn)
        if was is None:
            parts.append(f"instance {_short(inst.arn)} registered")
        else:
            if was.status != inst.status:
                parts.append(f"instance {_short(inst.arn)} {was.status} → {inst.status}")
            if was.agent_connected != inst.agent_connected:
                state = "reconnected" if inst.agent_connected else "disconnected"
                parts.append(f"agent on {_short(inst.arn)} {state}")
    old_s = {s.arn: s for s in before.services}
    for svc in after.services:
        if cluster_arn is not None and svc.cluster_arn != cluster_arn:
            continue
        was_s = old_s.get(svc.arn)
        if was_s is None:
            parts.append(f"service {svc.name} created (desired {svc.desired_count})")
        elif was_s.desired_count != svc.desired_count:
            parts.append(f"service {svc.name} desired {was_s.desired_count} → {svc.desired_count}")
        elif was_s.status != svc.status:
            parts.append(f"service {svc.name} {was_s.status} → {svc.status}")
    new_tds = {td.arn for td in after.task_definitions} - {td.arn for td in before.task_definitions}
    for td in after.task_definitions:
        if td.arn in new_tds:
            parts.append(f"task definition {td.name} registered")
    return ("; ".join(parts) + ".") if parts else "Nothing visible changed in this cluster."
