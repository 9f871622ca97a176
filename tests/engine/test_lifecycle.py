"""The task lifecycle: PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING →
DEPROVISIONING → STOPPED as timed steps on the clock, with stopCode / stoppedReason as ECS
writes them."""

from __future__ import annotations

from typing import Any

import pytest

import ecsedu
from ecsedu import errors

CLUSTER = "c"
FORWARD = [
    "PROVISIONING",
    "PENDING",
    "ACTIVATING",
    "RUNNING",
    "DEACTIVATING",
    "STOPPING",
    "DEPROVISIONING",
    "STOPPED",
]


def setup(network_mode: str = "bridge", **extra: Any) -> tuple[Any, str]:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.add_instances(CLUSTER, count=1, cpu=4096, memory=8192)
    containers = extra.pop("containers", None) or [
        {"name": "app", "image": "busybox", "memory": 128},
        {"name": "sidecar", "image": "busybox", "memory": 64, "essential": False},
    ]
    td = ecs.register_task_definition(
        family="t", networkMode=network_mode, containerDefinitions=containers, **extra
    )["taskDefinition"]["taskDefinitionArn"]
    return ecs, td


def run(ecs: Any, td: str, **params: Any) -> str:
    arn: str = ecs.run_task(cluster=CLUSTER, taskDefinition=td, **params)["tasks"][0]["taskArn"]
    return arn


def task(ecs: Any, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]
    return out


def statuses(ecs: Any, arn: str) -> list[str]:
    """lastStatus values in the order the event log saw them."""
    seen = []
    for e in ecs.events(kind="TASK_STATE_CHANGE"):
        if e.subject == arn:
            last = dict(e.detail).get("lastStatus")
            if last and (not seen or seen[-1] != last):
                seen.append(last)
    return seen


def test_a_task_walks_every_state_in_order() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.advance(30)
    assert task(ecs, arn)["lastStatus"] == "RUNNING"
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(60)
    assert statuses(ecs, arn) == FORWARD


def test_run_task_answers_pending_and_time_makes_it_running() -> None:
    ecs, td = setup()
    fresh = ecs.run_task(cluster=CLUSTER, taskDefinition=td)["tasks"][0]
    assert (fresh["lastStatus"], fresh["desiredStatus"]) == ("PENDING", "RUNNING")
    assert {c["lastStatus"] for c in fresh["containers"]} == {"PENDING"}
    assert task(ecs, fresh["taskArn"])["lastStatus"] == "PENDING"  # no time has passed
    ecs.advance(30)
    running = task(ecs, fresh["taskArn"])
    assert running["lastStatus"] == "RUNNING"
    assert {c["lastStatus"] for c in running["containers"]} == {"RUNNING"}
    for key in ("pullStartedAt", "pullStoppedAt", "startedAt", "createdAt"):
        assert key in running
    assert running["startedAt"] > running["createdAt"]


def test_awsvpc_tasks_take_time_to_provision() -> None:
    ecs, td = setup("awsvpc")
    arn = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=td,
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}},
    )["tasks"][0]["taskArn"]
    assert task(ecs, arn)["lastStatus"] == "PROVISIONING"
    ecs.advance(1)
    assert task(ecs, arn)["lastStatus"] == "PROVISIONING"
    ecs.advance(60)
    assert task(ecs, arn)["lastStatus"] == "RUNNING"


def test_stop_task_answers_desired_stopped_while_still_running() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.advance(30)
    stopped = ecs.stop_task(cluster=CLUSTER, task=arn)["task"]
    assert stopped["desiredStatus"] == "STOPPED"
    assert stopped["lastStatus"] == "RUNNING"
    assert stopped["stopCode"] == "UserInitiated"
    assert stopped["stoppedReason"] == "Task stopped by user"
    assert "stoppingAt" in stopped
    ecs.advance(60)
    final = task(ecs, arn)
    assert final["lastStatus"] == "STOPPED"
    assert "stoppedAt" in final
    assert "executionStoppedAt" in final
    assert {c["lastStatus"] for c in final["containers"]} == {"STOPPED"}


