"""EC2 Auto Scaling groups and ECS cluster auto scaling (managed scaling) on the engine's clock.

**The groups** (``ecs.ec2_autoscaling``). A group keeps ``DesiredCapacity`` instances. A new
instance is ``Pending`` for ``BOOT_SECONDS`` (the EC2 instance boots and its ECS agent starts),
then ``InService``; it registers as a container instance of the cluster its group's capacity
provider is associated with (a real instance joins the cluster named by ``ECS_CLUSTER`` in its
user data; ecsedu cannot read user data, so it uses the provider's cluster; an instance of a
group no associated provider uses stays out of ECS until one is associated). On Docker a new
instance is a new container agent with its own resource budget and loopback address, exactly
as ``ecs.add_instances`` makes one. When the desired capacity drops, the group terminates
instances (ours: booting ones first, then those running the fewest tasks, oldest first; AWS's
default policy balances zones first); instances protected from scale-in are never chosen.
With the provider's managed draining (on by default) a terminated instance is first set to
DRAINING and goes once its tasks have left; without it, its tasks stop with it.

**Managed scaling** (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
cluster-auto-scaling.html, managed-scaling-behavior.html). Once a minute, for each Auto
Scaling group provider with managed scaling that is associated with a cluster:

* N = the group's instances in service; M = the instances the tasks need: those running at
  least one task that is not a daemon task, plus the instances needed for the tasks waiting
  for the provider in PROVISIONING (packed onto instances of the group's size, then clamped to
  ``minimumScalingStepSize``..``maximumScalingStepSize``). Only tasks with a capacity provider
  strategy count: a task started with a launch type scales nothing.
* ``CapacityProviderReservation`` = M / N x 100; with N = 0 it is 200 when M > 0 (scale out
  from zero) and 100 when M = 0 (nothing to do). Published to CloudWatch as
  ``AWS/ECS/ManagedScaling`` ``CapacityProviderReservation`` with dimensions
  ``CapacityProviderName`` and ``ClusterName``.
* Scale-out: when the reservation is above ``targetCapacity`` the desired capacity becomes
  ceil(M x 100 / targetCapacity) (at least ``minimumScalingStepSize`` more, at most
  ``maximumScalingStepSize`` more, within MaxSize) at once (the policy's high alarm needs one
  datapoint). Booting instances are in the desired capacity already, so the next minutes do not
  launch them again.
* Scale-in: after ``SCALE_IN_MINUTES`` (15) minutes in a row below ``targetCapacity`` (the
  low alarm's 15 datapoints), and not while an instance is within ``instanceWarmupPeriod``,
  the desired capacity drops to ceil(M x 100 / targetCapacity) (within MinSize).
* Managed termination protection: ECS keeps scale-in protection on exactly the instances that
  run non-daemon tasks, so scale-in only ever takes idle instances.

**Tasks waiting for capacity.** With managed scaling on, a task (of RunTask or of a service)
that no instance of the group fits is created anyway and waits in ``PROVISIONING`` with no
container instance ("instead of failing immediately, the task will go into the provisioning
state": https://aws.amazon.com/blogs/containers/deep-dive-on-amazon-ecs-cluster-auto-scaling/;
"If the Auto Scaling group is unable to scale out to accommodate the number of tasks run, the
tasks will fail to transition beyond the PROVISIONING state", asg-capacity-providers.html).
Waiting tasks count in M, so the group grows; when an instance registers (and every minute)
they are placed in the order they were created, by ordinary placement on the group's
instances, and go on to PENDING. A task that waits ``PROVISIONING_TIMEOUT`` (30 minutes: the
blog says "between 10 and 30 minutes") is stopped (``TaskFailedToStart``, with a reason in our
wording). At most ``PROVISIONING_QUOTA`` tasks wait per cluster (the quota "Tasks in the
PROVISIONING state per cluster"); RunTask reports the rest as failures and a service retries
them. Without managed scaling a task that does not fit fails at once, as without providers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ecsedu.engine.controllers import metrics as metrics_mod
from ecsedu.model import capacity_provider as cp_mod
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

__all__ = [
    "BOOT_SECONDS",
    "NAMESPACE",
    "PROVISIONING_QUOTA",
    "PROVISIONING_TIMEOUT",
    "ClusterAutoScalingController",
    "demand",
    "ensure",
    "on_association",
    "place_waiting",
    "reconcile_group",
    "reservation",
    "set_desired",
    "waiting",
    "waiting_in",
]

NAME = "cluster_autoscaling"
PRIORITY = 21
NAMESPACE = "AWS/ECS/ManagedScaling"
METRIC = "CapacityProviderReservation"
#: Seconds from launch to a registered container instance (simulated clock; Docker: WALL_BOOT).
BOOT_SECONDS = 60.0
WALL_BOOT_SECONDS = 3.0
#: The managed policy's low alarm: 15 one-minute datapoints below target before scale-in.
SCALE_IN_MINUTES = 15
#: How often instances being drained for termination are looked at.
DRAIN_POLL = 10.0
#: Seconds a task may wait in PROVISIONING for capacity before ECS stops it (ours: AWS's blog
#: gives "between 10 and 30 minutes").
PROVISIONING_TIMEOUT = 1800.0
#: The quota "Tasks in the PROVISIONING state per cluster" (Auto Scaling group providers).
PROVISIONING_QUOTA = 300
EV = events_mod.EventKind


# =========================================================================== state
def demand(store: Any) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Tasks each provider could not place: provider name -> owner (a service ARN) -> the
    (cpu, memory) of each unplaced task. Written by ``capacity.py`` on every placement."""
    found: dict[str, dict[str, list[tuple[int, int]]]] | None = store.extensions.get(
        "capacity_demand"
    )
    if found is None:
        found = store.extensions["capacity_demand"] = {}
    return found


