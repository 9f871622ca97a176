"""Services: create, update (new deployments), delete (DRAINING, then INACTIVE), list.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import describe, query, validation
from ecsedu.engine.api import service_deployments, tasks
from ecsedu.engine.api.common import EV, S, api, describe_each, page
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane


@api("CreateService")
def create_service(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "CreateService"
    validation.check_create_service(params)
    c = cp.store.cluster(params.get("cluster"), op)
    name = params["serviceName"]
    arn = arns_mod.service(c.name, name)
    existing = cp.store.services.get(arn)
    if existing is not None and existing.status in (
        service_mod.ServiceStatus.ACTIVE,
        service_mod.ServiceStatus.DRAINING,
    ):
        raise errors.ecs_error(
            "InvalidParameterException", "Creation of service was not idempotent.", op
        )
    connect = params.get("serviceConnectConfiguration") or {}
    if connect.get("enabled") and not connect.get("namespace") and c.service_connect_defaults:
        # "any new services with Service Connect turned on that are created in the cluster are
        # added as client services in the namespace" (the cluster's serviceConnectDefaults)
        namespace = c.service_connect_defaults["namespace"]
        params = {**params, "serviceConnectConfiguration": {**connect, "namespace": namespace}}
    external = (params.get("deploymentController") or {}).get("type") == "EXTERNAL"
    if external:  # task sets carry the task definition, launch type, network, load balancers
        from ecsedu.engine.api import task_sets as task_sets_api

        task_sets_api.check_external_service(params)
        return task_sets_api.create_external_service(cp, c, params)
    if not params.get("taskDefinition"):
        raise errors.ecs_error(
            "InvalidParameterException", "TaskDefinition must be specified.", op
        )  # our wording
    td = tasks.runnable_task_definition(cp, params["taskDefinition"], op)
    from ecsedu.engine import capacity  # capacity provider strategies

    tasks.check_launch(cp, td, capacity.launch_params(cp, params), op)
    tasks.check_safe(cp, td, op)
    provider_strategy = None
    if params.get("schedulingStrategy") == "DAEMON":
        if params.get("capacityProviderStrategy"):
            raise errors.ecs_error("InvalidParameterException", validation.DAEMON_PROVIDERS, op)
    else:
        provider_strategy = capacity.resolve(cp, c, params, op)
    if provider_strategy is not None:
        capacity.check_task_definition(
            td, provider_strategy, params.get("networkConfiguration"), op
        )
    from ecsedu.engine.controllers import loadbalancing  # ELB: loadBalancers, ECS's messages

    loadbalancing.check_service_load_balancers(cp, params, td, op)
    strategy = service_mod.SchedulingStrategy(
        params.get("schedulingStrategy", service_mod.SchedulingStrategy.REPLICA)
    )
    for cons in params.get("placementConstraints", []):
        if cons.get("type") == "memberOf" and cons.get("expression"):
            query.compile_expression(cons["expression"], op)
    config = params.get("deploymentConfiguration", {})
    now = cp.clock.now
    deployment = service_mod.Deployment(
        id=cp.store.ids.deployment_id(),
        task_definition_arn=td.arn,
        desired_count=params.get("desiredCount", 0),
        created_at=now,
        updated_at=now,
    )
    s = service_mod.Service(
        arn=arn,
        name=name,
        cluster_arn=c.arn,
        task_definition_arn=td.arn,
        desired_count=params.get("desiredCount", 0)
        if strategy == service_mod.SchedulingStrategy.REPLICA
        else 0,
        created_at=now,
        scheduling_strategy=strategy,
        launch_type=params.get("launchType", "EC2"),
        minimum_healthy_percent=config.get(
            "minimumHealthyPercent",
            100 if strategy == service_mod.SchedulingStrategy.REPLICA else 0,
        ),
        maximum_percent=config.get(
            "maximumPercent", 200 if strategy == service_mod.SchedulingStrategy.REPLICA else 100
        ),
        placement_constraints=list(params.get("placementConstraints", [])),
        placement_strategy=list(params.get("placementStrategy", [])),
        deployments=[deployment],
        request=json.loads(
            json.dumps({k: v for k, v in params.items() if k != "tags"}, default=str)
        ),
        tags=list(params.get("tags", [])),
    )
    if params.get("networkConfiguration"):
        s.network_configuration = json.loads(json.dumps(params["networkConfiguration"]))
    if provider_strategy is not None:
        capacity.bind(cp)
        s.capacity_provider_strategy = provider_strategy
        s.launch_type = capacity.launch_params(cp, params).get("launchType") or "EC2"
    if s.launch_type == "FARGATE":
        s.platform_version = params.get("platformVersion") or "LATEST"
    deployment.rollout_state_reason = f"ECS deployment {deployment.id} in progress."
    cp.store.services.pop(arn, None)
    cp.store.services[arn] = s
    c.active_services_count += 1
    cp.store.record(EV.API_CALL, f"service {name} created", cluster_arn=c.arn, subject=arn)
    service_deployments.record(cp.store, s, deployment)
    cp.services.request(s)
    return {"service": describe.service(s)}


def _service(cp: ControlPlane, c: cluster_mod.Cluster, ref: str, op: str) -> service_mod.Service:
    s = cp.store.services.get(cp.store.service_arn(c, ref))
    if s is None or s.cluster_arn != c.arn:
        # https://github.com/hashicorp/terraform/pull/15073 (raw UpdateService response)
        raise errors.ecs_error("ServiceNotFoundException", "Service not found.", op)
    return s


@api("UpdateService")
def update_service(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "UpdateService"
    c = cp.store.cluster(params.get("cluster"), op)
    s = _service(cp, c, params["service"], op)
    if s.status != service_mod.ServiceStatus.ACTIVE:
        # our wording (the exception is modelled, its text unverified)
        raise errors.ecs_error("ServiceNotActiveException", "Service was not ACTIVE.", op)
    validation.check_update_service(params, scheduling_strategy=s.scheduling_strategy)
    if s.external:
        from ecsedu.engine.api import task_sets as task_sets_api

        return task_sets_api.update_external_service(cp, s, params)
    td = None
    if params.get("taskDefinition"):
        td = tasks.runnable_task_definition(cp, params["taskDefinition"], op)
        tasks.check_launch(
            cp,
            td,
            {
                "networkConfiguration": params.get(
                    "networkConfiguration", s.request.get("networkConfiguration")
                ),
                "launchType": s.launch_type,
                **params,
            },
            op,
        )
        tasks.check_safe(cp, td, op)
    elif params.get("networkConfiguration") or params.get("platformVersion"):
        current = cp.store.task_definition(s.task_definition_arn, op)
        if current is not None:
            tasks.check_launch(cp, current, {"launchType": s.launch_type, **params}, op)
    for cons in params.get("placementConstraints", []) or []:
        if cons.get("type") == "memberOf" and cons.get("expression"):
            query.compile_expression(cons["expression"], op)
    new_providers = None
    if params.get("capacityProviderStrategy"):
        from ecsedu.engine import capacity

        if s.scheduling_strategy == service_mod.SchedulingStrategy.DAEMON:
            raise errors.ecs_error("InvalidParameterException", validation.DAEMON_PROVIDERS, op)
        new_providers = capacity.resolve(cp, c, params, op)
        current_td = td or cp.store.task_definition(s.task_definition_arn, op)
        if new_providers is not None and current_td is not None:
            capacity.check_task_definition(
                current_td,
                new_providers,
                params.get("networkConfiguration", s.network_configuration),
                op,
            )
    # -- nothing can fail below this line --
    now = cp.clock.now
    if new_providers is not None and new_providers != s.capacity_provider_strategy:
        capacity.bind(cp)
        s.capacity_provider_strategy = new_providers
        s.request["capacityProviderStrategy"] = new_providers
    if "desiredCount" in params:
        s.desired_count = params["desiredCount"]
        s.primary.desired_count = s.desired_count
    config = params.get("deploymentConfiguration") or {}
    if "minimumHealthyPercent" in config:
        s.minimum_healthy_percent = config["minimumHealthyPercent"]
    if "maximumPercent" in config:
        s.maximum_percent = config["maximumPercent"]
    if "deploymentCircuitBreaker" in config:
        stored = s.request.setdefault("deploymentConfiguration", {})
        stored["deploymentCircuitBreaker"] = dict(config["deploymentCircuitBreaker"])
    new_deployment = bool(params.get("forceNewDeployment"))
    if td is not None and td.arn != s.primary.task_definition_arn:
        new_deployment = True
    if "placementStrategy" in params:
        s.placement_strategy = list(params["placementStrategy"])
        new_deployment = True
    if "placementConstraints" in params:
        s.placement_constraints = list(params["placementConstraints"])
        new_deployment = True
    if params.get("networkConfiguration"):
        s.network_configuration = json.loads(json.dumps(params["networkConfiguration"]))
        s.request["networkConfiguration"] = s.network_configuration
        new_deployment = True
    if params.get("platformVersion") and s.launch_type == "FARGATE":
        s.platform_version = params["platformVersion"]
        s.request["platformVersion"] = s.platform_version
        new_deployment = True
    if new_deployment:
        for d in s.deployments:
            d.status = service_mod.DeploymentStatus.ACTIVE
        d = service_mod.Deployment(
            id=cp.store.ids.deployment_id(),
            task_definition_arn=td.arn if td is not None else s.primary.task_definition_arn,
            desired_count=s.desired_count,
            created_at=now,
            updated_at=now,
        )
        d.rollout_state_reason = f"ECS deployment {d.id} in progress."
        s.deployments.insert(0, d)
        service_deployments.record(cp.store, s, d)
        s.task_definition_arn = d.task_definition_arn
        s.consecutive_start_failures = 0
        s.throttled_until = 0.0
        _recount_deployments(cp, s)
    s.steady = False if new_deployment or "desiredCount" in params else s.steady
    cp.store.record(
        EV.API_CALL,
        f"service {s.name} updated",
        cluster_arn=c.arn,
        subject=s.arn,
        **{k: v for k, v in params.items() if k in ("desiredCount", "taskDefinition")},
    )
    cp.services.request(s)
    return {"service": describe.service(s)}


def _recount_deployments(cp: ControlPlane, s: service_mod.Service) -> None:
    for d in s.deployments:
        d.running_count = d.pending_count = 0
    by_id = {d.id: d for d in s.deployments}
    for t in cp.store.tasks.values():
        if t.service_name == s.name and t.cluster_arn == s.cluster_arn:
            owner = by_id.get(t.deployment_id or "")
            if owner is None:
                continue
            if t.last_status is S.RUNNING:
                owner.running_count += 1
            elif t.last_status in (S.PROVISIONING, S.PENDING, S.ACTIVATING):  # as Lifecycle._count
                owner.pending_count += 1


@api("DeleteService")
def delete_service(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DeleteService"
    c = cp.store.cluster(params.get("cluster"), op)
    s = _service(cp, c, params["service"], op)
    if s.status != service_mod.ServiceStatus.ACTIVE:
        # our wording (the exception is modelled, its text unverified)
        raise errors.ecs_error("ServiceNotActiveException", "Service was not ACTIVE.", op)
    if (
        s.scheduling_strategy == service_mod.SchedulingStrategy.REPLICA
        and s.desired_count > 0
        and not params.get("force")
    ):
        raise errors.ecs_error(
            "InvalidParameterException",
            "The service cannot be stopped while it is scaled above 0.",  # our wording
            op,
        )
    s.desired_count = 0
    s.primary.desired_count = 0
    s.status = service_mod.ServiceStatus.DRAINING
    c.active_services_count -= 1
    cp.store.record(
        EV.API_CALL, f"service {s.name} deleted (DRAINING)", cluster_arn=c.arn, subject=s.arn
    )
    for t in list(cp.store.tasks.values()):
        if t.service_name == s.name and t.cluster_arn == c.arn and t.alive:
            cp.lifecycle.stop(
                t,
                "ServiceSchedulerInitiated",
                f"Scaling activity initiated by (deployment {t.deployment_id})",
            )
    cp.services.request(s)
    return {"service": describe.service(s)}


@api("DescribeServices")
def describe_services(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    c = cp.store.cluster(params.get("cluster"), "DescribeServices")
    tags = "TAGS" in params.get("include", [])
    out, failures = describe_each(
        params["services"],
        lambda ref: cp.store.service_arn(c, ref),
        cp.store.services.get,
        c.arn,
        lambda s: describe.service(s, tags=tags),
    )
    return {"services": out, "failures": failures}


@api("ListServices")
def list_services(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    validation.check_enums("ListServices", params)
    c = cp.store.cluster(params.get("cluster"), "ListServices")
    strategy = params.get("schedulingStrategy")
    arns = [
        s.arn
        for s in cp.store.services.values()
        if s.cluster_arn == c.arn
        and s.status == service_mod.ServiceStatus.ACTIVE
        and (strategy is None or s.scheduling_strategy == strategy)
    ]
    return page(arns, params, "serviceArns", "ListServices")
