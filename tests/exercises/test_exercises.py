"""Every workbook exercise passes with the right prediction and hints with a wrong one.

Each scenario replays the notebook's own steps on the simulated runtime, then asks ``check``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ecsedu
from ecsedu.exercises import EXERCISES, ExerciseFailed, check, exercises, question, solution

PAIR = [
    {"name": "app", "image": "ecsedu/web", "cpu": 128, "memory": 256},
    {"name": "metrics", "image": "ecsedu/metrics", "cpu": 64, "memory": 128},
]


def world(instances: int = 2) -> Any:
    ecs = ecsedu.connect("simulated", seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=instances)
    ecs.register_task_definition(family="app", containerDefinitions=PAIR)
    return ecs


def wait_tasks(ecs: Any, arns: list[str], state: str = "running") -> None:
    ecs.get_waiter(f"tasks_{state}").wait(cluster="demo", tasks=arns, WaiterConfig={"Delay": 1})


def service(ecs: Any, name: str, family: str, count: int) -> None:
    ecs.create_service(cluster="demo", serviceName=name, taskDefinition=family, desiredCount=count)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=[name])


def act_00(ecs: Any) -> dict[str, Any]:
    service(ecs, "web", "app", 4)
    second = ecs.list_container_instances(cluster="demo")["containerInstanceArns"][1]
    ecs.update_container_instances_state(
        cluster="demo", containerInstances=[second], status="DRAINING"
    )
    ecs.update_service(cluster="demo", service="web", desiredCount=8)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["web"])
    return {}


def act_01(ecs: Any) -> dict[str, Any]:
    arns = [
        t["taskArn"] for t in ecs.run_task(cluster="demo", taskDefinition="app", count=3)["tasks"]
    ]
    wait_tasks(ecs, arns)
    return {}


def act_02(ecs: Any) -> dict[str, Any]:
    ecs.register_task_definition(family="app", containerDefinitions=PAIR)
    ecs.register_task_definition(family="app", containerDefinitions=PAIR)
    ecs.deregister_task_definition(taskDefinition="app:3")
    return {}


def act_03(ecs: Any) -> dict[str, Any]:
    arns = [
        t["taskArn"]
        for t in ecs.run_task(cluster="demo", taskDefinition="app", startedBy="exercise")["tasks"]
    ]
    wait_tasks(ecs, arns)
    ecs.inject("container_exit", task=arns[0], container="app", exit_code=1)
    wait_tasks(ecs, arns, "stopped")
    return {}


def act_04(ecs: Any) -> dict[str, Any]:
    service(ecs, "web", "app", 4)
    second = ecs.list_container_instances(cluster="demo")["containerInstanceArns"][1]
    ecs.update_container_instances_state(
        cluster="demo", containerInstances=[second], status="DRAINING"
    )
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["web"])
    return {}


def act_05(ecs: Any) -> dict[str, Any]:
    service(ecs, "web", "app", 4)
    first = ecs.list_container_instances(cluster="demo")["containerInstanceArns"][0]
    ecs.inject("agent_disconnect", instance=first)
    ecs.advance(5)
    return {}


def sized_world() -> Any:
    ecs = ecsedu.connect("simulated", seed=0)
    ecs.create_cluster(clusterName="demo")
    for size, memory in [("small", 2048), ("medium", 3072), ("large", 4096)]:
        ecs.add_instances("demo", count=1, memory=memory, attributes={"size": size})
    job = [{"name": "job", "image": "ecsedu/worker", "cpu": 128, "memory": 512}]
    ecs.register_task_definition(family="job", containerDefinitions=job)
    return ecs


def act_06_fifth(ecs: Any) -> dict[str, Any]:
    for n in range(1, 6):
        ecs.run_task(
            cluster="demo",
            taskDefinition="job",
            startedBy=f"exercise-{n}",
            placementStrategy=[{"type": "binpack", "field": "memory"}],
        )
    return {}


def act_06_constrained(ecs: Any) -> dict[str, Any]:
    act_06_fifth(ecs)
    response = ecs.run_task(
        cluster="demo",
        taskDefinition="job",
        placementConstraints=[{"type": "memberOf", "expression": "attribute:size == small"}],
    )
    return {"response": response}


WEB = {
    "name": "web",
    "image": "ecsedu/web",
    "memory": 128,
    "portMappings": [{"containerPort": 80, "hostPort": 0}],
}


def rollout_world() -> Any:
    """A service of 3 on web:2, after a completed rolling deployment from web:1."""
    ecs = ecsedu.connect("simulated", seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    ecs.register_task_definition(family="web", containerDefinitions=[WEB])
    version_two = dict(WEB, environment=[{"name": "VERSION", "value": "2"}])
    ecs.register_task_definition(family="web", containerDefinitions=[version_two])
    ecs.create_service(cluster="demo", serviceName="web", taskDefinition="web:1", desiredCount=3)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["web"])
    ecs.advance(60)
    ecs.update_service(cluster="demo", service="web", taskDefinition="web:2")
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["web"])
    ecs.advance(60)
    return ecs


def act_07(ecs: Any) -> dict[str, Any]:
    crashy = dict(WEB, image="ecsedu/crashy", environment=[{"name": "EXIT_AFTER", "value": "5"}])
    ecs.register_task_definition(family="web", containerDefinitions=[crashy])
    ecs.update_service(
        cluster="demo",
        service="web",
        taskDefinition="web",
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    ecs.advance(1200)
    return {}


def whole_world() -> Any:
    """Notebook 08's cluster: web (4 tasks), api (2) and worker (1) on two instances."""
    ecs = ecsedu.connect("simulated", seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2, cpu=2048, memory=4096)
    for name, count in [("web", 4), ("api", 2), ("worker", 1)]:
        one = {"name": name, "image": "ecsedu/web", "cpu": 256, "memory": 256}
        ecs.register_task_definition(family=name, containerDefinitions=[one])
        service(ecs, name, name, count)
    return ecs