def waiting(store: Any) -> dict[str, dict[str, Any]]:
    """Tasks waiting in PROVISIONING for capacity, oldest first: task ARN -> how to place it
    (``provider``; ``service``: its service's ARN; or a RunTask's ``constraints``,
    ``strategies`` and ``network``). Kept by ``capacity.py``, which places them."""
    found: dict[str, dict[str, Any]] | None = store.extensions.get("capacity_waiting")
    if found is None:
        found = store.extensions["capacity_waiting"] = {}
    return found


def waiting_in(store: Any, cluster_arn: str) -> int:
    """Tasks of ``cluster_arn`` waiting for capacity (for the per-cluster quota)."""
    return sum(
        1
        for arn in waiting(store)
        if (t := store.tasks.get(arn)) is not None
        and t.cluster_arn == cluster_arn
        and t.alive
        and not t.host_arn
    )


def place_waiting(engine: Engine) -> None:
    """Place the waiting tasks that fit now (``capacity.place_waiting``, set by
    ``capacity.bind``: this layer does not import it)."""
    placer = engine.store.extensions.get("capacity_placer")
    if placer is not None and waiting(engine.store):
        placer(engine)


def _rng(engine: Engine) -> Any:
    return engine.streams["ec2autoscaling"]


def new_instance_id(engine: Engine) -> str:
    return f"i-{_rng(engine).getrandbits(68):017x}"


def group_arn(engine: Engine, name: str) -> str:
    import uuid

    u = uuid.UUID(int=_rng(engine).getrandbits(128), version=4)
    return (
        f"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:{u}:"
        f"autoScalingGroupName/{name}"
    )


def provider_of(engine: Engine, g: cp_mod.AutoScalingGroup) -> cp_mod.CapacityProvider | None:
    for p in engine.store.capacity_providers.values():
        if p.auto_scaling_group_arn == g.arn and p.status == cp_mod.CapacityProviderStatus.ACTIVE:
            return p
    return None


def cluster_of(engine: Engine, provider: str) -> cluster_mod.Cluster | None:
    for c in engine.store.clusters.values():
        if c.status == cluster_mod.ClusterStatus.ACTIVE and provider in c.capacity_providers:
            return c
    return None


def _is_daemon(engine: Engine, t: task_mod.Task) -> bool:
    if t.service_name is None:
        return False
    from ecsedu import arns

    s = engine.store.services.get(arns.service(arns.cluster_name(t.cluster_arn), t.service_name))
    return s is not None and s.scheduling_strategy == service_mod.SchedulingStrategy.DAEMON


def busy_tasks(engine: Engine, instance_arn: str) -> int:
    """Tasks on an instance that keep it in use: alive and not a daemon service's."""
    return sum(
        1
        for t in engine.store.tasks.values()
        if t.container_instance_arn == instance_arn and t.alive and not _is_daemon(engine, t)
    )


