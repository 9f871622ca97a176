"""Request validation: the check boto3 makes on the client, then the rules ECS applies.

1. **Shape** (``check_shape``): botocore's own ECS service model checked with
   ``botocore.validate.ParamValidator``: required members, unknown keys, Python types, ``min``.
   boto3 runs this check on the client before sending anything, so a request that fails it
   never reaches ECS: the error is botocore's ``ParamValidationError`` ("Parameter validation
   failed:" and one line per problem), exactly what boto3 raises, not an ECS error code.
2. **Semantics** (``check_register_task_definition``, ``check_run_task``,
   ``check_create_service``, ``check_update_service``, ``check_list_tasks``): what the ECS
   service itself rejects: enums (boto3 does not check them), name patterns, ranges, the
   task-definition rules of ``ecs-semantics.md`` 1.4/1.5 and Fargate's rules, raised as
   ``ClientError`` subclasses with ECS's codes and messages (``ecsedu.errors.ecs_error``).

Every message is either ECS's own, with its source next to the constant (ecs-semantics.md
1.4/1.5, or a public thread quoting real ECS output), or ecsedu's wording for a rule whose real
text is unknown, marked ``# our wording`` on its line. docs/error-texts.md lists both kinds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import ParamValidator

from ecsedu import errors
from ecsedu.model import service as service_mod
from ecsedu.model import task_definition as td

__all__ = [
    "check_create_service",
    "check_enums",
    "check_list_tasks",
    "check_register_task_definition",
    "check_run_task",
    "check_shape",
    "check_update_service",
]

CLIENT = "ClientException"
INVALID = "InvalidParameterException"

NAME_RE = re.compile(r"^[a-zA-Z0-9\-_]+$")
# Image: "letters, numbers, hyphens, underscores, colons, periods, forward slashes, and number
# signs" (ContainerDefinition.image docs) plus '@' for digests.
IMAGE_RE = re.compile(r"^[a-zA-Z0-9\-_:./#@]+$")
STARTED_BY_RE = re.compile(r"^[a-zA-Z0-9\-/_]{1,128}$")
MAX_NAME = 255
MAX_CONTAINERS = 10
MAX_TASKS_PER_RUN = 10
MAX_PLACEMENT_CONSTRAINTS = 10
MAX_PLACEMENT_STRATEGIES = 5
TASK_CPU_RANGE = (128, 196608)

# -- messages: ECS's own (ecs-semantics.md 1.4 / 1.5 unless a source is given) ---------------
FAMILY_BLANK = "Family can not be blank."
FAMILY_INVALID = "Family contains invalid characters."
CONTAINERS_EMPTY = "Container list cannot be empty."
CONTAINERS_TOO_MANY = "Too many containers."
NAME_EMPTY = "Container.name should not be null or empty."
NAME_INVALID = "Container.name contains invalid characters."
IMAGE_EMPTY = "Container.image should not be null or empty."
IMAGE_INVALID = "Container.image contains invalid characters"
NAMES_NOT_UNIQUE = "Container names must be unique within a Task Definition."
NO_ESSENTIAL = "Task definition doesn't have any essential container."
MEMORY_REQUIRED = (
    "Invalid setting for container '{name}'. "
    "At least one of 'memory' or 'memoryReservation' must be specified."
)
CONTAINER_MEMORY_OVER_TASK = (
    "The 'memory' setting for container '{name}' is greater than for the task."
)
RESERVATIONS_OVER_TASK = (
    "The sum of all container 'memoryReservation' values cannot be greater than the value of "
    "the task 'memory'."
)
CPU_OVER_TASK = (
    "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."
)
FARGATE_CPU_REQUIRED = "Fargate requires that 'cpu' be defined at the task level."
FARGATE_MEMORY_REQUIRED = "Fargate requires that 'memory' be defined at the task level."
TASK_CPU_INVALID = "Invalid 'cpu' setting for task."
AWSVPC_PORTS_MISMATCH = (
    "When networkMode=awsvpc, the host ports and container ports in port mappings must match."
)
CONTAINER_PORT_INVALID = "Invalid 'containerPort' setting for container '{name}'."
ESSENTIAL_DEPENDENCY = (
    "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container"
)
AWSLOGS_OPTIONS = "Log driver awslogs requires options: awslogs-region, awslogs-group"
FARGATE_IPC = "Tasks using the Fargate launch type do not support ipcMode."
FAMILY_FILTER = r"family must match ^[a-zA-Z0-9\-_]+$"
COUNT_OVER_10 = "Task count can not be greater than 10"
DAEMON_DESIRED_COUNT = (
    "The daemon scheduling strategy does not support a desired count for services. "
    "Remove the desired count value and try again"
)
# Observed in public output, not in the reference:
# https://github.com/aws/amazon-ecs-cli/issues/1145 (typographic quotes are ECS's)
FARGATE_AWSVPC_ONLY = "Fargate only supports network mode \u2018awsvpc\u2019."
# https://github.com/aws-observability/aws-otel-collector/issues/1359
LINKS_NOT_SUPPORTED = "Links are not supported when networkMode={mode}."  # awsvpc observed
# https://github.com/labd/ecs-deplojo/issues/26
HOSTNAME_AWSVPC = "hostname is not supported on container when networkMode=awsvpc."
# https://github.com/aws/aws-cdk/issues/29619 (ClientException, RegisterTaskDefinition)
FARGATE_PID_HOST = (
    "Tasks using the Fargate launch type do not support pidMode 'host'. "
    "The supported value for pidMode is 'task'."
)
# https://github.com/cloudposse/terraform-aws-ecs-alb-service-task/issues/174 (ClientException)
FARGATE_SOURCE_PATH = "Fargate compatible task definitions do not support sourcePath"
# https://github.com/aws/amazon-ecs-cli/issues/667: "ClientException:  is not a valid value for
# pidMode. The value must be one of [task,host]" (RegisterTaskDefinition; the same form is used
# here for every enum of RegisterTaskDefinition, the field named by its last path segment)
ENUM_NOT_VALID = "{value} is not a valid value for {field}. The value must be one of [{allowed}]"
# https://github.com/aws-samples/aws-cdk-examples/issues/628 (ClientException)
TASK_CONSTRAINT_TYPE = "constraint.type '{value}' is not supported."
# https://github.com/hashicorp/terraform/issues/11471 (InvalidParameterException)
DISTINCT_NO_EXPRESSION = "distinctInstance expression should not be specified."
# https://github.com/pulumi/pulumi-awsx/issues/599 ; https://github.com/terraform-linters/
# tflint-ruleset-aws/issues/349 (InvalidParameterException)
LAUNCH_TYPE_AND_PROVIDERS = (
    "Specifying both a launch type and capacity provider strategy is not supported. "
    "Remove one and try again."
)
# https://github.com/aws/amazon-ecs-cli/issues/1040 ; .../issues/1047 (InvalidParameterException)
PLATFORM_VERSION_EC2 = "The platform version must be null when specifying an EC2 launch type."
# https://github.com/kayac/ecspresso/pull/402 ; https://github.com/reproio/ecs_deploy/pull/93
DAEMON_STRATEGY = (
    "The daemon scheduling strategy does not support placement strategies. "
    "Remove the placement strategy and try again"
)
# https://github.com/hashicorp/terraform-provider-aws/pull/4825 ;
# https://github.com/aws/aws-cdk/issues/2209 (InvalidParameterException)
DAEMON_MAX_PERCENT = (
    "The daemon scheduling strategy does not support values above 100 for maximumPercent on a "
    "deployment configuration. Change the maximumPercent value to 100, and try again"
)
# https://github.com/aws/containers-roadmap/issues/692 (InvalidParameterException, CreateService)
DAEMON_PROVIDERS = (
    "Specifying a capacity provider strategy is not supported when you create a service using "
    "the DAEMON scheduling strategy."
)

# -- messages: our wording (ECS's exact text unknown) ----------------------------------------
ENUM_INVALID = (  # our wording
    "1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
    "Member must satisfy enum value set: [{allowed}]"
)
FAMILY_TOO_LONG = "Family can not be longer than 255 characters."  # our wording
NAME_TOO_LONG = "Container.name can not be longer than 255 characters."  # our wording
IMAGE_TOO_LONG = "Container.image can not be longer than 255 characters."  # our wording
CONTAINER_CPU_INVALID = "Invalid 'cpu' setting for container '{name}'."  # our wording
CONTAINER_MEMORY_INVALID = "Invalid 'memory' setting for container '{name}'."  # our wording
CONTAINER_RESERVATION_INVALID = (  # our wording
    "Invalid 'memoryReservation' setting for container '{name}'."
)
RESERVATION_OVER_MEMORY = (  # our wording
    "Invalid setting for container '{name}'. "
    "'memoryReservation' must be less than or equal to 'memory'."
)
TASK_MEMORY_INVALID = "Invalid 'memory' setting for task."  # our wording
HOST_PORT_INVALID = "Invalid 'hostPort' setting for container '{name}'."  # our wording
HOST_PORTS_MISMATCH = (  # our wording, by analogy with the awsvpc text
    "When networkMode=host, the host ports and container ports in port mappings must match."
)
NONE_WITH_PORTS = (  # our wording
    "Port mappings are not supported when networkMode=none. "
    "Remove the port mappings of container '{name}'."
)
DEPENDENCY_UNKNOWN = (  # our wording
    "Container '{name}' depends on container '{target}', which is not in the task definition."
)
DEPENDENCY_SELF = "Container '{name}' can not depend on itself."  # our wording
HEALTHY_NEEDS_CHECK = (  # our wording
    "Container '{name}' depends on container '{target}' being HEALTHY, "
    "but '{target}' has no healthCheck."
)
HEALTH_COMMAND = (  # our wording
    "Invalid 'healthCheck' setting for container '{name}'. "
    "The command must start with CMD or CMD-SHELL."
)
HEALTH_RANGE = (  # our wording
    "Invalid 'healthCheck' setting for container '{name}'. "
    "'{field}' must be between {low} and {high}."
)
MEMBER_OF_EXPRESSION = "A memberOf placement constraint requires an expression."  # our wording
# Fargate's unsupported parameters (fargate-tasks-services.html lists them, not the texts):
# our wording, modelled on the verified sourcePath text above.
FARGATE_UNSUPPORTED = "Fargate compatible task definitions do not support {param}"  # our wording
FARGATE_CAPABILITY = (  # our wording
    "Fargate compatible task definitions support only the CAP_SYS_PTRACE capability to add, "
    "not {capability}"
)
RUN_COUNT_UNDER_1 = "Task count must be greater than 0"  # our wording
STARTED_BY_INVALID = r"startedBy must match ^[a-zA-Z0-9\-/_]{1,128}$"  # our wording
GROUP_TOO_LONG = "group can not be longer than 255 characters."  # our wording
TOO_MANY_CONSTRAINTS = "Too many placement constraints. The maximum is 10."  # our wording
TOO_MANY_STRATEGIES = "Too many placement strategies. The maximum is 5."  # our wording
SPREAD_FIELD = "A spread placement strategy requires a field."  # our wording
BINPACK_FIELD = "A binpack placement strategy field must be cpu or memory."  # our wording
SERVICE_NAME_INVALID = r"serviceName must match ^[a-zA-Z0-9\-_]{1,255}$"  # our wording
DESIRED_COUNT_REQUIRED = (  # our wording
    "desiredCount is required when schedulingStrategy is REPLICA."
)
DESIRED_COUNT_NEGATIVE = "desiredCount can not be negative."  # our wording
TASK_DEFINITION_REQUIRED = (  # our wording
    "TaskDefinition is required when the deployment controller is ECS."
)
DAEMON_FARGATE = (  # our wording
    "The daemon scheduling strategy is not supported with the FARGATE launch type."
)
MIN_HEALTHY_RANGE = "minimumHealthyPercent must be between 0 and 100."  # our wording
MAX_PERCENT_LOW = (  # our wording
    "maximumPercent must be greater than or equal to 100 and to minimumHealthyPercent."
)

HEALTH_RANGES = {
    "interval": (5, 300),
    "timeout": (2, 60),
    "retries": (1, 10),
    "startPeriod": (0, 300),
}


# =============================================================================== shape layer
@functools.cache
def _input_shape(operation: str) -> Any:
    return errors.service_model().operation_model(operation).input_shape


def check_shape(operation: str, params: Mapping[str, Any]) -> None:
    """Validate ``params`` against botocore's model of ECS ``operation`` (e.g. "RunTask").

    This is the check boto3 runs on the client before it sends anything, so a request that
    fails it never reaches ECS: the error is botocore's own, not an ECS error code.

    Raises:
        botocore.exceptions.ParamValidationError: "Parameter validation failed:" and
            botocore's report, one line per problem.
    """
    shape = _input_shape(operation)
    try:
        report = ParamValidator().validate(params, shape)
        text = report.generate_report() if report.has_errors() else ""
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:  # never leak these
        text = f"Invalid type for parameter input, value: {type(params)!r} ({exc})"
    if text:
        raise ParamValidationError(report=text)


# =============================================================================== enum layer
def _enum_violations(shape: Any, value: Any, path: str) -> Iterator[tuple[str, Any, list[str]]]:
    type_name = shape.type_name
    if type_name == "structure" and isinstance(value, Mapping):
        for key, member in shape.members.items():
            if key in value and value[key] is not None:
                yield from _enum_violations(member, value[key], f"{path}.{key}" if path else key)
    elif type_name == "list" and isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _enum_violations(shape.member, item, f"{path}[{index}]")
    elif type_name == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _enum_violations(shape.value, item, f"{path}.{key}")
    elif type_name == "string" and isinstance(value, str) and value not in (shape.enum or [value]):
        yield path, value, list(shape.enum)


_PATH_INDEX = re.compile(r"\[\d+\]")
#: The order ECS lists a field's values in, where it was observed (else botocore's order).
_ECS_ENUM_ORDER = {"pidMode": "task,host"}  # https://github.com/aws/amazon-ecs-cli/issues/667


def check_enums(operation: str, params: Mapping[str, Any]) -> None:
    """Reject values outside the model's enums: ECS does, boto3 does not check them.

    RegisterTaskDefinition answers ``ClientException`` in ECS's observed form ("X is not a valid
    value for pidMode. The value must be one of [task,host]"; a task placement constraint type
    other than memberOf: "constraint.type 'X' is not supported."); the other operations
    ``InvalidParameterException`` in AWS's generic validation form (our wording).
    """
    for path, value, allowed in _enum_violations(_input_shape(operation), params, ""):
        if operation == REGISTER:
            field = _PATH_INDEX.sub("", path).rsplit(".", 1)[-1]
            if re.fullmatch(r"placementConstraints\[\d+\]\.type", path):
                raise _client(TASK_CONSTRAINT_TYPE.format(value=value))
            listed = _ECS_ENUM_ORDER.get(field, ",".join(allowed))
            message = ENUM_NOT_VALID.format(value=value, field=field, allowed=listed)
            raise _client(message)
        message = ENUM_INVALID.format(value=value, path=path, allowed=", ".join(allowed))
        raise errors.ecs_error(INVALID, message, operation)


# ======================================================================= RegisterTaskDefinition
REGISTER = "RegisterTaskDefinition"


def _client(message: str) -> ClientError:
    return errors.ecs_error(CLIENT, message, REGISTER)


def _int(value: Any) -> int | None:
    """An int field (bools are not ints here), or None when absent / of the wrong type."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def check_register_task_definition(params: Mapping[str, Any]) -> None:
    """ECS's own rules for ``RegisterTaskDefinition`` (after ``check_shape`` has passed).

    Raises:
        ClientError: ``ClientException`` (or ``InvalidParameterException`` for enums) with the
            message ECS gives.
    """
    _check_family(params.get("family"))
    check_enums(REGISTER, params)
    containers = _mappings(params.get("containerDefinitions"))
    if not containers:
        raise _client(CONTAINERS_EMPTY)
    if len(containers) > MAX_CONTAINERS:
        raise _client(CONTAINERS_TOO_MANY)
    task_cpu, task_memory = _task_size(params)
    for container in containers:
        _check_identity(container)
    names = [str(c["name"]) for c in containers]
    if len(set(names)) != len(names):
        raise _client(NAMES_NOT_UNIQUE)
    if not any(c.get("essential") in (None, True) for c in containers):
        raise _client(NO_ESSENTIAL)
    network_mode = str(params.get("networkMode") or "bridge")
    fargate = "FARGATE" in (params.get("requiresCompatibilities") or ())
    if fargate:
        _check_fargate_parameters(params)
    for container in containers:
        _check_container_network(container, network_mode)
        _check_container_resources(container, task_memory)
        _check_health_check(container)
        _check_log_configuration(container)
    _check_task_sums(containers, task_cpu, task_memory)
    if fargate:
        _check_fargate_size(task_cpu, task_memory)
    _check_dependencies(containers)
    for constraint in _mappings(params.get("placementConstraints")):
        if not constraint.get("expression"):
            raise _client(MEMBER_OF_EXPRESSION)


