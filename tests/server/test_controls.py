"""The instructor's controls over HTTP (instructor key): broadcast a scenario to every learner,
freeze and resume the class's clocks; the learners see the effect through boto3."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.conftest import Served, start_server


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_server(
        tmp_path_factory.mktemp("controls"),
        "--learners",
        "2",
        "--speed",
        "10",
        "--rate",
        "1000",
        "--burst",
        "1000",
    )
    yield served
    served.stop()


def _basic(person: Any) -> str:
    token = f"{person.access_key_id}:{person.secret_access_key}".encode()
    return "Basic " + base64.b64encode(token).decode()


def _call(
    url: str, person: Any, method: str = "GET", body: Any = None, board: str | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": _basic(person)}
    if board:
        headers["X-Ecsedu-Board"] = board
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_controls_need_the_instructor_and_the_board_header(classroom: Served) -> None:
    url = classroom.url
    learner = classroom.learners[0]
    body = {"scenario": "notebook-04"}
    assert _call(url + "/board/broadcast", learner, "POST", body, "broadcast")[0] == 401
    assert _call(url + "/board/broadcast", classroom.instructor, "POST", body)[0] == 403
    assert _call(url + "/board/clock", learner, "POST", {"frozen": True}, "clock")[0] == 401
    assert _call(url + "/board/clock", classroom.instructor, "POST", {"frozen": True})[0] == 403
    status, names = _call(url + "/board/scenarios", classroom.instructor)
    assert status == 200
    assert "notebook-04" in [n["name"] for n in names]
    status, _ = _call(
        url + "/board/broadcast", classroom.instructor, "POST", {"scenario": "nope"}, "broadcast"
    )
    assert status == 400
    status, _ = _call(url + "/board/clock", classroom.instructor, "POST", {"frozen": 1}, "clock")
    assert status == 400


def test_broadcast_a_scenario(classroom: Served) -> None:
    a, b = classroom.ecs(0), classroom.ecs(1)
    a.create_cluster(clusterName="mine")  # what a learner had is replaced by the scenario
    status, reply = _call(
        classroom.url + "/board/broadcast",
        classroom.instructor,
        "POST",
        {"scenario": "notebook-04"},
        "broadcast",
    )
    assert status == 200
    assert {s["name"] for s in reply["learners"]} == {lr.name for lr in classroom.learners}
    assert all(s["services"] == 1 and s["running"] == 4 for s in reply["learners"])
    for ecs, learner in ((a, classroom.learners[0]), (b, classroom.learners[1])):
        arns = ecs.list_clusters()["clusterArns"]
        assert arns == [f"arn:aws:ecs:us-east-1:{learner.account_id}:cluster/demo"]
        service = ecs.describe_services(cluster="demo", services=["web"])["services"][0]
        assert (service["desiredCount"], service["runningCount"]) == (4, 4)
        assert len(ecs.list_container_instances(cluster="demo")["containerInstanceArns"]) == 2
    # it was saved: the board's summary agrees, and a restart would find it (a checkpoint)
    status, summaries = _call(classroom.url + "/board/summary", classroom.instructor)
    assert all(s["running"] == 4 for s in summaries)


def _status(ecs: Any, arn: str) -> str:
    return str(ecs.describe_tasks(cluster="demo", tasks=[arn])["tasks"][0]["lastStatus"])


def test_freeze_the_class_clocks(classroom: Served) -> None:
    ecs = classroom.ecs(0)
    if not ecs.list_clusters()["clusterArns"]:
        _call(
            classroom.url + "/board/broadcast",
            classroom.instructor,
            "POST",
            {"scenario": "notebook-04"},
            "broadcast",
        )
    url = classroom.url + "/board/clock"
    assert _call(url, classroom.instructor, "POST", {"frozen": True}, "clock") == (
        200,
        {"frozen": True},
    )
    assert _call(url, classroom.instructor)[1] == {"frozen": True}
    summaries = _call(classroom.url + "/board/summary", classroom.instructor)[1]
    assert all(s["frozen"] for s in summaries)
    arn = ecs.run_task(cluster="demo", taskDefinition="app")["tasks"][0]["taskArn"]
    time.sleep(1.5)  # 15 simulated seconds at --speed 10, were the clock running
    assert _status(ecs, arn) == "PENDING"
    assert _call(url, classroom.instructor, "POST", {"frozen": False}, "clock")[1] == {
        "frozen": False
    }
    # the frozen time is not caught up with: right after resuming, still pending
    assert _status(ecs, arn) == "PENDING"
    deadline = time.monotonic() + 15
    while _status(ecs, arn) != "RUNNING":
        assert time.monotonic() < deadline, "the clock did not resume"
        time.sleep(0.2)
