"""ECS ARNs, built and parsed in one place.

Every resource of the simulated account is named by an ARN under one prefix::

    arn:aws:ecs:us-east-1:123456789012:cluster/<cluster>
    arn:aws:ecs:us-east-1:123456789012:container-instance/<cluster>/<id>
    arn:aws:ecs:us-east-1:123456789012:task/<cluster>/<id>
    arn:aws:ecs:us-east-1:123456789012:service/<cluster>/<name>
    arn:aws:ecs:us-east-1:123456789012:task-definition/<family>:<revision>
    arn:aws:ecs:us-east-1:123456789012:container/<cluster>/<task id>/<uuid>
    arn:aws:ecs:us-east-1:123456789012:capacity-provider/<name>
    arn:aws:ecs:us-east-1:123456789012:service-deployment/<cluster>/<service>/<id>
    arn:aws:ecs:us-east-1:123456789012:service-revision/<cluster>/<service>/<19 digits>
    arn:aws:ecs:us-east-1:123456789012:task-set/<cluster>/<service>/ecs-svc/<19 digits>

A core utility: it imports nothing from ecsedu's layers (only ``ecsedu.ids`` for the region and
account), so the model, runtimes, agent, engine, render and widgets may all use it.

>>> task("demo", "abc")
'arn:aws:ecs:us-east-1:123456789012:task/demo/abc'
>>> parse(task("demo", "abc"))  # doctest: +ELLIPSIS
Arn(resource=<ResourceType.TASK: 'task'>, cluster='demo', name='abc', task_id=None, ...)
>>> cluster_name(task("demo", "abc")), resource_id(task("demo", "abc"))
('demo', 'abc')
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from ecsedu import ids

__all__ = [
    "PREFIX",
    "Arn",
    "ResourceType",
    "capacity_provider",
    "cluster",
    "cluster_name",
    "container",
    "container_instance",
    "is_arn",
    "parse",
    "resource_id",
    "resource_type",
    "service",
    "service_deployment",
    "service_revision",
    "task",
    "task_definition",
    "task_definition_ref",
    "task_set",
]

#: Every ECS ARN of the simulated account starts with this.
PREFIX = f"arn:aws:ecs:{ids.REGION}:{ids.ACCOUNT}:"

_TASK_DEFINITION_MARK = ":task-definition/"


class ResourceType(str, enum.Enum):
    """The resource part of an ECS ARN (what comes before the first ``/``)."""

    CLUSTER = "cluster"
    CONTAINER_INSTANCE = "container-instance"
    TASK = "task"
    SERVICE = "service"
    TASK_DEFINITION = "task-definition"
    CONTAINER = "container"
    CAPACITY_PROVIDER = "capacity-provider"
    SERVICE_DEPLOYMENT = "service-deployment"
    SERVICE_REVISION = "service-revision"
    TASK_SET = "task-set"


_TYPES = {kind._value_: kind for kind in ResourceType}


class Arn(NamedTuple):
    """The parts of an ECS ARN.

    ``name`` is the resource's own name or id: the cluster's name, the instance's or task's id,
    the service's name, the task definition's family, the container's uuid. ``cluster`` is None
    for task definitions; ``task_id`` is set for containers only, ``revision`` for task
    definitions only. Service deployments, service revisions and task sets name their
    ``service``; their ``name`` is their id (a task set's is ``ecs-svc/<19 digits>``).
    """

    resource: ResourceType
    cluster: str | None
    name: str
    task_id: str | None = None
    revision: int | None = None
    service: str | None = None


# -- builders --------------------------------------------------------------------------------
def cluster(name: str) -> str:
    return f"{PREFIX}cluster/{name}"


def container_instance(cluster: str, id: str) -> str:
    return f"{PREFIX}container-instance/{cluster}/{id}"


def task(cluster: str, id: str) -> str:
    return f"{PREFIX}task/{cluster}/{id}"


def service(cluster: str, name: str) -> str:
    return f"{PREFIX}service/{cluster}/{name}"


def task_definition(family: str, revision: int | str) -> str:
    return f"{PREFIX}task-definition/{family}:{revision}"


def container(cluster: str, task_id: str, uuid: str) -> str:
    return f"{PREFIX}container/{cluster}/{task_id}/{uuid}"


def capacity_provider(name: str) -> str:
    return f"{PREFIX}capacity-provider/{name}"


def service_deployment(cluster: str, service: str, id: str) -> str:
    return f"{PREFIX}service-deployment/{cluster}/{service}/{id}"


def service_revision(cluster: str, service: str, id: str) -> str:
    return f"{PREFIX}service-revision/{cluster}/{service}/{id}"


def task_set(cluster: str, service: str, id: str) -> str:
    """``id`` is the task set's id, ``ecs-svc/<19 digits>``."""
    return f"{PREFIX}task-set/{cluster}/{service}/{id}"


# -- parsers ---------------------------------------------------------------------------------
def is_arn(text: str) -> bool:
    """True if ``text`` is an ECS ARN of the simulated account (not a bare name or id)."""
    return text.startswith(PREFIX)


_ANY_ACCOUNT = re.compile(r"arn:aws:ecs:[a-z0-9-]+:\d{12}:")


def _prefix_length(text: str) -> int:
    """Length of the ``arn:aws:ecs:<region>:<account>:`` prefix (this account's, or any other's:
    a classroom server hands each learner their own account id); 0 if there is none."""
    if text.startswith(PREFIX):
        return len(PREFIX)
    found = _ANY_ACCOUNT.match(text)
    return found.end() if found else 0


def resource_type(text: str) -> ResourceType | None:
    """The resource type of an ECS ARN (of any account), or None (a name, a malformed ARN)."""
    start = _prefix_length(text)
    if not start:
        return None
    kind, slash, _ = text[start:].partition("/")
    if not slash:
        return None
    return _TYPES.get(kind)


def parse(arn: str) -> Arn:
    """Split an ECS ARN (of any account) into its parts.

    Raises:
        ValueError: ``arn`` is not an ECS ARN, or its path has the wrong shape.
    """
    kind = resource_type(arn)
    if kind is None:
        raise ValueError(f"not an ECS ARN: {arn!r}")
    start = _prefix_length(arn) + len(kind._value_) + 1
    path = arn[start:].split("/")
    if kind is ResourceType.TASK_DEFINITION:
        family, colon, revision = arn.rpartition(":")
        family = family[start:]
        if len(path) != 1 or not colon or not family or not revision.isdigit():
            raise ValueError(f"not a task definition ARN: {arn!r}")
        return Arn(kind, None, family, revision=int(revision))
    if kind is ResourceType.CLUSTER:
        if len(path) != 1 or not path[0]:
            raise ValueError(f"not a cluster ARN: {arn!r}")
        return Arn(kind, path[0], path[0])
    if kind is ResourceType.CAPACITY_PROVIDER:
        if len(path) != 1 or not path[0]:
            raise ValueError(f"not a capacity provider ARN: {arn!r}")
        return Arn(kind, None, path[0])
    if kind in (ResourceType.SERVICE_DEPLOYMENT, ResourceType.SERVICE_REVISION):
        if len(path) != 3 or not all(path):
            raise ValueError(f"not a {kind._value_} ARN: {arn!r}")
        return Arn(kind, path[0], path[2], service=path[1])
    if kind is ResourceType.TASK_SET:
        if len(path) != 4 or not all(path) or path[2] != "ecs-svc":
            raise ValueError(f"not a task-set ARN: {arn!r}")
        return Arn(kind, path[0], f"{path[2]}/{path[3]}", service=path[1])
    if kind is ResourceType.CONTAINER:
        if len(path) != 3 or not all(path):
            raise ValueError(f"not a container ARN: {arn!r}")
        return Arn(kind, path[0], path[2], task_id=path[1])
    if len(path) != 2 or not all(path):
        raise ValueError(f"not a {kind._value_} ARN: {arn!r}")
    return Arn(kind, path[0], path[1])


def cluster_name(arn: str) -> str:
    """The cluster's name in a cluster, container instance, task, service or container ARN."""
    return arn.split("/", 2)[1]


def resource_id(ref: str) -> str:
    """The last path segment of an ARN (a task's id, a service's name ...); a bare name as is.

    >>> resource_id(task_definition("web", 2)), resource_id("web")
    ('web:2', 'web')
    """
    return ref.rsplit("/", 1)[-1]


def task_definition_ref(ref: str) -> str:
    """``family`` or ``family:revision`` from a task definition ARN; any other ``ref`` as is.

    >>> task_definition_ref(task_definition("web", 2)), task_definition_ref("web:2")
    ('web:2', 'web:2')
    """
    if _TASK_DEFINITION_MARK in ref:
        return ref.split(_TASK_DEFINITION_MARK, 1)[1]
    return ref
