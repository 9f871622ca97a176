"""CloudWatch metrics and alarms, shaped like ``boto3.client("cloudwatch")``.

The metrics are the ones the engine publishes once a CloudWatch minute (``AWS/ECS``
``CPUUtilization`` / ``MemoryUtilization`` by ``ClusterName`` and ``ServiceName``, and
``AWS/ApplicationELB`` ``RequestCountPerTarget`` for request-count policies); alarms are
evaluated on the same tick. Errors are CloudWatch's (``InvalidParameterValue``,
``InvalidParameterCombination``, ``MissingParameter``, ``ResourceNotFound``).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Any

from ecsedu import errors
from ecsedu.engine import describe
from ecsedu.engine.clients.base import check_request
from ecsedu.engine.controllers import autoscaling as ctl
from ecsedu.engine.controllers import metrics as metrics_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

SERVICE = "cloudwatch"
STATS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")


def _error(code: str, message: str, op: str) -> errors.ClientError:
    return errors.service_error(SERVICE, code, message, op)


def _seconds(value: Any) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return float(value.timestamp())
    if isinstance(value, str):
        return float(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return float(value)


def _period(engine: Engine) -> float:
    return ctl.scaling(engine.store).period


# =========================================================================== alarms
def put_metric_alarm(engine: Engine, **params: Any) -> dict[str, Any]:
    """Create or update a metric alarm (one metric, one statistic; no metric math)."""
    op = "PutMetricAlarm"
    check_request(SERVICE, op, params)
    if params.get("Metrics"):
        raise _error(
            "InvalidParameterCombination",
            "ecsedu alarms watch one metric (MetricName, Namespace), not metric math",
            op,
        )  # our wording
    for required in ("MetricName", "Namespace", "EvaluationPeriods", "ComparisonOperator"):
        if required not in params:
            raise _error(
                "MissingParameter",
                f"The parameter {required} is required.",
                op,
            )  # our wording
    if "Statistic" not in params:
        raise _error(
            "MissingParameter", "The parameter Statistic is required.", op
        )  # our wording (ExtendedStatistic is not simulated)
    if params["ComparisonOperator"] not in metrics_mod.COMPARE:
        raise _error(
            "InvalidParameterValue",
            f"Invalid value for ComparisonOperator: {params['ComparisonOperator']}",
            op,
        )  # our wording
    period = int(params.get("Period", 60))
    if period < 60 or period % 60:
        raise _error(
            "InvalidParameterValue",
            "ecsedu publishes one datapoint a minute: Period must be a multiple of 60.",
            op,
        )  # our wording
    evaluation = int(params["EvaluationPeriods"])
    needed = params.get("DatapointsToAlarm")
    if evaluation < 1 or (needed is not None and not 1 <= needed <= evaluation):
        raise _error(
            "InvalidParameterValue",
            "DatapointsToAlarm must be between 1 and EvaluationPeriods.",
            op,
        )  # our wording
    cw = metrics_mod.cloudwatch(engine.store)
    now = engine.clock.now
    old = cw.alarms.get(params["AlarmName"])
    alarm = metrics_mod.Alarm(
        name=params["AlarmName"],
        namespace=params["Namespace"],
        metric_name=params["MetricName"],
        dimensions=metrics_mod.dims_key(params.get("Dimensions")),
        statistic=params["Statistic"],
        period=period,
        evaluation_periods=evaluation,
        datapoints_to_alarm=needed,
        threshold=float(params.get("Threshold", 0.0)),
        comparison=params["ComparisonOperator"],
        treat_missing_data=params.get("TreatMissingData", "missing"),
        actions_enabled=params.get("ActionsEnabled", True),
        alarm_actions=list(params.get("AlarmActions", [])),
        ok_actions=list(params.get("OKActions", [])),
        insufficient_data_actions=list(params.get("InsufficientDataActions", [])),
        description=params.get("AlarmDescription"),
        unit=params.get("Unit"),
        state_updated=old.state_updated if old else now,
        configuration_updated=now,
    )
    if old is not None:
        alarm.state, alarm.state_reason, alarm.owner = old.state, old.state_reason, old.owner
    cw.alarms[alarm.name] = alarm
    engine.store.touch()
    ctl.ensure(engine)
    return {}


def _alarm_json(a: metrics_mod.Alarm) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AlarmName": a.name,
        "AlarmArn": a.arn,
        "AlarmConfigurationUpdatedTimestamp": describe.timestamp(a.configuration_updated),
        "ActionsEnabled": a.actions_enabled,
        "OKActions": list(a.ok_actions),
        "AlarmActions": list(a.alarm_actions),
        "InsufficientDataActions": list(a.insufficient_data_actions),
        "StateValue": a.state,
        "StateReason": a.state_reason,
        "StateUpdatedTimestamp": describe.timestamp(a.state_updated),
        "MetricName": a.metric_name,
        "Namespace": a.namespace,
        "Statistic": a.statistic,
        "Dimensions": [{"Name": k, "Value": v} for k, v in a.dimensions],
        "Period": a.period,
        "EvaluationPeriods": a.evaluation_periods,
        "Threshold": a.threshold,
        "ComparisonOperator": a.comparison,
        "TreatMissingData": a.treat_missing_data,
    }
    if a.datapoints_to_alarm is not None:
        out["DatapointsToAlarm"] = a.datapoints_to_alarm
    if a.description is not None:
        out["AlarmDescription"] = a.description
    if a.unit is not None:
        out["Unit"] = a.unit
    return out


def _page(
    items: list[Any], params: dict[str, Any], key: str, op: str, limit: int
) -> dict[str, Any]:
    limit = int(params.get("MaxRecords") or limit)
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise _error(
                "InvalidNextToken", "The service returned an invalid NextToken.", op
            ) from None  # our wording
    out: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        out["NextToken"] = base64.b64encode(str(start + limit).encode()).decode()
    return out


def describe_alarms(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DescribeAlarms"
    check_request(SERVICE, op, params)
    cw = metrics_mod.cloudwatch(engine.store)
    names = params.get("AlarmNames")
    prefix = params.get("AlarmNamePrefix")
    state = params.get("StateValue")
    action = params.get("ActionPrefix")
    found = [
        _alarm_json(a)
        for a in sorted(cw.alarms.values(), key=lambda a: a.name)
        if (not names or a.name in names)
        and (prefix is None or a.name.startswith(prefix))
        and (state is None or a.state == state)
        and (action is None or any(x.startswith(action) for x in a.alarm_actions))
    ]
    types = params.get("AlarmTypes") or ["MetricAlarm"]
    out = _page(found if "MetricAlarm" in types else [], params, "MetricAlarms", op, 50)
    out["CompositeAlarms"] = []
    return out


def delete_alarms(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "DeleteAlarms"
    check_request(SERVICE, op, params)
    cw = metrics_mod.cloudwatch(engine.store)
    missing = [n for n in params["AlarmNames"] if n not in cw.alarms]
    if missing:
        raise _error(
            "ResourceNotFound",
            f"Alarm{'s' if len(missing) > 1 else ''} not found: {', '.join(missing)}",
            op,
        )  # our wording
    for name in params["AlarmNames"]:
        del cw.alarms[name]
    engine.store.touch()
    return {}


# =========================================================================== metrics
def _buckets(
    engine: Engine, key: metrics_mod.Key, start: float, end: float, period: int
) -> list[tuple[float, list[metrics_mod.Datapoint]]]:
    """Datapoints grouped in ``period``-second buckets (CloudWatch minutes scaled to the
    engine's minute), oldest first, empty buckets left out."""
    cw = metrics_mod.cloudwatch(engine.store)
    width = max(1, round(period / 60)) * _period(engine)
    groups: dict[float, list[metrics_mod.Datapoint]] = {}
    for p in cw.points(key, start, end):
        base = start + ((p.time - start) // width) * width
        groups.setdefault(base, []).append(p)
    return sorted(groups.items())


def get_metric_statistics(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "GetMetricStatistics"
    check_request(SERVICE, op, params)
    stats = params.get("Statistics") or []
    if not stats:
        raise _error(
            "InvalidParameterCombination",
            "Must specify either Statistics or ExtendedStatistics, but not both.",  # our wording
            op,
        )
    if params.get("Period", 0) < 60 or params["Period"] % 60:
        raise _error(
            "InvalidParameterValue",
            "The parameter Period must be a multiple of 60.",  # our wording
            op,
        )
    key: metrics_mod.Key = (
        params["Namespace"],
        params["MetricName"],
        metrics_mod.dims_key(params.get("Dimensions")),
    )
    start, end = _seconds(params["StartTime"]), _seconds(params["EndTime"])
    points = []
    for t, group in _buckets(engine, key, start, end, params["Period"]):
        dp: dict[str, Any] = {"Timestamp": describe.timestamp(t), "Unit": group[0].unit}
        for s in stats:
            value = metrics_mod.statistic(group, s)
            if value is not None:
                dp[s] = value
        points.append(dp)
    return {"Label": params["MetricName"], "Datapoints": points}


def get_metric_data(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "GetMetricData"
    check_request(SERVICE, op, params)
    start, end = _seconds(params["StartTime"]), _seconds(params["EndTime"])
    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    results = []
    for query in params["MetricDataQueries"]:
        if "Expression" in query or "MetricStat" not in query:
            raise _error(
                "ValidationError",
                "ecsedu answers MetricStat queries only (no metric math expressions).",
                op,
            )  # our wording
        stat = query["MetricStat"]
        metric = stat["Metric"]
        if stat["Stat"] not in STATS:
            raise _error(
                "ValidationError", f"Unsupported statistic: {stat['Stat']}", op
            )  # our wording
        key: metrics_mod.Key = (
            metric.get("Namespace", ""),
            metric.get("MetricName", ""),
            metrics_mod.dims_key(metric.get("Dimensions")),
        )
        rows = [
            (t, metrics_mod.statistic(group, stat["Stat"]))
            for t, group in _buckets(engine, key, start, end, stat["Period"])
        ]
        rows = [(t, v) for t, v in rows if v is not None]
        if descending:
            rows.reverse()
        if query.get("ReturnData", True):
            results.append(
                {
                    "Id": query["Id"],
                    "Label": query.get("Label", metric.get("MetricName", "")),
                    "Timestamps": [describe.timestamp(t) for t, _ in rows],
                    "Values": [v for _, v in rows],
                    "StatusCode": "Complete",
                }
            )
    return {"MetricDataResults": results, "Messages": []}


def list_metrics(engine: Engine, **params: Any) -> dict[str, Any]:
    op = "ListMetrics"
    check_request(SERVICE, op, params)
    cw = metrics_mod.cloudwatch(engine.store)
    namespace = params.get("Namespace")
    name = params.get("MetricName")
    wanted = params.get("Dimensions") or []
    items = []
    for ns, metric, dims in cw.series:
        if namespace is not None and ns != namespace:
            continue
        if name is not None and metric != name:
            continue
        d = dict(dims)
        if any(w["Name"] not in d or ("Value" in w and d[w["Name"]] != w["Value"]) for w in wanted):
            continue
        items.append(
            {
                "Namespace": ns,
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
            }
        )
    return _page(items, params, "Metrics", op, 500)
