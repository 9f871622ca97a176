"""CloudWatch: the AWS/ECS metrics once a minute, statistics, metric data, alarms and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from ecsedu import clock as clock_mod
from tests.engine.test_autoscaling import C, S, until, world

DIMS = [{"Name": "ClusterName", "Value": C}, {"Name": "ServiceName", "Value": S}]
START = dt.datetime.fromtimestamp(clock_mod.EPOCH, dt.UTC)


def test_ecs_metrics_one_datapoint_per_minute() -> None:
    ecs = world(desired=2)
    cw = ecs.cloudwatch
    ecs.load(cluster=C, service=S, cpu_percent=50, memory_percent=20)  # 2 tasks
    until(ecs, 600)
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/ECS")["Metrics"]}
    assert names == {"CPUUtilization", "MemoryUtilization"}
    stats = cw.get_metric_statistics(
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=DIMS,
        StartTime=START,
        EndTime=START + dt.timedelta(minutes=10),
        Period=60,
        Statistics=["Average", "Maximum", "SampleCount"],
    )["Datapoints"]
    assert len(stats) == 10
    assert all(p["SampleCount"] == 2 for p in stats)  # one sample per RUNNING task
    assert all(45 < p["Average"] < 57 for p in stats)  # 1 % idle + 100 % / 2, with noise
    five = cw.get_metric_statistics(
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=DIMS,
        StartTime=START,
        EndTime=START + dt.timedelta(minutes=10),
        Period=300,
        Statistics=["SampleCount"],
    )["Datapoints"]
    assert [p["SampleCount"] for p in five] == [10, 10]
    data = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ECS",
                        "MetricName": "MemoryUtilization",
                        "Dimensions": DIMS,
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
            }
        ],
        StartTime=START,
        EndTime=START + dt.timedelta(minutes=10),
    )["MetricDataResults"][0]
    assert len(data["Values"]) == 10
    assert data["StatusCode"] == "Complete"
    assert data["Timestamps"][0] > data["Timestamps"][-1]  # TimestampDescending


def test_user_alarm_states_and_errors() -> None:
    ecs = world(desired=2)
    cw = ecs.cloudwatch
    cw.put_metric_alarm(
        AlarmName="hot",
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=DIMS,
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        Threshold=80.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert (
        cw.describe_alarms(AlarmNames=["hot"])["MetricAlarms"][0]["StateValue"]
        == "INSUFFICIENT_DATA"
    )
    until(ecs, 120)
    alarm = cw.describe_alarms(AlarmNames=["hot"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "OK"
    ecs.load(cluster=C, service=S, cpu_percent=200)
    until(ecs, 240)
    alarm = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"][0]
    assert alarm["AlarmName"] == "hot"
    assert alarm["StateReason"].startswith("Threshold Crossed: 2 out of the last 2 datapoints")
    with pytest.raises(cw.exceptions.InvalidParameterCombinationException):
        cw.get_metric_statistics(
            Namespace="AWS/ECS",
            MetricName="CPUUtilization",
            StartTime=START,
            EndTime=START,
            Period=60,
        )
    with pytest.raises(cw.exceptions.ResourceNotFound):
        cw.delete_alarms(AlarmNames=["nope"])
    cw.delete_alarms(AlarmNames=["hot"])
    assert cw.describe_alarms()["MetricAlarms"] == []
