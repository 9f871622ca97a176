"""ecs.elbv2: botocore validation, ELB's error codes and messages, ECS's loadBalancers checks."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

import ecsedu


@pytest.fixture
def ecs() -> Any:
    ecs = ecsedu.connect(seed=0)
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=1)
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
    return ecs


def _tg(ecs: Any, name: str = "tg", vpc: str | None = None) -> str:
    vpc = vpc or ecs.elbv2.default_vpc_id
    out = ecs.elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)
    return str(out["TargetGroups"][0]["TargetGroupArn"])


def _lb(ecs: Any) -> str:
    return str(ecs.elbv2.create_load_balancer(Name="lb")["LoadBalancers"][0]["LoadBalancerArn"])


def _code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def test_requests_are_validated_against_botocore(ecs: Any) -> None:
    with pytest.raises(ParamValidationError):
        ecs.elbv2.create_target_group(Name="tg", Port="80")


def test_unknown_target_group_arn(ecs: Any) -> None:
    bad = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef"
    with pytest.raises(ecs.elbv2.exceptions.TargetGroupNotFoundException) as exc:
        ecs.elbv2.describe_target_health(TargetGroupArn=bad)
    assert _code(exc) == ("TargetGroupNotFound", "One or more target groups not found")
    with pytest.raises(ClientError) as exc2:
        ecs.create_service(
            cluster="demo",
            serviceName="web",
            taskDefinition="web",
            desiredCount=1,
            loadBalancers=[{"targetGroupArn": bad, "containerName": "web", "containerPort": 80}],
        )
    assert exc2.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "validate the specified targetGroupArn" in exc2.value.response["Error"]["Message"]


def test_target_group_in_another_vpc_cannot_be_forwarded_to(ecs: Any) -> None:
    lb, tg = _lb(ecs), _tg(ecs, vpc="vpc-0123456789abcdef0")
    with pytest.raises(ecs.elbv2.exceptions.InvalidConfigurationRequestException) as exc:
        ecs.elbv2.create_listener(
            LoadBalancerArn=lb, Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
        )
    assert _code(exc) == (
        "InvalidConfigurationRequest",
        f"Target group '{tg}' is in a different VPC than load balancer '{lb}'",
    )


def test_ecs_refuses_a_target_group_without_a_load_balancer(ecs: Any) -> None:
    tg = _tg(ecs)
    with pytest.raises(ClientError) as exc:
        ecs.create_service(
            cluster="demo",
            serviceName="web",
            taskDefinition="web",
            desiredCount=1,
            loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}],
        )
    assert exc.value.response["Error"]["Message"] == (
        f"The target group with targetGroupArn {tg} does not have an associated load balancer."
    )


def test_ecs_checks_the_container_and_its_port(ecs: Any) -> None:
    lb, tg = _lb(ecs), _tg(ecs)
    ecs.elbv2.create_listener(
        LoadBalancerArn=lb, Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )
    for entry, message in (
        (
            {"containerName": "app", "containerPort": 80},
            "The container app does not exist in the task definition.",
        ),
        (
            {"containerName": "web", "containerPort": 8080},
            "The container web did not have a container port 8080 defined.",
        ),
    ):
        with pytest.raises(ClientError) as exc:
            ecs.create_service(
                cluster="demo",
                serviceName="web",
                taskDefinition="web",
                desiredCount=1,
                loadBalancers=[{"targetGroupArn": tg, **entry}],
            )
        assert exc.value.response["Error"]["Message"] == message
    assert ecs.list_services(cluster="demo")["serviceArns"] == []


def test_describe_calls_and_not_found(ecs: Any) -> None:
    lb, tg = _lb(ecs), _tg(ecs)
    ecs.elbv2.create_listener(
        LoadBalancerArn=lb, Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )
    out = ecs.elbv2.describe_target_groups(LoadBalancerArn=lb)["TargetGroups"]
    assert [t["TargetGroupArn"] for t in out] == [tg]
    assert out[0]["HealthCheckIntervalSeconds"] == 30
    assert out[0]["HealthyThresholdCount"] == 5
    assert ecs.elbv2.describe_load_balancers()["LoadBalancers"][0]["State"] == {"Code": "active"}
    with pytest.raises(ecs.elbv2.exceptions.LoadBalancerNotFoundException):
        ecs.elbv2.describe_load_balancers(Names=["missing"])
    with pytest.raises(ecs.elbv2.exceptions.DuplicateListenerException):
        ecs.elbv2.create_listener(
            LoadBalancerArn=lb, Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
        )


def test_register_targets_by_hand(ecs: Any) -> None:
    tg = _tg(ecs)
    with pytest.raises(ecs.elbv2.exceptions.InvalidTargetException):
        ecs.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "i-0123456789abcdef0"}])
    instance = ecs.describe_container_instances(
        cluster="demo",
        containerInstances=ecs.list_container_instances(cluster="demo")["containerInstanceArns"],
    )["containerInstances"][0]["ec2InstanceId"]
    ecs.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance, "Port": 80}])
    health = ecs.elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"][0]
    assert health["TargetHealth"]["State"] == "unused"  # no listener forwards to it yet
    assert health["TargetHealth"]["Reason"] == "Target.NotInUse"
    ecs.elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": instance, "Port": 80}])
    health = ecs.elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"][0]
    assert health["TargetHealth"]["State"] == "draining"
    ecs.advance(301)
    assert ecs.elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"] == []
