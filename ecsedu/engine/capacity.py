"""Capacity provider strategies: which provider each task goes to, and launching it there.

A strategy is a list of items ``{capacityProvider, base, weight}``
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html).
It applies when RunTask or CreateService gives ``capacityProviderStrategy``, or gives neither
it nor a ``launchType`` and the cluster has a default strategy.

**Distribution.** The ``base`` tasks go to the item that has a base first (counting the tasks
the service already runs there); every further task goes where it keeps the split closest to
the weights: to the item with the smallest (tasks beyond its base + 1) / weight, ties to the
item with fewer tasks, then to the one listed first (ours: ECS does not document its ties).
Items with weight 0 take no tasks beyond their base; a strategy whose weights are all 0 is
refused when tasks are launched with it. Two items of weight 1 split evenly; weights 1 and 4
put 1 task of every 5 on the first.

**Launching.** ``FARGATE`` / ``FARGATE_SPOT``: ``fargate.launch`` (each task on its own hidden
host, ``capacityProviderName`` set). An Auto Scaling group provider: ordinary placement, but
only on the container instances its group launched (``ContainerInstance.capacity_provider_name``;
rejected like a ``memberOf`` constraint ``ec2InstanceId in [...]``, as a mask over the
placement index: ``PlacementRequest.members``). With managed scaling on, a task that finds no
room is created anyway and waits in PROVISIONING with no instance (``Lifecycle.create`` with
``instance=None``; ``cluster_autoscaling.waiting``): it counts in the provider's reservation,
so that managed scaling grows the group (``controllers/cluster_autoscaling.py``), and
``place_waiting`` places it, oldest first, once an instance of the group fits it. Without
managed scaling, RunTask reports it as a failure and a service reports it unplaced, as
without providers.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ecsedu import errors
from ecsedu.engine import describe, fargate, placement
from ecsedu.engine.api import capacity_providers as cp_api
from ecsedu.engine.controllers import cluster_autoscaling as cas
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine
    from ecsedu.engine.services import ServiceController

__all__ = ["bind", "distribute", "place_waiting", "resolve", "run_task", "start_service_tasks"]

FARGATE_KINDS = ("FARGATE", "FARGATE_SPOT")


def resolve(
    cp: Engine, c: cluster_mod.Cluster, params: Mapping[str, Any], op: str
) -> list[dict[str, Any]] | None:
    """The strategy a RunTask / CreateService request runs with (checked), or None when it runs
    with a launch type."""
    given = params.get("capacityProviderStrategy")
    if given:
        strategy = cp_api.normalized(list(given))
    elif not params.get("launchType") and c.default_capacity_provider_strategy:
        strategy = cp_api.normalized(c.default_capacity_provider_strategy)
    else:
        return None
    cp_api.check_strategy(cp, strategy, c.capacity_providers, op, launching=True, default=not given)
    return strategy


def check_task_definition(
    td: td_mod.TaskDefinition,
    strategy: list[dict[str, Any]],
    network_configuration: Mapping[str, Any] | None,
    op: str,
) -> None:
    """A Fargate strategy needs a task definition Fargate can run, and its network."""
    if not any(i["capacityProvider"] in FARGATE_KINDS for i in strategy):
        return
    if not fargate.supports_fargate(td):
        raise errors.ecs_error(
            "InvalidParameterException",
            "Task definition does not support launch_type FARGATE.",
            op,
        )
    fargate.check_network_configuration(
        dict(network_configuration) if network_configuration else None, "FARGATE", op
    )


def distribute(
    strategy: list[dict[str, Any]], count: int, existing: Mapping[str, int] | None = None
) -> list[str]:
    """The provider of each of ``count`` new tasks, given the tasks already on each provider."""
    have = collections.Counter(existing or {})
    out: list[str] = []
    if not strategy:
        return out
    if len(strategy) == 1:  # one provider takes every task, whatever its base and weight
        return [strategy[0]["capacityProvider"]] * count
    for _ in range(count):
        chosen = None
        for item in strategy:
            name, base = item["capacityProvider"], int(item.get("base", 0))
            if base and have[name] < base:
                chosen = name
                break
        if chosen is None:
            weighted = [i for i in strategy if int(i.get("weight", 0)) > 0]
            if not weighted:
                chosen = strategy[0]["capacityProvider"] if len(strategy) == 1 else None
            else:
                chosen = min(
                    weighted,
                    key=lambda i: (
                        (have[i["capacityProvider"]] - int(i.get("base", 0)) + 1)
                        / int(i["weight"]),
                        have[i["capacityProvider"]],
                        strategy.index(i),
                    ),
                )["capacityProvider"]
        if chosen is None:
            break
        out.append(chosen)
        have[chosen] += 1
    return out


def _provider_instances(store: Any, cluster_arn: str, name: str) -> list[ci_mod.ContainerInstance]:
    """The ACTIVE container instances the provider's group launched into the cluster."""
    return [
        i
        for i in store.indexes[cluster_arn].instances
        if i.capacity_provider_name == name and i.status == ci_mod.InstanceStatus.ACTIVE
    ]