def _check_family(family: Any) -> None:
    if not isinstance(family, str) or not family.strip():
        raise _client(FAMILY_BLANK)
    if not NAME_RE.match(family):
        raise _client(FAMILY_INVALID)
    if len(family) > MAX_NAME:
        raise _client(FAMILY_TOO_LONG)


def _task_size(params: Mapping[str, Any]) -> tuple[int | None, int | None]:
    cpu: int | None = None
    memory: int | None = None
    if params.get("cpu") is not None:
        try:
            cpu = td.parse_task_cpu(params["cpu"])
        except ValueError:
            raise _client(TASK_CPU_INVALID) from None
        if not TASK_CPU_RANGE[0] <= cpu <= TASK_CPU_RANGE[1]:
            raise _client(TASK_CPU_INVALID)
    if params.get("memory") is not None:
        try:
            memory = td.parse_task_memory(params["memory"])
        except ValueError:
            raise _client(TASK_MEMORY_INVALID) from None
        if memory < 1:
            raise _client(TASK_MEMORY_INVALID)
    return cpu, memory


def _check_identity(container: Mapping[str, Any]) -> None:
    name = container.get("name")
    if not isinstance(name, str) or not name:
        raise _client(NAME_EMPTY)
    if not NAME_RE.match(name):
        raise _client(NAME_INVALID)
    if len(name) > MAX_NAME:
        raise _client(NAME_TOO_LONG)
    image = container.get("image")
    if not isinstance(image, str) or not image.strip():
        raise _client(IMAGE_EMPTY)
    if not IMAGE_RE.match(image):
        raise _client(IMAGE_INVALID)
    if len(image) > MAX_NAME:
        raise _client(IMAGE_TOO_LONG)