# =========================================================================== the group
def set_desired(engine: Engine, g: cp_mod.AutoScalingGroup, count: int, cause: str) -> None:
    if count == g.desired_capacity:
        reconcile_group(engine, g)
        return
    before = g.desired_capacity
    g.desired_capacity = count
    engine.store.record(
        EV.API_CALL,
        f"Auto Scaling group {g.name} desired capacity {before} -> {count}: {cause}",  # ours
        subject=g.arn,
        desiredCapacity=count,
    )
    reconcile_group(engine, g)


def _active(g: cp_mod.AutoScalingGroup) -> list[cp_mod.AsgInstance]:
    return [m for m in g.members.values() if m.lifecycle_state != "Terminating"]


def reconcile_group(engine: Engine, g: cp_mod.AutoScalingGroup) -> None:
    """Launch or terminate instances until the group has its desired capacity."""
    ensure(engine)
    active = _active(g)
    for _ in range(g.desired_capacity - len(active)):
        _launch(engine, g)
    surplus = len(active) - g.desired_capacity
    if surplus > 0:
        candidates = [m for m in active if not m.protected]
        booting = sorted(
            (m for m in candidates if m.lifecycle_state == "Pending"), key=lambda m: -m.launched_at
        )
        running = sorted(
            (m for m in candidates if m.lifecycle_state == "InService"),
            key=lambda m: (
                busy_tasks(engine, m.container_instance_arn) if m.container_instance_arn else 0,
                m.launched_at,
            ),
        )
        for m in (booting + running)[:surplus]:
            terminate(engine, g, m)


def _launch(engine: Engine, g: cp_mod.AutoScalingGroup) -> None:
    iid = new_instance_id(engine)
    m = cp_mod.AsgInstance(
        instance_id=iid, launched_at=engine.clock.now, protected=g.new_instances_protected
    )
    g.members[iid] = m
    engine.store.record(
        EV.API_CALL,
        f"Auto Scaling group {g.name} launched instance {iid}",  # ours
        subject=g.arn,
        instance=iid,
    )
    _schedule_boot(engine, g.name, iid)


def _booted(engine: Engine, group_name: str, iid: str) -> None:
    g = engine.store.auto_scaling_groups.get(group_name)
    m = g.members.get(iid) if g is not None else None
    if g is None or m is None or m.lifecycle_state != "Pending":
        return
    m.lifecycle_state = "InService"
    register(engine, g, m)


def register(engine: Engine, g: cp_mod.AutoScalingGroup, m: cp_mod.AsgInstance) -> None:
    """An InService instance's agent registers with its provider's cluster (if any)."""
    if m.container_instance_arn is not None or m.lifecycle_state != "InService":
        return
    p = provider_of(engine, g)
    c = cluster_of(engine, p.name) if p is not None else None
    if p is None or c is None:
        return
    from ecsedu.engine.api import instances

    attributes = (
        [{"name": "ecs.instance-type", "value": g.instance_type}] if g.instance_type else []
    )
    params: dict[str, Any] = {
        "cluster": c.arn,
        "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": g.instance_cpu},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": g.instance_memory},
        ],
        "attributes": attributes,
    }
    resp = instances.register_instance(engine, params, {})
    arn = resp["containerInstance"]["containerInstanceArn"]
    inst = engine.store.instances[arn]
    inst.ec2_instance_id = m.instance_id
    inst.capacity_provider_name = p.name
    m.container_instance_arn = arn
    g.instances.append(arn)
    if m.protected:
        g.protected.add(arn)
    place_waiting(engine)  # tasks waiting for this group's capacity go to the new instance


def terminate(engine: Engine, g: cp_mod.AutoScalingGroup, m: cp_mod.AsgInstance) -> None:
    """Scale-in of one instance: drained first with managed draining, else at once."""
    arn = m.container_instance_arn
    inst = engine.store.instances.get(arn) if arn else None
    p = provider_of(engine, g)
    if (
        inst is not None
        and inst.status != ci_mod.InstanceStatus.INACTIVE
        and p is not None
        and p.managed_draining == "ENABLED"
        and busy_tasks(engine, inst.arn) > 0
    ):
        m.lifecycle_state = "Terminating"
        if inst.status == ci_mod.InstanceStatus.ACTIVE:
            from ecsedu.engine.api import instances

            instances.update_container_instances_state(
                engine, cluster=inst.cluster_arn, containerInstances=[inst.arn], status="DRAINING"
            )
        _schedule_drain_check(engine, g.name, m.instance_id)
        return
    remove(engine, g, m)


