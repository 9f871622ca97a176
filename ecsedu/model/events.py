"""The engine's event log: everything that happened, in order.

``ecs.events()`` returns these as ``EventView`` values: task state changes, service events,
placement decisions (with the reason each instance was kept or rejected), agent connects and
disconnects, instance state changes and injected faults.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Change", "EventKind"]


class EventKind(str, enum.Enum):
    TASK_STATE_CHANGE = "TASK_STATE_CHANGE"
    CONTAINER_STATE_CHANGE = "CONTAINER_STATE_CHANGE"
    SERVICE_EVENT = "SERVICE_EVENT"
    PLACEMENT = "PLACEMENT"
    AGENT_CONNECTED = "AGENT_CONNECTED"
    AGENT_DISCONNECTED = "AGENT_DISCONNECTED"
    INSTANCE_STATE_CHANGE = "INSTANCE_STATE_CHANGE"
    DEPLOYMENT_STATE_CHANGE = "DEPLOYMENT_STATE_CHANGE"
    FAULT_INJECTED = "FAULT_INJECTED"
    API_CALL = "API_CALL"


@dataclass(frozen=True)
class Change:
    """What ``ecs.subscribe(callback)`` hands the callback: a small summary of one batch.

    A batch is one state-changing API call, or one clock step (however many timers it ran).

    Attributes:
        version: the engine's change counter after the batch (strictly increasing).
        events: the sequence numbers of the log entries the batch added (``ecs.events(since=
            change.events.start)`` reads them).
        clusters, services, tasks, instances: ARNs of what changed.
        time: the engine's clock after the batch (seconds since the epoch).
        cause: the API operation (``"RunTask"``), or ``"clock"`` for a clock step.
    """

    version: int
    events: range
    clusters: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    tasks: frozenset[str] = frozenset()
    instances: frozenset[str] = frozenset()
    time: float = 0.0
    cause: str = "clock"
