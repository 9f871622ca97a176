"""Check AWS Signature Version 4 on a request, by signing it again with botocore's own signer.

The server knows each learner's secret key. For a request it reads the ``Authorization`` header
(``AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/ecs/aws4_request, SignedHeaders=...,
Signature=...``), rebuilds the request from the headers it signed, has
``botocore.auth.SigV4Auth`` compute the canonical request, the string to sign and the signature
for the same timestamp, and compares. Errors are AWS's, code and text:

=====================================  =========================================================
no ``Authorization``                   MissingAuthenticationTokenException: Missing
                                       Authentication Token
unknown access key                     UnrecognizedClientException: The security token included
                                       in the request is invalid.
wrong signature                        InvalidSignatureException: The request signature we
                                       calculated does not match ... (with the canonical string
                                       and the string to sign, as AWS's JSON services add them)
older than 15 minutes                  InvalidSignatureException: Signature expired: <date> is
                                       now earlier than <date> (<now> - 15 min.)
more than 15 minutes ahead             InvalidSignatureException: Signature not yet current:
                                       <date> is still later than <date> (<now> + 15 min.)
=====================================  =========================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ecsedu.server.protocol import AwsError

__all__ = ["SKEW", "SignedBy", "verify"]

#: How far a request's timestamp may be from the server's clock.
SKEW = dt.timedelta(minutes=15)
SERVICE = "ecs"
_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."


class SignedBy(str):
    """The access key id of a request whose signature checked out."""


def _incomplete(message: str) -> AwsError:
    return AwsError("IncompleteSignatureException", message)


def verify(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    secret_of: Callable[[str], str | None],
    now: dt.datetime | None = None,
    *,
    expected_service: str = SERVICE,
) -> SignedBy:
    """The access key that signed this request.

    Args:
        headers: the request's headers (case-insensitive mapping).
        secret_of: the secret access key of an access key id, or None for an unknown key.
        expected_service: the signing name the request's service needs in its scope.

    Raises:
        AwsError: with AWS's code and message for each way a signature fails.
    """
    auth = headers.get("Authorization")
    if not auth:
        raise AwsError("MissingAuthenticationTokenException", "Missing Authentication Token")
    m = _AUTH.match(auth.strip())
    if m is None:
        raise _incomplete(
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            f"Authorization={auth[:200]}"
        )
    cred = m.group("cred").split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        raise _incomplete(f"Credential should have exactly 5 parts: {m.group('cred')[:200]}")
    access_key, scope_date, region, service, _ = cred
    secret = secret_of(access_key)
    if secret is None:
        raise AwsError("UnrecognizedClientException", INVALID_TOKEN)
    amz_date = headers.get("X-Amz-Date")
    if not amz_date:
        raise _incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    try:
        when = dt.datetime.strptime(amz_date, _TIMESTAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        raise _incomplete(f"Invalid X-Amz-Date: {amz_date[:64]}") from None
    if service != expected_service:
        raise AwsError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{expected_service}'. ",
        )
    if scope_date != amz_date[:8]:
        raise AwsError(
            "InvalidSignatureException",
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.",
        )
    now = now or dt.datetime.now(dt.UTC)
    if when < now - SKEW:
        raise AwsError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - SKEW).strftime(_TIMESTAMP)} ({now.strftime(_TIMESTAMP)} - 15 min.)",
        )
    if when > now + SKEW:
        raise AwsError(
            "InvalidSignatureException",
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now + SKEW).strftime(_TIMESTAMP)} ({now.strftime(_TIMESTAMP)} + 15 min.)",
        )
    signed = m.group("headers").lower().split(";")
    lower = {k.lower(): v for k, v in headers.items()}
    if "host" not in signed:
        raise AwsError("InvalidSignatureException", BAD_SIGNATURE)
    missing = [h for h in signed if h not in lower]
    if missing:
        raise AwsError("InvalidSignatureException", BAD_SIGNATURE)
    claimed = lower.get("x-amz-content-sha256")
    if claimed is not None and claimed != hashlib.sha256(body).hexdigest():
        raise AwsError("InvalidSignatureException", BAD_SIGNATURE)
    request = AWSRequest(
        method=method,
        url=f"http://{lower['host']}{path}",
        headers={h: lower[h] for h in signed},
        data=body,
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key, secret), service, region)
    canonical = signer.canonical_request(request)
    to_sign = signer.string_to_sign(request, canonical)
    expected = signer.signature(to_sign, request)
    if not hmac.compare_digest(expected, m.group("sig").lower()):
        raise AwsError(
            "InvalidSignatureException",
            f"{BAD_SIGNATURE}\n\nThe Canonical String for this request should have been\n"
            f"'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n",
        )
    return SignedBy(access_key)
