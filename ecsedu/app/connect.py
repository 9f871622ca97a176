"""Builds a control plane for a runtime: the one place that knows every runtime.

It sits above the layers (like ``ecsedu/__init__.py``): the engine never imports a concrete
runtime; this module injects one.
"""

from __future__ import annotations

import os
from typing import Any, cast

from ecsedu import clock as clock_mod
from ecsedu import errors
from ecsedu.engine.clients.ecs import EcsClient

__all__ = ["connect"]

RUNTIMES = ("simulated", "docker")


def connect(
    runtime: str | None,
    *,
    seed: int,
    state: str | os.PathLike[str] | None,
    allow_unsafe: bool,
    **options: Any,
) -> EcsClient:
    endpoint_url = options.pop("endpoint_url", None)
    if endpoint_url is None and runtime is None and state is None:
        endpoint_url = os.environ.get("AWS_ENDPOINT_URL_ECS") or None
    if endpoint_url is not None:  # any ECS over HTTP: the classroom server, moto, AWS
        from ecsedu.app import remote

        # Duck-typed: the same ECS methods (boto3's), snapshot() and the remote-sensible helpers.
        return cast(EcsClient, remote.connect_remote(endpoint_url, **options))
    name = runtime or os.environ.get("ECSEDU_RUNTIME") or "simulated"
    if name not in RUNTIMES:
        raise errors.EcsEduError(
            f"Unknown runtime {name!r}: choose 'simulated' (no Docker needed) or 'docker'."
        )
    if name == "docker":
        from ecsedu.app import docker as docker_connection

        cp = docker_connection.build(seed=seed, allow_unsafe=allow_unsafe, **options)
    else:
        # Docker-only options are accepted and ignored, so one notebook runs on either runtime.
        for docker_only in ("namespace", "docker_host"):
            options.pop(docker_only, None)
        cp = EcsClient(seed=seed, clock=clock_mod.SimClock(), **options)
    if state is not None:
        from ecsedu.engine import persist

        path = os.fspath(state)
        cp.engine.run("LoadState", lambda: persist.load(cp.engine, path))
    try:  # rich displays in Jupyter (a no-op outside IPython)
        from ecsedu.app import jupyter

        jupyter.register_formatters()
    except ImportError:
        pass
    return cp
