"""Exercise progress: the workbook's ``check`` reports to the classroom server (signed with the
learner's own keys, ``X-Amz-Target: Ecsedu.ReportExercise``), the board shows it, and a failure
to report never breaks the learner's check."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from typing import Any

import ecsedu
from ecsedu.exercises import check
from ecsedu.exercises.feedback import report_progress
from tests.server.conftest import Served, raw_request


def _summary(server: Served, account_id: str) -> dict[str, Any]:
    token = f"{server.instructor.access_key_id}:{server.instructor.secret_access_key}"
    req = urllib.request.Request(
        server.url + "/board/summary",
        headers={"Authorization": "Basic " + base64.b64encode(token.encode()).decode()},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        found = [s for s in json.loads(resp.read()) if s["account"] == account_id]
    return dict(found[0])


def _act(ecs: Any) -> None:
    ecs.create_cluster(clusterName="demo")
    for _ in range(3):
        ecs.register_task_definition(
            family="app", containerDefinitions=[{"name": "app", "image": "x", "memory": 128}]
        )
    ecs.deregister_task_definition(taskDefinition="app:3")


def test_check_reports_progress_through_remote_ecs(server: Served) -> None:
    learner = server.learners[1]
    # the class starts from notebook 04's cluster (the instructor's broadcast)
    token = f"{server.instructor.access_key_id}:{server.instructor.secret_access_key}"
    req = urllib.request.Request(
        server.url + "/board/broadcast",
        data=json.dumps({"scenario": "notebook-04"}).encode(),
        method="POST",
        headers={
            "Authorization": "Basic " + base64.b64encode(token.encode()).decode(),
            "X-Ecsedu-Board": "broadcast",
        },
    )
    urllib.request.urlopen(req, timeout=30).close()
    ecs = ecsedu.connect(
        endpoint_url=server.url,
        aws_access_key_id=learner.access_key_id,
        aws_secret_access_key=learner.secret_access_key,
    )
    early = check(ecs, "04-drain", 4)  # before acting: "not yet", reported as not passed
    assert not early.passed
    progress = _summary(server, learner.account_id)["progress"]
    assert progress["tried"] == 1
    assert progress["passed"] == 0
    instance = ecs.list_container_instances(cluster="demo")["containerInstanceArns"][0]
    ecs.update_container_instances_state(
        cluster="demo", containerInstances=[instance], status="DRAINING"
    )
    assert not check(ecs, "04-drain", 2).passed
    right = check(ecs, "04-drain", 4)
    assert right.passed, str(right)
    progress = _summary(server, learner.account_id)["progress"]
    assert progress["passed"] == 1
    assert progress["exercises"] == [
        {"id": "04-drain", "passed": True, "last": True, "attempts": 3}
    ]
    # the other learners' progress is theirs
    others = _summary(server, server.learners[0].account_id)["progress"]["exercises"]
    assert all(e["id"] != "04-drain" for e in others)


def test_plain_boto3_client_reports_too(server: Served) -> None:
    learner = server.learners[2]
    ecs = server.ecs(2)
    assert report_progress(ecs, "05-agent", False) is True
    assert report_progress(ecs, "05-agent", True) is True
    entry = _summary(server, learner.account_id)["progress"]["exercises"]
    assert {"id": "05-agent", "passed": True, "last": True, "attempts": 2} in entry


def test_a_failure_to_report_never_breaks_the_check(server: Served) -> None:
    learner = server.learners[0]
    # a server that is not there: the check still answers, at once
    dead = ecsedu.connect(
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id=learner.access_key_id,
        aws_secret_access_key=learner.secret_access_key,
    )
    assert report_progress(dead, "02-revision", True) is False
    # wrong keys: the server refuses the report; in-process connections report nothing
    wrong = ecsedu.connect(
        endpoint_url=server.url,
        aws_access_key_id=learner.access_key_id,
        aws_secret_access_key="not-the-secret",
    )
    assert report_progress(wrong, "02-revision", True) is False
    local = ecsedu.connect(seed=1)
    _act(local)
    started = time.monotonic()
    assert check(local, "02-revision", 2).passed
    assert report_progress(local, "02-revision", True) is False
    assert report_progress(object(), "x", True) is False
    assert time.monotonic() - started < 5


def test_report_exercise_validates_and_is_not_ecs(server: Served) -> None:
    learner = server.learners[0]
    for body in (b'{"exercise": 5, "passed": true}', b'{"exercise": "x"}', b"[1]"):
        headers = _signed_ecsedu(server, learner, body)
        status, _, reply = raw_request(server.url, body, headers)
        assert status == 400
        assert json.loads(reply)["__type"].endswith(
            ("ValidationException", "SerializationException")
        )
    body = b"{}"
    headers = _signed_ecsedu(server, learner, body, operation="DropTables")
    status, _, reply = raw_request(server.url, body, headers)
    assert status == 400
    assert json.loads(reply)["__type"].endswith("UnknownOperationException")
    # unsigned: refused like any other request
    status, _, reply = raw_request(
        server.url,
        b'{"exercise": "x", "passed": true}',
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Ecsedu.ReportExercise"},
    )
    assert status == 400
    assert json.loads(reply)["__type"] == "MissingAuthenticationTokenException"


def _signed_ecsedu(
    server: Served, learner: Any, body: bytes, operation: str = "ReportExercise"
) -> dict[str, str]:
    import datetime as dt

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "Ecsedu." + operation,
            "X-Amz-Date": stamp,
            "Host": server.url.split("//", 1)[1],
        },
    )
    request.context["timestamp"] = stamp
    signer = SigV4Auth(
        Credentials(learner.access_key_id, learner.secret_access_key), "ecs", "us-east-1"
    )
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    signer._inject_signature_to_request(request, signature)
    return dict(request.headers.items())
