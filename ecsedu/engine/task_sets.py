"""Task sets: the EXTERNAL deployment controller's units, reconciled by the service scheduler.

A service created with ``deploymentController={"type": "EXTERNAL"}`` runs no rolling deployment:
an external controller (a CI pipeline, a learner by hand) creates *task sets*, each with its own
task definition and a ``scale`` (a percent of the service's ``desiredCount``), and picks the
PRIMARY one (``UpdateServicePrimaryTaskSet``). The service scheduler calls ``reconcile`` for such a
service instead of its rolling deployment: every task set keeps
``computedDesiredCount = ceil(desiredCount * scale / 100)`` tasks (``startedBy`` = the task set's
id), placed and launched with the scheduler's own placement request and throttle; a DRAINING
task set (DeleteTaskSet, DeleteService) stops its tasks and is gone once none is left.
A task set runs where it was created for: EC2 (placed like the service's tasks), Fargate
(``fargate.launch``, its own ``networkConfiguration`` and ``platformVersion``) or a capacity
provider strategy (the scheduler's ``capacity.start_service_tasks``, counting the task set's own
tasks for ``base`` and weights). Its tasks register in the task set's own ``loadBalancers``
(``controllers/loadbalancing.py``), so that blue/green by hand is two target groups and a
listener switch.
``stabilityStatus`` is STEADY_STATE when a task set runs exactly its computed count (nothing
pending), else STABILIZING; ``stabilityStatusAt`` is when it last changed.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-external.html
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from ecsedu.engine import fargate, placement, scheduler
from ecsedu.engine import lifecycle as lifecycle_mod
from ecsedu.engine import store as store_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod


class ServiceController(Protocol):
    """What task sets use of the service scheduler (``engine/services.py``, which calls
    ``reconcile`` for EXTERNAL services: this module does not import it back)."""

    store: store_mod.Store
    lifecycle: lifecycle_mod.Lifecycle
    #: the engine, for Fargate launches (None until the engine sets it)
    engine: fargate.Engine | None
    #: ``capacity.start_service_tasks`` (set by ``capacity.bind``), for capacity provider
    #: strategies
    strategy_launcher: Any

    def event(self, service: service_mod.Service, message: str) -> None: ...

    def _request(
        self, service: service_mod.Service, td_arn: str | None = None
    ) -> placement.PlacementRequest: ...


__all__ = ["computed_desired_count", "reconcile", "strategy_of"]

S = task_mod.TaskStatus
EV = events_mod.EventKind
PENDING = (S.PROVISIONING, S.PENDING, S.ACTIVATING)


def computed_desired_count(service: service_mod.Service, ts: service_mod.TaskSet) -> int:
    """``ceil(desiredCount * scale%)``; 0 for a DRAINING task set or a draining service."""
    if ts.status == "DRAINING" or service.status != service_mod.ServiceStatus.ACTIVE:
        return 0
    return math.ceil(service.desired_count * float(ts.scale.get("value", 100.0)) / 100.0 - 1e-9)


def strategy_of(ts: service_mod.TaskSet) -> list[dict[str, Any]]:
    """The task set's capacity provider strategy (empty: it runs with its launch type)."""
    return list(ts.request.get("capacityProviderStrategy") or [])


def _label(service: service_mod.Service, ts: service_mod.TaskSet) -> str:
    # as ECS names a task set in service events ("(service S, taskSet ecs-svc/…) has begun …")
    return f"(service {service.name}, taskSet {ts.id})"


def reconcile(ctl: ServiceController, service: service_mod.Service) -> None:
    """Bring every task set of an EXTERNAL ``service`` to its computed count."""
    store = ctl.store
    now = store.clock.now
    alive: dict[str, list[task_mod.Task]] = {}
    for t in store.tasks_of_service(service.cluster_arn, service.name).values():
        if t.alive and t.desired_status == task_mod.DesiredStatus.RUNNING:
            alive.setdefault(t.deployment_id or "", []).append(t)
    service.launches = [t for t in service.launches if now - t < 60.0]
    rate = scheduler.LAUNCHES_PER_MINUTE
    if service.task_sets and all(ts.launch_type == "FARGATE" for ts in service.task_sets):
        rate = fargate.SERVICE_LAUNCHES_PER_MINUTE  # 500 tasks a minute on Fargate
    budget = rate - len(service.launches)
    if now < service.throttled_until:
        budget = 0
    for ts in list(service.task_sets):
        ts.computed_desired_count = computed_desired_count(service, ts)
        mine = alive.get(ts.id, [])
        surplus = len(mine) - ts.computed_desired_count
        if surplus > 0:
            _stop(ctl, service, ts, mine, surplus)
        elif surplus < 0 and budget > 0:
            budget -= _start(ctl, service, ts, min(-surplus, budget))
    _count(ctl, service)
    if service.status == service_mod.ServiceStatus.DRAINING:
        left = [
            t
            for t in store.tasks_of_service(service.cluster_arn, service.name).values()
            if t.last_status not in (S.STOPPING, S.DEPROVISIONING, S.STOPPED)
        ]
        if not left:
            service.task_sets = []
            service.status = service_mod.ServiceStatus.INACTIVE
            store.record(
                EV.SERVICE_EVENT,
                f"service {service.name} INACTIVE",
                cluster_arn=service.cluster_arn,
                subject=service.arn,
            )


