"""From a task to Docker's create arguments: names, labels, environment, ports, limits, safety.

Pure functions of a ``TaskSpec`` / ``ContainerSpec`` (and of who creates the container: an
``Owner``), with no Docker client and no docker-py import, so they are unit-tested without an
engine (``tests/runtimes/test_translate.py``). ``DockerRuntime`` feeds the result to docker-py's
low-level API: ``create_host_config(**args.host_config)``, ``create_container(args.image,
**args.create)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsedu import arns
from ecsedu.errors import UnsafeTaskDefinitionError
from ecsedu.runtimes.base import Bindings, ContainerSpec, TaskSpec
from ecsedu.runtimes.docker import labels

__all__ = [
    "PAUSE_COMMAND",
    "PAUSE_IMAGES",
    "PAUSE_LABEL",
    "SHORT_ID",
    "CreateArgs",
    "Owner",
    "check_safe",
    "container_labels",
    "container_name",
    "create_args",
    "dependency_order",
    "environment",
    "inspect_address",
    "inspect_bindings",
    "name_candidates",
    "network_name",
    "pause_args",
    "pause_name",
    "resource_labels",
    "sanitize",
    "task_prefix",
    "volume_name",
    "vpc_labels",
    "vpc_network_name",
]

SHORT_ID = 8  # hex digits of the task id in container names
#: awsvpc: the label naming the task whose network namespace a pause container holds (it has no
#: ``ecsedu.task-arn``: it is none of the task's containers, and never reported as one).
PAUSE_LABEL = "ecsedu.pause-of"
#: The pause container sleeps until it is stopped (the real agent's ``amazon/amazon-ecs-pause``).
PAUSE_COMMAND = (
    "/bin/sh",
    "-c",
    "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
)
#: Any demo image will do for it (all are busybox): the first one present is used.
PAUSE_IMAGES = ("ecsedu/worker", "ecsedu/web", "ecsedu/crashy", "ecsedu/metrics")
_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_.-]+")


@dataclass(frozen=True)
class Owner:
    """Who creates a container: stamped on it as labels, and part of its fallback names."""

    namespace: str
    instance_id: str
    connection: str
    address: str = "127.0.0.1"


# -- names ----------------------------------------------------------------------------------------


def sanitize(text: str) -> str:
    """A name part Docker accepts: runs of other characters become ``-``.

    >>> sanitize("my cluster/1")
    'my-cluster-1'
    """
    return _NAME_UNSAFE.sub("-", text).strip("-.") or "x"


def container_name(cluster: str, task_id: str, name: str) -> str:
    """``ecsedu-<cluster>-<short task id>-<container name>``.

    >>> container_name("demo", "0123456789abcdef0123456789abcdef", "web")
    'ecsedu-demo-01234567-web'
    """
    return f"ecsedu-{sanitize(cluster)}-{task_id[:SHORT_ID]}-{sanitize(name)}"


def task_prefix(spec: TaskSpec) -> str:
    """``ecsedu-<cluster>-<short task id>``: the start of every name of a task."""
    return f"ecsedu-{sanitize(spec.cluster)}-{spec.task_id[:SHORT_ID]}"


def network_name(spec: TaskSpec, namespace: str) -> str:
    """The task network: ``ecsedu-<cluster>-<short task id>-<namespace>``."""
    return f"{task_prefix(spec)}-{sanitize(namespace)}"


def pause_name(spec: TaskSpec) -> str:
    """The pause container of an awsvpc task: ``ecsedu-<cluster>-<short task id>-pause``."""
    return f"{task_prefix(spec)}-pause"


def vpc_network_name(namespace: str, connection: str) -> str:
    """The user network a connection's awsvpc tasks get their addresses on (its "VPC"):
    ``ecsedu-vpc-<namespace>-<connection id>``."""
    return f"ecsedu-vpc-{sanitize(namespace)}-{sanitize(connection)}"


def vpc_labels(namespace: str, connection: str) -> dict[str, str]:
    """Labels of a connection's VPC network (removed with the connection's cleanup)."""
    return {labels.NAMESPACE: namespace, labels.CONNECTION: connection}


def volume_name(spec: TaskSpec, source_volume: str) -> str:
    """A task volume without ``host.sourcePath``: ``ecsedu-<cluster>-<short id>-<volume>``."""
    return f"{task_prefix(spec)}-{sanitize(source_volume)}"


def name_candidates(docker_name: str, owner: Owner) -> list[str]:
    """The names tried in turn when one is taken on the engine (409).

    Another namespace, or another connection of the same namespace with the same seeded ids, may
    hold the plain name: then ``-<namespace>``, ``-<namespace>-<instance>``, and finally
    ``-<namespace>-<connection>`` (unique to the connection).
    """
    with_ns = f"{docker_name}-{sanitize(owner.namespace)}"
    return [
        docker_name,
        with_ns,
        f"{with_ns}-{owner.instance_id[:SHORT_ID]}",
        f"{with_ns}-{sanitize(owner.connection)}",
    ]


# -- safety ---------------------------------------------------------------------------------------


def check_safe(spec: TaskSpec, allow_unsafe: bool = False) -> None:
    """Refuse task definitions that reach into the host unless ``allow_unsafe``.

    Privileged containers, host networking, host bind mounts and the Docker socket each give a
    container control over the learner's machine.

    Raises:
        UnsafeTaskDefinitionError: naming every problem and the opt-in.
    """
    if allow_unsafe:
        return
    problems: list[str] = []
    problems += [f"privileged mode (container {c.name!r})" for c in spec.containers if c.privileged]
    if spec.network_mode == "host":
        problems.append('networkMode "host"')
    for volume, source in spec.volumes:
        if source is None:
            continue
        if "docker.sock" in source:
            problems.append(f"the Docker socket (volume {volume!r}: {source})")
        else:
            problems.append(f"a host bind mount (volume {volume!r}: {source})")
    if problems:
        raise UnsafeTaskDefinitionError(
            f"task definition {spec.family!r} asks for {', '.join(problems)}, which would give its "
            "containers control of this machine; ecsedu refuses that unless you opt in with "
            "ecsedu.connect(..., allow_unsafe=True)"
        )


# -- labels and environment -----------------------------------------------------------------------


def container_labels(spec: TaskSpec, container: ContainerSpec, owner: Owner) -> dict[str, str]:
    """The container definition's ``dockerLabels``, then ecsedu's and ECS's labels (which win)."""
    family, _, revision = arns.task_definition_ref(spec.task_definition_arn).partition(":")
    out = dict(container.docker_labels)
    out.update(
        {
            labels.CLUSTER: spec.cluster,
            labels.INSTANCE: owner.instance_id,
            labels.TASK_ARN: spec.task_arn,
            labels.TASK_DEFINITION: spec.task_definition_arn,
            labels.SERVICE: spec.service_name or "",
            labels.CONTAINER_NAME: container.name,
            labels.NAMESPACE: owner.namespace,
            labels.CONNECTION: owner.connection,
            labels.ADDRESS: owner.address,
            labels.ECS_TASK_ARN: spec.task_arn,
            labels.ECS_CLUSTER: spec.cluster,
            labels.ECS_TASK_DEFINITION_FAMILY: spec.family or family,
            labels.ECS_TASK_DEFINITION_VERSION: revision,
            labels.ECS_CONTAINER_NAME: container.name,
        }
    )
    return out


