"""What every boto3-shaped client shares, for any AWS service botocore models.

``AwsClient`` subclasses set ``service`` (botocore's name: ``"ecs"``, ``"application-
autoscaling"``, ``"cloudwatch"``, ``"elbv2"``) and list their operations with ``operation``::

    class EcsClient(AwsClient):
        service = "ecs"
        create_cluster = operation("CreateCluster", clusters.create_cluster)

Then ``client.exceptions``, ``client.meta.service_model``, ``get_paginator``, ``can_paginate``
and ``get_waiter`` come from that service's botocore model, paginators and waiters, and
``check_request`` validates a request the way boto3 does before sending it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import botocore
import botocore.paginate
import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from ecsedu import errors
from ecsedu import ids as ids_mod
from ecsedu.engine import core, waiters

__all__ = ["AwsClient", "check_request", "operation"]


@functools.cache
def _loader_data(service: str, kind: str) -> dict[str, Any]:
    loader = botocore.session.get_session().get_component("data_loader")
    try:
        data: dict[str, Any] = loader.load_service_model(service, kind)
    except Exception:  # botocore has no such file for this service
        return {}
    return data


def paginators(service: str) -> dict[str, Any]:
    return dict(_loader_data(service, "paginators-1").get("pagination", {}))


def check_request(service: str, operation_name: str, params: Mapping[str, Any]) -> None:
    """Validate ``params`` against botocore's model, as boto3 does before sending.

    Raises:
        botocore.exceptions.ParamValidationError: with botocore's report.
    """
    shape = errors.service_model(service).operation_model(operation_name).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())


def _snake(name: str) -> str:
    return str(botocore.xform_name(name))


def operation(
    name: str, fn: Callable[..., Any], *, mutating: bool | None = None
) -> Callable[..., Any]:
    """A client method for AWS operation ``name``, run as ``fn(engine, **params)`` on the
    client's engine. Describe/List/Get operations are reads (they notify nobody)."""
    changes = (
        not name.startswith(("Describe", "List", "Get", "Can")) if mutating is None else mutating
    )

    def method(self: AwsClient, *args: Any, **params: Any) -> Any:
        if args:
            raise TypeError(f"{_snake(name)}() only accepts keyword arguments.")
        return self.engine.call(name, fn, params, mutating=changes)

    method.__name__ = _snake(name)
    method.__qualname__ = f"AwsClient.{method.__name__}"
    method.__doc__ = fn.__doc__ or f"AWS {name}, shaped like boto3's."
    method.operation_name = name  # type: ignore[attr-defined]
    return method


class _Meta:
    """boto3 clients expose ``meta.region_name`` and ``meta.service_model``."""

    def __init__(self, service: str) -> None:
        self.region_name = ids_mod.REGION
        self._service = service

    @property
    def service_model(self) -> Any:
        return errors.service_model(self._service)


class AwsClient:
    """Base of the boto3-shaped clients: one AWS service over one engine."""

    service: ClassVar[str] = ""

    def __init__(self, engine: core.Engine) -> None:
        self.engine = engine
        self.exceptions = errors.exceptions(self.service)
        self.meta = _Meta(self.service)

    # -- boto3's generic client methods -------------------------------------------------------
    def can_paginate(self, operation_name: str) -> bool:
        return self._camel(operation_name) in paginators(self.service)

    def get_paginator(self, operation_name: str) -> Any:
        """boto3's paginators, driven by botocore's own paginator definitions."""
        name = self._camel(operation_name)
        config = paginators(self.service).get(name)
        if config is None:
            raise ValueError(f"Operation cannot be paginated: {operation_name}")
        model = errors.service_model(self.service).operation_model(name)
        return botocore.paginate.Paginator(getattr(self, operation_name), config, model)

    def get_waiter(self, waiter_name: str) -> waiters.Waiter:
        return waiters.get_waiter(self, waiter_name)

    @property
    def waiter_names(self) -> list[str]:
        return waiters.waiter_names(self.service)

    @staticmethod
    def _camel(operation_name: str) -> str:
        """``list_tasks`` → ``ListTasks``."""
        return "".join(part.capitalize() for part in operation_name.split("_"))
