"""Task sets (the EXTERNAL deployment controller) and ListServicesByNamespace.

A service created with ``deploymentController={"type": "EXTERNAL"}`` needs no task definition:
its task sets carry one each (CreateTaskSet), with a ``scale`` in percent of the service's
``desiredCount`` (UpdateTaskSet), and one of them is PRIMARY (UpdateServicePrimaryTaskSet): the
service shows its task definition and launch type. DeleteTaskSet drains a task set (``force`` if
it is still scaled above 0). UpdateService changes only ``desiredCount`` and
``healthCheckGracePeriodSeconds`` of such a service; everything else goes through a new task set.
``ecsedu/engine/task_sets.py`` runs the task sets' tasks.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-external.html

ListServicesByNamespace lists the services whose ``serviceConnectConfiguration.namespace`` is the
given Cloud Map namespace (a name or an ARN). ecsedu models no Cloud Map: the namespaces that
exist are the ones services were created or updated with and the clusters' default ones
(``serviceConnectDefaults``, which CreateService uses when Service Connect is enabled with no
namespace); any other is ``NamespaceNotFoundException``.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import describe, validation
from ecsedu.engine import task_sets as task_sets_mod
from ecsedu.engine.api import tasks
from ecsedu.engine.api.common import EV, api, page
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = [
    "check_external_service",
    "create_external_service",
    "create_task_set",
    "delete_task_set",
    "describe_task_sets",
    "list_services_by_namespace",
    "update_external_service",
    "update_service_primary_task_set",
    "update_task_set",
]

#: Verified (observed with the AWS CLI, hashicorp/terraform-provider-aws#30347).
NOT_EXTERNAL = (
    "Amazon ECS only supports task set management on services configured to use external "
    "deployment controllers."
)
TASK_SET_NOT_FOUND = "The specified task set does not exist."  # our wording
#: our wording
DAEMON_EXTERNAL = "The DAEMON scheduling strategy does not support EXTERNAL deployments."
#: our wording (ecsedu's limit)
LAUNCH_TYPES = (
    "ecsedu runs task sets with the EC2 or FARGATE launch type or a capacity provider strategy."
)
NAMESPACE_NOT_FOUND = "The specified namespace wasn't found."  # our wording
DRAINING_PRIMARY = "A DRAINING task set cannot become the primary task set."  # our wording
#: UpdateService parameters an EXTERNAL service takes (the rest belong to its task sets).
EXTERNAL_UPDATABLE = ("cluster", "service", "desiredCount", "healthCheckGracePeriodSeconds")
#: Launch types ecsedu runs task sets on (EXTERNAL and MANAGED_INSTANCES: not modelled).
TASK_SET_LAUNCH_TYPES = ("EC2", "FARGATE")


def _invalid(message: str, op: str) -> errors.ClientError:
    return errors.ecs_error("InvalidParameterException", message, op)


# =========================================================================== the service
def check_external_service(params: dict[str, Any]) -> None:
    """CreateService's rules for an EXTERNAL service."""
    op = "CreateService"
    if params.get("schedulingStrategy") == service_mod.SchedulingStrategy.DAEMON:
        # the docs: EXTERNAL deployment controllers don't support the DAEMON strategy
        raise _invalid(DAEMON_EXTERNAL, op)