def _check_container_network(container: Mapping[str, Any], network_mode: str) -> None:
    name = str(container["name"])
    mappings = _mappings(container.get("portMappings"))
    if network_mode == "none" and mappings:
        raise _client(NONE_WITH_PORTS.format(name=name))
    if container.get("links") and network_mode != "bridge":
        raise _client(LINKS_NOT_SUPPORTED.format(mode=network_mode))
    if network_mode == "awsvpc" and container.get("hostname") is not None:
        raise _client(HOSTNAME_AWSVPC)
    for mapping in mappings:
        container_port = _int(mapping.get("containerPort"))
        if container_port is None and mapping.get("containerPortRange"):
            continue  # a port range mapping: no single container port
        if container_port is None or not 1 <= container_port <= 65535:
            raise _client(CONTAINER_PORT_INVALID.format(name=name))
        host_port = _int(mapping.get("hostPort"))
        if host_port is not None and not 0 <= host_port <= 65535:
            raise _client(HOST_PORT_INVALID.format(name=name))
        if host_port not in (None, 0, container_port):
            if network_mode == "awsvpc":
                raise _client(AWSVPC_PORTS_MISMATCH)
            if network_mode == "host":
                raise _client(HOST_PORTS_MISMATCH)


def _check_container_resources(container: Mapping[str, Any], task_memory: int | None) -> None:
    name = str(container["name"])
    cpu = _int(container.get("cpu"))
    if cpu is not None and cpu < 0:
        raise _client(CONTAINER_CPU_INVALID.format(name=name))
    memory = _int(container.get("memory"))
    reservation = _int(container.get("memoryReservation"))
    if memory is not None and memory < 1:
        raise _client(CONTAINER_MEMORY_INVALID.format(name=name))
    if reservation is not None and reservation < 1:
        raise _client(CONTAINER_RESERVATION_INVALID.format(name=name))
    if memory is None and reservation is None and task_memory is None:
        raise _client(MEMORY_REQUIRED.format(name=name))
    if memory is not None and reservation is not None and reservation > memory:
        raise _client(RESERVATION_OVER_MEMORY.format(name=name))
    if memory is not None and task_memory is not None and memory > task_memory:
        raise _client(CONTAINER_MEMORY_OVER_TASK.format(name=name))


