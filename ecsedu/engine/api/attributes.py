"""Custom attributes: PutAttributes, DeleteAttributes, ListAttributes.

An attribute is a name (and an optional value) on a container instance, the only target type
ECS has (``targetType: "container-instance"``). The agent registers the built-in ones
(``ecs.availability-zone``, ``ecs.os-type``, capabilities ...); PutAttributes adds or replaces
*custom* ones, which placement constraints then read at once::

    ecs.put_attributes(attributes=[{"name": "stack", "value": "prod", "targetId": arn}])
    ecs.run_task(..., placementConstraints=[{"type": "memberOf",
                                             "expression": "attribute:stack == prod"}])

Rules (botocore's ``Attribute`` documentation): a name is 1-128 letters, digits, ``-_/\\.``; a
value is 1-128 letters, digits, ``-_.@/\\:`` or spaces, not starting or ending with a space; at
most 10 attributes in one call and 10 custom attributes on one resource
(``AttributeLimitExceededException``). A short target id needs ``targetType``; an unknown target,
or one in another cluster, is ``TargetNotFoundException``. A call is all or nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import query, validation
from ecsedu.engine.api.common import EV, api, page
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = [
    "MAX_CUSTOM_ATTRIBUTES",
    "MAX_PER_CALL",
    "delete_attributes",
    "is_custom",
    "list_attributes",
    "put_attributes",
]

TARGET_TYPE = "container-instance"
#: "You can specify up to 10 custom attributes for each resource. You can specify up to 10
#: attributes in a single call." (botocore, PutAttributesRequest.attributes)
MAX_CUSTOM_ATTRIBUTES = 10
MAX_PER_CALL = 10
#: Names the agent registers by itself (not custom, not counted against the limit).
BUILT_IN_PREFIXES = ("ecs.", "com.amazonaws.ecs.")


def is_custom(name: str) -> bool:
    return not name.startswith(BUILT_IN_PREFIXES)


def _invalid(message: str, op: str) -> errors.ClientError:
    return errors.ecs_error("InvalidParameterException", message, op)


def _check_count(attributes: list[dict[str, Any]], op: str) -> None:
    if not attributes:
        raise _invalid("Attributes cannot be empty.", op)  # our wording
    if len(attributes) > MAX_PER_CALL:
        raise _invalid(
            f"You can specify up to {MAX_PER_CALL} attributes in a single call.",  # our wording
            op,
        )


def _check_name(name: str, op: str) -> None:
    if not query.ATTRIBUTE_NAME.fullmatch(name):
        raise _invalid(
            f"Invalid attribute name {name!r}: 1-128 letters, numbers, hyphens, underscores, "
            "forward slashes, back slashes or periods.",  # our wording
            op,
        )


def _check_value(value: str, op: str) -> None:
    if not query.ATTRIBUTE_VALUE.fullmatch(value):
        raise _invalid(
            f"Invalid attribute value {value!r}: 1-128 letters, numbers, hyphens, underscores, "
            "periods, at signs, slashes, colons or spaces, not starting or ending with a "
            "space.",  # our wording
            op,
        )


def _target(
    cp: ControlPlane, c: cluster_mod.Cluster, attribute: dict[str, Any], op: str
) -> ci_mod.ContainerInstance:
    target_type = attribute.get("targetType")
    if target_type is not None and target_type != TARGET_TYPE:
        raise _invalid(
            f"Invalid targetType {target_type!r}: the only target type is "
            f"{TARGET_TYPE}.",  # our wording
            op,
        )
    target_id = attribute.get("targetId")
    if not target_id:
        raise _invalid("Each attribute needs a targetId.", op)  # our wording
    if not arns_mod.is_arn(target_id) and target_type is None:
        raise _invalid(
            "targetType is required when targetId is a short id.",  # our wording
            op,
        )
    arn = cp.store.instance_arn(c, target_id)
    inst = cp.store.instances.get(arn)
    if inst is None or inst.cluster_arn != c.arn or inst.status == ci_mod.InstanceStatus.INACTIVE:
        raise errors.ecs_error(
            "TargetNotFoundException",
            f"The specified target wasn't found: {target_id}",  # our wording
            op,
        )
    return inst


def _changed(cp: ControlPlane, inst: ci_mod.ContainerInstance, message: str) -> None:
    cp.store.indexes[inst.cluster_arn].attributes_changed()  # spread / requiresAttributes caches
    cp.store.record(EV.API_CALL, message, cluster_arn=inst.cluster_arn, subject=inst.arn)


@api("PutAttributes")
def put_attributes(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Create or replace attributes on container instances (all or nothing)."""
    op = "PutAttributes"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    attributes = params["attributes"]
    _check_count(attributes, op)
    planned: dict[str, dict[str, str | None]] = {}
    targets: dict[str, ci_mod.ContainerInstance] = {}
    for attribute in attributes:
        name = attribute["name"]
        _check_name(name, op)
        value = attribute.get("value")
        if value is not None:
            _check_value(value, op)
        inst = _target(cp, c, attribute, op)
        targets[inst.arn] = inst
        planned.setdefault(inst.arn, dict(inst.attributes))[name] = value
    for arn, after in planned.items():
        if sum(1 for n in after if is_custom(n)) > MAX_CUSTOM_ATTRIBUTES:
            raise errors.ecs_error(
                "AttributeLimitExceededException",
                f"You can apply up to {MAX_CUSTOM_ATTRIBUTES} custom attributes for each "
                f"resource: {targets[arn].id} would have more.",  # our wording
                op,
            )
    for arn, after in planned.items():
        inst = targets[arn]
        inst.attributes = after
        names = sorted(a["name"] for a in attributes if _same(cp, c, a, arn))
        _changed(cp, inst, f"attributes {', '.join(names)} put on instance {inst.id}")
    return {"attributes": [dict(a) for a in attributes]}


