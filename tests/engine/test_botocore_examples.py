"""Replay botocore's own ECS examples (``examples-1.json``) through the engine.

For every applicable example the engine is put in the state the example assumes (a cluster,
instances, a task definition, a service ...), the same operation is called with the example's
input (names and ARNs adapted to the engine's), and the response must have the example output's
keys with the same value types, recursively. The engine may add keys that newer ECS responses
carry (``NEWER_KEYS``), nothing else.

Not applicable (and why) is listed in ``NOT_APPLICABLE``.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

import botocore
import botocore.session
import pytest

import ecsedu

EXAMPLES_PATH = os.path.join(
    os.path.dirname(botocore.__file__), "data", "ecs", "2014-11-13", "examples-1.json"
)
with open(EXAMPLES_PATH) as _file:
    EXAMPLES: dict[str, list[dict[str, Any]]] = json.load(_file)["examples"]

NOT_APPLICABLE: dict[str, str] = {}
#: Example ids whose input the engine does not model as ECS did then.
NOT_APPLICABLE_IDS = {
    "to-create-a-new-service-behind-a-load-balancer-1472512484823": (
        "Classic Load Balancers and IAM service roles are not modelled (no load balancer "
        "exists to register targets in)"
    ),
}

#: botocore's current model of ECS: what newer responses may carry beyond the 2016-era examples.
MODEL = botocore.session.get_session().get_service_model("ecs")


def same_shape(expected: Any, actual: Any, shape: Any, path: str) -> list[str]:
    """Differences in keys / value types between an example output and ours.

    ``shape`` is the botocore shape of the value: keys we return beyond the example's must be
    members of it (newer ECS responses have them), and timestamps may be datetimes.
    """
    problems: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        members = shape.members if shape is not None and shape.type_name == "structure" else {}
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
                continue
            problems += same_shape(value, actual[key], members.get(key), f"{path}.{key}")
        extra = set(actual) - set(expected) - set(members)
        if extra:
            problems.append(f"{path}: unexpected keys {sorted(extra)}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {type(actual).__name__}"]
        member = shape.member if shape is not None and shape.type_name == "list" else None
        if expected:  # element i against the example's element i (or its first)
            for i, item in enumerate(actual):
                model = expected[i] if i < len(expected) else expected[0]
                problems += same_shape(model, item, member, f"{path}[{i}]")
        return problems
    if shape is not None and shape.type_name == "timestamp":
        ok = isinstance(actual, (datetime.datetime, int, float))
    elif isinstance(expected, bool) or isinstance(actual, bool):
        ok = isinstance(expected, bool) and isinstance(actual, bool)
    elif isinstance(expected, (int, float)):
        ok = isinstance(actual, (int, float))
    else:
        ok = isinstance(actual, type(expected))
    return (
        [] if ok else [f"{path}: expected {type(expected).__name__}, got {type(actual).__name__}"]
    )


def _cases() -> list[Any]:
    out = []
    for op, items in sorted(EXAMPLES.items()):
        for example in items:
            marks = []
            reason = NOT_APPLICABLE.get(op) or NOT_APPLICABLE_IDS.get(example.get("id", ""))
            if reason:
                marks.append(pytest.mark.skip(reason=f"not applicable: {reason}"))
            out.append(pytest.param(op, example, id=f"{op}-{example.get('id')}", marks=marks))
    return out


# -- state each example assumes ---------------------------------------------------------------
SLEEP = {
    "name": "sleep",
    "image": "busybox",
    "cpu": 10,
    "memory": 10,
    "essential": True,
    "command": ["sleep", "360"],
}
WEB = {
    "name": "simple-app",
    "image": "httpd:2.4",
    "cpu": 10,
    "memory": 300,
    "essential": True,
    "portMappings": [{"containerPort": 80, "hostPort": 80}],
}
#: hello_world as in the DescribeTaskDefinition example (revision 8).
HELLO_WORLD = [
    {
        "name": "wordpress",
        "cpu": 10,
        "essential": True,
        "image": "wordpress",
        "links": ["mysql"],
        "memory": 500,
        "portMappings": [{"containerPort": 80, "hostPort": 80}],
    },
    {
        "name": "mysql",
        "cpu": 10,
        "essential": True,
        "image": "mysql",
        "memory": 500,
        "environment": [{"name": "MYSQL_ROOT_PASSWORD", "value": "password"}],
    },
]


def world(op: str) -> tuple[Any, dict[str, str]]:
    """A default cluster with an instance, task definitions and a service the examples name."""
    ecs = ecsedu.connect(seed=3)
    ecs.create_cluster()
    ecs.create_cluster(clusterName="dev")
    (instance,) = ecs.add_instances("default", count=1, cpu=2048, memory=3768)
    for _ in range(8):
        ecs.register_task_definition(family="hello_world", containerDefinitions=HELLO_WORLD)
    ecs.register_task_definition(family="sleep360", containerDefinitions=[SLEEP])
    ecs.register_task_definition(family="amazon-ecs-sample", containerDefinitions=[WEB])
    ecs.register_task_definition(family="wordpress", containerDefinitions=[WEB])
    ecs.register_task_definition(family="hpcc", containerDefinitions=[SLEEP])
    if op != "CreateService":
        ecs.create_service(
            serviceName="ecs-simple-service", taskDefinition="hello_world", desiredCount=1
        )
    ecs.create_service(serviceName="my-http-service", taskDefinition="hello_world", desiredCount=0)
    ecs.run_task(taskDefinition="sleep360:1")
    ecs.advance(60)
    service_tasks = ecs.list_tasks(serviceName="ecs-simple-service")["taskArns"]
    refs = {
        "instance": instance,
        "instance_id": instance.rsplit("/", 1)[1],
        "task_id": service_tasks[0].rsplit("/", 1)[1] if service_tasks else "",
        "cluster_dev": ecs.describe_clusters(clusters=["dev"])["clusters"][0]["clusterArn"],
    }
    return ecs, refs


def adapt(op: str, params: dict[str, Any], refs: dict[str, str]) -> dict[str, Any]:
    """The example's input with ids/ARNs replaced by the engine's."""
    params = json.loads(json.dumps(params))
    if "containerInstance" in params:
        params["containerInstance"] = refs["instance_id"]
    if "containerInstances" in params:
        params["containerInstances"] = [refs["instance_id"]]
    if op == "DescribeTasks":
        params["tasks"] = [refs["task_id"]]
    if "resourceArn" in params:
        params["resourceArn"] = refs["cluster_dev"]
    if op == "DeleteCluster":
        params["cluster"] = "my_cluster"
    if "principalArn" in params:  # the examples' placeholder for the account id
        params["principalArn"] = params["principalArn"].replace("<aws_account_id>", "123456789012")
    if op == "DeleteService":
        pass  # my-http-service has desiredCount 0
    return params


@pytest.mark.parametrize(("op", "example"), _cases())
def test_example_output_has_the_same_shape(op: str, example: dict[str, Any]) -> None:
    ecs, refs = world(op)
    if op == "DeleteCluster":
        ecs.create_cluster(clusterName="my_cluster")
    if op == "DeregisterContainerInstance":
        pass  # force=true: the instance's task is orphaned, as in the example
    method = getattr(ecs, botocore.xform_name(op))
    response = method(**adapt(op, example.get("input", {}), refs))
    expected = example.get("output", {})
    output_shape = MODEL.operation_model(op).output_shape
    problems = same_shape(expected, response, output_shape, op)
    assert problems == [], "\n".join(problems)


def test_every_example_operation_is_replayed_or_listed_as_not_applicable() -> None:
    engine = ecsedu.connect()
    for op in EXAMPLES:
        assert op in NOT_APPLICABLE or hasattr(engine, botocore.xform_name(op)), op


def test_shape_check_catches_a_missing_key_and_a_wrong_type() -> None:
    """The comparator itself can fail (a shape test that cannot fail would prove nothing)."""
    shape = MODEL.operation_model("UpdateService").output_shape
    expected = {"service": {"desiredCount": 1, "events": [{"message": "m"}]}}
    assert same_shape(expected, {"service": {"events": []}}, shape, "x") == [
        "x.service.desiredCount: missing"
    ]
    assert same_shape(expected, {"service": {"desiredCount": "1", "events": []}}, shape, "x") == [
        "x.service.desiredCount: expected int, got str"
    ]
    assert same_shape(
        expected, {"service": {"desiredCount": 1, "events": [], "bogus": 1}}, shape, "x"
    ) == ["x.service: unexpected keys ['bogus']"]
    ok = {"service": {"desiredCount": 1, "events": [], "launchType": "EC2"}}
    assert same_shape(expected, ok, shape, "x") == []
