"""Property tests: validation accepts what ECS accepts and never fails with anything but ECS errors.

Example counts come from the active hypothesis profile (``HYPOTHESIS_PROFILE`` in
tests/conftest.py); nothing here pins ``max_examples``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsedu import errors
from ecsedu.engine import validation
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


def assert_only_ecs_errors(operation: str, call: Callable[[], object]) -> None:
    """``call()`` either succeeds or raises a ClientError ECS models for ``operation``."""
    raised: ClientError | None = None
    try:
        call()
    except ClientError as error:  # anything else propagates and fails the test
        raised = error
    if raised is not None:
        assert raised.response["Error"]["Code"] in modelled_codes(operation)
        assert raised.response["Error"]["Message"].strip()
        assert raised.operation_name == operation


@FUZZ
@given(strategies.task_definition_requests())
def test_valid_requests_register(params: dict[str, Any]) -> None:
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
    assert_only_ecs_errors(REGISTER, lambda: register(params))


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

    assert_only_ecs_errors(operation, call)