def _drained(engine: Engine, group_name: str, iid: str) -> None:
    g = engine.store.auto_scaling_groups.get(group_name)
    m = g.members.get(iid) if g is not None else None
    if g is None or m is None or m.lifecycle_state != "Terminating":
        return
    arn = m.container_instance_arn
    if arn is not None and busy_tasks(engine, arn) > 0:
        _schedule_drain_check(engine, group_name, iid)
        return
    remove(engine, g, m)


def remove(engine: Engine, g: cp_mod.AutoScalingGroup, m: cp_mod.AsgInstance) -> None:
    arn = m.container_instance_arn
    inst = engine.store.instances.get(arn) if arn else None
    if inst is not None and inst.status != ci_mod.InstanceStatus.INACTIVE:
        from ecsedu.engine.api import instances

        # The group terminated the EC2 instance: its tasks stop with it (as in faults.py), not
        # as a user's forced deregistration (stopped-task-errors.md lists "Host EC2 (instance
        # i-...) stopped/terminated"; the exact wording is unverified).
        for t in list(engine.store.tasks.values()):
            if (
                t.container_instance_arn == inst.arn
                and t.last_status is not task_mod.TaskStatus.STOPPED
            ):
                engine.lifecycle.force_stopped(
                    t, "TerminationNotice", f"Host EC2 (instance {m.instance_id}) terminated."
                )

        instances.deregister_container_instance(
            engine, cluster=inst.cluster_arn, containerInstance=inst.arn, force=True
        )
    g.members.pop(m.instance_id, None)
    if arn is not None:
        if arn in g.instances:
            g.instances.remove(arn)
        g.protected.discard(arn)
    engine.store.record(
        EV.API_CALL,
        f"Auto Scaling group {g.name} terminated instance {m.instance_id}",  # ours
        subject=g.arn,
        instance=m.instance_id,
    )


def set_protection(g: cp_mod.AutoScalingGroup, m: cp_mod.AsgInstance, protected: bool) -> None:
    m.protected = protected
    if m.container_instance_arn is not None:
        if protected:
            g.protected.add(m.container_instance_arn)
        else:
            g.protected.discard(m.container_instance_arn)


def on_association(engine: Engine, c: cluster_mod.Cluster, names: list[str]) -> None:
    """Providers were just associated with ``c``: their groups' running instances register."""
    for name in names:
        p = engine.store.capacity_providers.get(name)
        if p is None or p.auto_scaling_group_arn is None:
            continue
        for g in engine.store.auto_scaling_groups.values():
            if g.arn == p.auto_scaling_group_arn:
                for m in list(g.members.values()):
                    register(engine, g, m)
                reconcile_group(engine, g)


# =========================================================================== managed scaling
def _bins(tasks: list[tuple[int, int]], cpu: int, memory: int) -> int:
    """Instances of (cpu, memory) needed for ``tasks``: first fit, largest first (a task larger
    than an instance is left out: no instance of this group can ever run it)."""
    bins: list[list[int]] = []
    for tc, tm in sorted(tasks, reverse=True):
        if tc > cpu or tm > memory:
            continue
        for b in bins:
            if b[0] >= tc and b[1] >= tm:
                b[0] -= tc
                b[1] -= tm
                break
        else:
            bins.append([cpu - tc, memory - tm])
    return len(bins)


def reservation(
    engine: Engine, p: cp_mod.CapacityProvider, g: cp_mod.AutoScalingGroup
) -> tuple[float, int, int]:
    """(CapacityProviderReservation, M, N) of provider ``p`` now."""
    in_service = [m for m in g.members.values() if m.lifecycle_state == "InService"]
    n = len(in_service)
    busy = sum(
        1
        for m in in_service
        if m.container_instance_arn is not None and busy_tasks(engine, m.container_instance_arn)
    )
    unplaced = [t for owner in demand(engine.store).get(p.name, {}).values() for t in owner]
    for arn, info in waiting(engine.store).items():
        t = engine.store.tasks.get(arn)
        if info["provider"] == p.name and t is not None and t.alive:
            unplaced.append((t.cpu, t.memory))
    extra = _bins(unplaced, g.instance_cpu, g.instance_memory)
    if extra:
        ms = p.managed_scaling
        extra = max(ms.minimum_scaling_step_size, min(ms.maximum_scaling_step_size, extra))
    m_needed = busy + extra
    if n == 0:  # nothing running: 200 scales out from zero, 100 leaves an idle group alone
        return (200.0 if m_needed > 0 else 100.0), m_needed, n
    value = m_needed / n * 100.0
    return round(value, 4), m_needed, n


