"""The task lifecycle, driven by the clock and by what container agents report.

The whole lifecycle is one table, ``LIFECYCLE``: for each status, how long it lasts, what comes
next, and the gate it waits on. ACTIVATING and DEACTIVATING are gated: when their time is up a
task moves on only once every registered participant of the gate has released it (a load
balancer registers a target and waits for its first healthy check; it drains connections
before letting a task stop). With no participant registered, the gate is open.

Placement has already chosen an instance when a task is created here (a task waiting for an
Auto Scaling group's capacity is created without one and stays PROVISIONING until ``place``
gives it one). From then on:

* the task reserves its CPU, memory and static host ports on the instance;
* PROVISIONING (an ENI for awsvpc tasks; instant otherwise) → PENDING: the instance's agent is
  told to start the containers;
* when every container is RUNNING: ACTIVATING → RUNNING;
* when its desired status becomes STOPPED (StopTask, the service scheduler, an essential
  container exiting, a failed start): DEACTIVATING → STOPPING (the agent stops the containers,
  SIGTERM then SIGKILL after ``stopTimeout``) → DEPROVISIONING → STOPPED, and the resources are
  released. A stopped task stays visible for an hour.

Every change bumps the task's ``version`` and lands in the event log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ecsedu import arns
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import fargate as fargate_mod
from ecsedu.engine import placement
from ecsedu.engine import store as store_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod
from ecsedu.runtimes import base

__all__ = [
    "LIFECYCLE",
    "WALL_CLOCK_TIMINGS",
    "GateParticipant",
    "Lifecycle",
    "Step",
    "TaskTimings",
]

S = task_mod.TaskStatus
DESIRED = task_mod.DesiredStatus
CS = task_mod.ContainerStatus
HEALTH = task_mod.HealthStatus
#: Transitions that can change a service scheduler's decision (the others only move a task along
#: a path the scheduler already counted): RUNNING (now counts, and healthy in 40 s), STOPPING
#: (a DRAINING service may become INACTIVE) and STOPPED (resources are free again).
SCHEDULER_CARES = (S.RUNNING, S.STOPPING, S.STOPPED)  # a tuple: membership by identity
#: A task counts as pending until it is RUNNING: PROVISIONING, PENDING and ACTIVATING (a task
#: passing its activation gate must not vanish from both counters for that while).
PENDING_COUNTED = task_mod.PENDING_COUNTED
COUNTED = (*PENDING_COUNTED, S.RUNNING)  # the states ECS's counters count
EV = events_mod.EventKind


@dataclass(frozen=True)
class TaskTimings:
    """Durations of the control plane's own steps, in seconds."""

    provisioning: float = 0.0  # bridge/host/none: nothing to provision
    provisioning_awsvpc: float = 5.0  # ENI attachment
    activating: float = 1.0
    deactivating: float = 1.0
    deprovisioning: float = 0.0
    deprovisioning_awsvpc: float = 5.0
    default_stop_timeout: float = 30.0
    retention: float = 3600.0  # stopped tasks stay visible for an hour
    #: A task without health checks counts as healthy (for deployments) after this long RUNNING.
    health_grace: float = 40.0


#: On the wall clock (Docker) nobody wants to wait a simulated minute: ACTIVATING and
#: DEACTIVATING take one clock turn (no load balancer registered) and the health grace is short.
WALL_CLOCK_TIMINGS = TaskTimings(activating=0.0, deactivating=0.0, health_grace=3.0)


def _provisioning(t: TaskTimings, task: task_mod.Task) -> float:
    return (
        t.provisioning_awsvpc if task.task_definition.network_mode == "awsvpc" else t.provisioning
    )


def _deprovisioning(t: TaskTimings, task: task_mod.Task) -> float:
    awsvpc = task.task_definition.network_mode == "awsvpc"
    return t.deprovisioning_awsvpc if awsvpc else t.deprovisioning


@dataclass(frozen=True)
class Step:
    """One row of the lifecycle table.

    ``lasts`` is the status's duration (``None``: it ends on an event, named by ``until``);
    ``then`` the next status; ``gate`` the gate a task waits on once its time is up.
    """

    lasts: Callable[[TaskTimings, task_mod.Task], float] | None
    then: S | None
    until: str
    gate: str | None = None


