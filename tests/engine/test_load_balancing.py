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


def _requests(ecs: Any, tg_arn: str) -> int:
    """Requests the target group's targets served so far (counted up to now)."""
    ecs.elbv2.describe_target_health(TargetGroupArn=tg_arn)
    for lb in ecs.snapshot().load_balancers:
        for tg in lb.target_groups:
            if tg.arn == tg_arn:
                return sum(t.requests for t in tg.targets)
    raise AssertionError(f"no target group {tg_arn} in the snapshot")


def _target_tasks(ecs: Any, tg_arn: str) -> set[str]:
    """The task ARNs registered (and not draining) in a target group."""
    ecs.elbv2.describe_target_health(TargetGroupArn=tg_arn)
    for lb in ecs.snapshot().load_balancers:
        for tg in lb.target_groups:
            if tg.arn == tg_arn:
                return {t.task_arn for t in tg.targets if t.state != "draining" and t.task_arn}
    return set()


def test_blue_green_by_hand_with_task_sets_two_target_groups_and_a_listener_switch() -> None:
    ecs = ecsedu.connect(seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    web = {
        "name": "web",
        "image": "ecsedu/web",
        "memory": 128,
        "portMappings": [{"containerPort": 80, "hostPort": 0}],
    }
    ecs.register_task_definition(family="web", containerDefinitions=[web])
    ecs.register_task_definition(family="web", containerDefinitions=[dict(web, memory=96)])
    elb = ecs.elbv2
    lb_arn = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = {}
    for color in ("blue", "green"):
        tgs[color] = elb.create_target_group(
            Name=f"web-{color}",
            Protocol="HTTP",
            Port=80,
            VpcId=elb.default_vpc_id,
            HealthCheckIntervalSeconds=10,
            HealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]
    # production traffic on :80 (blue), a test listener on :8080 (green)
    listeners = {}
    for port, color in ((80, "blue"), (8080, "green")):
        listeners[port] = elb.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[color]}],
        )["Listeners"][0]["ListenerArn"]
    ecs.create_service(
        cluster="demo",
        serviceName="web",
        desiredCount=2,
        deploymentController={"type": "EXTERNAL"},
    )
    ids = {}
    for color, td in (("blue", "web:1"), ("green", "web:2")):
        ts = ecs.create_task_set(
            cluster="demo",
            service="web",
            taskDefinition=td,
            externalId=color,
            loadBalancers=[
                {"targetGroupArn": tgs[color], "containerName": "web", "containerPort": 80}
            ],
        )["taskSet"]
        assert ts["loadBalancers"][0]["targetGroupArn"] == tgs[color]
        ids[color] = ts["id"]
    ecs.update_service_primary_task_set(cluster="demo", service="web", primaryTaskSet=ids["blue"])
    ecs.advance(3)
    assert set(_statuses(ecs)) == {"ACTIVATING"}  # each task waits for its target group
    ecs.advance(60)
    assert set(_statuses(ecs)) == {"RUNNING"}
    tasks = ecs.describe_tasks(
        cluster="demo", tasks=ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"]
    )["tasks"]
    by_set = {color: {t["taskArn"] for t in tasks if t["startedBy"] == ids[color]} for color in ids}
    assert [len(by_set["blue"]), len(by_set["green"])] == [2, 2]
    # each task set's tasks are in its own target group only
    assert _target_tasks(ecs, tgs["blue"]) == by_set["blue"]
    assert _target_tasks(ecs, tgs["green"]) == by_set["green"]
    assert set(_health(ecs, tgs["blue"])) == set(_health(ecs, tgs["green"])) == {("healthy", None)}
    events = [
        e["message"]
        for e in ecs.describe_services(cluster="demo", services=["web"])["services"][0]["events"]
    ]
    assert f"(service web) registered 1 targets in (target-group {tgs['green']})" in events
    # production traffic reaches blue only
    ecs.load(cluster="demo", service="web", rps=10)
    before = {color: _requests(ecs, tgs[color]) for color in tgs}
    ecs.advance(100)
    served = {color: _requests(ecs, tgs[color]) - before[color] for color in tgs}
    assert served["blue"] == pytest.approx(1000, abs=100)
    assert served["green"] == 0
    # the switch: production :80 now forwards to green, the test listener :8080 to blue
    for port, color in ((80, "green"), (8080, "blue")):
        out = elb.modify_listener(
            ListenerArn=listeners[port],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[color]}],
        )["Listeners"][0]
        assert (out["Port"], out["DefaultActions"][0]["TargetGroupArn"]) == (port, tgs[color])
    described = elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
    assert {li["Port"]: li["DefaultActions"][0]["TargetGroupArn"] for li in described} == {
        80: tgs["green"],
        8080: tgs["blue"],
    }
    before = {color: _requests(ecs, tgs[color]) for color in tgs}
    ecs.advance(100)
    served = {color: _requests(ecs, tgs[color]) - before[color] for color in tgs}
    assert served["green"] == pytest.approx(1000, abs=100)
    assert served["blue"] == 0
    # green becomes PRIMARY; blue is deleted: its tasks drain out of the blue target group
    ecs.update_service_primary_task_set(cluster="demo", service="web", primaryTaskSet=ids["green"])
    ecs.delete_task_set(cluster="demo", service="web", taskSet=ids["blue"], force=True)
    ecs.advance(30)
    assert set(_health(ecs, tgs["blue"])) == {("draining", "Target.DeregistrationInProgress")}
    assert set(_health(ecs, tgs["green"])) == {("healthy", None)}
    ecs.advance(330)
    assert _target_tasks(ecs, tgs["blue"]) == set()
    assert _target_tasks(ecs, tgs["green"]) == by_set["green"]
    s = ecs.describe_services(cluster="demo", services=["web"])["services"][0]
    assert [t["id"] for t in s["taskSets"]] == [ids["green"]]
    assert s["loadBalancers"][0]["targetGroupArn"] == tgs["green"]
    assert s["runningCount"] == 2


