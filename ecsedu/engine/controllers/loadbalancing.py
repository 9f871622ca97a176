"""Elastic Load Balancing (Application Load Balancers) on the engine: the model and its loop.

One ``LoadBalancing`` object per engine (``of(engine)``) holds the load balancers, listeners and
target groups, and is at once:

* a **controller** (registered in the engine's ``Controllers``): a service task that stops
  leaves its target groups;
* a **gate participant** of the task lifecycle: a service task with ``loadBalancers`` waits in
  ACTIVATING until each of its targets is registered and has passed its first health check
  (ALB: "After your target is registered, it must pass one health check to be considered
  healthy"), and in DEACTIVATING while its targets are ``draining`` (the target group's
  ``deregistration_delay.timeout_seconds``, 300 s by default). A task of a task set (EXTERNAL
  deployment controller) registers in its task set's ``loadBalancers``, not the service's.

Target health follows ELB's states and reason codes: ``initial`` (``Elb.RegistrationInProgress``
then ``Elb.InitialHealthChecking``), ``healthy``, ``unhealthy`` (``Target.ResponseCodeMismatch``,
``Target.Timeout``, ``Target.FailedHealthChecks``) after ``UnhealthyThresholdCount`` failures
(``HealthyThresholdCount`` successes bring it back), ``draining``
(``Target.DeregistrationInProgress``) and ``unused`` (``Target.NotRegistered``). Each target is
checked every ``HealthCheckIntervalSeconds`` on the engine's clock.

Who answers the checks and carries the traffic is the *backend*: on the simulated runtime the
model itself (a running container answers ``/``, ``/index.html`` and ``/health`` with 200, any
other path 404, an UNHEALTHY container 503; the service's ``rps`` from the load model is
spread round-robin over the healthy targets; a service with task sets sends it to the target
group of its *production* listener only, the lowest port among the listeners forwarding to its
task sets' target groups, so that switching a listener shifts the traffic); on Docker the
engine's ``lb_backend`` (a real HTTP proxy on 127.0.0.1, injected by the composition root)
answers checks and counts requests.

A service task that fails its checks is stopped by ECS, as ECS does: "Task failed ELB health
checks in (target-group ...)".
"""

from __future__ import annotations

import collections
import hashlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu import ids as ids_mod
from ecsedu.engine import lifecycle as lifecycle_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

__all__ = [
    "DEFAULT_SUBNETS",
    "DEFAULT_VPC",
    "Backend",
    "Listener",
    "LoadBalancer",
    "LoadBalancing",
    "Target",
    "TargetGroup",
    "check_service_load_balancers",
    "dump",
    "find",
    "load_balancers_of",
    "of",
    "restore",
]

S = task_mod.TaskStatus
EV = events_mod.EventKind

#: The account's default VPC and its subnets (one per Availability Zone), the only network
#: ecsedu's container instances live in. Any other well-formed VPC id counts as "another VPC".
DEFAULT_VPC = "vpc-0ec5ed00000000001"
DEFAULT_SUBNETS = {
    "subnet-0ec5ed0000000000a": "us-east-1a",
    "subnet-0ec5ed0000000000b": "us-east-1b",
    "subnet-0ec5ed0000000000c": "us-east-1c",
}
#: Target group defaults for HTTP as ELB documents them.
HEALTH_DEFAULTS: dict[str, Any] = {
    "HealthCheckProtocol": "HTTP",
    "HealthCheckPort": "traffic-port",
    "HealthCheckEnabled": True,
    "HealthCheckPath": "/",
    "HealthCheckIntervalSeconds": 30,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 5,
    "UnhealthyThresholdCount": 2,
    "Matcher": {"HttpCode": "200"},
}
DEREGISTRATION_DELAY = 300
#: How long registering a target takes (``Elb.RegistrationInProgress``), simulated / wall clock.
REGISTRATION_SECONDS = 5.0
REGISTRATION_SECONDS_WALL = 0.2
#: Paths a simulated container serves with 200 (any other path: 404).
SIMULATED_PATHS = frozenset({"/", "/index.html", "/health"})

#: ELB's descriptions of each reason code (describe-target-health "Description").
DESCRIPTIONS = {
    "Elb.RegistrationInProgress": "Target registration is in progress",
    "Elb.InitialHealthChecking": "Initial health checks in progress",
    "Target.ResponseCodeMismatch": "Health checks failed with these codes: [{code}]",
    "Target.Timeout": "Request timed out",
    "Target.FailedHealthChecks": "Health checks failed",
    "Target.NotRegistered": "Target is not registered to the target group",
    "Target.DeregistrationInProgress": "Target deregistration is in progress",
    "Target.NotInUse": "Target group is not configured to receive traffic from the load balancer",
}


