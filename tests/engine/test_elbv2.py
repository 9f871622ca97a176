"""ecs.elbv2: botocore validation, ELB's error codes and messages, ECS's loadBalancers checks."""

from __future__ import annotations

import json
import os
from typing import Any

import botocore
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


# -- ModifyListener ----------------------------------------------------------------------------
def _listener(ecs: Any, lb: str, tg: str, port: int = 80) -> str:
    out = ecs.elbv2.create_listener(
        LoadBalancerArn=lb, Port=port, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )
    return str(out["Listeners"][0]["ListenerArn"])


def test_modify_listener_forwards_to_another_target_group(ecs: Any) -> None:
    elb = ecs.elbv2
    lb, blue, green = _lb(ecs), _tg(ecs, "blue"), _tg(ecs, "green")
    listener = _listener(ecs, lb, blue)
    out = elb.modify_listener(
        ListenerArn=listener, DefaultActions=[{"Type": "forward", "TargetGroupArn": green}]
    )
    assert out["Listeners"] == [
        {
            "ListenerArn": listener,
            "LoadBalancerArn": lb,
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": green}],
        }
    ]
    assert elb.describe_listeners(ListenerArns=[listener])["Listeners"] == out["Listeners"]
    groups = {g["TargetGroupName"]: g for g in elb.describe_target_groups()["TargetGroups"]}
    assert groups["blue"]["LoadBalancerArns"] == []  # no listener forwards to blue any more
    assert groups["green"]["LoadBalancerArns"] == [lb]
    # blue may be deleted now; green is in use
    with pytest.raises(elb.exceptions.ResourceInUseException):
        elb.delete_target_group(TargetGroupArn=green)
    elb.delete_target_group(TargetGroupArn=blue)
    # a ForwardConfig naming one target group is that group; the request's form is echoed
    config = {"TargetGroups": [{"TargetGroupArn": green, "Weight": 1}]}
    out = elb.modify_listener(
        ListenerArn=listener, DefaultActions=[{"Type": "forward", "ForwardConfig": config}]
    )
    assert out["Listeners"][0]["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": green, "ForwardConfig": config}
    ]


def test_modify_listener_port_and_what_is_not_given_stays(ecs: Any) -> None:
    elb = ecs.elbv2
    lb, tg = _lb(ecs), _tg(ecs)
    listener = _listener(ecs, lb, tg)
    out = elb.modify_listener(ListenerArn=listener, Port=8080, Protocol="HTTP")["Listeners"][0]
    assert (out["Port"], out["Protocol"]) == (8080, "HTTP")
    assert out["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": tg}]
    # port 80 is free again
    _listener(ecs, lb, tg, port=80)
    assert sorted(li["Port"] for li in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]) == [
        80,
        8080,
    ]


def test_modify_listener_errors_change_nothing(ecs: Any) -> None:
    elb = ecs.elbv2
    lb, tg, other = _lb(ecs), _tg(ecs), _tg(ecs, "other")
    listener = _listener(ecs, lb, tg)
    _listener(ecs, lb, tg, port=8080)
    elsewhere = _tg(ecs, "elsewhere", vpc="vpc-0123456789abcdef0")
    second_lb = elb.create_load_balancer(Name="second")["LoadBalancers"][0]["LoadBalancerArn"]
    taken = _tg(ecs, "taken")
    _listener(ecs, second_lb, taken)
    missing_tg = tg.rsplit("/", 2)[0] + "/nope/0123456789abcdef"
    forward = [{"Type": "forward", "TargetGroupArn": other}]
    weighted = {
        "TargetGroups": [
            {"TargetGroupArn": tg, "Weight": 90},
            {"TargetGroupArn": other, "Weight": 10},
        ]
    }
    before = elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"ListenerArn": listener + "0"},
            "ListenerNotFound",
            "One or more listeners not found",
        ),
        (
            {"DefaultActions": [{"Type": "forward", "TargetGroupArn": missing_tg}]},
            "TargetGroupNotFound",
            f"Target groups '{missing_tg}' not found",
        ),
        (
            {"Port": 8080, "DefaultActions": forward},
            "DuplicateListener",
            f"A listener already exists on this port for this load balancer '{lb}'",
        ),
        (
            {"DefaultActions": [{"Type": "forward", "TargetGroupArn": elsewhere}]},
            "InvalidConfigurationRequest",
            f"Target group '{elsewhere}' is in a different VPC than load balancer '{lb}'",
        ),
        (
            {"DefaultActions": [{"Type": "forward", "TargetGroupArn": taken}]},
            "TargetGroupAssociationLimit",
            "The following target groups cannot be associated with more than one load "
            f"balancer: {taken}",
        ),
        (
            {"Protocol": "TCP"},
            "ValidationError",
            "Listener protocol 'TCP' must be one of 'HTTP, HTTPS'",
        ),
        (
            {"Protocol": "HTTPS"},
            "ValidationError",
            "A certificate must be specified for HTTPS listeners",
        ),
        (
            {"Protocol": "HTTPS", "Certificates": [{"CertificateArn": "arn:aws:acm:x"}]},
            "ValidationError",
            "ecsedu models HTTP listeners only (no certificates)",
        ),
        (
            {"Port": 70000},
            "ValidationError",
            "1 validation error detected: Value '70000' at 'port' failed to satisfy constraint: "
            "Member must have value less than or equal to 65535",
        ),
        (
            {"DefaultActions": [{"Type": "forward", "ForwardConfig": weighted}]},
            "ValidationError",
            "ecsedu models a forward action to exactly one target group",
        ),
        (
            {
                "DefaultActions": [
                    {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}
                ]
            },
            "ValidationError",
            "ecsedu models one default action of type 'forward' to one target group",
        ),
    ]
    for params, code, message in cases:
        with pytest.raises(ClientError) as exc:
            elb.modify_listener(**{"ListenerArn": listener, **params})
        assert _code(exc) == (code, message), params
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == before
    groups = {g["TargetGroupName"]: g for g in elb.describe_target_groups()["TargetGroups"]}
    assert groups["other"]["LoadBalancerArns"] == []
    assert groups["taken"]["LoadBalancerArns"] == [second_lb]
    with pytest.raises(ParamValidationError):
        elb.modify_listener(ListenerArn=listener, Port="80")


