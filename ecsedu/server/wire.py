"""The other AWS clients the engine has, over their own protocols, as botocore speaks them.

The service is chosen by the SigV4 credential scope's service name, and checked against the
request's ``X-Amz-Target`` (JSON protocols) or its form body (query protocol):

=========================  =======================  =============================================
scope (signing name)       botocore service         wire protocol (botocore 1.44)
=========================  =======================  =============================================
ecs                        ecs                      JSON 1.1, AmazonEC2ContainerServiceV20141113.Op
application-autoscaling    application-autoscaling  JSON 1.1, AnyScaleFrontendService.Op
monitoring                 cloudwatch               JSON 1.0, GraniteServiceVersion20100801.Op
                                                    (query-compatible errors); also query
elasticloadbalancing       elbv2                    query: Action=Op&Version=2015-12-01, XML
autoscaling                autoscaling              query: Action=Op&Version=2011-01-01, XML
                                                    (EC2 Auto Scaling: ``ecs.ec2_autoscaling``)
=========================  =======================  =============================================

CloudWatch's model lists ``['smithy-rpc-v2-cbor', 'json', 'query']``; botocore picks the first of
its own ``PRIORITY_ORDERED_SUPPORTED_PROTOCOLS`` (``json`` before ``smithy-rpc-v2-cbor``) that
the model lists, so boto3 and the AWS CLI send JSON 1.0 (with ``x-amzn-query-mode: true``).

Query requests are read with the operation's input shape (the inverse of botocore's
``QuerySerializer``); replies are written from the output shape as
``<OpResponse><OpResult>…</OpResult><ResponseMetadata><RequestId>…</RequestId>
</ResponseMetadata></OpResponse>``; errors as ``<ErrorResponse><Error><Type>Sender</Type>
<Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ecsedu.errors import service_model
from ecsedu.server.protocol import AwsError

__all__ = [
    "BY_PREFIX",
    "BY_SCOPE",
    "Service",
    "json_error_headers",
    "json_input",
    "query_error",
    "query_input",
    "query_output",
]


@dataclass(frozen=True)
class Service:
    scope: str  # the SigV4 signing name
    botocore: str  # botocore's service name
    attribute: str  # the sibling client on an ecsedu connection ("" for ECS itself)
    target_prefix: str = ""  # JSON protocols
    json_version: str = ""  # "1.0" | "1.1"
    query: bool = False  # the query protocol is served
    query_compatible: bool = False  # JSON errors carry x-amzn-query-error

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    @property
    def xmlns(self) -> str:
        return str(service_model(self.botocore).metadata.get("xmlNamespace", ""))

    @property
    def api_version(self) -> str:
        return str(service_model(self.botocore).api_version)


ECS = Service("ecs", "ecs", "", "AmazonEC2ContainerServiceV20141113", "1.1")
AUTOSCALING = Service(
    "application-autoscaling", "application-autoscaling", "autoscaling",
    "AnyScaleFrontendService", "1.1",
)  # fmt: skip
CLOUDWATCH = Service(
    "monitoring", "cloudwatch", "cloudwatch", "GraniteServiceVersion20100801", "1.0",
    query=True, query_compatible=True,
)  # fmt: skip
ELBV2 = Service("elasticloadbalancing", "elbv2", "elbv2", query=True)
#: EC2 Auto Scaling (groups of instances), not Application Auto Scaling (``AUTOSCALING``)
EC2_AUTOSCALING = Service("autoscaling", "autoscaling", "ec2_autoscaling", query=True)

BY_SCOPE = {s.scope: s for s in (ECS, AUTOSCALING, CLOUDWATCH, ELBV2, EC2_AUTOSCALING)}
BY_PREFIX = {s.target_prefix: s for s in (ECS, AUTOSCALING, CLOUDWATCH) if s.target_prefix}
_SCOPE = re.compile(r"Credential=[^/,\s]*/\d{8}/[^/,\s]*/([^/,\s]+)/aws4_request")


def scope_service(authorization: str | None) -> str | None:
    """The service name of a SigV4 ``Authorization`` header's credential scope (unchecked)."""
    m = _SCOPE.search(authorization or "")
    return None if m is None else m.group(1)


def route(headers: Any) -> tuple[Service, bool]:
    """(the service a request is for, whether it is a query-protocol request).

    By ``X-Amz-Target``'s prefix for JSON; by the credential scope for a form body; ECS
    otherwise (so a bad target still gets ECS's own errors)."""
    target = headers.get("X-Amz-Target") or ""
    if target:
        prefix = target.partition(".")[0]
        return BY_PREFIX.get(prefix, ECS), False
    content_type = (headers.get("Content-Type") or "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        found = BY_SCOPE.get(scope_service(headers.get("Authorization")) or "")
        if found is not None and found.query:
            return found, True
    return ECS, False


# -- JSON: inputs get boto3's Python types back (timestamps, blobs) ----------------------------
def json_input(shape: Any, value: Any) -> Any:
    """``value`` (decoded JSON) with timestamps as datetimes and blobs as bytes, by ``shape``."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: json_input(members[k], v) if k in members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [json_input(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: json_input(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return _timestamp(value)
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value)
        except ValueError:
            return value
    return value


def _timestamp(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        except ValueError:
            pass
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return value


def json_error_headers(service: Service, error: AwsError, content_type: str) -> dict[str, str]:
    headers = {"Content-Type": content_type}
    if service.query_compatible:
        fault = "Receiver" if error.status >= 500 else "Sender"
        headers["x-amzn-query-error"] = f"{error.code};{fault}"
    return headers


def json_type(service: Service, code: str) -> str:
    """The ``__type`` of a modeled error: its shape's name (query-compatible services give
    the query code separately, in ``x-amzn-query-error``)."""
    if not service.query_compatible:
        return code
    for shape in service_model(service.botocore).error_shapes:
        if shape.error_code == code or shape.name == code:
            return str(shape.name)
    return code


# -- query: form in, XML out -------------------------------------------------------------------
def query_form(body: bytes) -> dict[str, str]:
    """A form body's fields (the last of repeated names wins, as AWS reads them)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise AwsError("MalformedQueryString", "The query string is not UTF-8.") from None
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))