#: One health check's outcome: (passed, failure reason code, HTTP code).
Probe = tuple[bool, str | None, int | None]
_FAILED: Probe = (False, "Target.FailedHealthChecks", None)


class Backend(Protocol):
    """The real data plane (Docker: ``ecsedu.runtimes.docker.proxy.ProxyBackend``)."""

    def open_listener(self, key: str, port: int) -> int: ...

    def close_listener(self, key: str) -> None: ...

    def set_targets(self, key: str, addresses: list[str]) -> None: ...

    def counts(self) -> dict[str, int]: ...

    def check(
        self,
        addresses: list[str],
        path: str,
        timeout: float,
        codes: frozenset[int],
        done: Callable[[dict[str, tuple[bool, str | None, int | None]]], None] | None = None,
    ) -> dict[str, tuple[bool, str | None, int | None]]: ...

    def close(self) -> None: ...


# ============================================================================ the model
@dataclass
class Target:
    id: str  # instance id (bridge/host) or IP (awsvpc), as ELB shows it
    port: int
    registered_at: float
    state: str = "initial"
    reason: str | None = "Elb.RegistrationInProgress"
    description: str | None = DESCRIPTIONS["Elb.RegistrationInProgress"]
    task_arn: str | None = None
    container: str | None = None
    address: str | None = None  # host:port the load balancer forwards to
    ok: int = 0  # consecutive successful checks
    failed: int = 0  # consecutive failed checks
    checks: int = 0
    requests: int = 0
    drain_until: float | None = None
    epoch: int = 0  # bumps on (re)registration: stale timers notice

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.port)

    def set(self, state: str, reason: str | None, **fmt: object) -> bool:
        changed = (state, reason) != (self.state, self.reason)
        self.state, self.reason = state, reason
        self.description = None if reason is None else DESCRIPTIONS[reason].format(**fmt)
        return changed


@dataclass
class TargetGroup:
    arn: str
    name: str
    protocol: str
    port: int
    vpc_id: str
    target_type: str
    health: dict[str, Any]
    attributes: dict[str, str]
    created_at: float
    protocol_version: str = "HTTP1"
    lb_arns: list[str] = field(default_factory=list)
    targets: dict[tuple[str, int], Target] = field(default_factory=dict)
    rr: int = 0  # round-robin position (simulated traffic)
    carry: float = 0.0  # fractional requests not yet given out
    accounted_at: float | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def deregistration_delay(self) -> float:
        return float(self.attributes.get("deregistration_delay.timeout_seconds", "300"))

    def codes(self) -> frozenset[int]:
        return parse_matcher(str(self.health["Matcher"].get("HttpCode", "200")))


@dataclass
class Listener:
    arn: str
    lb_arn: str
    port: int
    protocol: str
    target_group_arn: str
    default_actions: list[dict[str, Any]]
    address: str | None = None  # Docker: the proxy's 127.0.0.1:port


@dataclass
class LoadBalancer:
    arn: str
    name: str
    dns_name: str
    vpc_id: str
    subnets: list[str]
    scheme: str
    type: str
    ip_address_type: str
    security_groups: list[str]
    created_at: float
    listeners: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)


def parse_matcher(text: str) -> frozenset[int]:
    """ELB's HttpCode: ``"200"``, ``"200,202"`` or ``"200-299"``."""
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.update(range(int(lo), int(hi) + 1))
        elif part:
            out.add(int(part))
    return frozenset(out)


