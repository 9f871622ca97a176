"""boto3's ECS waiters, on the engine's clock.

The acceptors come from botocore's own ``waiters-2.json`` (``services_stable``,
``services_inactive``, ``tasks_running``, ``tasks_stopped``) and are matched by botocore's own
matcher code, so a condition means here exactly what it means against AWS. On the simulated
clock a waiter *advances* time by ``Delay`` between attempts instead of sleeping; on the wall
clock it sleeps (while the engine keeps polling its runtimes). When attempts run out, or a
failure acceptor matches, it raises botocore's ``WaiterError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import botocore.session
import botocore.waiter
from botocore.exceptions import ClientError, WaiterError

if TYPE_CHECKING:
    from ecsedu.engine.control_plane import ControlPlane

__all__ = ["Waiter", "get_waiter"]

NAMES = {
    "services_stable": "ServicesStable",
    "services_inactive": "ServicesInactive",
    "tasks_running": "TasksRunning",
    "tasks_stopped": "TasksStopped",
}


def _model() -> botocore.waiter.WaiterModel:
    loader = botocore.session.get_session().get_component("data_loader")
    config = loader.load_service_model("ecs", "waiters-2")
    return botocore.waiter.WaiterModel(config)


class Waiter:
    def __init__(self, cp: ControlPlane, name: str) -> None:
        self.cp = cp
        self.name = name
        self.config = _model().get_waiter(NAMES[name])

    def wait(self, **kwargs: Any) -> None:
        config = dict(kwargs.pop("WaiterConfig", {}) or {})
        delay = float(config.get("Delay", self.config.delay))
        attempts = int(config.get("MaxAttempts", self.config.max_attempts))
        operation = getattr(self.cp, botocore.xform_name(self.config.operation))
        last: Any = None
        for attempt in range(1, attempts + 1):
            try:
                response = operation(**kwargs)
            except ClientError as exc:
                response = exc.response
            last = response
            for acceptor in self.config.acceptors:
                if acceptor.matcher_func(response):
                    if acceptor.state == "success":
                        return
                    if acceptor.state == "failure":
                        raise WaiterError(
                            name=NAMES[self.name],
                            reason=f"Waiter encountered a terminal failure state: For expression "
                            f'"{acceptor.argument}" we matched expected path: '
                            f'"{acceptor.expected}"',
                            last_response=response,
                        )
            if attempt < attempts:
                self.cp.advance(delay)
        raise WaiterError(name=NAMES[self.name], reason="Max attempts exceeded", last_response=last)


def get_waiter(cp: ControlPlane, name: str) -> Waiter:
    if name not in NAMES:
        raise ValueError(f"Waiter does not exist: {name}")
    return Waiter(cp, name)
