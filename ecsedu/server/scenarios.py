"""Named starting points the instructor can broadcast: every learner's account starts from one.

Each scenario is built on the learner's own connection through the public, boto3-shaped client
only (create a cluster, add container instances, register task definitions, create services,
let simulated time pass), like ``ecsedu.app.scenarios`` builds the article's figures, so a
learner finds exactly what the notebook would have built.

=====================  =========================================================================
``empty``              an empty account (the same as a reset)
``notebook-03``        cluster ``demo``: 2 instances, task definition ``app``, 3 standalone tasks
``notebook-04``        cluster ``demo``: 2 instances, the app + metrics pair, service ``web`` x 4
``notebook-06``        cluster ``demo``: 3 instances, 4 services (web 3, api 2, worker 2, cache 1)
``three-services``     the article's seed: 2 instances, services web 3, api 2, worker 1
=====================  =========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["SCENARIOS", "build", "names"]

CLUSTER = "demo"
SETTLE = 120.0  # simulated seconds for agents to pull images and start tasks

PAIR = [
    {"name": "app", "image": "ecsedu/web", "cpu": 128, "memory": 256, "essential": True},
    {"name": "metrics", "image": "ecsedu/metrics", "cpu": 64, "memory": 128, "essential": True},
]
IMAGES = {"api": "ecsedu/api", "worker": "ecsedu/worker", "cache": "ecsedu/cache"}


def _cluster(ecs: Any, instances: int) -> None:
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.add_instances(CLUSTER, count=instances, cpu=2048, memory=4096)
    ecs.register_task_definition(family="app", containerDefinitions=PAIR)


def _services(ecs: Any, instances: int, counts: dict[str, int]) -> None:
    _cluster(ecs, instances)
    for name, count in counts.items():
        family = "app" if name == "web" else name
        if family != "app":
            ecs.add_image(IMAGES.get(family, f"ecsedu/{family}"))  # made-up: let it be pulled
            ecs.register_task_definition(
                family=family,
                containerDefinitions=[
                    {
                        "name": family,
                        "image": IMAGES.get(family, f"ecsedu/{family}"),
                        "cpu": 256,
                        "memory": 256,
                        "essential": True,
                    }
                ],
            )
        ecs.create_service(
            cluster=CLUSTER, serviceName=name, taskDefinition=family, desiredCount=count
        )
    ecs.advance(SETTLE)


def _empty(ecs: Any) -> None:
    return None


def _notebook_03(ecs: Any) -> None:
    _cluster(ecs, 2)
    ecs.run_task(cluster=CLUSTER, taskDefinition="app", count=3)
    ecs.advance(SETTLE)


def _notebook_04(ecs: Any) -> None:
    _services(ecs, 2, {"web": 4})


def _notebook_06(ecs: Any) -> None:
    _services(ecs, 3, {"web": 3, "api": 2, "worker": 2, "cache": 1})


def _three_services(ecs: Any) -> None:
    _services(ecs, 2, {"web": 3, "api": 2, "worker": 1})


#: name -> (what the learner finds, how to build it on their connection)
SCENARIOS: dict[str, tuple[str, Callable[[Any], None]]] = {
    "empty": ("an empty account", _empty),
    "notebook-03": ("cluster demo: 2 instances, 3 tasks of app", _notebook_03),
    "notebook-04": ("cluster demo: 2 instances, service web with 4 tasks", _notebook_04),
    "notebook-06": ("cluster demo: 3 instances, 4 services", _notebook_06),
    "three-services": ("cluster demo: services web 3, api 2, worker 1", _three_services),
}


def names() -> list[str]:
    return list(SCENARIOS)


def build(name: str, ecs: Any) -> None:
    """Build scenario ``name`` on ``ecs`` (an empty connection).

    Raises:
        KeyError: for a scenario that does not exist.
    """
    SCENARIOS[name][1](ecs)
