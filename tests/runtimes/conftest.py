"""Fixtures for the Docker runtime tests: a real engine, demo images, a second engine.

Under ``CI=true`` a Docker engine that does not answer is a failure (CI starts one); elsewhere the
Docker tests are skipped with the reason. Everything a test creates carries an
``ecsedu.namespace`` label unique to the test, and teardown removes by that label only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI") == "true"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "docker: needs a real Docker engine (fails under CI=true without one)"
    )


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:  # session-scoped twin of tests/conftest.py's (style 9.7)
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as exc:  # ImportError or docker.errors.DockerException
        _unavailable(f"the Docker engine is unavailable: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def demo_images(docker_client: Any) -> list[str]:
    """The offline demo images (ecsedu/web, ...), built once per session."""
    from ecsedu.runtimes.docker import images

    if not images.BUSYBOX_PATH.is_file():
        _unavailable("busybox-static is not installed (apt-get install busybox-static)")
    return [result.ref for result in images.build_images(docker_client)]


@pytest.fixture
def namespace(docker_client: Any) -> Iterator[str]:
    """A namespace unique to this test; everything carrying it is removed afterwards."""
    from ecsedu.runtimes import docker as docker_runtime
    from ecsedu.runtimes.docker import labels

    ns = f"ecsedu-test-{uuid.uuid4().hex[:10]}"
    yield ns
    docker_runtime._cleanup(docker_client, {"label": labels.namespace_filter(ns)})


@pytest.fixture
def make_runtime(namespace: str, demo_images: list[str]) -> Iterator[Callable[..., Any]]:
    """Build DockerRuntimes in the test's namespace; all are closed at teardown."""
    from ecsedu.runtimes.docker import DockerRuntime

    made: list[DockerRuntime] = []

    def make(**kwargs: Any) -> DockerRuntime:
        kwargs.setdefault("cluster", "test")
        kwargs.setdefault("instance_id", uuid.uuid4().hex)
        kwargs.setdefault("namespace", namespace)
        runtime = DockerRuntime(**kwargs)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close(cleanup=True)


class SecondEngine:
    """A second dockerd on its own socket, data-root, exec-root, pidfile and pre-made bridge."""

    def __init__(self, workdir: Path, bridge: str) -> None:
        self.workdir, self.bridge = workdir, bridge
        self.url = f"unix://{workdir}/docker.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import docker

        log = (self.workdir / "dockerd.log").open("ab")
        self.proc = subprocess.Popen(
            [
                "dockerd",
                "-H",
                self.url,
                "--data-root",
                str(self.workdir / "data"),
                "--exec-root",
                str(self.workdir / "exec"),
                "--pidfile",
                str(self.workdir / "docker.pid"),
                f"--bridge={self.bridge}",
                "--iptables=false",
                "--ip-masq=false",
                f"--cgroup-parent=/ecsedu-test-{self.bridge}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            try:  # the client asks the server for its API version as it is created
                client = docker.DockerClient(base_url=self.url)
                client.ping()
                client.close()
                return
            except Exception:
                time.sleep(0.2)
        log_text = (self.workdir / "dockerd.log").read_text()[-2000:]
        pytest.fail(f"the second dockerd did not answer: {log_text}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)  # by the PID we started, nothing else
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def second_dockerd(docker_client: Any) -> Iterator[SecondEngine]:
    """A second Docker engine, started here and stopped afterwards by its PID.

    Started with ``--iptables=false --ip-masq=false`` and a bridge made beforehand (never
    ``--bridge=none``: it would delete the main engine's docker0).
    """
    if os.geteuid() != 0 or shutil.which("dockerd") is None or shutil.which("ip") is None:
        _unavailable("a second dockerd needs root, dockerd and ip")
    bridge = f"ecst{os.getpid() % 100000}"
    subnet = 200 + os.getpid() % 50
    engine = SecondEngine(Path(tempfile.mkdtemp(prefix="ecsedu-dockerd-")), bridge)
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", f"10.{subnet}.77.1/24", "dev", bridge], check=True)
        subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
        engine.start()
        import docker

        from ecsedu.runtimes.docker import images

        client = docker.DockerClient(base_url=engine.url)
        images.build_images(client)
        client.close()
        yield engine
    finally:
        from ecsedu.runtimes import docker as docker_runtime

        docker_runtime.release_engine(engine.url)
        engine.stop()
        subprocess.run(["ip", "link", "del", bridge], check=False)
        shutil.rmtree(engine.workdir, ignore_errors=True)


@pytest.fixture
def connect(namespace: str, demo_images: list[str]) -> Iterator[Callable[..., Any]]:
    """``connect(**options)``: ``ecsedu.connect("docker", namespace=<this test's>, ...)``.

    Every control plane made is closed with ``cleanup=True`` afterwards (the ``namespace``
    fixture then removes anything left with the namespace label).
    """
    import ecsedu

    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("namespace", namespace)
        ecs = ecsedu.connect("docker", **options)
        made.append(ecs)
        return ecs

    yield make
    for ecs in made:
        ecs.close(cleanup=True)
