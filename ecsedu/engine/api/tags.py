"""Tags on clusters, container instances, task definitions, tasks, services, capacity providers
and task sets. TagResource's documentation names all but task sets ("capacity providers, tasks,
services, task definitions, clusters, and container instances"); task sets carry tags too
(CreateTaskSet's ``tags``, DescribeTaskSets' ``include=["TAGS"]``), and ecsedu lets them be
changed the same way (a choice: not checked against ECS).

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import arns, errors
from ecsedu.engine.api.common import api
from ecsedu.model import capacity_provider as cp_mod

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
    elif kind is arns.ResourceType.CAPACITY_PROVIDER:
        found = _capacity_provider(cp, arn)
        if found is not None:
            return found
    elif kind is arns.ResourceType.TASK_SET:
        found = _task_set(cp, arn)
        if found is not None:
            return found
    else:
        raise errors.ecs_error(
            "InvalidParameterException", "The ARN provided is invalid.", op
        )  # our wording
    # ListTagsForResource does not model ResourceNotFoundException: ECS answers it with
    # InvalidParameterException (a code botocore knows for that operation).
    code = "InvalidParameterException"
    if op != "ListTagsForResource":
        code = "ResourceNotFoundException"
    raise errors.ecs_error(code, "The specified resource could not be found.", op)  # our wording


def _capacity_provider(cp: ControlPlane, arn: str) -> list[dict[str, str]] | None:
    """A capacity provider's tags (by its ARN: another account's ARN names none of ours). A
    deleted (INACTIVE) one has none: "When a resource is deleted, the tags that are associated
    with that resource are deleted as well." (TagResource's documentation)"""
    try:
        name = arns.parse(arn).name
    except ValueError:
        return None
    p = cp.store.capacity_providers.get(name)
    if p is None or p.arn != arn or p.status is cp_mod.CapacityProviderStatus.INACTIVE:
        return None
    return p.tags


def _task_set(cp: ControlPlane, arn: str) -> list[dict[str, str]] | None:
    """A task set's tags (``task-set/<cluster>/<service>/ecs-svc/<id>``)."""
    try:
        parts = arns.parse(arn)
    except ValueError:
        return None
    if parts.cluster is None or parts.service is None:
        return None
    s = cp.store.services.get(arns.service(parts.cluster, parts.service))
    if s is None:
        return None
    for ts in s.task_sets:
        if ts.arn == arn:
            return ts.tags
    return None


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
