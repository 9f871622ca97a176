"""``ecsedu serve --runtime docker``: each learner's engine runs real containers on Docker, in the
learner's own namespace (``ecsedu-class-<name>``). Learners' names are unique per test run, so
these containers never meet another run's; every container the test made is removed at the end."""

from __future__ import annotations

import base64
import secrets
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Learner, Served, start_server

pytestmark = pytest.mark.docker

NAMESPACE_LABEL = "ecsedu.namespace"


def _containers(docker_client: Any, namespace: str) -> list[Any]:
    return docker_client.containers.list(
        all=True, filters={"label": f"{NAMESPACE_LABEL}={namespace}"}
    )


def _run_web(served: Served, who: Learner) -> str:
    ecs = served.ecs(who)
    ecs.create_cluster(clusterName="demo")
    ecs.register_container_instance(
        cluster="demo",
        totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024},
        ],
    )
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {"name": "web", "image": "ecsedu/web", "cpu": 128, "memory": 64, "essential": True}
        ],
    )
    task = ecs.run_task(cluster="demo", taskDefinition="web")["tasks"][0]
    return str(task["taskArn"])


def _wait_running(served: Served, who: Learner, arn: str, timeout: float = 60) -> None:
    ecs = served.ecs(who)
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = ecs.describe_tasks(cluster="demo", tasks=[arn])["tasks"][0]["lastStatus"]
        if status == "RUNNING":
            return
        time.sleep(0.3)
    raise AssertionError(f"the task stayed {status}")


def _reset(served: Served, who: Learner) -> None:
    auth = "Basic " + base64.b64encode(
        f"{served.instructor.access_key_id}:{served.instructor.secret_access_key}".encode()
    ).decode("ascii")
    req = urllib.request.Request(
        f"{served.url}/board/learner/{who.account_id}/reset",
        data=b"",
        method="POST",
        headers={"Authorization": auth, "X-Ecsedu-Board": "reset"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200


@pytest.fixture
def names(docker_client: Any) -> Iterator[list[str]]:
    run = secrets.token_hex(4)
    people = [f"dk{run}a", f"dk{run}b"]
    yield people
    for name in people:  # only this run's learners' containers and networks
        namespace = f"ecsedu-class-{name}"
        for container in _containers(docker_client, namespace):
            container.remove(force=True)
        for network in docker_client.networks.list(
            filters={"label": f"{NAMESPACE_LABEL}={namespace}"}
        ):
            network.remove()


def test_learners_get_their_own_real_containers(
    tmp_path: Path, docker_client: Any, names: list[str]
) -> None:
    roster = tmp_path / "roster.txt"
    roster.write_text("\n".join(names) + "\n")
    state = tmp_path / "state"
    args = ("--runtime", "docker", "--roster", str(roster), "--rate", "1000", "--burst", "1000")
    served = start_server(state, *args)
    try:
        a, b = (next(p for p in served.learners if p.name == n) for n in names)
        ns_a, ns_b = (f"ecsedu-class-{n}" for n in names)
        arn_a = _run_web(served, a)
        arn_b = _run_web(served, b)
        _wait_running(served, a, arn_a)
        _wait_running(served, b, arn_b)

        # a real container, labelled with A's namespace and task
        [container_a] = _containers(docker_client, ns_a)
        assert container_a.status == "running"
        # (the engine inside names its own account; the server shows the learner's)
        assert container_a.labels["ecsedu.task-arn"].split(":task/")[1] == arn_a.split(":task/")[1]
        assert f":{a.account_id}:" in arn_a
        [container_b] = _containers(docker_client, ns_b)

        # B cannot see A's task, cluster or container
        ecs_b = served.ecs(b)
        assert ecs_b.list_tasks(cluster="demo")["taskArns"] == [arn_b]
        described = ecs_b.describe_tasks(cluster="demo", tasks=[arn_a])
        assert described["tasks"] == []

        # a restart adopts both learners' running containers (no new ones, same tasks)
        served.stop()
        assert container_a.id in {c.id for c in _containers(docker_client, ns_a)}
        served = start_server(state, *args)
        _wait_running(served, a, arn_a, timeout=10)
        _wait_running(served, b, arn_b, timeout=10)
        assert [c.id for c in _containers(docker_client, ns_a)] == [container_a.id]
        assert [c.id for c in _containers(docker_client, ns_b)] == [container_b.id]

        # resetting A removes A's container only
        _reset(served, a)
        assert _containers(docker_client, ns_a) == []
        assert served.ecs(a).list_clusters()["clusterArns"] == []
        container_b.reload()
        assert container_b.status == "running"
        assert served.ecs(b).list_tasks(cluster="demo")["taskArns"] == [arn_b]

        # stopped without --cleanup-on-exit: B's container keeps running
        served.stop()
        container_b.reload()
        assert container_b.status == "running"

        # --cleanup-on-exit: stopping the server removes every learner's containers
        served = start_server(state, *args, "--cleanup-on-exit")
        _wait_running(served, b, arn_b, timeout=10)
        served.stop()
        assert _containers(docker_client, ns_b) == []
    finally:
        served.stop()