def query_input(shape: Any, form: dict[str, str]) -> dict[str, Any]:
    """The operation's parameters, read from ``form`` with its input ``shape``."""
    if shape is None:
        return {}
    value = _read(shape, form, "")
    return value if isinstance(value, dict) else {}


def _name(shape: Any, default: str) -> str:
    return str(shape.serialization.get("name", default))


def _read(shape: Any, form: dict[str, str], prefix: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for key, member in shape.members.items():
            name = _name(member, key)
            path = f"{prefix}.{name}" if prefix else name
            flat = member.type_name == "list" and member.serialization.get("flattened")
            if flat and member.member.serialization.get("name"):
                path = ".".join([*path.split(".")[:-1], _name(member.member, "")])
            found = _read(member, form, path)
            if found is not None:
                out[key] = found
        return out if out or not prefix else (out if _has(form, prefix) else None)
    if kind == "list":
        if form.get(prefix) == "" and not _has(form, prefix + "."):
            return []
        if shape.serialization.get("flattened"):
            base = prefix
        else:
            base = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
        items = []
        i = 1
        while True:
            item = _read(shape.member, form, f"{base}.{i}")
            if item is None:
                break
            items.append(item)
            i += 1
        return items if items else None
    if kind == "map":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name, value_name = _name(shape.key, "key"), _name(shape.value, "value")
        result: dict[str, Any] = {}
        i = 1
        while f"{base}.{i}.{key_name}" in form:
            result[form[f"{base}.{i}.{key_name}"]] = _read(
                shape.value, form, f"{base}.{i}.{value_name}"
            )
            i += 1
        return result or None
    if prefix not in form:
        return None
    return _scalar(kind, form[prefix], prefix)


def _has(form: dict[str, str], prefix: str) -> bool:
    return any(k == prefix or k.startswith(prefix + ".") for k in form)


def _scalar(kind: str, text: str, name: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        raise AwsError(
            "ValidationError", f"Value '{text[:100]}' at '{name}' failed to satisfy constraint"
        ) from None  # our wording
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "timestamp":
        return _timestamp(text)
    if kind == "blob":
        try:
            return base64.b64decode(text)
        except ValueError:
            return text
    return text


def _xml(shape: Any, value: Any) -> str:
    """The XML children of ``value``, written with ``shape`` (what botocore's parser reads)."""
    if value is None:
        return ""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return ""
        parts = []
        for key, member in shape.members.items():
            if key not in value or value[key] is None:
                continue
            name = _name(member, key)
            if member.type_name == "list" and member.serialization.get("flattened"):
                item_name = _name(member.member, name)
                parts += [
                    f"<{item_name}>{_xml(member.member, v)}</{item_name}>" for v in value[key]
                ]
                continue
            parts.append(f"<{name}>{_xml(member, value[key])}</{name}>")
        return "".join(parts)
    if kind == "list":
        item = _name(shape.member, "member")
        return "".join(f"<{item}>{_xml(shape.member, v)}</{item}>" for v in value)
    if kind == "map":
        key_name, value_name = _name(shape.key, "key"), _name(shape.value, "value")
        entries = "".join(
            f"<{key_name}>{escape(str(k))}</{key_name}>"
            f"<{value_name}>{_xml(shape.value, v)}</{value_name}>"
            for k, v in value.items()
        )
        if shape.serialization.get("flattened"):
            return entries
        return "".join(
            f"<entry><{key_name}>{escape(str(k))}</{key_name}>"
            f"<{value_name}>{_xml(shape.value, v)}</{value_name}></entry>"
            for k, v in value.items()
        )
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, (int, float)):
            value = dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            return str(value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        return escape(str(value))
    if kind == "blob":
        raw = value if isinstance(value, bytes) else str(value).encode()
        return base64.b64encode(raw).decode("ascii")
    return escape(str(value))


def query_output(service: Service, operation: str, result: Any, request_id: str) -> bytes:
    """``<OpResponse><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>``"""
    model = service_model(service.botocore).operation_model(operation)
    shape = model.output_shape
    inner = ""
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{operation}Result")
        inner = f"<{wrapper}>{_xml(shape, result)}</{wrapper}>"
    return (
        f'<{operation}Response xmlns="{service.xmlns}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    ).encode()


#: The query protocol's names for the front door's errors (JSON name -> query name, status).
QUERY_CODES = {
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 403),
    "ThrottlingException": ("Throttling", 400),
    "RequestEntityTooLargeException": ("RequestEntityTooLarge", 413),
    "ServerException": ("InternalFailure", 500),
}


def query_error(service: Service, error: AwsError, request_id: str) -> tuple[int, bytes]:
    code, status = QUERY_CODES.get(error.code, (error.code, error.status))
    fault = "Receiver" if status >= 500 else "Sender"
    message = "" if error.message is None else f"<Message>{escape(error.message)}</Message>"
    body = (
        f'<ErrorResponse xmlns="{service.xmlns}"><Error><Type>{fault}</Type>'
        f"<Code>{escape(code)}</Code>{message}</Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return status, body.encode()
