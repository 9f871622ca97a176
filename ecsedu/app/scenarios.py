"""The article's examples, rebuilt through ecsedu's public API: one scenario per figure.

Each function starts a fresh, seeded simulated ECS (``ecsedu.connect(seed=0)``), makes the calls
a learner would make (create a cluster, add container instances, register the app + metrics task
definition, create services, let simulated time pass) and returns the connection, so that
``ecs.snapshot()`` holds the situation the figure shows. Nothing here reaches behind the API.

>>> ecs = one_service_four_tasks()            # doctest: +SKIP
>>> len(ecs.snapshot().tasks)                 # doctest: +SKIP
4
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ecsedu

__all__ = [
    "SCENARIOS",
    "app_pair",
    "docker_host",
    "ecs_overview",
    "large_cluster",
    "one_instance_eight_tasks",
    "one_service_four_tasks",
    "one_task_definition",
    "service_with_bounds",
    "several_services",
    "three_services",
]

CLUSTER = "demo"
SETTLE = 120.0  # simulated seconds: long enough for agents to pull images and start tasks

Connection = Any  # the object ecsedu.connect() returns


def _start(instances: int, *, cpu: int = 2048, memory: int = 4096) -> Connection:
    ecs = ecsedu.connect(seed=0)
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.add_instances(CLUSTER, count=instances, cpu=cpu, memory=memory)
    return ecs


def app_pair(ecs: Connection, family: str = "app") -> None:
    """Register the article's running example: the main app plus its metrics sidecar."""
    ecs.register_task_definition(
        family=family,
        containerDefinitions=[
            {
                "name": "app",
                "image": "ecsedu/web",
                "cpu": 256,
                "memory": 256,
                "essential": True,
                "portMappings": [{"containerPort": 8080, "hostPort": 0}],
            },
            {
                "name": "metrics",
                "image": "ecsedu/metrics",
                "cpu": 128,
                "memory": 128,
                "essential": True,
            },
        ],
    )


def _single(ecs: Connection, family: str, image: str, cpu: int = 256, memory: int = 256) -> None:
    ecs.add_image(image)  # ecsedu/api, ecsedu/cache: made-up images the simulated runtime can pull
    ecs.register_task_definition(
        family=family,
        containerDefinitions=[
            {"name": family, "image": image, "cpu": cpu, "memory": memory, "essential": True}
        ],
    )


def _services(ecs: Connection, counts: dict[str, int]) -> Connection:
    app_pair(ecs)
    images = {"api": "ecsedu/api", "worker": "ecsedu/worker", "cache": "ecsedu/cache"}
    for name, count in counts.items():
        family = "app" if name == "web" else name
        if family != "app":
            _single(ecs, family, images.get(family, f"ecsedu/{family}"))
        ecs.create_service(
            cluster=CLUSTER, serviceName=name, taskDefinition=family, desiredCount=count
        )
    ecs.advance(SETTLE)
    return ecs


def docker_host() -> Connection:
    """Figure 1: one machine with Docker running the app + metrics pair twice."""
    ecs = _start(1)
    app_pair(ecs)
    ecs.run_task(cluster=CLUSTER, taskDefinition="app", count=2)
    ecs.advance(SETTLE)
    return ecs


def ecs_overview() -> Connection:
    """Figure 2: a cluster of two container instances, each with Docker and the agent."""
    return _services(_start(2), {"web": 2, "api": 1})


def one_task_definition() -> Connection:
    """Figure 3: one task definition, three identical tasks started from it."""
    ecs = _start(2)
    app_pair(ecs)
    ecs.run_task(cluster=CLUSTER, taskDefinition="app", count=3)
    ecs.advance(SETTLE)
    return ecs


def service_with_bounds() -> Connection:
    """Figure 4: service ``web`` over the app + metrics task definition, scaled between 2 and 6
    tasks by a target tracking policy on CPU (50 %); a CPU load makes the high alarm fire and
    the service scale out from 3 (the article: "when CPU in a task is maxed out, a task is
    added", up to the maximum)."""
    ecs = _services(_start(2), {"web": 3})
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": f"service/{CLUSTER}/web",
        "ScalableDimension": "ecs:service:DesiredCount",
    }
    ecs.autoscaling.register_scalable_target(**target, MinCapacity=2, MaxCapacity=6)
    ecs.autoscaling.put_scaling_policy(
        **target,
        PolicyName="cpu50",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
        },
    )
    ecs.load(cluster=CLUSTER, service="web", cpu_percent=80)
    ecs.advance(240)  # three breaching minutes: the high alarm fires and a task is added
    return ecs


def one_instance_eight_tasks() -> Connection:
    """Figure 5: one large container instance running 8 tasks of three services."""
    return _services(_start(1, cpu=4096, memory=8192), {"web": 3, "api": 3, "worker": 2})


def one_service_four_tasks() -> Connection:
    """Figure 6: one service running four tasks across two container instances."""
    return _services(_start(2), {"web": 4})


def several_services() -> Connection:
    """Figure 7: four services spread across three container instances."""
    return _services(_start(3), {"web": 3, "api": 2, "worker": 2, "cache": 1})


def three_services() -> Connection:
    """Figure 8 (the seed scenario): 3 services with 3, 2 and 1 tasks on two instances."""
    return _services(_start(2), {"web": 3, "api": 2, "worker": 1})


def large_cluster(instances: int = 100, tasks: int = 1000) -> Connection:
    """A big cluster for the benchmark: ``tasks`` tasks of 10 services on ``instances``."""
    ecs = _start(instances, cpu=4096, memory=8192)
    per_service = tasks // 10
    return _services(ecs, {f"svc{i}": per_service for i in range(10)})


SCENARIOS: dict[int, Callable[[], Connection]] = {
    1: docker_host,
    2: ecs_overview,
    3: one_task_definition,
    4: service_with_bounds,
    5: one_instance_eight_tasks,
    6: one_service_four_tasks,
    7: several_services,
    8: three_services,
}