# ============================================================================ the controller
class LoadBalancing:
    """The engine's load balancers, target groups and targets, and their health-check loop."""

    name = "loadbalancing"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.load_balancers: dict[str, LoadBalancer] = {}
        self.listeners: dict[str, Listener] = {}
        self.target_groups: dict[str, TargetGroup] = {}
        self._serial = itertools.count(1)
        self._backend: Backend | None = None
        self._backend_tried = False
        # finished asynchronous health checks (Docker), applied by the engine under its lock
        self._results: collections.deque[tuple[TargetGroup, Target, int, Probe]] = (
            collections.deque()
        )

    # -- helpers -------------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        return self.engine.store

    @property
    def now(self) -> float:
        return float(self.engine.clock.now)

    def hex_id(self, kind: str, name: str) -> str:
        """A deterministic 16-hex id (no random stream consumed: ids of a seed never move)."""
        text = f"{self.engine.seed}:{kind}:{name}:{next(self._serial)}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def arn(self, resource: str) -> str:
        return f"arn:aws:elasticloadbalancing:{ids_mod.REGION}:{ids_mod.ACCOUNT}:{resource}"

    def backend(self) -> Backend | None:
        """The real data plane, built on first use from ``engine.lb_backend`` (None: modelled)."""
        if self._backend is None and not self._backend_tried:
            self._backend_tried = True
            factory = getattr(self.engine, "lb_backend", None)
            if factory is not None:
                self._backend = factory()
                self.engine.pollers.append(self._apply_finished_checks)
                previous = self.engine.on_close
                backend = self._backend

                def on_close(cleanup: bool) -> None:
                    try:
                        backend.close()
                    finally:
                        if previous is not None:
                            previous(cleanup)

                self.engine.on_close = on_close
        return self._backend

    def touch(self) -> None:
        self.store.touch()

    # -- controller: tasks that stop leave their target groups ----------------------------------
    def on_task_change(self, task: task_mod.Task) -> None:
        if task.last_status in (S.STOPPING, S.DEPROVISIONING, S.STOPPED):
            for tg, target in self.targets_of(task.arn):
                if target.state != "draining":
                    self.deregister(tg, target, hold_task=False)

    def targets_of(self, task_arn: str) -> list[tuple[TargetGroup, Target]]:
        return [
            (tg, t)
            for tg in self.target_groups.values()
            for t in tg.targets.values()
            if t.task_arn == task_arn
        ]

    # -- gate participant ----------------------------------------------------------------------
    def hold(self, task: task_mod.Task, gate: str) -> bool:
        if gate == lifecycle_mod.ACTIVATION:
            service = self.service_of(task)
            if service is None or task.desired_status != task_mod.DesiredStatus.RUNNING:
                return False
            held = False
            for lb in load_balancers_of(service, task):
                tg = self.target_groups.get(str(lb.get("targetGroupArn", "")))
                if tg is None:
                    continue
                target = self.register_task(
                    tg, task, str(lb.get("containerName")), int(lb.get("containerPort", 0)), service
                )
                if target is not None and target.state != "healthy":
                    held = True
            return held
        # deactivation: every target of the task drains
        pairs = self.targets_of(task.arn)
        for tg, target in pairs:
            if target.state != "draining":
                self.deregister(tg, target, hold_task=True)
        return any(t.state == "draining" for _, t in pairs)

    def service_of(self, task: task_mod.Task) -> service_mod.Service | None:
        if task.service_name is None:
            return None
        cluster = arns_mod.cluster_name(task.cluster_arn)
        service: service_mod.Service | None = self.store.services.get(
            arns_mod.service(cluster, task.service_name)
        )
        return service

    def _release_if_done(self, task_arn: str | None, gate: str) -> None:
        if task_arn is None:
            return
        task = self.store.tasks.get(task_arn)
        if task is None:
            return
        pairs = self.targets_of(task_arn)
        if gate == lifecycle_mod.ACTIVATION:
            if all(t.state == "healthy" for _, t in pairs):
                self.engine.lifecycle.release(task, gate, self.name)
        elif not any(t.state == "draining" for _, t in pairs):
            self.engine.lifecycle.release(task, gate, self.name)

    # -- targets -------------------------------------------------------------------------------
    def resolve(
        self, task: task_mod.Task, container: str, port: int
    ) -> tuple[str, int, str | None]:
        """(target id, target port, address) of ``task``'s ``container``:``port``."""
        inst = self.store.instances.get(task.host_arn) or self.store.fargate_hosts.get(
            task.host_arn
        )
        c = task.container(container)
        host_port, host_ip = port, None
        if c is not None:
            for cport, hport, _proto, ip in c.bindings:
                if int(cport) == port:
                    host_port, host_ip = int(hport), ip
                    break
        address_host = host_ip if host_ip and host_ip != "0.0.0.0" else None
        if address_host is None and inst is not None:
            address_host = getattr(inst, "address", None) or "127.0.0.1"
        if task.task_definition.network_mode == "awsvpc":
            digest = hashlib.sha256(task.arn.encode()).digest()
            ip = task.private_ip or f"10.0.{digest[0]}.{max(4, digest[1])}"
            return ip, port, f"{address_host or ip}:{host_port}"
        ec2 = inst.ec2_instance_id if inst is not None else task.host_arn
        return ec2, host_port, f"{address_host or '127.0.0.1'}:{host_port}"

    def register_task(
        self,
        tg: TargetGroup,
        task: task_mod.Task,
        container: str,
        port: int,
        service: service_mod.Service | None,
    ) -> Target | None:
        target_id, target_port, address = self.resolve(task, container, port)
        existing = tg.targets.get((target_id, target_port))
        if existing is not None and existing.state != "draining":
            existing.task_arn, existing.container = task.arn, container
            return existing
        target = self.register(tg, target_id, target_port, address, task.arn, container)
        if service is not None:
            self.engine.services.event(
                service, f"(service {service.name}) registered 1 targets in (target-group {tg.arn})"
            )
        return target

    def register(
        self,
        tg: TargetGroup,
        target_id: str,
        port: int,
        address: str | None,
        task_arn: str | None = None,
        container: str | None = None,
    ) -> Target:
        self.accrue(tg)
        old = tg.targets.get((target_id, port))
        epoch = old.epoch + 1 if old is not None else 0
        target = Target(
            target_id,
            port,
            self.now,
            task_arn=task_arn,
            container=container,
            address=address,
            epoch=epoch,
        )
        if old is not None:
            target.requests = old.requests
        tg.targets[target.key] = target
        self.store.record(
            EV.API_CALL,
            f"target {target_id}:{port} registered in {tg.name} (initial)",
            subject=task_arn,
            targetGroup=tg.arn,
        )
        delay = REGISTRATION_SECONDS if self.engine.clock.simulated else REGISTRATION_SECONDS_WALL
        self._schedule_check(tg, target, delay)
        self.touch()
        return target

    def deregister(self, tg: TargetGroup, target: Target, *, hold_task: bool) -> None:
        """The target drains for the deregistration delay, then is gone (``unused``)."""
        self.accrue(tg)
        target.set("draining", "Target.DeregistrationInProgress")
        target.epoch += 1
        delay = tg.deregistration_delay
        target.drain_until = self.now + delay
        epoch = target.epoch
        self.store.record(
            EV.API_CALL,
            f"target {target.id}:{target.port} draining in {tg.name} for {delay:g} s",
            subject=target.task_arn,
            targetGroup=tg.arn,
        )
        service = (
            self.service_of(self.store.tasks[target.task_arn])
            if (target.task_arn in self.store.tasks)
            else None
        )
        if service is not None:
            self.engine.services.event(
                service,
                f"(service {service.name}) deregistered 1 targets in (target-group {tg.arn})",
            )
        self._sync_backend(tg)

        def done() -> None:
            current = tg.targets.get(target.key)
            if current is not target:
                # a new task registered the same id:port meanwhile: this task's draining is over
                self._release_if_done(target.task_arn, lifecycle_mod.DEACTIVATION)
                return
            if target.epoch != epoch:
                return
            self.accrue(tg)
            del tg.targets[target.key]
            self.store.record(
                EV.API_CALL,
                f"target {target.id}:{target.port} deregistered from {tg.name} (unused)",
                subject=target.task_arn,
                targetGroup=tg.arn,
            )
            self.touch()
            self._release_if_done(target.task_arn, lifecycle_mod.DEACTIVATION)

        self.engine.clock.schedule(delay, done)
        self.touch()

    # -- health checks -------------------------------------------------------------------------
    def _schedule_check(self, tg: TargetGroup, target: Target, delay: float) -> None:
        epoch = target.epoch

        def fire() -> None:
            if tg.targets.get(target.key) is not target or target.epoch != epoch:
                return
            if tg.arn not in self.target_groups:
                return
            backend = self.backend()
            if backend is not None and target.address is not None:
                self._check_later(backend, tg, target, epoch)
            else:
                self.check(tg, target)
            interval = float(tg.health["HealthCheckIntervalSeconds"])
            self._schedule_check(tg, target, interval)

        self.engine.clock.schedule(delay, fire)

    def _check_later(self, backend: Backend, tg: TargetGroup, target: Target, epoch: int) -> None:
        """Start a real health check on the proxy's thread; its result is applied by
        ``_apply_finished_checks`` at the engine's next turn (woken at once)."""
        if target.state == "draining":
            return
        address = str(target.address)
        timeout = float(tg.health["HealthCheckTimeoutSeconds"])

        def done(results: dict[str, Probe]) -> None:  # the proxy's thread: no engine state
            self._results.append((tg, target, epoch, results.get(address, _FAILED)))
            self.engine.wake()

        backend.check(
            [address], str(tg.health["HealthCheckPath"] or "/"), timeout, tg.codes(), done
        )

    def _apply_finished_checks(self) -> None:
        while self._results:
            tg, target, epoch, result = self._results.popleft()
            if tg.targets.get(target.key) is not target or target.epoch != epoch:
                continue
            if tg.arn not in self.target_groups or target.state == "draining":
                continue
            self.accrue(tg)
            self._apply(tg, target, *result)

    def probe(self, tg: TargetGroup, target: Target) -> tuple[bool, str | None, int | None]:
        """One health check: (passed, failure reason code, HTTP code)."""
        path = str(tg.health["HealthCheckPath"] or "/")
        codes = tg.codes()
        backend = self.backend()
        if backend is not None and target.address is not None:
            timeout = float(tg.health["HealthCheckTimeoutSeconds"])
            return backend.check([target.address], path, timeout, codes)[target.address]
        task = self.store.tasks.get(target.task_arn) if target.task_arn else self._task_at(target)
        if task is None or task.last_status in (S.STOPPING, S.DEPROVISIONING, S.STOPPED):
            return False, "Target.FailedHealthChecks", None
        container = task.container(target.container) if target.container else None
        if container is None or container.last_status != task_mod.ContainerStatus.RUNNING:
            return False, "Target.FailedHealthChecks", None
        if container.health_status == task_mod.HealthStatus.UNHEALTHY:
            code = 503
        else:
            code = 200 if path.split("?")[0] in SIMULATED_PATHS else 404
        if code in codes:
            return True, None, code
        return False, "Target.ResponseCodeMismatch", code

    def _task_at(self, target: Target) -> task_mod.Task | None:
        """A target registered by hand (RegisterTargets): the task listening there, if any."""
        for task in self.store.tasks.values():
            if task.last_status is not S.RUNNING:
                continue
            for c in task.containers:
                for cport, hport, _proto, _ip in c.bindings:
                    tid, tport, _ = self.resolve(task, c.name, int(cport))
                    if (tid, tport) == target.key or (
                        tid == target.id and int(hport) == target.port
                    ):
                        target.container = c.name
                        found: task_mod.Task = task
                        return found
        return None

    def check(self, tg: TargetGroup, target: Target) -> None:
        if target.state == "draining":
            return
        self.accrue(tg)
        self._apply(tg, target, *self.probe(tg, target))

    def _apply(
        self, tg: TargetGroup, target: Target, ok: bool, reason: str | None, code: int | None
    ) -> None:
        """One health check's outcome moves the target through ELB's states."""
        target.checks += 1
        before = target.state
        health = tg.health
        if ok:
            target.ok, target.failed = target.ok + 1, 0
            if before == "initial" or (
                before == "unhealthy" and target.ok >= int(health["HealthyThresholdCount"])
            ):
                target.set("healthy", None)
        else:
            target.ok, target.failed = 0, target.failed + 1
            if before == "initial" and target.reason == "Elb.RegistrationInProgress":
                target.set("initial", "Elb.InitialHealthChecking")
            if target.failed >= int(health["UnhealthyThresholdCount"]):
                assert reason is not None
                target.set("unhealthy", reason, code=code)
            elif before == "unhealthy":
                target.set("unhealthy", reason, code=code)
        if before == "initial" and target.state == "initial":
            target.set("initial", "Elb.InitialHealthChecking")
        if target.state != before:
            self._changed(tg, target, before)

    def _changed(self, tg: TargetGroup, target: Target, before: str) -> None:
        self.store.record(
            EV.API_CALL,
            f"target {target.id}:{target.port} in {tg.name}: {before} -> {target.state}"
            + (f" ({target.reason})" if target.reason else ""),
            subject=target.task_arn,
            targetGroup=tg.arn,
            state=target.state,
            reason=target.reason,
        )
        self._sync_backend(tg)
        self.touch()
        if target.state == "healthy":
            self._release_if_done(target.task_arn, lifecycle_mod.ACTIVATION)
        elif target.state == "unhealthy" and target.task_arn in self.store.tasks:
            task = self.store.tasks[target.task_arn]
            service = self.service_of(task)
            if service is None or task.desired_status != task_mod.DesiredStatus.RUNNING:
                return
            why = (
                "Health checks failed" if target.reason != "Target.Timeout" else "Request timed out"
            )
            if target.reason == "Target.ResponseCodeMismatch":
                why = str(target.description)
            self.engine.services.event(
                service,
                f"(service {service.name}) (port {target.port}) is unhealthy in "
                f"(target-group {tg.arn}) due to (reason {why}).",
            )
            self.engine.lifecycle.stop(
                task,
                "ServiceSchedulerInitiated",
                f"Task failed ELB health checks in (target-group {tg.arn})",
            )
            # an ACTIVATING task must finish its step to notice it should stop
            self.engine.lifecycle.release(task, lifecycle_mod.ACTIVATION, self.name)

    # -- traffic -------------------------------------------------------------------------------
    def services_of(self, tg: TargetGroup) -> list[service_mod.Service]:
        """The services with tasks in ``tg`` (their own ``loadBalancers`` or a task set's)."""
        out = []
        for s in self.store.services.values():
            if s.status == service_mod.ServiceStatus.INACTIVE:
                continue
            entries = list(s.request.get("loadBalancers") or [])
            for ts in s.task_sets:
                entries += ts.request.get("loadBalancers") or []
            if any(lb.get("targetGroupArn") == tg.arn for lb in entries):
                out.append(s)
        return out

    def production_target_group(self, service: service_mod.Service) -> str | None:
        """Where a service with task sets gets its traffic: the target group its *production*
        listener forwards to. Of the listeners forwarding to one of its task sets' target
        groups, that is the one with the lowest port (CodeDeploy's convention: production on
        80 / 443, a test listener on 8080 carries no modelled traffic)."""
        mine = {
            str(lb.get("targetGroupArn"))
            for ts in service.task_sets
            for lb in ts.request.get("loadBalancers") or []
        }
        listeners = [li for li in self.listeners.values() if li.target_group_arn in mine]
        if not listeners:
            return None
        return min(listeners, key=lambda li: (li.port, li.arn)).target_group_arn

    def accrue_all(self) -> None:
        """Count every target group's requests up to now (before the listeners change, so that
        the traffic so far goes where it went)."""
        for tg in self.target_groups.values():
            self.accrue(tg)

    def in_service(self, tg: TargetGroup) -> list[Target]:
        """Targets that receive requests: the healthy ones (all registered ones if none is:
        ELB fails open)."""
        live = [t for t in tg.targets.values() if t.state != "draining"]
        healthy = [t for t in live if t.state == "healthy"]
        if healthy:
            return healthy
        checked = [t for t in live if t.state == "unhealthy"]
        return checked

    def accrue(self, tg: TargetGroup) -> None:
        """Count the requests served since the last count (simulated: the load model's rps,
        round-robin; Docker: the proxy's own counters)."""
        now = self.now
        backend = self.backend()
        if backend is not None:
            counts = backend.counts()
            served: dict[str, int] = {}
            for t in tg.targets.values():
                if t.address is not None and t.address in counts:
                    delta = counts[t.address] - t.requests
                    t.requests = counts[t.address]
                    task = self.store.tasks.get(t.task_arn) if t.task_arn else None
                    service = self.service_of(task) if task is not None else None
                    if delta > 0 and service is not None:
                        served[service.arn] = served.get(service.arn, 0) + delta
            tg.accounted_at = now
            if served:  # real traffic feeds RequestCountPerTarget (ALBRequestCountPerTarget)
                from ecsedu.engine.controllers import metrics

                for service_arn, n in served.items():
                    metrics.record_requests(self.engine, service_arn, n)
            return
        last, tg.accounted_at = tg.accounted_at, now
        if last is None or now <= last:
            return
        rps = 0.0
        try:
            from ecsedu.engine.controllers import load as load_mod
        except ImportError:  # the load model is optional
            return
        for s in self.services_of(tg):
            if s.task_sets and self.production_target_group(s) != tg.arn:
                continue  # blue/green: the service's traffic reaches its production listener's
            rps += float(load_mod.service_load(self.engine, s.arn)[2])
        if not tg.lb_arns or rps <= 0:
            return
        targets = self.in_service(tg)
        if not targets:
            return
        total = rps * (now - last) + tg.carry
        n = int(total)
        tg.carry = total - n
        k = len(targets)
        each, extra = divmod(n, k)
        for i in range(k):
            t = targets[(tg.rr + i) % k]
            t.requests += each + (1 if i < extra else 0)
        tg.rr = (tg.rr + extra) % k

    def _sync_backend(self, tg: TargetGroup) -> None:
        backend = self.backend()
        if backend is None:
            return
        addresses = [t.address for t in self.in_service(tg) if t.address]
        for lb_arn in tg.lb_arns:
            lb = self.load_balancers.get(lb_arn)
            if lb is None:
                continue
            for listener_arn in lb.listeners:
                listener = self.listeners[listener_arn]
                if listener.target_group_arn == tg.arn:
                    backend.set_targets(listener.arn, addresses)

    def open_listener(self, listener: Listener) -> None:
        backend = self.backend()
        if backend is None:
            return
        port = backend.open_listener(listener.arn, listener.port)
        listener.address = f"127.0.0.1:{port}"
        lb = self.load_balancers[listener.lb_arn]
        if lb.listeners and lb.listeners[0] == listener.arn:
            lb.dns_name = listener.address
        self._sync_backend(self.target_groups[listener.target_group_arn])

    def close_listener(self, listener: Listener) -> None:
        backend = self.backend()
        if backend is not None:
            backend.close_listener(listener.arn)

    def listener_changed(self, listener: Listener, old_port: int) -> None:
        """ModifyListener: on another port the listener needs a new proxy; on the same port its
        proxy keeps running and forwards to the new target group's targets from now on."""
        backend = self.backend()
        if backend is None:
            return
        if listener.port != old_port:
            backend.close_listener(listener.arn)
            self.open_listener(listener)
            return
        tg = self.target_groups[listener.target_group_arn]
        backend.set_targets(listener.arn, [t.address for t in self.in_service(tg) if t.address])


