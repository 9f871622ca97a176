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
from ecsedu.engine.api.common import EV, api, page
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


def _td_or_error(
    cp: ControlPlane,
    ref: str,
    op: str,
    code: str = "ClientException",
    message: str = "Unable to describe task definition.",
) -> td_mod.TaskDefinition:
    td = cp.store.task_definition(ref, op)
    if td is None:
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
    arns = [
        td.arn
        for family, revisions in sorted(cp.store.families.items())
        if prefix is None or family == prefix
        for td in revisions
        if td.status == status
    ]
    if params.get("sort") == "DESC":
        arns.reverse()
    return page(arns, params, "taskDefinitionArns", "ListTaskDefinitions")


@api("ListTaskDefinitionFamilies")
def list_task_definition_families(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    validation.check_enums("ListTaskDefinitionFamilies", params)
    prefix = params.get("familyPrefix") or ""
    status = params.get("status", td_mod.TaskDefinitionStatus.ACTIVE)
    families = [
        f
        for f, revs in sorted(cp.store.families.items())
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
