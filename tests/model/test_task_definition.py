"""Task definitions: the echo ECS returns, reservation arithmetic and port normalisation."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import botocore
import pytest

from ecsedu.model import task_definition as td
from ecsedu.model.snapshot import TaskDefinitionView

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:{revision}"


def register(params: dict[str, Any], revision: int = 1) -> td.TaskDefinition:
    arn = ARN.format(family=params["family"], revision=revision)
    return td.TaskDefinition.from_request(params, arn=arn, revision=revision, registered_at=1.5e9)


def container(name: str = "web", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.25", "memory": 128, **extra}


def botocore_example(operation: str) -> dict[str, Any]:
    path = os.path.join(
        os.path.dirname(botocore.__file__), "data", "ecs", "2014-11-13", "examples-1.json"
    )
    with open(path) as handle:
        examples: dict[str, Any] = json.load(handle)["examples"][operation][0]
    return examples


# -- the echo --------------------------------------------------------------------------------
def test_echo_contains_botocore_example_output() -> None:
    example = botocore_example("RegisterTaskDefinition")
    expected = example["output"]["taskDefinition"]
    arn = expected["taskDefinitionArn"]
    got = td.TaskDefinition.from_request(
        example["input"], arn=arn, revision=expected["revision"], registered_at=0.0
    ).document
    for key, value in expected.items():
        assert got[key] == value, key
    # ECS drops the empty taskRoleArn of the example's request
    assert "taskRoleArn" not in got


def test_echo_adds_the_fields_ecs_adds() -> None:
    doc = register({"family": "web", "containerDefinitions": [container()]}).document
    assert doc["networkMode"] == "bridge"
    assert doc["status"] == "ACTIVE"
    assert doc["revision"] == 1
    assert doc["compatibilities"] == ["EXTERNAL", "EC2"]
    assert doc["placementConstraints"] == []
    assert doc["volumes"] == []
    assert {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"} in doc[
        "requiresAttributes"
    ]
    assert doc["registeredAt"] == 1.5e9
    assert doc["registeredBy"] == "arn:aws:iam::123456789012:root"
    assert "requiresCompatibilities" not in doc
    assert "cpu" not in doc
    assert "memory" not in doc
    (c,) = doc["containerDefinitions"]
    assert c["cpu"] == 0
    assert c["essential"] is True
    for key in ("portMappings", "environment", "mountPoints", "volumesFrom"):
        assert c[key] == []


def test_echo_converts_task_cpu_and_memory_to_unit_strings() -> None:
    params = {
        "family": "api",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "1 vCPU",
        "memory": "2GB",
        "containerDefinitions": [{"name": "api", "image": "api:1"}],
    }
    definition = register(params)
    assert definition.document["cpu"] == "1024"
    assert definition.document["memory"] == "2048"
    assert definition.document["requiresCompatibilities"] == ["FARGATE"]
    assert definition.document["compatibilities"] == ["EC2", "FARGATE"]
    assert (definition.task_cpu, definition.task_memory) == (1024, 2048)


def test_awsvpc_definition_with_invalid_fargate_size_is_ec2_only() -> None:
    params = {
        "family": "api",
        "networkMode": "awsvpc",
        "cpu": "300",
        "memory": "512",
        "containerDefinitions": [container("api")],
    }
    assert register(params).document["compatibilities"] == ["EC2"]


def test_cli_input_json_fields_round_trip_unchanged() -> None:
    params: dict[str, Any] = {
        "family": "shop",
        "taskRoleArn": "arn:aws:iam::123456789012:role/shop",
        "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        "pidMode": "task",
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "ephemeralStorage": {"sizeInGiB": 30},
        "tags": [{"key": "team", "value": "blue"}],
        "volumes": [{"name": "data", "host": {"sourcePath": "/srv/data"}}],
        "containerDefinitions": [
            container(
                "shop",
                logConfiguration={
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/shop", "awslogs-region": "us-east-1"},
                },
                ulimits=[{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
                secrets=[{"name": "DB", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/db"}],
                linuxParameters={"initProcessEnabled": True},
                mountPoints=[{"sourceVolume": "data", "containerPath": "/data"}],
            )
        ],
    }
    original = copy.deepcopy(params)
    definition = register(params)
    doc = definition.document
    assert params == original  # the request is not mutated
    for key in ("taskRoleArn", "executionRoleArn", "pidMode", "runtimePlatform", "volumes"):
        assert doc[key] == params[key]
    assert doc["ephemeralStorage"] == {"sizeInGiB": 30}
    assert "tags" not in doc  # tags come back next to the task definition, not inside it
    echoed = doc["containerDefinitions"][0]
    for key, value in params["containerDefinitions"][0].items():
        assert echoed[key] == value, key
    assert definition.volumes == (td.Volume("data", "/srv/data"),)
    assert definition.containers[0].mount_points == (td.MountPoint("data", "/data", False),)
    names = {a["name"] for a in doc["requiresAttributes"]}
    assert "com.amazonaws.ecs.capability.logging-driver.awslogs" in names
    assert "com.amazonaws.ecs.capability.task-iam-role" in names


def test_document_is_independent_of_the_request() -> None:
    params = {"family": "web", "containerDefinitions": [container(command=["sleep", "1"])]}
    definition = register(params)
    params["containerDefinitions"][0]["command"].append("oops")
    assert definition.document["containerDefinitions"][0]["command"] == ["sleep", "1"]
    assert definition.containers[0].command == ("sleep", "1")


# -- ports -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "mapping", "expected"),
    [
        ("bridge", {"containerPort": 80}, {"containerPort": 80, "hostPort": 0, "protocol": "tcp"}),
        (
            "bridge",
            {"containerPort": 80, "hostPort": 8080},
            {"containerPort": 80, "hostPort": 8080, "protocol": "tcp"},
        ),
        ("awsvpc", {"containerPort": 80}, {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}),
        (
            "host",
            {"containerPort": 53, "protocol": "udp"},
            {"containerPort": 53, "hostPort": 53, "protocol": "udp"},
        ),
    ],
)
def test_port_mappings_are_normalised(
    mode: str, mapping: dict[str, Any], expected: dict[str, Any]
) -> None:
    params = {
        "family": "web",
        "networkMode": mode,
        "containerDefinitions": [container(portMappings=[mapping])],
    }
    definition = register(params)
    assert definition.document["containerDefinitions"][0]["portMappings"] == [expected]
    (port,) = definition.containers[0].port_mappings
    assert port == td.PortMapping(
        expected["containerPort"], expected["hostPort"], expected["protocol"]
    )


@pytest.mark.parametrize(
    ("mode", "tcp", "udp"),
    [("bridge", (8080,), ()), ("host", (80, 8080), (53,)), ("awsvpc", (80, 8080), (53,))],
)
def test_static_host_ports_by_network_mode(
    mode: str, tcp: tuple[int, ...], udp: tuple[int, ...]
) -> None:
    host_port = {"awsvpc": 8080, "host": 8080}.get(mode)
    mappings: list[dict[str, Any]] = [
        {"containerPort": 80},  # dynamic in bridge mode
        {"containerPort": 8080, "hostPort": host_port or 8080},
        {"containerPort": 53, "protocol": "udp", **({"hostPort": 53} if mode != "bridge" else {})},
    ]
    params = {
        "family": "web",
        "networkMode": mode,
        "containerDefinitions": [container(portMappings=mappings)],
    }
    definition = register(params)
    assert definition.static_host_ports("tcp") == tcp
    assert definition.static_host_ports("udp") == udp


# -- reservations ----------------------------------------------------------------------------
def test_reservation_sums_containers_using_reservation_before_memory() -> None:
    params = {
        "family": "pair",
        "containerDefinitions": [
            container("a", cpu=256, memory=512, memoryReservation=128),
            container("b", cpu=128, memory=300),
            {"name": "c", "image": "busybox", "memoryReservation": 64},
        ],
    }
    definition = register(params)
    assert definition.reserved_cpu == 384
    assert definition.reserved_memory == 128 + 300 + 64


def test_task_level_size_replaces_container_sums() -> None:
    params = {
        "family": "pair",
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": [container("a", cpu=100), container("b", cpu=100)],
    }
    definition = register(params)
    assert (definition.reserved_cpu, definition.reserved_memory) == (512, 1024)


# -- queries, status, view -------------------------------------------------------------------
def test_model_values_and_view() -> None:
    params = {
        "family": "app",
        "containerDefinitions": [
            container(
                "db",
                essential=False,
                healthCheck={"command": ["CMD", "pg_isready"], "interval": 10},
                environment=[{"name": "A", "value": "1"}],
                dockerLabels={"team": "data"},
            ),
            container(
                "web", links=["db"], dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]
            ),
        ],
    }
    definition = register(params, revision=7)
    assert definition.name == "app:7"
    assert definition.essential_names == ("web",)
    db = definition.container("db")
    assert db.health_check == td.HealthCheck(("CMD", "pg_isready"), interval=10)
    assert db.environment == (("A", "1"),)
    assert db.docker_labels == (("team", "data"),)
    assert definition.container("web").depends_on == (("db", "HEALTHY"),)
    view = definition.to_view()
    assert isinstance(view, TaskDefinitionView)
    assert (view.name, view.cpu, view.memory, view.network_mode) == ("app:7", 0, 256, "bridge")
    assert [c.name for c in view.containers] == ["db", "web"]
    assert view.containers[1].links == ("db",)
    assert view.containers[1].depends_on == ("db",)


def test_with_status_copies_and_updates_the_document() -> None:
    definition = register({"family": "web", "containerDefinitions": [container()]})
    inactive = definition.with_status(td.INACTIVE)
    assert inactive.status == "INACTIVE"
    assert inactive.document["status"] == "INACTIVE"
    assert definition.status == "ACTIVE"
    assert definition.document["status"] == "ACTIVE"
    assert inactive != definition
    assert inactive.document["containerDefinitions"] == definition.document["containerDefinitions"]


# -- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "units"),
    [("1024", 1024), ("1 vCPU", 1024), ("0.25 vCPU", 256), ("2vcpu", 2048), ("4 VCPU", 4096)],
)
def test_parse_task_cpu(text: str, units: int) -> None:
    assert td.parse_task_cpu(text) == units


@pytest.mark.parametrize(
    ("text", "mib"), [("512", 512), ("1GB", 1024), ("1 GB", 1024), ("0.5GB", 512), ("30 gb", 30720)]
)
def test_parse_task_memory(text: str, mib: int) -> None:
    assert td.parse_task_memory(text) == mib


@pytest.mark.parametrize("text", ["", "one", "1.5", "1 GB vCPU", "-1", "0.1 vCPU"])
def test_parse_task_cpu_rejects_non_units(text: str) -> None:
    with pytest.raises(ValueError, match="cpu"):
        td.parse_task_cpu(text)


@pytest.mark.parametrize("text", ["", "lots", "1 TB", "0.0001GB", "-5"])
def test_parse_task_memory_rejects_non_sizes(text: str) -> None:
    with pytest.raises(ValueError, match="MiB|memory"):
        td.parse_task_memory(text)


def test_fargate_combinations() -> None:
    assert td.fargate_combination_ok(256, 512)
    assert td.fargate_combination_ok(4096, 30720)
    assert td.fargate_combination_ok(16384, 122880)
    assert not td.fargate_combination_ok(256, 4096)
    assert not td.fargate_combination_ok(8192, 18432)  # 8 vCPU goes in 4 GB steps
    assert not td.fargate_combination_ok(None, 512)


def _fargate(**extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "family": "web",
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "web", "image": "nginx"}],
    }
    params.update(extra)
    return params


def _with_container(**fields: Any) -> dict[str, Any]:
    return _fargate(containerDefinitions=[{"name": "web", "image": "nginx", **fields}])


@pytest.mark.parametrize(
    ("params", "violation"),
    [
        (_fargate(), None),
        (_fargate(networkMode="bridge"), (td.FargateRule.NETWORK_MODE, "networkMode")),
        (_fargate(networkMode=None), (td.FargateRule.NETWORK_MODE, "networkMode")),
        (_fargate(ipcMode="none"), (td.FargateRule.IPC_MODE, "ipcMode")),
        (_fargate(pidMode="host"), (td.FargateRule.PID_MODE, "pidMode")),
        (_fargate(pidMode="task"), None),
        (
            _fargate(volumes=[{"name": "v", "host": {"sourcePath": "/data"}}]),
            (td.FargateRule.SOURCE_PATH, "sourcePath"),
        ),
        (_fargate(volumes=[{"name": "v", "host": {}}]), None),  # a bind mount without a path
        (
            _fargate(volumes=[{"name": "v", "dockerVolumeConfiguration": {}}]),
            (td.FargateRule.UNSUPPORTED, "dockerVolumeConfiguration"),
        ),
        (
            _fargate(placementConstraints=[{"type": "memberOf", "expression": "x"}]),
            (td.FargateRule.UNSUPPORTED, "placementConstraints"),
        ),
        (_with_container(privileged=True), (td.FargateRule.UNSUPPORTED, "privileged")),
        (_with_container(privileged=False), None),
        (_with_container(dnsServers=["1.1.1.1"]), (td.FargateRule.UNSUPPORTED, "dnsServers")),
        (
            _with_container(resourceRequirements=[{"type": "GPU", "value": "1"}]),
            (td.FargateRule.UNSUPPORTED, "gpu"),
        ),
        (
            _with_container(linuxParameters={"sharedMemorySize": 64}),
            (td.FargateRule.UNSUPPORTED, "sharedMemorySize"),
        ),
        (
            _with_container(linuxParameters={"capabilities": {"add": ["NET_ADMIN"]}}),
            (td.FargateRule.CAPABILITY, "NET_ADMIN"),
        ),
        (_with_container(linuxParameters={"capabilities": {"add": ["CAP_SYS_PTRACE"]}}), None),
        (_fargate(cpu=None), (td.FargateRule.CPU_REQUIRED, "cpu")),
        (_fargate(memory=None), (td.FargateRule.MEMORY_REQUIRED, "memory")),
        (_fargate(memory="4GB"), (td.FargateRule.SIZE, "cpu")),
        (_fargate(cpu="0.25 vCPU", memory="1GB"), None),
        (_fargate(cpu="a lot"), (td.FargateRule.CPU_REQUIRED, "cpu")),  # unreadable: absent
    ],
)
def test_fargate_violation(params: dict[str, Any], violation: tuple[Any, str] | None) -> None:
    params = {k: v for k, v in params.items() if v is not None}
    assert td.fargate_violation(params) == violation


def test_fargate_violation_without_size_ignores_cpu_and_memory() -> None:
    assert td.fargate_violation({"networkMode": "awsvpc"}, size=False) is None
    assert td.fargate_violation({"networkMode": "awsvpc"}) == (td.FargateRule.CPU_REQUIRED, "cpu")


@pytest.mark.parametrize(
    ("params", "compatibilities"),
    [
        (_fargate(), ["EC2", "FARGATE"]),
        (_fargate(networkMode="bridge"), ["EXTERNAL", "EC2"]),
        (_fargate(memory="4096"), ["EC2"]),
        (_with_container(privileged=True), ["EC2"]),
    ],
)
def test_compatibilities_follow_fargate_rules(
    params: dict[str, Any], compatibilities: list[str]
) -> None:
    definition = td.TaskDefinition.from_request(
        params,
        arn="arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        revision=1,
        registered_at=0.0,
    )
    assert definition.compatibilities == tuple(compatibilities)
    assert definition.document["compatibilities"] == compatibilities
