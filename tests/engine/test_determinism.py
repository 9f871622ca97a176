"""Same seed and same calls give identical ARNs, events and placements; another seed differs."""

from __future__ import annotations

from typing import Any

import ecsedu


def scenario(seed: int) -> tuple[Any, Any]:
    ecs = ecsedu.connect(seed=seed)
    ecs.create_cluster(clusterName="c")
    instances = ecs.add_instances("c", count=4)
    ecs.register_task_definition(
        family="t",
        containerDefinitions=[
            {"name": "app", "image": "busybox", "memory": 128},
            {"name": "side", "image": "busybox", "memory": 32, "essential": False},
        ],
    )
    run = ecs.run_task(cluster="c", taskDefinition="t", count=6)
    ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="t",
        desiredCount=5,
        placementStrategy=[{"type": "random"}],
    )
    ecs.advance(60)
    ecs.inject("container_exit", task=run["tasks"][0]["taskArn"], container="app")
    ecs.update_container_instances_state(
        cluster="c", containerInstances=[instances[0]], status="DRAINING"
    )
    ecs.update_service(cluster="c", service="s", desiredCount=7, forceNewDeployment=True)
    ecs.advance(600)
    tasks = ecs.list_tasks(cluster="c", desiredStatus="RUNNING")["taskArns"]
    described = ecs.describe_tasks(cluster="c", tasks=tasks)["tasks"]
    placements = sorted((t["taskArn"], t["containerInstanceArn"]) for t in described)
    service = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    return (instances, run, placements, service, ecs.events()), ecs.snapshot()


def test_same_seed_same_world() -> None:
    first, snap1 = scenario(7)
    second, snap2 = scenario(7)
    assert first == second
    assert snap1 == snap2


def test_different_seed_different_ids() -> None:
    (instances_a, run_a, *_), _ = scenario(1)
    (instances_b, run_b, *_), _ = scenario(2)
    assert set(instances_a).isdisjoint(instances_b)
    ids_a = {t["taskArn"] for t in run_a["tasks"]}
    ids_b = {t["taskArn"] for t in run_b["tasks"]}
    assert ids_a.isdisjoint(ids_b)


def test_default_seed_is_zero() -> None:
    a = ecsedu.connect()
    b = ecsedu.connect(seed=0)
    for ecs in (a, b):
        ecs.create_cluster(clusterName="c")
    assert a.add_instances("c", count=2) == b.add_instances("c", count=2)
