"""The service scheduler's decisions, as pure functions.

Reconciliation is level-based (as in kopf and Kubernetes): every tick looks at what is running
now and compares it with what the service wants, without remembering how it got there. Planning
twice in a row without anything changing in between gives an empty plan the second time.

``plan_replica`` implements ECS's rolling update rules
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html):
``maximumPercent`` caps RUNNING + PENDING tasks at ``floor(desired × max / 100)`` and
``minimumHealthyPercent`` keeps at least ``ceil(desired × min / 100)`` healthy tasks while old
ones are stopped. Tasks of an older deployment, tasks on DRAINING instances and tasks that failed
their health checks are *stale*: they are replaced within those two limits. A task counts as
healthy once it has been RUNNING for 40 seconds, or once its essential containers' health checks
pass. A task with scale-in protection (UpdateTaskProtection) is never chosen for scale-in and is
not stopped by a deployment: the rollout waits for it. ``deadlocked`` (the "unable to stop or
start tasks ... because of the service deployment configuration" event) is for a configuration
that can never make progress, with every task RUNNING and healthy, not for a rollout that is
waiting for its new tasks to count as healthy.

The control plane applies a plan (``ControlPlane._apply_plan``); this module touches nothing.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "HEALTHY_AFTER_SECONDS",
    "ServicePlan",
    "StopWhy",
    "TaskFacts",
    "failure_threshold",
    "max_tasks",
    "min_healthy_tasks",
    "plan_daemon",
    "plan_replica",
    "unable_to_place_message",
]

#: Without health checks or a load balancer, a task is healthy after 40 s RUNNING [bc].
HEALTHY_AFTER_SECONDS = 40.0
#: Service scheduler launch rate on EC2: at most 250 tasks per minute per service.
LAUNCHES_PER_MINUTE = 250
#: Deployment circuit breaker: threshold = 0.5 × desired count, at least 3 and at most 200
#: (API Reference, ServiceDeploymentCircuitBreaker.threshold; older guides said at least 10).
CIRCUIT_BREAKER_MIN = 3
CIRCUIT_BREAKER_MAX = 200


class StopWhy(str, enum.Enum):
    SCALE_IN = "SCALE_IN"  # more tasks than desired
    DEPLOYMENT = "DEPLOYMENT"  # replaced by a newer deployment
    DRAINING = "DRAINING"  # its instance is DRAINING
    UNHEALTHY = "UNHEALTHY"  # failed its container health checks
    DAEMON_EXTRA = "DAEMON_EXTRA"  # a second daemon task on one instance


class TaskFacts(NamedTuple):
    """What the planner knows about one of the service's tasks with desired status RUNNING."""

    arn: str
    deployment_id: str
    instance: int  # index of its instance in the cluster
    running: bool  # lastStatus RUNNING (or later while still desired RUNNING)
    healthy: bool  # counts towards minimumHealthyPercent
    unhealthy: bool = False  # an essential container reported UNHEALTHY
    on_draining: bool = False
    protected: bool = False  # task scale-in protection (UpdateTaskProtection) is on


@dataclass(frozen=True)
class ServicePlan:
    start: int = 0  # new tasks of the PRIMARY deployment to place
    surplus: int = 0  # good tasks to stop for scale-in (the control plane ranks which)
    stop: tuple[tuple[str, StopWhy], ...] = ()
    start_on: tuple[int, ...] = ()  # DAEMON: instance indexes that need a task
    deadlocked: bool = False  # deployment configuration forbids any progress

    @property
    def empty(self) -> bool:
        return not (self.start or self.surplus or self.stop or self.start_on)


def max_tasks(desired: int, maximum_percent: int) -> int:
    """RUNNING + PENDING cap: rounded down."""
    return math.floor(desired * maximum_percent / 100)


def min_healthy_tasks(desired: int, minimum_healthy_percent: int) -> int:
    """Healthy floor: rounded up."""
    return math.ceil(desired * minimum_healthy_percent / 100)


def failure_threshold(desired: int) -> int:
    """Failed tasks that trip the deployment circuit breaker: ceil(0.5 × desired) in [3, 200]."""
    return min(CIRCUIT_BREAKER_MAX, max(CIRCUIT_BREAKER_MIN, math.ceil(desired * 0.5)))


def stale_reason(t: TaskFacts, primary_id: str) -> StopWhy | None:
    if t.unhealthy:
        return StopWhy.UNHEALTHY
    if t.on_draining:
        return StopWhy.DRAINING
    if t.deployment_id != primary_id:
        return StopWhy.DEPLOYMENT
    return None