ACTIVATION = "activation"
DEACTIVATION = "deactivation"

LIFECYCLE: dict[S, Step] = {
    S.PROVISIONING: Step(_provisioning, S.PENDING, "its network is attached (awsvpc: an ENI)"),
    S.PENDING: Step(None, S.ACTIVATING, "every container is RUNNING"),
    S.ACTIVATING: Step(
        lambda t, _: t.activating, S.RUNNING, "registered with its load balancers", ACTIVATION
    ),
    S.RUNNING: Step(None, S.DEACTIVATING, "its desired status becomes STOPPED"),
    S.DEACTIVATING: Step(
        lambda t, _: t.deactivating, S.STOPPING, "deregistered and drained", DEACTIVATION
    ),
    S.STOPPING: Step(None, S.DEPROVISIONING, "every container has stopped"),
    S.DEPROVISIONING: Step(_deprovisioning, S.STOPPED, "its network is detached"),
    S.STOPPED: Step(lambda t, _: t.retention, None, "it is forgotten (an hour later)"),
}


class GateParticipant(Protocol):
    """Something a task waits for in a gated status (a target group, for example)."""

    name: str

    def hold(self, task: task_mod.Task, gate: str) -> bool:
        """Called when ``task`` enters ``gate``'s status. Return True to hold the task until
        ``Lifecycle.release(task, gate, self.name)``; False to let it pass."""
        ...


@dataclass
class _GateState:
    gate: str
    status: S
    holds: set[str]
    time_up: bool = False


