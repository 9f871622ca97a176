"""Account settings: PutAccountSetting, PutAccountSettingDefault, ListAccountSettings,
DeleteAccountSetting.

A setting has a value per principal: the root user's value is the account default (what
PutAccountSettingDefault sets), a user or role may override it. ecsedu's caller is the account's
root user (``arn:aws:iam::123456789012:root``, the ``createdBy`` of every service), so a call
without ``principalArn`` changes the default. ``ListAccountSettings(effectiveSettings=True)``
answers, for every setting, the principal's own value, else the root's, else AWS's default.

What ecsedu does with them:

* ``containerInsights`` (``enabled`` / ``disabled`` / ``enhanced``): the setting a new cluster gets
  when CreateCluster names none (as AWS documents: "all new clusters have Container Insights
  enabled by default"); ``UpdateClusterSettings`` overrides it per cluster.
* ``serviceLongArnFormat``, ``taskLongArnFormat``, ``containerInstanceLongArnFormat``: always
  ``enabled``. AWS ended the opt-out on April 1, 2021 ("you can no longer opt out"); setting one
  to ``disabled`` is refused with ECS's "You can no longer disable Long Arn settings.". ecsedu
  makes only long ARNs.
* ``awsvpcTrunking``, ``fargateFIPSMode``, ``tagResourceAuthorization``,
  ``fargateTaskRetirementWaitPeriod``, ``defaultLogDriverMode``, ``fargateEventWindows``: kept
  and listed, with their valid values checked; they change nothing ecsedu models.
* ``guardDutyActivate``: managed by AWS (``type: "aws_managed"``), read-only.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from ecsedu import errors, ids
from ecsedu.engine import validation
from ecsedu.engine.api.common import EV, api

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = [
    "DEFAULTS",
    "ROOT",
    "container_insights_default",
    "delete_account_setting",
    "effective",
    "list_account_settings",
    "put_account_setting",
    "put_account_setting_default",
]

ROOT = f"arn:aws:iam::{ids.ACCOUNT}:root"
#: A principal of this account: the root user, a user or a role (with an optional path).
_PRINCIPAL = re.compile(
    rf"arn:aws:iam::{ids.ACCOUNT}:(?:root|(?:user|role)/(?:[\w+=,.@-]+/)*[\w+=,.@-]{{1,128}})"
)
LONG_ARN = ("serviceLongArnFormat", "taskLongArnFormat", "containerInstanceLongArnFormat")
ON_OFF = ("enabled", "disabled")
#: Each setting's valid values (botocore's PutAccountSetting.value documentation and the AWS
#: developer guide's "Account settings").
VALUES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(LONG_ARN, ON_OFF),
    "awsvpcTrunking": ON_OFF,
    "containerInsights": ("enabled", "disabled", "enhanced"),
    "fargateFIPSMode": ON_OFF,
    "tagResourceAuthorization": ("on", "off"),
    "fargateTaskRetirementWaitPeriod": ("0", "7", "14"),
    "guardDutyActivate": ("on", "off"),
    "defaultLogDriverMode": ("blocking", "non-blocking"),
    "fargateEventWindows": ON_OFF,
}
#: AWS's value when nobody set one (the account of a learner created today).
DEFAULTS: dict[str, str] = {
    **dict.fromkeys(LONG_ARN, "enabled"),
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
    "fargateFIPSMode": "disabled",
    "tagResourceAuthorization": "on",
    "fargateTaskRetirementWaitPeriod": "7",
    "guardDutyActivate": "off",
    "defaultLogDriverMode": "non-blocking",
    "fargateEventWindows": "disabled",
}
AWS_MANAGED = ("guardDutyActivate",)
ROOT_ONLY = ("fargateTaskRetirementWaitPeriod",)
EXTENSION = "account_settings"


def _settings(cp: ControlPlane) -> dict[str, dict[str, str]]:
    """Explicit values by principal ARN, then setting name (the root's are the defaults)."""
    settings: dict[str, dict[str, str]] = cp.store.extensions.setdefault(EXTENSION, {})
    return settings


def effective(cp: ControlPlane, name: str, principal: str = ROOT) -> str:
    """The value that applies to ``principal``: its own, else the account default, else AWS's."""
    settings = _settings(cp)
    own = settings.get(principal, {}).get(name)
    if own is not None:
        return own
    return settings.get(ROOT, {}).get(name, DEFAULTS[name])


def container_insights_default(cp: ControlPlane) -> list[dict[str, str]]:
    """The ``settings`` a new cluster gets when CreateCluster names none."""
    return [{"name": "containerInsights", "value": effective(cp, "containerInsights")}]


def _entry(name: str, value: str, principal: str) -> dict[str, str]:
    kind = "aws_managed" if name in AWS_MANAGED else "user"
    return {"name": name, "value": value, "principalArn": principal, "type": kind}


def _invalid(message: str, op: str) -> errors.ClientError:
    return errors.ecs_error("InvalidParameterException", message, op)


def _principal(params: dict[str, Any], op: str) -> str:
    principal = params.get("principalArn")
    if principal is None:
        return ROOT
    if not _PRINCIPAL.fullmatch(principal):
        raise _invalid(
            f"Invalid principalArn {principal!r}: the ARN of this account's root user, a user "
            "or a role.",  # our wording
            op,
        )
    return str(principal)


def _check(name: str, value: str, principal: str, op: str) -> None:
    if name in AWS_MANAGED:
        raise _invalid(
            f"The {name} account setting is managed by AWS and cannot be changed.",  # our wording
            op,
        )
    if name in LONG_ARN and value == "disabled":
        # ECS's text, as the Terraform / Pulumi AWS providers quote it ("the AWS Provider will log
        # an AWS error: InvalidParameterException: You can no longer disable Long Arn settings."):
        # https://www.pulumi.com/registry/packages/aws/api-docs/ecs/accountsettingdefault
        # https://github.com/hashicorp/terraform-provider-aws/blob/main/website/docs/r/ecs_account_setting_default.html.markdown
        # (verified: docs/error-texts.md; the final period is unverified, Terraform's code span
        # ends before it)
        raise _invalid("You can no longer disable Long Arn settings.", op)
    if value not in VALUES[name]:
        raise _invalid(
            f"Invalid value {value!r} for {name}: use {' or '.join(VALUES[name])}.",  # our wording
            op,
        )
    if name in ROOT_ONLY and principal != ROOT:
        raise _invalid(
            f"Only the root user can set {name}.",  # our wording
            op,
        )


def _put(cp: ControlPlane, name: str, value: str, principal: str) -> dict[str, Any]:
    _settings(cp).setdefault(principal, {})[name] = value
    cp.store.record(EV.API_CALL, f"account setting {name} = {value} for {principal}")
    return {"setting": _entry(name, value, principal)}


@api("PutAccountSetting")
def put_account_setting(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Set a setting for a principal (the caller, the root user, when none is named)."""
    op = "PutAccountSetting"
    validation.check_enums(op, params)
    principal = _principal(params, op)
    _check(params["name"], params["value"], principal, op)
    return _put(cp, params["name"], params["value"], principal)


@api("PutAccountSettingDefault")
def put_account_setting_default(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Set the account default (the root user's value)."""
    op = "PutAccountSettingDefault"
    validation.check_enums(op, params)
    _check(params["name"], params["value"], ROOT, op)
    return _put(cp, params["name"], params["value"], ROOT)


@api("DeleteAccountSetting")
def delete_account_setting(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Remove a principal's own value: the account default (or AWS's) applies again. The
    response carries the value that was removed (the one that applied, if none was set)."""
    op = "DeleteAccountSetting"
    validation.check_enums(op, params)
    name = params["name"]
    principal = _principal(params, op)
    if name in AWS_MANAGED:
        _check(name, "", principal, op)
    before = effective(cp, name, principal)
    own = _settings(cp).get(principal, {})
    if own.pop(name, None) is not None:
        cp.store.record(EV.API_CALL, f"account setting {name} deleted for {principal}")
    return {"setting": _entry(name, before, principal)}


#: ListAccountSettings' page size: "This value can be between 1 and 10." (botocore)
_MAX_PAGE = 10


@api("ListAccountSettings")
def list_account_settings(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """A principal's settings (its own, or with ``effectiveSettings`` every setting's value that
    applies to it), optionally only one ``name`` (and ``value``), by name, 10 a page."""
    op = "ListAccountSettings"
    validation.check_enums(op, params)
    principal = _principal(params, op)
    name, value = params.get("name"), params.get("value")
    if value is not None and name is None:
        raise _invalid("value requires name.", op)  # our wording
    if params.get("effectiveSettings"):
        pairs = [(n, effective(cp, n, principal)) for n in DEFAULTS]
    else:
        pairs = list(_settings(cp).get(principal, {}).items())
    entries = [
        _entry(n, v, principal)
        for n, v in sorted(pairs)
        if (name is None or n == name) and (value is None or v == value)
    ]
    limit = params.get("maxResults", _MAX_PAGE)
    if not 1 <= limit <= _MAX_PAGE:
        raise _invalid("maxResults must be between 1 and 10.", op)  # our wording
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise _invalid("Invalid nextToken.", op) from None
    out: dict[str, Any] = {"settings": entries[start : start + limit]}
    if start + limit < len(entries):
        out["nextToken"] = base64.b64encode(str(start + limit).encode()).decode()
    return out