def load_balancers_of(service: service_mod.Service, task: task_mod.Task) -> list[dict[str, Any]]:
    """The ``loadBalancers`` a service task registers in: its task set's (a task of a task set
    has ``deploymentId`` = the task set's id), else the service's."""
    for ts in service.task_sets:
        if ts.id == task.deployment_id:
            return list(ts.request.get("loadBalancers") or [])
    if service.external:
        return []
    return list(service.request.get("loadBalancers") or [])


# ============================================================================ access
def find(engine: Engine) -> LoadBalancing | None:
    """The engine's load balancing, or None if nobody used it yet."""
    found: LoadBalancing | None = engine.store.extensions.get("elb", None)
    return found


def of(engine: Engine) -> LoadBalancing:
    """The engine's load balancing (created, registered and gated in on first use)."""
    found = find(engine)
    if found is None:
        found = LoadBalancing(engine)
        engine.store.extensions["elb"] = found
        engine.controllers.register(found, priority=20)
        engine.lifecycle.register_participant(lifecycle_mod.ACTIVATION, found)
        engine.lifecycle.register_participant(lifecycle_mod.DEACTIVATION, found)
    return found


# ============================================================================ ECS's checks
def check_service_load_balancers(engine: Engine, params: dict[str, Any], td: Any, op: str) -> None:
    """CreateService / UpdateService ``loadBalancers``: ECS's own checks and messages."""
    entries = params.get("loadBalancers")
    if not entries:
        return
    elb = of(engine)
    for entry in entries:
        tg_arn = entry.get("targetGroupArn")
        if not tg_arn:
            if entry.get("loadBalancerName"):
                raise errors.ecs_error(
                    "InvalidParameterException",
                    "ecsedu models Application Load Balancers only: give targetGroupArn.",
                    op,
                )  # our wording (Classic Load Balancers are not modelled)
            raise errors.ecs_error(
                "InvalidParameterException", "Target Group Arn can not be blank.", op
            )  # our wording
        tg = elb.target_groups.get(tg_arn)
        if tg is None:
            raise errors.ecs_error(
                "InvalidParameterException",
                "Unable to assume role and validate the specified targetGroupArn. Please verify "
                "that the ECS service role being passed has the proper permissions.",
                op,
            )
        if not tg.lb_arns:
            raise errors.ecs_error(
                "InvalidParameterException",
                f"The target group with targetGroupArn {tg_arn} does not have an associated "
                "load balancer.",
                op,
            )
        name = entry.get("containerName")
        if not name:
            raise errors.ecs_error(
                "InvalidParameterException", "Container Name can not be blank.", op
            )
        if td is None:
            continue
        container = next((c for c in td.containers if c.name == name), None)
        if container is None:
            raise errors.ecs_error(
                "InvalidParameterException",
                f"The container {name} does not exist in the task definition.",
                op,
            )
        port = entry.get("containerPort")
        ports = [int(p.container_port) for p in container.port_mappings]
        if port is None or int(port) not in ports:
            raise errors.ecs_error(
                "InvalidParameterException",
                f"The container {name} did not have a container port {port} defined.",
                op,
            )
        if td.network_mode == "awsvpc" and tg.target_type != "ip":
            raise errors.ecs_error(
                "InvalidParameterException",
                f"The provided target group {tg_arn} has target type {tg.target_type}, which is "
                "incompatible with the awsvpc network mode specified in the task definition.",
                op,
            )