def act_08(ecs: Any) -> dict[str, Any]:
    tasks = ecs.describe_tasks(
        cluster="demo", tasks=ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"]
    )["tasks"]
    where = [t["containerInstanceArn"] for t in tasks]
    busiest = max(set(where), key=where.count)
    ecs.update_container_instances_state(
        cluster="demo", containerInstances=[busiest], status="DRAINING"
    )
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["web", "api", "worker"])
    ecs.advance(30)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["web", "api", "worker"])
    return {}


def spot_world() -> Any:
    """Notebook 09's service 'api': 5 Fargate tasks, base 1 on FARGATE, then 1 : 3 Spot."""
    ecs = ecsedu.connect("simulated", seed=0)
    ecs.create_cluster(clusterName="demo", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(
        family="api",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "api", "image": "ecsedu/web"}],
    )
    ecs.create_service(
        cluster="demo",
        serviceName="api",
        taskDefinition="api",
        desiredCount=5,
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"]}},
        capacityProviderStrategy=[
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
        ],
    )
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["api"])
    return ecs


def act_09(ecs: Any) -> dict[str, Any]:
    arns = ecs.list_tasks(cluster="demo", serviceName="api")["taskArns"]
    tasks = ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]
    spot = next(t for t in tasks if t["capacityProviderName"] == "FARGATE_SPOT")
    ecs.inject("spot_interruption", task=spot["taskArn"])
    ecs.advance(5)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["api"])
    return {}


