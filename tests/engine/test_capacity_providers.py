"""Capacity providers: the API's rules and texts, strategies, and where tasks go."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu
from ecsedu.engine import capacity

ARN = "arn:aws:ecs:us-east-1:123456789012:"
WEB = {"name": "web", "image": "busybox", "cpu": 512, "memory": 512}
VPC_NET = {"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"]}}


def group(ecs: Any, name: str = "asg1", protected: bool = False, **kw: Any) -> str:
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=kw.pop("MinSize", 0),
        MaxSize=kw.pop("MaxSize", 4),
        DesiredCapacity=kw.pop("DesiredCapacity", 0),
        LaunchTemplate={"LaunchTemplateName": "ecs-template"},
        NewInstancesProtectedFromScaleIn=protected,
        **kw,
    )
    g = ecs.ec2_autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    arn: str = g["AutoScalingGroups"][0]["AutoScalingGroupARN"]
    return arn


def provider(ecs: Any, name: str = "cp1", asg: str = "asg1", **asg_provider: Any) -> Any:
    return ecs.create_capacity_provider(
        name=name, autoScalingGroupProvider={"autoScalingGroupArn": asg, **asg_provider}
    )["capacityProvider"]


def code_and_message(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def ecs() -> Any:
    client = ecsedu.connect(seed=1)
    yield client
    client.close()


# =========================================================================== create / describe
def test_create_describes_the_provider_with_ecs_defaults(ecs: Any) -> None:
    asg_arn = group(ecs)
    p = provider(ecs, managedScaling={"status": "ENABLED", "targetCapacity": 80})
    assert p == {
        "capacityProviderArn": f"{ARN}capacity-provider/cp1",
        "name": "cp1",
        "status": "ACTIVE",
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": asg_arn,
            "managedScaling": {
                "status": "ENABLED",
                "targetCapacity": 80,
                "minimumScalingStepSize": 1,
                "maximumScalingStepSize": 10000,
                "instanceWarmupPeriod": 300,
            },
            "managedTerminationProtection": "DISABLED",
            "managedDraining": "ENABLED",
        },
        "type": "EC2_AUTOSCALING",
        "tags": [],
    }


def test_describe_lists_fargate_providers_and_reports_missing(ecs: Any) -> None:
    group(ecs)
    provider(ecs)
    names = [p["name"] for p in ecs.describe_capacity_providers()["capacityProviders"]]
    assert names == ["FARGATE", "FARGATE_SPOT", "cp1"]
    out = ecs.describe_capacity_providers(capacityProviders=["FARGATE_SPOT", "ghost"])
    assert [p["type"] for p in out["capacityProviders"]] == ["FARGATE_SPOT"]
    assert out["failures"] == [{"arn": f"{ARN}capacity-provider/ghost", "reason": "MISSING"}]


def test_describe_pages_by_ten_at_most(ecs: Any) -> None:
    for i in range(11):
        group(ecs, f"g{i}")
        provider(ecs, f"cp{i}", f"g{i}")
    first = ecs.describe_capacity_providers()
    assert len(first["capacityProviders"]) == 10
    assert "nextToken" in first
    rest = ecs.describe_capacity_providers(nextToken=first["nextToken"])
    assert len(rest["capacityProviders"]) == 3
    assert "nextToken" not in rest


@pytest.mark.parametrize("name", ["aws-cp", "ECSthing", "fargate2", "FARGATE", "bad name"])
def test_reserved_or_malformed_names_are_refused(ecs: Any, name: str) -> None:
    group(ecs)
    with pytest.raises(ClientError) as exc:
        provider(ecs, name)
    assert code_and_message(exc)[0] == "InvalidParameterException"


def test_a_name_or_a_group_can_be_used_once(ecs: Any) -> None:
    group(ecs)
    group(ecs, "asg2")
    provider(ecs)
    with pytest.raises(ClientError) as exc:
        provider(ecs, "cp1", "asg2")
    assert code_and_message(exc) == (
        "ClientException",
        "The specified capacity provider already exists. To change the configuration of an "
        "existing capacity provider, update the capacity provider.",
    )
    with pytest.raises(ClientError) as exc:
        provider(ecs, "cp2", "asg1")
    assert code_and_message(exc) == (
        "ClientException",
        "The specified Auto Scaling group ARN is already being used by another capacity "
        "provider. Specify a unique Auto Scaling group ARN and try again.",
    )


def test_termination_protection_needs_the_groups_instance_protection(ecs: Any) -> None:
    group(ecs)
    with pytest.raises(ClientError) as exc:
        provider(
            ecs,
            managedScaling={"status": "ENABLED"},
            managedTerminationProtection="ENABLED",
        )
    assert code_and_message(exc)[1].startswith(
        "The managed termination protection setting for the capacity provider is invalid."
    )
    group(ecs, "asg2", protected=True)
    p = provider(
        ecs,
        "cp2",
        "asg2",
        managedScaling={"status": "ENABLED"},
        managedTerminationProtection="ENABLED",
    )
    assert p["autoScalingGroupProvider"]["managedTerminationProtection"] == "ENABLED"


def test_target_capacity_is_1_to_100(ecs: Any) -> None:
    group(ecs)
    with pytest.raises(ClientError):
        provider(ecs, managedScaling={"status": "ENABLED", "targetCapacity": 101})
    assert ecs.describe_capacity_providers(capacityProviders=["cp1"])["failures"]


# =========================================================================== update / delete
def test_update_changes_only_what_is_given(ecs: Any) -> None:
    group(ecs)
    provider(ecs, managedScaling={"status": "ENABLED", "targetCapacity": 70})
    p = ecs.update_capacity_provider(
        name="cp1",
        autoScalingGroupProvider={"managedScaling": {"maximumScalingStepSize": 3}},
    )["capacityProvider"]
    ms = p["autoScalingGroupProvider"]["managedScaling"]
    assert (ms["targetCapacity"], ms["maximumScalingStepSize"]) == (70, 3)
    assert p["updateStatus"] == "UPDATE_COMPLETE"
    with pytest.raises(ClientError) as exc:
        ecs.update_capacity_provider(name="FARGATE", autoScalingGroupProvider={})
    assert code_and_message(exc)[0] == "InvalidParameterException"


def test_delete_fails_while_associated_then_succeeds(ecs: Any) -> None:
    group(ecs)
    provider(ecs)
    ecs.create_cluster(clusterName="c", capacityProviders=["cp1"])
    p = ecs.delete_capacity_provider(capacityProvider="cp1")["capacityProvider"]
    assert (p["status"], p["updateStatus"]) == ("ACTIVE", "DELETE_FAILED")
    assert "c" in p["updateStatusReason"]
    ecs.put_cluster_capacity_providers(
        cluster="c", capacityProviders=[], defaultCapacityProviderStrategy=[]
    )
    p = ecs.delete_capacity_provider(capacityProvider=f"{ARN}capacity-provider/cp1")[
        "capacityProvider"
    ]
    assert (p["status"], p["updateStatus"]) == ("INACTIVE", "DELETE_COMPLETE")
    with pytest.raises(ClientError) as exc:
        ecs.delete_capacity_provider(capacityProvider="FARGATE")
    assert code_and_message(exc)[0] == "InvalidParameterException"


# =========================================================================== clusters
def test_cluster_echoes_providers_strategy_and_attachments(ecs: Any) -> None:
    group(ecs)
    provider(ecs, managedScaling={"status": "ENABLED"})
    c = ecs.create_cluster(
        clusterName="c",
        capacityProviders=["cp1"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "cp1", "weight": 1}],
    )["cluster"]
    assert c["capacityProviders"] == ["cp1"]
    assert c["defaultCapacityProviderStrategy"] == [
        {"capacityProvider": "cp1", "weight": 1, "base": 0}
    ]
    assert c["attachmentsStatus"] == "UPDATE_COMPLETE"
    assert "attachments" not in c
    (d,) = ecs.describe_clusters(clusters=["c"], include=["ATTACHMENTS"])["clusters"]
    (a,) = d["attachments"]
    assert a["type"] == "as_policy"
    assert a["details"][0] == {"name": "capacityProviderName", "value": "cp1"}
    assert a["details"][1]["value"].startswith("ECSManagedAutoScalingPolicy-")


def test_put_cluster_capacity_providers_rules(ecs: Any) -> None:
    group(ecs)
    provider(ecs)
    ecs.create_cluster(clusterName="c")
    ecs.create_cluster(clusterName="d")

    def put(names: list[str], strategy: list[dict[str, Any]], cluster: str = "c") -> Any:
        return ecs.put_cluster_capacity_providers(
            cluster=cluster, capacityProviders=names, defaultCapacityProviderStrategy=strategy
        )

    for names, strategy in [
        (["ghost"], []),
        (["FARGATE"], [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]),
        (
            ["FARGATE", "FARGATE_SPOT"],
            [
                {"capacityProvider": "FARGATE", "base": 1},
                {"capacityProvider": "FARGATE_SPOT", "base": 2},
            ],
        ),
        (
            ["FARGATE", "cp1"],
            [{"capacityProvider": "FARGATE", "weight": 1}, {"capacityProvider": "cp1"}],
        ),
        (["FARGATE"], [{"capacityProvider": "FARGATE", "weight": 1001}]),
        (["FARGATE"], [{"capacityProvider": "FARGATE", "base": 100001}]),
    ]:
        with pytest.raises(ClientError) as exc:
            put(names, strategy)
        assert code_and_message(exc)[0] == "InvalidParameterException", (names, strategy)
    with pytest.raises(ClientError):
        put([f"FARGATE{i}" for i in range(21)], [])
    assert put(["cp1", "FARGATE"], [])["cluster"]["capacityProviders"] == ["cp1", "FARGATE"]
    with pytest.raises(ClientError) as exc:
        put(["cp1"], [], cluster="d")  # an Auto Scaling group provider serves one cluster
    assert "already associated" in code_and_message(exc)[1]


def test_a_provider_in_use_cannot_be_removed(ecs: Any) -> None:
    ecs.create_cluster(clusterName="c", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(
        family="f",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "a", "image": "busybox"}],
    )
    ecs.run_task(
        cluster="c",
        taskDefinition="f",
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        networkConfiguration=VPC_NET,
    )
    with pytest.raises(ClientError) as exc:
        ecs.put_cluster_capacity_providers(
            cluster="c", capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[]
        )
    assert code_and_message(exc) == (
        "ResourceInUseException",
        "The specified capacity provider is in use and cannot be removed.",
    )
    (c,) = ecs.describe_clusters(clusters=["c"])["clusters"]
    assert c["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]


# =========================================================================== distribution
@pytest.mark.parametrize(
    ("strategy", "count", "expected"),
    [
        (
            [{"capacityProvider": "A", "weight": 1}, {"capacityProvider": "B", "weight": 1}],
            4,
            {"A": 2, "B": 2},
        ),
        (
            [{"capacityProvider": "A", "weight": 1}, {"capacityProvider": "B", "weight": 4}],
            10,
            {"A": 2, "B": 8},
        ),
        (
            [
                {"capacityProvider": "A", "base": 2, "weight": 1},
                {"capacityProvider": "B", "weight": 1},
            ],
            6,
            {"A": 4, "B": 2},
        ),
        (
            [
                {"capacityProvider": "A", "base": 3, "weight": 0},
                {"capacityProvider": "B", "weight": 1},
            ],
            5,
            {"A": 3, "B": 2},
        ),
        ([{"capacityProvider": "A", "weight": 0}], 3, {"A": 3}),
    ],
)
def test_distribute_base_first_then_weights(
    strategy: list[dict[str, Any]], count: int, expected: dict[str, int]
) -> None:
    got = capacity.distribute(capacity.cp_api.normalized(strategy), count)
    assert {k: got.count(k) for k in set(got)} == expected


def test_distribute_counts_what_already_runs() -> None:
    strategy = capacity.cp_api.normalized(
        [{"capacityProvider": "A", "base": 1, "weight": 1}, {"capacityProvider": "B", "weight": 1}]
    )
    assert capacity.distribute(strategy, 2) == ["A", "B"]
    assert capacity.distribute(strategy, 1, {"A": 1}) == ["B"]  # base met already, A=0 extra


def test_run_task_on_fargate_providers_by_weight(ecs: Any) -> None:
    ecs.create_cluster(
        clusterName="c",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
        ],
    )
    ecs.register_task_definition(
        family="f",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "a", "image": "busybox"}],
    )
    tasks = ecs.run_task(cluster="c", taskDefinition="f", count=5, networkConfiguration=VPC_NET)[
        "tasks"
    ]
    names = [t["capacityProviderName"] for t in tasks]
    assert names.count("FARGATE") == 2
    assert names.count("FARGATE_SPOT") == 3
    assert {t["launchType"] for t in tasks} == {"FARGATE"}
    with pytest.raises(ClientError) as exc:  # a launch type and a strategy do not mix
        ecs.run_task(
            cluster="c",
            taskDefinition="f",
            launchType="FARGATE",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
            networkConfiguration=VPC_NET,
        )
    assert code_and_message(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:  # only associated providers
        ecs.run_task(
            cluster="c",
            taskDefinition="f",
            capacityProviderStrategy=[{"capacityProvider": "cp9", "weight": 1}],
            networkConfiguration=VPC_NET,
        )
    assert code_and_message(exc)[0] == "InvalidParameterException"


def test_ec2_task_definition_cannot_use_a_fargate_strategy(ecs: Any) -> None:
    ecs.create_cluster(clusterName="c", capacityProviders=["FARGATE"])
    ecs.register_task_definition(family="e", containerDefinitions=[WEB])
    with pytest.raises(ClientError) as exc:
        ecs.run_task(
            cluster="c",
            taskDefinition="e",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        )
    assert code_and_message(exc) == (
        "InvalidParameterException",
        "Task definition does not support launch_type FARGATE.",
    )


def test_asg_provider_tasks_go_only_to_its_instances(ecs: Any) -> None:
    group(ecs, DesiredCapacity=1)
    provider(ecs)
    ecs.create_cluster(clusterName="c", capacityProviders=["cp1"])
    (other,) = ecs.add_instances("c", count=1)
    ecs.advance(61)  # the group's instance boots and registers
    ecs.register_task_definition(family="e", containerDefinitions=[WEB])
    out = ecs.run_task(
        cluster="c",
        taskDefinition="e",
        count=6,
        capacityProviderStrategy=[{"capacityProvider": "cp1", "weight": 1}],
    )
    assert len(out["tasks"]) == 4  # 2048 CPU units / 512
    assert {t["capacityProviderName"] for t in out["tasks"]} == {"cp1"}
    instances = {t["containerInstanceArn"] for t in out["tasks"]}
    assert other not in instances
    assert len(instances) == 1
    (inst,) = ecs.describe_container_instances(cluster="c", containerInstances=list(instances))[
        "containerInstances"
    ]
    assert inst["capacityProviderName"] == "cp1"
    assert out["failures"] == [{"arn": inst["containerInstanceArn"], "reason": "RESOURCE:CPU"}]
    # without a strategy or a default, tasks use the EC2 launch type anywhere
    plain = ecs.run_task(cluster="c", taskDefinition="e", count=1)["tasks"]
    assert plain[0]["containerInstanceArn"] == other
    assert "capacityProviderName" not in plain[0]


def test_service_with_a_fargate_strategy_describes_it(ecs: Any) -> None:
    ecs.create_cluster(clusterName="c", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(
        family="f",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "a", "image": "busybox"}],
    )
    strategy = [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0},
    ]
    s = ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="f",
        desiredCount=3,
        capacityProviderStrategy=strategy,
        networkConfiguration=VPC_NET,
    )["service"]
    assert s["capacityProviderStrategy"] == strategy
    assert "launchType" not in s
    ecs.advance(60)
    arns = ecs.list_tasks(cluster="c", serviceName="s")["taskArns"]
    names = [
        t["capacityProviderName"] for t in ecs.describe_tasks(cluster="c", tasks=arns)["tasks"]
    ]
    assert sorted(names) == ["FARGATE", "FARGATE", "FARGATE_SPOT"]


def test_a_default_strategy_without_weight_cannot_launch(ecs: Any) -> None:
    ecs.create_cluster(
        clusterName="c",
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE"}],  # weight 0
    )
    ecs.register_task_definition(
        family="f",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "a", "image": "busybox"}],
    )
    with pytest.raises(ClientError) as exc:
        ecs.run_task(cluster="c", taskDefinition="f", networkConfiguration=VPC_NET)
    assert code_and_message(exc) == (
        "InvalidParameterException",
        "There are no capacity providers with a weight value greater than zero defined in the "
        "default capacity provider strategy. At least one capacity provider must have a weight "
        "value greater than zero specified. Update the cluster's default capacity provider "
        "strategy or specify a valid capacity provider strategy and try again.",
    )
    assert ecs.list_tasks(cluster="c")["taskArns"] == []


def test_daemon_services_take_no_strategy(ecs: Any) -> None:
    ecs.create_cluster(clusterName="c", capacityProviders=["FARGATE"])
    ecs.register_task_definition(family="e", containerDefinitions=[WEB])
    ecs.create_service(
        cluster="c", serviceName="d", taskDefinition="e", schedulingStrategy="DAEMON"
    )
    with pytest.raises(ClientError) as exc:
        ecs.update_service(
            cluster="c",
            service="d",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        )
    assert code_and_message(exc) == (
        "InvalidParameterException",
        "Specifying a capacity provider strategy is not supported when you create a service "
        "using the DAEMON scheduling strategy.",
    )
