"""The Application Auto Scaling client: ``ecs.autoscaling``, shaped like
``boto3.client("application-autoscaling")``, over the same engine as the ECS client.

Validated against botocore's own model of ``application-autoscaling``; paginators come from
botocore. Only ECS services (``ServiceNamespace="ecs"``) are simulated.

Beyond boto3, one teaching helper: ``set_period(seconds)``, the wall-clock seconds that stand for
one CloudWatch minute (default 60). On Docker, ``set_period(5)`` lets an alarm's "3 datapoints"
pass in 15 s; leave it at 60 on the simulated clock, where time costs nothing.
"""

from __future__ import annotations

import numbers

from ecsedu import errors
from ecsedu.engine.api import autoscaling as api
from ecsedu.engine.clients.base import AwsClient, operation
from ecsedu.engine.controllers import autoscaling as ctl

__all__ = ["AutoScalingClient"]


class AutoScalingClient(AwsClient):
    """Application Auto Scaling for ECS services (``ecs.autoscaling``)."""

    service = "application-autoscaling"

    register_scalable_target = operation("RegisterScalableTarget", api.register_scalable_target)
    deregister_scalable_target = operation(
        "DeregisterScalableTarget", api.deregister_scalable_target
    )
    describe_scalable_targets = operation("DescribeScalableTargets", api.describe_scalable_targets)
    put_scaling_policy = operation("PutScalingPolicy", api.put_scaling_policy)
    delete_scaling_policy = operation("DeleteScalingPolicy", api.delete_scaling_policy)
    describe_scaling_policies = operation("DescribeScalingPolicies", api.describe_scaling_policies)
    describe_scaling_activities = operation(
        "DescribeScalingActivities", api.describe_scaling_activities
    )

    def set_period(self, seconds: object) -> None:
        """Teaching helper: the seconds of one CloudWatch minute on this engine (default 60).
        Shorter only makes sense on the wall clock (Docker): each tick of the autoscaling
        controller stands for one minute of datapoints and alarm evaluation."""
        if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
            raise errors.UsageError(f"set_period(seconds) takes a number, not {seconds!r}")
        if not 1 <= float(seconds) <= 60:
            raise errors.UsageError(f"set_period(seconds) takes 1 to 60 seconds, not {seconds!r}")

        def apply() -> None:
            ctl.scaling(self.engine.store).period = float(seconds)
            ctl.ensure(self.engine).restart()

        self.engine.run("SetPeriod", apply)