def _check_task_sums(
    containers: Sequence[Mapping[str, Any]], task_cpu: int | None, task_memory: int | None
) -> None:
    if task_memory is not None:
        reservations = sum(_int(c.get("memoryReservation")) or 0 for c in containers)
        if reservations > task_memory:
            raise _client(RESERVATIONS_OVER_TASK)
    cpus = sum(_int(c.get("cpu")) or 0 for c in containers)
    if task_cpu is not None and cpus > task_cpu:
        raise _client(CPU_OVER_TASK)


def _check_fargate_parameters(params: Mapping[str, Any]) -> None:
    """Fargate's rules other than its task size, in the order ``td.fargate_violation`` has."""
    violation = td.fargate_violation(params, size=False)
    if violation is None:
        return
    rule, detail = violation
    messages = {
        td.FargateRule.NETWORK_MODE: FARGATE_AWSVPC_ONLY,
        td.FargateRule.IPC_MODE: FARGATE_IPC,
        td.FargateRule.PID_MODE: FARGATE_PID_HOST,
        td.FargateRule.SOURCE_PATH: FARGATE_SOURCE_PATH,
        td.FargateRule.UNSUPPORTED: FARGATE_UNSUPPORTED.format(param=detail),
        td.FargateRule.CAPABILITY: FARGATE_CAPABILITY.format(capability=detail),
    }
    raise _client(messages[rule])