def resource_labels(spec: TaskSpec, owner: Owner) -> dict[str, str]:
    """Labels of a task's network and volumes (found and removed by them, like containers)."""
    return {
        labels.NAMESPACE: owner.namespace,
        labels.CONNECTION: owner.connection,
        labels.CLUSTER: spec.cluster,
        labels.INSTANCE: owner.instance_id,
        labels.TASK_ARN: spec.task_arn,
    }


def environment(spec: TaskSpec, container: ContainerSpec, instance_id: str) -> dict[str, str]:
    """The ``ECS_*`` variables standing in for the task metadata endpoint; the definition wins."""
    env = {
        "ECS_CLUSTER": spec.cluster,
        "ECS_TASK_ARN": spec.task_arn,
        "ECS_TASK_ID": spec.task_id,
        "ECS_TASK_DEFINITION": arns.task_definition_ref(spec.task_definition_arn),
        "ECS_CONTAINER_NAME": container.name,
        "ECS_CONTAINER_INSTANCE": instance_id,
    }
    env.update(dict(container.environment))  # the task definition's own values win
    return env


def dependency_order(containers: Sequence[ContainerSpec]) -> list[ContainerSpec]:
    """Containers in dependsOn order (dependencies first); cycles fall back to definition order."""
    by_name = {c.name: c for c in containers}
    done: list[ContainerSpec] = []
    seen: set[str] = set()

    def visit(c: ContainerSpec, path: tuple[str, ...]) -> None:
        if c.name in seen or c.name in path:
            return
        for dep, _ in c.depends_on:
            if dep in by_name:
                visit(by_name[dep], (*path, c.name))
        seen.add(c.name)
        done.append(c)

    for c in containers:
        visit(c, ())
    return done


