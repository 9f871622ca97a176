"""Service Auto Scaling: Application Auto Scaling's scalable targets, policies and activities,
and the controller that drives them (and CloudWatch) on the engine's clock.

The controller is registered lazily (the first ``register_scalable_target``, ``ecs.load`` or
CloudWatch client) and ticks once per CloudWatch minute, aligned to the clock's minutes: publish
the metrics of the minute that ended, evaluate every alarm, then let each alarm in ALARM invoke
its scaling policy (alarms with Auto Scaling actions keep invoking them every period they stay in
ALARM). On the simulated clock everything is deterministic. On the wall clock the minute can be
made shorter (``ecs.autoscaling.set_period(5)``) so scaling is visible in seconds: one tick then
stands for one CloudWatch minute; cooldowns stay in real seconds.

Target tracking (as AWS documents it, ecs-semantics §4): the policy owns two alarms,
``TargetTracking-<resource id>-AlarmHigh-<uuid>`` (GreaterThanThreshold the target, 3 of 3
one-minute datapoints) and ``...-AlarmLow-<uuid>`` (LessThanThreshold 0.9 × target, 15 of 15).
The new capacity is ceil(current × metric / target) (the usual model; AWS does not publish its
formula), scale-out if any policy asks, scale-in only if every target-tracking policy agrees, the
largest capacity wins, clamped to min/max. ScaleOutCooldown / ScaleInCooldown default to 300 s;
a scale-out during a scale-in cooldown proceeds at once. Scale-in is suspended while the service
has a deployment in progress.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecsedu import ids
from ecsedu.engine.controllers import metrics as metrics_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine import store as store_mod
    from ecsedu.engine.core import Engine

__all__ = [
    "Activity",
    "AutoScalingController",
    "Policy",
    "ScalableTarget",
    "Scaling",
    "ensure",
    "scaling",
    "scaling_view",
]

NAME = "autoscaling"
PRIORITY = 20
MINUTE = 60.0
DEFAULT_COOLDOWN = 300.0
DIMENSION = "ecs:service:DesiredCount"
ROLE_ARN = (
    f"arn:aws:iam::{ids.ACCOUNT}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_ECSService"
)
PREDEFINED = {
    "ECSServiceAverageCPUUtilization": (metrics_mod.ECS, "CPUUtilization", "Average"),
    "ECSServiceAverageMemoryUtilization": (metrics_mod.ECS, "MemoryUtilization", "Average"),
    "ALBRequestCountPerTarget": (metrics_mod.ELB, "RequestCountPerTarget", "Sum"),
}


@dataclass
class ScalableTarget:
    resource_id: str  # service/<cluster>/<service>
    service_arn: str
    min_capacity: int
    max_capacity: int
    created: float
    arn: str
    suspended: dict[str, bool] = field(default_factory=dict)
    last_out: float | None = None  # start of the last scale-out
    last_in: float | None = None
    out_cooldown: float = 0.0  # the cooldown the last scale-out set
    in_cooldown: float = 0.0


@dataclass
class Policy:
    name: str
    resource_id: str
    kind: str  # TargetTrackingScaling | StepScaling
    config: dict[str, Any]
    arn: str
    created: float
    alarms: list[str] = field(default_factory=list)  # owned alarms (target tracking)


@dataclass
class Activity:
    activity_id: str
    resource_id: str
    description: str
    cause: str
    start: float
    end: float
    status: str = "Successful"
    message: str = ""
    details: str | None = None


class Scaling:
    """Application Auto Scaling's state for one engine."""

    def __init__(self) -> None:
        self.targets: dict[str, ScalableTarget] = {}  # by resource id
        self.policies: dict[tuple[str, str], Policy] = {}  # (resource id, name)
        self.activities: list[Activity] = []  # oldest first
        self.period = MINUTE  # wall-clock seconds per CloudWatch minute (60 = real time)


