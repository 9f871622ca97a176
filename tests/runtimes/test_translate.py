"""From a task to ``docker create`` arguments, without a Docker engine (``translate`` is pure).

No ``docker`` marker: these run everywhere, with or without Docker or the docker SDK.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from ecsedu.errors import UnsafeTaskDefinitionError
from ecsedu.runtimes.base import ContainerSpec, HealthCheckSpec, PortSpec, TaskSpec
from ecsedu.runtimes.docker import labels, translate

TASK_ID = "0123456789abcdef0123456789abcdef"
OWNER = translate.Owner(
    namespace="alice", instance_id="f" * 32, connection="a1b2c3d4e5f6", address="127.0.0.7"
)


def spec(*containers: ContainerSpec, **kw: Any) -> TaskSpec:
    return TaskSpec(
        task_arn=f"arn:aws:ecs:us-east-1:123456789012:task/demo/{TASK_ID}",
        task_id=TASK_ID,
        cluster=kw.pop("cluster", "demo"),
        instance_id="f" * 32,
        task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/app:3",
        family="app",
        network_mode=kw.pop("network_mode", "bridge"),
        containers=containers,
        **kw,
    )


def web(name: str = "web", **kw: Any) -> ContainerSpec:
    kw.setdefault("ports", (PortSpec(80, 0),))
    return ContainerSpec(name=name, image="ecsedu/web", cpu=128, memory=64, **kw)


# -- names ------------------------------------------------------------------------------------------


def test_container_name_is_cluster_short_task_id_and_container_name() -> None:
    assert translate.container_name("demo", TASK_ID, "web") == "ecsedu-demo-01234567-web"
    assert translate.container_name("my cluster/1", TASK_ID, "we b") == (
        "ecsedu-my-cluster-1-01234567-we-b"
    )


def test_taken_names_fall_back_to_namespace_instance_then_connection() -> None:
    assert translate.name_candidates("ecsedu-demo-01234567-web", OWNER) == [
        "ecsedu-demo-01234567-web",
        "ecsedu-demo-01234567-web-alice",
        "ecsedu-demo-01234567-web-alice-ffffffff",
        "ecsedu-demo-01234567-web-alice-a1b2c3d4e5f6",
    ]


def test_network_and_volume_names() -> None:
    task = spec(web())
    assert translate.network_name(task, "alice") == "ecsedu-demo-01234567-alice"
    assert translate.volume_name(task, "data") == "ecsedu-demo-01234567-data"


# -- labels and environment -----------------------------------------------------------------------


def test_labels_carry_owner_connection_address_and_ecs_labels_and_win_over_docker_labels() -> None:
    container = web(docker_labels=(("team", "blue"), (labels.NAMESPACE, "mallory")))
    got = translate.container_labels(spec(container, service_name="svc"), container, OWNER)
    assert got["team"] == "blue"  # the container definition's own dockerLabels are kept
    assert got[labels.NAMESPACE] == "alice"  # ... but ecsedu's labels win
    assert got[labels.CONNECTION] == "a1b2c3d4e5f6"
    assert got[labels.ADDRESS] == "127.0.0.7"
    assert got[labels.INSTANCE] == "f" * 32
    assert got[labels.CLUSTER] == "demo"
    assert got[labels.SERVICE] == "svc"
    assert got[labels.CONTAINER_NAME] == "web"
    assert got[labels.TASK_ARN].endswith(TASK_ID)
    assert got[labels.ECS_TASK_DEFINITION_FAMILY] == "app"
    assert got[labels.ECS_TASK_DEFINITION_VERSION] == "3"
    assert got[labels.ECS_CONTAINER_NAME] == "web"


def test_resource_labels_name_the_connection() -> None:
    got = translate.resource_labels(spec(web()), OWNER)
    assert got == {
        labels.NAMESPACE: "alice",
        labels.CONNECTION: "a1b2c3d4e5f6",
        labels.CLUSTER: "demo",
        labels.INSTANCE: "f" * 32,
        labels.TASK_ARN: f"arn:aws:ecs:us-east-1:123456789012:task/demo/{TASK_ID}",
    }


def test_environment_injects_ecs_variables_and_the_definition_wins() -> None:
    container = web(environment=(("ECS_CLUSTER", "mine"), ("PORT", "8080")))
    env = translate.environment(spec(container), container, "f" * 32)
    assert env["ECS_CLUSTER"] == "mine"
    assert env["PORT"] == "8080"
    assert env["ECS_TASK_ID"] == TASK_ID
    assert env["ECS_TASK_DEFINITION"] == "app:3"
    assert env["ECS_CONTAINER_NAME"] == "web"
    assert env["ECS_CONTAINER_INSTANCE"] == "f" * 32


def test_dependency_order_puts_dependencies_first_and_survives_cycles() -> None:
    app = web("app", depends_on=(("db", "HEALTHY"),))
    db = web("db", depends_on=(("init", "SUCCESS"),))
    init = web("init")
    assert [c.name for c in translate.dependency_order([app, db, init])] == ["init", "db", "app"]
    a = web("a", depends_on=(("b", "START"),))
    b = web("b", depends_on=(("a", "START"),))
    assert sorted(c.name for c in translate.dependency_order([a, b])) == ["a", "b"]


# -- create arguments -------------------------------------------------------------------------------


def test_ports_are_published_on_the_owner_address_dynamic_or_fixed() -> None:
    container = web(ports=(PortSpec(80, 0), PortSpec(9100, 8080), PortSpec(53, 0, "udp")))
    args = translate.create_args(spec(container), container, OWNER)
    assert args.host_config["port_bindings"] == {
        "80/tcp": ("127.0.0.7", None),
        "9100/tcp": ("127.0.0.7", 8080),
        "53/udp": ("127.0.0.7", None),
    }
    assert args.create["ports"] == [(80, "tcp"), (9100, "tcp"), (53, "udp")]


def test_resources_command_user_and_healthcheck() -> None:
    health = HealthCheckSpec(("CMD", "/ecsedu/http-get", "http://127.0.0.1/health"), 2, 3, 4, 5)
    container = ContainerSpec(
        name="web",
        image="ecsedu/web",
        cpu=0,
        memory=128,
        memory_reservation=64,
        command=("httpd", "-f"),
        entry_point=("/bin/sh", "-c"),
        health_check=health,
        stop_timeout=7,
        user="nobody",
        working_directory="/www",
    )
    args = translate.create_args(spec(container), container, OWNER)
    assert args.image == "ecsedu/web"
    assert args.host_config["cpu_shares"] == 2  # as the ECS agent does for 0
    assert args.host_config["mem_limit"] == "128m"
    assert args.host_config["mem_reservation"] == "64m"
    assert args.host_config["privileged"] is False
    assert args.host_config["port_bindings"] is None
    assert args.create["command"] == ["httpd", "-f"]
    assert args.create["entrypoint"] == ["/bin/sh", "-c"]
    assert args.create["stop_timeout"] == 7
    assert (args.create["user"], args.create["working_dir"]) == ("nobody", "/www")
    assert args.create["healthcheck"] == {
        "test": ["CMD", "/ecsedu/http-get", "http://127.0.0.1/health"],
        "interval": 2_000_000_000,
        "timeout": 3_000_000_000,
        "retries": 4,
        "start_period": 5_000_000_000,
    }
    assert args.create["environment"]["ECS_TASK_ID"] == TASK_ID
    assert args.create["labels"][labels.CONNECTION] == OWNER.connection


def test_volumes_become_named_docker_volumes_or_host_binds() -> None:
    container = web(mount_points=(("data", "/data", False), ("conf", "/etc/app", True)))
    task = spec(container, volumes=(("data", None), ("conf", "/srv/conf")))
    args = translate.create_args(task, container, OWNER)
    assert args.volumes == ("ecsedu-demo-01234567-data",)
    assert args.host_config["binds"] == {
        "ecsedu-demo-01234567-data": {"bind": "/data", "mode": "rw"},
        "/srv/conf": {"bind": "/etc/app", "mode": "ro"},
    }
    renamed = translate.create_args(
        task, container, OWNER, volume_names={"data": "ecsedu-demo-01234567-data-a1b2c3d4e5f6"}
    )
    assert renamed.volumes == ("ecsedu-demo-01234567-data-a1b2c3d4e5f6",)


def test_on_a_task_network_aliases_and_links_go_to_the_endpoint() -> None:
    metrics = web("metrics", links=("web:site",))
    task = spec(web(), metrics)
    names = {"web": "ecsedu-demo-01234567-web-alice", "metrics": "ecsedu-demo-01234567-metrics"}
    args = translate.create_args(task, metrics, OWNER, network_id="net1", docker_names=names)
    assert args.host_config["network_mode"] == "net1"
    assert args.host_config["links"] is None
    assert args.endpoint == {
        "aliases": ["metrics"],
        "links": [("ecsedu-demo-01234567-web-alice", "site")],
    }
    bridge = translate.create_args(task, metrics, OWNER, docker_names=names)
    assert bridge.host_config["network_mode"] == "bridge"
    assert bridge.host_config["links"] == [("ecsedu-demo-01234567-web-alice", "site")]
    assert bridge.endpoint is None


@pytest.mark.parametrize(("mode", "docker_mode"), [("none", "none"), ("host", "host")])
def test_network_modes_none_and_host(mode: str, docker_mode: str) -> None:
    container = web()
    args = translate.create_args(
        spec(container, network_mode=mode), container, OWNER, network_id="net1"
    )
    assert args.host_config["network_mode"] == docker_mode
    assert args.endpoint is None


def test_awsvpc_containers_join_the_pause_namespace_and_publish_nothing() -> None:
    container = web(links=("db",))
    task = spec(container, network_mode="awsvpc")
    args = translate.create_args(task, container, OWNER, network_id="container:abc123")
    assert args.host_config["network_mode"] == "container:abc123"
    assert "port_bindings" not in args.host_config
    assert "links" not in args.host_config
    assert "ports" not in args.create
    assert args.endpoint is None
    assert args.create["labels"][labels.TASK_ARN] == task.task_arn
    assert args.host_config["mem_limit"] == "64m"
    # before the pause container exists (no network id) awsvpc is translated like bridge
    plain = translate.create_args(task, container, OWNER)
    assert plain.host_config["network_mode"] == "bridge"


def test_the_pause_container_holds_the_task_namespace_and_its_ports() -> None:
    task = spec(
        web(),
        web("api", ports=(PortSpec(8080, 8080), PortSpec(53, 53, "udp"))),
        network_mode="awsvpc",
    )
    args = translate.pause_args(task, OWNER, "ecsedu/worker", "vpcnet")
    assert args.image == "ecsedu/worker"
    assert args.host_config["network_mode"] == "vpcnet"
    assert args.host_config["port_bindings"] == {
        "53/udp": ("127.0.0.7", None),
        "80/tcp": ("127.0.0.7", None),
        "8080/tcp": ("127.0.0.7", None),
    }
    assert args.create["entrypoint"] == list(translate.PAUSE_COMMAND)
    lab = args.create["labels"]
    assert lab[translate.PAUSE_LABEL] == task.task_arn
    assert lab[labels.NAMESPACE] == "alice"
    assert lab[labels.CONNECTION] == "a1b2c3d4e5f6"
    assert lab[labels.INSTANCE] == "f" * 32
    # never mistaken for one of the task's containers (inventory keys on these two)
    assert labels.TASK_ARN not in lab
    assert labels.CONTAINER_NAME not in lab
    assert translate.pause_name(task) == "ecsedu-demo-01234567-pause"


def test_vpc_network_name_and_labels_belong_to_the_connection() -> None:
    assert translate.vpc_network_name("alice", "a1b2c3d4e5f6") == "ecsedu-vpc-alice-a1b2c3d4e5f6"
    assert translate.vpc_labels("alice", "a1b2c3d4e5f6") == {
        labels.NAMESPACE: "alice",
        labels.CONNECTION: "a1b2c3d4e5f6",
    }


def test_inspect_address_reads_the_user_network_address() -> None:
    info = {"NetworkSettings": {"Networks": {"ecsedu-vpc": {"IPAddress": "172.18.0.5"}}}}
    assert translate.inspect_address(info) == "172.18.0.5"
    assert translate.inspect_address({"NetworkSettings": {"Networks": {"x": {}}}}) is None
    assert translate.inspect_address({}) is None


# -- safety -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec_kw", "container_kw", "words"),
    [
        ({}, {"privileged": True}, "privileged mode"),
        ({"network_mode": "host"}, {}, 'networkMode "host"'),
        ({"volumes": (("data", "/etc"),)}, {}, "host bind mount"),
        ({"volumes": (("sock", "/var/run/docker.sock"),)}, {}, "Docker socket"),
    ],
)
def test_check_safe_refuses_host_access_unless_allowed(
    spec_kw: dict[str, Any], container_kw: dict[str, Any], words: str
) -> None:
    task = spec(web(**container_kw), **spec_kw)
    with pytest.raises(UnsafeTaskDefinitionError, match=words) as caught:
        translate.check_safe(task)
    assert "allow_unsafe=True" in str(caught.value)
    translate.check_safe(task, allow_unsafe=True)
    translate.check_safe(spec(web(), volumes=(("scratch", None),)))


# -- back from docker inspect -----------------------------------------------------------------------


def test_inspect_bindings_reads_the_published_ports() -> None:
    info = {
        "NetworkSettings": {
            "Ports": {
                "80/tcp": [{"HostIp": "127.0.0.7", "HostPort": "32768"}],
                "9100/tcp": None,
                "53/udp": [{"HostIp": "", "HostPort": "5353"}],
            }
        }
    }
    assert translate.inspect_bindings(info) == (
        (53, 5353, "udp", ""),
        (80, 32768, "tcp", "127.0.0.7"),
    )
    assert translate.inspect_bindings({}) == ()


def test_translate_needs_neither_docker_py_nor_an_engine() -> None:
    code = (
        "import sys; import ecsedu.runtimes.docker.translate; "
        "sys.exit(1 if 'docker' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