# ============================================================================ persistence
def dump(engine: Engine) -> dict[str, Any] | None:
    elb = find(engine)
    if elb is None:
        return None
    return {
        "load_balancers": [_plain(lb) for lb in elb.load_balancers.values()],
        "listeners": [_plain(li) for li in elb.listeners.values()],
        "target_groups": [
            {**_plain(tg, skip=("targets",)), "targets": [_plain(t) for t in tg.targets.values()]}
            for tg in elb.target_groups.values()
        ],
    }


def _plain(obj: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if k not in skip}


def restore(engine: Engine, data: dict[str, Any] | None) -> None:
    """Read back what ``dump`` wrote, before the tasks resume (their gates ask us again)."""
    if not data:
        return
    elb = of(engine)
    for entry in data.get("load_balancers", []):
        lb = LoadBalancer(**entry)
        elb.load_balancers[lb.arn] = lb
    for entry in data.get("target_groups", []):
        targets = entry.pop("targets", [])
        tg = TargetGroup(**entry)
        for t in targets:
            target = Target(**t)
            tg.targets[target.key] = target
        elb.target_groups[tg.arn] = tg
    for entry in data.get("listeners", []):
        entry = {**entry, "address": None}
        listener = Listener(**entry)
        elb.listeners[listener.arn] = listener
        elb.open_listener(listener)
    for tg in elb.target_groups.values():
        for target in list(tg.targets.values()):
            if target.state == "draining":
                remaining = max(0.0, (target.drain_until or elb.now) - elb.now)
                _finish_drain_later(elb, tg, target, remaining)
            else:
                elb._schedule_check(tg, target, 0.0)


