"""awsvpc and Fargate on real Docker: each task's containers share one network namespace (a
pause container) with its own address on the connection's VPC network; cleanup removes them."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import ecsedu

pytestmark = pytest.mark.docker
C = "fg"
NC = {"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu1"]}}
WAIT = {"Delay": 1, "MaxAttempts": 90}


@pytest.fixture
def ecs(namespace: str, demo_images: list[str]) -> Iterator[Any]:
    ecs = ecsedu.connect("docker", namespace=namespace)
    yield ecs
    ecs.close(cleanup=True)


def docker_ps(*filters: str) -> list[str]:
    args = ["docker", "ps", "-a", "--format", "{{.Names}}"]
    for f in filters:
        args += ["--filter", f]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return sorted(out.split())


def register(ecs: Any) -> None:
    ecs.register_task_definition(
        family="web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "web", "image": "ecsedu/web", "portMappings": [{"containerPort": 80}]},
            {
                "name": "probe",
                "image": "ecsedu/crashy",
                "essential": False,
                # reaches web over the shared namespace: localhost, as on Fargate
                "entryPoint": ["/bin/sh", "-c"],
                "command": [
                    "trap 'exit 0' TERM; sleep 1; "
                    "/ecsedu/http-get http://127.0.0.1:80/ && sleep 600 & wait $!"
                ],
            },
        ],
    )


def test_fargate_task_has_its_own_address_and_one_namespace(ecs: Any, namespace: str) -> None:
    ecs.create_cluster(clusterName=C)
    register(ecs)
    (task,) = ecs.run_task(
        cluster=C, taskDefinition="web", launchType="FARGATE", networkConfiguration=NC
    )["tasks"]
    arn = task["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[arn], WaiterConfig=WAIT)
    (running,) = ecs.describe_tasks(cluster=C, tasks=[arn])["tasks"]
    ip = running["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
    details = {d["name"]: d["value"] for d in running["attachments"][0]["details"]}
    assert details["privateIPv4Address"] == ip
    assert not ip.startswith("10.0.")  # the real address of the namespace, not a modelled one
    # one pause container on the connection's VPC network; the task's containers join it
    (pause,) = docker_ps(f"label=ecsedu.pause-of={arn}", f"label=ecsedu.namespace={namespace}")
    assert pause.endswith("-pause")
    inspect = subprocess.run(
        [
            "docker",
            "inspect",
            "-f",
            "{{.HostConfig.NetworkMode}}",
            *docker_ps(f"label=ecsedu.task-arn={arn}"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(inspect) == 2
    assert all(m.startswith("container:") for m in inspect)
    # like ECS, an awsvpc task reports no host port bindings: it is reached at its private
    # address (the pause container's address on the connection's network)
    assert running["containers"][0]["networkBindings"] == []
    body = b""
    for _ in range(50):
        try:
            body = urllib.request.urlopen(f"http://{ip}:80/", timeout=5).read()
            break
        except OSError:
            ecs.advance(0.2)
    assert b"ecsedu/web" in body
    # the probe container reached web on localhost: it is still RUNNING
    ecs.advance(3)
    (later,) = ecs.describe_tasks(cluster=C, tasks=[arn])["tasks"]
    probe = next(c for c in later["containers"] if c["name"] == "probe")
    assert probe["lastStatus"] == "RUNNING"
    # stopping the task removes its pause container too
    ecs.stop_task(cluster=C, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=C, tasks=[arn], WaiterConfig=WAIT)
    for _ in range(50):
        if not docker_ps(f"label=ecsedu.pause-of={arn}"):
            break
        ecs.advance(0.2)
    assert docker_ps(f"label=ecsedu.pause-of={arn}") == []


def test_cleanup_removes_the_vpc_network_of_the_connection(
    namespace: str, demo_images: Any
) -> None:
    ecs = ecsedu.connect("docker", namespace=namespace)
    try:
        ecs.create_cluster(clusterName=C)
        register(ecs)
        (task,) = ecs.run_task(
            cluster=C, taskDefinition="web", launchType="FARGATE", networkConfiguration=NC
        )["tasks"]
        ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[task["taskArn"]], WaiterConfig=WAIT)
        nets = subprocess.run(
            ["docker", "network", "ls", "-q", "--filter", f"label=ecsedu.namespace={namespace}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert len(nets) == 1
    finally:
        ecs.close(cleanup=True)
    assert docker_ps(f"label=ecsedu.namespace={namespace}") == []
    left = subprocess.run(
        ["docker", "network", "ls", "-q", "--filter", f"label=ecsedu.namespace={namespace}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert left == []
