"""Load balancing on the simulated runtime: gates, target health, draining, per-target counts."""

from __future__ import annotations

from typing import Any

import pytest

import ecsedu


def _world(
    *, interval: int = 10, delay: int | None = None, path: str = "/", count: int = 3
) -> tuple[Any, str]:
    ecs = ecsedu.connect(seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "web",
                "image": "ecsedu/web",
                "memory": 128,
                "portMappings": [{"containerPort": 80, "hostPort": 0}],
            }
        ],
    )
    elb = ecs.elbv2
    lb = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="web-tg",
        Protocol="HTTP",
        Port=80,
        VpcId=elb.default_vpc_id,
        HealthCheckIntervalSeconds=interval,
        HealthCheckPath=path,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]
    arn = tg["TargetGroupArn"]
    if delay is not None:
        elb.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}],
        )
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
    )
    ecs.create_service(
        cluster="demo",
        serviceName="web",
        taskDefinition="web",
        desiredCount=count,
        loadBalancers=[{"targetGroupArn": arn, "containerName": "web", "containerPort": 80}],
    )
    return ecs, arn


def _health(ecs: Any, arn: str) -> list[tuple[str, str | None]]:
    out = ecs.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return [(d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in out]


def _statuses(ecs: Any, desired: str = "RUNNING") -> list[str]:
    arns = ecs.list_tasks(cluster="demo", desiredStatus=desired)["taskArns"]
    if not arns:
        return []
    return [t["lastStatus"] for t in ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]]


def test_activating_waits_for_registration_and_the_first_healthy_check() -> None:
    ecs, arn = _world()
    ecs.advance(3)
    assert set(_statuses(ecs)) == {"ACTIVATING"}
    assert set(_health(ecs, arn)) == {("initial", "Elb.RegistrationInProgress")}
    ecs.advance(10)
    assert set(_health(ecs, arn)) == {("healthy", None)}
    assert set(_statuses(ecs)) == {"RUNNING"}
    events = [
        e["message"]
        for e in ecs.describe_services(cluster="demo", services=["web"])["services"][0]["events"]
    ]
    assert any(m == f"(service web) registered 1 targets in (target-group {arn})" for m in events)


def test_a_failing_path_makes_targets_unhealthy_with_elb_reason_and_ecs_stops_the_task() -> None:
    ecs, arn = _world(path="/missing")
    ecs.advance(8)  # registration done, first check failed
    assert set(_health(ecs, arn)) == {("initial", "Elb.InitialHealthChecking")}
    assert set(_statuses(ecs)) == {"ACTIVATING"}
    ecs.advance(10)
    stopped = ecs.list_tasks(cluster="demo", desiredStatus="STOPPED")["taskArns"]
    assert stopped
    task = ecs.describe_tasks(cluster="demo", tasks=stopped)["tasks"][0]
    assert task["stoppedReason"] == f"Task failed ELB health checks in (target-group {arn})"
    events = [
        e["message"]
        for e in ecs.describe_services(cluster="demo", services=["web"])["services"][0]["events"]
    ]
    assert any(
        "is unhealthy in (target-group" in m and "Health checks failed with these codes: [404]" in m
        for m in events
    )
    desc = ecs.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    reasons = {d["TargetHealth"].get("Reason") for d in desc}
    assert reasons & {"Target.ResponseCodeMismatch", "Target.DeregistrationInProgress"}


def test_deactivating_waits_out_the_deregistration_delay_draining() -> None:
    ecs, arn = _world(delay=60)
    ecs.advance(15)
    ecs.update_service(cluster="demo", service="web", desiredCount=2)
    ecs.advance(5)
    assert ("draining", "Target.DeregistrationInProgress") in _health(ecs, arn)
    assert "DEACTIVATING" in _statuses(ecs, "STOPPED")
    ecs.advance(50)
    assert "DEACTIVATING" in _statuses(ecs, "STOPPED")
    ecs.advance(15)
    assert _statuses(ecs, "STOPPED") == ["STOPPED"]
    assert set(_health(ecs, arn)) == {("healthy", None)}


def test_requests_are_spread_round_robin_over_healthy_targets() -> None:
    ecs, arn = _world()
    ecs.advance(15)
    ecs.load(cluster="demo", service="web", rps=30)
    ecs.advance(100)
    ecs.elbv2.describe_target_health(TargetGroupArn=arn)  # counts up to now
    targets = ecs.snapshot().load_balancers[0].target_groups[0].targets
    counts = [t.requests for t in targets]
    assert all(t.state == "healthy" for t in targets)
    assert max(counts) - min(counts) <= 1
    # counted at each health check: a load change shows within one interval (10 s x 30 rps)
    assert sum(counts) == pytest.approx(3000, abs=300)
    assert all(t.task_arn and t.address for t in targets)


def test_a_target_not_registered_is_unused() -> None:
    ecs, arn = _world()
    out = ecs.elbv2.describe_target_health(
        TargetGroupArn=arn, Targets=[{"Id": "i-0123456789abcdef0", "Port": 80}]
    )["TargetHealthDescriptions"][0]["TargetHealth"]
    assert out["State"] == "unused"
    assert out["Reason"] == "Target.NotRegistered"


def test_state_round_trips_through_save(tmp_path: Any) -> None:
    ecs, arn = _world()
    ecs.advance(15)
    path = str(tmp_path / "s.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert set(_health(again, arn)) == {("healthy", None)}
    again.advance(60)
    assert set(_health(again, arn)) == {("healthy", None)}
