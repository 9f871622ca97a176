"""Scaling a service from 0 to 20 tasks on local Docker: ecsedu vs docker-compose vs the raw floor.

Each task is one ``ecsedu/web`` container with a dynamic host port on 127.0.0.1. In one run, on
the same engine, this times:

* **raw**: docker-py create+start of 20 containers from a pool of 4 threads (the floor);
* **compose**: ``docker-compose up -d --scale web=20`` (Debian's docker-compose 1.29) on an
  equivalent compose file;
* **ecsedu**: ``ecsedu.connect(runtime="docker")``, ``update_service(desiredCount=20)`` on a
  service at 0, until the ``services_stable`` waiter (small ``Delay``) says all 20 are RUNNING;
  teardown is ``desiredCount=0`` until stable and every container is removed;
* **runtime** (diagnostic): ``DockerRuntime`` alone, 20 ``start_task`` until 20 RUNNING events,
  so that the engine's own overhead (its ACTIVATING step, polling) can be told apart;

and the matching teardowns, each the median of ``--repeat`` runs, with the ratios. Bar (issue 3):
ecsedu ≤ 0.8 × compose and ≤ 1.3 × raw.

    python benchmarks/docker_scale.py [--tasks 20] [--repeat 3] [--delay 0.1]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecsedu.runtimes import docker as docker_runtime  # noqa: E402
from ecsedu.runtimes.base import ContainerSpec, ContainerState, PortSpec, TaskSpec  # noqa: E402
from ecsedu.runtimes.docker import images, labels  # noqa: E402

IMAGE = "ecsedu/web:latest"


def wait_until(condition: Callable[[], bool], timeout: float = 120, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not reached")
        time.sleep(step)


def by_label(client: Any, namespace: str) -> list[Any]:
    return list(
        client.api.containers(all=True, filters={"label": labels.namespace_filter(namespace)})
    )


# -- raw docker-py ---------------------------------------------------------------------------


def bench_raw(client: Any, n: int) -> tuple[float, float]:
    namespace = f"bench-raw-{uuid.uuid4().hex[:8]}"
    api = client.api

    def one(i: int) -> str:
        host_config = api.create_host_config(port_bindings={"80/tcp": ("127.0.0.1", None)})
        created = api.create_container(
            IMAGE,
            name=f"{namespace}-{i}",
            labels={labels.NAMESPACE: namespace},
            ports=[80],
            host_config=host_config,
        )
        api.start(created["Id"])
        return str(created["Id"])

    began = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(one, range(n)))
    up = time.perf_counter() - began
    began = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda cid: api.remove_container(cid, force=True), ids))
    return up, time.perf_counter() - began


# -- docker-compose --------------------------------------------------------------------------

COMPOSE_FILE = """\
version: "2.4"
services:
  web:
    image: {image}
    ports:
      - "127.0.0.1::80"
    cpu_shares: 128
    mem_limit: 64m
    labels:
      {label}: {namespace}
"""


def bench_compose(client: Any, n: int) -> tuple[float, float] | None:
    compose = shutil.which("docker-compose")
    if compose is None:
        print("docker-compose not found (apt-get install docker-compose): skipped", file=sys.stderr)
        return None
    namespace = f"bench-compose-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docker-compose.yml"
        path.write_text(
            COMPOSE_FILE.format(image=IMAGE, label=labels.NAMESPACE, namespace=namespace)
        )
        base = [compose, "-f", str(path), "-p", namespace.replace("-", "")]
        began = time.perf_counter()
        subprocess.run([*base, "up", "-d", "--scale", f"web={n}"], check=True, capture_output=True)
        wait_until(lambda: sum(c["State"] == "running" for c in by_label(client, namespace)) == n)
        up = time.perf_counter() - began
        began = time.perf_counter()
        subprocess.run([*base, "down", "-t", "10"], check=True, capture_output=True)
        down = time.perf_counter() - began
    return up, down


# -- ecsedu ----------------------------------------------------------------------------------


@dataclass
class EngineTiming:
    """Where the engine path's time goes (seconds from ``update_service``)."""

    up: float
    down: float
    containers_running: float  # the last container RUNNING event reached the engine
    tasks_running: float  # the last task went ACTIVATING -> RUNNING
    containers_stopped: float  # the last container STOPPED event reached the engine (teardown)


