"""Property tests: validation accepts what ECS accepts and fails only as boto3 or ECS would.

A request botocore's model rejects fails with botocore's ``ParamValidationError`` (boto3 raises
it before sending); anything else that fails, fails with a ``ClientError`` ECS models for the
operation.

Example counts come from the active hypothesis profile (``HYPOTHESIS_PROFILE`` in
tests/conftest.py); nothing here pins ``max_examples``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ecsedu import errors
from ecsedu.engine import validation
from ecsedu.model import task_definition as td
from ecsedu.model.task_definition import TaskDefinition

try:
    import strategies
except ModuleNotFoundError:  # pytest's importlib import mode leaves tests/ off sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import strategies

REGISTER = "RegisterTaskDefinition"
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def modelled_codes(operation: str) -> set[str]:
    model = errors.service_model().operation_model(operation)
    return {shape.name for shape in model.error_shapes}


def register(params: Mapping[str, Any]) -> TaskDefinition:
    validation.check_shape(REGISTER, params)
    validation.check_register_task_definition(params)
    return TaskDefinition.from_request(
        params,
        arn=f"arn:aws:ecs:us-east-1:123456789012:task-definition/x:{1}",
        revision=1,
        registered_at=0.0,
    )


def botocore_rejects(operation: str, params: Mapping[str, Any]) -> bool:
    shape = errors.service_model().operation_model(operation).input_shape
    return bool(ParamValidator().validate(params, shape).has_errors())


def assert_only_ecs_errors(
    operation: str, call: Callable[[], object], params: Mapping[str, Any]
) -> None:
    """``call()`` succeeds, or raises botocore's ParamValidationError for a request botocore's
    model rejects, or a ClientError ECS models for ``operation`` for one it accepts."""
    raised: ClientError | None = None
    try:
        call()
    except ParamValidationError as error:
        assert botocore_rejects(operation, params), error
        assert str(error).startswith("Parameter validation failed:\n")
        return
    except ClientError as error:  # anything else propagates and fails the test
        assert not botocore_rejects(operation, params), error
        raised = error
    if raised is not None:
        assert raised.response["Error"]["Code"] in modelled_codes(operation)
        assert raised.response["Error"]["Message"].strip()
        assert raised.operation_name == operation


@FUZZ
@given(strategies.task_definition_requests())
def test_valid_requests_register(params: dict[str, Any]) -> None:
    # ECS refuses task placement constraints in a Fargate definition (fargate-tasks-services:
    # "not valid in Fargate tasks"); tests/strategies.py still draws them together.
    assume(
        not (
            "FARGATE" in params.get("requiresCompatibilities", ())
            and params.get("placementConstraints")
        )
    )
    definition = register(params)
    doc = definition.document
    assert doc["family"] == params["family"]
    assert len(definition.containers) == len(params["containerDefinitions"])
    assert doc["networkMode"] == params.get("networkMode", "bridge")
    assert definition.reserved_cpu >= 0
    assert definition.reserved_memory > 0
    if "FARGATE" in params.get("requiresCompatibilities", ()):
        assert "FARGATE" in doc["compatibilities"]
    for container in doc["containerDefinitions"]:
        for mapping in container["portMappings"]:
            assert mapping["protocol"] in ("tcp", "udp")
            if definition.network_mode in ("awsvpc", "host"):
                assert mapping["hostPort"] == mapping["containerPort"]


@FUZZ
@given(strategies.malformed_task_definition_requests())
def test_malformed_requests_raise_only_ecs_errors(params: dict[Any, Any]) -> None:
    assert_only_ecs_errors(REGISTER, lambda: register(params), params)


OTHER_OPERATIONS: dict[str, tuple[Callable[[Mapping[str, Any]], None], tuple[str, ...]]] = {
    "RunTask": (
        validation.check_run_task,
        (
            "taskDefinition",
            "count",
            "startedBy",
            "group",
            "placementConstraints",
            "placementStrategy",
            "launchType",
            "capacityProviderStrategy",
            "cluster",
        ),
    ),
    "CreateService": (
        validation.check_create_service,
        (
            "serviceName",
            "taskDefinition",
            "desiredCount",
            "schedulingStrategy",
            "deploymentConfiguration",
            "placementStrategy",
            "placementConstraints",
            "launchType",
            "deploymentController",
        ),
    ),
    "UpdateService": (
        validation.check_update_service,
        ("service", "desiredCount", "deploymentConfiguration", "placementStrategy"),
    ),
    "ListTasks": (validation.check_list_tasks, ("family", "desiredStatus", "startedBy")),
}


@FUZZ
@given(st.data())
def test_other_operations_raise_only_ecs_errors(data: st.DataObject) -> None:
    operation = data.draw(st.sampled_from(sorted(OTHER_OPERATIONS)))
    check, keys = OTHER_OPERATIONS[operation]
    params = data.draw(strategies.json_dicts(keys))

    def call() -> None:
        validation.check_shape(operation, params)
        check(params)

    assert_only_ecs_errors(operation, call, params)


# -- Fargate's task sizes --------------------------------------------------------------------
def fargate_request(cpu: str, memory: str) -> dict[str, Any]:
    return {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": cpu,
        "memory": memory,
        "containerDefinitions": [{"name": "web", "image": "nginx:1.25"}],
    }


VALID_SIZES = [(cpu, memory) for cpu, sizes in td.FARGATE_MEMORY_BY_CPU.items() for memory in sizes]


@FUZZ
@given(st.sampled_from(VALID_SIZES), st.booleans())
def test_every_fargate_size_registers_and_is_fargate_compatible(
    size: tuple[int, int], as_units: bool
) -> None:
    cpu, memory = size
    cpu_text = str(cpu) if as_units else f"{cpu / 1024:g} vCPU"
    memory_text = str(memory) if as_units or memory % 1024 else f"{memory // 1024}GB"
    definition = register(fargate_request(cpu_text, memory_text))
    assert definition.document["compatibilities"] == ["EC2", "FARGATE"]
    assert (definition.document["cpu"], definition.document["memory"]) == (str(cpu), str(memory))


@FUZZ
@given(st.integers(128, 20000), st.integers(1, 130000))
def test_any_other_fargate_size_is_refused_with_ecs_text(cpu: int, memory: int) -> None:
    assume((cpu, memory) not in VALID_SIZES)
    params = fargate_request(str(cpu), str(memory))
    try:
        register(params)
    except ClientError as error:
        assert error.response["Error"] == {
            "Code": "ClientException",
            "Message": "Invalid 'cpu' setting for task.",
        }
    else:
        raise AssertionError(f"Fargate accepted cpu {cpu} with memory {memory}")


@FUZZ
@given(st.sampled_from(VALID_SIZES))
def test_a_valid_size_without_fargate_still_lists_fargate_when_awsvpc(
    size: tuple[int, int],
) -> None:
    params = fargate_request(str(size[0]), str(size[1]))
    del params["requiresCompatibilities"]
    assert "FARGATE" in register(params).document["compatibilities"]
    params["networkMode"] = "bridge"
    assert register(params).document["compatibilities"] == ["EXTERNAL", "EC2"]
