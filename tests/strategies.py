"""Hypothesis strategies for ECS requests, shared by the fuzz tests.

Import them as ``from strategies import ...``: ``tests/`` holds the rootdir ``conftest.py`` and
no ``__init__.py``, so pytest's default (prepend) import mode puts it on ``sys.path``.

* ``task_definition_requests()``: ``RegisterTaskDefinition`` requests that real ECS accepts
  (camelCase, the shape of ``aws ecs register-task-definition --cli-input-json``).
* ``malformed_task_definition_requests()``: one of those, damaged at one random place (a key
  deleted, a value replaced by arbitrary JSON, an unknown key added), or a JSON-ish dict.
* ``json_values()`` / ``json_dicts()``: arbitrary JSON-like data for any operation.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from ecsedu.model.task_definition import FARGATE_MEMORY_BY_CPU

__all__ = [
    "json_dicts",
    "json_values",
    "malformed_task_definition_requests",
    "task_definition_requests",
]

NAME_ALPHABET = string.ascii_letters + string.digits + "-_"
IMAGE_ALPHABET = string.ascii_lowercase + string.digits + "-_:./"
REGISTER_KEYS = (
    "family",
    "containerDefinitions",
    "networkMode",
    "cpu",
    "memory",
    "requiresCompatibilities",
    "taskRoleArn",
    "executionRoleArn",
    "volumes",
    "placementConstraints",
    "ipcMode",
    "pidMode",
    "tags",
)
CONTAINER_KEYS = (
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "essential",
    "portMappings",
    "links",
    "dependsOn",
    "healthCheck",
    "logConfiguration",
    "environment",
    "command",
    "hostname",
)

names = st.text(NAME_ALPHABET, min_size=1, max_size=24)
images = st.sampled_from(["nginx:1.25", "busybox", "public.ecr.aws/docker/library/redis:7"]) | (
    st.text(IMAGE_ALPHABET, min_size=1, max_size=40)
)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Arbitrary JSON-like values (with the odd NaN and huge integer)."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=12)
        | st.sampled_from(["", "bridge", "awsvpc", "FARGATE", "CMD", "1 vCPU", "1GB", "awslogs"])
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.text(max_size=8) | st.sampled_from(CONTAINER_KEYS), inner, max_size=4
            )
        ),
        max_leaves=max_leaves,
    )


def json_dicts(keys: tuple[str, ...] = REGISTER_KEYS) -> st.SearchStrategy[dict[Any, Any]]:
    """JSON-ish dicts whose keys are mostly the operation's own."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), json_values(), max_size=6)


@st.composite
def _task_size(draw: st.DrawFn, fargate: bool) -> tuple[int | None, int | None, dict[str, str]]:
    """(cpu units, memory MiB, the request fields spelling them), maybe as "1 vCPU" / "2GB"."""
    if fargate:
        cpu = draw(st.sampled_from(sorted(FARGATE_MEMORY_BY_CPU)))
        memory = draw(st.sampled_from(sorted(FARGATE_MEMORY_BY_CPU[cpu])))
    else:
        cpu = draw(st.none() | st.integers(128, 8192))
        memory = draw(st.none() | st.integers(256, 16384))
    fields: dict[str, str] = {}
    if cpu is not None:
        vcpu = f"{cpu // 1024} vCPU" if cpu % 1024 == 0 else str(cpu)
        fields["cpu"] = draw(st.sampled_from([str(cpu), vcpu]))
    if memory is not None:
        gb = f"{memory // 1024}GB" if memory % 1024 == 0 else str(memory)
        fields["memory"] = draw(st.sampled_from([str(memory), gb]))
    return cpu, memory, fields


@st.composite
def _port_mapping(draw: st.DrawFn, mode: str) -> dict[str, Any]:
    container_port = draw(st.integers(1, 65535))
    mapping: dict[str, Any] = {"containerPort": container_port}
    if mode == "bridge":
        host = draw(st.none() | st.just(0) | st.integers(1, 65535))
    else:
        host = draw(st.none() | st.just(container_port))
    if host is not None:
        mapping["hostPort"] = host
    protocol = draw(st.none() | st.sampled_from(["tcp", "udp"]))
    if protocol is not None:
        mapping["protocol"] = protocol
    return mapping


