"""Request validation: each rule gives ECS's error code and its exact message.

Messages marked "ECS" are copied verbatim from ecs-semantics.md 1.4/1.5 (or the public output
cited in ecsedu/engine/validation.py); the others are ecsedu's own wording for rules whose real
text is unknown, so the tables pin them too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from ecsedu import errors
from ecsedu.engine import validation

CLIENT = "ClientException"
INVALID = "InvalidParameterException"


def container(name: str = "web", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.25", "memory": 128, **extra}


def request(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"family": "web", "containerDefinitions": [container()]}
    params.update(overrides)
    return params


def fargate(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "web", "image": "nginx:1.25"}],
    }
    params.update(overrides)
    return request(**params)


def error_of(call: Callable[[], None]) -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    return info.value


# -- shape -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"containerDefinitions": []}, 'Missing required parameter in input: "family"'),
        (
            request(containerDefinitions=[container(memory="128")]),
            "Invalid type for parameter containerDefinitions[0].memory, value: 128, "
            "type: <class 'str'>, valid types: <class 'int'>",
        ),
        (
            request(containerDefinitions=[container(healthCheck={"interval": 10})]),
            'Missing required parameter in containerDefinitions[0].healthCheck: "command"',
        ),
    ],
)
def test_shape_errors_are_botocores_param_validation_error(
    params: dict[str, Any], message: str
) -> None:
    """What boto3 raises before sending: botocore's ParamValidationError, not an ECS error."""
    with pytest.raises(ParamValidationError) as info:
        validation.check_shape("RegisterTaskDefinition", params)
    error = info.value
    assert type(error) is ParamValidationError
    assert not isinstance(error, ClientError)
    assert str(error) == f"Parameter validation failed:\n{message}"
    assert error.kwargs == {"report": message}


def test_shape_error_lists_every_problem() -> None:
    params = {"containerDefinitions": [{"mem": 1}]}
    with pytest.raises(ParamValidationError) as info:
        validation.check_shape("RegisterTaskDefinition", params)
    lines = str(info.value).splitlines()
    assert lines[0] == "Parameter validation failed:"
    assert lines[1] == 'Missing required parameter in input: "family"'
    assert lines[2].startswith(
        'Unknown parameter in containerDefinitions[0]: "mem", must be one of'
    )


def test_shape_error_is_what_a_real_boto3_client_raises() -> None:
    """The same request to a real boto3 client (never sent: validation fails first)."""
    import botocore.session

    session = botocore.session.get_session()
    client = session.create_client(
        "ecs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    params: dict[str, Any] = {"count": 1}
    with pytest.raises(ParamValidationError) as real:
        client.run_task(**params)
    with pytest.raises(ParamValidationError) as ours:
        validation.check_shape("RunTask", params)
    assert str(ours.value) == str(real.value)


def test_the_client_raises_shape_errors_before_any_call() -> None:
    import ecsedu

    ecs = ecsedu.connect()
    before = ecs.snapshot()
    with pytest.raises(ParamValidationError):
        ecs.create_cluster(clusterName=5)
    with pytest.raises(ParamValidationError):
        ecs.register_task_definition(family="web", containerDefinitions=[{"mem": 1}])
    assert ecs.snapshot() == before


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("RegisterTaskDefinition", request()),
        ("RunTask", {"taskDefinition": "web", "count": 50}),  # count is not the model's business
        ("RegisterTaskDefinition", request(networkMode="bogus", family="bad name!")),
    ],
)
def test_shape_passes_what_botocore_passes(operation: str, params: dict[str, Any]) -> None:
    validation.check_shape(operation, params)


# -- RegisterTaskDefinition ------------------------------------------------------------------
MEMORY_RULE = (
    "Invalid setting for container 'web'. "
    "At least one of 'memory' or 'memoryReservation' must be specified."
)