def _protect_busy(engine: Engine, g: cp_mod.AutoScalingGroup) -> None:
    """Managed termination protection: protected exactly while running non-daemon tasks."""
    for m in g.members.values():
        if m.lifecycle_state == "InService" and m.container_instance_arn is not None:
            set_protection(g, m, busy_tasks(engine, m.container_instance_arn) > 0)


def scale(engine: Engine, p: cp_mod.CapacityProvider, c: cluster_mod.Cluster, now: float) -> None:
    g = next(
        (x for x in engine.store.auto_scaling_groups.values() if x.arn == p.auto_scaling_group_arn),
        None,
    )
    if g is None:
        return
    if p.managed_termination_protection == "ENABLED":
        _protect_busy(engine, g)
    value, m_needed, n = reservation(engine, p, g)
    p.reservation = value
    period = _period(engine)
    cw = metrics_mod.cloudwatch(engine.store)
    key = (
        NAMESPACE,
        METRIC,
        (("CapacityProviderName", p.name), ("ClusterName", c.name)),
    )
    cw.put(key, metrics_mod.Datapoint(now - period, (value,)))
    ms = p.managed_scaling
    target = ms.target_capacity
    needed = math.ceil(m_needed * 100 / target) if m_needed else 0
    if value > target and m_needed > 0:
        p.low_minutes = 0
        if needed > g.desired_capacity:
            step = needed - g.desired_capacity
            step = max(ms.minimum_scaling_step_size, min(ms.maximum_scaling_step_size, step))
            new = min(g.max_size, g.desired_capacity + step)
            if new > g.desired_capacity:
                set_desired(
                    engine,
                    g,
                    new,
                    f"CapacityProviderReservation {value:g} > targetCapacity {target}",  # ours
                )
        return
    if value < target:
        p.low_minutes += 1
    else:
        p.low_minutes = 0
    warming = any(now - m.launched_at < ms.instance_warmup_period for m in g.members.values())
    if p.low_minutes >= SCALE_IN_MINUTES and not warming:
        new = max(g.min_size, needed)
        if new < g.desired_capacity:
            p.low_minutes = 0
            set_desired(
                engine,
                g,
                new,
                f"CapacityProviderReservation {value:g} < targetCapacity {target} for "  # ours
                f"{SCALE_IN_MINUTES} minutes",
            )


def _period(engine: Engine) -> float:
    from ecsedu.engine.controllers import autoscaling as autoscaling_ctl

    state = engine.store.extensions.get("scaling")
    return float(state.period) if state is not None else autoscaling_ctl.MINUTE


class ClusterAutoScalingController:
    """Ticks once a (CloudWatch) minute: the reservation of every managed provider, and the
    groups' desired capacities."""

    name = NAME

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.timer: Any = None

    def on_task_change(self, task: task_mod.Task) -> None:
        """Nothing per task: managed scaling looks once a minute."""

    def start(self) -> None:
        clock = self.engine.clock
        period = _period(self.engine)
        delay = period - (clock.now % period)
        if delay <= 0:
            delay = period
        self.timer = clock.schedule(delay, self.tick, priority=7)

    def tick(self) -> None:
        engine = self.engine
        period = _period(engine)
        now = round(engine.clock.now / period) * period
        try:
            place_waiting(engine)  # and stop those that waited too long
            live = {s.arn for s in engine.store.services.values()}
            for owners in demand(engine.store).values():
                for owner in [o for o in owners if o not in live]:
                    del owners[owner]
            for p in list(engine.store.capacity_providers.values()):
                if (
                    p.status != cp_mod.CapacityProviderStatus.ACTIVE
                    or p.managed_scaling.status != "ENABLED"
                ):
                    continue
                c = cluster_of(engine, p.name)
                if c is not None:
                    scale(engine, p, c, now)
        finally:
            self.timer = engine.clock.schedule(period, self.tick, priority=7)


