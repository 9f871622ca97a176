"""ecs.save(path) / ecsedu.connect(state=path): the whole state round-trips as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import ecsedu


def build(seed: int = 3) -> Any:
    ecs = ecsedu.connect(seed=seed)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    ecs.register_task_definition(
        family="app",
        containerDefinitions=[
            {"name": "app", "image": "ecsedu/web", "memory": 256, "cpu": 128,
             "portMappings": [{"containerPort": 80, "hostPort": 0}]},
            {"name": "metrics", "image": "ecsedu/metrics", "memory": 128, "cpu": 64},
        ],
        tags=[{"key": "course", "value": "ecs-101"}],
    )  # fmt: skip
    ecs.create_service(cluster="demo", serviceName="web", taskDefinition="app", desiredCount=4)
    return ecs


def world(ecs: Any) -> dict[str, Any]:
    """Everything a learner can ask for, through the API."""
    tasks = ecs.list_tasks(cluster="demo")["taskArns"]
    stopped = ecs.list_tasks(cluster="demo", desiredStatus="STOPPED")["taskArns"]
    instances = ecs.list_container_instances(cluster="demo")["containerInstanceArns"]
    return {
        "cluster": ecs.describe_clusters(clusters=["demo"]),
        "services": ecs.describe_services(cluster="demo", services=["web"]),
        "tasks": ecs.describe_tasks(cluster="demo", tasks=tasks + stopped) if tasks else None,
        "instances": ecs.describe_container_instances(cluster="demo", containerInstances=instances),
        "definitions": ecs.list_task_definitions(),
        "td": ecs.describe_task_definition(taskDefinition="app", include=["TAGS"]),
    }


def test_a_loaded_state_answers_every_describe_exactly_as_before(tmp_path: Path) -> None:
    ecs = build()
    ecs.advance(100)
    before = world(ecs)
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    assert world(again) == before
    assert again.events() == ecs.events()
    assert again.snapshot() == ecs.snapshot()


def test_after_loading_the_future_is_the_same_as_without_saving(tmp_path: Path) -> None:
    ecs = build()
    ecs.advance(100)
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    for each in (ecs, again):
        victim = each.list_tasks(cluster="demo")["taskArns"][0]
        each.inject("container_exit", task=victim, container="app")
        each.update_service(cluster="demo", service="web", desiredCount=6)
        each.advance(120)
    assert world(again) == world(ecs)
    ours = ecs.run_task(cluster="demo", taskDefinition="app", count=3)["tasks"]
    theirs = again.run_task(cluster="demo", taskDefinition="app", count=3)["tasks"]
    assert [t["taskArn"] for t in ours] == [t["taskArn"] for t in theirs]


def test_a_state_saved_while_tasks_start_carries_on(tmp_path: Path) -> None:
    ecs = build()
    ecs.advance(3.1)  # some tasks PENDING, some ACTIVATING
    statuses = {t.last_status for t in ecs.snapshot().tasks}
    assert statuses & {"PENDING", "ACTIVATING"}
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    again.get_waiter("services_stable").wait(cluster="demo", services=["web"])
    service = again.describe_services(cluster="demo", services=["web"])["services"][0]
    assert service["runningCount"] == 4
    assert "(service web) has reached a steady state." in service["events"][0]["message"]


def test_the_file_is_plain_json_with_its_format_named(tmp_path: Path) -> None:
    ecs = build()
    ecs.advance(30)
    path = tmp_path / "state.json"
    ecs.save(str(path))
    data = json.loads(path.read_text())
    assert data["format"] == "ecsedu-state"
    assert len(data["tasks"]) == 4
    assert any(e[1] == "PLACEMENT" for e in data["log"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No state file at"),
        ("{not json", "Cannot read the state file"),
        ('{"format": "something-else"}', "is not an ecsedu state file"),
        ('{"format": "ecsedu-state", "version": 99}', "was written by another ecsedu"),
        ('{"format": "ecsedu-state", "version": 1, "time": 0}', "is damaged"),
    ],
)
def test_a_bad_state_file_gets_a_plain_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "state.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ecsedu.StateFileError, match=message):
        ecsedu.connect(state=path)


def _enum_leaves(value: Any, path: str = "") -> list[str]:
    """Where in a wire value an Enum member hides instead of a plain string."""
    import dataclasses
    import enum

    if isinstance(value, enum.Enum):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _enum_leaves(v, f"{path}.{k}")]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in _enum_leaves(v, f"{path}[{i}]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            p
            for f in dataclasses.fields(value)
            for p in _enum_leaves(getattr(value, f.name), f"{path}.{f.name}")
        ]
    return []


def test_statuses_leave_the_engine_as_plain_strings(tmp_path: Path) -> None:
    from ecsedu.engine import persist
    from ecsedu.model import container_instance, service, task

    ecs = build()
    ecs.advance(100)
    ecs.stop_task(cluster="demo", task=ecs.list_tasks(cluster="demo")["taskArns"][0])
    ecs.advance(5)
    assert _enum_leaves(world(ecs)) == []
    snap = ecs.snapshot()
    assert _enum_leaves([snap.clusters, snap.instances, snap.services, snap.tasks]) == []
    assert _enum_leaves(snap.task_definitions) == []
    assert _enum_leaves(persist.dump(ecs)) == []
    assert _enum_leaves([e.detail for e in ecs.store.event_views()]) == []
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    # ... and come back in as the model's enum members
    inst = next(iter(again.store.instances.values()))
    assert inst.status is container_instance.InstanceStatus.ACTIVE
    svc = next(iter(again.store.services.values()))
    assert svc.status is service.ServiceStatus.ACTIVE
    assert svc.primary.status is service.DeploymentStatus.PRIMARY
    for t in again.store.tasks.values():
        assert isinstance(t.desired_status, task.DesiredStatus)
        assert all(isinstance(c.last_status, task.ContainerStatus) for c in t.containers)
