"""The real load balancer on Docker: a proxy on 127.0.0.1 spreading requests over the tasks."""

from __future__ import annotations

import time
from typing import Any

import pytest

import ecsedu
from ecsedu import loadgen

pytestmark = pytest.mark.docker


@pytest.fixture
def ecs() -> Any:
    from ecsedu.runtimes import docker as docker_rt

    try:
        docker_rt.check_engine(None)
    except Exception as exc:  # no engine here
        pytest.skip(f"no Docker engine: {exc}")
    ecs = ecsedu.connect("docker", namespace="ecsedu-test-lb")
    yield ecs
    ecs.close(cleanup=True)


def _setup(ecs: Any, count: int = 3) -> tuple[str, str]:
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "web",
                "image": "ecsedu/web",
                "memory": 64,
                "portMappings": [{"containerPort": 80, "hostPort": 0}],
            }
        ],
    )
    elb = ecs.elbv2
    lb = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(
        Name="web-tg",
        Protocol="HTTP",
        Port=80,
        VpcId=elb.default_vpc_id,
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}],
    )
    elb.create_listener(
        LoadBalancerArn=lb, Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )
    ecs.create_service(
        cluster="demo",
        serviceName="web",
        taskDefinition="web",
        desiredCount=count,
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}],
    )
    ecs.get_waiter("services_stable").wait(
        cluster="demo", services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    dns = elb.describe_load_balancers()["LoadBalancers"][0]["DNSName"]
    assert dns.startswith("127.0.0.1:")
    return tg, dns


def test_the_proxy_spreads_requests_over_the_tasks(ecs: Any) -> None:
    tg, dns = _setup(ecs)
    result = loadgen.run(f"http://{dns}/", requests=90, concurrency=4)
    assert result["ok"] == 90
    assert len(result["answered_by"]) == 3  # three different task ids answered
    assert sorted(result["answered_by"].values()) == [30, 30, 30]
    lb = ecs.snapshot().load_balancers[0]
    assert lb.address == dns
    assert sum(t.requests for t in lb.target_groups[0].targets) >= 90


def test_a_killed_task_is_taken_out(ecs: Any) -> None:
    tg, dns = _setup(ecs, count=2)
    tasks = ecs.list_tasks(cluster="demo")["taskArns"]
    victim = ecs.describe_tasks(cluster="demo", tasks=tasks[:1])["tasks"][0]
    ecs.inject("container_exit", task=victim["taskArn"], container="web", exit_code=137)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ecs.advance(0.5)
        targets = ecs.snapshot().load_balancers[0].target_groups[0].targets
        if all(t.task_arn != victim["taskArn"] or t.state == "draining" for t in targets):
            break
    result = loadgen.run(f"http://{dns}/", requests=40, concurrency=4)
    assert result["ok"] == 40
    assert victim["taskArn"].rsplit("/", 1)[1] not in result["answered_by"]


def test_modify_listener_switches_the_running_proxy_to_green(ecs: Any) -> None:
    """Blue/green by hand: two task sets, each in its own target group; ModifyListener moves
    the production listener's proxy (same address, no restart) from blue's tasks to green's,
    then a port change gives the listener a new proxy."""
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=2)
    web = {
        "name": "web",
        "image": "ecsedu/web",
        "memory": 64,
        "portMappings": [{"containerPort": 80, "hostPort": 0}],
    }
    ecs.register_task_definition(family="web", containerDefinitions=[web])
    ecs.register_task_definition(family="web", containerDefinitions=[dict(web, memory=48)])
    elb = ecs.elbv2
    lb = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = {}
    for color in ("blue", "green"):
        tgs[color] = elb.create_target_group(
            Name=f"web-{color}",
            Protocol="HTTP",
            Port=80,
            VpcId=elb.default_vpc_id,
            HealthCheckIntervalSeconds=5,
            HealthCheckTimeoutSeconds=2,
            HealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]
    listeners = {
        port: elb.create_listener(
            LoadBalancerArn=lb,
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[color]}],
        )["Listeners"][0]["ListenerArn"]
        for port, color in ((80, "blue"), (8080, "green"))
    }
    ecs.create_service(
        cluster="demo", serviceName="web", desiredCount=1, deploymentController={"type": "EXTERNAL"}
    )
    sets = {}
    for color, td in (("blue", "web:1"), ("green", "web:2")):
        sets[color] = ecs.create_task_set(
            cluster="demo",
            service="web",
            taskDefinition=td,
            loadBalancers=[
                {"targetGroupArn": tgs[color], "containerName": "web", "containerPort": 80}
            ],
        )["taskSet"]["id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ecs.advance(0.5)
        states = {
            color: [
                d["TargetHealth"]["State"]
                for d in elb.describe_target_health(TargetGroupArn=tgs[color])[
                    "TargetHealthDescriptions"
                ]
            ]
            for color in tgs
        }
        if all(s == ["healthy"] for s in states.values()):
            break
    assert all(s == ["healthy"] for s in states.values()), states
    tasks = ecs.describe_tasks(
        cluster="demo", tasks=ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"]
    )["tasks"]
    ids = {
        color: {t["taskArn"].rsplit("/", 1)[1] for t in tasks if t["startedBy"] == sets[color]}
        for color in sets
    }
    assert [len(ids["blue"]), len(ids["green"])] == [1, 1]
    (production,) = elb.describe_listeners(ListenerArns=[listeners[80]])["Listeners"]
    address = elb.describe_load_balancers()["LoadBalancers"][0]["DNSName"]
    assert address.startswith("127.0.0.1:")
    before = loadgen.run(f"http://{address}/", requests=20, concurrency=2)
    assert before["ok"] == 20
    assert set(before["answered_by"]) == ids["blue"]
    # the switch: the same proxy (same address) answers from green's task at once
    elb.modify_listener(
        ListenerArn=production["ListenerArn"],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs["green"]}],
    )
    assert elb.describe_load_balancers()["LoadBalancers"][0]["DNSName"] == address
    after = loadgen.run(f"http://{address}/", requests=20, concurrency=2)
    assert after["ok"] == 20
    assert set(after["answered_by"]) == ids["green"]
    # another port: a new proxy, the old address is closed
    elb.modify_listener(ListenerArn=production["ListenerArn"], Port=18080)
    moved = elb.describe_load_balancers()["LoadBalancers"][0]["DNSName"]
    assert moved != address
    again = loadgen.run(f"http://{moved}/", requests=10, concurrency=2)
    assert again["ok"] == 10
    assert set(again["answered_by"]) == ids["green"]
    gone = loadgen.run(f"http://{address}/", requests=2, concurrency=1)
    assert gone["ok"] == 0