class Lifecycle:
    """Moves tasks through their states. ``on_change`` is told of every service task change."""

    def __init__(
        self,
        store: store_mod.Store,
        on_change: Callable[[task_mod.Task], None],
        timings: TaskTimings | None = None,
    ) -> None:
        self.store = store
        self.on_change = on_change
        self.timings = timings or TaskTimings()
        self._specs: dict[str, tuple[base.ContainerSpec, ...]] = {}
        self._volumes: dict[str, tuple[tuple[str, str | None], ...]] = {}
        self._footprints: dict[str, tuple[int, int, tuple[str, ...], tuple[str, ...]]] = {}
        self.participants: dict[str, list[GateParticipant]] = {ACTIVATION: [], DEACTIVATION: []}
        self._gates: dict[str, _GateState] = {}  # task ARN -> its open gate

    # -- gates ---------------------------------------------------------------------------------
    def register_participant(self, gate: str, participant: GateParticipant) -> None:
        """``participant`` is asked about every task that enters ``gate`` from now on."""
        if gate not in self.participants:
            raise ValueError(f"unknown gate {gate!r}: choose {ACTIVATION!r} or {DEACTIVATION!r}")
        self.participants[gate].append(participant)

    def release(self, task: task_mod.Task, gate: str, name: str) -> None:
        """Participant ``name`` lets ``task`` through ``gate``."""
        state = self._gates.get(task.arn)
        if state is None or state.gate != gate:
            return
        state.holds.discard(name)
        self._maybe_pass(task, state)

    def holding(self, task: task_mod.Task) -> frozenset[str]:
        """Who holds ``task`` at its gate right now (empty when it is not waiting)."""
        state = self._gates.get(task.arn)
        return frozenset(state.holds) if state is not None else frozenset()

    def _enter_gated(self, task: task_mod.Task, status: S) -> None:
        """Entered a gated status: start its clock and ask the gate's participants."""
        step = LIFECYCLE[status]
        assert step.gate is not None
        assert step.lasts is not None
        holds = {p.name for p in self.participants[step.gate] if p.hold(task, step.gate)}
        state = _GateState(step.gate, status, holds)
        self._gates[task.arn] = state

        def time_up() -> None:
            if task.last_status is status and task.arn in self.store.tasks:
                state.time_up = True
                self._maybe_pass(task, state)

        self.store.clock.schedule(step.lasts(self.timings, task), time_up)

    def _maybe_pass(self, task: task_mod.Task, state: _GateState) -> None:
        if not state.time_up or state.holds or task.last_status is not state.status:
            return
        if self._gates.get(task.arn) is state:
            del self._gates[task.arn]
        if state.status is S.ACTIVATING:
            self._to_running(task)
        else:
            self._to_stopping(task)

    # -- creation ------------------------------------------------------------------------------
    def create(
        self,
        *,
        cluster_arn: str,
        instance: ci_mod.ContainerInstance | None,
        td: td_mod.TaskDefinition,
        group: str,
        started_by: str | None = None,
        service_name: str | None = None,
        deployment_id: str | None = None,
        overrides: dict[str, object] | None = None,
        tags: list[dict[str, str]] | None = None,
        launch_type: str = "EC2",
        network_configuration: dict[str, Any] | None = None,
        subnet: str | None = None,
    ) -> task_mod.Task:
        """A new task on ``instance`` (a container instance; for FARGATE, the task's hidden
        host). An awsvpc task gets its ENI attachment (``network_configuration``).

        ``instance`` None: no instance of the task's Auto Scaling group capacity provider fits
        it yet; the task waits in PROVISIONING, reserving nothing, until ``place`` gives it one
        (``capacity.place_waiting``) or it is stopped."""
        store = self.store
        fargate = launch_type == "FARGATE"
        task_id = store.ids.hex32()
        cluster_name = arns.cluster_name(cluster_arn)
        arn = arns.task(cluster_name, task_id)
        footprint = self._footprint(td)
        containers = [
            task_mod.Container(
                name=c.name,
                image=c.image,
                essential=c.essential,
                cpu=c.cpu,
                memory=c.memory,
                memory_reservation=c.memory_reservation,
                container_arn=arns.container(cluster_name, task_id, store.ids.uuid()),
                has_health_check=c.health_check is not None,
            )
            for c in td.containers
        ]
        task = task_mod.Task(
            arn=arn,
            id=task_id,
            cluster_arn=cluster_arn,
            task_definition=td,
            container_instance_arn=None if fargate or instance is None else instance.arn,
            fargate_host=instance.arn if fargate and instance is not None else None,
            launch_type=launch_type,
            availability_zone=instance.availability_zone if instance is not None else None,
            group=group,
            started_by=started_by,
            created_at=store.clock.now,
            containers=containers,
            service_name=service_name,
            deployment_id=deployment_id,
            ports=footprint[2],
            ports_udp=footprint[3],
            overrides=dict(overrides) if overrides else {},
            tags=list(tags) if tags else [],
            cpu=footprint[0],
            memory=footprint[1],
        )
        if instance is None:
            return self._wait(task)
        if td.network_mode == "awsvpc":
            if subnet is None and not fargate:
                subnet = _instance_subnet(instance, network_configuration)
            fargate_mod.attach_network(store, task, network_configuration, subnet)
        store.tasks[arn] = task
        if service_name is not None:
            store.tasks_of_service(cluster_arn, service_name)[arn] = task
        self._reserve(task, instance)
        store.record(
            EV.TASK_STATE_CHANGE,
            f"task {task_id} PROVISIONING on {'Fargate' if fargate else instance.id}",
            cluster_arn=cluster_arn,
            subject=arn,
            lastStatus=S.PROVISIONING._value_,
            desiredStatus=DESIRED.RUNNING._value_,
            instance=task.container_instance_arn,
        )
        self._count(task, None, S.PROVISIONING)
        delay = _provisioning(self.timings, task)
        if delay <= 0:
            self._to_pending(task)
        else:
            self._after(delay, task, S.PROVISIONING, self._to_pending)
        return task

    def _wait(self, task: task_mod.Task) -> task_mod.Task:
        """A new task with no instance yet: PROVISIONING until ``place`` (no timer runs)."""
        store = self.store
        store.tasks[task.arn] = task
        if task.service_name is not None:
            store.tasks_of_service(task.cluster_arn, task.service_name)[task.arn] = task
        store.record(
            EV.TASK_STATE_CHANGE,
            f"task {task.id} PROVISIONING, waiting for capacity",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
            lastStatus=S.PROVISIONING._value_,
            desiredStatus=DESIRED.RUNNING._value_,
            instance=None,
        )
        self._count(task, None, S.PROVISIONING)
        return task

    def place(
        self,
        task: task_mod.Task,
        instance: ci_mod.ContainerInstance,
        network_configuration: dict[str, Any] | None = None,
    ) -> None:
        """A task waiting in PROVISIONING for capacity goes to ``instance`` (placement chose
        it): it reserves its resources there and carries on (its network, then PENDING)."""
        task.container_instance_arn = instance.arn
        task.availability_zone = instance.availability_zone
        task.version += 1
        if task.task_definition.network_mode == "awsvpc":
            subnet = _instance_subnet(instance, network_configuration)
            fargate_mod.attach_network(self.store, task, network_configuration, subnet)
        self._reserve(task, instance)
        instance.pending_tasks_count += 1  # counted pending since creation, now on this instance
        self.store.record(
            EV.TASK_STATE_CHANGE,
            f"task {task.id} PROVISIONING on {instance.id}",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
            lastStatus=S.PROVISIONING._value_,
            desiredStatus=task.desired_status._value_,
            instance=instance.arn,
        )
        delay = _provisioning(self.timings, task)
        if delay <= 0:
            self._to_pending(task)
        else:
            self._after(delay, task, S.PROVISIONING, self._to_pending)

    # -- resources -----------------------------------------------------------------------------
    def _footprint(
        self, td: td_mod.TaskDefinition
    ) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
        """(cpu, memory, static TCP ports, static UDP ports) a task of ``td`` reserves."""
        cached = self._footprints.get(td.arn)
        if cached is None:
            uses_host_ports = td.network_mode in ("bridge", "host")  # awsvpc: the task's own ENI
            cached = (
                td.reserved_cpu,
                td.reserved_memory,
                tuple(str(p) for p in td.static_host_ports("tcp")) if uses_host_ports else (),
                tuple(str(p) for p in td.static_host_ports("udp")) if uses_host_ports else (),
            )
            self._footprints[td.arn] = cached
        return cached

    def _reserve(self, task: task_mod.Task, inst: ci_mod.ContainerInstance) -> None:
        inst.remaining_cpu -= task.cpu
        inst.remaining_memory -= task.memory
        if task.fargate_host is not None:  # a hidden host: in no placement index
            inst.running_tasks_count += 1
            return
        if task.attachments:  # awsvpc on EC2: one of the instance's ENIs
            self.store.enis[inst.arn] = self.store.enis.get(inst.arn, 0) + 1
        inst.ports.update(task.ports)
        inst.ports_udp.update(task.ports_udp)
        if inst.gpu_ids:
            self._assign_gpus(task, inst)
        inst.running_tasks_count += 1
        inst.group_counts[task.group] += 1
        inst.version += 1
        index = self.store.indexes[task.cluster_arn]
        index.update_resources(inst)
        index.count_task(task.group, inst.index, +1)

    def _release(self, task: task_mod.Task) -> None:
        if task.fargate_host is not None:
            fargate_mod.release_host(self.store, task)
            return
        inst = self.store.instances.get(task.container_instance_arn or "")
        if inst is None:
            return
        if task.attachments:
            enis = self.store.enis
            enis[inst.arn] = max(0, enis.get(inst.arn, 0) - 1)
        inst.remaining_cpu += task.cpu
        inst.remaining_memory += task.memory
        inst.ports.difference_update(task.ports)
        inst.ports_udp.difference_update(task.ports_udp)
        if inst.gpus_used:
            for c in task.containers:
                inst.gpus_used.difference_update(c.gpu_ids)
        inst.version += 1
        self.store.indexes[task.cluster_arn].update_resources(inst)

    def _assign_gpus(self, task: task_mod.Task, inst: ci_mod.ContainerInstance) -> None:
        """Give each container the GPUs its ``resourceRequirements`` ask for (placement has
        checked that the instance has enough left): the first free ids, in order."""
        wanted = placement.container_gpus(task.task_definition)
        if not any(wanted):
            return
        free = list(inst.remaining_gpus)
        for c, n in zip(task.containers, wanted, strict=False):
            if n:
                c.gpu_ids, free = tuple(free[:n]), free[n:]
                inst.gpus_used.update(c.gpu_ids)

    def _unclaim(self, task: task_mod.Task) -> None:
        """Desired status left RUNNING: the task no longer counts on its instance or in spread."""
        inst = self.store.instances.get(task.container_instance_arn or "")
        if inst is None:
            return
        inst.running_tasks_count -= 1
        inst.group_counts[task.group] -= 1
        if inst.group_counts[task.group] <= 0:
            del inst.group_counts[task.group]
        self.store.indexes[task.cluster_arn].count_task(task.group, inst.index, -1)

    # -- state changes -------------------------------------------------------------------------
    def _count(self, task: task_mod.Task, old: S | None, new: S) -> None:
        """Keep ECS's counters (cluster, instance, service, deployment) in step."""
        if old not in COUNTED and new not in COUNTED:
            return
        store = self.store
        cluster = store.clusters[task.cluster_arn]
        inst = store.instances.get(task.container_instance_arn or "")
        service = None
        if task.service_name is not None:
            service = store.services.get(store.service_arn(cluster, task.service_name))
        deployment = None
        if service is not None:
            deployment = next((d for d in service.deployments if d.id == task.deployment_id), None)
        for status, delta in ((old, -1), (new, +1)):
            if status in PENDING_COUNTED:
                cluster.pending_tasks_count += delta
                if inst is not None:
                    inst.pending_tasks_count += delta
                if service is not None:
                    service.pending_count += delta
                if deployment is not None:
                    deployment.pending_count += delta
            elif status is S.RUNNING:
                cluster.running_tasks_count += delta
                if service is not None:
                    service.running_count += delta
                if deployment is not None:
                    deployment.running_count += delta

    def set_status(self, task: task_mod.Task, new: S) -> None:
        old = task.last_status
        if not task_mod.is_forward(old, new):
            return
        task.last_status = new
        task.version += 1
        if task.attachments:
            fargate_mod.attachment_status(task, new)
        self._count(task, old, new)
        if new is S.RUNNING:
            task.reached_running = True
            task.running_since = self.store.clock.now
        self.store.record(
            EV.TASK_STATE_CHANGE,
            f"task {task.id} {old._value_} -> {new._value_}",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
            lastStatus=new._value_,
            desiredStatus=task.desired_status._value_,
            stopCode=task.stop_code,
            stoppedReason=task.stopped_reason,
        )
        if task.service_name is not None and new in SCHEDULER_CARES:
            self.on_change(task)

    def _after(
        self, delay: float, task: task_mod.Task, expect: S, step: Callable[[task_mod.Task], None]
    ) -> None:
        def fire() -> None:
            if task.last_status is expect and task.arn in self.store.tasks:
                step(task)

        self.store.clock.schedule(delay, fire)

    def _to_pending(self, task: task_mod.Task) -> None:
        self.set_status(task, S.PENDING)
        if task.desired_status != DESIRED.RUNNING:
            self._begin_stopping(task)
            return
        task.pull_started_at = self.store.clock.now
        agent = self.store.agents.get(task.host_arn)
        if agent is not None:
            agent.start_task(self.spec(task))

    def _to_running(self, task: task_mod.Task) -> None:
        self.set_status(task, S.RUNNING)
        if task.desired_status != DESIRED.RUNNING:
            self._begin_stopping(task)

    def _to_stopping(self, task: task_mod.Task) -> None:
        self.set_status(task, S.STOPPING)
        agent = self.store.agents.get(task.host_arn)
        never_started = task.pull_started_at is None
        done = all(c.last_status == CS.STOPPED for c in task.containers)
        if never_started or done or agent is None or agent.lost:
            for c in task.containers:
                c.last_status = CS.STOPPED
            self._all_stopped(task)
            return
        timeouts = [
            c.stop_timeout for c in task.task_definition.containers if c.stop_timeout is not None
        ]
        timeout = float(max(timeouts)) if timeouts else self.timings.default_stop_timeout
        agent.stop_task(task.arn, timeout)

    def _all_stopped(self, task: task_mod.Task) -> None:
        if task.last_status is S.STOPPED:
            return
        now = self.store.clock.now
        task.execution_stopped_at = now
        self.set_status(task, S.DEPROVISIONING)
        delay = _deprovisioning(self.timings, task)
        if delay <= 0:
            self._to_stopped(task)
        else:
            self._after(delay, task, S.DEPROVISIONING, self._to_stopped)

    def _to_stopped(self, task: task_mod.Task) -> None:
        task.stopped_at = self.store.clock.now
        self._gates.pop(task.arn, None)
        self._release(task)
        self.set_status(task, S.STOPPED)
        self._schedule_forget(task, self.timings.retention)

    def _schedule_forget(self, task: task_mod.Task, delay: float) -> None:
        def forget() -> None:
            self.store.tasks.pop(task.arn, None)
            if task.service_name is not None:
                self.store.tasks_of_service(task.cluster_arn, task.service_name).pop(task.arn, None)

        self.store.clock.schedule(max(0.0, delay), forget, priority=5)

    # -- resuming from a state file ------------------------------------------------------------
    def resume(self, task: task_mod.Task) -> None:
        """Carry on with a task read back from a state file: derive its timers again, and let
        its instance's agent take charge of (adopt) its containers."""
        store, status = self.store, task.last_status
        if status is S.STOPPED:
            stopped = task.stopped_at if task.stopped_at is not None else store.clock.now
            self._schedule_forget(task, stopped + self.timings.retention - store.clock.now)
            return
        if status is S.PROVISIONING:
            if not task.host_arn:  # waiting for capacity: placed by capacity.place_waiting
                if task.desired_status != DESIRED.RUNNING:
                    self._after(0.0, task, S.PROVISIONING, self._to_stopping)
                return
            self._after(0.0, task, S.PROVISIONING, self._to_pending)
            return
        agent = store.agents.get(task.host_arn)
        if agent is None or agent.lost:
            return
        spec = self.spec(task)
        known = {
            c.name: (base.ContainerState(c.last_status._value_), c.bindings)
            for c in task.containers
        }
        found = agent.runtime.adopt(spec, known)
        if status is S.PENDING and task.desired_status == DESIRED.RUNNING and not found:
            agent.start_task(spec)
            return
        self.reconcile_containers(task, found)
        status = task.last_status
        if status in (S.ACTIVATING, S.DEACTIVATING):
            self._enter_gated(task, status)
        elif status is S.STOPPING:
            agent.stop_task(task.arn, self.timings.default_stop_timeout)
        elif status is S.DEPROVISIONING:
            self._after(0.0, task, S.DEPROVISIONING, self._to_stopped)

    # -- stopping ------------------------------------------------------------------------------
    def stop(self, task: task_mod.Task, stop_code: str, reason: str) -> bool:
        """Set desired STOPPED (once) and walk the task down. Returns False if already stopping."""
        if task.desired_status == DESIRED.STOPPED:
            return False
        task.desired_status = DESIRED.STOPPED
        task.stop_code = stop_code
        task.stopped_reason = reason
        task.stopping_at = self.store.clock.now
        task.version += 1
        self._unclaim(task)
        self.store.record(
            EV.TASK_STATE_CHANGE,
            f"task {task.id} desired STOPPED ({stop_code}: {reason})",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
            lastStatus=task.last_status.value,
            desiredStatus=DESIRED.STOPPED._value_,
            stopCode=stop_code,
            stoppedReason=reason,
        )
        if task.service_name is not None:
            self.on_change(task)
        if task.last_status in (S.PENDING, S.RUNNING):
            # The next step happens on the clock, not inside the call: right after StopTask,
            # ECS answers desiredStatus STOPPED with lastStatus still RUNNING.
            self._after(0.0, task, task.last_status, self._begin_stopping)
        elif task.last_status is S.PROVISIONING and not task.host_arn:
            # waiting for capacity (no instance yet): nothing runs, it goes straight down
            self._after(0.0, task, S.PROVISIONING, self._to_stopping)
        # PROVISIONING and ACTIVATING finish their step first, then notice desired STOPPED;
        # a task that must stop is not kept waiting at the activation gate (for its load
        # balancer's first healthy check, say): its holds are dropped.
        state = self._gates.get(task.arn)
        if state is not None and state.gate == ACTIVATION and state.holds:
            state.holds.clear()
            self.store.clock.schedule(0.0, lambda: self._maybe_pass(task, state))
        return True

    def _begin_stopping(self, task: task_mod.Task) -> None:
        if task.last_status is S.RUNNING:
            self.set_status(task, S.DEACTIVATING)
            self._enter_gated(task, S.DEACTIVATING)
        elif task.last_status in (S.PENDING, S.ACTIVATING):
            self._to_stopping(task)

    def force_stopped(self, task: task_mod.Task, stop_code: str, reason: str) -> None:
        """The host is gone: the task is STOPPED now, whatever it was doing."""
        self.stop(task, stop_code, reason)
        for c in task.containers:
            if c.last_status != CS.STOPPED:
                c.last_status = CS.STOPPED
        task.execution_stopped_at = self.store.clock.now
        if task.last_status is not S.STOPPED:
            self._to_stopped(task)

    # -- what agents report --------------------------------------------------------------------
    def on_report(self, report: agent_mod.AgentReport) -> None:
        for event in report.events:
            self.apply_event(event)
        if report.inventory is not None:
            self._reconcile_inventory(report.instance_arn, report.inventory)

    def apply_event(self, ev: base.ContainerEvent) -> None:
        task = self.store.tasks.get(ev.task_arn)
        if task is None or task.last_status is S.STOPPED:
            return
        c = task.container(ev.container_name)
        if c is None:
            return
        now = self.store.clock.now
        if ev.runtime_id and ev.runtime_id != c.runtime_id:
            c.runtime_id = ev.runtime_id
            task.version += 1
        if ev.health is not None and ev.health != c.health_status:
            c.health_status = HEALTH(ev.health)
            before = task.health_status
            task.health_status = task.essential_health()
            task.version += 1
            self.store.record(
                EV.CONTAINER_STATE_CHANGE,
                f"container {c.name} of task {task.id} is {c.health_status._value_}",
                cluster_arn=task.cluster_arn,
                subject=task.arn,
                container=c.name,
                healthStatus=c.health_status._value_,
            )
            if task.health_status != before and task.service_name is not None:
                self.on_change(task)
        if ev.state._value_ == c.last_status:
            return
        c.last_status = CS(ev.state._value_)
        task.version += 1
        if ev.state is base.ContainerState.RUNNING:
            c.bindings = ev.bindings
            if ev.image_digest is not None:
                c.image_digest = ev.image_digest
            if task.attachments:  # a runtime with real networking knows the real address
                agent = self.store.agents.get(task.host_arn)
                if agent is not None:
                    fargate_mod.use_real_address(task, agent.task_address(task.arn))
            self.store.record(
                EV.CONTAINER_STATE_CHANGE,
                f"container {c.name} of task {task.id} RUNNING",
                cluster_arn=task.cluster_arn,
                subject=task.arn,
                container=c.name,
                lastStatus=CS.RUNNING._value_,
            )
            if task.last_status is S.PENDING and all(
                x.last_status == CS.RUNNING for x in task.containers
            ):
                task.pull_stopped_at = task.pull_started_at
                task.started_at = now
                self.set_status(task, S.ACTIVATING)
                self._enter_gated(task, S.ACTIVATING)
            return
        # STOPPED
        c.exit_code = ev.exit_code
        c.reason = ev.reason
        c.bindings = ()
        self.store.record(
            EV.CONTAINER_STATE_CHANGE,
            f"container {c.name} of task {task.id} STOPPED (exit {ev.exit_code})",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
            container=c.name,
            lastStatus=CS.STOPPED._value_,
            exitCode=ev.exit_code,
            reason=ev.reason,
        )
        if task.desired_status == DESIRED.RUNNING:
            if ev.start_failed:
                # The runtime reports the container that failed first, with ECS's start error
                # (CannotPullContainerError: ..., CannotStartContainerError: ...).
                reason = ev.reason or (
                    "CannotStartContainerError: the container did not start"  # our wording
                )
                self.stop(task, "TaskFailedToStart", reason)
            elif c.essential:
                self.stop(task, "EssentialContainerExited", "Essential container in task exited")
        if task.last_status is S.STOPPING and all(
            x.last_status == CS.STOPPED for x in task.containers
        ):
            self._all_stopped(task)

    def _reconcile_inventory(
        self, instance_arn: str, inventory: dict[str, dict[str, base.ContainerState]]
    ) -> None:
        """After a reconnect: containers ECS thinks are running but the host no longer has."""
        for task in list(self.store.tasks.values()):
            if task.host_arn != instance_arn or task.last_status is S.STOPPED:
                continue
            if task.last_status in (S.PROVISIONING,):
                continue
            self.reconcile_containers(task, inventory.get(task.arn, {}))

    def reconcile_containers(
        self, task: task_mod.Task, found: dict[str, base.ContainerState]
    ) -> None:
        """Containers ECS believes RUNNING that the host no longer runs are reported STOPPED."""
        for c in task.containers:
            if c.last_status == CS.RUNNING and found.get(c.name) is not base.ContainerState.RUNNING:
                self.apply_event(
                    base.ContainerEvent(
                        task.arn,
                        c.name,
                        base.ContainerState.STOPPED,
                        exit_code=137,
                        reason="DockerContainerNotFound: the container is gone from the host",
                    )
                )

    # -- the runtime's view of a task ----------------------------------------------------------
    def spec(self, task: task_mod.Task) -> base.TaskSpec:
        """What the runtime needs to run ``task``. Per-task variables (``ECS_TASK_ARN`` ...) are
        the runtime's to inject: container specs are shared by every task of a revision."""
        td = task.task_definition
        overrides = task.overrides.get("containerOverrides") if task.overrides else None
        if overrides:
            containers = container_specs(td, overrides)
        else:
            cached = self._specs.get(td.arn)
            if cached is None:
                cached = self._specs[td.arn] = container_specs(td, None)
            containers = cached
        volumes = self._volumes.get(td.arn)
        if volumes is None:
            volumes = self._volumes[td.arn] = tuple(
                (v.name, v.host_source_path) for v in td.volumes
            )
        return base.TaskSpec(
            task_arn=task.arn,
            task_id=task.id,
            cluster=arns.cluster_name(task.cluster_arn),
            instance_id=arns.resource_id(task.host_arn),
            task_definition_arn=td.arn,
            family=td.family,
            network_mode=td.network_mode,
            containers=containers,
            service_name=task.service_name,
            group=task.group,
            volumes=volumes,
        )


