"""The Docker runtime against a real engine: tasks become labelled containers, reality flows back.

Marked ``docker``: needs a Docker engine (CI starts one; elsewhere these are skipped without it).
"""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from ecsedu.errors import ImageNotFoundError, RuntimeUnavailableError, UnsafeTaskDefinitionError
from ecsedu.runtimes import docker as docker_runtime
from ecsedu.runtimes.base import (
    ContainerEvent,
    ContainerSpec,
    ContainerState,
    HealthCheckSpec,
    PortSpec,
    TaskSpec,
)
from ecsedu.runtimes.docker import labels

RUNNING, STOPPED = ContainerState.RUNNING, ContainerState.STOPPED
DENIED = (
    "Error response from daemon: pull access denied for ecsedu/does-not-exist, repository does "
    "not exist or may require 'docker login': denied: requested access to the resource is denied"
)
HEALTH = HealthCheckSpec(
    ("CMD", "/ecsedu/http-get", "http://127.0.0.1/health"), interval=1, timeout=2, retries=2
)


def task_spec(
    *containers: ContainerSpec, cluster: str = "test", network_mode: str = "bridge", **kw: Any
) -> TaskSpec:
    task_id = kw.pop("task_id", uuid.uuid4().hex)
    return TaskSpec(
        task_arn=f"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/{task_id}",
        task_id=task_id,
        cluster=cluster,
        instance_id=kw.pop("instance_id", "0" * 32),
        task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/app:3",
        family="app",
        network_mode=network_mode,
        containers=containers,
        **kw,
    )


def web(name: str = "web", **kw: Any) -> ContainerSpec:
    kw.setdefault("ports", (PortSpec(80, 0),))
    return ContainerSpec(name=name, image="ecsedu/web", cpu=128, memory=64, **kw)


def collect(
    runtime: Any, until: Callable[[list[ContainerEvent]], bool], timeout: float = 20
) -> list[ContainerEvent]:
    """Poll the runtime until ``until(events so far)`` holds (or fail after ``timeout`` s)."""
    events: list[ContainerEvent] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events += runtime.poll()
        if until(events):
            return events
        time.sleep(0.05)
    pytest.fail(f"condition not reached in {timeout}s; events: {events}")


def states(events: list[ContainerEvent], name: str) -> list[ContainerState]:
    return [e.state for e in events if e.container_name == name]


def stopped(events: list[ContainerEvent], name: str) -> ContainerEvent | None:
    return next((e for e in events if e.container_name == name and e.state == STOPPED), None)


def ours(client: Any, namespace: str) -> list[Any]:
    # sparse: no inspect per container (one removed between the list and its inspect is a 404)
    return client.containers.list(
        all=True, sparse=True, filters={"label": labels.namespace_filter(namespace)}
    )


