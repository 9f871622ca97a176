"""The engine's event log: everything that happened, in order.

``ecs.events()`` returns these as ``EventView`` values: task state changes, service events,
placement decisions (with the reason each instance was kept or rejected), agent connects and
disconnects, instance state changes and injected faults.
"""

from __future__ import annotations

import enum

__all__ = ["EventKind"]


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