def bench_ecsedu_engine(n: int, delay: float) -> EngineTiming:
    """Through the public API: a service scaled 0 -> n, waited on with ``services_stable``."""
    import ecsedu

    namespace = f"bench-ecsedu-{uuid.uuid4().hex[:8]}"
    ecs = ecsedu.connect(runtime="docker", namespace=namespace)
    waiter = ecs.get_waiter("services_stable")
    config = {"Delay": delay, "MaxAttempts": int(300 / delay)}
    try:
        ecs.create_cluster(clusterName="bench")
        ecs.add_instances("bench", count=1, cpu=4 * 1024 * n, memory=256 * n)
        ecs.register_task_definition(
            family="web",
            containerDefinitions=[
                {
                    "name": "web",
                    "image": IMAGE,
                    "cpu": 128,
                    "memory": 64,
                    "portMappings": [{"containerPort": 80, "hostPort": 0}],
                }
            ],
        )
        ecs.create_service(cluster="bench", serviceName="web", taskDefinition="web", desiredCount=0)
        waiter.wait(cluster="bench", services=["web"], WaiterConfig=config)
        client = docker_runtime.get_client()

        mark = len(ecs.events())
        wall0, began = time.time(), time.perf_counter()
        ecs.update_service(cluster="bench", service="web", desiredCount=n)
        waiter.wait(cluster="bench", services=["web"], WaiterConfig=config)
        up = time.perf_counter() - began
        service = ecs.describe_services(cluster="bench", services=["web"])["services"][0]
        assert service["runningCount"] == n, service
        containers_running = _last(ecs, mark, "CONTAINER_STATE_CHANGE", "RUNNING") - wall0
        tasks_running = _last(ecs, mark, "TASK_STATE_CHANGE", "RUNNING") - wall0

        mark = len(ecs.events())
        wall0, began = time.time(), time.perf_counter()
        ecs.update_service(cluster="bench", service="web", desiredCount=0)
        waiter.wait(cluster="bench", services=["web"], WaiterConfig=config)
        while by_label(client, namespace):  # the engine must keep running to stop them
            ecs.advance(0.02)
        down = time.perf_counter() - began
        containers_stopped = _last(ecs, mark, "CONTAINER_STATE_CHANGE", "STOPPED") - wall0
        return EngineTiming(up, down, containers_running, tasks_running, containers_stopped)
    finally:
        ecs.close(cleanup=True)


def _last(ecs: Any, since: int, kind: str, status: str) -> float:
    times = [
        e.time
        for e in ecs.events(kind=kind)
        if e.seq >= since and dict(e.detail).get("lastStatus") == status
    ]
    return max(times) if times else float("nan")


def bench_ecsedu_runtime(client: Any, n: int) -> tuple[float, float]:
    """``DockerRuntime`` alone (no engine): n ``start_task`` until n RUNNING events."""
    namespace = f"bench-rt-{uuid.uuid4().hex[:8]}"
    runtime = docker_runtime.DockerRuntime(
        cluster="bench", instance_id=uuid.uuid4().hex, namespace=namespace
    )
    web = ContainerSpec(name="web", image=IMAGE, cpu=128, memory=64, ports=(PortSpec(80, 0),))
    specs = []
    for _ in range(n):
        task_id = uuid.uuid4().hex
        specs.append(
            TaskSpec(
                task_arn=f"arn:aws:ecs:us-east-1:123456789012:task/bench/{task_id}",
                task_id=task_id,
                cluster="bench",
                instance_id=runtime.instance_id,
                task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
                family="web",
                network_mode="bridge",
                containers=(web,),
                service_name="web",
            )
        )
    seen: dict[ContainerState, int] = {ContainerState.RUNNING: 0, ContainerState.STOPPED: 0}

    def drain() -> None:
        for event in runtime.poll():
            seen[event.state] = seen.get(event.state, 0) + 1

    try:
        began = time.perf_counter()
        for spec in specs:
            runtime.start_task(spec)
        wait_until(lambda: (drain(), seen[ContainerState.RUNNING] >= n)[1])
        up = time.perf_counter() - began
        began = time.perf_counter()
        for spec in specs:
            runtime.stop_task(spec.task_arn, 10)
        wait_until(
            lambda: (
                (drain(), seen[ContainerState.STOPPED] >= n)[1] and not by_label(client, namespace)
            )
        )
        down = time.perf_counter() - began
    finally:
        runtime.close(cleanup=True)
    return up, down


