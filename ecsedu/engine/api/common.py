"""What every API function shares: the ``api`` decorator, pagination, constants."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ecsedu import errors
from ecsedu.engine import validation
from ecsedu.model import events as events_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = ["AZS", "EV", "S", "api", "describe_each", "page"]

EV = events_mod.EventKind
S = task_mod.TaskStatus
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
F = TypeVar("F", bound=Callable[..., Any])


def api(operation: str) -> Callable[[F], F]:
    """Mark a method as ECS ``operation``: keyword arguments only, shape-checked first."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(self: ControlPlane, *args: Any, **params: Any) -> Any:
            if args:
                raise TypeError(f"{fn.__name__}() only accepts keyword arguments.")
            validation.check_shape(operation, params)
            _check_tags(operation, params)
            return fn(self, **params)

        return call  # type: ignore[return-value]

    return wrap


def _check_tags(operation: str, params: dict[str, Any]) -> None:
    """Every tag needs a key (botocore's model leaves ``key`` optional; ECS does not)."""
    for tag in params.get("tags") or []:
        if not tag.get("key"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Tag keys must not be empty.",
                operation,  # our wording
            )


def page(items: list[Any], params: dict[str, Any], key: str, operation: str) -> dict[str, Any]:
    """ECS-style pagination with ``maxResults`` / ``nextToken``."""
    limit = params.get("maxResults") or 100
    token = params.get("nextToken")
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise errors.ecs_error(
                "InvalidParameterException", "Invalid nextToken.", operation
            ) from None  # our wording
    if not 1 <= int(limit) <= 100:
        raise errors.ecs_error(
            "InvalidParameterException", "maxResults must be between 1 and 100.", operation
        )  # our wording
    chunk = items[start : start + int(limit)]
    out: dict[str, Any] = {key: chunk}
    if start + int(limit) < len(items):
        out["nextToken"] = base64.b64encode(str(start + int(limit)).encode()).decode()
    return out


def describe_each(
    refs: list[str],
    arn_of: Callable[[str], str],
    found: Callable[[str], Any],
    cluster_arn: str,
    render: Callable[[Any], dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The Describe* pattern: each name or ARN is described, or reported ``MISSING`` (also when
    it belongs to another cluster)."""
    out, failures = [], []
    for ref in refs:
        arn = arn_of(ref)
        thing = found(arn)
        if thing is None or thing.cluster_arn != cluster_arn:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            out.append(render(thing))
    return out, failures