def _stop(
    ctl: ServiceController,
    service: service_mod.Service,
    ts: service_mod.TaskSet,
    mine: list[task_mod.Task],
    surplus: int,
) -> None:
    store = ctl.store
    index = store.indexes[service.cluster_arn]
    pending = [t for t in mine if t.last_status is not S.RUNNING]
    running = [t for t in mine if t.last_status is S.RUNNING]
    if ts.launch_type == "FARGATE":
        order = fargate.stop_order(store, [t.arn for t in running])
    else:
        located = [
            (store.instances[t.container_instance_arn].index, t.arn)
            if t.container_instance_arn in store.instances
            else (-1, t.arn)
            for t in running
        ]
        order = placement.rank_for_stop(
            index,
            located,
            f"service:{service.name}",
            ctl._request(service, ts.task_definition_arn).strategies,
            store.placement_rng,
        )
    chosen = pending + [running[i] for i in order]
    stopped = []
    for task in chosen[:surplus]:
        if ctl.lifecycle.stop(
            task, "ServiceSchedulerInitiated", f"Scaling activity initiated by (deployment {ts.id})"
        ):
            stopped.append(task)
    if stopped:
        ids = " ".join(f"(task {t.id})" for t in stopped)
        ctl.event(
            service, f"{_label(service, ts)} has stopped {len(stopped)} running tasks: {ids}."
        )


def _start(
    ctl: ServiceController, service: service_mod.Service, ts: service_mod.TaskSet, count: int
) -> int:
    store = ctl.store
    td = store.task_definition(ts.task_definition_arn, "CreateTaskSet")
    if td is None:
        return 0
    started: list[task_mod.Task] = []
    unplaced: list[str] = []
    if strategy_of(ts) and ctl.strategy_launcher is not None:
        # a capacity provider strategy picks each task's provider: the scheduler's own
        # (capacity.start_service_tasks), seeing this task set as the service it launches for
        got, missed = ctl.strategy_launcher(
            _TaskSetLauncher(ctl, service, ts), _View.of(service, ts), td, count
        )
        started += got
        unplaced += missed
    elif ts.launch_type == "FARGATE":
        # Fargate: no placement (each task gets a micro-VM of its own)
        started = [_launch(ctl, service, ts, "FARGATE", td) for _ in range(count)]
    else:
        index = store.indexes[service.cluster_arn]
        request = ctl._request(service, ts.task_definition_arn)
        batch = placement.Batch(
            index, request, store.placement_rng, explain_limit=store.explain_limit
        )
        for _ in range(count):
            decision = batch.next()
            store.record_placement(
                f"task set {ts.id}",
                decision,
                index,
                cluster_arn=service.cluster_arn,
                subject=ts.arn,
            )
            if decision.instance is None:
                closest = decision.closest
                unplaced.append(
                    scheduler.unable_to_place_message(
                        service.name,
                        index.instances[closest[0]].id if closest else None,
                        closest[1] if closest else None,
                    )
                )
                break
            started.append(_launch(ctl, service, ts, index.instances[decision.instance], td))
            batch.placed(decision.instance)
    if started:
        ids = " ".join(f"(task {t.id})" for t in started)
        ctl.event(service, f"{_label(service, ts)} has started {len(started)} tasks: {ids}.")
    for message in unplaced:
        ctl.event(service, message)
    return len(started)


