"""Hypothesis against raw HTTP: bad JSON, wrong targets, huge bodies, bad headers. Every answer
is an AWS-style error (JSON with ``__type``, an x-amzn-RequestId), and the server keeps serving."""

from __future__ import annotations

import json
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import raw_request, signed_headers

pytestmark = pytest.mark.fuzz

TARGET = "AmazonEC2ContainerServiceV20141113."
OPERATIONS = [
    "ListClusters",
    "CreateCluster",
    "RunTask",
    "DescribeTasks",
    "RegisterTaskDefinition",
    "UpdateService",
    "Nope",
    "",
    "ListTasks",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
params = st.dictionaries(
    st.sampled_from(
        [
            "cluster",
            "clusterName",
            "count",
            "taskDefinition",
            "tasks",
            "family",
            "containerDefinitions",
            "desiredCount",
            "service",
            "x",
        ]
    ),
    json_values,
    max_size=4,
)


def _check(status, headers, body):
    assert status in (200, 400, 403, 404, 413), (status, body[:300])
    assert headers.get("x-amzn-RequestId")
    if status != 200:
        data = json.loads(body)
        assert data["__type"]
        assert headers.get("x-amzn-ErrorType", "").startswith(data["__type"].split("#")[-1])


def _alive(server):
    with urllib.request.urlopen(server.url + "/_ecsedu/health", timeout=5) as resp:
        assert resp.status == 200


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(OPERATIONS), payload=params)
def test_signed_random_parameters(server, operation, payload):
    body = json.dumps(payload).encode()
    headers = signed_headers(server.url, server.learners[1], operation, body)
    _check(*raw_request(server.url, body, headers))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300), operation=st.sampled_from(OPERATIONS))
def test_signed_garbage_bodies(server, body, operation):
    headers = signed_headers(server.url, server.learners[1], operation, body)
    status, resp_headers, out = raw_request(server.url, body, headers)
    _check(status, resp_headers, out)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Authorization",
                "X-Amz-Target",
                "X-Amz-Date",
                "Content-Type",
                "X-Amz-Content-Sha256",
                "X-Amz-Security-Token",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120),
    ),
    body=st.binary(max_size=100),
)
def test_unsigned_or_mangled_headers(server, headers, body):
    status, resp_headers, out = raw_request(server.url, body, headers)
    assert status != 200
    _check(status, resp_headers, out)


def test_wrong_target_and_huge_body(server):
    body = b"{}"
    headers = signed_headers(server.url, server.learners[1], "ListClusters", body)
    headers["X-Amz-Target"] = "DynamoDB_20120810.ListTables"  # signed header changed: bad sig
    status, h, out = raw_request(server.url, body, headers)
    assert json.loads(out)["__type"] == "InvalidSignatureException"
    huge = b'{"clusterName": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = signed_headers(server.url, server.learners[1], "CreateCluster", huge)
    status, h, out = raw_request(server.url, huge, headers)
    assert status == 413
    assert json.loads(out)["__type"] == "RequestEntityTooLargeException"
    _alive(server)


def test_unknown_operation(server):
    body = b"{}"
    headers = signed_headers(server.url, server.learners[1], "NoSuchThing", body)
    status, h, out = raw_request(server.url, body, headers)
    assert status == 400
    assert json.loads(out)["__type"].endswith("UnknownOperationException")
    _alive(server)


def test_server_still_serves_after_fuzzing(server):
    assert "clusterArns" in server.ecs(1).list_clusters()
