"""Tasks: RunTask (placed by ECS), StartTask (on chosen instances), StopTask, describe, list.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import describe, fargate, placement, query, validation
from ecsedu.engine.api.common import api, describe_each, page
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane


def runnable_task_definition(cp: ControlPlane, ref: str, op: str) -> td_mod.TaskDefinition:
    td = cp.store.task_definition(ref, op)
    if td is None:
        # ClientException: https://github.com/Cloud-CV/EvalAI/issues/2419 (CreateService)
        raise errors.ecs_error("ClientException", "TaskDefinition not found.", op)
    if td.status != td_mod.TaskDefinitionStatus.ACTIVE:
        raise errors.ecs_error("InvalidParameterException", "TaskDefinition is inactive", op)
    return td


def check_launch(
    cp: ControlPlane, td: td_mod.TaskDefinition, params: dict[str, Any], op: str
) -> None:
    """ECS's launch rules: the launch type against the task definition, network configuration,
    platform version, and no placement on Fargate."""
    launch = params.get("launchType")
    if launch == "FARGATE" and not fargate.supports_fargate(td):
        raise errors.ecs_error(
            "InvalidParameterException",
            "Task definition does not support launch_type FARGATE.",
            op,
        )
    if launch == "FARGATE":
        if params.get("placementConstraints"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Placement constraints are not supported with FARGATE launch type.",
                op,
            )
        if params.get("placementStrategy"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Placement strategies are not supported with FARGATE launch type.",  # our wording
                op,
            )
        fargate.check_platform_version(params.get("platformVersion"), op)
    elif params.get("platformVersion") and not params.get("capacityProviderStrategy"):
        raise errors.ecs_error(
            "InvalidParameterException",
            # our wording
            "The platform version can only be specified for tasks using the Fargate launch type.",
            op,
        )
    if td.network_mode == "awsvpc" and not params.get("networkConfiguration"):
        raise errors.ecs_error(
            "InvalidParameterException",
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            op,
        )
    if td.network_mode != "awsvpc" and params.get("networkConfiguration"):
        raise errors.ecs_error(
            "InvalidParameterException",
            "Network Configuration is not valid for the given networkMode of this task definition.",
            op,
        )
    if td.network_mode == "awsvpc":
        strategy = params.get("capacityProviderStrategy")
        if launch is None and not strategy:  # the cluster's default strategy, if it has one
            cluster = cp.store.find_cluster(params.get("cluster") or "default")
            strategy = getattr(cluster, "default_capacity_provider_strategy", None)
        providers = [str(item.get("capacityProvider")) for item in strategy or []]
        if launch is None and providers:  # a strategy of Fargate providers launches on Fargate
            on_fargate = all(p in ("FARGATE", "FARGATE_SPOT") for p in providers)
            launch = "FARGATE" if on_fargate else "EC2"
        fargate.check_network_configuration(
            params.get("networkConfiguration"), str(launch or "EC2"), op
        )


def _task_request(
    cp: ControlPlane, td: td_mod.TaskDefinition, params: dict[str, Any], group: str, op: str
) -> placement.PlacementRequest:
    constraints = tuple(
        (str(c.get("type")), c.get("expression")) for c in params.get("placementConstraints", [])
    ) + tuple((k, e) for k, e in td.placement_constraints)
    if len(constraints) > 10:
        raise errors.ecs_error(
            "InvalidParameterException",
            "Too many placement constraints. The limit is 10.",  # our wording
            op,
        )
    for kind, expr in constraints:
        if kind == "memberOf" and expr:
            query.compile_expression(expr, op)
    strategies = (
        tuple((str(s.get("type")), s.get("field")) for s in params.get("placementStrategy", []))
        or placement.RUN_TASK_DEFAULT_STRATEGY
    )
    eni = (
        fargate.eni_checker(cp.store, cp.store.cluster(params.get("cluster"), op).arn)
        if td.network_mode == "awsvpc"
        else None
    )
    # (cpu, memory, static host ports) per revision, cached by the lifecycle
    cpu, memory, ports, ports_udp = cp.lifecycle._footprint(td)
    return placement.PlacementRequest(
        cpu=cpu,
        memory=memory,
        group=group,
        ports=ports,
        ports_udp=ports_udp,
        constraints=constraints,
        strategies=strategies,
        operation=op,
        attributes=placement.required_attributes(td),
        gpus=placement.required_gpus(td),
        eni=eni,
    )


def check_safe(cp: ControlPlane, td: td_mod.TaskDefinition, op: str) -> None:
    if cp.safety_check is not None:
        cp.safety_check(td, op)


@api("RunTask")
def run_task(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "RunTask"
    validation.check_run_task(params)
    c = cp.store.cluster(params.get("cluster"), op)
    td = runnable_task_definition(cp, params["taskDefinition"], op)
    from ecsedu.engine import capacity  # capacity provider strategies

    check_launch(cp, td, capacity.launch_params(cp, params), op)
    check_safe(cp, td, op)
    group = params.get("group") or f"family:{td.family}"
    strategy = capacity.resolve(cp, c, params, op)
    if strategy is not None:
        ec2 = any(i["capacityProvider"] not in capacity.FARGATE_KINDS for i in strategy)
        request = _task_request(cp, td, params, group, op) if ec2 else None
        return capacity.run_task(cp, c, td, params, strategy, group, request, op)
    if params.get("launchType") == "FARGATE":
        fargate_tasks = [
            fargate.launch(
                cp,
                cluster_arn=c.arn,
                td=td,
                group=group,
                network_configuration=params.get("networkConfiguration"),
                platform_version=params.get("platformVersion"),
                started_by=params.get("startedBy"),
                overrides=params.get("overrides"),
                tags=params.get("tags"),
            )
            for _ in range(params.get("count", 1))
        ]
        return {"tasks": [describe.task(t) for t in fargate_tasks], "failures": []}
    index = cp.store.indexes[c.arn]
    if not any(
        i.status in (ci_mod.InstanceStatus.ACTIVE, ci_mod.InstanceStatus.DRAINING)
        for i in index.instances
    ):
        raise errors.ecs_error(
            "InvalidParameterException",
            "No Container Instances were found in your cluster.",
            op,
        )
    request = _task_request(cp, td, params, group, op)
    tasks, failures = [], []
    failed_arns: set[str] = set()
    batch = placement.Batch(
        index, request, cp.store.placement_rng, explain_limit=cp.store.explain_limit
    )
    for _ in range(params.get("count", 1)):
        decision = batch.next()
        cp.store.record_placement(
            f"task of {td.name}", decision, index, cluster_arn=c.arn, subject=td.arn
        )
        if decision.instance is None:
            for inst in index.instances:
                if inst.status == ci_mod.InstanceStatus.INACTIVE or inst.arn in failed_arns:
                    continue
                why = placement.fits(index, inst.index, request)
                if why is not None and why != "INACTIVE":
                    failed_arns.add(inst.arn)
                    failures.append({"arn": inst.arn, "reason": why})
            break
        inst = index.instances[decision.instance]
        t = cp.lifecycle.create(
            cluster_arn=c.arn,
            instance=inst,
            td=td,
            group=group,
            started_by=params.get("startedBy"),
            overrides=params.get("overrides"),
            tags=params.get("tags"),
            network_configuration=params.get("networkConfiguration"),
        )
        tasks.append(t)
        batch.placed(decision.instance)
    return {"tasks": [describe.task(t) for t in tasks], "failures": failures}


@api("StartTask")
def start_task(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "StartTask"
    c = cp.store.cluster(params.get("cluster"), op)
    td = runnable_task_definition(cp, params["taskDefinition"], op)
    check_launch(cp, td, params, op)
    check_safe(cp, td, op)
    refs = params["containerInstances"]
    if len(refs) > 10:
        raise errors.ecs_error(
            "InvalidParameterException",
            "Container instances can not be greater than 10",  # our wording
            op,
        )
    group = params.get("group") or f"family:{td.family}"
    request = _task_request(cp, td, params, group, op)
    index = cp.store.indexes[c.arn]
    tasks, failures = [], []
    for ref in refs:
        arn = cp.store.instance_arn(c, ref)
        inst = cp.store.instances.get(arn)
        if inst is None or inst.cluster_arn != c.arn:
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        if inst.status == ci_mod.InstanceStatus.INACTIVE:
            failures.append({"arn": arn, "reason": "INACTIVE"})
            continue
        why = placement.fits(index, inst.index, dataclasses.replace(request, constraints=()))
        if why is not None:
            failures.append({"arn": arn, "reason": why})
            continue
        tasks.append(
            cp.lifecycle.create(
                cluster_arn=c.arn,
                instance=inst,
                td=td,
                group=group,
                started_by=params.get("startedBy"),
                overrides=params.get("overrides"),
                tags=params.get("tags"),
                network_configuration=params.get("networkConfiguration"),
            )
        )
    return {"tasks": [describe.task(t) for t in tasks], "failures": failures}


@api("StopTask")
def stop_task(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "StopTask"
    c = cp.store.cluster(params.get("cluster"), op)
    arn = cp.store.task_arn(c, params["task"])
    t = cp.store.tasks.get(arn)
    if t is None or t.cluster_arn != c.arn:
        raise errors.ecs_error(
            # no final period: https://github.com/prefect-archive/prefect-aws/issues/222
            "InvalidParameterException",
            "The referenced task was not found",
            op,
        )
    cp.lifecycle.stop(t, "UserInitiated", params.get("reason") or "Task stopped by user")
    return {"task": describe.task(t)}


@api("DescribeTasks")
def describe_tasks(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    c = cp.store.cluster(params.get("cluster"), "DescribeTasks")
    if len(params["tasks"]) > 100:
        raise errors.ecs_error(
            "InvalidParameterException",
            "Tasks cannot have more than 100 elements",  # our wording
            "DescribeTasks",
        )
    tags = "TAGS" in params.get("include", [])
    out, failures = describe_each(
        params["tasks"],
        lambda ref: cp.store.task_arn(c, ref),
        cp.store.tasks.get,
        c.arn,
        lambda t: describe.task(t, tags=tags),
    )
    return {"tasks": out, "failures": failures}


@api("ListTasks")
def list_tasks(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    validation.check_list_tasks(params)
    c = cp.store.cluster(params.get("cluster"), "ListTasks")
    desired = params.get("desiredStatus", task_mod.DesiredStatus.RUNNING)
    inst_ref = params.get("containerInstance")
    inst_arn = cp.store.instance_arn(c, inst_ref) if inst_ref else None
    family = params.get("family")
    service = params.get("serviceName")
    started_by = params.get("startedBy")
    arns = [
        t.arn
        for t in cp.store.tasks.values()
        if t.cluster_arn == c.arn
        and t.desired_status == desired
        and (inst_arn is None or t.container_instance_arn == inst_arn)
        and (family is None or t.task_definition.family == family)
        and (service is None or t.service_name == arns_mod.resource_id(service))
        and (started_by is None or t.started_by == started_by)
    ]
    return page(arns, params, "taskArns", "ListTasks")