def plan_replica(
    *,
    desired: int,
    minimum_healthy_percent: int,
    maximum_percent: int,
    primary_id: str,
    tasks: Sequence[TaskFacts],
    launch_budget: int,
) -> ServicePlan:
    """Decide starts and stops for a REPLICA service. Pure."""
    stale = [(t, why) for t in tasks if (why := stale_reason(t, primary_id)) is not None]
    good = [t for t in tasks if stale_reason(t, primary_id) is None]
    stops: list[tuple[str, StopWhy]] = []
    # Stale tasks that never got to RUNNING go at once: they hold no one's traffic. A protected
    # task is not stopped by a deployment (task scale-in protection).
    for t, why in stale:
        if not t.running and not (t.protected and why is StopWhy.DEPLOYMENT):
            stops.append((t.arn, why))
    # Scale-in never picks a protected task: with every extra task protected, the service runs
    # more tasks than desired until protection is removed or expires.
    surplus = min(max(0, len(good) - desired), sum(1 for t in good if not t.protected))
    alive_after = len(tasks) - len(stops) - surplus
    need = desired - (len(good) - surplus)
    room = max_tasks(desired, maximum_percent) - alive_after
    start = max(0, min(need, room, launch_budget))
    # Stale RUNNING tasks go within minimumHealthyPercent: unhealthy ones first.
    floor = min_healthy_tasks(desired, minimum_healthy_percent)
    stopped = {arn for arn, _ in stops}
    healthy_now = sum(1 for t in tasks if t.healthy and t.arn not in stopped)
    held = {t.arn for t, why in stale if t.protected and why is StopWhy.DEPLOYMENT}
    running_stale = sorted(
        ((t, why) for t, why in stale if t.running and t.arn not in held),
        key=lambda tw: (tw[0].healthy, tw[1] is not StopWhy.UNHEALTHY, tw[0].arn),
    )
    for t, why in running_stale:
        if why is StopWhy.UNHEALTHY:
            stops.append((t.arn, why))  # failed its health checks: replaced whatever the floor
        elif t.healthy:
            if healthy_now - 1 >= floor:
                stops.append((t.arn, why))
                healthy_now -= 1
        elif healthy_now >= floor:
            # still warming up (RUNNING < 40 s): it does not count as healthy, but it only goes
            # once the healthy tasks left meet the floor without it
            stops.append((t.arn, why))
    # A deadlock is the configuration's doing only: every task is RUNNING and healthy, so
    # waiting cannot change anything, and still no task may be started (maximumPercent) nor
    # stopped (minimumHealthyPercent). A rollout waiting for new tasks to start or to count as
    # healthy (RUNNING 40 s, health checks, a load balancer) is not deadlocked.
    settled = all(t.running and t.healthy for t in tasks)
    deadlocked = (
        bool(running_stale)
        and start == 0
        and not stops
        and not surplus
        and need > 0
        and launch_budget > 0
        and settled
        and not held
    )
    return ServicePlan(start=start, surplus=surplus, stop=tuple(stops), deadlocked=deadlocked)


def plan_daemon(
    *,
    primary_id: str,
    eligible: Sequence[int],
    draining: Sequence[int],
    tasks: Sequence[TaskFacts],
    stopping: Sequence[int] = (),
    replicas_on: Sequence[int] = (),
    minimum_healthy_percent: int = 0,
) -> ServicePlan:
    """One task on every eligible instance; none on DRAINING ones; old revisions replaced.

    DAEMON services roll with maximumPercent 100: on each instance the old task is stopped
    first, and the new one starts only once the old one is STOPPED (``stopping`` lists the
    instances where one of the service's tasks is still on its way down).
    ``minimumHealthyPercent`` (0 by default for daemons) bounds how many instances are between
    an old and a new task at once. On a DRAINING instance the daemon task stops last: only once
    no REPLICA service task remains there (``replicas_on`` lists the draining instances that
    still hold one).
    """
    stops: list[tuple[str, StopWhy]] = []
    by_instance: dict[int, list[TaskFacts]] = {}
    for t in tasks:
        by_instance.setdefault(t.instance, []).append(t)
    drain = set(draining)
    waiting = set(replicas_on)
    floor = min_healthy_tasks(len(eligible), minimum_healthy_percent)
    healthy_now = sum(1 for t in tasks if t.healthy and t.instance not in drain)
    old: list[TaskFacts] = []
    for inst, ts in sorted(by_instance.items()):
        if inst in drain:
            if inst not in waiting:
                stops.extend((t.arn, StopWhy.DRAINING) for t in sorted(ts, key=lambda t: t.arn))
            continue
        keep_one = True
        for t in sorted(ts, key=lambda t: (t.deployment_id != primary_id, t.arn)):
            if not keep_one:
                stops.append((t.arn, StopWhy.DAEMON_EXTRA))
            elif t.unhealthy:
                stops.append((t.arn, StopWhy.UNHEALTHY))
            elif t.deployment_id != primary_id:
                old.append(t)
                keep_one = False
            else:
                keep_one = False
    # old revisions: not-yet-healthy ones first, healthy ones while the floor allows
    for t in sorted(old, key=lambda t: (t.healthy, t.arn)):
        if t.healthy and healthy_now - 1 >= floor:
            stops.append((t.arn, StopWhy.DEPLOYMENT))
            healthy_now -= 1
        elif not t.healthy and healthy_now >= floor:
            stops.append((t.arn, StopWhy.DEPLOYMENT))
    busy = set(stopping)
    start_on = tuple(
        i for i in eligible if i not in by_instance and i not in drain and i not in busy
    )
    return ServicePlan(stop=tuple(stops), start_on=start_on)


# ---------------------------------------------------------------- the unable-to-place event
TROUBLESHOOTING = (
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
)
CLOSEST = {
    "AGENT": "doesn't have the agent connected.",
    "RESOURCE:CPU": "has insufficient CPU units available.",
    "RESOURCE:MEMORY": "has insufficient memory available.",
    "RESOURCE:GPU": "has insufficient GPU available.",  # our wording
    "RESOURCE:PORTS": "is already using a port required by your task.",
    "ATTRIBUTE": "is missing an attribute required by your task.",
}


def unable_to_place_message(service_name: str, instance_id: str | None, reason: str | None) -> str:
    head = (
        f"(service {service_name}) was unable to place a task because no container instance met "
        "all of its requirements."
    )
    if instance_id is None or reason is None:
        return (
            f"{head} Reason: No Container Instances were found in your cluster. {TROUBLESHOOTING}"
        )
    # observed: encountered error "MemberOf placement constraint unsatisfied." (no second period)
    stop = "" if reason.endswith(".") else "."
    phrase = CLOSEST.get(reason, f'encountered error "{reason}"{stop}')
    return (
        f"{head} The closest matching (container-instance {instance_id}) {phrase} {TROUBLESHOOTING}"
    )