def _instance_subnet(
    instance: ci_mod.ContainerInstance, network_configuration: dict[str, Any] | None
) -> str | None:
    """The subnet of an awsvpc task's ENI on an EC2 instance: the instance's own if given, else
    the first given subnet in the instance's zone, else the first given."""
    vpc = (network_configuration or {}).get("awsvpcConfiguration") or {}
    subnets = [str(s) for s in vpc.get("subnets") or []]
    own = instance.attributes.get("ecs.subnet-id")
    if own in subnets or not subnets:
        return own
    zone = instance.availability_zone
    same = [s for s in subnets if fargate_mod.availability_zone(s) == zone]
    return (same or subnets)[0]


def container_specs(td: td_mod.TaskDefinition, overrides: object) -> tuple[base.ContainerSpec, ...]:
    """Container definitions (plus RunTask ``containerOverrides``) → runtime container specs."""
    by_name: dict[str, dict[str, Any]] = {}
    if isinstance(overrides, list):
        by_name = {str(o.get("name")): o for o in overrides if isinstance(o, dict)}
    out = []
    for c in td.containers:
        o = by_name.get(c.name, {})
        env = dict(c.environment)
        env.update({str(e["name"]): str(e.get("value", "")) for e in o.get("environment", [])})
        out.append(
            base.ContainerSpec(
                name=c.name,
                image=c.image,
                cpu=int(o.get("cpu", c.cpu)),
                memory=o.get("memory", c.memory),
                memory_reservation=o.get("memoryReservation", c.memory_reservation),
                essential=c.essential,
                command=tuple(o["command"]) if o.get("command") else c.command,
                entry_point=c.entry_point,
                environment=tuple(sorted(env.items())),
                ports=c.port_mappings,
                links=c.links,
                depends_on=c.depends_on,
                health_check=c.health_check,
                stop_timeout=c.stop_timeout,
                docker_labels=c.docker_labels,
                privileged=c.privileged,
                user=c.user,
                working_directory=c.working_directory,
                mount_points=tuple(
                    (m.source_volume, m.container_path, m.read_only) for m in c.mount_points
                ),
            )
        )
    return tuple(out)
