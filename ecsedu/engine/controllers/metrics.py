"""CloudWatch inside the engine: metric datapoints, alarms and their evaluation.

Each tick of the autoscaling controller (one CloudWatch minute) publishes, for every active
REPLICA service, ``AWS/ECS`` ``CPUUtilization`` and ``MemoryUtilization`` with the dimensions
``ClusterName`` and ``ServiceName``: one datapoint whose samples are its RUNNING tasks' values,
so Average, Minimum, Maximum, Sum and SampleCount mean what they mean on AWS. A service's CPU
utilization is (CPU units used by its tasks × 100) / (CPU units reserved × tasks)
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-metrics.html).

Where the values come from: the simulated runtime uses the load model (``load.py``); on Docker
each task's real usage is read from its containers' cgroup files through ``Runtime.usage``, and
the load model is the fallback where those files cannot be read.

Alarms are evaluated after the datapoints of the tick are in: the last ``EvaluationPeriods``
periods are looked at, ``DatapointsToAlarm`` of them breaching makes ALARM, and with no data at
all the alarm is INSUFFICIENT_DATA (``TreatMissingData=missing``).
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecsedu import arns, ids
from ecsedu.engine.controllers import load as load_mod
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine import store as store_mod
    from ecsedu.engine.core import Engine

__all__ = [
    "Alarm",
    "CloudWatch",
    "Datapoint",
    "cloudwatch",
    "record_requests",
    "statistic",
]

#: Datapoints kept per metric: three days of minutes.
RETENTION = 3 * 24 * 60
ECS = "AWS/ECS"
ELB = "AWS/ApplicationELB"
Dims = tuple[tuple[str, str], ...]
Key = tuple[str, str, Dims]  # (namespace, metric name, sorted dimensions)
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
WORDS = {
    "GreaterThanThreshold": "greater than",
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


@dataclass(frozen=True)
class Datapoint:
    time: float  # start of its period
    samples: tuple[float, ...]
    unit: str = "Percent"


def statistic(points: list[Datapoint], stat: str) -> float | None:
    """A CloudWatch statistic over the samples of ``points`` (None when there are none)."""
    samples = [s for p in points for s in p.samples]
    if not samples:
        return None
    if stat == "Average":
        return sum(samples) / len(samples)
    if stat == "Sum":
        return float(sum(samples))
    if stat == "Minimum":
        return min(samples)
    if stat == "Maximum":
        return max(samples)
    if stat == "SampleCount":
        return float(len(samples))
    return None


def dims_key(dimensions: list[dict[str, str]] | None) -> Dims:
    return tuple(sorted((d["Name"], d["Value"]) for d in dimensions or []))


@dataclass
class Alarm:
    """A CloudWatch metric alarm (``put_metric_alarm``, or one target tracking owns)."""

    name: str
    namespace: str
    metric_name: str
    dimensions: Dims
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison: str
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "missing"
    actions_enabled: bool = True
    alarm_actions: list[str] = field(default_factory=list)
    ok_actions: list[str] = field(default_factory=list)
    insufficient_data_actions: list[str] = field(default_factory=list)
    description: str | None = None
    unit: str | None = None
    state: str = "INSUFFICIENT_DATA"
    # CloudWatch's StateReason of a new alarm
    state_reason: str = "Unchecked: Initial alarm creation"
    state_updated: float = 0.0
    configuration_updated: float = 0.0
    value: float | None = None  # the newest datapoint's statistic
    recent: list[tuple[float, float]] = field(default_factory=list)  # evaluated (time, value)
    owner: str | None = None  # the target-tracking policy ARN that owns it

    @property
    def arn(self) -> str:
        return f"arn:aws:cloudwatch:{ids.REGION}:{ids.ACCOUNT}:alarm:{self.name}"

    @property
    def needed(self) -> int:
        return self.datapoints_to_alarm or self.evaluation_periods

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class CloudWatch:
    """The account's metrics and alarms (one per engine)."""

    def __init__(self) -> None:
        self.series: dict[Key, collections.deque[Datapoint]] = {}
        self.alarms: dict[str, Alarm] = {}
        #: Docker: the previous cumulative CPU seconds of each task, and when read.
        self.cpu_seen: dict[str, tuple[float, float]] = {}
        #: Requests counted by a real load balancer since the last tick, by service ARN.
        self.requests: collections.Counter[str] = collections.Counter()

    # -- datapoints -----------------------------------------------------------------------------
    def put(self, key: Key, point: Datapoint) -> None:
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = collections.deque(maxlen=RETENTION)
        series.append(point)

    def points(self, key: Key, start: float, end: float) -> list[Datapoint]:
        return [p for p in self.series.get(key, ()) if start <= p.time < end]

    # -- alarms ---------------------------------------------------------------------------------
    def evaluate(self, alarm: Alarm, now: float, period: float) -> bool:
        """Evaluate ``alarm`` at ``now`` (``period``: the seconds of one CloudWatch minute on
        this engine). Returns whether its state changed."""
        key = (alarm.namespace, alarm.metric_name, alarm.dimensions)
        per = max(1, round(alarm.period / 60)) * period
        values: list[tuple[float, float]] = []
        for i in range(alarm.evaluation_periods, 0, -1):
            start = now - i * per
            value = statistic(self.points(key, start, start + per), alarm.statistic)
            if value is not None:
                values.append((start, value))
        alarm.recent = values
        alarm.value = values[-1][1] if values else None
        compare = COMPARE[alarm.comparison]
        breaching = [(t, v) for t, v in values if compare(v, alarm.threshold)]
        missing = alarm.evaluation_periods - len(values)
        if missing and alarm.treat_missing_data == "breaching":
            n_breach = len(breaching) + missing
        else:
            n_breach = len(breaching)
        if not values and alarm.treat_missing_data in ("missing", "ignore"):
            new = alarm.state if alarm.treat_missing_data == "ignore" else "INSUFFICIENT_DATA"
        elif n_breach >= alarm.needed:
            new = "ALARM"
        elif len(values) - len(breaching) > alarm.evaluation_periods - alarm.needed or (
            alarm.treat_missing_data == "notBreaching"
        ):
            new = "OK"
        else:
            new = alarm.state
        if new == alarm.state:
            return False
        before, alarm.state, alarm.state_updated = alarm.state, new, now
        alarm.state_reason = _reason(alarm, values, before, new)
        return True


