"""The service scheduler at work: reconcile services on the clock and apply the plans.

Whenever one of a service's tasks changes, its instances change or the service is updated, a
reconcile is queued for the same instant (coalesced, after the other events of that instant);
a sweep every 15 s reconciles everything anyway (level-based, so a sweep that finds nothing to
do does nothing). Decisions come from ``scheduler.plan_*`` (pure); this module applies them and
writes the service events in ECS's exact wording, newest first, at most 100, with duplicates
suppressed (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html).

The deployment circuit breaker (``deploymentConfiguration.deploymentCircuitBreaker``) counts the
PRIMARY deployment's failed tasks while its rollout is IN_PROGRESS: tasks that stop before they
are RUNNING (stage 1) and tasks that stop after RUNNING but before they ever counted as healthy
(stage 2: failed health checks, an essential container that exits). A healthy task resets the
count (``resetOnHealthyTask`` defaults to true). At ``scheduler.failure_threshold(desired)`` the
rollout is FAILED and no more of its tasks are launched; with ``rollback`` a new deployment of the
last COMPLETED one replaces it. Texts as ECS writes them (observed in real DescribeServices output):
``ECS deployment circuit breaker: tasks failed to start.``,
``ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/….``,
``(service S) (deployment ecs-svc/…) deployment failed: tasks failed to start.`` and
``(service S) rolling back to deployment ecs-svc/….``

With a load balancer, a task is RUNNING only once it has passed the ACTIVATING gate (registered,
first health check passed), so it counts as healthy as soon as it is RUNNING; old tasks are
stopped (and drained) only while enough of those remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecsedu import arns
from ecsedu.engine import deployment_history, fargate, placement, scheduler, task_sets
from ecsedu.engine import lifecycle as lifecycle_mod
from ecsedu.engine import store as store_mod
from ecsedu.engine.scheduler import unable_to_place_message
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

__all__ = ["ServiceController"]

S = task_mod.TaskStatus
EV = events_mod.EventKind
SWEEP_SECONDS = 15.0
STEADY_REPORT_SECONDS = 6 * 3600.0
MAX_EVENTS = 100
CB_FAILED_REASON = "ECS deployment circuit breaker: tasks failed to start."


def circuit_breaker(service: service_mod.Service) -> tuple[bool, bool]:
    """(enable, rollback) of the service's deployment circuit breaker."""
    config = service.request.get("deploymentConfiguration") or {}
    cb = config.get("deploymentCircuitBreaker") or {}
    return bool(cb.get("enable")), bool(cb.get("rollback"))


def _launch_rate(service: service_mod.Service) -> int:
    """Tasks the scheduler may launch per minute for a service: 250 on EC2, 500 on Fargate."""
    if service.launch_type == "FARGATE":
        return fargate.SERVICE_LAUNCHES_PER_MINUTE
    return scheduler.LAUNCHES_PER_MINUTE


@dataclass(frozen=True)
class _Completed:
    id: str
    task_definition_arn: str


