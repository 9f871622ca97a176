"""Fixtures of the runtime contract suite: one ``ecs`` per runtime, torn down by label.

The ``docker`` parameter needs a Docker engine and the demo images: without them it is skipped on
a learner's machine and fails under ``CI=true`` (``missing_infrastructure``, tests/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

RUNTIMES = ["simulated", pytest.param("docker", marks=pytest.mark.docker)]


@pytest.fixture(scope="session")
def docker_ready(missing_infrastructure: Any) -> None:
    """A Docker engine answers and the offline demo images are built (once per session)."""
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as exc:  # ImportError or docker.errors.DockerException
        missing_infrastructure(f"the Docker engine is unavailable: {exc}")
    from ecsedu.runtimes.docker import images

    if not images.BUSYBOX_PATH.is_file():
        missing_infrastructure("busybox-static is not installed (apt-get install busybox-static)")
    images.build_images(client)
    client.close()


@pytest.fixture(params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name == "docker":
        request.getfixturevalue("docker_ready")
    return name


@pytest.fixture
def ecs(runtime: str) -> Iterator[Any]:
    """``ecsedu.connect(runtime)`` with cluster ``c`` of two instances; a unique namespace on
    Docker, whose containers, networks and volumes are removed by label afterwards."""
    import ecsedu

    namespace = f"ecsedu-contract-{uuid.uuid4().hex[:10]}"
    options = {"namespace": namespace} if runtime == "docker" else {}
    client = ecsedu.connect(runtime, **options)
    client.create_cluster(clusterName="c")
    client.add_instances("c", count=2)
    try:
        yield client
    finally:
        client.close(cleanup=True)
        if runtime == "docker":
            from ecsedu.runtimes import docker as docker_runtime
            from ecsedu.runtimes.docker import labels

            api = docker_runtime.get_client().api
            mine = {"label": labels.namespace_filter(namespace)}
            left = api.containers(all=True, filters=mine)
            docker_runtime.cleanup(namespace)  # belt and braces: nothing of ours survives
            assert left == [], f"close(cleanup=True) left containers of {namespace}: {left}"
