"""Cleanup: ``python -m ecsedu cleanup`` removes what carries ecsedu's labels and a namespace (every
connection of it); ``cleanup_connection`` removes one connection's, for ``ecs.close(cleanup=True)``.
Nothing without ecsedu's labels is ever touched."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecsedu.errors import (
    EcsEduError,
)
from ecsedu.runtimes.docker import labels
from ecsedu.runtimes.docker.common import _load_docker, map_docker_errors
from ecsedu.runtimes.docker.engine import get_client

# -- cleanup --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanupResult:
    containers: tuple[str, ...]
    networks: tuple[str, ...]
    volumes: tuple[str, ...]


def _cleanup(
    client: Any,
    filters: dict[str, list[str]],
    keep: Callable[[Mapping[str, str]], bool] | None = None,
) -> CleanupResult:
    """Remove containers, then networks, then volumes matching every label filter.

    ``keep``, if given, is asked about each one's labels too (what a label filter cannot say,
    such as "its connection is one of these").
    """
    docker = _load_docker()
    api = client.api

    def chosen(item: Mapping[str, Any]) -> bool:
        return keep is None or keep(item.get("Labels") or {})

    removed: list[str] = []
    networks: list[str] = []
    volumes: list[str] = []
    with map_docker_errors():
        for summary in api.containers(all=True, filters=filters):
            if not chosen(summary):
                continue
            with contextlib.suppress(docker.errors.APIError):  # gone, or being removed
                api.remove_container(summary["Id"], v=True, force=True)
                removed.append(str((summary.get("Names") or [summary["Id"]])[0]).lstrip("/"))
        for net in api.networks(filters=filters):
            if not chosen(net):
                continue
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                api.remove_network(net["Id"])
                networks.append(str(net["Name"]))
        for volume in (api.volumes(filters=filters) or {}).get("Volumes") or []:
            if not chosen(volume):
                continue
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                api.remove_volume(volume["Name"], force=True)
                volumes.append(str(volume["Name"]))
    return CleanupResult(tuple(removed), tuple(networks), tuple(volumes))


def cleanup_connection(
    namespace: str,
    connections: Collection[str],
    *,
    docker_host: str | None = None,
    client: Any = None,
) -> CleanupResult:
    """Remove what one connection created (or adopted): its namespace and one of its ids.

    What ``ecs.close(cleanup=True)`` calls; other connections of the namespace are left alone.
    """
    wanted = set(connections)
    return _cleanup(
        client if client is not None else get_client(docker_host),
        {"label": labels.namespace_filter(namespace)},
        keep=lambda lab: lab.get(labels.CONNECTION, "") in wanted,
    )


def cleanup(
    namespace: str | None = None, *, docker_host: str | None = None, all_namespaces: bool = False
) -> CleanupResult:
    """Remove the containers, networks and volumes that carry ecsedu's namespace label.

    Args:
        namespace: whose (default ``$ECSEDU_NAMESPACE`` or the unix user).
        docker_host: which engine.
        all_namespaces: every ecsedu namespace (still never an unlabelled container).
    """
    ns = None if all_namespaces else (namespace or labels.default_namespace())
    return _cleanup(get_client(docker_host), {"label": labels.namespace_filter(ns)})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ecsedu cleanup [--namespace N] [--all-namespaces] [--docker-host URL]``."""
    parser = argparse.ArgumentParser(
        prog="python -m ecsedu cleanup",
        description="Remove the Docker containers, networks and volumes ecsedu created "
        "(only those with ecsedu's labels and your namespace).",
    )
    parser.add_argument(
        "--namespace",
        default=None,
        help="owner namespace (default: $ECSEDU_NAMESPACE or your user)",
    )
    parser.add_argument(
        "--all-namespaces", action="store_true", help="every ecsedu namespace on this engine"
    )
    parser.add_argument(
        "--docker-host", default=None, help="Docker endpoint (default: $DOCKER_HOST)"
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        result = cleanup(
            args.namespace, docker_host=args.docker_host, all_namespaces=args.all_namespaces
        )
    except EcsEduError as exc:
        print(f"ecsedu cleanup: {exc}", file=sys.stderr)
        return 1
    scope = (
        "all namespaces"
        if args.all_namespaces
        else f"namespace {args.namespace or labels.default_namespace()!r}"
    )
    print(
        f"removed {len(result.containers)} container(s), {len(result.networks)} network(s), "
        f"{len(result.volumes)} volume(s) of {scope}"
    )
    for name in result.containers:
        print(f"  container {name}")
    for name in result.networks:
        print(f"  network {name}")
    return 0