class ServiceController:
    """The service scheduler: the engine's first controller."""

    name = "services"

    def __init__(self, store: store_mod.Store, lifecycle: lifecycle_mod.Lifecycle) -> None:
        self.store = store
        self.lifecycle = lifecycle
        self._queued: set[str] = set()
        self._sweeping = False
        self._healthy_seen: set[str] = set()  # task ARNs that once counted as healthy
        self._last_completed: dict[str, _Completed] = {}  # service ARN -> last COMPLETED
        self._checks: dict[str, bool] = {}  # task ARN -> an essential container has checks
        #: task ARN -> (lastStatus, health, instance status, deployment, behind a load
        #: balancer, the facts computed from them): ``facts`` reuses them while those hold
        self._facts: dict[str, tuple[Any, ...]] = {}

    # -- triggers ------------------------------------------------------------------------------
    def start_sweeps(self) -> None:
        if not self._sweeping:
            self._sweeping = True
            self.store.clock.schedule(SWEEP_SECONDS, self._sweep, priority=4)

    def _sweep(self) -> None:
        for service in list(self.store.services.values()):
            if service.status != service_mod.ServiceStatus.INACTIVE:
                self.reconcile(service)
        self.store.clock.schedule(SWEEP_SECONDS, self._sweep, priority=4)

    def request(self, service: service_mod.Service, delay: float = 0.0) -> None:
        """Queue a reconcile of ``service`` (coalesced per instant)."""
        if delay > 0:
            self.store.clock.schedule(delay, lambda: self.request(service), priority=3)
            return
        if service.arn in self._queued:
            return
        self._queued.add(service.arn)

        def run() -> None:
            self._queued.discard(service.arn)
            self.reconcile(service)

        self.store.clock.schedule(0.0, run, priority=3)

    def on_task_change(self, task: task_mod.Task) -> None:
        service = self._service_of(task)
        if service is None:
            return
        self.request(service)
        if task.last_status is S.RUNNING and task.desired_status == task_mod.DesiredStatus.RUNNING:
            self.request(service, self.lifecycle.timings.health_grace)
        if task.last_status is S.STOPPED:
            self._checks.pop(task.arn, None)
            self._facts.pop(task.arn, None)
            self._count_failure(service, task)
            inst = self.store.instances.get(task.container_instance_arn or "")
            if (
                inst is not None
                and inst.status == ci_mod.InstanceStatus.DRAINING
                and service.scheduling_strategy == service_mod.SchedulingStrategy.REPLICA
            ):
                # the daemon tasks on a draining instance stop once its replica tasks are gone
                for other in self.store.services.values():
                    if (
                        other.cluster_arn == service.cluster_arn
                        and other.scheduling_strategy == service_mod.SchedulingStrategy.DAEMON
                    ):
                        self.request(other)

    def _service_of(self, task: task_mod.Task) -> service_mod.Service | None:
        if task.service_name is None:
            return None
        cluster_name = arns.cluster_name(task.cluster_arn)
        return self.store.services.get(arns.service(cluster_name, task.service_name))

    # -- events --------------------------------------------------------------------------------
    def event(self, service: service_mod.Service, message: str) -> None:
        """Add a service event (newest first, ≤ 100), suppressing an immediate duplicate."""
        if service.events and service.events[0].message == message:
            return
        now = self.store.clock.now
        service.events.insert(0, service_mod.ServiceEvent(self.store.ids.uuid(), now, message))
        del service.events[MAX_EVENTS:]
        self.store.record(
            EV.SERVICE_EVENT, message, cluster_arn=service.cluster_arn, subject=service.arn
        )

    # -- reconcile -----------------------------------------------------------------------------
    def facts(self, service: service_mod.Service) -> list[scheduler.TaskFacts]:
        # One pass over every task of the service at every reconcile: kept lean, as a big
        # service is reconciled each time one of its tasks moves. A task's facts are reused
        # while what they were computed from is unchanged (the same objects: its statuses, its
        # deployment, its instance's status, the load balancer question) and they cannot change
        # with the clock alone (no scale-in protection; healthy already, or health not a matter
        # of time).
        cache = self._facts
        now = self.store.clock.now
        grace = self.lifecycle.timings.health_grace
        behind_lb = bool(service.request.get("loadBalancers"))
        instances = self.store.instances
        checks = self._checks
        alive, running_status = task_mod.DesiredStatus.RUNNING, S.RUNNING
        healthy_status = task_mod.HealthStatus.HEALTHY
        unhealthy_status = task_mod.HealthStatus.UNHEALTHY
        active = ci_mod.InstanceStatus.ACTIVE
        facts = scheduler.TaskFacts
        out = []
        for t in self.store.tasks_of_service(service.cluster_arn, service.name).values():
            if t.desired_status != alive:
                continue
            inst = instances.get(t.container_instance_arn) if t.container_instance_arn else None
            inst_status = inst.status if inst is not None else None
            last_status, health = t.last_status, t.health_status
            protected_until = t.protected_until
            hit = cache.get(t.arn)
            if (
                hit is not None
                and hit[0] is last_status
                and hit[1] is health
                and hit[2] is inst_status
                and hit[3] is t.deployment_id
                and hit[4] is behind_lb
                and protected_until is None
            ):
                out.append(hit[5])
                continue
            running = last_status is running_status
            has_checks = False
            if running:
                known = checks.get(t.arn)
                if known is None:  # a task's containers are fixed when it is created
                    known = checks[t.arn] = any(
                        c.essential and c.has_health_check for c in t.containers
                    )
                has_checks = known
                if has_checks:
                    healthy = t.health_status == healthy_status
                elif behind_lb:
                    # RUNNING only after the ACTIVATING gate: registered and passing health checks
                    healthy = True
                else:
                    healthy = t.running_since is not None and now - t.running_since >= grace
            else:
                healthy = False
            f = facts(
                t.arn,
                t.deployment_id or "",
                inst.index if inst is not None else -1,
                running,
                healthy,
                health == unhealthy_status,
                inst is not None and inst_status != active,
                protected_until is not None and now < protected_until,
            )
            out.append(f)
            if protected_until is None and (healthy or not running or has_checks or behind_lb):
                cache[t.arn] = (last_status, health, inst_status, t.deployment_id, behind_lb, f)
            else:
                cache.pop(t.arn, None)
        return out

    def reconcile(self, service: service_mod.Service) -> scheduler.ServicePlan:
        if service.status == service_mod.ServiceStatus.INACTIVE:
            return scheduler.ServicePlan()
        if service.external:  # task sets, not the rolling deployment (engine/task_sets.py)
            task_sets.reconcile(self, service)
            return scheduler.ServicePlan()
        facts = self.facts(service)
        now = self.store.clock.now
        service.launches = [t for t in service.launches if now - t < 60.0]
        budget = _launch_rate(service) - len(service.launches)
        if now < service.throttled_until:
            budget = 0
        primary = service.primary
        self._note_healthy(service, facts)
        failed = primary.rollout_state == service_mod.RolloutState.FAILED
        index = self.store.indexes[service.cluster_arn]
        if service.scheduling_strategy == service_mod.SchedulingStrategy.DAEMON:
            eligible, draining = self._daemon_instances(service, index)
            service.desired_count = (
                len(eligible) if service.status == service_mod.ServiceStatus.ACTIVE else 0
            )
            primary.desired_count = service.desired_count
            stopping, replicas_on = self._daemon_waits(service, draining)
            plan = scheduler.plan_daemon(
                primary_id=primary.id,
                eligible=eligible if service.status == service_mod.ServiceStatus.ACTIVE else [],
                draining=draining,
                tasks=facts,
                stopping=stopping,
                replicas_on=replicas_on,
                minimum_healthy_percent=service.minimum_healthy_percent,
            )
            if service.status != service_mod.ServiceStatus.ACTIVE:
                plan = scheduler.ServicePlan(
                    stop=tuple((f.arn, scheduler.StopWhy.SCALE_IN) for f in facts)
                )
        else:
            plan = scheduler.plan_replica(
                desired=service.desired_count,
                minimum_healthy_percent=service.minimum_healthy_percent,
                maximum_percent=service.maximum_percent,
                primary_id=primary.id,
                tasks=facts,
                launch_budget=0 if failed else max(0, budget),
            )
            if failed:
                # a FAILED rollout (circuit breaker, no rollback) launches nothing more and
                # keeps the older deployments' tasks
                plan = scheduler.ServicePlan(
                    surplus=plan.surplus,
                    stop=tuple(
                        (arn, why)
                        for arn, why in plan.stop
                        if why is not scheduler.StopWhy.DEPLOYMENT
                    ),
                )
                budget = 0
        self._apply(service, plan, facts, budget)
        healthy = sum(1 for f in facts if f.healthy and f.deployment_id == primary.id)
        self._bookkeep(service, healthy)
        deployment_history.track(self.store, service)
        return plan

    def _daemon_instances(
        self, service: service_mod.Service, index: placement.ClusterIndex
    ) -> tuple[list[int], list[int]]:
        eligible, draining = [], []
        constraints = self._constraints(service)
        for inst in index.instances:
            if inst.status == ci_mod.InstanceStatus.DRAINING:
                draining.append(inst.index)
            elif inst.status == ci_mod.InstanceStatus.ACTIVE:
                ok = all(
                    placement.constraint_failure(
                        index,
                        inst.index,
                        placement.PlacementRequest(
                            0, 0, f"service:{service.name}", constraints=(c,)
                        ),
                    )
                    is None
                    for c in constraints
                    if c[0] == "memberOf"
                )
                if ok:
                    eligible.append(inst.index)
        return eligible, draining

    def _daemon_waits(
        self, service: service_mod.Service, draining: list[int]
    ) -> tuple[list[int], list[int]]:
        """Instances where the daemon must wait: one of its own tasks is still stopping there (a
        new one starts only once it is STOPPED), and DRAINING instances that still hold a
        REPLICA service's task (the daemon task there stops last)."""
        stopping = set()
        for t in self.store.tasks_of_service(service.cluster_arn, service.name).values():
            if not t.alive and t.last_status is not S.STOPPED:
                inst = self.store.instances.get(t.container_instance_arn or "")
                if inst is not None:
                    stopping.add(inst.index)
        replicas_on = set()
        if draining:
            wanted = set(draining)
            for t in self.store.tasks_in(service.cluster_arn):
                if t.service_name is None or t.last_status is S.STOPPED:
                    continue
                inst = self.store.instances.get(t.container_instance_arn or "")
                if inst is None or inst.index not in wanted:
                    continue
                other = self._service_of(t)
                if (
                    other is not None
                    and other.scheduling_strategy == service_mod.SchedulingStrategy.REPLICA
                ):
                    replicas_on.add(inst.index)
        return sorted(stopping), sorted(replicas_on)

    def _constraints(
        self, service: service_mod.Service, td_arn: str | None = None
    ) -> tuple[placement.Constraint, ...]:
        td = self.store.task_definition(
            td_arn or service.primary.task_definition_arn, "CreateService"
        )
        own = tuple(
            (str(c.get("type")), c.get("expression")) for c in service.placement_constraints
        )
        from_td: tuple[placement.Constraint, ...] = ()
        if td is not None:
            from_td = tuple((k, e) for k, e in td.placement_constraints)
        return own + from_td

    def _request(
        self, service: service_mod.Service, td_arn: str | None = None
    ) -> placement.PlacementRequest:
        """Where a task of ``service`` may go (``td_arn``: a task set's task definition)."""
        td = self.store.task_definition(
            td_arn or service.primary.task_definition_arn, "CreateService"
        )
        assert td is not None
        uses_ports = td.network_mode in ("bridge", "host")
        strategies = (
            tuple((str(s.get("type")), s.get("field")) for s in service.placement_strategy)
            or placement.SERVICE_DEFAULT_STRATEGY
        )
        return placement.PlacementRequest(
            cpu=td.reserved_cpu,
            memory=td.reserved_memory,
            group=f"service:{service.name}",
            ports=tuple(str(p) for p in td.static_host_ports("tcp")) if uses_ports else (),
            ports_udp=tuple(str(p) for p in td.static_host_ports("udp")) if uses_ports else (),
            constraints=self._constraints(service, td_arn),
            strategies=strategies,
            operation="CreateService",
            attributes=placement.required_attributes(td),
            gpus=placement.required_gpus(td),
            eni=fargate.eni_checker(self.store, service.cluster_arn)
            if td.network_mode == "awsvpc"
            else None,
        )

    def _apply(
        self,
        service: service_mod.Service,
        plan: scheduler.ServicePlan,
        facts: list[scheduler.TaskFacts],
        budget: int,
    ) -> None:
        store = self.store
        index = store.indexes[service.cluster_arn]
        stopped: list[task_mod.Task] = []
        for arn, why in plan.stop:
            task = store.tasks[arn]
            if self.lifecycle.stop(
                task, "ServiceSchedulerInitiated", self._stop_reason(service, task, why)
            ):
                stopped.append(task)
        if plan.surplus:
            good = [
                f
                for f in facts
                if scheduler.stale_reason(f, service.primary.id) is None and not f.protected
            ]
            pending = [f for f in good if not f.running]
            running = [f for f in good if f.running]
            order = (
                placement.rank_for_stop(
                    index,
                    [(f.instance, f.arn) for f in running],
                    f"service:{service.name}",
                    self._request(service).strategies,
                    store.placement_rng,
                )
                if service.launch_type != "FARGATE"
                else fargate.stop_order(store, [f.arn for f in running])
            )
            chosen = pending + [running[i] for i in order]
            for f in chosen[: plan.surplus]:
                task = store.tasks[f.arn]
                if self.lifecycle.stop(
                    task,
                    "ServiceSchedulerInitiated",
                    self._stop_reason(service, task, scheduler.StopWhy.SCALE_IN),
                ):
                    stopped.append(task)
        if stopped:
            ids = " ".join(f"(task {t.id})" for t in stopped)
            self.event(
                service,
                f"(service {service.name}) has stopped {len(stopped)} running tasks: {ids}.",
            )
        started: list[task_mod.Task] = []
        unplaced: list[str] = []  # reported after "has started", as ECS orders them
        if service.capacity_provider_strategy and plan.start and self.strategy_launcher:
            # a capacity provider strategy picks each task's provider (engine/capacity.py)
            td = store.task_definition(service.primary.task_definition_arn, "CreateService")
            assert td is not None
            got, missed = self.strategy_launcher(self, service, td, min(plan.start, max(0, budget)))
            started += got
            unplaced += missed
        elif service.launch_type == "FARGATE" and plan.start:
            # Fargate: no placement (each task gets a micro-VM of its own)
            td = store.task_definition(service.primary.task_definition_arn, "CreateService")
            assert td is not None
            for _ in range(min(plan.start, max(0, budget))):
                started.append(self._launch(service, "FARGATE", td))
        elif plan.start or plan.start_on:
            request = self._request(service)
            td = store.task_definition(service.primary.task_definition_arn, "CreateService")
            assert td is not None
            targets: list[int | None] = (
                list(plan.start_on) if plan.start_on else [None] * plan.start
            )
            batch = placement.Batch(
                index, request, store.placement_rng, explain_limit=store.explain_limit
            )
            for target in targets[: max(0, budget)]:
                if target is None:
                    decision = batch.next()
                    chosen_index = decision.instance
                    store.record_placement(
                        f"service {service.name}",
                        decision,
                        index,
                        cluster_arn=service.cluster_arn,
                        subject=service.arn,
                    )
                    if chosen_index is None:
                        closest = decision.closest
                        unplaced.append(
                            unable_to_place_message(
                                service.name,
                                index.instances[closest[0]].id if closest else None,
                                closest[1] if closest else None,
                            ),
                        )
                        break
                else:
                    failure = placement.fits(index, target, request)
                    if failure is not None:
                        if failure != "INACTIVE":
                            instance_id = index.instances[target].id
                            unplaced.append(
                                unable_to_place_message(service.name, instance_id, failure)
                            )
                        continue
                    chosen_index = target
                inst = index.instances[chosen_index]
                started.append(self._launch(service, inst, td))
                batch.placed(chosen_index)
        if started:
            ids = " ".join(f"(task {t.id})" for t in started)
            self.event(
                service, f"(service {service.name}) has started {len(started)} tasks: {ids}."
            )
        for message in unplaced:
            self.event(service, message)
        if plan.deadlocked:
            self.event(
                service,
                f"(service {service.name}) was unable to stop or start tasks during a deployment "
                "because of the service deployment configuration. Update the minimumHealthyPercent "
                "or maximumPercent value and try again.",
            )

    #: The engine, for Fargate launches (a hidden host needs a runtime): set by the engine
    #: that owns this controller (``engine/core.py``).
    engine: fargate.Engine | None = None
    #: ``capacity.start_service_tasks``, for services with a capacity provider strategy: set by
    #: the API calls that give a service one and by loading a state file (``capacity.bind``;
    #: the engine layer below the API does not import it).
    strategy_launcher: Any = None

    def _launch(
        self,
        service: service_mod.Service,
        target: ci_mod.ContainerInstance | str | None,
        td: td_mod.TaskDefinition,
    ) -> task_mod.Task:
        """Start one task of the service on ``target``: a container instance placement chose,
        a Fargate capacity provider (``"FARGATE"`` / ``"FARGATE_SPOT"``), or None: no instance
        yet (the task waits for an Auto Scaling group's capacity, ``capacity.py``)."""
        service.launches.append(self.store.clock.now)
        if isinstance(target, str):
            if self.engine is None:
                raise RuntimeError("Fargate tasks need the engine (ServiceController.engine)")
            return fargate.launch(
                self.engine,
                cluster_arn=service.cluster_arn,
                td=td,
                group=f"service:{service.name}",
                network_configuration=service.network_configuration,
                platform_version=service.platform_version,
                capacity_provider=(
                    target if target != "FARGATE" or service.capacity_provider_strategy else None
                ),
                started_by=service.primary.id,
                service_name=service.name,
                deployment_id=service.primary.id,
            )
        return self.lifecycle.create(
            cluster_arn=service.cluster_arn,
            instance=target,
            td=td,
            group=f"service:{service.name}",
            started_by=service.primary.id,
            service_name=service.name,
            deployment_id=service.primary.id,
            network_configuration=service.network_configuration,
        )

    def _stop_reason(
        self, service: service_mod.Service, task: task_mod.Task, why: scheduler.StopWhy
    ) -> str:
        if why is scheduler.StopWhy.UNHEALTHY:
            return "Task failed container health checks"
        if why is scheduler.StopWhy.DRAINING:
            # our wording (ECS's exact text for drained tasks is not documented)
            return f"Service {service.name}: container instance is in DRAINING state"
        return (
            f"Scaling activity initiated by (deployment {task.deployment_id or service.primary.id})"
        )

    def _count_failure(self, service: service_mod.Service, task: task_mod.Task) -> None:
        """Count a failed task: the throttle (tasks that never ran) and the circuit breaker."""
        was_healthy = task.arn in self._healthy_seen
        self._healthy_seen.discard(task.arn)
        deliberate = (
            task.stop_code == "ServiceSchedulerInitiated"
            and not (task.stopped_reason or "").startswith("Task failed")
        ) or task.stop_code == "UserInitiated"
        if not deliberate and not was_healthy:
            deployment = next((d for d in service.deployments if d.id == task.deployment_id), None)
            if deployment is not None:
                deployment.failed_tasks += 1
                self._maybe_trip(service, deployment)
        if task.reached_running or task.stop_code == "ServiceSchedulerInitiated":
            return
        # Tasks that stop without ever RUNNING slow the scheduler down (up to 15 minutes).
        service.consecutive_start_failures += 1
        k = service.consecutive_start_failures
        if k >= 3:
            backoff = min(900.0, 10.0 * 2 ** (k - 3))
            service.throttled_until = self.store.clock.now + backoff
            self.event(
                service,
                f"(service {service.name}) is unable to consistently start tasks successfully.",
            )
            self.request(service, backoff)

    def _note_healthy(self, service: service_mod.Service, facts: list[scheduler.TaskFacts]) -> None:
        """A healthy task of an IN_PROGRESS deployment resets its failure count."""
        for f in facts:
            if f.healthy and f.arn not in self._healthy_seen:
                self._healthy_seen.add(f.arn)
                for d in service.deployments:
                    if d.id == f.deployment_id and d.rollout_state is not (
                        service_mod.RolloutState.FAILED
                    ):
                        d.failed_tasks = 0
                        if d is service.primary:
                            service.consecutive_start_failures = 0

    def _maybe_trip(self, service: service_mod.Service, d: service_mod.Deployment) -> None:
        """The deployment circuit breaker: fail the rollout, and roll back if asked to."""
        enable, rollback = circuit_breaker(service)
        if (
            not enable
            or d is not service.primary
            or d.rollout_state != service_mod.RolloutState.IN_PROGRESS
            or service.status != service_mod.ServiceStatus.ACTIVE
            or d.failed_tasks < scheduler.failure_threshold(service.desired_count)
        ):
            return
        now = self.store.clock.now
        d.rollout_state = service_mod.RolloutState.FAILED
        d.rollout_state_reason = CB_FAILED_REASON
        d.updated_at = now
        self.store.record(
            EV.DEPLOYMENT_STATE_CHANGE,
            f"deployment {d.id} FAILED (circuit breaker: {d.failed_tasks} failed tasks)",
            cluster_arn=service.cluster_arn,
            subject=service.arn,
        )
        self.event(
            service,
            f"(service {service.name}) (deployment {d.id}) deployment failed: "
            "tasks failed to start.",
        )
        target = self._rollback_target(service)
        if rollback and target is not None:
            self.start_rollback(
                service,
                target.id,
                target.task_definition_arn,
                f"ECS deployment circuit breaker: rolling back to deploymentId {target.id}.",
            )
            self.event(service, f"(service {service.name}) rolling back to deployment {target.id}.")
        self.request(service)

    def start_rollback(
        self, service: service_mod.Service, target_id: str, task_definition_arn: str, reason: str
    ) -> service_mod.Deployment:
        """A new PRIMARY deployment of ``task_definition_arn`` (the service revision deployment
        ``target_id`` deployed): the circuit breaker's rollback and StopServiceDeployment's."""
        now = self.store.clock.now
        back = service_mod.Deployment(
            id=self.store.ids.deployment_id(),
            task_definition_arn=task_definition_arn,
            desired_count=service.desired_count,
            created_at=now,
            updated_at=now,
        )
        back.rollout_state_reason = reason
        for old in service.deployments:
            old.status = service_mod.DeploymentStatus.ACTIVE
        service.deployments.insert(0, back)
        if target_id in service.revision_of:  # a rollback makes no new service revision
            service.revision_of[back.id] = service.revision_of[target_id]
        service.task_definition_arn = back.task_definition_arn
        service.consecutive_start_failures = 0
        service.throttled_until = 0.0
        service.steady = False
        self.store.record(
            EV.DEPLOYMENT_STATE_CHANGE,
            f"deployment {back.id} PRIMARY (rolling back to {target_id})",
            cluster_arn=service.cluster_arn,
            subject=service.arn,
        )
        self.request(service)
        return back

    def _rollback_target(self, service: service_mod.Service) -> _Completed | None:
        for d in service.deployments[1:]:
            if d.rollout_state == service_mod.RolloutState.COMPLETED:
                return _Completed(d.id, d.task_definition_arn)
        return self._last_completed.get(service.arn)

    def _bookkeep(self, service: service_mod.Service, healthy: int = -1) -> None:
        """Retire replaced deployments, complete the rollout, report steady state."""
        alive_by_deployment: dict[str, int] = {}
        unstopped: set[str] = set()  # deployments with a task not yet STOPPED
        mine = self.store.tasks_of_service(service.cluster_arn, service.name).values()
        alive, stopped = task_mod.DesiredStatus.RUNNING, S.STOPPED
        for t in mine:
            key = t.deployment_id or ""
            if t.desired_status == alive:  # t.alive, without the property call
                alive_by_deployment[key] = alive_by_deployment.get(key, 0) + 1
            if t.last_status is not stopped:
                unstopped.add(key)
        primary = service.primary
        now = self.store.clock.now
        kept = [primary]
        for d in service.deployments[1:]:
            remaining = alive_by_deployment.get(d.id, 0)
            # an older deployment is done once its tasks have STOPPED, not while they are still
            # deactivating or stopping: only then is the rollout COMPLETED and the service steady
            if remaining == 0 and d.id not in unstopped:
                d.status = service_mod.DeploymentStatus.INACTIVE
                self.store.record(
                    EV.DEPLOYMENT_STATE_CHANGE,
                    f"deployment {d.id} INACTIVE",
                    cluster_arn=service.cluster_arn,
                    subject=service.arn,
                )
                continue
            d.desired_count = remaining
            kept.append(d)
        service.deployments = kept
        if service.status == service_mod.ServiceStatus.DRAINING:
            if not any(
                t.last_status not in (S.STOPPING, S.DEPROVISIONING, S.STOPPED) for t in mine
            ):
                service.status = service_mod.ServiceStatus.INACTIVE
                self.store.record(
                    EV.SERVICE_EVENT,
                    f"service {service.name} INACTIVE",
                    cluster_arn=service.cluster_arn,
                    subject=service.arn,
                )
            return
        settled = (
            len(service.deployments) == 1
            and primary.running_count == service.desired_count
            and alive_by_deployment.get(primary.id, 0) == service.desired_count
            and service.pending_count == 0
        )
        # with the circuit breaker on, the breaker monitors the rollout until its tasks count as
        # healthy (RUNNING 40 s, health checks passing, or past a load balancer's ACTIVATING
        # gate): only then is it COMPLETED
        monitored = circuit_breaker(service)[0]
        all_healthy = not monitored or healthy < 0 or healthy >= service.desired_count
        if (
            settled
            and all_healthy
            and primary.rollout_state == service_mod.RolloutState.IN_PROGRESS
        ):
            primary.rollout_state = service_mod.RolloutState.COMPLETED
            primary.rollout_state_reason = f"ECS deployment {primary.id} completed."
            primary.updated_at = now
            self._last_completed[service.arn] = _Completed(primary.id, primary.task_definition_arn)
            self.event(
                service, f"(service {service.name}) (deployment {primary.id}) deployment completed."
            )
        steady = settled and service.running_count == service.desired_count
        if steady and (
            not service.steady or now - service.last_steady_report >= STEADY_REPORT_SECONDS
        ):
            service.last_steady_report = now
            self.event(service, f"(service {service.name}) has reached a steady state.")
        service.steady = steady
