"""Constants of the Docker runtime, and the boundary that maps Docker's errors to ecsedu's."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from ecsedu.errors import (
    EcsEduError,
    ImageNotFoundError,
    RuntimeUnavailableError,
)
from ecsedu.runtimes import registry
from ecsedu.runtimes.base import ContainerState

log = logging.getLogger(__name__)

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
REMOVED_REASON = "DockerContainerRemoved: the container was removed outside ecsedu (docker rm)"
VANISHED_REASON = "DockerContainerMissing: the container is no longer on the Docker engine"
DEFAULT_HOST = "unix:///var/run/docker.sock"
RECONCILE_INTERVAL = 3.0  # seconds between by-label reconciles
POOL_THREADS = 4  # ~6.8 container starts/s on 2 cores; more threads only add latency

_STATE_OF = {
    "created": ContainerState.PENDING,
    "running": ContainerState.RUNNING,
    "restarting": ContainerState.RUNNING,
    "paused": ContainerState.RUNNING,
    "exited": ContainerState.STOPPED,
    "dead": ContainerState.STOPPED,
    "removing": ContainerState.STOPPED,
}
_HEALTH_OF = {"healthy": "HEALTHY", "unhealthy": "UNHEALTHY", "starting": "UNKNOWN"}


# -- optional dependency and error mapping --------------------------------------------------------


def _load_docker() -> Any:
    """Import docker-py lazily; without it, say how to get it."""
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EcsEduError(
            "the Docker runtime needs the docker SDK: "
            "pip install 'ecsedu[docker]' (or pip install docker)"
        ) from exc
    return docker


def _host_key(docker_host: str | None) -> str:
    return docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def unavailable_message(docker_host: str | None, detail: object = "") -> str:
    """The one sentence shown when no Docker engine answers."""
    host = _host_key(docker_host)
    why = f" ({_why_unreachable(detail)})" if str(detail) else ""
    return (
        f"No Docker engine answers at {host}{why}: start it (sudo systemctl start docker, or "
        f"sudo dockerd &) and try again, or use the simulated runtime, which needs no Docker: "
        f'ecsedu.connect(runtime="simulated").'
    )


def _why_unreachable(detail: object) -> str:
    """A few words for why a connection failed, instead of urllib3's nested repr."""
    text = str(detail)
    for needle, words in (
        ("FileNotFoundError", "no socket there"),
        ("No such file", "no socket there"),
        ("ConnectionRefused", "connection refused"),
        ("Connection refused", "connection refused"),
        ("PermissionError", "permission denied: are you in the docker group?"),
        ("Permission denied", "permission denied: are you in the docker group?"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return words
    return _first_line(text)[:120]


def missing_image_message(image: str, detail: object = "") -> str:
    """Why ``image`` cannot be pulled, in a Docker daemon's words (what follows
    ``CannotPullContainerError: `` in a stopped task's reason, as the ECS agent reports it).

    ``detail`` is what the daemon said when a pull was tried. Without it (ecsedu never pulls
    ``ecsedu/`` names, and a connection made with ``pull=False`` pulls nothing) the words are
    those of a pull of a repository that does not exist, plus what to do, as the simulated
    runtime says it (``runtimes.registry``).
    """
    if str(detail):
        return f"Error response from daemon: {_first_line(detail)}"
    ref = registry.parse(image)
    if image.startswith("ecsedu/"):
        tags = registry.DEMO_TAGS.get(ref.written)
        if tags is None:
            return registry.pull_denied_message(ref.written)
        if ref.tag not in tags:
            return registry.manifest_unknown_message(ref.written, ref.tag)
        return registry.pull_denied_message(ref.written) + (
            " (ecsedu's demo images are built, not pulled: python -m ecsedu images build)"
        )  # our wording (the hint in parentheses)
    return (
        f"image {image!r} is not on the Docker engine and this connection does not pull "
        f"images (pull=False): docker pull {image}, or use a local image such as ecsedu/web"
    )  # our wording


def _first_line(detail: object) -> str:
    text = str(detail).strip()
    return text.splitlines()[0][:300] if text else ""


def _is_connection_error(exc: BaseException) -> bool:
    docker = _load_docker()
    import requests

    if isinstance(exc, requests.exceptions.ConnectionError | ConnectionError | FileNotFoundError):
        return True
    return isinstance(exc, docker.errors.DockerException) and not isinstance(
        exc, docker.errors.APIError
    )


def _short(error: EcsEduError, cause: BaseException) -> EcsEduError:
    """Keep the low-level cause on ``error.detail`` (the message already names it)."""
    error.detail = cause  # type: ignore[attr-defined]
    return error


@contextlib.contextmanager
def map_docker_errors(docker_host: str | None = None, image: str | None = None) -> Iterator[None]:
    """Translate docker-py and connection errors into ``ecsedu.errors``.

    Raised ``from None``: a notebook user sees one short error, not a chain from deep inside
    requests/urllib3; the original exception stays on the error's ``detail`` attribute.
    """
    docker = _load_docker()
    try:
        yield
    except EcsEduError:
        raise
    except docker.errors.ImageNotFound as exc:
        message = missing_image_message(image or "?", exc.explanation)
        raise _short(ImageNotFoundError(message), exc) from None
    except docker.errors.APIError as exc:
        message = f"the Docker engine refused: {_first_line(exc.explanation or exc)}"
        raise _short(EcsEduError(message), exc) from None
    except Exception as exc:
        if _is_connection_error(exc):
            message = unavailable_message(docker_host, exc)
            raise _short(RuntimeUnavailableError(message), exc) from None
        message = f"Docker runtime error: {type(exc).__name__}: {_first_line(exc)}"
        raise _short(EcsEduError(message), exc) from None
