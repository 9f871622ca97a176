"""Hypothesis over the whole API: random and malformed keyword arguments for every operation.

Requests are drawn from botocore's own input shapes (so most are well-formed, with names and
ARNs that exist or not), then often damaged (a required key dropped, a value replaced by
arbitrary JSON, an unknown key added). Whatever comes in:

* the call returns; or, for a request botocore's model rejects, raises botocore's
  ``ParamValidationError`` (what boto3 raises before sending); or, for one it accepts, raises a
  botocore ``ClientError`` whose code ECS models for that operation and whose message is not
  empty -- never another exception;
* a failed call leaves ``ecs.snapshot()``, every describe output and the event log as they were;
* after a call that succeeded, time can pass (agents and schedulers act) without an error.

Example counts come from the hypothesis profile (``HYPOTHESIS_PROFILE`` in tests/conftest.py;
"ci" runs 2,000); nothing here pins ``max_examples``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import botocore
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecsedu
from ecsedu import errors

try:
    import strategies
except ModuleNotFoundError:  # pytest's importlib import mode leaves tests/ off sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import strategies

MODEL = errors.service_model()
C = "default"
ARN = "arn:aws:ecs:us-east-1:123456789012:"
OPERATIONS = sorted(
    op for op in MODEL.operation_names if hasattr(ecsedu.connect(), botocore.xform_name(op))
)
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class World:
    """A small cluster with something of everything, built the same way for every example."""

    def __init__(self) -> None:
        ecs = ecsedu.connect(seed=11)
        ecs.create_cluster(clusterName=C)
        ecs.create_cluster(clusterName="other")
        self.instances = ecs.add_instances(C, count=2, cpu=2048, memory=4096)
        ecs.register_task_definition(
            family="web",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": "busybox",
                    "memory": 128,
                    "portMappings": [{"containerPort": 80, "hostPort": 8080}],
                },
                {"name": "side", "image": "busybox", "memory": 32, "essential": False},
            ],
        )
        ecs.register_task_definition(
            family="web", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 64}]
        )
        ecs.register_task_definition(
            family="vpc",
            networkMode="awsvpc",
            containerDefinitions=[{"name": "app", "image": "busybox", "memory": 64}],
        )
        ecs.deregister_task_definition(taskDefinition="web:1")
        ecs.create_service(cluster=C, serviceName="s", taskDefinition="web:2", desiredCount=2)
        self.tasks = [
            t["taskArn"] for t in ecs.run_task(cluster=C, taskDefinition="web:2", count=2)["tasks"]
        ]
        ecs.advance(30)
        self.ecs = ecs

    def observe(self) -> tuple[Any, ...]:
        """Everything a learner can see."""
        ecs = self.ecs
        tasks = ecs.list_tasks(cluster=C)["taskArns"] + self.tasks
        return (
            ecs.snapshot(),
            len(ecs.events()),
            ecs.describe_clusters(clusters=[C, "other", "ghost"]),
            ecs.describe_container_instances(cluster=C, containerInstances=self.instances),
            [
                ecs.describe_tasks(cluster=C, tasks=tasks[i : i + 100], include=["TAGS"])
                for i in range(0, len(tasks), 100)
            ],
            ecs.describe_services(cluster=C, services=["s", "ghost"], include=["TAGS"]),
            [_task_definition(ecs, r) for r in ("web:1", "web:2", "vpc")],
            ecs.list_tags_for_resource(resourceArn=f"{ARN}cluster/{C}"),
        )


def _task_definition(ecs: Any, ref: str) -> Any:
    """A revision as described, or the error once it is gone (DeleteTaskDefinitions)."""
    try:
        return ecs.describe_task_definition(taskDefinition=ref)
    except ClientError as error:
        return error.response["Error"]


# -- requests from botocore's shapes -----------------------------------------------------------
WORLD_NAMES = [
    C,
    "default",
    "ghost",
    "s",
    "web",
    "web:1",
    "web:2",
    "web:9",
    "vpc",
    "",
    f"{ARN}cluster/{C}",
    f"{ARN}service/{C}/s",
    f"{ARN}task-definition/web:2",
    f"{ARN}task/{C}/{'0' * 32}",
    f"{ARN}container-instance/{C}/{'f' * 32}",
    "ACTIVE",
    "DRAINING",
    "INACTIVE",
    "RUNNING",
    "STOPPED",
    "REPLICA",
    "DAEMON",
    "EC2",
    "FARGATE",
    "bridge",
    "awsvpc",
    "memberOf",
    "distinctInstance",
    "spread",
    "binpack",
    "random",
    "attribute:ecs.availability-zone",
    "instanceId",
    "memory",
    "cpu",
    "attribute:ecs.availability-zone == us-east-1a",
    "agentConnected == true",
    "((",
]


def names(world_refs: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(WORLD_NAMES + world_refs) | st.text(max_size=20)


#: Plausible values for members with these names: most draws hit the world, some miss it.
def plausible(refs: list[str]) -> dict[str, st.SearchStrategy[Any]]:
    instances = st.sampled_from(refs[:2] + refs[4:6])
    tasks = st.sampled_from(refs[2:4] + refs[6:8])
    tds = st.sampled_from(["web", "web:1", "web:2", "vpc", f"{ARN}task-definition/web:2"])
    return {
        "cluster": st.sampled_from([C, C, f"{ARN}cluster/{C}", "other"]),
        "clusters": st.lists(st.sampled_from([C, "other", "ghost"]), max_size=3),
        "service": st.sampled_from(["s", f"{ARN}service/{C}/s", "ghost"]),
        "services": st.lists(st.sampled_from(["s", "ghost"]), min_size=1, max_size=2),
        "serviceName": st.sampled_from(["s", "s2", "new-service"]),
        "taskDefinition": tds,
        "task": tasks,
        "tasks": st.lists(tasks, min_size=1, max_size=3),
        "containerInstance": instances,
        "containerInstances": st.lists(instances, min_size=1, max_size=2),
        "resourceArn": st.sampled_from(
            [
                f"{ARN}cluster/{C}",
                f"{ARN}service/{C}/s",
                refs[0],
                refs[2],
                f"{ARN}task-definition/web:2",
            ]
        ),
        "family": st.sampled_from(["web", "vpc", "new"]),
        "familyPrefix": st.sampled_from(["web", "w", "vpc"]),
        "desiredCount": st.integers(-1, 6),
        "count": st.integers(-1, 12),
        "tags": st.lists(
            st.fixed_dictionaries(
                {"key": st.sampled_from(["team", "env"]), "value": st.sampled_from(["a", "b"])}
            ),
            max_size=2,
        ),
        "status": st.sampled_from(["ACTIVE", "DRAINING", "INACTIVE"]),
        "nextToken": st.sampled_from(["MQ==", "Mg==", "x"]),
        "maxResults": st.integers(0, 101),
    }


@st.composite
def from_shape(draw: st.DrawFn, shape: Any, refs: list[str], depth: int = 0, name: str = "") -> Any:
    known = plausible(refs)
    if name in known and draw(st.integers(0, 4)) > 0:
        return draw(known[name])
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for member_name, member in shape.members.items():
            required = member_name in shape.required_members
            if depth > 3 and not required:
                continue
            if required or draw(st.integers(0, 3)) == 0:
                out[member_name] = draw(from_shape(member, refs, depth + 1, member_name))
        return out
    if kind == "list":
        return draw(
            st.lists(from_shape(shape.member, refs, depth + 1), max_size=3 if depth < 3 else 1)
        )
    if kind == "map":
        return draw(
            st.dictionaries(
                st.text(max_size=8), from_shape(shape.value, refs, depth + 1), max_size=2
            )
        )
    if kind == "string":
        if shape.enum:
            return draw(st.sampled_from(shape.enum) | st.text(max_size=8))
        return draw(names(refs))
    if kind in ("integer", "long"):
        return draw(st.sampled_from([0, 1, 2, 3, 10, 11, 100, 101, -1]) | st.integers())
    if kind == "boolean":
        return draw(st.booleans())
    if kind in ("double", "float"):
        return draw(st.floats(allow_nan=False))
    if kind == "timestamp":
        return draw(st.datetimes())
    return draw(strategies.json_values(4))


@st.composite
def damaged(draw: st.DrawFn, request: dict[str, Any]) -> dict[str, Any]:
    """The request with one thing broken, or as it was."""
    how = draw(st.sampled_from(["none"] * 4 + ["drop", "replace", "unknown", "nested"]))
    out = dict(request)
    if how == "drop" and out:
        out.pop(draw(st.sampled_from(sorted(out))))
    elif how == "replace" and out:
        out[draw(st.sampled_from(sorted(out)))] = draw(strategies.json_values(6))
    elif how == "unknown":
        out[draw(st.text(min_size=1, max_size=10))] = draw(strategies.json_values(3))
    elif how == "nested" and out:
        key = draw(st.sampled_from(sorted(out)))
        value = out[key]
        if isinstance(value, list) and value and isinstance(value[0], dict) and value[0]:
            inner = dict(value[0])
            inner[draw(st.sampled_from(sorted(inner)))] = draw(strategies.json_values(4))
            out[key] = [inner, *value[1:]]
        elif isinstance(value, dict) and value:
            inner = dict(value)
            inner[draw(st.sampled_from(sorted(inner)))] = draw(strategies.json_values(4))
            out[key] = inner
    return out


@st.composite
def calls(draw: st.DrawFn, refs: list[str]) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(OPERATIONS))
    shape = MODEL.operation_model(operation).input_shape
    if operation == "RegisterTaskDefinition" and draw(st.booleans()):
        request = draw(strategies.task_definition_requests())
    else:
        request = draw(from_shape(shape, refs)) if shape is not None else {}
    return operation, draw(damaged(request))


def modelled_codes(operation: str) -> set[str]:
    return {s.name for s in MODEL.operation_model(operation).error_shapes}


# Instance and task ARNs depend only on the seed, so one world tells them for all.
_REFERENCE = World()
REFS = [
    *_REFERENCE.instances,
    *_REFERENCE.tasks,
    *(a.rsplit("/", 1)[1] for a in [*_REFERENCE.instances, *_REFERENCE.tasks]),
]


@FUZZ
@given(call=calls(REFS))
def test_any_request_succeeds_or_fails_cleanly(call: tuple[str, dict[str, Any]]) -> None:
    operation, params = call
    world = World()
    method = getattr(world.ecs, botocore.xform_name(operation))
    before = world.observe()
    shape = MODEL.operation_model(operation).input_shape
    malformed = shape is not None and ParamValidator().validate(params, shape).has_errors()
    try:
        method(**params)
    except ParamValidationError as error:  # boto3's client-side check
        assert malformed, (operation, error)
        assert str(error).startswith("Parameter validation failed:\n")
        assert world.observe() == before, f"{operation} failed but changed the state"
        return
    except ClientError as error:  # anything else propagates and fails the test
        assert not malformed, (operation, params, error)
        code = error.response["Error"]["Code"]
        assert code in modelled_codes(operation), (code, error)
        assert error.response["Error"]["Message"].strip()
        assert error.operation_name == operation
        assert world.observe() == before, f"{operation} failed but changed the state"
        return
    assert not malformed, f"{operation} accepted what botocore's model rejects: {params}"
    world.ecs.advance(120)  # whatever was accepted, the engine can live with it
    world.observe()


def test_every_operation_of_the_issue_is_fuzzed() -> None:
    wanted = {
        "CreateCluster",
        "DeleteCluster",
        "DescribeClusters",
        "ListClusters",
        "RegisterContainerInstance",
        "DeregisterContainerInstance",
        "DescribeContainerInstances",
        "ListContainerInstances",
        "UpdateContainerInstancesState",
        "RegisterTaskDefinition",
        "DeregisterTaskDefinition",
        "DescribeTaskDefinition",
        "ListTaskDefinitions",
        "ListTaskDefinitionFamilies",
        "RunTask",
        "StartTask",
        "StopTask",
        "DescribeTasks",
        "ListTasks",
        "CreateService",
        "UpdateService",
        "DeleteService",
        "DescribeServices",
        "ListServices",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    }
    assert wanted <= set(OPERATIONS)


def test_the_world_is_reproducible() -> None:
    """The fuzz test compares against a fresh world each time: it must be the same world."""
    assert World().observe() == World().observe()
