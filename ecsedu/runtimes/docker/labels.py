"""Docker labels: how ecsedu owns and finds the real containers behind ECS tasks.

On a real container instance the ECS container agent stamps every container it starts with
``com.amazonaws.ecs.*`` labels (task ARN, cluster, task definition family, container name) and
finds its containers again by them after a restart. ecsedu does the same, with its own
``ecsedu.*`` labels next to the ECS ones, following docker-compose's ``com.docker.compose.*``
scheme. See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-agent-config.html.

The **namespace** label is the owner: two users (or two test runs) sharing one Docker engine use
different namespaces, and cleanup only ever removes containers and networks carrying its own.
The **connection** label narrows that to one ``ecsedu.connect("docker")``: two notebooks of one
user share a namespace, and ``close(cleanup=True)`` on one removes only what that connection
created (or adopted). The **address** label records the instance address a container publishes
on, so that other connections on the engine can avoid it.
"""

from __future__ import annotations

import getpass
import os
import re

__all__ = [
    "ADDRESS",
    "CLUSTER",
    "CONNECTION",
    "CONTAINER_NAME",
    "ECS_CLUSTER",
    "ECS_CONTAINER_NAME",
    "ECS_TASK_ARN",
    "ECS_TASK_DEFINITION_FAMILY",
    "ECS_TASK_DEFINITION_VERSION",
    "IMAGE_HASH",
    "IMAGE_NAME",
    "INSTANCE",
    "NAMESPACE",
    "NAMESPACE_ENV",
    "SERVICE",
    "TASK_ARN",
    "TASK_DEFINITION",
    "default_namespace",
    "namespace_filter",
]

# ecsedu's own labels, on every container (and, where it makes sense, on the task network).
CLUSTER = "ecsedu.cluster"
INSTANCE = "ecsedu.instance"  # container instance id (32 hex)
TASK_ARN = "ecsedu.task-arn"
TASK_DEFINITION = "ecsedu.task-definition"  # full task definition ARN (family:revision)
SERVICE = "ecsedu.service"  # service name, "" for a standalone task
CONTAINER_NAME = "ecsedu.container-name"
NAMESPACE = "ecsedu.namespace"  # the owner; everything is found and removed by it
CONNECTION = "ecsedu.connection"  # the connection (12 hex) that created it; per-connection cleanup
ADDRESS = "ecsedu.address"  # the instance address its ports are published on (127.0.0.N)

# The labels the real ECS agent puts on containers, so ECS-minded tooling recognises them.
ECS_TASK_ARN = "com.amazonaws.ecs.task-arn"
ECS_CLUSTER = "com.amazonaws.ecs.cluster"
ECS_TASK_DEFINITION_FAMILY = "com.amazonaws.ecs.task-definition-family"
ECS_TASK_DEFINITION_VERSION = "com.amazonaws.ecs.task-definition-version"
ECS_CONTAINER_NAME = "com.amazonaws.ecs.container-name"

# On the demo images built by ``ecsedu images build``.
IMAGE_NAME = "ecsedu.image"
IMAGE_HASH = "ecsedu.image-hash"  # content hash of the image's root filesystem and config

NAMESPACE_ENV = "ECSEDU_NAMESPACE"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def default_namespace() -> str:
    """The owner namespace: ``$ECSEDU_NAMESPACE``, else the unix user name."""
    configured = os.environ.get(NAMESPACE_ENV, "").strip()
    if configured:
        return configured
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, no LOGNAME: a container with a random uid
        user = f"uid{os.getuid()}"
    return _UNSAFE.sub("-", user) or "default"


def namespace_filter(namespace: str | None) -> list[str]:
    """The ``label`` filter for Docker list/events calls: one namespace, or all of ecsedu's."""
    return [NAMESPACE if namespace is None else f"{NAMESPACE}={namespace}"]