def _members(index: placement.ClusterIndex, name: str) -> npt.NDArray[np.bool_]:
    """``_provider_instances`` as a mask over the placement index: resolved once per call, as
    a vector (a ``memberOf`` expression listing a thousand instance ids would be parsed and
    matched instance by instance, and ECS caps expressions at 2,000 characters)."""
    return index.launched_by(name) & index.active


def _restricted(
    request: placement.PlacementRequest, members: npt.NDArray[np.bool_]
) -> placement.PlacementRequest:
    """``request`` on the provider's instances only (``members``, a mask over the index)."""
    if request.members is not None:
        members = members & request.members
    return dataclasses.replace(request, members=members)


def _managed(store: Any, name: str) -> bool:
    """Whether provider ``name`` scales its group (then tasks wait for capacity)."""
    p = store.capacity_providers.get(name)
    return (
        p is not None
        and p.auto_scaling_group_arn is not None
        and p.managed_scaling.status == "ENABLED"
    )


def _room_to_wait(store: Any, cluster_arn: str) -> bool:
    """Below the quota "Tasks in the PROVISIONING state per cluster"."""
    return cas.waiting_in(store, cluster_arn) < cas.PROVISIONING_QUOTA


def _waiting_request(
    cp: Engine, t: task_mod.Task, info: Mapping[str, Any]
) -> placement.PlacementRequest:
    """Where waiting task ``t`` may go: its service's request, or its RunTask's."""
    service = cp.store.services.get(str(info.get("service")))
    if service is not None:
        return cp.services._request(service, t.task_definition.arn)
    td = t.task_definition
    eni = fargate.eni_checker(cp.store, t.cluster_arn) if td.network_mode == "awsvpc" else None
    return placement.PlacementRequest(
        cpu=t.cpu,
        memory=t.memory,
        group=t.group,
        ports=t.ports,
        ports_udp=t.ports_udp,
        constraints=tuple((str(k), e) for k, e in info.get("constraints") or ()),
        strategies=tuple((str(k), f) for k, f in info.get("strategies") or ())
        or placement.RUN_TASK_DEFAULT_STRATEGY,
        attributes=placement.required_attributes(td),
        gpus=placement.required_gpus(td),
        eni=eni,
    )


def place_waiting(cp: Engine) -> None:
    """Tasks waiting in PROVISIONING for capacity, oldest first: each goes to an instance of
    its provider's group that fits it (ordinary placement); one that waited
    ``PROVISIONING_TIMEOUT`` is stopped. Run by cluster auto scaling every minute and when an
    instance of a group registers."""
    store = cp.store
    queue = cas.waiting(store)
    now = store.clock.now
    for arn, info in list(queue.items()):
        t = store.tasks.get(arn)
        if t is None or not t.alive or t.host_arn:
            queue.pop(arn, None)
            continue
        if now - t.created_at >= cas.PROVISIONING_TIMEOUT:
            queue.pop(arn, None)
            # our wording
            reason = (
                f"Capacity provider {info['provider']} provided no capacity for the task "
                f"within {int(cas.PROVISIONING_TIMEOUT // 60)} minutes"
            )
            cp.lifecycle.stop(t, "TaskFailedToStart", reason)
            continue
        index = store.indexes.get(t.cluster_arn)
        if index is None:
            continue
        members = _members(index, str(info["provider"]))
        if not members.any():
            continue
        request = _restricted(_waiting_request(cp, t, info), members)
        decision = placement.Batch(
            index, request, store.placement_rng, explain_limit=store.explain_limit
        ).next()
        if decision.instance is None:
            continue
        store.record_placement(
            f"task {t.id} waiting for {info['provider']}",
            decision,
            index,
            cluster_arn=t.cluster_arn,
            subject=t.arn,
        )
        queue.pop(arn, None)
        service = store.services.get(str(info.get("service")))
        network = service.network_configuration if service is not None else info.get("network")
        cp.lifecycle.place(t, index.instances[decision.instance], network)


