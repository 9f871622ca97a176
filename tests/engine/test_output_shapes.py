"""Every ECS operation the client implements, driven with realistic calls, answers exactly in
botocore's output shape for it.

Each response is checked recursively against the operation's output shape: no key the shape
does not have, and the right type for every value (string, integer, boolean, double, list, map,
structure; timestamps as ``datetime``, as boto3 parses them); a string of an enum shape must be
one of its values.

The calls are data: ``DRIVERS`` maps each operation to one or more ``Call``s (request parameters
built from a ``World`` with something of everything, and an optional extra ``setup``). A new
operation registered on the client without an entry here fails
``test_every_implemented_operation_is_driven``: add a ``Call`` (with a ``setup`` if the world
lacks what it needs).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import botocore
import pytest

import ecsedu
from ecsedu import errors

MODEL = errors.service_model()
C = "main"
NAMESPACE = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-ecsedu00000000"


def shape_problems(value: Any, shape: Any, path: str) -> list[str]:
    """Where ``value`` departs from botocore ``shape`` (empty when it fits)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected a structure (dict), got {type(value).__name__}"]
        problems = [f"{path}: unknown key {k!r}" for k in value if k not in shape.members]
        for key, item in value.items():
            if key in shape.members:
                problems += shape_problems(item, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        out: list[str] = []
        for i, item in enumerate(value):
            out += shape_problems(item, shape.member, f"{path}[{i}]")
        return out
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map (dict), got {type(value).__name__}"]
        out = []
        for key, item in value.items():
            out += shape_problems(key, shape.key, f"{path} key {key!r}")
            out += shape_problems(item, shape.value, f"{path}[{key!r}]")
        return out
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {type(value).__name__} {value!r}"]
        if shape.enum and value not in shape.enum:
            return [f"{path}: {value!r} is not one of {shape.name}'s values {shape.enum}"]
        return []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("double", "float"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "timestamp":
        ok = isinstance(value, datetime.datetime) and value.tzinfo is not None
    elif kind == "blob":
        ok = isinstance(value, (bytes, bytearray))
    else:
        ok = False
    return [] if ok else [f"{path}: expected {kind}, got {type(value).__name__} {value!r}"]


# -- the world -------------------------------------------------------------------------------
APP = {
    "name": "app",
    "image": "busybox",
    "memory": 128,
    "portMappings": [{"containerPort": 80, "hostPort": 0}],
    "healthCheck": {"command": ["CMD-SHELL", "true"]},
}
SIDE = {"name": "side", "image": "busybox", "memory": 32, "essential": False}


@dataclass
class World:
    """A cluster with something of everything, and the names and ARNs the calls need."""

    ecs: Any
    instances: list[str]
    idle_instance: str
    tasks: list[str]
    service_tasks: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.tasks[0]

    @property
    def task_obj(self) -> dict[str, Any]:
        out: dict[str, Any] = self.ecs.describe_tasks(cluster=C, tasks=[self.task])["tasks"][0]
        return out


def build_world() -> World:
    ecs = ecsedu.connect(seed=5)
    ecs.create_cluster(clusterName=C, tags=[{"key": "team", "value": "blue"}])
    ecs.create_cluster(clusterName="idle")
    ecs.create_cluster(clusterName="empty")
    instances = ecs.add_instances(C, count=2, cpu=4096, memory=8192, attributes={"stack": "prod"})
    (idle_instance,) = ecs.add_instances("idle", count=1)
    ecs.register_task_definition(family="web", containerDefinitions=[APP, SIDE])  # web:1
    ecs.register_task_definition(
        family="web", containerDefinitions=[APP, SIDE], tags=[{"key": "v", "value": "2"}]
    )  # web:2
    ecs.register_task_definition(family="old", containerDefinitions=[SIDE | {"essential": True}])
    ecs.deregister_task_definition(taskDefinition="old:1")
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web:2",
        desiredCount=2,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        tags=[{"key": "team", "value": "blue"}],
    )
    tasks = [
        t["taskArn"]
        for t in ecs.run_task(
            cluster=C, taskDefinition="web:1", count=2, startedBy="me", group="batch"
        )["tasks"]
    ]
    ecs.put_attributes(
        cluster=C, attributes=[{"name": "tier", "value": "gold", "targetId": instances[0]}]
    )
    ecs.advance(120)
    service_tasks = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    return World(ecs, instances, idle_instance, tasks, service_tasks)


# -- setups for calls that need more than the world --------------------------------------------
def external_service(w: World) -> None:
    """An EXTERNAL-controller service with one task set (task set operations)."""
    w.ecs.create_service(
        cluster=C,
        serviceName="ext",
        taskDefinition="web:2",
        desiredCount=1,
        deploymentController={"type": "EXTERNAL"},
    )
    ts = w.ecs.create_task_set(cluster=C, service="ext", taskDefinition="web:2", externalId="e1")
    w.extra["task_set"] = ts["taskSet"]["taskSetArn"]
    w.ecs.advance(30)


def capacity_provider(w: World) -> None:
    """Two Auto Scaling groups, the first one with a capacity provider (``cp1``)."""
    asg = w.ecs.ec2_autoscaling
    for name in ("asg1", "asg2"):
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name,
            MinSize=0,
            MaxSize=2,
            DesiredCapacity=0,
            LaunchTemplate={"LaunchTemplateName": "ecs-template"},
        )
    groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["asg1", "asg2"])
    arns = {
        g["AutoScalingGroupName"]: g["AutoScalingGroupARN"] for g in groups["AutoScalingGroups"]
    }
    w.extra["asg2"] = arns["asg2"]
    w.ecs.create_capacity_provider(
        name="cp1", autoScalingGroupProvider={"autoScalingGroupArn": arns["asg1"]}
    )