def _finish_drain_later(elb: LoadBalancing, tg: TargetGroup, target: Target, delay: float) -> None:
    epoch = target.epoch

    def done() -> None:
        if tg.targets.get(target.key) is target and target.epoch == epoch:
            del tg.targets[target.key]
            elb.touch()
            elb._release_if_done(target.task_arn, lifecycle_mod.DEACTIVATION)

    elb.engine.clock.schedule(delay, done)


# ============================================================================ snapshot
def snapshot_views(store: Any) -> tuple[Any, ...]:
    """``Snapshot.load_balancers``: each load balancer with its target groups and targets."""
    from ecsedu.model import snapshot as snap

    elb: LoadBalancing | None = store.extensions.get("elb", None)
    if elb is None:
        return ()
    live = elb._backend.counts() if elb._backend is not None else {}
    out = []
    for lb in elb.load_balancers.values():
        listeners = [elb.listeners[a] for a in lb.listeners if a in elb.listeners]
        groups = []
        for tg_arn in dict.fromkeys(li.target_group_arn for li in listeners):
            tg = elb.target_groups.get(tg_arn)
            if tg is None:
                continue
            groups.append(
                snap.TargetGroupView(
                    arn=tg.arn,
                    name=tg.name,
                    port=tg.port,
                    protocol=tg.protocol,
                    service_arns=tuple(s.arn for s in elb.services_of(tg)),
                    targets=tuple(
                        snap.TargetView(
                            target_id=t.id,
                            port=t.port,
                            state=t.state,
                            reason=t.reason,
                            requests=live.get(t.address or "", t.requests),
                            task_arn=t.task_arn,
                            address=t.address,
                        )
                        for t in tg.targets.values()
                    ),
                    deregistration_delay=tg.deregistration_delay,
                )
            )
        out.append(
            snap.LoadBalancerView(
                arn=lb.arn,
                name=lb.name,
                dns_name=lb.dns_name,
                listener_ports=tuple(li.port for li in listeners),
                target_groups=tuple(groups),
                address=next((li.address for li in listeners if li.address), None),
            )
        )
    return tuple(out)