# -- create arguments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateArgs:
    """Everything ``docker create`` needs for one container, as docker-py's keyword arguments.

    ``host_config`` goes to ``api.create_host_config``; ``endpoint`` (aliases and links on the
    task network, or ``None``) to ``api.create_endpoint_config``; ``create`` to
    ``api.create_container(image, name=..., host_config=..., networking_config=..., **create)``.
    ``volumes`` are the named Docker volumes the container mounts (created beforehand).
    """

    image: str
    create: dict[str, Any]
    host_config: dict[str, Any]
    endpoint: dict[str, Any] | None = None
    volumes: tuple[str, ...] = field(default_factory=tuple)


def create_args(
    spec: TaskSpec,
    container: ContainerSpec,
    owner: Owner,
    *,
    network_id: str | None = None,
    docker_names: Mapping[str, str] | None = None,
    volume_names: Mapping[str, str] | None = None,
) -> CreateArgs:
    """Translate one container of a task into ``docker create`` arguments.

    Args:
        spec: the task.
        container: one of its containers.
        owner: namespace, instance, connection and the address ports are published on.
        network_id: the task's own network, if it has one (aliases and links go there).
        docker_names: container name → Docker name of the task's containers (for ``links``).
        volume_names: source volume → Docker volume name, where it differs from
            ``volume_name(spec, source)``.
    """
    c = container
    names = docker_names or {}
    ports = [(p.container_port, p.protocol) for p in c.ports]
    port_bindings = {
        f"{p.container_port}/{p.protocol}": (owner.address, p.host_port or None) for p in c.ports
    }
    binds: dict[str, dict[str, str]] = {}
    named: list[str] = []
    host_paths = dict(spec.volumes)
    for source_volume, container_path, read_only in c.mount_points:
        host_path = host_paths.get(source_volume)
        if host_path is None:
            host_path = (volume_names or {}).get(source_volume) or volume_name(spec, source_volume)
            if host_path not in named:
                named.append(host_path)
        binds[host_path] = {"bind": container_path, "mode": "ro" if read_only else "rw"}
    network_mode = {"host": "host", "none": "none"}.get(spec.network_mode)
    if spec.network_mode == "awsvpc" and network_id and network_id.startswith("container:"):
        # awsvpc: the task's containers join its pause container's network namespace; its
        # ports are published on the pause container (``pause_args``)
        return _in_namespace(spec, c, owner, network_id, binds, tuple(named))
    links = [
        (names[link.partition(":")[0]], link.partition(":")[2] or link)
        for link in c.links
        if link.partition(":")[0] in names
    ]
    on_task_network = network_id is not None and network_mode is None
    host_config: dict[str, Any] = {
        "port_bindings": port_bindings or None,
        "cpu_shares": max(2, c.cpu),
        "mem_limit": f"{c.memory}m" if c.memory else None,
        "mem_reservation": f"{c.memory_reservation}m" if c.memory_reservation else None,
        "privileged": c.privileged,
        "binds": binds or None,
        "network_mode": network_mode or (network_id or "bridge"),
        "links": links if (links and network_id is None and network_mode is None) else None,
    }
    endpoint = {"aliases": [c.name], "links": links or None} if on_task_network else None
    create: dict[str, Any] = {
        "command": list(c.command) if c.command is not None else None,
        "entrypoint": list(c.entry_point) if c.entry_point is not None else None,
        "environment": environment(spec, c, owner.instance_id),
        "labels": container_labels(spec, c, owner),
        "ports": ports or None,
        "healthcheck": healthcheck(c),
        "stop_timeout": c.stop_timeout,
        "user": c.user,
        "working_dir": c.working_directory,
    }
    return CreateArgs(c.image, create, host_config, endpoint, tuple(named))


