"""Amazon ECS's wire protocol (AWS JSON 1.1), both ways, and errors as AWS sends them.

A request is ``POST /`` with ``X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>``
and a JSON object body; a reply is ``200`` with the output as JSON (timestamps as epoch seconds),
or an error: an HTTP status, a JSON body ``{"__type": code, "message": text}`` and the headers
``x-amzn-ErrorType`` and ``x-amzn-RequestId``.

Every account of the classroom runs its own engine, whose ARNs carry the engine's built-in
account id; the server swaps it for the learner's own 12-digit id on the way out and back on the
way in (``Arns``), so each learner sees ARNs of their own account and never another's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONTENT_TYPE",
    "TARGET_PREFIX",
    "Arns",
    "AwsError",
    "Reply",
    "decode_body",
    "encode_output",
    "error_reply",
    "new_request_id",
    "operation_of",
]

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113"
CONTENT_TYPE = "application/x-amz-json-1.1"
#: The account id that every engine writes into its ARNs (ecsedu.ids.ACCOUNT).
ENGINE_ACCOUNT = "123456789012"
REGION = "us-east-1"

#: HTTP statuses AWS uses for codes that are not 400.
_STATUS = {
    "ServerException": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "RequestEntityTooLargeException": 413,
}


@dataclass
class AwsError(Exception):
    """An error to send as AWS sends it (``code`` becomes ``__type``)."""

    code: str
    message: str | None
    status: int = 0
    type_prefix: str = ""  # e.g. "com.amazon.coral.service#" for the front door's own errors

    def __post_init__(self) -> None:
        if not self.status:
            self.status = _STATUS.get(self.code, 400)
        super().__init__(self.message)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def new_request_id() -> str:
    return str(uuid.uuid4())


def operation_of(target: str | None) -> str:
    """The operation named by an ``X-Amz-Target`` header.

    Raises:
        AwsError: UnknownOperationException for a missing or foreign target.
    """
    if not target:
        raise AwsError("UnknownOperationException", None, type_prefix="com.amazon.coral.service#")
    prefix, dot, name = target.partition(".")
    if prefix != TARGET_PREFIX or not dot or not name:
        raise AwsError("UnknownOperationException", None, type_prefix="com.amazon.coral.service#")
    return name


def decode_body(body: bytes) -> dict[str, Any]:
    """The request's parameters: a JSON object (an empty body is ``{}``).

    Raises:
        AwsError: SerializationException for a body that is not a JSON object.
    """
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AwsError(
            "SerializationException", None, type_prefix="com.amazon.coral.service#"
        ) from None
    if not isinstance(value, dict):
        raise AwsError(
            "SerializationException",
            "Start of list found where not expected"
            if isinstance(value, list)
            else "Expected a JSON object",
            type_prefix="com.amazon.coral.service#",
        )
    return value


def _default(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def encode_output(output: Any) -> bytes:
    """An operation's output as AWS JSON (``ResponseMetadata`` belongs to the transport)."""
    if isinstance(output, dict) and "ResponseMetadata" in output:
        output = {k: v for k, v in output.items() if k != "ResponseMetadata"}
    return json.dumps(output, default=_default, separators=(",", ":")).encode("utf-8")


def error_reply(error: AwsError, request_id: str) -> Reply:
    body: dict[str, Any] = {"__type": f"{error.type_prefix}{error.code}"}
    if error.message is not None:
        body["message"] = error.message
    headers = {
        "Content-Type": CONTENT_TYPE,
        "x-amzn-RequestId": request_id,
        "x-amzn-ErrorType": f"{error.code}:",
    }
    return Reply(error.status, json.dumps(body).encode("utf-8"), headers)


class Arns:
    """Swap the engine's account id for the learner's in ARNs (and back), for the ARNs of every
    service the server speaks (``arn:aws:ecs:``, ``arn:aws:elasticloadbalancing:``,
    ``arn:aws:autoscaling:``, ``arn:aws:cloudwatch:`` ...)."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        # any service, this region or none (IAM role ARNs have no region)
        head = rb"(arn:aws:[a-z0-9-]+:(?:" + REGION.encode() + rb")?:)"
        self._inner = re.compile(head + ENGINE_ACCOUNT.encode() + rb":")
        self._outer = re.compile(head + account_id.encode() + rb":")
        self._inner_id = ENGINE_ACCOUNT.encode()
        self._outer_id = account_id.encode()
        # Another account's ARN that mentions the engine's id must not reach the engine as ours.
        self._same = account_id == ENGINE_ACCOUNT

    def inbound(self, body: bytes) -> bytes:
        if self._same:
            return body
        if self._inner_id in body:  # the engine's id is not this learner's: keep it foreign
            body = self._inner.sub(rb"\g<1>000000000000:", body)
        if self._outer_id not in body:
            return body
        return self._outer.sub(rb"\g<1>" + self._inner_id + rb":", body)

    def outbound(self, body: bytes) -> bytes:
        if self._same or self._inner_id not in body:
            return body
        return self._inner.sub(rb"\g<1>" + self._outer_id + rb":", body)

    def inbound_text(self, text: str) -> str:
        return self.inbound(text.encode("utf-8")).decode("utf-8")

    def outbound_text(self, text: str) -> str:
        return self.outbound(text.encode("utf-8")).decode("utf-8")
