"""Task definitions: register revisions, deregister (INACTIVE), describe, list.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import describe, validation
from ecsedu.engine.api.common import EV, S, api, page
from ecsedu.model import service as service_mod
from ecsedu.model import task_definition as td_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane


@api("RegisterTaskDefinition")
def register_task_definition(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    validation.check_register_task_definition(params)
    family = params["family"]
    revisions = cp.store.families.setdefault(family, [])
    revision = len(revisions) + 1
    arn = arns_mod.task_definition(family, revision)
    try:
        td = td_mod.TaskDefinition.from_request(
            params, arn=arn, revision=revision, registered_at=cp.clock.now
        )
    except Exception:
        if not revisions:
            del cp.store.families[family]
        raise
    revisions.append(td)
    request = {k: v for k, v in params.items() if k != "tags"}
    cp.store.td_requests[arn] = json.loads(json.dumps(request, default=str))
    tags = list(params.get("tags", []))
    cp.store.td_tags[arn] = tags
    cp.store.record(EV.API_CALL, f"task definition {td.name} registered", subject=arn)
    return {"taskDefinition": describe.task_definition(td), "tags": [dict(t) for t in tags]}


def _referenced(cp: ControlPlane) -> set[str]:
    """Task definition ARNs a task that is not STOPPED, or a service that is not INACTIVE (one
    of its deployments), still uses."""
    used = {
        t.task_definition.arn for t in cp.store.tasks.values() if t.last_status is not S.STOPPED
    }
    for s in cp.store.services.values():
        if s.status != service_mod.ServiceStatus.INACTIVE:
            used.add(s.task_definition_arn)
            used.update(d.task_definition_arn for d in s.deployments)
    return used


class _Present:
    """Which revisions still exist: a DELETE_IN_PROGRESS revision is gone (deleted) once no task
    or service uses it ("A task definition revision will stay in DELETE_IN_PROGRESS status until
    all the associated tasks and services have been terminated." botocore). Worked out when
    asked, from the state, so it needs no timer and nothing saved."""

    def __init__(self, cp: ControlPlane) -> None:
        self._cp = cp
        self._used: set[str] | None = None

    def __call__(self, td: td_mod.TaskDefinition) -> bool:
        if td.status != td_mod.TaskDefinitionStatus.DELETE_IN_PROGRESS:
            return True
        if self._used is None:
            self._used = _referenced(self._cp)
        return td.arn in self._used


def _td_or_error(
    cp: ControlPlane,
    ref: str,
    op: str,
    code: str = "ClientException",
    message: str = "Unable to describe task definition.",
) -> td_mod.TaskDefinition:
    td = cp.store.task_definition(ref, op)
    if td is None or not _Present(cp)(td):
        raise errors.ecs_error(code, message, op)
    return td


@api("DeregisterTaskDefinition")
def deregister_task_definition(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DeregisterTaskDefinition"
    ref = params["taskDefinition"]
    if ":" not in arns_mod.task_definition_ref(ref):
        raise errors.ecs_error(
            "ClientException",
            "Revision is required when deregistering a task definition.",  # our wording
            op,
        )
    td = _td_or_error(cp, ref, op, message="The specified task definition does not exist.")
    if td.status == td_mod.TaskDefinitionStatus.ACTIVE:
        td = td.with_status(td_mod.TaskDefinitionStatus.INACTIVE)
        td.document["deregisteredAt"] = cp.clock.now
        cp.store.replace_task_definition(td)
        cp.store.record(EV.API_CALL, f"task definition {td.name} deregistered", subject=td.arn)
    return {"taskDefinition": describe.task_definition(td)}


#: "You can specify up to 10 task definitions as a comma separated list." (botocore)
MAX_DELETE = 10


@api("DeleteTaskDefinitions")
def delete_task_definitions(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Delete INACTIVE revisions: each goes to DELETE_IN_PROGRESS (``deleteRequestedAt`` set).

    An ACTIVE, missing or revision-less reference comes back in ``failures``; nothing else
    changes. Running tasks and services of a DELETE_IN_PROGRESS revision carry on; new tasks,
    services and deployments are refused, as for INACTIVE. Once no task (not STOPPED) and no
    service (not INACTIVE) uses it, the revision is gone: DescribeTaskDefinition answers
    "Unable to describe task definition.", the lists leave it out (``_Present``). Its revision
    number is never reused.
    """
    op = "DeleteTaskDefinitions"
    refs = params["taskDefinitions"]
    if not refs:
        raise errors.ecs_error(
            "InvalidParameterException",
            "taskDefinitions can not be empty.",  # our wording
            op,
        )
    if len(refs) > MAX_DELETE:
        raise errors.ecs_error(
            "InvalidParameterException",
            f"You can specify up to {MAX_DELETE} task definitions.",  # our wording
            op,
        )
    deleted: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    present = _Present(cp)
    for ref in refs:
        family, _, revision = arns_mod.task_definition_ref(ref).partition(":")
        arn = arns_mod.task_definition(family, revision) if revision else ref
        if not revision:
            failures.append(
                {"arn": ref, "reason": "The task definition revision is required."}  # our wording
            )
            continue
        td = cp.store.task_definition(ref, op)
        if td is None or not present(td):
            missing = "The specified task definition does not exist."  # our wording
            failures.append({"arn": arn, "reason": missing})
            continue
        if td.status == td_mod.TaskDefinitionStatus.ACTIVE:
            failures.append(
                {
                    "arn": td.arn,
                    # our wording
                    "reason": "The specified task definition is still in ACTIVE status. Please "
                    "deregister the target and try again.",
                }
            )
            continue
        if td.status == td_mod.TaskDefinitionStatus.INACTIVE:
            td = td.with_status(td_mod.TaskDefinitionStatus.DELETE_IN_PROGRESS)
            td.document["deleteRequestedAt"] = cp.clock.now
            cp.store.replace_task_definition(td)
            cp.store.record(EV.API_CALL, f"task definition {td.name} deleted", subject=td.arn)
        deleted.append(describe.task_definition(td))
    return {"taskDefinitions": deleted, "failures": failures}


@api("DescribeTaskDefinition")
def describe_task_definition(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    td = _td_or_error(cp, params["taskDefinition"], "DescribeTaskDefinition")
    out: dict[str, Any] = {"taskDefinition": describe.task_definition(td)}
    if "TAGS" in params.get("include", []):
        out["tags"] = [dict(t) for t in cp.store.td_tags.get(td.arn, [])]
    return out


@api("ListTaskDefinitions")
def list_task_definitions(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    validation.check_enums("ListTaskDefinitions", params)
    prefix = params.get("familyPrefix")
    status = params.get("status", td_mod.TaskDefinitionStatus.ACTIVE)
    present = _Present(cp)
    arns = [
        td.arn
        for family, revisions in sorted(cp.store.families.items())
        if prefix is None or family == prefix
        for td in revisions
        if td.status == status and present(td)
    ]
    if params.get("sort") == "DESC":
        arns.reverse()
    return page(arns, params, "taskDefinitionArns", "ListTaskDefinitions")


@api("ListTaskDefinitionFamilies")
def list_task_definition_families(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    validation.check_enums("ListTaskDefinitionFamilies", params)
    prefix = params.get("familyPrefix") or ""
    status = params.get("status", td_mod.TaskDefinitionStatus.ACTIVE)
    present = _Present(cp)
    existing = {
        f: kept
        for f, revs in cp.store.families.items()
        if (kept := [td for td in revs if present(td)])
    }
    families = [
        f
        for f, revs in sorted(existing.items())
        if f.startswith(prefix)
        and (
            status == "ALL"
            or any(td.status == status for td in revs)
            or (
                status == td_mod.TaskDefinitionStatus.INACTIVE
                and all(td.status == td_mod.TaskDefinitionStatus.INACTIVE for td in revs)
            )
        )
    ]
    return page(families, params, "families", "ListTaskDefinitionFamilies")
