"""The engine is live on Docker: it notices an out-of-band ``docker kill`` and replaces the
task with nobody calling, it takes calls from several threads, and ``close()`` leaves no driver
thread behind. All on a real engine."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

pytestmark = pytest.mark.docker

C = "live"
WEB = {
    "family": "web",
    "containerDefinitions": [
        {
            "name": "web",
            "image": "ecsedu/web",
            "cpu": 64,
            "memory": 64,
            "portMappings": [{"containerPort": 80, "hostPort": 0}],
        }
    ],
}


def _service(ecs: Any, desired: int = 2) -> None:
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=1, cpu=2048, memory=4096)
    ecs.register_task_definition(**WEB)
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=desired)
    ecs.get_waiter("services_stable").wait(
        cluster=C, services=["web"], WaiterConfig={"Delay": 0.25, "MaxAttempts": 120}
    )


def _containers(docker_client: Any, namespace: str) -> dict[str, Any]:
    found = docker_client.containers.list(
        filters={"label": [f"ecsedu.namespace={namespace}", "ecsedu.service=web"]}
    )
    return {c.id: c for c in found}


def test_an_out_of_band_kill_is_replaced_with_no_call_made(
    connect: Any, docker_client: Any, namespace: str
) -> None:
    ecs = connect()
    _service(ecs)
    changes: list[Any] = []
    ecs.subscribe(changes.append)
    before = _containers(docker_client, namespace)
    assert len(before) == 2
    victim = next(iter(before.values()))
    killed_at = time.monotonic()
    victim.kill()  # from "a terminal": the docker SDK, not ecsedu
    replacement = None
    while time.monotonic() - killed_at < 10 and replacement is None:
        now = _containers(docker_client, namespace)
        new = [c for cid, c in now.items() if cid not in before]
        if new and len(now) == 2:
            replacement = new[0]
        time.sleep(0.05)
    elapsed = time.monotonic() - killed_at
    print(f"\nout-of-band kill -> replacement container running: {elapsed:.2f} s")
    assert replacement is not None, "no replacement container within 10 s"
    assert elapsed < 3.0
    # the feed told subscribers, from the driver thread, with no call made
    assert any(c.tasks for c in changes)
    svc = ecs.describe_services(cluster=C, services=["web"])["services"][0]
    assert svc["runningCount"] + svc["pendingCount"] == 2
    stopped = ecs.list_tasks(cluster=C, desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 1
    task = ecs.describe_tasks(cluster=C, tasks=stopped)["tasks"][0]
    assert task["stopCode"] == "EssentialContainerExited"


def test_calls_from_two_threads(connect: Any, namespace: str) -> None:
    ecs = connect()
    _service(ecs, desired=1)
    errors: list[BaseException] = []

    def scale() -> None:
        try:
            for n in (3, 1, 2):
                ecs.update_service(cluster=C, service="web", desiredCount=n)
                ecs.describe_services(cluster=C, services=["web"])
                time.sleep(0.2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def look() -> None:
        try:
            for _ in range(20):
                ecs.snapshot()
                ecs.list_tasks(cluster=C)
                time.sleep(0.03)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scale), threading.Thread(target=look)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    ecs.get_waiter("services_stable").wait(
        cluster=C, services=["web"], WaiterConfig={"Delay": 0.25, "MaxAttempts": 120}
    )
    svc = ecs.describe_services(cluster=C, services=["web"])["services"][0]
    assert (svc["desiredCount"], svc["runningCount"]) == (2, 2)


def test_close_leaves_no_driver_thread(connect: Any) -> None:
    ecs = connect()
    ecs.create_cluster(clusterName=C)
    assert [t for t in threading.enumerate() if t.name == "ecsedu-driver"]
    ecs.close(cleanup=True)
    deadline = time.monotonic() + 5
    while [t for t in threading.enumerate() if t.name == "ecsedu-driver"]:
        assert time.monotonic() < deadline, "the driver thread outlived close()"
        time.sleep(0.05)


def test_a_kernel_exit_leaves_nothing_running(tmp_path: Any, namespace: str) -> None:
    """A child interpreter with a live connection exits without close(): it exits promptly."""
    import subprocess
    import sys

    script = (
        "import ecsedu\n"
        f"ecs = ecsedu.connect('docker', namespace={namespace!r})\n"
        "ecs.create_cluster(clusterName='x')\n"
        "print('up', flush=True)\n"
    )
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "up" in out.stdout
    assert time.monotonic() - started < 30