def new_deployment(w: World) -> None:
    w.ecs.update_service(cluster=C, service="s", taskDefinition="web:1")
    w.ecs.advance(5)
    deployments = w.ecs.list_service_deployments(cluster=C, service="s")["serviceDeployments"]
    w.extra["deployment"] = deployments[0]["serviceDeploymentArn"]


def service_connect(w: World) -> None:
    w.ecs.create_service(
        cluster=C,
        serviceName="sc",
        taskDefinition="web:2",
        desiredCount=0,
        serviceConnectConfiguration={"enabled": True, "namespace": NAMESPACE},
    )


def load_balanced(w: World) -> None:
    """A service behind an Application Load Balancer, rolled to a new revision."""
    elb = w.ecs.elbv2
    lb = elb.create_load_balancer(Name="web-lb")["LoadBalancers"][0]
    tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=80, VpcId=elb.default_vpc_id)[
        "TargetGroups"
    ][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    w.ecs.create_service(
        cluster=C,
        serviceName="lb",
        taskDefinition="web:2",
        desiredCount=2,
        healthCheckGracePeriodSeconds=30,
        loadBalancers=[
            {"targetGroupArn": tg["TargetGroupArn"], "containerName": "app", "containerPort": 80}
        ],
    )
    w.ecs.advance(120)
    w.ecs.update_service(cluster=C, service="lb", taskDefinition="web:1")
    w.ecs.advance(20)


def history(w: World) -> None:
    """Stopped tasks (by StopTask, by an essential container's exit), a draining instance and a
    deregistered one, a deleted service."""
    w.ecs.stop_task(cluster=C, task=w.tasks[0], reason="by hand")
    w.ecs.inject("container_exit", task=w.tasks[1], container="app", exit_code=2)
    w.ecs.update_container_instances_state(
        cluster=C, containerInstances=[w.instances[1]], status="DRAINING"
    )
    w.ecs.deregister_container_instance(cluster="idle", containerInstance=w.idle_instance)
    w.ecs.update_service(cluster=C, service="s", desiredCount=0)
    w.ecs.delete_service(cluster=C, service="s")
    w.ecs.advance(300)


def protect(w: World) -> None:
    w.ecs.update_task_protection(cluster=C, tasks=w.service_tasks, protectionEnabled=True)


def old_agent(w: World) -> None:
    """An instance whose agent reports an older version (UpdateContainerAgent has work)."""
    w.ecs.store.instances[w.instances[1]].agent_version = "1.70.0"


@dataclass(frozen=True)
class Call:
    params: Callable[[World], dict[str, Any]]
    setup: Callable[[World], None] | None = None


def revision_arn(w: World) -> str:
    s = w.ecs.describe_services(cluster=C, services=["s"])["services"][0]
    deployments = w.ecs.describe_service_deployments(
        serviceDeploymentArns=[
            w.ecs.list_service_deployments(cluster=C, service="s")["serviceDeployments"][0][
                "serviceDeploymentArn"
            ]
        ]
    )["serviceDeployments"]
    arn: str = deployments[0].get("targetServiceRevision", {}).get("arn") or s["serviceArn"]
    return arn


def _c(**params: Any) -> Call:
    """A call whose parameters are fixed."""
    return Call(lambda w: params)


def _first_container(w: World) -> str:
    name: str = w.task_obj["containers"][0]["name"]
    return name


#: Operation -> the calls that drive it (fresh world for each).
DRIVERS: dict[str, list[Call]] = {
    # clusters
    "CreateCluster": [
        _c(clusterName="new"),
        _c(
            clusterName="new2",
            settings=[{"name": "containerInsights", "value": "enabled"}],
            tags=[{"key": "a", "value": "b"}],
        ),
        _c(clusterName=C),  # an existing one
    ],
    "DeleteCluster": [_c(cluster="empty")],
    "DescribeClusters": [
        _c(clusters=[C, "idle", "ghost"]),
        Call(lambda w: {"clusters": [C, "idle"], "include": ["STATISTICS"]}, history),
        _c(clusters=[C], include=["STATISTICS", "TAGS", "SETTINGS", "CONFIGURATIONS"]),
        _c(clusters=[C], include=["ATTACHMENTS"]),
    ],
    "ListClusters": [_c(), _c(maxResults=1)],
    "UpdateCluster": [
        _c(
            cluster=C,
            settings=[{"name": "containerInsights", "value": "enhanced"}],
            configuration={
                "executeCommandConfiguration": {
                    "logging": "OVERRIDE",
                    "kmsKeyId": "key",
                    "logConfiguration": {
                        "cloudWatchLogGroupName": "g",
                        "cloudWatchEncryptionEnabled": True,
                    },
                },
                "managedStorageConfiguration": {"kmsKeyId": "k"},
            },
            serviceConnectDefaults={"namespace": NAMESPACE},
        )
    ],
    "UpdateClusterSettings": [
        _c(cluster=C, settings=[{"name": "containerInsights", "value": "enabled"}])
    ],
    "PutClusterCapacityProviders": [
        Call(
            lambda w: {
                "cluster": C,
                "capacityProviders": ["cp1", "FARGATE"],
                "defaultCapacityProviderStrategy": [{"capacityProvider": "cp1", "weight": 1}],
            },
            capacity_provider,
        )
    ],
    # capacity providers
    "CreateCapacityProvider": [
        Call(
            lambda w: {
                "name": "cp2",
                "autoScalingGroupProvider": {
                    "autoScalingGroupArn": w.extra["asg2"],
                    "managedScaling": {"status": "ENABLED", "targetCapacity": 80},
                    "managedTerminationProtection": "DISABLED",
                },
                "tags": [{"key": "k", "value": "v"}],
            },
            capacity_provider,
        )
    ],
    "DescribeCapacityProviders": [
        Call(lambda w: {"capacityProviders": ["cp1", "FARGATE", "ghost"]}, capacity_provider),
        Call(lambda w: {"include": ["TAGS"]}, capacity_provider),
    ],
    "UpdateCapacityProvider": [
        Call(
            lambda w: {
                "name": "cp1",
                "autoScalingGroupProvider": {"managedScaling": {"targetCapacity": 90}},
            },
            capacity_provider,
        )
    ],
    "DeleteCapacityProvider": [Call(lambda w: {"capacityProvider": "cp1"}, capacity_provider)],
    # container instances
    "RegisterContainerInstance": [
        _c(
            cluster=C,
            totalResources=[
                {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048},
            ],
            attributes=[{"name": "stack", "value": "dev"}],
            tags=[{"key": "k", "value": "v"}],
        )
    ],
    "DeregisterContainerInstance": [
        Call(lambda w: {"cluster": "idle", "containerInstance": w.idle_instance}),
        Call(lambda w: {"cluster": C, "containerInstance": w.instances[0], "force": True}),
    ],
    "DescribeContainerInstances": [
        Call(lambda w: {"cluster": C, "containerInstances": [*w.instances, "f" * 32]}),
        Call(lambda w: {"cluster": C, "containerInstances": w.instances}, history),
        Call(lambda w: {"cluster": "idle", "containerInstances": [w.idle_instance]}, history),
        Call(
            lambda w: {
                "cluster": C,
                "containerInstances": w.instances,
                "include": ["TAGS", "CONTAINER_INSTANCE_HEALTH"],
            }
        ),
    ],
    "ListContainerInstances": [
        _c(cluster=C),
        _c(cluster=C, filter="attribute:stack == prod", status="ACTIVE", maxResults=1),
    ],
    "UpdateContainerInstancesState": [
        Call(lambda w: {"cluster": C, "containerInstances": w.instances[:1], "status": "DRAINING"})
    ],
    "UpdateContainerAgent": [
        Call(lambda w: {"cluster": C, "containerInstance": w.instances[1]}, old_agent)
    ],
    # attributes
    "PutAttributes": [
        Call(
            lambda w: {
                "cluster": C,
                "attributes": [
                    {"name": "zone", "value": "a", "targetId": w.instances[0]},
                    {
                        "name": "gpu",
                        "targetType": "container-instance",
                        "targetId": w.instances[1].rsplit("/", 1)[1],
                    },
                ],
            }
        )
    ],
    "DeleteAttributes": [
        Call(lambda w: {"cluster": C, "attributes": [{"name": "tier", "targetId": w.instances[0]}]})
    ],
    "ListAttributes": [
        _c(cluster=C, targetType="container-instance"),
        _c(
            cluster=C,
            targetType="container-instance",
            attributeName="stack",
            attributeValue="prod",
            maxResults=1,
        ),
    ],
    # account settings
    "PutAccountSetting": [
        _c(name="containerInsights", value="enhanced"),
        _c(
            name="awsvpcTrunking",
            value="enabled",
            principalArn="arn:aws:iam::123456789012:role/deployer",
        ),
    ],
    "PutAccountSettingDefault": [_c(name="fargateTaskRetirementWaitPeriod", value="14")],
    "DeleteAccountSetting": [_c(name="containerInsights")],
    "ListAccountSettings": [
        _c(),
        _c(effectiveSettings=True),
        _c(effectiveSettings=True, name="guardDutyActivate"),
        _c(effectiveSettings=True, maxResults=2, nextToken="Mg=="),
    ],
    # task definitions
    "RegisterTaskDefinition": [
        _c(
            family="full",
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            requiresCompatibilities=["EC2"],
            containerDefinitions=[
                APP | {"portMappings": [{"containerPort": 80, "name": "http"}]},
                SIDE | {"dependsOn": [{"containerName": "app", "condition": "HEALTHY"}]},
            ],
            tags=[{"key": "k", "value": "v"}],
        )
    ],
    "DeregisterTaskDefinition": [_c(taskDefinition="web:1")],
    "DeleteTaskDefinitions": [_c(taskDefinitions=["old:1", "web:2", "web:9"])],
    "DescribeTaskDefinition": [
        _c(taskDefinition="web:2", include=["TAGS"]),
        _c(taskDefinition="old:1"),
    ],
    "ListTaskDefinitions": [
        _c(),
        _c(status="INACTIVE", familyPrefix="old", sort="DESC"),
    ],
    "ListTaskDefinitionFamilies": [_c(), _c(status="ALL")],
    # tasks
    "RunTask": [
        _c(cluster=C, taskDefinition="web:2", count=2, tags=[{"key": "k", "value": "v"}]),
        _c(
            cluster=C,
            taskDefinition="web:2",
            count=10,
            placementConstraints=[{"type": "memberOf", "expression": "attribute:stack == prod"}],
            placementStrategy=[{"type": "binpack", "field": "memory"}],
        ),  # more than fits: failures too
        _c(cluster="idle", taskDefinition="web:2"),
    ],
    "StartTask": [
        Call(
            lambda w: {
                "cluster": C,
                "taskDefinition": "web:2",
                "containerInstances": w.instances,
                "overrides": {"containerOverrides": [{"name": "app", "command": ["x"]}]},
            }
        )
    ],
    "StopTask": [Call(lambda w: {"cluster": C, "task": w.task, "reason": "done"})],
    "DescribeTasks": [
        Call(
            lambda w: {
                "cluster": C,
                "tasks": [*w.tasks, *w.service_tasks, "0" * 32],
                "include": ["TAGS"],
            }
        ),
        Call(lambda w: {"cluster": C, "tasks": [*w.tasks, *w.service_tasks]}, history),
        Call(
            lambda w: {"cluster": C, "tasks": w.ecs.list_tasks(cluster=C)["taskArns"]},
            load_balanced,
        ),
    ],
    "ListTasks": [
        _c(cluster=C),
        _c(cluster=C, serviceName="s", desiredStatus="RUNNING", maxResults=1),
        _c(cluster=C, family="web", startedBy="me"),
    ],
    "UpdateTaskProtection": [
        Call(
            lambda w: {
                "cluster": C,
                "tasks": [*w.service_tasks, "0" * 32],
                "protectionEnabled": True,
                "expiresInMinutes": 60,
            }
        )
    ],
    "GetTaskProtection": [
        Call(lambda w: {"cluster": C, "tasks": [*w.service_tasks, "0" * 32]}, protect)
    ],
    # services
    "CreateService": [
        _c(
            cluster=C,
            serviceName="new",
            taskDefinition="web:2",
            desiredCount=1,
            placementStrategy=[{"type": "spread", "field": "attribute:ecs.availability-zone"}],
            tags=[{"key": "k", "value": "v"}],
        ),
        _c(cluster=C, serviceName="d", taskDefinition="web:2", schedulingStrategy="DAEMON"),
    ],
    "UpdateService": [
        _c(cluster=C, service="s", desiredCount=3),
        _c(cluster=C, service="s", taskDefinition="web:1", forceNewDeployment=True),
    ],
    "DeleteService": [_c(cluster=C, service="s", force=True)],
    "DescribeServices": [
        _c(cluster=C, services=["s", "ghost"], include=["TAGS"]),
        Call(lambda w: {"cluster": C, "services": ["lb"]}, load_balanced),
        Call(lambda w: {"cluster": C, "services": ["s"]}, history),
    ],
    "ListServices": [_c(cluster=C), _c(cluster=C, schedulingStrategy="REPLICA", maxResults=1)],
    "ListServicesByNamespace": [Call(lambda w: {"namespace": NAMESPACE}, service_connect)],
    "ListServiceDeployments": [
        _c(cluster=C, service="s"),
        _c(cluster=C, service="s", status=["SUCCESSFUL", "IN_PROGRESS"]),
    ],
    "DescribeServiceDeployments": [
        Call(lambda w: {"serviceDeploymentArns": [w.extra["deployment"]]}, new_deployment)
    ],
    "DescribeServiceRevisions": [Call(lambda w: {"serviceRevisionArns": [revision_arn(w)]})],
    "StopServiceDeployment": [
        Call(
            lambda w: {"serviceDeploymentArn": w.extra["deployment"], "stopType": "ROLLBACK"},
            new_deployment,
        )
    ],
    # task sets
    "CreateTaskSet": [
        Call(
            lambda w: {
                "cluster": C,
                "service": "ext",
                "taskDefinition": "web:1",
                "scale": {"value": 50, "unit": "PERCENT"},
            },
            external_service,
        )
    ],
    "DescribeTaskSets": [
        Call(
            lambda w: {"cluster": C, "service": "ext", "include": ["TAGS"]},
            external_service,
        )
    ],
    "UpdateTaskSet": [
        Call(
            lambda w: {
                "cluster": C,
                "service": "ext",
                "taskSet": w.extra["task_set"],
                "scale": {"value": 100, "unit": "PERCENT"},
            },
            external_service,
        )
    ],
    "UpdateServicePrimaryTaskSet": [
        Call(
            lambda w: {"cluster": C, "service": "ext", "primaryTaskSet": w.extra["task_set"]},
            external_service,
        )
    ],
    "DeleteTaskSet": [
        Call(
            lambda w: {
                "cluster": C,
                "service": "ext",
                "taskSet": w.extra["task_set"],
                "force": True,
            },
            external_service,
        )
    ],
    # tags
    "TagResource": [
        Call(
            lambda w: {
                "resourceArn": w.instances[0],
                "tags": [{"key": "k", "value": "v"}],
            }
        )
    ],
    "UntagResource": [
        _c(resourceArn=f"arn:aws:ecs:us-east-1:123456789012:cluster/{C}", tagKeys=["team"])
    ],
    "ListTagsForResource": [
        _c(resourceArn=f"arn:aws:ecs:us-east-1:123456789012:cluster/{C}"),
        _c(resourceArn="arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"),
    ],
    # the agent's own operations
    "DiscoverPollEndpoint": [
        Call(lambda w: {"cluster": C, "containerInstance": w.instances[0]}),
    ],
    "SubmitTaskStateChange": [
        Call(
            lambda w: {
                "cluster": C,
                "task": w.task,
                "status": "RUNNING",
                "containers": [
                    {"containerName": _first_container(w), "status": "STOPPED", "exitCode": 1}
                ],
                "pullStartedAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            }
        )
    ],
    "SubmitContainerStateChange": [
        Call(
            lambda w: {
                "cluster": C,
                "task": w.task,
                "containerName": _first_container(w),
                "status": "RUNNING",
            }
        )
    ],
    "SubmitAttachmentStateChanges": [
        _c(
            cluster=C,
            attachments=[
                {
                    "attachmentArn": "arn:aws:ecs:us-east-1:123456789012:attachment/a1",
                    "status": "ATTACHED",
                }
            ],
        )
    ],
}


def implemented() -> list[str]:
    client = ecsedu.connect()
    return sorted(op for op in MODEL.operation_names if hasattr(client, botocore.xform_name(op)))


def _cases() -> list[Any]:
    return [
        pytest.param(op, i, call, id=f"{op}-{i}")
        for op in implemented()
        for i, call in enumerate(DRIVERS.get(op, []))
    ]


@pytest.mark.parametrize(("op", "number", "call"), _cases())
def test_response_fits_botocore_output_shape(op: str, number: int, call: Call) -> None:
    w = build_world()
    if call.setup is not None:
        call.setup(w)
    response = getattr(w.ecs, botocore.xform_name(op))(**call.params(w))
    output = MODEL.operation_model(op).output_shape
    assert output is not None, op
    problems = shape_problems(response, output, op)
    assert problems == [], "\n".join(problems)
    w.ecs.advance(60)  # and the engine carries on


def test_every_implemented_operation_is_driven() -> None:
    missing = [op for op in implemented() if not DRIVERS.get(op)]
    assert missing == [], f"add a Call to DRIVERS in {__file__} for: {', '.join(missing)}"


def test_drivers_name_only_implemented_operations() -> None:
    assert sorted(set(DRIVERS) - set(implemented())) == []


def test_the_checker_finds_each_kind_of_departure() -> None:
    """A shape test that cannot fail proves nothing: each kind of mistake is reported."""
    shape = MODEL.operation_model("DescribeClusters").output_shape
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    good = {"clusters": [{"clusterName": "x", "runningTasksCount": 1, "settings": []}]}
    assert shape_problems(good, shape, "r") == []
    bad = {
        "clusters": [
            {
                "clusterName": 3,
                "runningTasksCount": True,
                "settings": [{"name": "bogus", "value": "x"}],
                "extra": 1,
            }
        ],
        "failures": {},
    }
    assert shape_problems(bad, shape, "r") == [
        "r.clusters[0]: unknown key 'extra'",
        "r.clusters[0].clusterName: expected a string, got int 3",
        "r.clusters[0].runningTasksCount: expected integer, got bool True",
        "r.clusters[0].settings[0].name: 'bogus' is not one of ClusterSettingName's values "
        "['containerInsights']",
        "r.failures: expected a list, got dict",
    ]
    tasks = MODEL.operation_model("DescribeTasks").output_shape
    assert shape_problems({"tasks": [{"createdAt": when}]}, tasks, "t") == []
    assert shape_problems({"tasks": [{"createdAt": 1.5}]}, tasks, "t") == [
        "t.tasks[0].createdAt: expected timestamp, got float 1.5"
    ]
    td = MODEL.operation_model("RegisterTaskDefinition").output_shape
    labels = {"taskDefinition": {"containerDefinitions": [{"dockerLabels": {"a": 1}}]}}
    assert shape_problems(labels, td, "d") == [
        "d.taskDefinition.containerDefinitions[0].dockerLabels['a']: expected a string, got int 1"
    ]
