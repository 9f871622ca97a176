"""The CloudWatch client: ``ecs.cloudwatch``, shaped like ``boto3.client("cloudwatch")``, over
the same engine as the ECS client.

Validated against botocore's own model of ``cloudwatch``; paginators and waiters
(``alarm_exists`` ...) come from botocore. Creating it starts the engine's metrics clock, so the
``AWS/ECS`` metrics of every service are published once a CloudWatch minute from then on.
"""

from __future__ import annotations

from ecsedu.engine import core
from ecsedu.engine.api import cloudwatch as api
from ecsedu.engine.clients.base import AwsClient, operation
from ecsedu.engine.controllers import autoscaling as ctl

__all__ = ["CloudWatchClient"]


class CloudWatchClient(AwsClient):
    """CloudWatch metrics and alarms (``ecs.cloudwatch``)."""

    service = "cloudwatch"

    def __init__(self, engine: core.Engine) -> None:
        super().__init__(engine)
        engine.run("StartMetrics", lambda: ctl.ensure(engine))

    put_metric_alarm = operation("PutMetricAlarm", api.put_metric_alarm)
    describe_alarms = operation("DescribeAlarms", api.describe_alarms)
    delete_alarms = operation("DeleteAlarms", api.delete_alarms)
    get_metric_statistics = operation("GetMetricStatistics", api.get_metric_statistics)
    get_metric_data = operation("GetMetricData", api.get_metric_data)
    list_metrics = operation("ListMetrics", api.list_metrics)