def wait_gone(client: Any, namespace: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while ours(client, namespace) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ours(client, namespace) == []


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


# -- safety and errors: no engine needed for these two ------------------------------------------


@pytest.mark.parametrize(
    ("spec_kw", "container_kw", "words"),
    [
        ({}, {"privileged": True}, "privileged mode"),
        ({"network_mode": "host"}, {}, 'networkMode "host"'),
        ({"volumes": (("data", "/etc"),)}, {}, "host bind mount"),
        ({"volumes": (("sock", "/var/run/docker.sock"),)}, {}, "Docker socket"),
    ],
)
def test_unsafe_task_definitions_are_refused_unless_opted_in(
    spec_kw: dict[str, Any], container_kw: dict[str, Any], words: str
) -> None:
    spec = task_spec(web(**container_kw), **spec_kw)
    with pytest.raises(UnsafeTaskDefinitionError, match="allow_unsafe=True") as caught:
        docker_runtime.DockerRuntime.check_safe(spec, False)
    assert words in str(caught.value)
    docker_runtime.DockerRuntime.check_safe(spec, True)  # opted in: no error


def test_safe_task_definition_passes_the_check() -> None:
    docker_runtime.check_safe(task_spec(web(), volumes=(("scratch", None),)), False)


def test_unreachable_engine_says_how_to_start_it_and_offers_the_simulated_runtime(
    tmp_path: Any,
) -> None:
    with pytest.raises(RuntimeUnavailableError) as caught:
        docker_runtime.check_engine(f"unix://{tmp_path}/no-docker.sock")
    message = str(caught.value)
    assert "start it" in message
    assert 'runtime="simulated"' in message
    assert message.count(". ") == 0  # one sentence


# -- on a real engine -------------------------------------------------------------------------


@pytest.mark.docker
def test_two_container_task_runs_serves_its_page_and_is_removed_when_stopped(
    make_runtime: Callable[..., Any], docker_client: Any, namespace: str
) -> None:
    runtime = make_runtime()
    spec = task_spec(
        web(health_check=HEALTH),
        ContainerSpec(
            name="metrics",
            image="ecsedu/metrics",
            environment=(("METRICS_TARGET", "http://web/health"), ("METRICS_INTERVAL", "1")),
            depends_on=(("web", "HEALTHY"),),
        ),
        instance_id=runtime.instance_id,
    )
    began = time.monotonic()
    runtime.start_task(spec)
    assert time.monotonic() - began < 0.5  # start_task does not wait for Docker

    events = collect(runtime, lambda ev: RUNNING in states(ev, "metrics"))
    web_running = next(e for e in events if e.container_name == "web" and e.state == RUNNING)
    (container_port, host_port, protocol, host_ip) = web_running.bindings[0]
    assert (container_port, protocol, host_ip) == (80, "tcp", "127.0.0.1")
    assert host_port > 0
    # dependsOn HEALTHY: metrics starts only after web reported HEALTHY
    order = [(e.container_name, e.state, e.health) for e in events]
    assert order.index(("web", RUNNING, "HEALTHY")) < [n for n, _, _ in order].index("metrics")

    page = get(f"http://127.0.0.1:{host_port}/")
    assert spec.task_id in page
    assert ">web<" in page

    container = docker_client.containers.get(f"ecsedu-test-{spec.task_id[:8]}-web")
    assert container.labels[labels.TASK_ARN] == spec.task_arn
    assert container.labels[labels.NAMESPACE] == namespace
    assert container.labels[labels.ECS_TASK_DEFINITION_FAMILY] == "app"
    assert container.attrs["HostConfig"]["CpuShares"] == 128
    assert container.attrs["HostConfig"]["Memory"] == 64 * 1024 * 1024
    assert runtime.list_tasks() == {spec.task_arn: {"web": RUNNING, "metrics": RUNNING}}

    # the sidecar reaches the app by its container name over the task network
    deadline = time.monotonic() + 10
    metrics = docker_client.containers.get(f"ecsedu-test-{spec.task_id[:8]}-metrics")

    def last_line() -> bytes:  # the sidecar may not have logged anything yet
        lines = metrics.logs().splitlines()
        return lines[-1] if lines else b"up=0 (no log yet)"

    while b"up=0" in last_line() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert b"up=0" not in last_line()

    runtime.stop_task(spec.task_arn, 5)
    events = collect(runtime, lambda ev: bool(stopped(ev, "web") and stopped(ev, "metrics")))
    # the demo images end on SIGTERM the way Docker reports a process SIGTERM ends: 128 + 15
    assert stopped(events, "web").exit_code == 143  # type: ignore[union-attr]
    wait_gone(docker_client, namespace)
    assert docker_client.networks.list(filters={"label": labels.namespace_filter(namespace)}) == []


@pytest.mark.docker
@pytest.mark.parametrize("how", ["kill", "rm"])
def test_out_of_band_kill_or_rm_reports_stopped_with_137(
    make_runtime: Callable[..., Any], docker_client: Any, namespace: str, how: str
) -> None:
    runtime = make_runtime()
    spec = task_spec(web(), instance_id=runtime.instance_id)
    runtime.start_task(spec)
    events = collect(runtime, lambda ev: RUNNING in states(ev, "web"))
    container = docker_client.containers.get(events[-1].runtime_id)
    if how == "kill":
        container.kill()
    else:
        container.remove(force=True)
    events = collect(runtime, lambda ev: stopped(ev, "web") is not None, timeout=10)
    assert stopped(events, "web").exit_code == 137  # type: ignore[union-attr]
    wait_gone(docker_client, namespace)


@pytest.mark.docker
def test_oom_kill_reports_out_of_memory_error(make_runtime: Callable[..., Any]) -> None:
    runtime = make_runtime()
    hog = ContainerSpec(
        name="hog",
        image="ecsedu/worker",
        memory=16,
        environment=(("WORKER_MEMORY_MB", "256"), ("WORKER_CPU_PERCENT", "0")),
    )
    runtime.start_task(task_spec(hog, instance_id=runtime.instance_id))
    events = collect(runtime, lambda ev: stopped(ev, "hog") is not None, timeout=30)
    event = stopped(events, "hog")
    assert event is not None
    assert (event.exit_code, event.reason) == (137, docker_runtime.OOM_REASON)


@pytest.mark.docker
def test_container_exit_code_is_reported_and_the_task_cleaned_up(
    make_runtime: Callable[..., Any], docker_client: Any, namespace: str
) -> None:
    runtime = make_runtime()
    crashy = ContainerSpec(
        name="crashy", image="ecsedu/crashy", environment=(("EXIT_CODE", "3"), ("EXIT_AFTER", "1"))
    )
    runtime.start_task(task_spec(crashy, instance_id=runtime.instance_id))
    events = collect(runtime, lambda ev: stopped(ev, "crashy") is not None)
    assert states(events, "crashy") == [RUNNING, STOPPED]
    assert stopped(events, "crashy").exit_code == 3  # type: ignore[union-attr]
    wait_gone(docker_client, namespace)


@pytest.mark.docker
def test_missing_image_fails_the_start_naming_the_fix_without_pulling(
    make_runtime: Callable[..., Any], docker_client: Any
) -> None:
    runtime = make_runtime()
    spec = task_spec(
        ContainerSpec(name="app", image="ecsedu/does-not-exist"), instance_id=runtime.instance_id
    )
    with pytest.raises(ImageNotFoundError, match=re.escape(DENIED)):
        runtime.check_images(spec)

    pulls: list[Any] = []
    since = int(time.time()) - 1
    runtime.start_task(spec)
    events = collect(runtime, lambda ev: stopped(ev, "app") is not None)
    event = stopped(events, "app")
    assert event is not None
    assert event.start_failed
    assert event.reason is not None
    assert event.reason == f"CannotPullContainerError: {DENIED}"
    assert runtime.last_failure(spec.task_arn) == event.reason

    stream = docker_client.events(
        since=since, until=int(time.time()) + 1, decode=True, filters={"type": "image"}
    )
    pulls += [e for e in stream if e.get("Action") == "pull"]
    assert pulls == []


@pytest.mark.docker
def test_port_already_taken_fails_the_start_as_cannot_start_container(
    make_runtime: Callable[..., Any],
) -> None:
    runtime = make_runtime()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        runtime.start_task(
            task_spec(web(ports=(PortSpec(80, port),)), instance_id=runtime.instance_id)
        )
        events = collect(runtime, lambda ev: stopped(ev, "web") is not None)
    event = stopped(events, "web")
    assert event is not None
    assert event.start_failed
    assert event.reason is not None
    # ECS's form: the kind of failure, then the daemon's own words
    assert event.reason.startswith("CannotStartContainerError: Error response from daemon: ")
    assert "address already in use" in event.reason


@pytest.mark.docker
def test_a_running_container_reports_its_image_digest(
    make_runtime: Callable[..., Any], docker_client: Any
) -> None:
    runtime = make_runtime()
    runtime.start_task(task_spec(web(), instance_id=runtime.instance_id))
    events = collect(runtime, lambda ev: RUNNING in states(ev, "web"))
    running = next(e for e in events if e.container_name == "web" and e.state == RUNNING)
    image = docker_client.images.get("ecsedu/web")
    # a demo image is built, not pulled: no repository digest, so its image id (sha256:...)
    assert image.attrs.get("RepoDigests") == []
    assert running.image_digest == image.id


@pytest.mark.docker
def test_healthy_follows_whether_docker_answers(make_runtime: Callable[..., Any]) -> None:
    runtime = make_runtime()
    assert runtime.healthy() is True

    class Down:
        def ping(self) -> bool:
            raise ConnectionError("no Docker engine")

    real, runtime.client = runtime.client, Down()
    try:
        runtime._health = (-1e9, True)  # forget the last answer (kept for 2 s)
        assert runtime.healthy() is False
    finally:
        runtime.client = real


@pytest.mark.docker
def test_cleanup_leaves_foreign_containers_and_other_namespaces_alone(
    make_runtime: Callable[..., Any], docker_client: Any, namespace: str
) -> None:
    mine = make_runtime()
    other_ns = f"{namespace}-other"
    theirs = make_runtime(namespace=other_ns)
    foreign = docker_client.containers.create("ecsedu/web", name=f"foreign-{uuid.uuid4().hex[:8]}")
    try:
        for runtime in (mine, theirs):
            runtime.start_task(task_spec(web(), instance_id=runtime.instance_id))
            collect(runtime, lambda ev: RUNNING in states(ev, "web"))

        result = docker_runtime.cleanup(namespace)

        assert len(result.containers) == 1
        assert ours(docker_client, namespace) == []
        assert len(ours(docker_client, other_ns)) == 1
        foreign.reload()  # still there
        assert foreign.status == "created"
    finally:
        foreign.remove(force=True)
        docker_runtime.cleanup(other_ns)


@pytest.mark.docker
def test_two_namespaces_on_one_engine_run_the_same_task_id_without_seeing_each_other(
    make_runtime: Callable[..., Any], namespace: str
) -> None:
    other_ns = f"{namespace}-b"
    try:
        alice = make_runtime(instance_id="1" * 32)
        bob = make_runtime(instance_id="1" * 32, namespace=other_ns)
        task_id = (
            uuid.uuid4().hex
        )  # same cluster, same instance id, same task id: seeded ids collide
        for runtime in (alice, bob):
            runtime.start_task(task_spec(web(), task_id=task_id, instance_id=runtime.instance_id))
        a_events = collect(alice, lambda ev: RUNNING in states(ev, "web"))
        b_events = collect(bob, lambda ev: RUNNING in states(ev, "web"))
        assert a_events[0].runtime_id != b_events[0].runtime_id
        assert len(alice.list_tasks()) == len(bob.list_tasks()) == 1

        bob.kill_container(b_events[0].task_arn, "web")
        collect(bob, lambda ev: stopped(ev, "web") is not None)
        time.sleep(0.5)
        assert alice.poll() == []  # alice heard nothing about bob's container
        assert alice.list_tasks() == {a_events[0].task_arn: {"web": RUNNING}}
    finally:
        docker_runtime.cleanup(other_ns)


@pytest.mark.docker
def test_new_runtime_adopts_running_containers_by_label(
    make_runtime: Callable[..., Any], docker_client: Any
) -> None:
    first = make_runtime(instance_id="2" * 32)
    spec = task_spec(web(), instance_id=first.instance_id)
    first.start_task(spec)
    collect(first, lambda ev: RUNNING in states(ev, "web"))
    first.close()  # the kernel went away; the containers stay

    second = make_runtime(instance_id="2" * 32)
    assert second.list_tasks() == {spec.task_arn: {"web": RUNNING}}
    second.stop_task(spec.task_arn, 2)
    events = collect(second, lambda ev: stopped(ev, "web") is not None)
    assert stopped(events, "web").exit_code == 143  # type: ignore[union-attr]


@pytest.mark.docker
def test_images_build_is_idempotent(docker_client: Any, demo_images: list[str]) -> None:
    from ecsedu.runtimes.docker import images

    assert set(demo_images) == {
        "ecsedu/web:latest",
        "ecsedu/metrics:latest",
        "ecsedu/worker:latest",
        "ecsedu/crashy:latest",
    }
    again = images.build_images(docker_client)
    assert [r.built for r in again] == [False] * 4


@pytest.mark.docker
def test_an_instance_on_a_second_engine_runs_its_task_there(
    make_runtime: Callable[..., Any], second_dockerd: Any, docker_client: Any, namespace: str
) -> None:
    runtime = make_runtime(docker_host=second_dockerd.url, address="127.0.0.2")
    spec = task_spec(web(), instance_id=runtime.instance_id)
    runtime.start_task(spec)
    events = collect(runtime, lambda ev: RUNNING in states(ev, "web"), timeout=30)
    _, host_port, _, host_ip = events[-1].bindings[0]
    assert host_ip == "127.0.0.2"
    assert spec.task_id in get(f"http://127.0.0.2:{host_port}/")
    assert ours(docker_client, namespace) == []  # not on the main engine
    runtime.stop_task(spec.task_arn, 2)
    collect(runtime, lambda ev: stopped(ev, "web") is not None)


@pytest.mark.docker
def test_start_task_does_not_block_while_many_tasks_start(make_runtime: Callable[..., Any]) -> None:
    runtime = make_runtime()
    specs = [task_spec(web(), instance_id=runtime.instance_id) for _ in range(6)]
    began = time.monotonic()
    for spec in specs:
        runtime.start_task(spec)
    assert time.monotonic() - began < 0.5
    assert threading.active_count() < 40
    collect(runtime, lambda ev: sum(e.state == RUNNING for e in ev) == 6, timeout=30)


@pytest.mark.docker
def test_dockerd_restart_stops_the_task_and_the_runtime_reconnects(
    make_runtime: Callable[..., Any], second_dockerd: Any
) -> None:
    runtime = make_runtime(docker_host=second_dockerd.url, address="127.0.0.2")
    first = task_spec(web(), instance_id=runtime.instance_id)
    runtime.start_task(first)
    collect(runtime, lambda ev: RUNNING in states(ev, "web"), timeout=30)

    second_dockerd.restart()  # dockerd stops its containers on the way down

    events = collect(runtime, lambda ev: stopped(ev, "web") is not None, timeout=30)
    assert stopped(events, "web").task_arn == first.task_arn  # type: ignore[union-attr]

    # after the restart the runtime works again: a new task runs, an out-of-band kill is seen
    second = task_spec(web(), instance_id=runtime.instance_id)
    runtime.start_task(second)
    events = collect(runtime, lambda ev: RUNNING in states(ev, "web"), timeout=30)
    runtime.kill_container(second.task_arn, "web")
    events = collect(runtime, lambda ev: stopped(ev, "web") is not None, timeout=15)
    assert stopped(events, "web").exit_code == 137  # type: ignore[union-attr]
