"""The Docker runtime: real containers behind one container instance's ECS container agent.

On a real EC2 container instance the ECS container agent turns each task into Docker containers on
the instance's own Docker engine, labels them, publishes their ports on the host, follows Docker's
event stream and reports container state changes back to ECS. ``DockerRuntime`` does the same for
one ecsedu container instance (see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ECS_agent.html):

* **Names.** ``ecsedu-<cluster>-<first 8 hex of the task id>-<container name>``.
* **Labels.** ``ecsedu.cluster``, ``ecsedu.instance``, ``ecsedu.task-arn``,
  ``ecsedu.task-definition``, ``ecsedu.service``, ``ecsedu.container-name``, ``ecsedu.namespace``
  (the owner), ``ecsedu.connection`` (the connection that created it), ``ecsedu.address`` and the
  real agent's ``com.amazonaws.ecs.*`` labels (``labels.py``).
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

Each ``ecsedu.connect("docker")`` is a ``Connection``: its 12-hex id is stamped on every container
(label ``ecsedu.connection``), so ``ecs.close(cleanup=True)`` removes only that connection's
containers, and its instance addresses (127.0.0.N) are claimed so that two connections on one
machine never publish on the same address.

Docker's own exceptions never escape: they are mapped to ``ecsedu.errors`` at this boundary.
``python -m ecsedu cleanup`` (``main``) removes what carries our labels and namespace, nothing else.

The package, bottom up (no module imports another in a cycle):

* ``labels`` (the label names), ``common`` (constants, error mapping);
* ``translate``: a task as ``docker create`` arguments (pure, no engine needed);
* ``engine``: one shared connection per Docker endpoint (client, event and reconcile threads,
  worker pool), talking to runtimes through its ``Subscriber`` protocol;
* ``cleanup``: removal by label (the CLI command, and per connection);
* ``connection``: a connection's id, liveness, adopted ids and address claims;
* ``inventory``: the runtime's records, and containers found by label (adopt, reconcile);
* ``runtime``: ``DockerRuntime`` and its factory;
* ``images``: the offline demo images (``python -m ecsedu images build``).
"""

from __future__ import annotations

from ecsedu.runtimes.docker.cleanup import CleanupResult, cleanup, cleanup_connection, main
from ecsedu.runtimes.docker.cleanup import _cleanup as _cleanup  # used by the tests
from ecsedu.runtimes.docker.common import (
    OOM_REASON,
    map_docker_errors,
    missing_image_message,
    unavailable_message,
)
from ecsedu.runtimes.docker.connection import Connection, engine_key, new_connection_id
from ecsedu.runtimes.docker.engine import check_engine, get_client, image_present, release_engine
from ecsedu.runtimes.docker.runtime import DockerRuntime, docker_runtime_factory
from ecsedu.runtimes.docker.translate import check_safe, container_name

__all__ = [
    "OOM_REASON",
    "CleanupResult",
    "Connection",
    "DockerRuntime",
    "check_engine",
    "check_safe",
    "cleanup",
    "cleanup_connection",
    "container_name",
    "docker_runtime_factory",
    "engine_key",
    "get_client",
    "image_present",
    "main",
    "map_docker_errors",
    "missing_image_message",
    "new_connection_id",
    "release_engine",
    "unavailable_message",
]