# -- main ------------------------------------------------------------------------------------

ROWS = (
    ("raw", "raw docker-py, 4 threads (floor)"),
    ("compose", "docker-compose up -d --scale"),
    ("ecsedu", "ecsedu service 0->N (engine)"),
    ("runtime", "ecsedu DockerRuntime alone"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (median)")
    parser.add_argument(
        "--delay", type=float, default=0.1, help="services_stable waiter Delay (seconds)"
    )
    args = parser.parse_args(argv)
    client = docker_runtime.get_client()
    images.build_images(client, names=["ecsedu/web"])
    n = args.tasks

    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in ROWS}
    engine: list[EngineTiming] = []
    for _ in range(args.repeat):
        results["raw"].append(bench_raw(client, n))
        compose = bench_compose(client, n)
        if compose is not None:
            results["compose"].append(compose)
        timing = bench_ecsedu_engine(n, args.delay)
        engine.append(timing)
        results["ecsedu"].append((timing.up, timing.down))
        results["runtime"].append(bench_ecsedu_runtime(client, n))

    def med(name: str, index: int) -> float | None:
        values = [r[index] for r in results[name]]
        return statistics.median(values) if values else None

    raw_up, compose_up, ecsedu_up = med("raw", 0), med("compose", 0), med("ecsedu", 0)
    print(
        f"\nscale 0 -> {n} ecsedu/web containers on {client.api.base_url}, "
        f"median of {args.repeat}\n"
    )
    print(f"{'contender':<34} {'up (s)':>7} {'down (s)':>9} {'up/raw':>7} {'up/compose':>11}")
    for name, title in ROWS:
        up, down = med(name, 0), med(name, 1)
        if up is None or down is None:
            print(f"{title:<34} {'-':>7} {'-':>9}")
            continue
        vs_raw = f"{up / raw_up:.2f}x" if raw_up else "-"
        vs_compose = f"{up / compose_up:.2f}x" if compose_up else "-"
        print(f"{title:<34} {up:>7.2f} {down:>9.2f} {vs_raw:>7} {vs_compose:>11}")

    def med_of(attr: str) -> float:
        return statistics.median(getattr(t, attr) for t in engine)

    print(
        f"\nengine path, up: last container RUNNING at {med_of('containers_running'):.2f}s, "
        f"last task RUNNING at {med_of('tasks_running'):.2f}s "
        f"(the ACTIVATING step), waiter returned at {med_of('up'):.2f}s (Delay {args.delay}s)"
    )
    print(
        f"engine path, down: last container STOPPED at {med_of('containers_stopped'):.2f}s "
        f"(DEACTIVATING step first), all containers removed at {med_of('down'):.2f}s"
    )
    if ecsedu_up is not None and raw_up:
        ok_raw = ecsedu_up <= 1.3 * raw_up
        ok_compose = compose_up is None or ecsedu_up <= 0.8 * compose_up
        print(
            f"\nbar: <= 1.3x raw: {'met' if ok_raw else 'MISSED'}; "
            f"<= 0.8x compose: {'met' if ok_compose else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