def create_external_service(
    cp: ControlPlane, c: cluster_mod.Cluster, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateService with the EXTERNAL controller: a service with no task set yet."""
    now = cp.clock.now
    name = params["serviceName"]
    arn = arns_mod.service(c.name, name)
    config = params.get("deploymentConfiguration") or {}
    # the scheduler needs a deployment to hang counters on; DescribeServices shows none
    holder = service_mod.Deployment(
        id=cp.store.ids.deployment_id(),
        task_definition_arn="",
        desired_count=params.get("desiredCount", 0),
        created_at=now,
        updated_at=now,
    )
    s = service_mod.Service(
        arn=arn,
        name=name,
        cluster_arn=c.arn,
        task_definition_arn="",
        desired_count=params.get("desiredCount", 0),
        created_at=now,
        launch_type=params.get("launchType", "EC2"),
        minimum_healthy_percent=config.get("minimumHealthyPercent", 100),
        maximum_percent=config.get("maximumPercent", 200),
        placement_constraints=list(params.get("placementConstraints", [])),
        placement_strategy=list(params.get("placementStrategy", [])),
        deployments=[holder],
        request=json.loads(
            json.dumps({k: v for k, v in params.items() if k != "tags"}, default=str)
        ),
        tags=list(params.get("tags", [])),
    )
    cp.store.services.pop(arn, None)
    cp.store.services[arn] = s
    c.active_services_count += 1
    cp.store.record(
        EV.API_CALL, f"service {name} created (EXTERNAL)", cluster_arn=c.arn, subject=arn
    )
    cp.services.request(s)
    return {"service": describe.service(s)}


def update_external_service(
    cp: ControlPlane, s: service_mod.Service, params: dict[str, Any]
) -> dict[str, Any]:
    """UpdateService of an EXTERNAL service: the desired count and the grace period only."""
    op = "UpdateService"
    others = sorted(
        k
        for k, v in params.items()
        if k not in EXTERNAL_UPDATABLE and v not in (None, False, [], {})
    )
    if others:
        raise _invalid(
            f"Unable to update {', '.join(others)} of a service that uses the EXTERNAL deployment "
            "controller. Create a new task set instead.",  # our wording
            op,
        )
    if "desiredCount" in params:
        s.desired_count = params["desiredCount"]
        s.primary.desired_count = s.desired_count
        s.steady = False
    if "healthCheckGracePeriodSeconds" in params:
        s.request["healthCheckGracePeriodSeconds"] = params["healthCheckGracePeriodSeconds"]
    cp.store.record(
        EV.API_CALL,
        f"service {s.name} updated",
        cluster_arn=s.cluster_arn,
        subject=s.arn,
        **{k: v for k, v in params.items() if k == "desiredCount"},
    )
    _refresh(s)
    cp.services.request(s)
    return {"service": describe.service(s)}


# =========================================================================== task sets
def _external(cp: ControlPlane, params: dict[str, Any], op: str) -> service_mod.Service:
    c = cp.store.cluster(params.get("cluster"), op)
    s = cp.store.services.get(cp.store.service_arn(c, params["service"]))
    if s is None or s.cluster_arn != c.arn:
        raise errors.ecs_error("ServiceNotFoundException", "Service not found.", op)
    if s.status != service_mod.ServiceStatus.ACTIVE:
        # our wording (the exception is modelled, its text unverified)
        raise errors.ecs_error("ServiceNotActiveException", "Service was not ACTIVE.", op)
    if not s.external:
        raise _invalid(NOT_EXTERNAL, op)
    return s


def _find(s: service_mod.Service, ref: str) -> service_mod.TaskSet | None:
    """A task set by id (``ecs-svc/…``) or ARN."""
    for ts in s.task_sets:
        if ref in (ts.id, ts.arn):
            return ts
    return None


def _task_set(s: service_mod.Service, ref: str, op: str) -> service_mod.TaskSet:
    ts = _find(s, ref)
    if ts is None:
        raise errors.ecs_error("TaskSetNotFoundException", TASK_SET_NOT_FOUND, op)
    return ts


def _scale(params: dict[str, Any], op: str) -> dict[str, Any]:
    scale = params.get("scale") or {}
    value = scale.get("value", 100.0)
    if not 0.0 <= float(value) <= 100.0:
        raise _invalid("Scale value must be between 0 and 100 percent.", op)  # our wording
    return {"value": float(value), "unit": scale.get("unit") or "PERCENT"}


def _refresh(s: service_mod.Service) -> None:
    """Recompute the task sets' counts now (the scheduler acts at the next instant)."""
    for ts in s.task_sets:
        ts.computed_desired_count = task_sets_mod.computed_desired_count(s, ts)


@api("CreateTaskSet")
def create_task_set(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "CreateTaskSet"
    validation.check_enums(op, params)
    s = _external(cp, params, op)
    c = cp.store.cluster(params.get("cluster"), op)
    td = tasks.runnable_task_definition(cp, params["taskDefinition"], op)
    if params.get("launchType") and params.get("capacityProviderStrategy"):
        raise _invalid(validation.LAUNCH_TYPE_AND_PROVIDERS, op)
    if params.get("launchType", "EC2") not in TASK_SET_LAUNCH_TYPES:
        raise _invalid(LAUNCH_TYPES, op)
    if len(params.get("loadBalancers") or []) > 1:
        raise _invalid("CreateTaskSet cannot have more than 1 load balancer.", op)  # our wording
    from ecsedu.engine import capacity  # capacity provider strategies (and the cluster's default)

    strategy = capacity.resolve(cp, c, params, op)
    checked = capacity.launch_params(cp, params)
    if strategy is None:  # a launch type: EC2 unless given
        checked = {**checked, "launchType": checked.get("launchType") or "EC2"}
    launch = checked.get("launchType") or "EC2"
    tasks.check_launch(cp, td, checked, op)
    if strategy is not None:
        capacity.check_task_definition(td, strategy, params.get("networkConfiguration"), op)
    tasks.check_safe(cp, td, op)
    from ecsedu.engine.controllers import loadbalancing  # ECS's loadBalancers checks and texts

    loadbalancing.check_service_load_balancers(cp, params, td, op)
    scale = _scale(params, op)
    # -- nothing can fail below this line --
    now = cp.clock.now
    ts_id = cp.store.ids.deployment_id()
    ts = service_mod.TaskSet(
        id=ts_id,
        arn=arns_mod.task_set(arns_mod.cluster_name(s.cluster_arn), s.name, ts_id),
        service_arn=s.arn,
        cluster_arn=s.cluster_arn,
        task_definition_arn=td.arn,
        created_at=now,
        updated_at=now,
        external_id=params.get("externalId"),
        launch_type=launch,
        scale=scale,
        stability_status="STABILIZING",
        stability_status_at=now,
        request=json.loads(
            json.dumps(
                {
                    k: v
                    for k, v in params.items()
                    if k
                    in (
                        "networkConfiguration",
                        "loadBalancers",
                        "serviceRegistries",
                        "platformVersion",
                    )
                },
                default=str,
            )
        ),
        tags=list(params.get("tags", [])),
    )
    if launch == "FARGATE":
        ts.request["platformVersion"] = params.get("platformVersion") or "LATEST"
    if strategy is not None:  # the strategy replaces the launch type (DescribeTaskSets)
        ts.request["capacityProviderStrategy"] = copy.deepcopy(strategy)
        capacity.bind(cp)
    ts.computed_desired_count = task_sets_mod.computed_desired_count(s, ts)
    s.task_sets.append(ts)
    s.steady = False
    cp.store.record(
        EV.API_CALL, f"task set {ts.id} created", cluster_arn=s.cluster_arn, subject=s.arn
    )
    cp.services.request(s)
    return {"taskSet": describe.task_set(ts, tags=True)}


@api("UpdateTaskSet")
def update_task_set(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "UpdateTaskSet"
    validation.check_enums(op, params)
    s = _external(cp, params, op)
    ts = _task_set(s, params["taskSet"], op)
    scale = _scale(params, op)
    ts.scale = scale
    ts.updated_at = cp.clock.now
    _refresh(s)
    cp.store.record(
        EV.API_CALL,
        f"task set {ts.id} scaled to {scale['value']:g}%",
        cluster_arn=s.cluster_arn,
        subject=s.arn,
    )
    cp.services.request(s)
    return {"taskSet": describe.task_set(ts, tags=True)}


@api("DeleteTaskSet")
def delete_task_set(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DeleteTaskSet"
    s = _external(cp, params, op)
    ts = _task_set(s, params["taskSet"], op)
    if ts.status != "DRAINING" and ts.computed_desired_count > 0 and not params.get("force"):
        raise _invalid(
            "The task set cannot be deleted while it is scaled above 0. Scale it to 0 or use "
            "force.",  # our wording
            op,
        )
    ts.status = "DRAINING"
    ts.updated_at = cp.clock.now
    _refresh(s)
    cp.store.record(
        EV.API_CALL, f"task set {ts.id} DRAINING", cluster_arn=s.cluster_arn, subject=s.arn
    )
    cp.services.request(s)
    return {"taskSet": describe.task_set(ts, tags=True)}


@api("DescribeTaskSets")
def describe_task_sets(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DescribeTaskSets"
    validation.check_enums(op, params)
    s = _external(cp, params, op)
    tags = "TAGS" in (params.get("include") or [])
    refs = params.get("taskSets")
    if refs is None:
        return {
            "taskSets": [describe.task_set(ts, tags=tags) for ts in s.task_sets],
            "failures": [],
        }
    out, failures = [], []
    for ref in refs:
        ts = _find(s, ref)
        if ts is None:
            failures.append({"arn": ref, "reason": "MISSING"})
        else:
            out.append(describe.task_set(ts, tags=tags))
    return {"taskSets": out, "failures": failures}


@api("UpdateServicePrimaryTaskSet")
def update_service_primary_task_set(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "UpdateServicePrimaryTaskSet"
    s = _external(cp, params, op)
    ts = _task_set(s, params["primaryTaskSet"], op)
    if ts.status == "DRAINING":
        raise _invalid(DRAINING_PRIMARY, op)
    now = cp.clock.now
    for other in s.task_sets:
        if other.status == "PRIMARY" and other is not ts:
            other.status = "ACTIVE"
            other.updated_at = now
    ts.status = "PRIMARY"
    ts.updated_at = now
    # "any task set parameter values ... on the new primary task set ... are updated" on the service
    s.task_definition_arn = ts.task_definition_arn
    s.launch_type = ts.launch_type
    s.primary.task_definition_arn = ts.task_definition_arn
    # (loadBalancers and serviceRegistries stay the task sets' own: DescribeServices shows the
    # primary's; the load balancing controller registers each task set's tasks in its own)
    for key in ("networkConfiguration", "platformVersion"):
        if key in ts.request:
            s.request[key] = copy.deepcopy(ts.request[key])
        else:
            s.request.pop(key, None)
    s.network_configuration = copy.deepcopy(ts.request.get("networkConfiguration"))
    s.platform_version = ts.request.get("platformVersion")
    s.capacity_provider_strategy = task_sets_mod.strategy_of(ts)
    cp.store.record(
        EV.API_CALL, f"task set {ts.id} PRIMARY", cluster_arn=s.cluster_arn, subject=s.arn
    )
    cp.services.request(s)
    return {"taskSet": describe.task_set(ts, tags=True)}


# =========================================================================== namespaces
def _namespace_of(s: service_mod.Service) -> str | None:
    config = s.request.get("serviceConnectConfiguration") or {}
    value = config.get("namespace")
    return str(value) if value else None


def _same_namespace(a: str, b: str) -> bool:
    """A namespace by name or ARN (``arn:aws:servicediscovery:…:namespace/ns-…``)."""
    return a == b or a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1]


@api("ListServicesByNamespace")
def list_services_by_namespace(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "ListServicesByNamespace"
    wanted = params["namespace"]
    known = [(s, ns) for s in cp.store.services.values() if (ns := _namespace_of(s)) is not None]
    defaults = [
        c.service_connect_defaults["namespace"]
        for c in cp.store.clusters.values()
        if c.service_connect_defaults
    ]  # a cluster's default namespace exists, with or without services in it
    if not any(_same_namespace(ns, wanted) for ns in [ns for _, ns in known] + defaults):
        raise errors.ecs_error("NamespaceNotFoundException", NAMESPACE_NOT_FOUND, op)
    arns = [
        s.arn
        for s, ns in known
        if _same_namespace(ns, wanted) and s.status == service_mod.ServiceStatus.ACTIVE
    ]
    return page(arns, params, "serviceArns", op)