def ensure(engine: Engine) -> ClusterAutoScalingController:
    """The engine's cluster auto scaling controller, registered and started on first use."""
    try:
        controller = engine.controllers.get(NAME)
    except KeyError:
        controller = ClusterAutoScalingController(engine)
        engine.controllers.register(controller, priority=PRIORITY)
        controller.start()
    assert isinstance(controller, ClusterAutoScalingController)
    return controller


# =========================================================================== persistence
def dump(engine: Engine) -> dict[str, Any]:
    store = engine.store
    return {
        "providers": [
            {
                "arn": p.arn,
                "name": p.name,
                "status": p.status._value_,
                "auto_scaling_group_arn": p.auto_scaling_group_arn,
                "managed_scaling": {
                    k: getattr(p.managed_scaling, k) for k in cp_mod.ManagedScaling.__slots__
                },
                "managed_termination_protection": p.managed_termination_protection,
                "managed_draining": p.managed_draining,
                "update_status": p.update_status,
                "update_status_reason": p.update_status_reason,
                "tags": p.tags,
                "reservation": p.reservation,
                "low_minutes": p.low_minutes,
            }
            for p in store.capacity_providers.values()
        ],
        "groups": [
            {
                "arn": g.arn,
                "name": g.name,
                "min_size": g.min_size,
                "max_size": g.max_size,
                "desired_capacity": g.desired_capacity,
                "instance_cpu": g.instance_cpu,
                "instance_memory": g.instance_memory,
                "instances": list(g.instances),
                "protected": sorted(g.protected),
                "created_at": g.created_at,
                "tags": g.tags,
                "extra": g.extra,
                "members": [
                    {k: getattr(m, k) for k in cp_mod.AsgInstance.__slots__}
                    for m in g.members.values()
                ],
                "instance_type": g.instance_type,
                "new_instances_protected": g.new_instances_protected,
                "launch": g.launch,
            }
            for g in store.auto_scaling_groups.values()
        ],
        "demand": {
            name: {owner: [list(t) for t in ts] for owner, ts in owners.items()}
            for name, owners in demand(store).items()
        },
        "waiting": [[arn, info] for arn, info in waiting(store).items()],
    }


def restore(engine: Engine, data: dict[str, Any] | None) -> None:
    if not data:
        return
    store = engine.store
    for entry in data.get("providers", []):
        entry = dict(entry)
        entry["status"] = cp_mod.CapacityProviderStatus(entry["status"])
        entry["managed_scaling"] = cp_mod.ManagedScaling(**entry["managed_scaling"])
        p = cp_mod.CapacityProvider(**entry)
        store.capacity_providers[p.name] = p
    for entry in data.get("groups", []):
        entry = dict(entry)
        members = [cp_mod.AsgInstance(**m) for m in entry.pop("members")]
        entry["protected"] = set(entry["protected"])
        g = cp_mod.AutoScalingGroup(**entry)
        g.members = {m.instance_id: m for m in members}
        store.auto_scaling_groups[g.name] = g
    found = demand(store)
    for name, owners in data.get("demand", {}).items():
        found[name] = {o: [(int(a), int(b)) for a, b in ts] for o, ts in owners.items()}
    queue = waiting(store)
    for arn, info in data.get("waiting", []):
        queue[arn] = info
    if store.auto_scaling_groups or store.capacity_providers:
        ensure(engine)
        for g in store.auto_scaling_groups.values():
            for m in g.members.values():
                if m.lifecycle_state == "Pending":
                    _schedule_boot(engine, g.name, m.instance_id)
                elif m.lifecycle_state == "Terminating":
                    _schedule_drain_check(engine, g.name, m.instance_id)


def _schedule_boot(engine: Engine, group_name: str, iid: str) -> None:
    boot = BOOT_SECONDS if engine.clock.simulated else WALL_BOOT_SECONDS
    engine.clock.schedule(boot, lambda: _booted(engine, group_name, iid), priority=5)


def _schedule_drain_check(engine: Engine, group_name: str, iid: str) -> None:
    engine.clock.schedule(DRAIN_POLL, lambda: _drained(engine, group_name, iid))