def _same(cp: ControlPlane, c: cluster_mod.Cluster, attribute: dict[str, Any], arn: str) -> bool:
    return cp.store.instance_arn(c, attribute["targetId"]) == arn


@api("DeleteAttributes")
def delete_attributes(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Remove attributes from container instances (an absent one is not an error)."""
    op = "DeleteAttributes"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    attributes = params["attributes"]
    _check_count(attributes, op)
    plan: list[tuple[ci_mod.ContainerInstance, str]] = []
    for attribute in attributes:
        _check_name(attribute["name"], op)
        plan.append((_target(cp, c, attribute, op), attribute["name"]))
    for inst, name in plan:
        if name in inst.attributes:
            del inst.attributes[name]
            _changed(cp, inst, f"attribute {name} deleted from instance {inst.id}")
    return {"attributes": [dict(a) for a in attributes]}


@api("ListAttributes")
def list_attributes(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Every attribute of every container instance of the cluster, one entry each, optionally
    only one name (and value)."""
    op = "ListAttributes"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    if params["targetType"] != TARGET_TYPE:
        raise _invalid(
            f"Invalid targetType {params['targetType']!r}: the only target type is "
            f"{TARGET_TYPE}.",  # our wording
            op,
        )
    name = params.get("attributeName")
    value = params.get("attributeValue")
    if value is not None and name is None:
        raise _invalid(
            "attributeValue requires attributeName.",  # our wording
            op,
        )
    out: list[dict[str, str]] = []
    for inst in cp.store.instances.values():
        if inst.cluster_arn != c.arn or inst.status == ci_mod.InstanceStatus.INACTIVE:
            continue
        for n, v in sorted(inst.attributes.items()):
            if (name is not None and n != name) or (value is not None and v != value):
                continue
            entry = {"name": n, "targetType": TARGET_TYPE, "targetId": inst.arn}
            if v is not None:
                entry["value"] = v
            out.append(entry)
    return page(out, params, "attributes", op)
