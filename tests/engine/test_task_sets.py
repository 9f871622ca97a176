"""Task sets: blue/green by hand with the EXTERNAL deployment controller, and
ListServicesByNamespace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ecsedu
from ecsedu.engine import validation
from ecsedu.engine.api import task_sets as task_sets_api
from tests.engine.test_output_shapes import MODEL, shape_problems

C = "c"
ARN = "arn:aws:ecs:us-east-1:123456789012:"


def world(desired: int = 4) -> Any:
    ecs = ecsedu.connect(seed=7)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=4096, memory=8192)
    app = {"name": "app", "image": "busybox", "memory": 64}
    ecs.register_task_definition(family="web", containerDefinitions=[app])
    ecs.register_task_definition(family="web", containerDefinitions=[dict(app, memory=96)])
    ecs.create_service(
        cluster=C,
        serviceName="s",
        desiredCount=desired,
        deploymentController={"type": "EXTERNAL"},
    )
    return ecs


def sets(ecs: Any) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in ecs.describe_task_sets(cluster=C, service="s")["taskSets"]}


def running_by_set(ecs: Any) -> dict[str, int]:
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    out: dict[str, int] = {}
    for t in ecs.describe_tasks(cluster=C, tasks=arns)["tasks"] if arns else []:
        if t["lastStatus"] == "RUNNING":
            out[t["startedBy"]] = out.get(t["startedBy"], 0) + 1
    return out


def test_an_external_service_runs_nothing_until_it_has_a_task_set() -> None:
    ecs = world()
    s = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    assert s["deploymentController"] == {"type": "EXTERNAL"}
    assert s["deployments"] == []
    assert s["taskSets"] == []
    assert "taskDefinition" not in s
    ecs.advance(60)
    assert ecs.list_tasks(cluster=C, serviceName="s")["taskArns"] == []
    assert ecs.list_service_deployments(cluster=C, service="s")["serviceDeployments"] == []


def test_blue_green_by_hand() -> None:
    ecs = world(desired=4)
    blue = ecs.create_task_set(
        cluster=C, service="s", taskDefinition="web:1", externalId="blue", tags=[{"key": "k"}]
    )["taskSet"]
    assert blue["id"].startswith("ecs-svc/")
    assert len(blue["id"]) == 27
    assert blue["taskSetArn"] == f"{ARN}task-set/{C}/s/{blue['id']}"
    assert (blue["status"], blue["startedBy"], blue["externalId"]) == (
        "ACTIVE",
        blue["id"],
        "blue",
    )
    assert blue["scale"] == {"value": 100.0, "unit": "PERCENT"}
    assert (blue["computedDesiredCount"], blue["stabilityStatus"]) == (4, "STABILIZING")
    ecs.update_service_primary_task_set(cluster=C, service="s", primaryTaskSet=blue["taskSetArn"])
    ecs.advance(60)
    assert running_by_set(ecs) == {blue["id"]: 4}
    assert sets(ecs)[blue["id"]]["stabilityStatus"] == "STEADY_STATE"
    green = ecs.create_task_set(
        cluster=C, service="s", taskDefinition="web:2", scale={"value": 50, "unit": "PERCENT"}
    )["taskSet"]
    assert green["computedDesiredCount"] == 2
    ecs.advance(60)
    assert running_by_set(ecs) == {blue["id"]: 4, green["id"]: 2}
    # shift: green becomes PRIMARY at 100 %, blue is deleted (force: it is still scaled up)
    ecs.update_task_set(
        cluster=C, service="s", taskSet=green["id"], scale={"value": 100, "unit": "PERCENT"}
    )
    primary = ecs.update_service_primary_task_set(
        cluster=C, service="s", primaryTaskSet=green["id"]
    )["taskSet"]
    assert primary["status"] == "PRIMARY"
    assert sets(ecs)[blue["id"]]["status"] == "ACTIVE"
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.delete_task_set(cluster=C, service="s", taskSet=blue["id"])
    drained = ecs.delete_task_set(cluster=C, service="s", taskSet=blue["id"], force=True)
    assert drained["taskSet"]["status"] == "DRAINING"
    ecs.advance(120)
    assert running_by_set(ecs) == {green["id"]: 4}
    assert list(sets(ecs)) == [green["id"]]  # the drained task set is gone
    s = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    assert s["taskDefinition"] == f"{ARN}task-definition/web:2"
    assert (s["runningCount"], s["desiredCount"]) == (4, 4)
    assert [t["id"] for t in s["taskSets"]] == [green["id"]]
    messages = [e["message"] for e in s["events"]]
    assert f"(service s, taskSet {green['id']}) has reached a steady state." in messages
    # UpdateService scales every task set by its percent
    ecs.update_service(cluster=C, service="s", desiredCount=3)
    ecs.advance(60)
    assert running_by_set(ecs) == {green["id"]: 3}
    ecs.update_task_set(
        cluster=C, service="s", taskSet=green["id"], scale={"value": 50, "unit": "PERCENT"}
    )
    assert sets(ecs)[green["id"]]["computedDesiredCount"] == 2  # ceil(3 * 50 %)


def test_task_set_errors() -> None:
    ecs = world()
    ts = ecs.create_task_set(cluster=C, service="s", taskDefinition="web:1")["taskSet"]
    ecs.register_task_definition(
        family="x", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 8}]
    )
    ecs.create_service(cluster=C, serviceName="rolling", taskDefinition="x", desiredCount=0)
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(cluster=C, service="rolling", taskDefinition="x")
    assert error.value.response["Error"]["Message"] == task_sets_api.NOT_EXTERNAL
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.describe_task_sets(cluster=C, service="rolling")
    with pytest.raises(ecs.exceptions.TaskSetNotFoundException):
        ecs.update_task_set(
            cluster=C, service="s", taskSet="ecs-svc/1", scale={"value": 1, "unit": "PERCENT"}
        )
    with pytest.raises(ecs.exceptions.TaskSetNotFoundException):
        ecs.update_service_primary_task_set(cluster=C, service="s", primaryTaskSet="nope")
    with pytest.raises(ecs.exceptions.ServiceNotFoundException):
        ecs.create_task_set(cluster=C, service="ghost", taskDefinition="web:1")
    with pytest.raises(ecs.exceptions.ClientException):  # as CreateService / RunTask say it
        ecs.create_task_set(cluster=C, service="s", taskDefinition="ghost")
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.update_task_set(
            cluster=C, service="s", taskSet=ts["id"], scale={"value": 101, "unit": "PERCENT"}
        )
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(
            cluster=C,
            service="s",
            taskDefinition="web:1",
            loadBalancers=[
                {
                    "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                    "targetgroup/ghost/0123456789abcdef",
                    "containerName": "app",
                    "containerPort": 80,
                }
            ],
        )
    assert error.value.response["Error"]["Message"].startswith("Unable to assume role")
    assert len(sets(ecs)) == 1  # the failed calls created nothing
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.create_service(
            cluster=C,
            serviceName="d",
            schedulingStrategy="DAEMON",
            deploymentController={"type": "EXTERNAL"},
        )
    out = ecs.describe_task_sets(cluster=C, service="s", taskSets=[ts["taskSetArn"], "ghost"])
    assert [t["id"] for t in out["taskSets"]] == [ts["id"]]
    assert out["failures"] == [{"arn": "ghost", "reason": "MISSING"}]


def test_deleting_an_external_service_drains_its_task_sets(tmp_path: Path) -> None:
    ecs = world(desired=2)
    ts = ecs.create_task_set(cluster=C, service="s", taskDefinition="web:1")["taskSet"]
    ecs.advance(60)
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    assert sets(again) == sets(ecs)
    again.advance(30)
    assert running_by_set(again) == {ts["id"]: 2}
    again.delete_service(cluster=C, service="s", force=True)
    again.advance(120)
    s = again.describe_services(cluster=C, services=["s"])["services"][0]
    assert s["status"] == "INACTIVE"
    assert again.list_tasks(cluster=C, serviceName="s")["taskArns"] == []


def test_list_services_by_namespace() -> None:
    ecs = world()
    ecs.register_task_definition(
        family="x", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 8}]
    )
    ns = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0123456789abcdef"
    for name, namespace in (("a", ns), ("b", "ns-0123456789abcdef"), ("c", "other")):
        ecs.create_service(
            cluster=C,
            serviceName=name,
            taskDefinition="x",
            desiredCount=0,
            serviceConnectConfiguration={"enabled": True, "namespace": namespace},
        )
    out = ecs.list_services_by_namespace(namespace=ns)["serviceArns"]
    assert out == [f"{ARN}service/{C}/a", f"{ARN}service/{C}/b"]
    assert ecs.list_services_by_namespace(namespace="other")["serviceArns"] == [
        f"{ARN}service/{C}/c"
    ]
    with pytest.raises(ecs.exceptions.NamespaceNotFoundException):
        ecs.list_services_by_namespace(namespace="ghost")


NC = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0ecsedu0", "subnet-0ecsedu1"],
        "securityGroups": ["sg-0123"],
        "assignPublicIp": "DISABLED",
    }
}
F, SPOT = "FARGATE", "FARGATE_SPOT"


def fargate_world(desired: int = 5) -> Any:
    ecs = world(desired=desired)
    ecs.register_task_definition(
        family="fg",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "busybox"}],
    )
    ecs.put_cluster_capacity_providers(
        cluster=C, capacityProviders=[F, SPOT], defaultCapacityProviderStrategy=[]
    )
    return ecs


def providers_by_set(ecs: Any) -> dict[str, dict[str, int]]:
    """startedBy -> capacity provider -> RUNNING tasks."""
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    out: dict[str, dict[str, int]] = {}
    for t in ecs.describe_tasks(cluster=C, tasks=arns)["tasks"] if arns else []:
        if t["lastStatus"] == "RUNNING":
            mine = out.setdefault(t["startedBy"], {})
            name = t.get("capacityProviderName", "-")
            mine[name] = mine.get(name, 0) + 1
    return out


def fits(ecs: Any, op: str, **params: Any) -> list[str]:
    """What departs from botocore's output shape in ``op``'s answer (nothing, we hope)."""
    out = getattr(ecs, op)(**params)
    name = "".join(w.title() for w in op.split("_"))
    return shape_problems(out, MODEL.operation_model(name).output_shape, name)


def message(error: Any) -> str:
    return str(error.value.response["Error"]["Message"])


def test_task_set_launch_rules_are_ecs_launch_rules() -> None:
    ecs = fargate_world()
    base = {"cluster": C, "service": "s"}
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(**base, taskDefinition="fg", launchType="FARGATE")
    assert message(error) == (
        "Network Configuration must be provided when networkMode 'awsvpc' is specified."
    )
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(**base, taskDefinition="web:1", launchType="FARGATE")
    assert message(error) == "Task definition does not support launch_type FARGATE."
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(
            **base,
            taskDefinition="web:1",
            capacityProviderStrategy=[{"capacityProvider": F, "weight": 1}],
        )
    assert message(error) == "Task definition does not support launch_type FARGATE."
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(
            **base,
            taskDefinition="fg",
            launchType="FARGATE",
            networkConfiguration=NC,
            capacityProviderStrategy=[{"capacityProvider": F, "weight": 1}],
        )
    assert message(error) == validation.LAUNCH_TYPE_AND_PROVIDERS
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.create_task_set(**base, taskDefinition="web:1", launchType="EXTERNAL")
    assert message(error) == task_sets_api.LAUNCH_TYPES
    with pytest.raises(ecs.exceptions.InvalidParameterException):  # EC2 takes no platform
        ecs.create_task_set(
            **base, taskDefinition="web:1", launchType="EC2", platformVersion="1.4.0"
        )
    assert sets(ecs) == {}  # the failed calls created nothing


def test_a_fargate_task_set_runs_fargate_tasks() -> None:
    ecs = fargate_world(desired=3)
    ts = ecs.create_task_set(
        cluster=C, service="s", taskDefinition="fg", launchType="FARGATE", networkConfiguration=NC
    )["taskSet"]
    assert (ts["launchType"], ts["platformVersion"], ts["platformFamily"]) == (
        "FARGATE",
        "LATEST",
        "Linux",
    )
    assert ts["networkConfiguration"] == NC
    assert "capacityProviderStrategy" not in ts
    ecs.update_service_primary_task_set(cluster=C, service="s", primaryTaskSet=ts["id"])
    ecs.advance(60)
    assert running_by_set(ecs) == {ts["id"]: 3}
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    for t in ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]:
        assert (t["launchType"], t["startedBy"]) == ("FARGATE", ts["id"])
        assert "containerInstanceArn" not in t
        assert t["attachments"][0]["type"] == "ElasticNetworkInterface"
    assert ecs.list_container_instances(cluster=C)["containerInstanceArns"]  # the EC2 ones only
    s = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    assert (s["launchType"], s["platformVersion"], s["networkConfiguration"]) == (
        "FARGATE",
        "LATEST",
        NC,
    )
    assert sets(ecs)[ts["id"]]["stabilityStatus"] == "STEADY_STATE"
    assert fits(ecs, "describe_task_sets", cluster=C, service="s") == []
    assert fits(ecs, "describe_services", cluster=C, services=["s"]) == []
    # scaling in stops Fargate tasks
    ecs.update_task_set(
        cluster=C, service="s", taskSet=ts["id"], scale={"value": 34, "unit": "PERCENT"}
    )
    ecs.advance(60)
    assert running_by_set(ecs) == {ts["id"]: 2}  # ceil(3 * 34 %)


def test_capacity_provider_strategies_count_each_task_set_alone(tmp_path: Path) -> None:
    ecs = fargate_world(desired=5)
    strategy = [
        {"capacityProvider": F, "base": 2, "weight": 1},
        {"capacityProvider": SPOT, "weight": 1, "base": 0},  # ECS echoes base 0
    ]
    blue = ecs.create_task_set(
        cluster=C,
        service="s",
        taskDefinition="fg",
        networkConfiguration=NC,
        capacityProviderStrategy=strategy,
    )["taskSet"]
    assert "launchType" not in blue
    assert blue["capacityProviderStrategy"] == strategy
    ecs.update_service_primary_task_set(cluster=C, service="s", primaryTaskSet=blue["id"])
    ecs.advance(60)
    # the base first, then by weight: 3 on FARGATE, 2 on FARGATE_SPOT
    assert providers_by_set(ecs) == {blue["id"]: {F: 3, SPOT: 2}}
    s = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    assert s["capacityProviderStrategy"] == strategy
    assert "launchType" not in s
    assert fits(ecs, "describe_task_sets", cluster=C, service="s") == []
    assert fits(ecs, "describe_services", cluster=C, services=["s"]) == []
    green = ecs.create_task_set(
        cluster=C,
        service="s",
        taskDefinition="fg",
        networkConfiguration=NC,
        capacityProviderStrategy=strategy,
        scale={"value": 40, "unit": "PERCENT"},
    )["taskSet"]
    ecs.advance(60)
    # green's base is green's own (counted over the service, it would be 1 and 1)
    assert providers_by_set(ecs) == {blue["id"]: {F: 3, SPOT: 2}, green["id"]: {F: 2}}
    # after a save and a load the strategy still launches by provider
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    assert sets(again) == sets(ecs)
    again.update_task_set(
        cluster=C, service="s", taskSet=green["id"], scale={"value": 100, "unit": "PERCENT"}
    )
    again.advance(60)
    assert providers_by_set(again)[green["id"]] == {F: 3, SPOT: 2}


def test_the_cluster_default_strategy_applies_to_a_task_set_without_a_launch_type() -> None:
    ecs = fargate_world(desired=2)
    ecs.put_cluster_capacity_providers(
        cluster=C,
        capacityProviders=[F, SPOT],
        defaultCapacityProviderStrategy=[{"capacityProvider": SPOT, "weight": 1}],
    )
    ts = ecs.create_task_set(cluster=C, service="s", taskDefinition="fg", networkConfiguration=NC)[
        "taskSet"
    ]
    assert ts["capacityProviderStrategy"] == [{"capacityProvider": SPOT, "weight": 1, "base": 0}]
    ecs.advance(60)
    assert providers_by_set(ecs) == {ts["id"]: {SPOT: 2}}


def test_service_connect_uses_the_cluster_default_namespace() -> None:
    ecs = world()
    ns = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0000000000000001"
    with pytest.raises(ecs.exceptions.NamespaceNotFoundException):
        ecs.list_services_by_namespace(namespace=ns)
    ecs.update_cluster(cluster=C, serviceConnectDefaults={"namespace": ns})
    assert ecs.list_services_by_namespace(namespace=ns)["serviceArns"] == []  # it exists
    ecs.create_service(
        cluster=C,
        serviceName="sc",
        taskDefinition="web:1",
        desiredCount=0,
        serviceConnectConfiguration={"enabled": True},
    )
    ecs.create_service(
        cluster=C, serviceName="plain", taskDefinition="web:1", desiredCount=0
    )  # no Service Connect: not in the namespace
    assert ecs.list_services_by_namespace(namespace=ns)["serviceArns"] == [f"{ARN}service/{C}/sc"]


def test_a_task_set_on_an_auto_scaling_group_provider_grows_the_group() -> None:
    ecs = ecsedu.connect(seed=3)
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="g",
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=0,
        LaunchTemplate={"LaunchTemplateName": "ecs-template"},
        NewInstancesProtectedFromScaleIn=True,
    )
    ecs.create_capacity_provider(
        name="cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": "g",
            "managedScaling": {"status": "ENABLED"},
            "managedTerminationProtection": "ENABLED",
        },
    )
    ecs.create_cluster(
        clusterName=C,
        capacityProviders=["cp"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "cp", "weight": 1}],
    )
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 512}]
    )
    ecs.create_service(
        cluster=C, serviceName="s", desiredCount=3, deploymentController={"type": "EXTERNAL"}
    )
    ts = ecs.create_task_set(cluster=C, service="s", taskDefinition="web")["taskSet"]
    assert ts["capacityProviderStrategy"] == [{"capacityProvider": "cp", "weight": 1, "base": 0}]
    ecs.advance(60)
    assert running_by_set(ecs) == {}  # no instance yet: the task set's demand grows the group
    assert (
        ecs.ec2_autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0][
            "DesiredCapacity"
        ]
        > 0
    )
    ecs.advance(600)
    assert providers_by_set(ecs) == {ts["id"]: {"cp": 3}}
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    for t in ecs.describe_tasks(cluster=C, tasks=arns)["tasks"]:
        assert t["launchType"] == "EC2"
        assert t["containerInstanceArn"]
