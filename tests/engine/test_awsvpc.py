"""awsvpc tasks on container instances: their ENI attachment, and the instance's ENI limit
(``RESOURCE:ENI`` when every interface is taken)."""

from __future__ import annotations

from typing import Any

import pytest

import ecsedu
from ecsedu.engine import fargate

C = "c"
NC = {"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"]}}


def setup(instances: int = 1, **attrs: str) -> tuple[Any, list[str]]:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=C)
    # c4.large: 3 network interfaces, one the instance's own -> 2 awsvpc tasks
    arns = ecs.add_instances(C, count=instances, cpu=2048, memory=3768)
    ecs.register_task_definition(
        family="vpc",
        networkMode="awsvpc",
        containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}],
    )
    return ecs, arns


def test_awsvpc_task_on_ec2_gets_an_eni_in_the_instance_subnet() -> None:
    ecs, (inst,) = setup()
    (task,) = ecs.run_task(cluster=C, taskDefinition="vpc", networkConfiguration=NC)["tasks"]
    assert task["containerInstanceArn"] == inst
    assert task["launchType"] == "EC2"
    assert "platformVersion" not in task
    ecs.get_waiter("tasks_running").wait(cluster=C, tasks=[task["taskArn"]])
    (running,) = ecs.describe_tasks(cluster=C, tasks=[task["taskArn"]])["tasks"]
    (eni,) = running["attachments"]
    assert eni["status"] == "ATTACHED"
    values = {d["name"]: d["value"] for d in eni["details"]}
    (ci,) = ecs.describe_container_instances(cluster=C, containerInstances=[inst])[
        "containerInstances"
    ]
    attrs = {a["name"]: a.get("value") for a in ci["attributes"]}
    assert values["subnetId"] == attrs["ecs.subnet-id"]
    assert running["availabilityZone"] == attrs["ecs.availability-zone"]
    assert (
        running["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        == (values["privateIPv4Address"])
    )


def test_bridge_task_on_ec2_has_a_zone_and_no_attachment() -> None:
    ecs, _ = setup()
    ecs.register_task_definition(
        family="br", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
    )
    (task,) = ecs.run_task(cluster=C, taskDefinition="br")["tasks"]
    assert task["attachments"] == []
    assert task["availabilityZone"] in fargate.AZS
    assert task["containers"][0]["networkInterfaces"] == []


def test_a_full_instance_fails_placement_with_resource_eni() -> None:
    ecs, (inst,) = setup()
    out = ecs.run_task(cluster=C, taskDefinition="vpc", networkConfiguration=NC, count=3)
    assert len(out["tasks"]) == 2
    assert out["failures"] == [{"arn": inst, "reason": "RESOURCE:ENI"}]
    # a stopped task gives its ENI back once it is STOPPED (DEPROVISIONING detaches it)
    arn = out["tasks"][0]["taskArn"]
    ecs.stop_task(cluster=C, task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster=C, tasks=[arn])
    again = ecs.run_task(cluster=C, taskDefinition="vpc", networkConfiguration=NC)
    assert len(again["tasks"]) == 1
    assert again["failures"] == []


def test_the_eni_limit_can_be_set_per_instance() -> None:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=C)
    (inst,) = ecs.add_instances(C, count=1, cpu=4096, memory=8192)
    ecs.put_attributes(
        cluster=C,
        attributes=[
            {"name": fargate.ENI_LIMIT_ATTRIBUTE, "value": "1", "targetId": inst},
        ],
    )
    ecs.register_task_definition(
        family="vpc",
        networkMode="awsvpc",
        containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}],
    )
    out = ecs.run_task(cluster=C, taskDefinition="vpc", networkConfiguration=NC, count=2)
    assert len(out["tasks"]) == 1
    assert out["failures"][0]["reason"] == "RESOURCE:ENI"


def test_service_event_names_the_eni_shortage() -> None:
    ecs, _ = setup()
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="vpc",
        desiredCount=3,
        networkConfiguration=NC,
    )
    ecs.advance(60)
    (svc,) = ecs.describe_services(cluster=C, services=["s"])["services"]
    assert svc["runningCount"] == 2
    assert any("RESOURCE:ENI" in e["message"] for e in svc["events"])


def test_public_ip_is_fargate_only() -> None:
    ecs, _ = setup()
    with pytest.raises(ecs.exceptions.InvalidParameterException) as e:
        ecs.run_task(
            cluster=C,
            taskDefinition="vpc",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"], "assignPublicIp": "ENABLED"}
            },
        )
    assert e.value.response["Error"]["Message"] == (
        "Assign public IP is not supported for this launch type."
    )


def test_eni_limit_by_instance_size() -> None:
    ecs, (inst,) = setup()
    store = ecs.store
    assert fargate.eni_limit(store.instances[inst]) == 2  # c4.large: 3 ENIs, one the host's