def _check_fargate_size(task_cpu: int | None, task_memory: int | None) -> None:
    if task_cpu is None:
        raise _client(FARGATE_CPU_REQUIRED)
    if task_memory is None:
        raise _client(FARGATE_MEMORY_REQUIRED)
    if not td.fargate_combination_ok(task_cpu, task_memory):
        raise _client(TASK_CPU_INVALID)


def _check_health_check(container: Mapping[str, Any]) -> None:
    check = container.get("healthCheck")
    if not isinstance(check, Mapping):
        return
    name = str(container["name"])
    command = check.get("command")
    starts = command[0] if isinstance(command, list | tuple) and command else None
    if starts not in ("CMD", "CMD-SHELL"):
        raise _client(HEALTH_COMMAND.format(name=name))
    for key, (low, high) in HEALTH_RANGES.items():
        value = _int(check.get(key))
        if value is not None and not low <= value <= high:
            raise _client(HEALTH_RANGE.format(name=name, field=key, low=low, high=high))


def _check_log_configuration(container: Mapping[str, Any]) -> None:
    log = container.get("logConfiguration")
    if not isinstance(log, Mapping) or log.get("logDriver") != "awslogs":
        return
    options = log.get("options")
    if not isinstance(options, Mapping) or not options.get("awslogs-group"):
        raise _client(AWSLOGS_OPTIONS)


