"""SigV4: every request signed with a known key, in the date window; AWS's codes and texts."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.server.conftest import Learner, raw_request, signed_headers

BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def _error(status, headers, body):
    data = json.loads(body)
    return status, data.get("__type"), data.get("message"), headers


def test_signed_request_passes(server):
    body = b"{}"
    status, headers, out = raw_request(
        server.url, body, signed_headers(server.url, server.learners[0], "ListClusters", body)
    )
    assert status == 200, out
    assert "clusterArns" in json.loads(out)
    assert headers["x-amzn-RequestId"]


def test_unsigned_request(server):
    ecs = boto3.client(
        "ecs",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as err:
        ecs.list_clusters()
    assert err.value.response["Error"] == {
        "Code": "MissingAuthenticationTokenException",
        "Message": "Missing Authentication Token",
    }


def test_unknown_key(server):
    stranger = Learner("x", "000000000000", "AKIAUNKNOWNKEY000000", "s" * 40)
    with pytest.raises(ClientError) as err:
        server.ecs(stranger).list_clusters()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert err.value.response["Error"]["Message"] == (
        "The security token included in the request is invalid."
    )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_wrong_secret(server):
    learner = server.learners[0]
    wrong = Learner(learner.name, learner.account_id, learner.access_key_id, "w" * 40)
    with pytest.raises(ClientError) as err:
        server.ecs(wrong).list_clusters()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    message = err.value.response["Error"]["Message"]
    assert message.startswith(BAD_SIGNATURE)
    assert "The Canonical String for this request should have been" in message


def test_tampered_body(server):
    body = b'{"clusterName": "a"}'
    headers = signed_headers(server.url, server.learners[0], "CreateCluster", body)
    status, code, message, _ = _error(*raw_request(server.url, b'{"clusterName": "b"}', headers))
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith(BAD_SIGNATURE)


def test_expired_and_future_dates(server):
    body = b"{}"
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    headers = signed_headers(server.url, server.learners[0], "ListClusters", body, when=old)
    status, code, message, _ = _error(*raw_request(server.url, body, headers))
    assert (status, code) == (400, "InvalidSignatureException")
    stamp = old.strftime("%Y%m%dT%H%M%SZ")
    assert message.startswith(f"Signature expired: {stamp} is now earlier than ")
    assert message.endswith(" - 15 min.)")
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    headers = signed_headers(server.url, server.learners[0], "ListClusters", body, when=ahead)
    status, code, message, _ = _error(*raw_request(server.url, body, headers))
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature not yet current: ")
    assert message.endswith(" + 15 min.)")


def test_wrong_service_scope(server):
    body = b"{}"
    headers = signed_headers(server.url, server.learners[0], "ListClusters", body, service="s3")
    status, code, message, _ = _error(*raw_request(server.url, body, headers))
    assert code == "InvalidSignatureException"
    assert "Credential should be scoped to correct service: 'ecs'." in message


def test_malformed_authorization(server):
    status, code, message, headers = _error(
        *raw_request(
            server.url,
            b"{}",
            {
                "Authorization": "AWS4-HMAC-SHA256 garbage",
                "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
            },
        )
    )
    assert (status, code) == (400, "IncompleteSignatureException")
    assert headers["x-amzn-ErrorType"].startswith("IncompleteSignatureException")