def test_stop_task_reason_replaces_the_text() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    out = ecs.stop_task(cluster=CLUSTER, task=arn, reason="deploying v2")["task"]
    assert (out["stopCode"], out["stoppedReason"]) == ("UserInitiated", "deploying v2")


def test_stopping_takes_the_stop_timeout_when_a_container_ignores_sigterm() -> None:
    ecs, td = setup(
        containers=[
            {"name": "app", "image": "busybox", "memory": 128, "stopTimeout": 90},
        ]
    )
    arn = run(ecs, td)
    ecs.advance(30)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(0.5)
    assert task(ecs, arn)["lastStatus"] in ("DEACTIVATING", "STOPPING")
    ecs.advance(120)
    assert task(ecs, arn)["lastStatus"] == "STOPPED"


def test_an_essential_container_exit_stops_the_task() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.advance(30)
    ecs.inject("container_exit", task=arn, container="app", exit_code=3)
    ecs.advance(60)
    t = task(ecs, arn)
    assert (t["lastStatus"], t["desiredStatus"]) == ("STOPPED", "STOPPED")
    assert t["stopCode"] == "EssentialContainerExited"
    assert t["stoppedReason"] == "Essential container in task exited"
    app = next(c for c in t["containers"] if c["name"] == "app")
    assert app["exitCode"] == 3
    sidecar = next(c for c in t["containers"] if c["name"] == "sidecar")
    assert sidecar["lastStatus"] == "STOPPED"  # stopped with the task


def test_a_non_essential_container_exit_leaves_the_task_running() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.advance(30)
    ecs.inject("container_exit", task=arn, container="sidecar", exit_code=0)
    ecs.advance(60)
    t = task(ecs, arn)
    assert (t["lastStatus"], t["desiredStatus"]) == ("RUNNING", "RUNNING")
    sidecar = next(c for c in t["containers"] if c["name"] == "sidecar")
    assert (sidecar["lastStatus"], sidecar["exitCode"]) == ("STOPPED", 0)


def test_out_of_memory_kill_is_exit_137_with_ecs_reason() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.advance(30)
    ecs.inject("oom", task=arn, container="app")
    ecs.advance(60)
    app = next(c for c in task(ecs, arn)["containers"] if c["name"] == "app")
    assert app["exitCode"] == 137
    assert app["reason"] == "OutOfMemoryError: Container killed due to memory usage"
    assert task(ecs, arn)["stopCode"] == "EssentialContainerExited"


def test_version_grows_with_every_change() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    versions = [task(ecs, arn)["version"]]
    for _ in range(3):
        ecs.advance(5)
        versions.append(task(ecs, arn)["version"])
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(60)
    versions.append(task(ecs, arn)["version"])
    assert versions == sorted(versions)
    assert versions[-1] > versions[0]


def test_stopped_tasks_stay_visible_for_an_hour() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.advance(10)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(60)
    assert task(ecs, arn)["lastStatus"] == "STOPPED"
    assert arn in ecs.list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"]
    ecs.advance(3600)
    gone = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])
    assert gone == {"tasks": [], "failures": [{"arn": arn, "reason": "MISSING"}]}


def test_counters_follow_the_lifecycle() -> None:
    ecs, td = setup()
    arns = [run(ecs, td) for _ in range(3)]

    def counts() -> tuple[int, int, int, int]:
        c = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]
        inst_arn = ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"][0]
        i = ecs.describe_container_instances(cluster=CLUSTER, containerInstances=[inst_arn])
        inst = i["containerInstances"][0]
        return (
            c["pendingTasksCount"],
            c["runningTasksCount"],
            inst["pendingTasksCount"],
            inst["runningTasksCount"],
        )

    assert counts() == (3, 0, 3, 3)  # instance runningTasksCount counts desired RUNNING
    ecs.advance(30)
    assert counts() == (0, 3, 0, 3)
    ecs.stop_task(cluster=CLUSTER, task=arns[0])
    assert counts() == (0, 3, 0, 2)  # desired STOPPED at once, still RUNNING
    ecs.advance(60)
    assert counts() == (0, 2, 0, 2)