def _check_dependencies(containers: Sequence[Mapping[str, Any]]) -> None:
    by_name = {str(c["name"]): c for c in containers}
    for container in containers:
        name = str(container["name"])
        for dependency in _mappings(container.get("dependsOn")):
            target = str(dependency.get("containerName"))
            condition = dependency.get("condition")
            if target == name:
                raise _client(DEPENDENCY_SELF.format(name=name))
            if target not in by_name:
                raise _client(DEPENDENCY_UNKNOWN.format(name=name, target=target))
            other = by_name[target]
            if condition in ("SUCCESS", "COMPLETE") and other.get("essential") in (None, True):
                raise _client(ESSENTIAL_DEPENDENCY)
            if condition == "HEALTHY" and not isinstance(other.get("healthCheck"), Mapping):
                raise _client(HEALTHY_NEEDS_CHECK.format(name=name, target=target))


# ================================================================== RunTask / services / lists
def _invalid(message: str, operation: str) -> ClientError:
    return errors.ecs_error(INVALID, message, operation)


def _check_placement(params: Mapping[str, Any], operation: str) -> None:
    constraints = _mappings(params.get("placementConstraints"))
    if len(constraints) > MAX_PLACEMENT_CONSTRAINTS:
        raise _invalid(TOO_MANY_CONSTRAINTS, operation)
    for constraint in constraints:
        kind, expression = constraint.get("type"), constraint.get("expression")
        if kind == "memberOf" and not expression:
            raise _invalid(MEMBER_OF_EXPRESSION, operation)
        if kind == "distinctInstance" and expression:
            raise _invalid(DISTINCT_NO_EXPRESSION, operation)
    strategies = _mappings(params.get("placementStrategy"))
    if len(strategies) > MAX_PLACEMENT_STRATEGIES:
        raise _invalid(TOO_MANY_STRATEGIES, operation)
    for strategy in strategies:
        kind, field = strategy.get("type"), strategy.get("field")
        if kind == "spread" and not field:
            raise _invalid(SPREAD_FIELD, operation)
        if kind == "binpack" and str(field).lower() not in ("cpu", "memory"):
            raise _invalid(BINPACK_FIELD, operation)
    if params.get("launchType") and params.get("capacityProviderStrategy"):
        raise _invalid(LAUNCH_TYPE_AND_PROVIDERS, operation)
    if params.get("launchType") == "EC2" and params.get("platformVersion"):
        raise _invalid(PLATFORM_VERSION_EC2, operation)


