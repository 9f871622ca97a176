"""ecsedu: learn Amazon ECS by doing.

>>> import ecsedu
>>> ecs = ecsedu.connect()                     # simulated runtime, simulated clock, seed 0
>>> _ = ecs.create_cluster(clusterName="demo")
>>> len(ecs.add_instances("demo", count=2))
2

``connect()`` returns an object shaped like boto3's ECS client (same methods, same camelCase
dicts, ``ecs.exceptions.<Code>``, ``get_waiter``), plus teaching helpers: ``add_instances``,
``advance``, ``events``, ``snapshot``, ``inject``, ``save``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ecsedu.errors import (
    ClientError,
    EcsEduError,
    ImageNotFoundError,
    RuntimeUnavailableError,
    StateFileError,
    UnsafeTaskDefinitionError,
)

if TYPE_CHECKING:
    from ecsedu.engine.clients.ecs import EcsClient

__all__ = [
    "ClientError",
    "EcsEduError",
    "ImageNotFoundError",
    "RuntimeUnavailableError",
    "StateFileError",
    "UnsafeTaskDefinitionError",
    "__version__",
    "connect",
    "set_theme",
]

__version__ = "0.1.0"


def set_theme(name: str | None) -> None:
    """Draw every figure in theme ``name`` (``"light"``, ``"dark"``, ``"projector"``) unless a
    drawing passes ``theme=``; ``None`` goes back to ``$ECSEDU_THEME`` (default: light)."""
    from ecsedu.render.style import set_theme as choose

    choose(name)


def connect(
    runtime: str | None = None,
    *,
    seed: int = 0,
    state: str | os.PathLike[str] | None = None,
    allow_unsafe: bool = False,
    **options: Any,
) -> EcsClient:
    """Open an in-process Amazon ECS.

    Args:
        runtime: ``"simulated"`` (default; deterministic, no Docker needed) or ``"docker"``
            (real containers on a local Docker engine). When omitted, the ``ECSEDU_RUNTIME``
            environment variable decides, and the simulated runtime is the fallback.
        seed: seeds every id and every random choice, so runs replay exactly.
        state: a file written by ``ecs.save(path)``: carry on from there.
        allow_unsafe: let task definitions ask for privileged mode, host networking, host bind
            mounts or the Docker socket (Docker runtime only; refused by default).

    Returns:
        An ``EcsClient``, used like ``boto3.client("ecs")``.
    """
    from ecsedu.app import connect as connection

    return connection.connect(runtime, seed=seed, state=state, allow_unsafe=allow_unsafe, **options)
