"""The Docker runtime: real containers behind one container instance's ECS container agent.

On a real EC2 container instance the ECS container agent turns each task into Docker containers on
the instance's own Docker engine, labels them, publishes their ports on the host, follows Docker's
event stream and reports container state changes back to ECS. ``DockerRuntime`` does the same for
one ecsedu container instance (see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ECS_agent.html):

* **Names.** ``ecsedu-<cluster>-<first 8 hex of the task id>-<container name>``.
* **Labels.** ``ecsedu.cluster``, ``ecsedu.instance``, ``ecsedu.task-arn``,
  ``ecsedu.task-definition``, ``ecsedu.service``, ``ecsedu.container-name``, ``ecsedu.namespace``
  (the owner) and the real agent's ``com.amazonaws.ecs.*`` labels (``labels.py``).
* **Resources.** ``cpu`` → ``cpu_shares`` (at least 2, like the agent), ``memory`` → ``mem_limit``,
  ``memoryReservation`` → ``mem_reservation``.
* **Ports.** published on the instance's address (``127.0.0.1``, or ``127.0.0.N`` per instance);
  ``hostPort`` 0 gives a dynamic port, read back from ``docker inspect``.
* **Networking.** a task with several containers gets its own bridge network; each container's
  network alias is its container name, so ``links`` and ``dependsOn`` partners reach each other by
  name. A single-container task uses Docker's default bridge.
* **Health.** ``healthCheck`` becomes a Docker healthcheck; ``health_status`` events become
  ``ContainerEvent.health``.
* **Reality.** a thread per Docker engine follows the event stream (``die``, ``oom``,
  ``health_status``, ``destroy``), reconnecting with backoff when the engine restarts, and a
  periodic by-label reconcile catches whatever the stream missed. Everything learnt goes into a
  queue that ``poll()`` drains on the engine's thread.

Docker's own exceptions never escape: they are mapped to ``ecsedu.errors`` at this boundary.
``python -m ecsedu cleanup`` (``main``) removes what carries our labels and namespace, nothing else.

The package: ``common`` (constants, error mapping), ``engine`` (one shared connection per
Docker engine), ``runtime`` (``DockerRuntime``), ``cleanup`` (the CLI command).
"""

from __future__ import annotations

from ecsedu.runtimes.docker.cleanup import CleanupResult, cleanup, main
from ecsedu.runtimes.docker.cleanup import _cleanup as _cleanup  # used by the tests
from ecsedu.runtimes.docker.common import (
    OOM_REASON,
    map_docker_errors,
    missing_image_message,
    unavailable_message,
)
from ecsedu.runtimes.docker.engine import check_engine, get_client, image_present, release_engine
from ecsedu.runtimes.docker.runtime import (
    DockerRuntime,
    check_safe,
    container_name,
    docker_runtime_factory,
)

__all__ = [
    "OOM_REASON",
    "CleanupResult",
    "DockerRuntime",
    "check_engine",
    "check_safe",
    "cleanup",
    "container_name",
    "docker_runtime_factory",
    "get_client",
    "image_present",
    "main",
    "map_docker_errors",
    "missing_image_message",
    "release_engine",
    "unavailable_message",
]