def check_run_task(params: Mapping[str, Any]) -> None:
    """ECS's own rules for ``RunTask`` (count, startedBy, group, placement)."""
    operation = "RunTask"
    check_enums(operation, params)
    count = _int(params.get("count"))
    if count is not None and count > MAX_TASKS_PER_RUN:
        raise _invalid(COUNT_OVER_10, operation)
    if count is not None and count < 1:
        raise _invalid(RUN_COUNT_UNDER_1, operation)
    started_by = params.get("startedBy")
    if started_by is not None and not STARTED_BY_RE.match(str(started_by)):
        raise _invalid(STARTED_BY_INVALID, operation)
    group = params.get("group")
    if isinstance(group, str) and len(group) > MAX_NAME:
        raise _invalid(GROUP_TOO_LONG, operation)
    _check_placement(params, operation)


def _check_deployment_configuration(
    params: Mapping[str, Any], operation: str, strategy: str | None
) -> None:
    config = params.get("deploymentConfiguration")
    if not isinstance(config, Mapping):
        return
    low = _int(config.get("minimumHealthyPercent"))
    high = _int(config.get("maximumPercent"))
    if low is not None and not 0 <= low <= 100:
        raise _invalid(MIN_HEALTHY_RANGE, operation)
    if strategy == service_mod.SchedulingStrategy.DAEMON:
        if high is not None and high > 100:
            raise _invalid(DAEMON_MAX_PERCENT, operation)
        return
    if high is not None and (high < 100 or (low is not None and high < low)):
        raise _invalid(MAX_PERCENT_LOW, operation)


def _check_desired_count(params: Mapping[str, Any], operation: str, strategy: str | None) -> None:
    desired = _int(params.get("desiredCount"))
    if strategy == service_mod.SchedulingStrategy.DAEMON and desired is not None:
        raise _invalid(DAEMON_DESIRED_COUNT, operation)
    if desired is not None and desired < 0:
        raise _invalid(DESIRED_COUNT_NEGATIVE, operation)


def check_create_service(params: Mapping[str, Any]) -> None:
    """ECS's own rules for ``CreateService`` (name, desiredCount, DAEMON, deployment config)."""
    operation = "CreateService"
    check_enums(operation, params)
    name = params.get("serviceName")
    if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > MAX_NAME:
        raise _invalid(SERVICE_NAME_INVALID, operation)
    strategy = str(params.get("schedulingStrategy") or service_mod.SchedulingStrategy.REPLICA.value)
    controller = params.get("deploymentController")
    controller_type = controller.get("type") if isinstance(controller, Mapping) else None
    if controller_type in (None, "ECS") and not params.get("taskDefinition"):
        raise _invalid(TASK_DEFINITION_REQUIRED, operation)
    _check_desired_count(params, operation, strategy)
    if strategy == service_mod.SchedulingStrategy.REPLICA and params.get("desiredCount") is None:
        raise _invalid(DESIRED_COUNT_REQUIRED, operation)
    if strategy == service_mod.SchedulingStrategy.DAEMON:
        if params.get("placementStrategy"):
            raise _invalid(DAEMON_STRATEGY, operation)
        if params.get("launchType") == "FARGATE":
            raise _invalid(DAEMON_FARGATE, operation)
        if params.get("capacityProviderStrategy"):
            raise _invalid(DAEMON_PROVIDERS, operation)
    _check_deployment_configuration(params, operation, strategy)
    _check_placement(params, operation)


def check_update_service(
    params: Mapping[str, Any], *, scheduling_strategy: str | None = None
) -> None:
    """ECS's own rules for ``UpdateService``; pass the service's strategy when it is known."""
    operation = "UpdateService"
    check_enums(operation, params)
    _check_desired_count(params, operation, scheduling_strategy)
    _check_deployment_configuration(params, operation, scheduling_strategy)
    _check_placement(params, operation)


def check_list_tasks(params: Mapping[str, Any]) -> None:
    """ECS's own rules for ``ListTasks`` (the family filter and the desiredStatus enum)."""
    operation = "ListTasks"
    check_enums(operation, params)
    family = params.get("family")
    if family is not None and (not NAME_RE.match(str(family)) or len(str(family)) > MAX_NAME):
        raise _invalid(FAMILY_FILTER, operation)
