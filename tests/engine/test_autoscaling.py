"""Service Auto Scaling on the simulated clock: exact times from AWS's rules, bounds, cooldowns,
no scale-in during a deployment, and Application Auto Scaling's error codes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

import ecsedu
from ecsedu import clock as clock_mod

C, S = "demo", "web"
RID = f"service/{C}/{S}"
T = {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount"}


def world(desired: int = 2, cpu: int = 128) -> Any:
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=8192, memory=16384)
    ecs.register_task_definition(
        family=S,
        containerDefinitions=[{"name": S, "image": "ecsedu/web", "cpu": cpu, "memory": 128}],
    )
    ecs.create_service(cluster=C, serviceName=S, taskDefinition=S, desiredCount=desired)
    ecs.get_waiter("services_stable").wait(cluster=C, services=[S])
    assert ecs.clock.now - clock_mod.EPOCH < 60  # the first CloudWatch minute ends at +60 s
    return ecs


def tracking(
    ecs: Any, target: float = 50.0, lo: int = 1, hi: int = 10, **cfg: Any
) -> dict[str, Any]:
    ecs.autoscaling.register_scalable_target(**T, MinCapacity=lo, MaxCapacity=hi)
    return ecs.autoscaling.put_scaling_policy(
        **T,
        PolicyName="cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": target,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            **cfg,
        },
    )


def desired(ecs: Any) -> int:
    return int(ecs.describe_services(cluster=C, services=[S])["services"][0]["desiredCount"])


def until(ecs: Any, seconds: float) -> None:
    """Advance to EPOCH + seconds (just after the tick at that instant)."""
    ecs.advance(clock_mod.EPOCH + seconds - ecs.clock.now)


def activities(ecs: Any) -> list[dict[str, Any]]:
    return list(
        ecs.autoscaling.describe_scaling_activities(ServiceNamespace="ecs")["ScalingActivities"]
    )


def test_target_tracking_creates_its_two_alarms_as_aws_names_them() -> None:
    ecs = world()
    resp = tracking(ecs, target=70.0)
    names = [a["AlarmName"] for a in resp["Alarms"]]
    assert names[0].startswith(f"TargetTracking-{RID}-AlarmHigh-")
    assert names[1].startswith(f"TargetTracking-{RID}-AlarmLow-")
    alarms = {a["AlarmName"]: a for a in ecs.cloudwatch.describe_alarms()["MetricAlarms"]}
    high, low = alarms[names[0]], alarms[names[1]]
    assert (high["ComparisonOperator"], high["Threshold"], high["EvaluationPeriods"]) == (
        "GreaterThanThreshold",
        70.0,
        3,
    )
    assert (low["ComparisonOperator"], low["Threshold"], low["EvaluationPeriods"]) == (
        "LessThanThreshold",
        63.0,
        15,
    )
    assert high["Namespace"] == "AWS/ECS"
    assert high["MetricName"] == "CPUUtilization"
    assert high["Dimensions"] == [
        {"Name": "ClusterName", "Value": C},
        {"Name": "ServiceName", "Value": S},
    ]
    assert high["Period"] == 60
    assert high["Statistic"] == "Average"
    assert high["AlarmActions"] == [resp["PolicyARN"]]
    assert high["StateValue"] == "INSUFFICIENT_DATA"
    policy = ecs.autoscaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"][0]
    assert [a["AlarmName"] for a in policy["Alarms"]] == names
    ecs.autoscaling.delete_scaling_policy(**T, PolicyName="cpu")
    assert ecs.cloudwatch.describe_alarms()["MetricAlarms"] == []  # owned alarms go with it


def test_scale_out_at_the_third_breaching_minute_clamped_to_max() -> None:
    ecs = world()
    tracking(ecs, target=50.0, hi=5)
    ecs.load(cluster=C, service=S, cpu_percent=300)  # 2 tasks at ~300 %
    until(ecs, 179)
    assert desired(ecs) == 2  # two breaching minutes are not enough
    until(ecs, 180)  # datapoints of minutes 0, 1, 2 all breach: ALARM, and the policy acts
    assert desired(ecs) == 5  # ceil(2 × 301 / 50) = 13, clamped to MaxCapacity
    (act,) = activities(ecs)
    assert act["Description"] == "Setting desired count to 5."
    assert act["Cause"].startswith(f"monitor alarm TargetTracking-{RID}-AlarmHigh-")
    assert act["Cause"].endswith("in state ALARM triggered policy cpu")
    assert act["StatusCode"] == "Successful"
    assert act["StartTime"].timestamp() == clock_mod.EPOCH + 180
    events = ecs.describe_services(cluster=C, services=[S])["services"][0]["events"]
    assert any(
        "Application Auto Scaling set the desired count to 5" in e["message"] for e in events
    )
    until(ecs, 3600)
    assert desired(ecs) == 5  # still breaching, but capped
    snap = ecs.snapshot().services[0].scaling
    assert snap.max_capacity == 5
    assert snap.policy_kind == "TargetTrackingScaling"
    assert snap.alarms[0].state == "ALARM"
    assert snap.alarms[0].value > 50
    assert snap.last_activity.description == "Setting desired count to 5."
    assert {m.name for m in ecs.snapshot().metrics} == {"CPUUtilization", "MemoryUtilization"}
    assert all(len(m.points) == 30 for m in ecs.snapshot().metrics)


def test_scale_out_cooldown_holds_then_settles() -> None:
    ecs = world()
    tracking(ecs, target=50.0, hi=4, ScaleOutCooldown=300)
    ecs.load(cluster=C, service=S, cpu_percent=300)  # 2 tasks at 300 %: 600 % of demand
    until(ecs, 180)
    assert desired(ecs) == 4
    ecs.autoscaling.register_scalable_target(**T, MaxCapacity=20)  # room to grow again
    until(ecs, 479)
    assert desired(ecs) == 4  # the alarm stays in ALARM, but the cooldown holds
    until(ecs, 480)
    assert desired(ecs) == 13  # ceil(4 × 151 / 50)
    until(ecs, 1800)
    assert desired(ecs) == 13  # 600 / 13 + 1 ≈ 47 % < 50 %: settled, no runaway
    assert [a["StartTime"].timestamp() - clock_mod.EPOCH for a in activities(ecs)] == [480, 180]


def test_scale_in_after_fifteen_low_minutes_and_scale_in_cooldown() -> None:
    ecs = world(desired=8)
    tracking(ecs, target=50.0, lo=6, ScaleInCooldown=600)
    ecs.load(cluster=C, service=S, cpu_percent=20)  # 8 tasks at 21 %: below 45 % (0.9 × 50)
    until(ecs, 899)
    assert desired(ecs) == 8
    until(ecs, 900)  # minutes 0..14: fifteen low datapoints, the low alarm fires
    assert desired(ecs) == 6  # ceil(8 × 21 / 50) = 4, clamped to MinCapacity
    ecs.autoscaling.register_scalable_target(**T, MinCapacity=2)
    until(ecs, 1499)
    assert desired(ecs) == 6  # still ALARM, but the scale-in cooldown holds
    until(ecs, 1500)
    assert desired(ecs) == 4  # ceil(6 × 27.7 / 50)
    causes = [a["Cause"] for a in activities(ecs)]
    assert all(f"TargetTracking-{RID}-AlarmLow-" in c for c in causes)


def test_no_scale_in_during_a_deployment() -> None:
    ecs = world(desired=4)
    tracking(ecs, target=50.0)
    # a new revision that cannot be placed: the deployment stays IN_PROGRESS
    ecs.register_task_definition(
        family=S,
        containerDefinitions=[{"name": S, "image": "ecsedu/web", "cpu": 128, "memory": 60000}],
    )
    ecs.update_service(cluster=C, service=S, taskDefinition=S)
    ecs.load(cluster=C, service=S, cpu_percent=10)
    until(ecs, 3600)
    svc = ecs.describe_services(cluster=C, services=[S])["services"][0]
    assert len(svc["deployments"]) == 2
    assert svc["desiredCount"] == 4
    low = ecs.snapshot().services[0].scaling.alarms[1]
    assert low.state == "ALARM"  # the alarm fires, the scale-in is suspended
    assert activities(ecs) == []


def test_registering_bounds_clamps_the_desired_count() -> None:
    ecs = world(desired=2)
    ecs.autoscaling.register_scalable_target(**T, MinCapacity=3, MaxCapacity=6)
    assert desired(ecs) == 3
    assert activities(ecs)[0]["Description"] == "Setting desired count to 3."
    target = ecs.autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target[0]["MinCapacity"], target[0]["MaxCapacity"]) == (3, 6)


def test_step_scaling_with_a_cooldown() -> None:
    ecs = world()
    ecs.autoscaling.register_scalable_target(**T, MinCapacity=1, MaxCapacity=10)
    arn = ecs.autoscaling.put_scaling_policy(
        **T,
        PolicyName="step-out",
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity",
            "Cooldown": 300,
            "MetricAggregationType": "Average",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
        },
    )["PolicyARN"]
    ecs.cloudwatch.put_metric_alarm(
        AlarmName="web-cpu-high",
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "ClusterName", "Value": C}, {"Name": "ServiceName", "Value": S}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=60.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[arn],
    )
    ecs.load(cluster=C, service=S, cpu_percent=500)
    until(ecs, 60)
    assert desired(ecs) == 3
    until(ecs, 359)
    assert desired(ecs) == 3
    until(ecs, 360)
    assert desired(ecs) == 4
    assert activities(ecs)[0]["Cause"] == (
        "monitor alarm web-cpu-high in state ALARM triggered policy step-out"
    )


def test_deterministic_for_a_seed() -> None:
    def run() -> list[Any]:
        ecs = world()
        tracking(ecs)
        ecs.load(cluster=C, service=S, cpu_percent=150)
        until(ecs, 1200)
        return [(m.name, m.points) for m in ecs.snapshot().metrics]

    assert run() == run()


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_errors_are_application_auto_scalings() -> None:
    ecs = world()
    aas = ecs.autoscaling
    tracking_policy = {
        "TargetValue": 50.0,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    }
    with pytest.raises(aas.exceptions.ObjectNotFoundException) as e:
        aas.put_scaling_policy(
            **T,
            PolicyName="p",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=tracking_policy,
        )
    assert e.value.response["Error"]["Message"] == (
        f"No scalable target registered for service namespace: ecs, resource ID: {RID}, "
        "scalable dimension: ecs:service:DesiredCount"
    )
    with pytest.raises(aas.exceptions.ValidationException):
        aas.register_scalable_target(**T, MinCapacity=5, MaxCapacity=2)
    aas.register_scalable_target(**T, MinCapacity=1, MaxCapacity=4)
    with pytest.raises(aas.exceptions.ValidationException) as e:
        aas.put_scaling_policy(
            **T,
            PolicyName="p",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 50.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageGPU"},
            },
        )
    assert "Member must satisfy enum value set" in e.value.response["Error"]["Message"]
    with pytest.raises(aas.exceptions.ValidationException):
        aas.put_scaling_policy(
            **T,
            PolicyName="p",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 500.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ALBRequestCountPerTarget"
                },
            },
        )
    with pytest.raises(ParamValidationError):
        aas.register_scalable_target(ResourceId=RID, ScalableDimension="ecs:service:DesiredCount")
    with pytest.raises(aas.exceptions.ObjectNotFoundException):
        aas.delete_scaling_policy(**T, PolicyName="nope")
    aas.deregister_scalable_target(**T)
    with pytest.raises(aas.exceptions.ObjectNotFoundException):
        aas.deregister_scalable_target(**T)
    assert aas.get_paginator("describe_scalable_targets").paginate(
        ServiceNamespace="ecs"
    ).build_full_result() == {"ScalableTargets": []}


def test_request_count_policy_tracks_rps() -> None:
    ecs = world()
    ecs.autoscaling.register_scalable_target(**T, MinCapacity=1, MaxCapacity=10)
    ecs.autoscaling.put_scaling_policy(
        **T,
        PolicyName="rps",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 600.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": "app/lb/0123456789abcdef/targetgroup/web/fedcba9876543210",
            },
        },
    )
    ecs.load(cluster=C, service=S, rps=40)  # 2400 requests a minute over 2 targets
    until(ecs, 180)
    assert desired(ecs) == 4  # ceil(2 × 1200 / 600)