REGISTER_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # id, request, code, message -- ECS's texts
    ("family-blank", request(family=""), CLIENT, "Family can not be blank."),
    ("family-spaces", request(family="   "), CLIENT, "Family can not be blank."),
    ("family-chars", request(family="my app"), CLIENT, "Family contains invalid characters."),
    ("family-colon", request(family="web:1"), CLIENT, "Family contains invalid characters."),
    ("no-containers", request(containerDefinitions=[]), CLIENT, "Container list cannot be empty."),
    (
        "eleven-containers",
        request(containerDefinitions=[container(f"c{i}") for i in range(11)]),
        CLIENT,
        "Too many containers.",
    ),
    (
        "name-missing",
        request(containerDefinitions=[{"image": "nginx", "memory": 128}]),
        CLIENT,
        "Container.name should not be null or empty.",
    ),
    (
        "name-empty",
        request(containerDefinitions=[container("")]),
        CLIENT,
        "Container.name should not be null or empty.",
    ),
    (
        "name-chars",
        request(containerDefinitions=[container("my web")]),
        CLIENT,
        "Container.name contains invalid characters.",
    ),
    (
        "image-missing",
        request(containerDefinitions=[{"name": "web", "memory": 128}]),
        CLIENT,
        "Container.image should not be null or empty.",
    ),
    (
        "image-chars",
        request(containerDefinitions=[container(image="nginx latest")]),
        CLIENT,
        "Container.image contains invalid characters",
    ),
    (
        "duplicate-names",
        request(containerDefinitions=[container(), container()]),
        CLIENT,
        "Container names must be unique within a Task Definition.",
    ),
    (
        "no-essential",
        request(containerDefinitions=[container(essential=False), container("b", essential=False)]),
        CLIENT,
        "Task definition doesn't have any essential container.",
    ),
    (
        "memory-missing",
        request(containerDefinitions=[{"name": "web", "image": "nginx"}]),
        CLIENT,
        MEMORY_RULE,
    ),
    (
        "fargate-without-task-memory-hits-the-container-rule-first",
        request(
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            containerDefinitions=[{"name": "web", "image": "nginx"}],
        ),
        CLIENT,
        MEMORY_RULE,
    ),
    (
        "container-memory-over-task",
        request(memory="512", containerDefinitions=[container(memory=1024)]),
        CLIENT,
        "The 'memory' setting for container 'web' is greater than for the task.",
    ),
    (
        "reservations-over-task",
        request(
            memory="512",
            containerDefinitions=[
                {"name": "a", "image": "x", "memoryReservation": 300},
                {"name": "b", "image": "x", "memoryReservation": 300},
            ],
        ),
        CLIENT,
        "The sum of all container 'memoryReservation' values cannot be greater than the value "
        "of the task 'memory'.",
    ),
    (
        "cpu-over-task",
        request(cpu="256", containerDefinitions=[container("a", cpu=200), container("b", cpu=100)]),
        CLIENT,
        "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.",
    ),
    (
        "fargate-without-cpu",
        request(
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx"}],
        ),
        CLIENT,
        "Fargate requires that 'cpu' be defined at the task level.",
    ),
    (
        "fargate-without-memory",
        request(
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            containerDefinitions=[container()],
        ),
        CLIENT,
        "Fargate requires that 'memory' be defined at the task level.",
    ),
    ("fargate-bad-combination", fargate(memory="4096"), CLIENT, "Invalid 'cpu' setting for task."),
    ("task-cpu-not-units", request(cpu="lots"), CLIENT, "Invalid 'cpu' setting for task."),
    ("task-cpu-too-small", request(cpu="64"), CLIENT, "Invalid 'cpu' setting for task."),
    (
        "awsvpc-port-mismatch",
        request(
            networkMode="awsvpc",
            containerDefinitions=[
                container(portMappings=[{"containerPort": 80, "hostPort": 8080}])
            ],
        ),
        CLIENT,
        "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
    ),
    (
        "container-port-missing",
        request(containerDefinitions=[container(portMappings=[{}])]),
        CLIENT,
        "Invalid 'containerPort' setting for container 'web'.",
    ),
    (
        "container-port-zero",
        request(containerDefinitions=[container(portMappings=[{"containerPort": 0}])]),
        CLIENT,
        "Invalid 'containerPort' setting for container 'web'.",
    ),
    (
        "container-port-too-big",
        request(containerDefinitions=[container(portMappings=[{"containerPort": 99999}])]),
        CLIENT,
        "Invalid 'containerPort' setting for container 'web'.",
    ),
    (
        "success-on-essential",
        request(
            containerDefinitions=[
                container("init"),
                container("web", dependsOn=[{"containerName": "init", "condition": "SUCCESS"}]),
            ]
        ),
        CLIENT,
        "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container",
    ),
    (
        "complete-on-essential",
        request(
            containerDefinitions=[
                container("init", essential=True),
                container("web", dependsOn=[{"containerName": "init", "condition": "COMPLETE"}]),
            ]
        ),
        CLIENT,
        "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container",
    ),
    (
        "awslogs-without-options",
        request(containerDefinitions=[container(logConfiguration={"logDriver": "awslogs"})]),
        CLIENT,
        "Log driver awslogs requires options: awslogs-region, awslogs-group",
    ),
    (
        "fargate-ipc",
        fargate(ipcMode="task"),
        CLIENT,
        "Tasks using the Fargate launch type do not support ipcMode.",
    ),
    # observed in public output (see validation.py)
    (
        "fargate-bridge",
        request(requiresCompatibilities=["FARGATE"], cpu="256", memory="512"),
        CLIENT,
        "Fargate only supports network mode \u2018awsvpc\u2019.",
    ),
    (
        "fargate-pid-host",
        fargate(pidMode="host"),
        CLIENT,
        "Tasks using the Fargate launch type do not support pidMode 'host'. "
        "The supported value for pidMode is 'task'.",
    ),
    (
        "fargate-host-volume",
        fargate(volumes=[{"name": "logs", "host": {"sourcePath": "/var/log"}}]),
        CLIENT,
        "Fargate compatible task definitions do not support sourcePath",
    ),
    (
        "fargate-links",
        fargate(
            containerDefinitions=[
                {"name": "web", "image": "nginx:1.25", "links": ["db"]},
                {"name": "db", "image": "postgres:16", "essential": False},
            ]
        ),
        CLIENT,
        "Links are not supported when networkMode=awsvpc.",
    ),
    (
        "fargate-host-port",
        fargate(
            containerDefinitions=[
                {
                    "name": "web",
                    "image": "nginx:1.25",
                    "portMappings": [{"containerPort": 80, "hostPort": 8080}],
                }
            ]
        ),
        CLIENT,
        "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
    ),
    (
        "pid-mode-enum",
        request(pidMode="container"),
        CLIENT,
        "container is not a valid value for pidMode. The value must be one of [task,host]",
    ),
    (
        "task-constraint-distinct",
        request(placementConstraints=[{"type": "distinctInstance"}]),
        CLIENT,
        "constraint.type 'distinctInstance' is not supported.",
    ),
    # our wording, modelled on the sourcePath text
    (
        "fargate-privileged",
        fargate(containerDefinitions=[{"name": "web", "image": "nginx", "privileged": True}]),
        CLIENT,
        "Fargate compatible task definitions do not support privileged",
    ),
    (
        "fargate-devices",
        fargate(
            containerDefinitions=[
                {
                    "name": "web",
                    "image": "nginx",
                    "linuxParameters": {"devices": [{"hostPath": "/dev/fuse"}]},
                }
            ]
        ),
        CLIENT,
        "Fargate compatible task definitions do not support devices",
    ),
    (
        "fargate-capability",
        fargate(
            containerDefinitions=[
                {
                    "name": "web",
                    "image": "nginx",
                    "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}},
                }
            ]
        ),
        CLIENT,
        "Fargate compatible task definitions support only the CAP_SYS_PTRACE capability to "
        "add, not SYS_ADMIN",
    ),
    (
        "fargate-docker-volume",
        fargate(volumes=[{"name": "v", "dockerVolumeConfiguration": {"scope": "task"}}]),
        CLIENT,
        "Fargate compatible task definitions do not support dockerVolumeConfiguration",
    ),
    (
        "fargate-task-constraints",
        fargate(placementConstraints=[{"type": "memberOf", "expression": "attribute:x == y"}]),
        CLIENT,
        "Fargate compatible task definitions do not support placementConstraints",
    ),
    (
        "links-awsvpc",
        request(networkMode="awsvpc", containerDefinitions=[container(links=["db"])]),
        CLIENT,
        "Links are not supported when networkMode=awsvpc.",
    ),
    (
        "hostname-awsvpc",
        request(networkMode="awsvpc", containerDefinitions=[container(hostname="web")]),
        CLIENT,
        "hostname is not supported on container when networkMode=awsvpc.",
    ),
    # ecsedu's wording
    (
        "network-mode-enum",
        request(networkMode="nat"),
        CLIENT,
        "nat is not a valid value for networkMode. The value must be one of "
        "[bridge,host,awsvpc,none]",
    ),
    (
        "protocol-enum",
        request(
            containerDefinitions=[
                container(portMappings=[{"containerPort": 80, "protocol": "sctp"}])
            ]
        ),
        CLIENT,
        "sctp is not a valid value for protocol. The value must be one of [tcp,udp]",
    ),
    (
        "condition-enum",
        request(
            containerDefinitions=[
                container("a"),
                container("b", dependsOn=[{"containerName": "a", "condition": "READY"}]),
            ]
        ),
        CLIENT,
        "READY is not a valid value for condition. The value must be one of "
        "[START,COMPLETE,SUCCESS,HEALTHY]",
    ),
    (
        "family-too-long",
        request(family="f" * 256),
        CLIENT,
        "Family can not be longer than 255 characters.",
    ),
    (
        "name-too-long",
        request(containerDefinitions=[container("n" * 256)]),
        CLIENT,
        "Container.name can not be longer than 255 characters.",
    ),
    (
        "reservation-over-memory",
        request(containerDefinitions=[container(memory=128, memoryReservation=256)]),
        CLIENT,
        "Invalid setting for container 'web'. "
        "'memoryReservation' must be less than or equal to 'memory'.",
    ),
    (
        "container-memory-zero",
        request(containerDefinitions=[container(memory=0)]),
        CLIENT,
        "Invalid 'memory' setting for container 'web'.",
    ),
    (
        "container-cpu-negative",
        request(containerDefinitions=[container(cpu=-1)]),
        CLIENT,
        "Invalid 'cpu' setting for container 'web'.",
    ),
    ("task-memory-not-mib", request(memory="1 TB"), CLIENT, "Invalid 'memory' setting for task."),
    (
        "host-port-too-big",
        request(
            containerDefinitions=[
                container(portMappings=[{"containerPort": 80, "hostPort": 70000}])
            ]
        ),
        CLIENT,
        "Invalid 'hostPort' setting for container 'web'.",
    ),
    (
        "host-port-mismatch",
        request(
            networkMode="host",
            containerDefinitions=[container(portMappings=[{"containerPort": 80, "hostPort": 81}])],
        ),
        CLIENT,
        "When networkMode=host, the host ports and container ports in port mappings must match.",
    ),
    (
        "links-host",
        request(networkMode="host", containerDefinitions=[container(links=["db"])]),
        CLIENT,
        "Links are not supported when networkMode=host.",
    ),
    (
        "none-with-ports",
        request(
            networkMode="none",
            containerDefinitions=[container(portMappings=[{"containerPort": 80}])],
        ),
        CLIENT,
        "Port mappings are not supported when networkMode=none. "
        "Remove the port mappings of container 'web'.",
    ),
    (
        "depends-on-unknown",
        request(
            containerDefinitions=[
                container(dependsOn=[{"containerName": "db", "condition": "START"}])
            ]
        ),
        CLIENT,
        "Container 'web' depends on container 'db', which is not in the task definition.",
    ),
    (
        "depends-on-self",
        request(
            containerDefinitions=[
                container(dependsOn=[{"containerName": "web", "condition": "START"}])
            ]
        ),
        CLIENT,
        "Container 'web' can not depend on itself.",
    ),
    (
        "healthy-without-check",
        request(
            containerDefinitions=[
                container("db"),
                container("web", dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]),
            ]
        ),
        CLIENT,
        "Container 'web' depends on container 'db' being HEALTHY, but 'db' has no healthCheck.",
    ),
    (
        "health-command",
        request(containerDefinitions=[container(healthCheck={"command": ["curl", "localhost"]})]),
        CLIENT,
        "Invalid 'healthCheck' setting for container 'web'. "
        "The command must start with CMD or CMD-SHELL.",
    ),
    *[
        (
            f"health-{key}-{value}",
            request(
                containerDefinitions=[
                    container(healthCheck={"command": ["CMD", "true"], key: value})
                ]
            ),
            CLIENT,
            f"Invalid 'healthCheck' setting for container 'web'. "
            f"'{key}' must be between {low} and {high}.",
        )
        for key, value, low, high in [
            ("interval", 4, 5, 300),
            ("interval", 301, 5, 300),
            ("timeout", 1, 2, 60),
            ("timeout", 61, 2, 60),
            ("retries", 0, 1, 10),
            ("retries", 11, 1, 10),
            ("startPeriod", -1, 0, 300),
            ("startPeriod", 301, 0, 300),
        ]
    ],
    (
        "task-member-of-without-expression",
        request(placementConstraints=[{"type": "memberOf"}]),
        CLIENT,
        "A memberOf placement constraint requires an expression.",
    ),
]


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [pytest.param(p, c, m, id=i) for i, p, c, m in REGISTER_CASES],
)
def test_register_task_definition_rules(params: dict[str, Any], code: str, message: str) -> None:
    validation.check_shape("RegisterTaskDefinition", params)  # all of these pass the model
    error = error_of(lambda: validation.check_register_task_definition(params))
    assert error.response["Error"] == {"Code": code, "Message": message}
    assert error.operation_name == "RegisterTaskDefinition"
    assert isinstance(error, errors.exceptions().from_code(code))
    assert not isinstance(error, ParamValidationError)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(request(), id="minimal"),
        pytest.param(request(family="a" * 255), id="family-255"),
        pytest.param(fargate(), id="fargate-256-512"),
        pytest.param(fargate(cpu="1 vCPU", memory="8GB"), id="fargate-units"),
        pytest.param(fargate(pidMode="task"), id="fargate-pid-task"),
        pytest.param(
            fargate(
                containerDefinitions=[
                    {
                        "name": "web",
                        "image": "nginx",
                        "privileged": False,
                        "portMappings": [{"containerPort": 80, "hostPort": 80}],
                        "linuxParameters": {
                            "capabilities": {"add": ["CAP_SYS_PTRACE"], "drop": ["ALL"]},
                            "initProcessEnabled": True,
                        },
                    }
                ],
                volumes=[{"name": "scratch"}],
            ),
            id="fargate-what-fargate-allows",
        ),
        pytest.param(
            request(memory="512", containerDefinitions=[{"name": "web", "image": "x"}]),
            id="task-memory-only",
        ),
        pytest.param(
            request(containerDefinitions=[container(memory=128, memoryReservation=128)]),
            id="reservation-equal-memory",
        ),
        pytest.param(
            request(
                containerDefinitions=[
                    container(portMappings=[{"containerPort": 80, "hostPort": 0}])
                ]
            ),
            id="bridge-dynamic-port",
        ),
        pytest.param(
            request(
                networkMode="awsvpc",
                containerDefinitions=[
                    container(portMappings=[{"containerPort": 80, "hostPort": 80}])
                ],
            ),
            id="awsvpc-equal-ports",
        ),
        pytest.param(
            request(
                containerDefinitions=[
                    container("init", essential=False),
                    container("db", healthCheck={"command": ["CMD-SHELL", "true"], "interval": 5}),
                    container(
                        "web",
                        links=["db"],
                        dependsOn=[
                            {"containerName": "init", "condition": "SUCCESS"},
                            {"containerName": "db", "condition": "HEALTHY"},
                        ],
                    ),
                ]
            ),
            id="dependencies",
        ),
        pytest.param(
            request(
                containerDefinitions=[
                    container(
                        image="123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "a" * 64,
                        logConfiguration={
                            "logDriver": "awslogs",
                            "options": {"awslogs-group": "/ecs/web"},
                        },
                    )
                ]
            ),
            id="digest-image-awslogs",
        ),
        pytest.param(
            request(
                placementConstraints=[
                    {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}
                ]
            ),
            id="task-placement-constraint",
        ),
    ],
)
def test_register_task_definition_accepts(params: dict[str, Any]) -> None:
    validation.check_shape("RegisterTaskDefinition", params)
    validation.check_register_task_definition(params)


