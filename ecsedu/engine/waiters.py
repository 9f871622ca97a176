"""boto3's waiters, on the engine's clock, for any client.

The acceptors come from botocore's own ``waiters-2.json`` of the client's service (for ECS:
``services_stable``, ``services_inactive``, ``tasks_running``, ``tasks_stopped``) and are matched
by botocore's own matcher code, so a condition means here exactly what it means against AWS. On
the simulated clock a waiter *advances* time by ``Delay`` between attempts instead of sleeping;
on the wall clock it sleeps (while the engine keeps applying what its runtimes observe). When
attempts run out, or a failure acceptor matches, it raises botocore's ``WaiterError``.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore
import botocore.session
import botocore.waiter
from botocore.exceptions import ClientError, WaiterError

__all__ = ["Waiter", "get_waiter", "waiter_names"]


@functools.cache
def _model(service: str) -> botocore.waiter.WaiterModel | None:
    """botocore's waiters for ``service`` (None when botocore has none for it)."""
    loader = botocore.session.get_session().get_component("data_loader")
    try:
        config = loader.load_service_model(service, "waiters-2")
    except Exception:  # botocore ships no waiters for this service
        return None
    return botocore.waiter.WaiterModel(config)


def waiter_names(service: str) -> list[str]:
    return sorted(_names(service))


def _names(service: str) -> dict[str, str]:
    model = _model(service)
    return {botocore.xform_name(n): n for n in model.waiter_names} if model else {}


class Waiter:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name
        model = _model(client.service)
        assert model is not None
        self.waiter_name = _names(client.service)[name]
        self.config = model.get_waiter(self.waiter_name)

    def wait(self, **kwargs: Any) -> None:
        config = dict(kwargs.pop("WaiterConfig", {}) or {})
        delay = float(config.get("Delay", self.config.delay))
        attempts = int(config.get("MaxAttempts", self.config.max_attempts))
        operation = getattr(self.client, botocore.xform_name(self.config.operation))
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
                            name=self.waiter_name,
                            reason=f"Waiter encountered a terminal failure state: For expression "
                            f'"{acceptor.argument}" we matched expected path: '
                            f'"{acceptor.expected}"',
                            last_response=response,
                        )
            if attempt < attempts:
                self.client.engine.advance(delay)
        raise WaiterError(name=self.waiter_name, reason="Max attempts exceeded", last_response=last)


def get_waiter(client: Any, name: str) -> Waiter:
    if name not in _names(client.service):
        raise ValueError(f"Waiter does not exist: {name}")
    return Waiter(client, name)
