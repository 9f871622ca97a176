"""The ECS container agent: one per container instance, between ECS and the runtime.

The agent carries all traffic between the control plane and its instance
(https://github.com/aws/amazon-ecs-agent): ECS hands it tasks to start and stop, it drives its
runtime (Docker, or the simulated runtime) and reports every container state change back.

While the agent is disconnected, ECS places nothing on the instance and hears nothing from it;
the containers keep running. Commands sent meanwhile wait, and what the runtime observed is
reported when the agent reconnects, followed by a full state report (so ECS can reconcile
anything that changed behind its back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ecsedu.runtimes import base

__all__ = ["AgentReport", "ContainerAgent"]


@dataclass(frozen=True)
class AgentReport:
    """What the agent tells ECS: container events, or a full inventory after reconnecting."""

    instance_arn: str
    events: tuple[base.ContainerEvent, ...] = ()
    inventory: dict[str, dict[str, base.ContainerState]] | None = None


class ContainerAgent:
    """Agent of one container instance. ``report`` is how it talks back to ECS."""

    def __init__(
        self,
        instance_arn: str,
        runtime: base.Runtime,
        report: Callable[[AgentReport], None],
    ) -> None:
        self.instance_arn = instance_arn
        self.runtime = runtime
        self.report = report
        self.connected = True
        self.lost = False  # the host is gone for good (instance terminated)
        self._outbox: list[base.TaskSpec | tuple[str, float]] = []  # start specs, (arn, timeout)
        runtime.wake = self.poll

    # -- commands from ECS ---------------------------------------------------------------------
    def start_task(self, spec: base.TaskSpec) -> None:
        if self.connected:
            self.runtime.start_task(spec)
        else:
            self._outbox.append(spec)

    def stop_task(self, task_arn: str, timeout: float) -> None:
        if self.connected:
            self.runtime.stop_task(task_arn, timeout)
        else:
            self._outbox.append((task_arn, timeout))

    def task_address(self, task_arn: str) -> str | None:
        """An awsvpc task's own IP address, where the runtime gives it one (Docker: the address
        of the task's network namespace); None when the runtime has no real networking."""
        if not self.connected or self.lost:
            return None
        address = getattr(self.runtime, "task_address", None)
        if address is None:
            return None
        value = address(task_arn)
        return value if isinstance(value, str) and value else None

    # -- reporting -----------------------------------------------------------------------------
    def poll(self) -> None:
        """Drain the runtime's observations and report them (only while connected)."""
        if not self.connected or self.lost:
            return
        events = self.runtime.poll()
        if events:
            self.report(AgentReport(self.instance_arn, tuple(events)))

    # -- connectivity --------------------------------------------------------------------------
    def disconnect(self) -> None:
        self.connected = False

    def connect(self) -> None:
        """Reconnect: deliver queued commands, report what happened, then a full inventory."""
        if self.lost:
            return
        self.connected = True
        outbox, self._outbox = self._outbox, []
        for command in outbox:
            if isinstance(command, base.TaskSpec):
                self.runtime.start_task(command)
            else:
                self.runtime.stop_task(*command)
        self.poll()
        self.report(AgentReport(self.instance_arn, inventory=self.runtime.list_tasks()))

    def terminate(self) -> None:
        """The host is gone: nothing will ever be reported again."""
        self.connected = False
        self.lost = True
        self.runtime.close(cleanup=True)