def test_stop_during_pending_never_reaches_running() -> None:
    ecs, td = setup()
    arn = run(ecs, td)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(60)
    seen = statuses(ecs, arn)
    assert "RUNNING" not in seen
    assert seen[-1] == "STOPPED"
    assert seen == [s for s in FORWARD if s in seen]  # never backwards


@pytest.mark.parametrize("count", [1, 10])
def test_run_task_group_and_started_by(count: int) -> None:
    ecs, td = setup()
    out = ecs.run_task(cluster=CLUSTER, taskDefinition=td, count=count, startedBy="me")["tasks"]
    assert len(out) == count
    assert {t["group"] for t in out} == {"family:t"}
    assert {t["startedBy"] for t in out} == {"me"}
    listed = ecs.list_tasks(cluster=CLUSTER, startedBy="me")["taskArns"]
    assert sorted(listed) == sorted(t["taskArn"] for t in out)
    grouped = ecs.run_task(cluster=CLUSTER, taskDefinition=td, group="batch")["tasks"][0]
    assert grouped["group"] == "batch"


# -- simulated runtime realism -------------------------------------------------------------------
PULL_DENIED = (
    "CannotPullContainerError: Error response from daemon: pull access denied for {repo}, "
    "repository does not exist or may require 'docker login': denied: requested access to the "
    "resource is denied"
)


def one_container(image: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"name": "app", "image": image, "memory": 128, **extra}]


def timeline(seed: int) -> list[float]:
    """When each of three tasks started and stopped (seconds since the epoch), for one seed."""
    ecs = ecsedu.connect(seed=seed)
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.add_instances(CLUSTER, count=2)
    td = ecs.register_task_definition(family="t", containerDefinitions=one_container("nginx"))
    arns = [
        t["taskArn"]
        for t in ecs.run_task(
            cluster=CLUSTER, taskDefinition=td["taskDefinition"]["taskDefinitionArn"], count=3
        )["tasks"]
    ]
    ecs.advance(30)
    for arn in arns:
        ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(60)
    out = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]
    return [
        (t[key] - t["createdAt"]).total_seconds()
        for t in out
        for key in ("startedAt", "executionStoppedAt")
    ]


def test_simulated_timings_are_drawn_from_the_seed() -> None:
    first = timeline(1)
    assert timeline(1) == first  # a seed replays the same run
    assert timeline(2) != first  # another seed draws other durations
    starts = first[0::2]
    assert all(0.4 <= s <= 7.5 for s in starts), starts  # pull (or cached) + start
    assert len(set(starts)) > 1  # not one fixed duration


def test_a_second_task_on_the_same_instance_starts_faster_its_image_is_cached() -> None:
    ecs, td = setup(containers=one_container("nginx"))
    first = run(ecs, td)
    ecs.advance(30)
    second = run(ecs, td)
    ecs.advance(30)
    took = [
        (task(ecs, a)["startedAt"] - task(ecs, a)["createdAt"]).total_seconds()
        for a in (first, second)
    ]
    assert took[0] >= 2.3  # a first pull of a public image: seconds
    assert took[1] <= 0.8  # cached: a fraction of a second (0.1-0.3) plus the start


def test_stop_task_exits_143_and_a_sigterm_ignoring_container_137_at_its_timeout() -> None:
    ecs, td = setup(
        containers=[
            {"name": "app", "image": "ecsedu/web", "memory": 128},
            {
                "name": "stubborn",
                "image": "ecsedu/worker",
                "memory": 64,
                "stopTimeout": 20,
                "environment": [{"name": "IGNORE_SIGTERM", "value": "1"}],
            },
        ]
    )
    arn = run(ecs, td)
    ecs.advance(10)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(19)
    assert task(ecs, arn)["lastStatus"] == "STOPPING"
    ecs.advance(5)
    out = task(ecs, arn)
    assert out["lastStatus"] == "STOPPED"
    assert {c["name"]: c["exitCode"] for c in out["containers"]} == {"app": 143, "stubborn": 137}