def _launch(
    ctl: ServiceController,
    service: service_mod.Service,
    ts: service_mod.TaskSet,
    target: ci_mod.ContainerInstance | str,
    td: td_mod.TaskDefinition,
) -> task_mod.Task:
    """Start one task of ``ts`` on ``target``: a container instance placement chose, or a
    Fargate capacity provider (``"FARGATE"`` / ``"FARGATE_SPOT"``)."""
    service.launches.append(ctl.store.clock.now)
    if isinstance(target, str):
        if ctl.engine is None:
            raise RuntimeError("Fargate tasks need the engine (ServiceController.engine)")
        return fargate.launch(
            ctl.engine,
            cluster_arn=service.cluster_arn,
            td=td,
            group=f"service:{service.name}",
            network_configuration=ts.request.get("networkConfiguration"),
            platform_version=ts.request.get("platformVersion"),
            capacity_provider=target if strategy_of(ts) else None,
            started_by=ts.id,
            service_name=service.name,
            deployment_id=ts.id,
        )
    return ctl.lifecycle.create(
        cluster_arn=service.cluster_arn,
        instance=target,
        td=td,
        group=f"service:{service.name}",
        started_by=ts.id,
        service_name=service.name,
        deployment_id=ts.id,
        tags=None,
        network_configuration=ts.request.get("networkConfiguration"),
    )


@dataclass
class _View:
    """What ``capacity.start_service_tasks`` reads of the service it launches for: here the
    task set's strategy (demand stays the service's: the autoscaler drops unknown owners)."""

    cluster_arn: str
    name: str
    arn: str
    capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, service: service_mod.Service, ts: service_mod.TaskSet) -> _View:
        return cls(service.cluster_arn, service.name, service.arn, strategy_of(ts))


class _TaskSetStore:
    """The store, whose service tasks are the task set's only (so that a strategy's ``base``
    and weights count the task set's own tasks)."""

    def __init__(self, store: store_mod.Store, ts_id: str) -> None:
        self._store = store
        self._ts_id = ts_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def tasks_of_service(self, cluster_arn: str, name: str) -> dict[str, task_mod.Task]:
        return {
            arn: t
            for arn, t in self._store.tasks_of_service(cluster_arn, name).items()
            if t.deployment_id == self._ts_id
        }


class _TaskSetLauncher:
    """The service scheduler as ``capacity.start_service_tasks`` uses it, launching the tasks
    of one task set (its task definition, network, ``startedBy``)."""

    def __init__(
        self, ctl: ServiceController, service: service_mod.Service, ts: service_mod.TaskSet
    ) -> None:
        self.store = _TaskSetStore(ctl.store, ts.id)
        self._ctl, self._service, self._ts = ctl, service, ts

    def _request(self, _view: object, td_arn: str | None = None) -> placement.PlacementRequest:
        return self._ctl._request(self._service, self._ts.task_definition_arn)

    def _launch(
        self, _view: object, target: ci_mod.ContainerInstance | str, td: td_mod.TaskDefinition
    ) -> task_mod.Task:
        return _launch(self._ctl, self._service, self._ts, target, td)


def _count(ctl: ServiceController, service: service_mod.Service) -> None:
    """Counts, stability, DRAINING task sets that are done, the service's steady state."""
    store = ctl.store
    now = store.clock.now
    by_set: dict[str, list[task_mod.Task]] = {}
    for t in store.tasks_of_service(service.cluster_arn, service.name).values():
        if t.alive:
            by_set.setdefault(t.deployment_id or "", []).append(t)
    kept = []
    for ts in service.task_sets:
        tasks = by_set.get(ts.id, [])
        ts.running_count = sum(1 for t in tasks if t.last_status is S.RUNNING)
        ts.pending_count = sum(1 for t in tasks if t.last_status in PENDING)
        if ts.status == "DRAINING" and not tasks:
            store.record(
                EV.DEPLOYMENT_STATE_CHANGE,
                f"task set {ts.id} deleted",
                cluster_arn=service.cluster_arn,
                subject=service.arn,
            )
            continue
        kept.append(ts)
        steady = (
            ts.running_count == ts.computed_desired_count
            and ts.pending_count == 0
            and len(tasks) == ts.computed_desired_count
        )
        status = "STEADY_STATE" if steady else "STABILIZING"
        if status != ts.stability_status:
            ts.stability_status = status
            ts.stability_status_at = now
            if steady:
                ctl.event(service, f"{_label(service, ts)} has reached a steady state.")
    service.task_sets = kept
    steady = service.status == service_mod.ServiceStatus.ACTIVE and all(
        ts.stability_status == "STEADY_STATE" for ts in kept
    )
    if steady and not service.steady:
        ctl.event(service, f"(service {service.name}) has reached a steady state.")
    service.steady = steady