def _wait(cp: Engine, t: task_mod.Task, name: str, info: dict[str, Any]) -> task_mod.Task:
    """``t`` (just created with no instance) waits for provider ``name``'s capacity."""
    t.capacity_provider_name = name
    cas.waiting(cp.store)[t.arn] = {"provider": name, **info}
    bind(cp)
    cas.ensure(cp)
    return t


# =========================================================================== RunTask
def run_task(
    cp: Engine,
    c: cluster_mod.Cluster,
    td: td_mod.TaskDefinition,
    params: dict[str, Any],
    strategy: list[dict[str, Any]],
    group: str,
    request: placement.PlacementRequest | None,
    op: str,
) -> dict[str, Any]:
    """RunTask with a capacity provider strategy. ``request``: the EC2 placement request (None
    when every provider is a Fargate one)."""
    check_task_definition(td, strategy, params.get("networkConfiguration"), op)
    chosen = distribute(strategy, int(params.get("count", 1)))
    tasks: list[task_mod.Task] = []
    failures: list[dict[str, str]] = []
    batches: dict[str, placement.Batch | None] = {}
    for name in chosen:
        if name in FARGATE_KINDS:
            tasks.append(
                fargate.launch(
                    cp,
                    cluster_arn=c.arn,
                    td=td,
                    group=group,
                    network_configuration=params.get("networkConfiguration"),
                    platform_version=params.get("platformVersion"),
                    capacity_provider=name,
                    started_by=params.get("startedBy"),
                    overrides=params.get("overrides"),
                    tags=params.get("tags"),
                )
            )
            continue
        assert request is not None
        index = cp.store.indexes[c.arn]
        if name not in batches:
            members = _members(index, name)
            batches[name] = (
                placement.Batch(
                    index,
                    _restricted(request, members),
                    cp.store.placement_rng,
                    explain_limit=cp.store.explain_limit,
                )
                if members.any()
                else None
            )
        batch = batches[name]
        waits = _managed(cp.store, name)
        if batch is None:
            if waits:
                if not _room_to_wait(cp.store, c.arn):
                    failures.append(_quota_failure(name))
                    continue
                tasks.append(_wait_run_task(cp, c, td, params, group, request, name))
                continue
            failures.append(
                # our wording (no managed scaling: the task fails at once, as ECS says)
                {"arn": cp_api.provider_arn(name), "reason": "NO_CONTAINER_INSTANCES"}
            )
            continue
        decision = batch.next()
        cp.store.record_placement(
            f"task of {td.name} ({name})", decision, index, cluster_arn=c.arn, subject=td.arn
        )
        if decision.instance is None:
            if waits:
                if not _room_to_wait(cp.store, c.arn):
                    failures.append(_quota_failure(name))
                    continue
                tasks.append(_wait_run_task(cp, c, td, params, group, request, name))
                continue
            for inst in _provider_instances(cp.store, c.arn, name):
                why = placement.fits(index, inst.index, batch.request)
                if why is not None and not any(f["arn"] == inst.arn for f in failures):
                    failures.append({"arn": inst.arn, "reason": why})
            continue
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
        t.capacity_provider_name = name
        tasks.append(t)
        batch.placed(decision.instance)
    return {"tasks": [describe.task(t) for t in tasks], "failures": failures}


def _quota_failure(name: str) -> dict[str, str]:
    return {
        "arn": cp_api.provider_arn(name),
        # our wording
        "reason": f"Limit of {cas.PROVISIONING_QUOTA} tasks in the PROVISIONING state "
        "per cluster reached",
    }