def test_a_container_outlasting_a_short_stop_timeout_is_killed_137() -> None:
    ecs, td = setup(containers=one_container("ecsedu/web", stopTimeout=0))
    arn = run(ecs, td)
    ecs.advance(10)
    ecs.stop_task(cluster=CLUSTER, task=arn)
    ecs.advance(10)
    assert task(ecs, arn)["containers"][0]["exitCode"] == 137


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("ecsedu/doesnotexist:1.0", PULL_DENIED.format(repo="ecsedu/doesnotexist")),
        ("myorg/app", PULL_DENIED.format(repo="myorg/app")),
        (
            "nginx:9.9",
            "CannotPullContainerError: Error response from daemon: manifest for nginx:9.9 not "
            "found: manifest unknown: manifest unknown",
        ),
        (
            "ecsedu/web:1.0",
            "CannotPullContainerError: Error response from daemon: manifest for ecsedu/web:1.0 "
            "not found: manifest unknown: manifest unknown",
        ),
    ],
)
def test_an_image_the_registry_does_not_have_fails_to_pull(image: str, reason: str) -> None:
    ecs, td = setup(containers=one_container(image))
    arn = run(ecs, td)
    ecs.advance(30)
    out = task(ecs, arn)
    assert (out["lastStatus"], out["stopCode"], out["stoppedReason"]) == (
        "STOPPED",
        "TaskFailedToStart",
        reason,
    )
    assert out["containers"][0]["reason"] == reason
    assert "startedAt" not in out
    assert statuses(ecs, arn)[-1] == "STOPPED"
    assert "RUNNING" not in statuses(ecs, arn)


@pytest.mark.parametrize(
    "image",
    [
        "ecsedu/web",
        "ecsedu/metrics:latest",
        "nginx",
        "nginx:1.27",
        "docker.io/library/redis:7",
        "public.ecr.aws/docker/library/httpd:latest",
        "public.ecr.aws/ecs-sample-image/amazon-ecs-sample:latest",
        "amazon/amazon-ecs-sample",
        "python:3.12-slim",
    ],
)
def test_demo_and_catalogue_images_run(image: str) -> None:
    ecs, td = setup(containers=one_container(image))
    arn = run(ecs, td)
    ecs.advance(15)
    out = task(ecs, arn)
    assert out["lastStatus"] == "RUNNING"
    assert out["containers"][0]["imageDigest"].startswith("sha256:")


def test_add_image_makes_an_image_pullable_and_survives_save(tmp_path: Any) -> None:
    ecs, td = setup(containers=one_container("myorg/app:2.0"))
    digest = ecs.add_image("myorg/app:2.0")
    assert digest.startswith("sha256:")
    assert len(digest) == len("sha256:") + 64
    arn = run(ecs, td)
    ecs.advance(15)
    out = task(ecs, arn)
    assert out["lastStatus"] == "RUNNING"
    assert out["containers"][0]["imageDigest"] == digest
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert (
        again.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]["containers"][0][
            "imageDigest"
        ]
        == digest
    )
    [second] = again.run_task(cluster=CLUSTER, taskDefinition=td)["tasks"]
    again.advance(15)
    assert task(again, second["taskArn"])["lastStatus"] == "RUNNING"
    with pytest.raises(errors.UsageError):
        ecs.add_image("two words")


def test_image_digests_are_deterministic_per_image() -> None:
    ecs, td = setup(containers=one_container("nginx"))
    arns = [run(ecs, td), run(ecs, td)]
    ecs.advance(15)
    digests = {task(ecs, a)["containers"][0]["imageDigest"] for a in arns}
    assert len(digests) == 1
    other, td2 = setup(containers=one_container("nginx:latest"))
    arn = run(other, td2)
    other.advance(15)
    assert {task(other, arn)["containers"][0]["imageDigest"]} == digests


def test_killing_a_container_before_it_starts_gives_a_start_error() -> None:
    ecs, td = setup(containers=one_container("nginx"))
    arn = run(ecs, td)
    ecs.advance(0.5)  # still pulling
    ecs.inject("container_exit", task=arn, container="app", exit_code=1)
    ecs.advance(10)
    out = task(ecs, arn)
    assert out["stopCode"] == "TaskFailedToStart"
    assert out["stoppedReason"] == (
        "CannotStartContainerError: container app was killed before it started"
    )