Scenario = tuple[Callable[[], Any], Callable[[Any], dict[str, Any]], Any, Any]
SCENARIOS: dict[str, Scenario] = {
    "00-scale-out": (world, act_00, 8, 4),
    "01-containers": (lambda: world(1), act_01, 6, 3),
    "02-revision": (world, act_02, 2, 3),
    "03-stop-code": (world, act_03, "EssentialContainerExited", "UserInitiated"),
    "04-drain": (world, act_04, 4, 2),
    "05-agent": (world, act_05, 2, 0),
    "06-fifth-task": (sized_world, act_06_fifth, "medium", "large"),
    "06-constrained": (sized_world, act_06_constrained, "nowhere", "medium"),
    "07-rollback": (rollout_world, act_07, 2, 3),
    "08-whole-drain": (whole_world, act_08, 7, 4),
    "09-spot": (spot_world, act_09, 3, 2),
}


def test_every_exercise_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(EXERCISES) == set(exercises())


@pytest.mark.parametrize("exercise", sorted(SCENARIOS))
def test_right_answer_passes(exercise: str) -> None:
    build, act, right, _ = SCENARIOS[exercise]
    ecs = build()
    context = act(ecs)
    feedback = check(ecs, exercise, right, **context)
    assert feedback.passed, str(feedback)
    assert "Right" in str(feedback)
    assert "✔" in feedback._repr_html_()


@pytest.mark.parametrize("exercise", sorted(SCENARIOS))
def test_wrong_answer_gives_the_hint(exercise: str) -> None:
    build, act, _, wrong = SCENARIOS[exercise]
    ecs = build()
    context = act(ecs)
    feedback = check(ecs, exercise, wrong, **context)
    assert not feedback.passed
    text = str(feedback)
    assert "Not quite" in text
    assert feedback.hint
    assert "Hint:" in text
    assert feedback.article
    assert "In the article" in text
    assert f'solution("{exercise}")' in text
    assert "Traceback" not in text
    assert "Traceback" not in feedback._repr_html_()


@pytest.mark.parametrize("exercise", sorted(SCENARIOS))
def test_before_acting_it_says_act_first(exercise: str) -> None:
    build, _, right, _ = SCENARIOS[exercise]
    feedback = check(build(), exercise, right)
    assert not feedback.passed
    assert "Not yet" in str(feedback) or "Pass the run_task response" in str(feedback)


@pytest.mark.parametrize("exercise", sorted(SCENARIOS))
def test_solution_and_question(exercise: str) -> None:
    shown = solution(exercise)
    assert shown.answer
    assert shown.why
    assert question(exercise).endswith(("?", "'nowhere'.", "'large'."))


def test_a_missing_prediction_is_a_friendly_message() -> None:
    feedback = check(world(), "04-drain", None)
    assert not feedback.passed
    assert "Write your prediction first" in str(feedback)


def test_a_prediction_of_the_wrong_type_is_a_friendly_message() -> None:
    feedback = check(world(), "04-drain", "four")
    assert "not a whole number" in str(feedback)


def test_answers_are_normalised() -> None:
    build, act, _, _ = SCENARIOS["03-stop-code"]
    ecs = build()
    act(ecs)
    assert check(ecs, "03-stop-code", " essentialcontainerexited ").passed
    build, act, _, _ = SCENARIOS["04-drain"]
    ecs = build()
    act(ecs)
    assert check(ecs, "04-drain", "4").passed


def test_unknown_exercise_lists_the_known_ones() -> None:
    feedback = check(world(), "nope", 1)
    assert not feedback.passed
    assert "04-drain" in str(feedback)
    assert "04-drain" in solution("nope").why


def test_an_unreadable_state_is_explained_not_raised() -> None:
    ecs = ecsedu.connect("simulated", seed=0)  # no cluster "demo"
    feedback = check(ecs, "04-drain", 4)
    assert not feedback.passed
    assert "Traceback" not in str(feedback)


def test_only_nbgrader_sees_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    build, act, right, wrong = SCENARIOS["04-drain"]
    ecs = build()
    act(ecs)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check(ecs, "04-drain", right).passed
    with pytest.raises(ExerciseFailed, match="Not quite"):
        check(ecs, "04-drain", wrong)
    with pytest.raises(ExerciseFailed, match="Write your prediction"):
        check(ecs, "04-drain", None)
