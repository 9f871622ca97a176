"""Task scale-in protection: ``UpdateTaskProtection`` / ``GetTaskProtection`` and what the
service scheduler does with protected tasks.

Sources (API reference, UpdateTaskProtection and the developer guide's "task scale-in
protection"): protection lasts ``expiresInMinutes`` (1 to 2,880), 120 minutes when not given, and
is reset by every call; once it lapses ``protectionEnabled`` is false again; a protected task is
not terminated by scale-in events from Service Auto Scaling or deployments; standalone tasks are a
``TASK_NOT_VALID`` failure. Response examples: the API reference's examples 1-3 (also in newer
botocore ``examples-1.json``): a disabled task is answered without ``expirationDate``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import botocore
import pytest

import ecsedu
from tests.engine.test_botocore_examples import MODEL, same_shape

C = "c"
MINUTE = 60.0


def world(desired: int = 3) -> Any:
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=2048, memory=4096)
    for memory in (128, 129):
        ecs.register_task_definition(
            family="t",
            containerDefinitions=[{"name": "app", "image": "busybox", "memory": memory}],
        )
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=desired)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(60)
    return ecs


def service_tasks(ecs: Any) -> list[str]:
    return sorted(ecs.list_tasks(cluster=C, serviceName="s")["taskArns"])


def when(ecs: Any, seconds_from_now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(
        round(ecs.engine.store.clock.now + seconds_from_now, 3), dt.UTC
    )


def service(ecs: Any) -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    return out


# -- the API -----------------------------------------------------------------------------------
def test_protection_defaults_to_120_minutes() -> None:
    ecs = world()
    arn = service_tasks(ecs)[0]
    out = ecs.update_task_protection(cluster=C, tasks=[arn], protectionEnabled=True)
    assert out == {
        "protectedTasks": [
            {"taskArn": arn, "protectionEnabled": True, "expirationDate": when(ecs, 120 * MINUTE)}
        ],
        "failures": [],
    }
    assert ecs.get_task_protection(cluster=C, tasks=[arn]) == out


def test_every_call_restarts_the_protection_period() -> None:
    ecs = world()
    arn = service_tasks(ecs)[0]
    ecs.update_task_protection(cluster=C, tasks=[arn], protectionEnabled=True, expiresInMinutes=60)
    ecs.advance(30 * MINUTE)
    out = ecs.update_task_protection(
        cluster=C, tasks=[arn.rsplit("/", 1)[1]], protectionEnabled=True, expiresInMinutes=60
    )
    assert out["protectedTasks"][0]["expirationDate"] == when(ecs, 60 * MINUTE)


def test_turning_protection_off_drops_the_expiration_date() -> None:
    ecs = world()
    arn = service_tasks(ecs)[0]
    ecs.update_task_protection(cluster=C, tasks=[arn], protectionEnabled=True)
    out = ecs.update_task_protection(cluster=C, tasks=[arn], protectionEnabled=False)
    assert out["protectedTasks"] == [{"taskArn": arn, "protectionEnabled": False}]
    assert ecs.get_task_protection(cluster=C, tasks=[arn])["protectedTasks"] == [
        {"taskArn": arn, "protectionEnabled": False}
    ]


def test_protection_lapses_on_time() -> None:
    ecs = world()
    arn = service_tasks(ecs)[0]
    ecs.update_task_protection(cluster=C, tasks=[arn], protectionEnabled=True, expiresInMinutes=2)
    ecs.advance(2 * MINUTE - 1)
    assert ecs.get_task_protection(cluster=C, tasks=[arn])["protectedTasks"][0]["protectionEnabled"]
    ecs.advance(1)
    assert ecs.get_task_protection(cluster=C, tasks=[arn])["protectedTasks"] == [
        {"taskArn": arn, "protectionEnabled": False}
    ]


def test_standalone_and_unknown_tasks_are_failures() -> None:
    ecs = world()
    standalone = ecs.run_task(cluster=C, taskDefinition="t:1")["tasks"][0]["taskArn"]
    mine = service_tasks(ecs)[0]
    unknown = standalone[:-4] + "0000"
    out = ecs.update_task_protection(
        cluster=C, tasks=[standalone, mine, unknown], protectionEnabled=True
    )
    assert [t["taskArn"] for t in out["protectedTasks"]] == [mine]
    assert out["failures"] == [
        {"arn": standalone, "reason": "TASK_NOT_VALID"},
        {"arn": unknown, "reason": "MISSING"},
    ]
    got = ecs.get_task_protection(cluster=C, tasks=[standalone, unknown])
    assert got["protectedTasks"] == []
    assert [f["reason"] for f in got["failures"]] == ["TASK_NOT_VALID", "MISSING"]


@pytest.mark.parametrize("minutes", [0, 2881, -5])
def test_expires_in_minutes_is_between_1_and_2880(minutes: int) -> None:
    ecs = world(1)
    arn = service_tasks(ecs)[0]
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.update_task_protection(
            cluster=C, tasks=[arn], protectionEnabled=True, expiresInMinutes=minutes
        )
    for ok in (1, 2880):
        out = ecs.update_task_protection(
            cluster=C, tasks=[arn], protectionEnabled=True, expiresInMinutes=ok
        )
        assert out["protectedTasks"][0]["expirationDate"] == when(ecs, ok * MINUTE)


def test_at_most_10_tasks_per_update_and_the_cluster_must_exist() -> None:
    ecs = world(1)
    arn = service_tasks(ecs)[0]
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.update_task_protection(cluster=C, tasks=[arn] * 11, protectionEnabled=True)
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.update_task_protection(cluster="nope", tasks=[arn], protectionEnabled=True)
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.get_task_protection(cluster="nope", tasks=[arn])


def test_protection_survives_save_and_load(tmp_path: Any) -> None:
    ecs = world()
    arn = service_tasks(ecs)[0]
    before = ecs.update_task_protection(
        cluster=C, tasks=[arn], protectionEnabled=True, expiresInMinutes=30
    )
    path = os.path.join(tmp_path, "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert again.get_task_protection(cluster=C, tasks=[arn]) == before
    # and it still keeps the task from scale-in there
    again.update_service(cluster=C, service="s", desiredCount=0)
    again.advance(60)
    assert again.list_tasks(cluster=C, serviceName="s")["taskArns"] == [arn]


# -- the service scheduler ---------------------------------------------------------------------
def test_scale_in_skips_protected_tasks_until_protection_lapses() -> None:
    ecs = world(3)
    arns = service_tasks(ecs)
    protected = arns[:2]
    ecs.update_task_protection(
        cluster=C, tasks=protected, protectionEnabled=True, expiresInMinutes=5
    )
    ecs.update_service(cluster=C, service="s", desiredCount=1)
    ecs.advance(60)
    # only the unprotected task could go: the service runs more tasks than desired
    assert service_tasks(ecs) == protected
    assert (service(ecs)["desiredCount"], service(ecs)["runningCount"]) == (1, 2)
    ecs.advance(4 * MINUTE + 1)  # protection lapses: the scheduler scales in at once
    ecs.advance(30)
    left = service_tasks(ecs)
    assert len(left) == 1
    assert set(left) <= set(protected)
    assert service(ecs)["runningCount"] == 1


def test_turning_protection_off_lets_a_waiting_scale_in_go_on() -> None:
    ecs = world(2)
    arns = service_tasks(ecs)
    ecs.update_task_protection(cluster=C, tasks=arns, protectionEnabled=True)
    ecs.update_service(cluster=C, service="s", desiredCount=0)
    ecs.advance(120)
    assert service_tasks(ecs) == arns
    ecs.update_task_protection(cluster=C, tasks=arns[:1], protectionEnabled=False)
    ecs.advance(1)
    assert service_tasks(ecs) == arns[1:]


def test_a_deployment_waits_for_protected_tasks() -> None:
    ecs = world(2)
    old = service_tasks(ecs)
    ecs.update_task_protection(cluster=C, tasks=old, protectionEnabled=True)
    new_id = ecs.update_service(cluster=C, service="s", taskDefinition="t:2")["service"][
        "deployments"
    ][0]["id"]
    ecs.advance(600)
    s = service(ecs)
    assert [(d["id"], d["rolloutState"]) for d in s["deployments"]][0] == (new_id, "IN_PROGRESS")
    assert set(old) <= set(service_tasks(ecs))  # the old tasks keep running
    assert s["deployments"][0]["runningCount"] == 2  # the new ones started beside them (max 200)
    assert not any("unable to stop or start" in e["message"] for e in s["events"])
    ecs.update_task_protection(cluster=C, tasks=old, protectionEnabled=False)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    ecs.advance(60)
    (primary,) = service(ecs)["deployments"]
    assert (primary["id"], primary["rolloutState"]) == (new_id, "COMPLETED")
    assert not set(old) & set(service_tasks(ecs))


# -- the examples ------------------------------------------------------------------------------
#: The API reference's examples (newer botocore ``examples-1.json`` carries the same ones); the
#: installed botocore's examples are used instead when it has them.
REFERENCE_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "GetTaskProtection": [
        {
            "id": "get-the-protection-status-for-a-single-task-2022-11-02T06:56:32.553Z",
            "input": {
                "cluster": "test-task-protection",
                "tasks": ["b8b1cf532d0e46ba8d44a40d1de16772"],
            },
            "output": {
                "failures": [],
                "protectedTasks": [
                    {
                        "expirationDate": "2022-11-02T06:56:32.553Z",
                        "protectionEnabled": True,
                        "taskArn": "arn:aws:ecs:us-west-2:012345678910:task/default/"
                        "b8b1cf532d0e46ba8d44a40d1de16772",
                    }
                ],
            },
        }
    ],
    "UpdateTaskProtection": [
        {
            "id": "enable-the-protection-status-for-a-single-task-for-60-minutes",
            "input": {
                "cluster": "test-task-protection",
                "expiresInMinutes": 60,
                "protectionEnabled": True,
                "tasks": ["b8b1cf532d0e46ba8d44a40d1de16772"],
            },
            "output": {
                "failures": [],
                "protectedTasks": [
                    {
                        "expirationDate": "2022-11-02T06:56:32.553Z",
                        "protectionEnabled": True,
                        "taskArn": "arn:aws:ecs:us-west-2:012345678910:task/"
                        "b8b1cf532d0e46ba8d44a40d1de16772",
                    }
                ],
            },
        },
        {
            "id": "enable-the-protection-status-for-a-single-task-with-default-expiresinminutes",
            "input": {
                "cluster": "test-task-protection",
                "protectionEnabled": True,
                "tasks": ["b8b1cf532d0e46ba8d44a40d1de16772"],
            },
            "output": {
                "failures": [],
                "protectedTasks": [
                    {
                        "expirationDate": "2022-11-02T06:56:32.553Z",
                        "protectionEnabled": True,
                        "taskArn": "arn:aws:ecs:us-west-2:012345678910:task/default/"
                        "b8b1cf532d0e46ba8d44a40d1de16772",
                    }
                ],
            },
        },
        {
            "id": "disable-scale-in-protection-on-a-single-task",
            "input": {
                "cluster": "test-task-protection",
                "protectionEnabled": False,
                "tasks": ["b8b1cf532d0e46ba8d44a40d1de16772"],
            },
            "output": {
                "failures": [],
                "protectedTasks": [
                    {
                        "protectionEnabled": False,
                        "taskArn": "arn:aws:ecs:us-west-2:012345678910:task/default/"
                        "b8b1cf532d0e46ba8d44a40d1de16772",
                    }
                ],
            },
        },
    ],
}


def _examples() -> list[Any]:
    path = os.path.join(
        os.path.dirname(botocore.__file__), "data", "ecs", "2014-11-13", "examples-1.json"
    )
    with open(path) as file:
        installed = json.load(file)["examples"]
    out = []
    for op, fallback in REFERENCE_EXAMPLES.items():
        for example in installed.get(op) or fallback:
            out.append(pytest.param(op, example, id=f"{op}-{example.get('id')}"))
    return out


@pytest.mark.parametrize(("op", "example"), _examples())
def test_examples_replay_with_the_same_shape_and_values(op: str, example: dict[str, Any]) -> None:
    ecs = ecsedu.connect(seed=2)
    ecs.create_cluster(clusterName="test-task-protection")
    ecs.add_instances("test-task-protection", count=1)
    ecs.register_task_definition(
        family="t", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}]
    )
    ecs.create_service(
        cluster="test-task-protection", serviceName="s", taskDefinition="t", desiredCount=1
    )
    ecs.advance(60)
    (arn,) = ecs.list_tasks(cluster="test-task-protection")["taskArns"]
    params = json.loads(json.dumps(example["input"]))
    params["tasks"] = [arn.rsplit("/", 1)[1]]
    if op == "GetTaskProtection":  # the example's task was protected before
        ecs.update_task_protection(
            cluster="test-task-protection", tasks=[arn], protectionEnabled=True
        )
    response = getattr(ecs, botocore.xform_name(op))(**params)
    expected = example["output"]
    problems = same_shape(expected, response, MODEL.operation_model(op).output_shape, op)
    assert problems == [], "\n".join(problems)
    (task,) = response["protectedTasks"]
    (want,) = expected["protectedTasks"]
    assert task["taskArn"] == arn
    assert task["protectionEnabled"] is want["protectionEnabled"]
    assert ("expirationDate" in task) is ("expirationDate" in want)
    assert response["failures"] == []