def scaling(store: store_mod.Store) -> Scaling:
    found: Scaling | None = store.extensions.get("scaling", None)
    if found is None:
        found = Scaling()
        store.extensions["scaling"] = found
    return found


def new_uuid(engine: Engine) -> str:
    """A uuid4 from the ``autoscaling`` stream (never the ids stream: a seed's ECS ids stay)."""
    return str(uuid.UUID(int=engine.streams["autoscaling"].getrandbits(128), version=4))


def policy_arn(engine: Engine, resource_id: str, name: str) -> str:
    return (
        f"arn:aws:autoscaling:{ids.REGION}:{ids.ACCOUNT}:scalingPolicy:{new_uuid(engine)}:"
        f"resource/ecs/{resource_id}:policyName/{name}"
    )


def target_arn(engine: Engine) -> str:
    hexid = engine.streams["autoscaling"].getrandbits(136)
    return (
        f"arn:aws:application-autoscaling:{ids.REGION}:{ids.ACCOUNT}:scalable-target/{hexid:034x}"
    )


# =========================================================================== the controller
class AutoScalingController:
    """Ticks once per CloudWatch minute: metrics, alarms, policy actions."""

    name = NAME

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.timer: Any = None
        self.ticks = 0

    def on_task_change(self, task: task_mod.Task) -> None:
        """Nothing to do per task: everything happens on the minute."""

    def start(self) -> None:
        clock = self.engine.clock
        period = scaling(self.engine.store).period
        delay = period - (clock.now % period)
        if clock.simulated and delay <= 0:
            delay = period
        self.timer = clock.schedule(delay, self.tick, priority=6)

    def restart(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.start()

    def tick(self) -> None:
        engine = self.engine
        state = scaling(engine.store)
        # on the wall clock a timer runs a little late: stamp the tick at its own minute
        now = round(engine.clock.now / state.period) * state.period
        try:
            self.ticks += 1
            metrics_mod.publish(engine, now, state.period)
            for policy in state.policies.values():
                label = _request_label(policy)
                target = state.targets.get(policy.resource_id)
                if label is not None and target is not None:
                    metrics_mod.publish_requests(
                        engine, target.service_arn, label, now, state.period
                    )
            cw = metrics_mod.cloudwatch(engine.store)
            for alarm in cw.alarms.values():
                cw.evaluate(alarm, now, state.period)
            for target in list(state.targets.values()):
                act(engine, target)
        finally:
            self.timer = engine.clock.schedule(state.period, self.tick, priority=6)


def ensure(engine: Engine) -> AutoScalingController:
    """The engine's autoscaling controller, registered and started on first use."""
    try:
        controller = engine.controllers.get(NAME)
    except KeyError:
        controller = AutoScalingController(engine)
        engine.controllers.register(controller, priority=PRIORITY)
        controller.start()
    assert isinstance(controller, AutoScalingController)
    return controller


def _request_label(policy: Policy) -> str | None:
    """The target group (``targetgroup/<name>/<id>``) of an ALBRequestCountPerTarget policy."""
    spec = policy.config.get("PredefinedMetricSpecification") or {}
    if spec.get("PredefinedMetricType") != "ALBRequestCountPerTarget":
        return None
    label = str(spec.get("ResourceLabel", ""))
    i = label.find("targetgroup/")
    return label[i:] if i >= 0 else label


def policy_metric(policy: Policy, target: ScalableTarget) -> tuple[str, str, metrics_mod.Dims, str]:
    """(namespace, metric name, dimensions, statistic) a target-tracking policy tracks."""
    cfg = policy.config
    spec = cfg.get("PredefinedMetricSpecification")
    if spec is not None:
        namespace, name, stat = PREDEFINED[spec["PredefinedMetricType"]]
        if namespace == metrics_mod.ELB:
            return namespace, name, (("TargetGroup", _request_label(policy) or ""),), stat
        _, cluster, service = target.resource_id.split("/", 2)
        return namespace, name, (("ClusterName", cluster), ("ServiceName", service)), stat
    custom = cfg["CustomizedMetricSpecification"]
    return (
        custom["Namespace"],
        custom["MetricName"],
        metrics_mod.dims_key(custom.get("Dimensions")),
        custom.get("Statistic", "Average"),
    )


def deploying(engine: Engine, service_arn: str) -> bool:
    svc = engine.store.services.get(service_arn)
    if svc is None:
        return False
    return len(svc.deployments) > 1 or (
        bool(svc.deployments) and svc.primary.rollout_state == service_mod.RolloutState.IN_PROGRESS
    )


def _step_capacity(cfg: dict[str, Any], current: int, breach: float) -> int | None:
    """Step scaling: the step whose interval holds ``breach`` (offset from the threshold)."""
    chosen = None
    for step in cfg.get("StepAdjustments", []):
        lo = step.get("MetricIntervalLowerBound", -math.inf)
        hi = step.get("MetricIntervalUpperBound", math.inf)
        inside = (lo <= breach < hi) if breach >= 0 else (lo < breach <= hi)
        if inside:
            chosen = step["ScalingAdjustment"]
            break
    if chosen is None:
        return None
    kind = cfg.get("AdjustmentType", "ChangeInCapacity")
    if kind == "ExactCapacity":
        return int(chosen)
    if kind == "ChangeInCapacity":
        return current + int(chosen)
    change = current * chosen / 100.0
    if 0 < change < 1:
        change = 1
    elif -1 < change < 0:
        change = -1
    change = math.floor(change) if change > 0 else math.ceil(change)
    magnitude = int(cfg.get("MinAdjustmentMagnitude") or 0)
    if magnitude and abs(change) < magnitude:
        change = magnitude if change > 0 else -magnitude
    return current + int(change)


def act(engine: Engine, target: ScalableTarget) -> None:
    """Let the alarms in ALARM invoke their policies on ``target``, once per tick."""
    state = scaling(engine.store)
    svc = engine.store.services.get(target.service_arn)
    if svc is None or svc.status != service_mod.ServiceStatus.ACTIVE:
        return
    cw = metrics_mod.cloudwatch(engine.store)
    now = engine.clock.now
    current = svc.desired_count
    outs: list[tuple[int, str, float]] = []  # (capacity, cause, cooldown)
    ins: list[tuple[int, str, float]] = []
    tt_policies = 0
    tt_agree = 0
    for policy in [p for p in state.policies.values() if p.resource_id == target.resource_id]:
        cfg = policy.config
        if policy.kind == "TargetTrackingScaling":
            tt_policies += 1
            high = cw.alarms.get(policy.alarms[0]) if policy.alarms else None
            low = cw.alarms.get(policy.alarms[1]) if len(policy.alarms) > 1 else None
            goal = float(cfg["TargetValue"])
            for alarm, out in ((high, True), (low, False)):
                if alarm is None or alarm.state != "ALARM" or alarm.value is None:
                    continue
                if current == 0:
                    wanted = max(1, target.min_capacity) if out else 0
                else:
                    wanted = math.ceil(round(current * alarm.value / goal, 6))
                cause = f"monitor alarm {alarm.name} in state ALARM triggered policy {policy.name}"
                if out and wanted > current:
                    outs.append(
                        (wanted, cause, float(cfg.get("ScaleOutCooldown", DEFAULT_COOLDOWN)))
                    )
                elif not out and not cfg.get("DisableScaleIn"):
                    tt_agree += 1
                    if wanted < current:
                        cool = float(cfg.get("ScaleInCooldown", DEFAULT_COOLDOWN))
                        ins.append((wanted, cause, cool))
        else:
            for alarm in cw.alarms.values():
                if policy.arn not in alarm.alarm_actions or not alarm.actions_enabled:
                    continue
                if alarm.state != "ALARM" or alarm.value is None:
                    continue
                step = _step_capacity(cfg, current, alarm.value - alarm.threshold)
                if step is None or step == current:
                    continue
                wanted = step
                cause = f"monitor alarm {alarm.name} in state ALARM triggered policy {policy.name}"
                cool = float(cfg.get("Cooldown", DEFAULT_COOLDOWN))
                (outs if wanted > current else ins).append((wanted, cause, cool))
    lo, hi = target.min_capacity, target.max_capacity
    if outs and not target.suspended.get("DynamicScalingOutSuspended"):
        wanted, cause, cool = max(outs, key=lambda o: o[0])
        if target.last_out is not None and now < target.last_out + target.out_cooldown:
            return  # scale-out cooldown
        new = min(hi, max(lo, wanted))
        if new > current:
            target.last_out, target.out_cooldown = now, cool
            scale(engine, target, new, cause)
        return
    if not ins or tt_agree < tt_policies or target.suspended.get("DynamicScalingInSuspended"):
        return
    if deploying(engine, target.service_arn):
        return  # scale-in is suspended while a deployment is in progress
    if target.last_in is not None and now < target.last_in + target.in_cooldown:
        return
    wanted, cause, cool = max(ins, key=lambda o: o[0])
    new = min(hi, max(lo, wanted))
    if new < current:
        target.last_in, target.in_cooldown = now, cool
        scale(engine, target, new, cause)


def scale(engine: Engine, target: ScalableTarget, count: int, cause: str) -> Activity:
    """Set the service's desired count through the engine, as one scaling activity."""
    state = scaling(engine.store)
    now = engine.clock.now
    svc = engine.store.services[target.service_arn]
    activity = Activity(
        activity_id=new_uuid(engine),
        resource_id=target.resource_id,
        description=f"Setting desired count to {count}.",
        cause=cause,
        start=now,
        end=now,
        message=f"Successfully set desired count to {count}. Change successfully fulfilled by ecs.",
    )
    state.activities.append(activity)
    del state.activities[:-1000]
    engine.set_desired_count(target.service_arn, count, cause=cause)
    engine.services.event(
        svc,
        # our wording: ECS itself writes no event for it; the console shows the activity
        f"(service {svc.name}) Application Auto Scaling set the desired count to {count}: {cause}.",
    )
    return activity


def clamp_to_bounds(engine: Engine, target: ScalableTarget) -> None:
    """After (re)registration: bring the desired count inside [min, max] at once."""
    svc = engine.store.services.get(target.service_arn)
    if svc is None or svc.status != service_mod.ServiceStatus.ACTIVE:
        return
    if svc.desired_count < target.min_capacity:
        cause = f"minimum capacity was set to {target.min_capacity}"  # our wording
        scale(engine, target, target.min_capacity, cause)
    elif svc.desired_count > target.max_capacity:
        cause = f"maximum capacity was set to {target.max_capacity}"  # our wording
        scale(engine, target, target.max_capacity, cause)


# =========================================================================== snapshot
def scaling_view(store: store_mod.Store, svc: service_mod.Service) -> Any:
    """The service's ``ScalingView`` (None when it is not a scalable target)."""
    from ecsedu.model import snapshot as snap

    state: Scaling | None = store.extensions.get("scaling", None)
    resource_id = f"service/{svc.cluster_arn.split('/', 1)[1]}/{svc.name}"
    target = state.targets.get(resource_id) if state is not None else None
    if target is None or state is None:
        if svc.min_capacity is not None and svc.max_capacity is not None:
            return snap.ScalingView(svc.min_capacity, svc.max_capacity)
        return None
    cw: metrics_mod.CloudWatch | None = store.extensions.get("cloudwatch", None)
    policies = [p for p in state.policies.values() if p.resource_id == resource_id]
    alarms: list[Any] = []
    names = [n for p in policies for n in p.alarms]
    if cw is not None:
        arns_ = {p.arn for p in policies}
        names += [a.name for a in cw.alarms.values() if arns_ & set(a.alarm_actions)]
        for name in dict.fromkeys(names):
            a = cw.alarms.get(name)
            if a is None:
                continue
            alarms.append(
                snap.AlarmView(
                    name=a.name,
                    comparison=a.comparison,
                    threshold=a.threshold,
                    metric=a.metric_name,
                    state=a.state,
                    value=None if a.value is None else round(a.value, 2),
                    datapoints=a.evaluation_periods,
                    period=a.period,
                )
            )
    first = policies[0] if policies else None
    metric = None
    if first is not None and first.kind == "TargetTrackingScaling":
        spec = first.config.get("PredefinedMetricSpecification")
        metric = (
            spec["PredefinedMetricType"]
            if spec
            else first.config["CustomizedMetricSpecification"]["MetricName"]
        )
    last = next((a for a in reversed(state.activities) if a.resource_id == resource_id), None)
    return snap.ScalingView(
        min_capacity=target.min_capacity,
        max_capacity=target.max_capacity,
        alarms=tuple(alarms),
        policies=tuple(p.name for p in policies),
        policy_kind=first.kind if first else None,
        target_value=(
            float(first.config["TargetValue"])
            if first and first.kind == "TargetTrackingScaling"
            else None
        ),
        metric=metric,
        last_activity=(
            snap.ScalingActivityView(last.description, last.cause, last.status, last.start)
            if last
            else None
        ),
    )


# =========================================================================== persistence
def dump(store: store_mod.Store) -> dict[str, Any]:
    """Autoscaling, CloudWatch and load state as JSON values (``persist.save``)."""
    from ecsedu.engine.controllers import load as load_mod

    state: Scaling | None = store.extensions.get("scaling", None)
    cw: metrics_mod.CloudWatch | None = store.extensions.get("cloudwatch", None)
    loads: dict[str, load_mod.Load] = store.extensions.get("loads", {})
    out: dict[str, Any] = {"loads": {k: v.to_json() for k, v in loads.items()}}
    if state is not None:
        out["period"] = state.period
        out["targets"] = [dict(t.__dict__) for t in state.targets.values()]
        out["policies"] = [dict(p.__dict__) for p in state.policies.values()]
        out["activities"] = [dict(a.__dict__) for a in state.activities]
    if cw is not None:
        out["alarms"] = [
            dict(a.__dict__, dimensions=list(map(list, a.dimensions))) for a in cw.alarms.values()
        ]
        out["series"] = [
            [ns, name, [list(d) for d in dims], [[p.time, list(p.samples), p.unit] for p in pts]]
            for (ns, name, dims), pts in cw.series.items()
        ]
    return out


def restore(engine: Engine, data: dict[str, Any] | None) -> None:
    """Read back what ``dump`` wrote and restart the controller if anything needs it."""
    if not data:
        return
    from ecsedu.engine.controllers import load as load_mod

    store = engine.store
    for arn, value in data.get("loads", {}).items():
        load_mod.loads(engine)[arn] = load_mod.Load(**value)
    state = scaling(store)
    state.period = float(data.get("period", MINUTE))
    for t in data.get("targets", []):
        target = ScalableTarget(**t)
        state.targets[target.resource_id] = target
    for p in data.get("policies", []):
        policy = Policy(**p)
        state.policies[(policy.resource_id, policy.name)] = policy
    state.activities = [Activity(**a) for a in data.get("activities", [])]
    cw = metrics_mod.cloudwatch(store)
    for a in data.get("alarms", []):
        a = dict(a, dimensions=tuple(tuple(d) for d in a["dimensions"]))
        a["recent"] = [tuple(r) for r in a.get("recent", [])]
        cw.alarms[a["name"]] = metrics_mod.Alarm(**a)
    for ns, name, dims, pts in data.get("series", []):
        key = (ns, name, tuple((str(k), str(v)) for k, v in dims))
        for t, samples, unit in pts:
            cw.put(key, metrics_mod.Datapoint(float(t), tuple(samples), unit))
    if state.targets or load_mod.loads(engine) or cw.alarms:
        ensure(engine)