def test_checks_do_not_mutate_the_request() -> None:
    params = fargate()
    original = copy.deepcopy(params)
    validation.check_shape("RegisterTaskDefinition", params)
    validation.check_register_task_definition(params)
    assert params == original


# -- RunTask, CreateService, UpdateService, ListTasks ----------------------------------------
def run(**extra: Any) -> dict[str, Any]:
    return {"taskDefinition": "web", **extra}


def service(**extra: Any) -> dict[str, Any]:
    return {"serviceName": "web", "taskDefinition": "web", "desiredCount": 2, **extra}


DAEMON_TEXT = (
    "The daemon scheduling strategy does not support a desired count for services. "
    "Remove the desired count value and try again"
)

OTHER_CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    # id, operation, request, code, message
    ("count-11", "RunTask", run(count=11), INVALID, "Task count can not be greater than 10"),
    ("count-0", "RunTask", run(count=0), INVALID, "Task count must be greater than 0"),
    ("count-negative", "RunTask", run(count=-1), INVALID, "Task count must be greater than 0"),
    (
        "started-by-chars",
        "RunTask",
        run(startedBy="me@home"),
        INVALID,
        r"startedBy must match ^[a-zA-Z0-9\-/_]{1,128}$",
    ),
    (
        "started-by-long",
        "RunTask",
        run(startedBy="a" * 129),
        INVALID,
        r"startedBy must match ^[a-zA-Z0-9\-/_]{1,128}$",
    ),
    (
        "group-long",
        "RunTask",
        run(group="g" * 256),
        INVALID,
        "group can not be longer than 255 characters.",
    ),
    (
        "launch-type-enum",
        "RunTask",
        run(launchType="LAMBDA"),
        INVALID,
        "1 validation error detected: Value 'LAMBDA' at 'launchType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES]",
    ),
    (
        "constraints-11",
        "RunTask",
        run(placementConstraints=[{"type": "distinctInstance"}] * 11),
        INVALID,
        "Too many placement constraints. The maximum is 10.",
    ),
    (
        "member-of-without-expression",
        "RunTask",
        run(placementConstraints=[{"type": "memberOf"}]),
        INVALID,
        "A memberOf placement constraint requires an expression.",
    ),
    (
        "distinct-with-expression",
        "RunTask",
        run(placementConstraints=[{"type": "distinctInstance", "expression": "x"}]),
        INVALID,
        "distinctInstance expression should not be specified.",
    ),
    (
        "strategies-6",
        "RunTask",
        run(placementStrategy=[{"type": "random"}] * 6),
        INVALID,
        "Too many placement strategies. The maximum is 5.",
    ),
    (
        "spread-without-field",
        "RunTask",
        run(placementStrategy=[{"type": "spread"}]),
        INVALID,
        "A spread placement strategy requires a field.",
    ),
    (
        "binpack-bad-field",
        "RunTask",
        run(placementStrategy=[{"type": "binpack", "field": "disk"}]),
        INVALID,
        "A binpack placement strategy field must be cpu or memory.",
    ),
    (
        "strategy-type-enum",
        "RunTask",
        run(placementStrategy=[{"type": "roundrobin"}]),
        INVALID,
        "1 validation error detected: Value 'roundrobin' at 'placementStrategy[0].type' failed to "
        "satisfy constraint: Member must satisfy enum value set: [random, spread, binpack]",
    ),
    (
        "launch-type-and-providers",
        "RunTask",
        run(launchType="EC2", capacityProviderStrategy=[{"capacityProvider": "FARGATE"}]),
        INVALID,
        "Specifying both a launch type and capacity provider strategy is not supported. "
        "Remove one and try again.",
    ),
    (
        "daemon-with-desired-count",
        "CreateService",
        service(schedulingStrategy="DAEMON"),
        INVALID,
        DAEMON_TEXT,
    ),
    (
        "replica-without-desired-count",
        "CreateService",
        {"serviceName": "web", "taskDefinition": "web"},
        INVALID,
        "desiredCount is required when schedulingStrategy is REPLICA.",
    ),
    (
        "service-without-task-definition",
        "CreateService",
        {"serviceName": "web", "desiredCount": 1},
        INVALID,
        "TaskDefinition is required when the deployment controller is ECS.",
    ),
    (
        "service-name-chars",
        "CreateService",
        service(serviceName="my web"),
        INVALID,
        r"serviceName must match ^[a-zA-Z0-9\-_]{1,255}$",
    ),
    (
        "service-name-long",
        "CreateService",
        service(serviceName="s" * 256),
        INVALID,
        r"serviceName must match ^[a-zA-Z0-9\-_]{1,255}$",
    ),
    (
        "desired-count-negative",
        "CreateService",
        service(desiredCount=-1),
        INVALID,
        "desiredCount can not be negative.",
    ),
    (
        "min-healthy-over-100",
        "CreateService",
        service(deploymentConfiguration={"minimumHealthyPercent": 101}),
        INVALID,
        "minimumHealthyPercent must be between 0 and 100.",
    ),
    (
        "max-percent-under-100",
        "CreateService",
        service(deploymentConfiguration={"maximumPercent": 50}),
        INVALID,
        "maximumPercent must be greater than or equal to 100 and to minimumHealthyPercent.",
    ),
    (
        "daemon-max-percent",
        "CreateService",
        {
            "serviceName": "agent",
            "taskDefinition": "agent",
            "schedulingStrategy": "DAEMON",
            "deploymentConfiguration": {"maximumPercent": 200},
        },
        INVALID,
        "The daemon scheduling strategy does not support values above 100 for maximumPercent "
        "on a deployment configuration. Change the maximumPercent value to 100, and try again",
    ),
    (
        "daemon-providers",
        "CreateService",
        {
            "serviceName": "agent",
            "taskDefinition": "agent",
            "schedulingStrategy": "DAEMON",
            "capacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}],
        },
        INVALID,
        "Specifying a capacity provider strategy is not supported when you create a service "
        "using the DAEMON scheduling strategy.",
    ),
    (
        "platform-version-on-ec2",
        "RunTask",
        run(launchType="EC2", platformVersion="LATEST"),
        INVALID,
        "The platform version must be null when specifying an EC2 launch type.",
    ),
    (
        "daemon-strategy",
        "CreateService",
        {
            "serviceName": "agent",
            "taskDefinition": "agent",
            "schedulingStrategy": "DAEMON",
            "placementStrategy": [{"type": "random"}],
        },
        INVALID,
        "The daemon scheduling strategy does not support placement strategies. "
        "Remove the placement strategy and try again",
    ),
    (
        "daemon-fargate",
        "CreateService",
        {
            "serviceName": "agent",
            "taskDefinition": "agent",
            "schedulingStrategy": "DAEMON",
            "launchType": "FARGATE",
        },
        INVALID,
        "The daemon scheduling strategy is not supported with the FARGATE launch type.",
    ),
    (
        "scheduling-enum",
        "CreateService",
        service(schedulingStrategy="SINGLETON"),
        INVALID,
        "1 validation error detected: Value 'SINGLETON' at 'schedulingStrategy' failed to satisfy "
        "constraint: Member must satisfy enum value set: [REPLICA, DAEMON]",
    ),
    (
        "update-negative",
        "UpdateService",
        {"service": "web", "desiredCount": -3},
        INVALID,
        "desiredCount can not be negative.",
    ),
    (
        "update-min-healthy",
        "UpdateService",
        {"service": "web", "deploymentConfiguration": {"minimumHealthyPercent": -1}},
        INVALID,
        "minimumHealthyPercent must be between 0 and 100.",
    ),
    (
        "list-family-filter",
        "ListTasks",
        {"family": "web:1"},
        INVALID,
        r"family must match ^[a-zA-Z0-9\-_]+$",
    ),
    (
        "list-desired-status-enum",
        "ListTasks",
        {"desiredStatus": "DONE"},
        INVALID,
        "1 validation error detected: Value 'DONE' at 'desiredStatus' failed to satisfy "
        "constraint: Member must satisfy enum value set: [RUNNING, PENDING, STOPPED]",
    ),
]

CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "RunTask": validation.check_run_task,
    "CreateService": validation.check_create_service,
    "UpdateService": validation.check_update_service,
    "ListTasks": validation.check_list_tasks,
}


@pytest.mark.parametrize(
    ("operation", "params", "code", "message"),
    [pytest.param(o, p, c, m, id=i) for i, o, p, c, m in OTHER_CASES],
)
def test_other_operation_rules(
    operation: str, params: dict[str, Any], code: str, message: str
) -> None:
    validation.check_shape(operation, params)
    error = error_of(lambda: CHECKS[operation](params))
    assert error.response["Error"] == {"Code": code, "Message": message}
    assert error.operation_name == operation


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("RunTask", run(count=10, startedBy="ecs-svc/123_abc", group="family:web")),
        ("RunTask", run(count=1, placementConstraints=[{"type": "distinctInstance"}])),
        (
            "RunTask",
            run(
                placementStrategy=[
                    {"type": "spread", "field": "attribute:ecs.availability-zone"},
                    {"type": "binpack", "field": "MEMORY"},
                    {"type": "random"},
                ]
            ),
        ),
        ("CreateService", service()),
        (
            "CreateService",
            service(
                desiredCount=0,
                deploymentConfiguration={"minimumHealthyPercent": 0, "maximumPercent": 100},
            ),
        ),
        (
            "CreateService",
            {"serviceName": "agent", "taskDefinition": "agent", "schedulingStrategy": "DAEMON"},
        ),
        (
            "CreateService",
            {"serviceName": "ext", "desiredCount": 1, "deploymentController": {"type": "EXTERNAL"}},
        ),
        ("UpdateService", {"service": "web", "desiredCount": 0}),
        ("ListTasks", {"family": "web", "desiredStatus": "STOPPED"}),
        ("ListTasks", {}),
    ],
)
def test_other_operations_accept(operation: str, params: dict[str, Any]) -> None:
    validation.check_shape(operation, params)
    CHECKS[operation](params)