def test_create_listener_refuses_a_target_group_of_another_load_balancer(ecs: Any) -> None:
    first, tg = _lb(ecs), _tg(ecs)
    _listener(ecs, first, tg)
    second = ecs.elbv2.create_load_balancer(Name="second")["LoadBalancers"][0]["LoadBalancerArn"]
    with pytest.raises(ecs.elbv2.exceptions.TargetGroupAssociationLimitException) as exc:
        _listener(ecs, second, tg)
    assert _code(exc)[0] == "TargetGroupAssociationLimit"
    assert ecs.elbv2.describe_listeners(LoadBalancerArn=second)["Listeners"] == []


def test_a_modified_listener_survives_save_and_load(ecs: Any, tmp_path: Any) -> None:
    lb, blue, green = _lb(ecs), _tg(ecs, "blue"), _tg(ecs, "green")
    listener = _listener(ecs, lb, blue)
    ecs.elbv2.modify_listener(
        ListenerArn=listener,
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": green}],
    )
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert again.elbv2.describe_listeners() == ecs.elbv2.describe_listeners()
    assert again.elbv2.describe_target_groups() == ecs.elbv2.describe_target_groups()


EXAMPLES_PATH = os.path.join(
    os.path.dirname(botocore.__file__), "data", "elbv2", "2015-12-01", "examples-1.json"
)


def _same_keys(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Keys and value types of an example output that ours lacks or has otherwise."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: not a structure"]
        problems = [f"{path}.{k}: missing" for k in expected if k not in actual]
        for k in expected:
            if k in actual:
                problems += _same_keys(expected[k], actual[k], f"{path}.{k}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: not a list of {len(expected)}"]
        return [p for e, a in zip(expected, actual, strict=True) for p in _same_keys(e, a, path)]
    return [] if type(expected) is type(actual) else [f"{path}: {type(actual).__name__}"]


def test_botocore_modify_listener_examples_replay(ecs: Any) -> None:
    """botocore's ModifyListener examples: the forward switch replays with the example's
    output keys and types; the certificate change of an HTTPS listener is not modelled."""
    with open(EXAMPLES_PATH) as f:
        examples = {e["id"]: e for e in json.load(f)["examples"]["ModifyListener"]}
    assert set(examples) == {"elbv2-modify-listener-1", "elbv2-modify-listener-2"}
    lb, tg = _lb(ecs), _tg(ecs, "my-targets")
    new = _tg(ecs, "my-new-targets")
    listener = _listener(ecs, lb, tg)
    example = examples["elbv2-modify-listener-1"]
    params = json.loads(
        json.dumps(example["input"])
        .replace(example["input"]["ListenerArn"], listener)
        .replace(example["input"]["DefaultActions"][0]["TargetGroupArn"], new)
    )
    out = ecs.elbv2.modify_listener(**params)
    assert _same_keys(example["output"], out) == []
    assert out["Listeners"][0]["DefaultActions"] == params["DefaultActions"]
    example = examples["elbv2-modify-listener-2"]
    with pytest.raises(ClientError) as exc:
        ecs.elbv2.modify_listener(**{**example["input"], "ListenerArn": listener})
    assert _code(exc) == ("ValidationError", "ecsedu models HTTP listeners only (no certificates)")