def _blue_green_behind_two_listeners(
    interval: int,
) -> tuple[Any, str, dict[int, str], dict[str, str]]:
    """Task sets blue (web:1) and green (web:2), each in its own target group; production :80
    forwards to blue, a test listener :8080 to green. Returns (ecs, lb, listeners, groups)."""
    ecs = ecsedu.connect(seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    web = {
        "name": "web",
        "image": "ecsedu/web",
        "memory": 128,
        "portMappings": [{"containerPort": 80, "hostPort": 0}],
    }
    ecs.register_task_definition(family="web", containerDefinitions=[web])
    ecs.register_task_definition(family="web", containerDefinitions=[dict(web, memory=96)])
    elb = ecs.elbv2
    lb_arn = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = {
        color: elb.create_target_group(
            Name=f"web-{color}",
            Protocol="HTTP",
            Port=80,
            VpcId=elb.default_vpc_id,
            HealthCheckIntervalSeconds=interval,
        )["TargetGroups"][0]["TargetGroupArn"]
        for color in ("blue", "green")
    }
    listeners = {
        port: elb.create_listener(
            LoadBalancerArn=lb_arn,
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[color]}],
        )["Listeners"][0]["ListenerArn"]
        for port, color in ((80, "blue"), (8080, "green"))
    }
    ecs.create_service(
        cluster="demo", serviceName="web", desiredCount=1, deploymentController={"type": "EXTERNAL"}
    )
    for color, td in (("blue", "web:1"), ("green", "web:2")):
        ecs.create_task_set(
            cluster="demo",
            service="web",
            taskDefinition=td,
            loadBalancers=[
                {"targetGroupArn": tgs[color], "containerName": "web", "containerPort": 80}
            ],
        )
    ecs.advance(30)
    assert set(_statuses(ecs)) == {"RUNNING"}
    return ecs, lb_arn, listeners, tgs


@pytest.mark.parametrize("switch", ["modify_listener", "delete_and_create_listener"])
def test_traffic_counted_lazily_before_a_switch_stays_with_the_old_target_group(
    switch: str,
) -> None:
    # health checks every 300 s: nothing counts the requests between them but the switch itself
    ecs, lb_arn, listeners, tgs = _blue_green_behind_two_listeners(interval=300)
    before = {color: _requests(ecs, tgs[color]) for color in tgs}  # counted up to the load
    ecs.load(cluster="demo", service="web", rps=10)
    ecs.advance(100)
    for port, color in ((80, "green"), (8080, "blue")):
        action = [{"Type": "forward", "TargetGroupArn": tgs[color]}]
        if switch == "modify_listener":
            ecs.elbv2.modify_listener(ListenerArn=listeners[port], DefaultActions=action)
        else:
            ecs.elbv2.delete_listener(ListenerArn=listeners[port])
            ecs.elbv2.create_listener(LoadBalancerArn=lb_arn, Port=port, DefaultActions=action)
    ecs.advance(100)
    served = {color: _requests(ecs, tgs[color]) - before[color] for color in tgs}
    assert served["blue"] == pytest.approx(1000, abs=100)  # the 100 s before the switch
    assert served["green"] == pytest.approx(1000, abs=100)  # the 100 s after it