def test_update_service_of_a_daemon_refuses_a_desired_count() -> None:
    params = {"service": "agent", "desiredCount": 2}
    error = error_of(lambda: validation.check_update_service(params, scheduling_strategy="DAEMON"))
    assert error.response["Error"] == {"Code": INVALID, "Message": DAEMON_TEXT}
    validation.check_update_service(params, scheduling_strategy="REPLICA")


# -- compatibilities -------------------------------------------------------------------------
def _registered(params: dict[str, Any]) -> dict[str, Any]:
    from ecsedu.model.task_definition import TaskDefinition

    validation.check_shape("RegisterTaskDefinition", params)
    validation.check_register_task_definition(params)
    arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
    doc: dict[str, Any] = TaskDefinition.from_request(
        params, arn=arn, revision=1, registered_at=0.0
    ).document
    return doc


@pytest.mark.parametrize(
    ("params", "compatibilities"),
    [
        pytest.param(fargate(), ["EC2", "FARGATE"], id="fargate"),
        pytest.param(request(), ["EXTERNAL", "EC2"], id="bridge"),
        pytest.param(
            request(networkMode="awsvpc", cpu="256", memory="512"), ["EC2", "FARGATE"], id="fits"
        ),
        pytest.param(
            request(networkMode="awsvpc", cpu="256", memory="4096"), ["EC2"], id="size-not-fargate"
        ),
        pytest.param(
            request(
                networkMode="awsvpc",
                cpu="256",
                memory="512",
                containerDefinitions=[container(privileged=True)],
            ),
            ["EC2"],
            id="privileged-not-fargate",
        ),
        pytest.param(
            request(
                networkMode="awsvpc",
                cpu="256",
                memory="512",
                volumes=[{"name": "v", "host": {"sourcePath": "/data"}}],
            ),
            ["EC2"],
            id="host-path-not-fargate",
        ),
    ],
)
def test_compatibilities_list_fargate_only_when_every_fargate_rule_holds(
    params: dict[str, Any], compatibilities: list[str]
) -> None:
    assert _registered(params)["compatibilities"] == compatibilities
