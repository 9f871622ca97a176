"""Tags on clusters, container instances, task definitions, tasks and services.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import arns, errors
from ecsedu.engine.api.common import api

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane


def _taggable(cp: ControlPlane, arn: str, op: str) -> list[dict[str, str]]:
    kind = arns.resource_type(arn)
    if kind is arns.ResourceType.CLUSTER:
        c = cp.store.clusters.get(arn)
        if c is not None:
            return c.tags
    elif kind is arns.ResourceType.SERVICE:
        s = cp.store.services.get(arn)
        if s is not None:
            return s.tags
    elif kind is arns.ResourceType.TASK_DEFINITION:
        if arn in cp.store.td_tags:
            return cp.store.td_tags[arn]
    elif kind is arns.ResourceType.TASK:
        t = cp.store.tasks.get(arn)
        if t is not None:
            return t.tags
    elif kind is arns.ResourceType.CONTAINER_INSTANCE:
        i = cp.store.instances.get(arn)
        if i is not None:
            return i.tags
    else:
        raise errors.ecs_error(
            "InvalidParameterException", "The ARN provided is invalid.", op
        )  # our wording
    # ListTagsForResource does not model ResourceNotFoundException: ECS answers it with
    # InvalidParameterException (a code botocore knows for that operation).
    code = "InvalidParameterException"
    if op != "ListTagsForResource":
        code = "ResourceNotFoundException"
    raise errors.ecs_error(code, "The specified resource could not be found.", op)


@api("TagResource")
def tag_resource(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    tags = _taggable(cp, params["resourceArn"], "TagResource")
    new = {t["key"]: t.get("value", "") for t in params["tags"]}
    kept = [t for t in tags if t["key"] not in new]
    tags[:] = kept + [{"key": k, "value": v} for k, v in new.items()]
    return {}


@api("UntagResource")
def untag_resource(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    tags = _taggable(cp, params["resourceArn"], "UntagResource")
    drop = set(params["tagKeys"])
    tags[:] = [t for t in tags if t["key"] not in drop]
    return {}


@api("ListTagsForResource")
def list_tags_for_resource(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    tags = _taggable(cp, params["resourceArn"], "ListTagsForResource")
    return {"tags": [dict(t) for t in tags]}