def _in_namespace(
    spec: TaskSpec,
    c: ContainerSpec,
    owner: Owner,
    network_mode: str,
    binds: dict[str, dict[str, str]],
    volumes: tuple[str, ...],
) -> CreateArgs:
    host_config: dict[str, Any] = {
        "cpu_shares": max(2, c.cpu),
        "mem_limit": f"{c.memory}m" if c.memory else None,
        "mem_reservation": f"{c.memory_reservation}m" if c.memory_reservation else None,
        "privileged": c.privileged,
        "binds": binds or None,
        "network_mode": network_mode,
    }
    create: dict[str, Any] = {
        "command": list(c.command) if c.command is not None else None,
        "entrypoint": list(c.entry_point) if c.entry_point is not None else None,
        "environment": environment(spec, c, owner.instance_id),
        "labels": container_labels(spec, c, owner),
        "healthcheck": healthcheck(c),
        "stop_timeout": c.stop_timeout,
        "user": c.user,
        "working_dir": c.working_directory,
    }
    return CreateArgs(c.image, create, host_config, None, volumes)


def pause_args(spec: TaskSpec, owner: Owner, image: str, network_id: str) -> CreateArgs:
    """The pause container of an awsvpc task: it holds the task's network namespace (its own
    address on the connection's VPC network, ``network_id``) and publishes every port of the
    task's containers on the instance address (dynamic host ports: tasks never clash), so the
    learner and the load balancers reach them as they reach bridge tasks."""
    ports = sorted({(p.container_port, p.protocol) for c in spec.containers for p in c.ports})
    lab = {
        labels.CLUSTER: spec.cluster,
        labels.INSTANCE: owner.instance_id,
        labels.NAMESPACE: owner.namespace,
        labels.CONNECTION: owner.connection,
        labels.ADDRESS: owner.address,
        PAUSE_LABEL: spec.task_arn,
    }
    host_config: dict[str, Any] = {
        "port_bindings": {f"{port}/{proto}": (owner.address, None) for port, proto in ports}
        or None,
        "network_mode": network_id,
        "cpu_shares": 2,
    }
    create: dict[str, Any] = {
        "entrypoint": list(PAUSE_COMMAND),
        "command": None,
        "labels": lab,
        "ports": ports or None,
        "hostname": spec.task_id[:12] or None,
    }
    return CreateArgs(image, create, host_config, None, ())


def healthcheck(container: ContainerSpec) -> dict[str, Any] | None:
    """A ``healthCheck`` (seconds) as Docker's ``Healthcheck`` (nanoseconds)."""
    hc = container.health_check
    if hc is None:
        return None
    return {
        "test": list(hc.command),
        "interval": int(hc.interval * 1e9),
        "timeout": int(hc.timeout * 1e9),
        "retries": hc.retries,
        "start_period": int(hc.start_period * 1e9),
    }


def inspect_address(info: Mapping[str, Any]) -> str | None:
    """A container's address on its (first) user network, from ``docker inspect``."""
    networks = (info.get("NetworkSettings") or {}).get("Networks") or {}
    for network in networks.values():
        if (network or {}).get("IPAddress"):
            return str(network["IPAddress"])
    return None


def inspect_bindings(info: Mapping[str, Any]) -> Bindings:
    """The published ports of ``docker inspect``: (containerPort, hostPort, protocol, hostIp)."""
    ports = (info.get("NetworkSettings") or {}).get("Ports") or {}
    out: list[tuple[int, int, str, str]] = []
    for key, published in sorted(ports.items()):
        if not published:
            continue
        port, _, protocol = str(key).partition("/")
        for binding in published:
            out.append(
                (
                    int(port),
                    int(binding["HostPort"]),
                    protocol or "tcp",
                    str(binding.get("HostIp") or ""),
                )
            )
    return tuple(out)