@st.composite
def _container(
    draw: st.DrawFn,
    name: str,
    mode: str,
    cpu_share: int | None,
    memory_share: int | None,
    task_memory: int | None,
) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": draw(images)}
    if draw(st.booleans()):
        c["cpu"] = draw(st.integers(0, cpu_share if cpu_share is not None else 2048))
    if task_memory is None:
        memory = draw(st.integers(6, 2048))
        kind = draw(st.sampled_from(["memory", "reservation", "both"]))
    else:
        memory = draw(st.integers(1, max(1, memory_share or 1)))
        kind = draw(st.sampled_from(["none", "memory", "reservation", "both"]))
    if kind in ("memory", "both"):
        c["memory"] = memory
    if kind in ("reservation", "both"):
        c["memoryReservation"] = draw(st.integers(1, memory))
    if mode != "none" and draw(st.booleans()):
        c["portMappings"] = draw(st.lists(_port_mapping(mode), max_size=3))
    if draw(st.booleans()):
        c["healthCheck"] = {
            "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
            "interval": draw(st.integers(5, 300)),
            "timeout": draw(st.integers(2, 60)),
            "retries": draw(st.integers(1, 10)),
            "startPeriod": draw(st.integers(0, 300)),
        }
    if draw(st.booleans()):
        c["environment"] = [{"name": "MODE", "value": draw(st.text(max_size=10))}]
    if draw(st.booleans()):
        c["command"] = draw(st.lists(st.text(max_size=10), max_size=3))
    if draw(st.booleans()):
        c["logConfiguration"] = draw(
            st.sampled_from(
                [
                    {"logDriver": "json-file"},
                    {
                        "logDriver": "awslogs",
                        "options": {"awslogs-group": "/ecs/x", "awslogs-region": "us-east-1"},
                    },
                ]
            )
        )
    return c


@st.composite
def task_definition_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A ``RegisterTaskDefinition`` request that real ECS accepts."""
    mode = draw(st.sampled_from([None, "bridge", "host", "awsvpc", "none"]))
    effective = mode or "bridge"
    fargate = effective == "awsvpc" and draw(st.booleans())
    cpu, memory, size_fields = draw(_task_size(fargate))
    container_names = draw(st.lists(names, min_size=1, max_size=10, unique=True))
    n = len(container_names)
    cpu_share = cpu // n if cpu is not None else None
    memory_share = memory // n if memory is not None else None
    containers = [
        draw(_container(name, effective, cpu_share, memory_share, memory))
        for name in container_names
    ]
    for c in containers[1:]:
        choice = draw(st.sampled_from([None, True, False]))
        if choice is not None:
            c["essential"] = choice
    if draw(st.booleans()):
        containers[0]["essential"] = True
    # dependencies point at earlier containers only (no cycles), with conditions ECS accepts
    for index, c in enumerate(containers[1:], start=1):
        if not draw(st.booleans()):
            continue
        target = containers[draw(st.integers(0, index - 1))]
        allowed = ["START"]
        if "healthCheck" in target:
            allowed.append("HEALTHY")
        if target.get("essential") is False:
            allowed += ["SUCCESS", "COMPLETE"]
        c["dependsOn"] = [
            {"containerName": target["name"], "condition": draw(st.sampled_from(allowed))}
        ]
        if effective == "bridge" and draw(st.booleans()):
            c["links"] = [target["name"]]
    params: dict[str, Any] = {
        "family": draw(names),
        "containerDefinitions": containers,
        **size_fields,
    }
    if mode is not None:
        params["networkMode"] = mode
    if fargate:
        params["requiresCompatibilities"] = ["FARGATE"]
    elif draw(st.booleans()):
        params["requiresCompatibilities"] = ["EC2"]
    if draw(st.booleans()):
        params["executionRoleArn"] = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
    if draw(st.booleans()):
        params["tags"] = [{"key": "team", "value": "blue"}]
    if not fargate and draw(st.booleans()):  # Fargate takes no task placement constraints
        params["placementConstraints"] = [
            {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}
        ]
    return params


def _locations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (dict keys / list indexes) into a nested request."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _locations(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _locations(item, (*path, index))
    return found


def _container_of(request: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        request = request[step]
    return request


def _same_type(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(-10, 70000) | st.integers()
    if isinstance(value, str):
        return st.text(max_size=10) | st.sampled_from(
            ["", " ", "a b", "x" * 256, "CMD", "awsvpc", "host", "none", "FARGATE", "64", "9 TB"]
        )
    if isinstance(value, list):
        return st.just([]) | st.just(value * 11)
    return st.just({})


@st.composite
def _damaged(draw: st.DrawFn) -> dict[str, Any]:
    request = draw(task_definition_requests())
    path = draw(st.sampled_from(_locations(request)[1:]))
    parent = _container_of(request, path[:-1])
    action = draw(st.sampled_from(["delete", "replace", "add", "tweak", "tweak"]))
    if action == "tweak":  # same type, another value: gets past the shape check to ECS's rules
        parent[path[-1]] = draw(_same_type(parent[path[-1]]))
    elif action == "delete":
        del parent[path[-1]]
    elif action == "replace":
        parent[path[-1]] = draw(json_values())
    else:
        target = parent if isinstance(parent, dict) else request
        key = draw(st.sampled_from(CONTAINER_KEYS + REGISTER_KEYS) | st.text(max_size=8))
        target[key] = draw(json_values())
    return request


def malformed_task_definition_requests() -> st.SearchStrategy[dict[Any, Any]]:
    """Requests ECS (or boto3 before it) may reject: damaged valid ones, or JSON-ish dicts."""
    return _damaged() | _damaged() | json_dicts()
