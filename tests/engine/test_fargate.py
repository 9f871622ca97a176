"""Fargate through the API: RunTask and services with launchType FARGATE, the ENI attachment and
its states, hidden hosts, platform versions, zones, statistics, and save/load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ecsedu
from ecsedu.engine import fargate

C = "c"
NC = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0ecsedu0", "subnet-0ecsedu1", "subnet-0ecsedu2"],
        "securityGroups": ["sg-0123"],
        "assignPublicIp": "DISABLED",
    }
}


def setup(seed: int = 0) -> Any:
    ecs = ecsedu.connect(seed=seed)
    ecs.create_cluster(clusterName=C)
    ecs.register_task_definition(
        family="web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "web", "image": "ecsedu/web", "portMappings": [{"containerPort": 80}]},
            {"name": "side", "image": "ecsedu/worker", "essential": False},
        ],
    )
    ecs.register_task_definition(
        family="ec2only", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
    )
    return ecs


def run(ecs: Any, count: int = 1, **extra: Any) -> list[dict[str, Any]]:
    params: dict[str, Any] = {
        "cluster": C,
        "taskDefinition": "web",
        "launchType": "FARGATE",
        "networkConfiguration": NC,
        "count": count,
        **extra,
    }
    out: list[dict[str, Any]] = ecs.run_task(**params)["tasks"]
    return out


def describe(ecs: Any, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_tasks(cluster=C, tasks=[arn])["tasks"][0]
    return out


def details(task: dict[str, Any]) -> dict[str, str]:
    (eni,) = task["attachments"]
    return {d["name"]: d["value"] for d in eni["details"]}


# -- RunTask ---------------------------------------------------------------------------------------
def test_run_task_on_fargate_needs_no_container_instance() -> None:
    ecs = setup()
    (task,) = run(ecs)
    assert task["launchType"] == "FARGATE"
    assert "containerInstanceArn" not in task
    assert task["platformVersion"] == "1.4.0"
    assert task["platformFamily"] == "Linux"
    assert task["cpu"] == "256"
    assert task["memory"] == "512"
    assert task["ephemeralStorage"] == {"sizeInGiB": 20}
    assert task["lastStatus"] == "PROVISIONING"
    (eni,) = task["attachments"]
    assert eni["type"] == "ElasticNetworkInterface"
    assert eni["status"] == "PRECREATED"
    assert [d["name"] for d in eni["details"]] == ["subnetId"]
    # the hidden host is never listed
    assert ecs.list_container_instances(cluster=C)["containerInstanceArns"] == []
    assert describe(ecs, task["taskArn"])["containers"][0]["networkInterfaces"] == []


def test_fargate_task_runs_and_its_eni_walks_attached_then_deleted() -> None:
    ecs = setup()
    (task,) = run(ecs)
    arn = task["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[arn])
    running = describe(ecs, arn)
    assert running["attachments"][0]["status"] == "ATTACHED"
    d = details(running)
    assert d["subnetId"] in fargate.DEFAULT_SUBNETS
    assert d["networkInterfaceId"].startswith("eni-")
    assert d["macAddress"].count(":") == 5
    ip = d["privateIPv4Address"]
    assert ip.startswith("10.0.")
    assert d["privateDnsName"] == f"ip-{ip.replace('.', '-')}.ec2.internal"
    assert running["availabilityZone"] == fargate.DEFAULT_SUBNETS[d["subnetId"]]
    assert running["connectivity"] == "CONNECTED"
    for c in running["containers"]:
        assert c["networkInterfaces"] == [
            {"attachmentId": running["attachments"][0]["id"], "privateIpv4Address": ip}
        ]
    ecs.stop_task(cluster=C, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=C, tasks=[arn])
    stopped = describe(ecs, arn)
    assert stopped["attachments"][0]["status"] == "DELETED"
    assert details(stopped)["privateIPv4Address"] == ip  # kept while the task is visible


def test_eni_is_detaching_while_the_task_deprovisions() -> None:
    ecs = setup()
    (task,) = run(ecs)
    arn = task["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[arn])
    ecs.stop_task(cluster=C, task=arn)
    seen = set()
    for _ in range(200):
        t = describe(ecs, arn)
        seen.add((t["lastStatus"], t["attachments"][0]["status"]))
        if t["lastStatus"] == "STOPPED":
            break
        ecs.advance(0.5)
    assert ("DEPROVISIONING", "DETACHING") in seen
    assert ("STOPPED", "DELETED") in seen


def test_hidden_hosts_are_sized_to_the_task_and_released_when_it_stops() -> None:
    ecs = setup()
    tasks = run(ecs, count=3)
    store = ecs.store
    assert len(store.fargate_hosts) == 3
    for host in store.fargate_hosts.values():
        assert (host.registered_cpu, host.registered_memory) == (256, 512)
        assert host.arn not in store.instances
    assert all(len(index) == 0 for index in store.indexes.values())
    hosts = set(store.fargate_hosts)
    assert hosts <= set(store.agents)  # each host has its own agent
    for t in tasks:
        ecs.stop_task(cluster=C, task=t["taskArn"])
    ecs.get_waiter("tasks_stopped").wait(cluster=C, tasks=[t["taskArn"] for t in tasks])
    assert store.fargate_hosts == {}
    assert not hosts & set(store.agents)


def test_count_over_10_is_refused_on_fargate_too() -> None:
    ecs = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        run(ecs, count=11)


def test_fargate_refuses_an_ec2_only_task_definition() -> None:
    ecs = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as e:
        ecs.run_task(
            cluster=C, taskDefinition="ec2only", launchType="FARGATE", networkConfiguration=NC
        )
    assert e.value.response["Error"]["Message"] == (
        "Task definition does not support launch_type FARGATE."
    )


def test_fargate_without_network_configuration_is_refused() -> None:
    ecs = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as e:
        ecs.run_task(cluster=C, taskDefinition="web", launchType="FARGATE")
    assert e.value.response["Error"]["Message"] == (
        "Network Configuration must be provided when networkMode 'awsvpc' is specified."
    )


def test_fargate_with_empty_subnets_is_refused() -> None:
    ecs = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as e:
        run(ecs, networkConfiguration={"awsvpcConfiguration": {"subnets": []}})
    assert e.value.response["Error"]["Message"] == "subnets can not be empty."


def test_fargate_refuses_placement_constraints() -> None:
    ecs = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as e:
        run(ecs, placementConstraints=[{"type": "distinctInstance"}])
    assert e.value.response["Error"]["Message"] == (
        "Placement constraints are not supported with FARGATE launch type."
    )
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        run(ecs, placementStrategy=[{"type": "random"}])


def test_platform_versions() -> None:
    ecs = setup()
    assert run(ecs, platformVersion="LATEST")[0]["platformVersion"] == "1.4.0"
    assert run(ecs, platformVersion="1.3.0")[0]["platformVersion"] == "1.3.0"
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        run(ecs, platformVersion="9.9.9")


def test_fargate_tasks_spread_over_the_zones_of_their_subnets() -> None:
    ecs = setup()
    tasks = run(ecs, count=9)
    zones = [describe(ecs, t["taskArn"])["availabilityZone"] for t in tasks]
    assert sorted(zones) == sorted(list(fargate.AZS) * 3)


def test_subnet_zones_are_documented_or_derived_stably() -> None:
    assert fargate.availability_zone("subnet-0ecsedu2") == "us-east-1c"
    zone = fargate.availability_zone("subnet-0abc")
    assert zone in fargate.AZS
    assert fargate.availability_zone("subnet-0abc") == zone


def test_cluster_statistics_by_launch_type() -> None:
    ecs = setup()
    ecs.add_instances(C, count=1)
    tasks = run(ecs, count=2)
    ecs.run_task(cluster=C, taskDefinition="ec2only")
    ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[t["taskArn"] for t in tasks])
    (cluster,) = ecs.describe_clusters(clusters=[C], include=["STATISTICS"])["clusters"]
    stats = {s["name"]: s["value"] for s in cluster["statistics"]}
    assert stats["runningFargateTasksCount"] == "2"
    assert stats["runningEC2TasksCount"] == "1"
    assert stats["pendingFargateTasksCount"] == "0"
    assert cluster["runningTasksCount"] == 3


# -- services --------------------------------------------------------------------------------------
def test_fargate_service_reaches_steady_state_and_echoes_its_network() -> None:
    ecs = setup()
    created = ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web",
        desiredCount=4,
        launchType="FARGATE",
        networkConfiguration=NC,
    )["service"]
    assert created["launchType"] == "FARGATE"
    assert created["networkConfiguration"] == NC
    assert created["platformVersion"] == "LATEST"
    assert created["deployments"][0]["networkConfiguration"] == NC
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    tasks = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]
    assert len(tasks) == 4
    assert all(t["launchType"] == "FARGATE" and "containerInstanceArn" not in t for t in tasks)
    assert len({t["availabilityZone"] for t in tasks}) == 3
    # scale in keeps the zones balanced
    ecs.update_service(cluster=C, service="s", desiredCount=3)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    zones = {t["availabilityZone"] for t in ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]}
    assert zones == set(fargate.AZS)


def test_fargate_service_without_network_configuration_is_refused() -> None:
    ecs = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as e:
        ecs.create_service(
            cluster=C, serviceName="s", taskDefinition="web", desiredCount=1, launchType="FARGATE"
        )
    assert "Network Configuration must be provided" in e.value.response["Error"]["Message"]


def test_fargate_service_launches_up_to_500_tasks_a_minute() -> None:
    ecs = setup()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web",
        desiredCount=600,
        launchType="FARGATE",
        networkConfiguration=NC,
    )
    ecs.advance(1)
    assert len(ecs.list_tasks(cluster=C, serviceName="s", maxResults=100)["taskArns"]) == 100
    total = sum(
        len(page["taskArns"])
        for page in ecs.get_paginator("list_tasks").paginate(cluster=C, serviceName="s")
    )
    assert total == 500


def test_update_service_with_new_network_configuration_starts_a_deployment() -> None:
    ecs = setup()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=NC,
    )
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    other = {"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu2"]}}
    out = ecs.update_service(cluster=C, service="s", networkConfiguration=other)["service"]
    assert out["networkConfiguration"] == other
    assert len(out["deployments"]) == 2
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    (task,) = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]
    assert details(task)["subnetId"] == "subnet-0ecsedu2"
    assert task["availabilityZone"] == "us-east-1c"


# -- save and load ---------------------------------------------------------------------------------
def test_fargate_tasks_and_their_hosts_survive_save_and_load(tmp_path: Path) -> None:
    ecs = setup()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web",
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=NC,
    )
    ecs.get_waiter("services_stable").wait(cluster=C, services=["s"])
    arns = sorted(ecs.list_tasks(cluster=C)["taskArns"])
    before = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]
    path = tmp_path / "state.json"
    ecs.save(str(path))
    again = ecsedu.connect(state=str(path))
    after = again.describe_tasks(cluster=C, tasks=arns)["tasks"]
    for a, b in zip(before, after, strict=True):
        for key in ("attachments", "availabilityZone", "platformVersion", "launchType"):
            assert a[key] == b[key]
    svc = again.describe_services(cluster=C, services=["s"])["services"][0]
    assert svc["networkConfiguration"] == NC
    # the restored hosts still run their tasks: stopping one walks it down and replaces it
    again.stop_task(cluster=C, task=arns[0])
    again.get_waiter("tasks_stopped").wait(cluster=C, tasks=[arns[0]])
    again.get_waiter("services_stable").wait(cluster=C, services=["s"])
    assert len(again.list_tasks(cluster=C, serviceName="s")["taskArns"]) == 2


def test_fargate_is_deterministic() -> None:
    def trace() -> list[Any]:
        ecs = setup(seed=7)
        tasks = run(ecs, count=3)
        ecs.advance(30)
        return [describe(ecs, t["taskArn"])["attachments"] for t in tasks]

    assert trace() == trace()