def _stamp(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%d/%m/%y %H:%M:%S")


def _reason(alarm: Alarm, values: list[tuple[float, float]], before: str, new: str) -> str:
    """CloudWatch's "Threshold Crossed" reason, modelled on real alarm histories."""
    if not values:
        return "Insufficient Data: 0 datapoints were received for 1 period."  # our wording
    shown = ", ".join(f"{v:g} ({_stamp(t)})" for t, v in reversed(values))
    word = WORDS[alarm.comparison] if new == "ALARM" else "not " + WORDS[alarm.comparison]
    count = len(values) if new != "ALARM" else alarm.needed
    return (
        f"Threshold Crossed: {count} out of the last {alarm.evaluation_periods} datapoints "
        f"[{shown}] were {word} the threshold ({alarm.threshold:g}) "
        f"(minimum {alarm.needed} datapoint{'s' if alarm.needed != 1 else ''} for "
        f"{before} -> {new} transition)."
    )


def cloudwatch(store: store_mod.Store) -> CloudWatch:
    """The engine's CloudWatch (created on first use)."""
    found: CloudWatch | None = store.extensions.get("cloudwatch", None)
    if found is None:
        found = CloudWatch()
        store.extensions["cloudwatch"] = found
    return found


def record_requests(engine: Engine, service_arn: str, count: int = 1) -> None:
    """For the load balancer: ``count`` real requests reached ``service_arn``'s targets (used
    instead of the load model's rps for the next ``RequestCountPerTarget`` datapoint)."""
    cloudwatch(engine.store).requests[service_arn] += count


def ecs_key(metric: str, cluster: str, service: str) -> Key:
    return (ECS, metric, (("ClusterName", cluster), ("ServiceName", service)))


# -- sampling ------------------------------------------------------------------------------------
def _real_samples(
    engine: Engine, service_arn: str, now: float
) -> list[tuple[str, float, float]] | None:
    """Docker: one (task ARN, CPU %, memory %) per RUNNING task whose cgroups can be read;
    None when no task's could be read (then the load model stands in)."""
    cw = cloudwatch(engine.store)
    out = []
    readable = False
    for t in load_mod.running_tasks(engine, service_arn):
        agent = engine.store.agents.get(t.host_arn)
        usage = agent.runtime.usage(t.arn) if agent is not None else None
        if usage is None:
            continue
        readable = True
        cpu_seconds, memory_bytes = usage
        before = cw.cpu_seen.get(t.arn)
        cw.cpu_seen[t.arn] = (cpu_seconds, now)
        if before is None or now <= before[1]:
            continue  # the first reading of a task only starts its CPU clock
        units = t.cpu or 1024
        cpu = (cpu_seconds - before[0]) / (now - before[1]) * 1024 * 100 / units
        mem = memory_bytes * 100 / ((t.memory or 512) * 1024 * 1024)
        out.append((t.arn, max(0.0, cpu), max(0.0, mem)))
    return out if readable else None


def publish(engine: Engine, now: float, period: float) -> None:
    """One datapoint per metric of every active REPLICA service, stamped ``now - period``."""
    store = engine.store
    cw = cloudwatch(store)
    stamp = now - period
    real = store.runtime_name != "simulated"
    for svc in store.services.values():
        if svc.status != service_mod.ServiceStatus.ACTIVE:
            continue
        samples = _real_samples(engine, svc.arn, now) if real else None
        if samples is None:
            samples = load_mod.task_samples(engine, svc.arn)
        if not samples:
            continue
        cluster = arns.cluster_name(svc.cluster_arn)
        cpu = tuple(round(c, 4) for _, c, _ in samples)
        mem = tuple(round(m, 4) for _, _, m in samples)
        cw.put(ecs_key("CPUUtilization", cluster, svc.name), Datapoint(stamp, cpu))
        cw.put(ecs_key("MemoryUtilization", cluster, svc.name), Datapoint(stamp, mem))
    gone = {t for t in cw.cpu_seen if t not in store.tasks or not store.tasks[t].alive}
    for t in gone:
        del cw.cpu_seen[t]


def publish_requests(
    engine: Engine, service_arn: str, target_group: str, now: float, period: float
) -> None:
    """``AWS/ApplicationELB`` ``RequestCountPerTarget`` (Sum per minute) for one target group:
    real counted requests where a load balancer reported some, else the load model's rps."""
    cw = cloudwatch(engine.store)
    running = len(load_mod.running_tasks(engine, service_arn))
    counted = cw.requests.pop(service_arn, None)
    if counted is not None:
        total = float(counted) * 60.0 / period
    else:
        total = load_mod.service_load(engine, service_arn)[2] * 60.0
    if running == 0:
        return
    key: Key = (ELB, "RequestCountPerTarget", (("TargetGroup", target_group),))
    cw.put(key, Datapoint(now - period, (round(total / running, 4),), "None"))


def series_views(store: store_mod.Store, minutes: int = 30) -> tuple[Any, ...]:
    """``MetricSeriesView`` per ECS service metric, the last ``minutes`` datapoints."""
    from ecsedu.model import snapshot as snap

    found: CloudWatch | None = store.extensions.get("cloudwatch", None)
    if found is None:
        return ()
    out = []
    for (namespace, name, dims), series in found.series.items():
        d = dict(dims)
        if namespace != ECS or "ServiceName" not in d:
            continue
        points = tuple(
            (p.time, round(v, 2))
            for p in list(series)[-minutes:]
            if (v := statistic([p], "Average")) is not None
        )
        out.append(
            snap.MetricSeriesView(
                namespace=namespace,
                name=name,
                cluster_name=d.get("ClusterName", ""),
                service_name=d["ServiceName"],
                points=points,
            )
        )
    return tuple(out)


def finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))