def _wait_run_task(
    cp: Engine,
    c: cluster_mod.Cluster,
    td: td_mod.TaskDefinition,
    params: dict[str, Any],
    group: str,
    request: placement.PlacementRequest,
    name: str,
) -> task_mod.Task:
    t = cp.lifecycle.create(
        cluster_arn=c.arn,
        instance=None,
        td=td,
        group=group,
        started_by=params.get("startedBy"),
        overrides=params.get("overrides"),
        tags=params.get("tags"),
        network_configuration=params.get("networkConfiguration"),
    )
    info = {
        "constraints": [list(x) for x in request.constraints],
        "strategies": [list(x) for x in request.strategies],
        "network": params.get("networkConfiguration"),
    }
    return _wait(cp, t, name, info)


# =========================================================================== services
def start_service_tasks(
    controller: ServiceController,
    service: service_mod.Service,
    td: td_mod.TaskDefinition,
    count: int,
) -> tuple[list[task_mod.Task], list[str]]:
    """Start ``count`` tasks of ``service`` by its strategy. Returns the tasks started and the
    "unable to place" service events; records each provider's unplaced tasks as its demand."""
    from ecsedu.engine.scheduler import unable_to_place_message

    store = controller.store
    existing = collections.Counter(
        t.capacity_provider_name or ""
        for t in store.tasks_of_service(service.cluster_arn, service.name).values()
        if t.alive
    )
    chosen = distribute(service.capacity_provider_strategy, count, existing)
    wanted = collections.Counter(chosen)
    started: list[task_mod.Task] = []
    unplaced: list[str] = []
    index = store.indexes[service.cluster_arn]
    demand = cas.demand(store)
    for name in wanted:
        if name in FARGATE_KINDS:
            for _ in range(wanted[name]):
                started.append(controller._launch(service, name, td))
            continue
        members = _members(index, name)
        missed = wanted[name]
        waits = _managed(store, name)
        if members.any():
            request = _restricted(controller._request(service), members)
            batch = placement.Batch(
                index, request, store.placement_rng, explain_limit=store.explain_limit
            )
            for _ in range(wanted[name]):
                decision = batch.next()
                store.record_placement(
                    f"service {service.name} ({name})",
                    decision,
                    index,
                    cluster_arn=service.cluster_arn,
                    subject=service.arn,
                )
                if decision.instance is None:
                    if waits:  # the rest wait for capacity (below): no "unable to place"
                        break
                    closest = decision.closest
                    unplaced.append(
                        unable_to_place_message(
                            service.name,
                            index.instances[closest[0]].id if closest else None,
                            closest[1] if closest else None,
                        )
                    )
                    break
                t = controller._launch(service, index.instances[decision.instance], td)
                t.capacity_provider_name = name
                started.append(t)
                batch.placed(decision.instance)
                missed -= 1
        elif not waits:
            unplaced.append(unable_to_place_message(service.name, None, None))
        while waits and missed and _room_to_wait(store, service.cluster_arn):
            t = controller._launch(service, None, td)
            t.capacity_provider_name = name
            cas.waiting(store)[t.arn] = {"provider": name, "service": service.arn}
            started.append(t)
            missed -= 1
        if waits and missed:  # the quota of PROVISIONING tasks is reached: retried later
            unplaced.append(unable_to_place_message(service.name, None, None))
        if missed:
            demand.setdefault(name, {})[service.arn] = [
                (td.reserved_cpu, td.reserved_memory)
            ] * missed
        else:
            demand.get(name, {}).pop(service.arn, None)
    return started, unplaced


def launch_params(cp: Engine, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as the launch checks should see them: with launch type FARGATE when the
    strategy that applies (given, or the cluster's default) uses Fargate providers only."""
    if params.get("launchType"):
        return params
    strategy = params.get("capacityProviderStrategy")
    if not strategy:
        c = cp.store.find_cluster(str(params.get("cluster") or "default"))
        strategy = c.default_capacity_provider_strategy if c is not None else []
    if strategy and all(i.get("capacityProvider") in FARGATE_KINDS for i in strategy):
        return {**params, "launchType": "FARGATE"}
    return params


def bind(cp: Engine) -> None:
    """Let the service scheduler launch by strategy (and Fargate providers need the engine),
    and cluster auto scaling place the tasks waiting for capacity."""
    cp.services.strategy_launcher = start_service_tasks
    cp.store.extensions["capacity_placer"] = place_waiting
