"""The control plane API: clusters, container instances, task definitions, tasks, services,
tags, pagination, and the rule that a failed call changes no state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu

ARN = "arn:aws:ecs:us-east-1:123456789012:"
C = "c"


def fresh(instances: int = 1) -> tuple[Any, list[str]]:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName=C)
    arns = ecs.add_instances(C, count=instances) if instances else []
    return ecs, arns


def register(ecs: Any, family: str = "t", memory: int = 128, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": "app", "image": "busybox", "memory": memory}],
        **extra,
    )["taskDefinition"]
    return out


def error(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


# -- clusters ----------------------------------------------------------------------------------
def test_create_cluster_defaults_to_default_and_is_idempotent() -> None:
    ecs = ecsedu.connect()
    first = ecs.create_cluster()["cluster"]
    assert first["clusterName"] == "default"
    assert first["clusterArn"] == f"{ARN}cluster/default"
    assert first["status"] == "ACTIVE"
    assert ecs.create_cluster(clusterName="default")["cluster"]["clusterArn"] == first["clusterArn"]
    assert ecs.list_clusters()["clusterArns"] == [first["clusterArn"]]


def test_describe_clusters_reports_missing_ones() -> None:
    ecs, _ = fresh()
    out = ecs.describe_clusters(clusters=[C, "nope"])
    assert [c["clusterName"] for c in out["clusters"]] == [C]
    assert out["failures"] == [{"arn": f"{ARN}cluster/nope", "reason": "MISSING"}]


def test_cluster_counters() -> None:
    ecs, arns = fresh(2)
    register(ecs)
    ecs.run_task(cluster=C, taskDefinition="t", count=3)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=1)
    c = ecs.describe_clusters(clusters=[C])["clusters"][0]
    assert c["registeredContainerInstancesCount"] == 2
    assert c["activeServicesCount"] == 1
    assert (c["pendingTasksCount"], c["runningTasksCount"]) == (3, 0)
    ecs.advance(30)
    c = ecs.describe_clusters(clusters=[C])["clusters"][0]
    assert (c["pendingTasksCount"], c["runningTasksCount"]) == (0, 4)


def test_delete_cluster_refuses_while_it_holds_something() -> None:
    ecs, arns = fresh(1)
    assert error(lambda: ecs.delete_cluster(cluster=C)) == (
        "ClusterContainsContainerInstancesException",
        "The Cluster cannot be deleted while Container Instances are active or draining.",
    )
    register(ecs)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=0)
    ecs.deregister_container_instance(cluster=C, containerInstance=arns[0])
    assert error(lambda: ecs.delete_cluster(cluster=C)) == (
        "ClusterContainsServicesException",
        "The Cluster cannot be deleted while Services are active.",
    )
    ecs.delete_service(cluster=C, service="s")
    ecs.advance(1)
    out = ecs.delete_cluster(cluster=C)["cluster"]
    assert out["status"] == "INACTIVE"
    assert ecs.list_clusters()["clusterArns"] == []
    assert error(lambda: ecs.delete_cluster(cluster="ghost"))[0] == "ClusterNotFoundException"


def test_delete_cluster_refuses_while_tasks_are_active() -> None:
    ecs, arns = fresh(1)
    register(ecs)
    ecs.run_task(cluster=C, taskDefinition="t")
    ecs.advance(30)
    ecs.deregister_container_instance(cluster=C, containerInstance=arns[0], force=True)
    tasks = ecs.list_tasks(cluster=C, desiredStatus="STOPPED")["taskArns"]
    assert tasks  # the orphaned task stopped with its instance
    ecs.delete_cluster(cluster=C)


def test_unknown_cluster_is_cluster_not_found() -> None:
    ecs = ecsedu.connect()
    for call in (
        lambda: ecs.list_tasks(cluster="ghost"),
        lambda: ecs.list_services(cluster="ghost"),
        lambda: ecs.run_task(cluster="ghost", taskDefinition="t"),
    ):
        assert error(call) == ("ClusterNotFoundException", "Cluster not found.")


# -- container instances -----------------------------------------------------------------------
def test_register_container_instance_takes_total_resources_and_attributes() -> None:
    ecs, _ = fresh(0)
    out = ecs.register_container_instance(
        cluster=C,
        totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 7985},
        ],
        attributes=[{"name": "stack", "value": "prod"}],
    )["containerInstance"]
    assert out["status"] == "ACTIVE"
    assert out["agentConnected"] is True
    assert out["containerInstanceArn"].startswith(f"{ARN}container-instance/{C}/")
    registered = {r["name"]: r for r in out["registeredResources"]}
    assert registered["CPU"]["integerValue"] == 4096
    assert registered["MEMORY"]["integerValue"] == 7985
    assert registered["PORTS"]["type"] == "STRINGSET"
    assert registered["PORTS_UDP"]["stringSetValue"] == []
    attrs = {a["name"]: a.get("value") for a in out["attributes"]}
    assert attrs["stack"] == "prod"
    for name in (
        "ecs.availability-zone",
        "ecs.instance-type",
        "ecs.os-type",
        "ecs.ami-id",
        "ecs.cpu-architecture",
    ):
        assert attrs[name]
    assert out["runningTasksCount"] == 0
    assert out["pendingTasksCount"] == 0


def test_add_instances_spreads_over_zones() -> None:
    ecs, arns = fresh(3)
    out = ecs.describe_container_instances(cluster=C, containerInstances=arns)["containerInstances"]
    zones = [
        next(a["value"] for a in i["attributes"] if a["name"] == "ecs.availability-zone")
        for i in out
    ]
    assert len(set(zones)) == 3


def test_update_container_instances_state() -> None:
    ecs, arns = fresh(2)
    out = ecs.update_container_instances_state(
        cluster=C, containerInstances=[arns[0], "nope"], status="DRAINING"
    )
    assert [i["status"] for i in out["containerInstances"]] == ["DRAINING"]
    assert out["failures"] == [{"arn": f"{ARN}container-instance/{C}/nope", "reason": "MISSING"}]
    assert ecs.list_container_instances(cluster=C, status="DRAINING")["containerInstanceArns"] == [
        arns[0]
    ]
    assert len(ecs.list_container_instances(cluster=C)["containerInstanceArns"]) == 2
    code, _ = error(
        lambda: ecs.update_container_instances_state(
            cluster=C, containerInstances=arns, status="INACTIVE"
        )
    )
    assert code == "InvalidParameterException"
    ecs.update_container_instances_state(cluster=C, containerInstances=[arns[0]], status="ACTIVE")
    assert ecs.list_container_instances(cluster=C, status="DRAINING")["containerInstanceArns"] == []


def test_list_container_instances_filter() -> None:
    ecs, arns = fresh(3)
    out = ecs.list_container_instances(
        cluster=C, filter="attribute:ecs.availability-zone == us-east-1b"
    )
    assert out["containerInstanceArns"] == [arns[1]]


def test_deregister_with_tasks_needs_force() -> None:
    ecs, arns = fresh(1)
    register(ecs)
    ecs.run_task(cluster=C, taskDefinition="t")
    ecs.advance(30)
    code, _ = error(lambda: ecs.deregister_container_instance(cluster=C, containerInstance=arns[0]))
    assert code == "InvalidParameterException"
    out = ecs.deregister_container_instance(cluster=C, containerInstance=arns[0], force=True)
    assert out["containerInstance"]["status"] == "INACTIVE"
    assert ecs.list_container_instances(cluster=C)["containerInstanceArns"] == []
    assert (
        ecs.describe_clusters(clusters=[C])["clusters"][0]["registeredContainerInstancesCount"] == 0
    )


# -- task definitions --------------------------------------------------------------------------
def test_revisions_and_references() -> None:
    ecs, _ = fresh(0)
    first = register(ecs)
    second = register(ecs, memory=256)
    assert (first["revision"], second["revision"]) == (1, 2)
    assert second["taskDefinitionArn"] == f"{ARN}task-definition/t:2"
    for ref in ("t", "t:2", f"{ARN}task-definition/t:2"):
        assert ecs.describe_task_definition(taskDefinition=ref)["taskDefinition"]["revision"] == 2
    ecs.deregister_task_definition(taskDefinition="t:2")
    assert ecs.describe_task_definition(taskDefinition="t")["taskDefinition"]["revision"] == 1
    inactive = ecs.describe_task_definition(taskDefinition="t:2")["taskDefinition"]
    assert inactive["status"] == "INACTIVE"
    assert register(ecs)["revision"] == 3  # numbering continues


def test_defaults_are_filled_in_as_ecs_does() -> None:
    ecs, _ = fresh(0)
    td = register(ecs)
    c = td["containerDefinitions"][0]
    assert (c["cpu"], c["portMappings"], c["essential"], c["environment"]) == (0, [], True, [])
    assert (c["mountPoints"], c["volumesFrom"]) == ([], [])
    assert td["networkMode"] == "bridge"
    assert td["status"] == "ACTIVE"
    assert td["volumes"] == []
    assert td["placementConstraints"] == []
    assert "requiresCompatibilities" not in td


def test_list_task_definitions_and_families() -> None:
    ecs, _ = fresh(0)
    for family in ("web", "web", "db"):
        register(ecs, family)
    ecs.deregister_task_definition(taskDefinition="db:1")
    assert ecs.list_task_definitions()["taskDefinitionArns"] == [
        f"{ARN}task-definition/web:1",
        f"{ARN}task-definition/web:2",
    ]
    assert ecs.list_task_definitions(status="INACTIVE")["taskDefinitionArns"] == [
        f"{ARN}task-definition/db:1"
    ]
    assert ecs.list_task_definitions(familyPrefix="web", sort="DESC")["taskDefinitionArns"][0] == (
        f"{ARN}task-definition/web:2"
    )
    assert ecs.list_task_definition_families()["families"] == ["web"]
    assert ecs.list_task_definition_families(status="ALL")["families"] == ["db", "web"]


def test_inactive_task_definition_cannot_run_or_create_services_but_keeps_running() -> None:
    ecs, _ = fresh(1)
    register(ecs)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t:1", desiredCount=1)
    ecs.advance(30)
    ecs.deregister_task_definition(taskDefinition="t:1")
    assert error(lambda: ecs.run_task(cluster=C, taskDefinition="t:1")) == (
        "InvalidParameterException",
        "TaskDefinition is inactive",
    )
    code, _ = error(
        lambda: ecs.create_service(
            cluster=C, serviceName="s2", taskDefinition="t:1", desiredCount=1
        )
    )
    assert code == "InvalidParameterException"
    ecs.update_service(cluster=C, service="s", desiredCount=2)  # still allowed
    ecs.advance(60)
    assert ecs.describe_services(cluster=C, services=["s"])["services"][0]["runningCount"] == 2


# -- tasks -------------------------------------------------------------------------------------
def test_run_task_rules() -> None:
    ecs, _ = fresh(1)
    register(ecs)
    assert error(lambda: ecs.run_task(cluster=C, taskDefinition="t", count=11)) == (
        "InvalidParameterException",
        "Task count can not be greater than 10",
    )
    empty = ecsedu.connect()
    empty.create_cluster(clusterName=C)
    register(empty)
    assert error(lambda: empty.run_task(cluster=C, taskDefinition="t")) == (
        "InvalidParameterException",
        "No Container Instances were found in your cluster.",
    )
    register(ecs, "vpc", networkMode="awsvpc")
    assert error(lambda: ecs.run_task(cluster=C, taskDefinition="vpc")) == (
        "InvalidParameterException",
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    )


def test_start_task_places_on_the_named_instances_only() -> None:
    ecs, arns = fresh(2)
    register(ecs)
    out = ecs.start_task(cluster=C, taskDefinition="t", containerInstances=[arns[1], "nope"])
    assert [t["containerInstanceArn"] for t in out["tasks"]] == [arns[1]]
    assert out["failures"] == [{"arn": f"{ARN}container-instance/{C}/nope", "reason": "MISSING"}]


def test_describe_and_list_tasks() -> None:
    ecs, arns = fresh(2)
    register(ecs)
    register(ecs, "other")
    mine = ecs.start_task(cluster=C, taskDefinition="t", containerInstances=[arns[0]])["tasks"][0]
    ecs.start_task(cluster=C, taskDefinition="other", containerInstances=[arns[1]])
    assert ecs.list_tasks(cluster=C, family="t")["taskArns"] == [mine["taskArn"]]
    assert ecs.list_tasks(cluster=C, containerInstance=arns[0])["taskArns"] == [mine["taskArn"]]
    short_id = mine["taskArn"].rsplit("/", 1)[1]
    assert ecs.describe_tasks(cluster=C, tasks=[short_id])["tasks"][0]["taskArn"] == mine["taskArn"]
    missing = ecs.describe_tasks(cluster=C, tasks=["0" * 32])
    assert missing["failures"] == [{"arn": f"{ARN}task/{C}/{'0' * 32}", "reason": "MISSING"}]


# -- services ----------------------------------------------------------------------------------
def test_service_errors() -> None:
    ecs, _ = fresh(1)
    register(ecs)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=1)
    assert error(
        lambda: ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=1)
    ) == (
        "InvalidParameterException",
        "Creation of service was not idempotent.",
    )
    assert error(lambda: ecs.update_service(cluster=C, service="ghost", desiredCount=1)) == (
        "ServiceNotFoundException",
        "Service not found.",
    )
    ecs.delete_service(cluster=C, service="s", force=True)
    code, _ = error(lambda: ecs.update_service(cluster=C, service="s", desiredCount=1))
    assert code == "ServiceNotActiveException"
    out = ecs.describe_services(cluster=C, services=["ghost"])
    assert out == {
        "services": [],
        "failures": [{"arn": f"{ARN}service/{C}/ghost", "reason": "MISSING"}],
    }


def test_list_services_by_scheduling_strategy() -> None:
    ecs, _ = fresh(1)
    register(ecs)
    ecs.create_service(cluster=C, serviceName="r", taskDefinition="t", desiredCount=1)
    ecs.create_service(cluster=C, serviceName="d", taskDefinition="t", schedulingStrategy="DAEMON")
    assert ecs.list_services(cluster=C, schedulingStrategy="DAEMON")["serviceArns"] == [
        f"{ARN}service/{C}/d"
    ]
    assert len(ecs.list_services(cluster=C)["serviceArns"]) == 2


# -- tags --------------------------------------------------------------------------------------
def test_tags_round_trip_on_every_resource_kind() -> None:
    ecs, arns = fresh(1)
    td = register(ecs)["taskDefinitionArn"]
    service = ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=0)[
        "service"
    ]["serviceArn"]
    task = ecs.run_task(cluster=C, taskDefinition="t")["tasks"][0]["taskArn"]
    for arn in (f"{ARN}cluster/{C}", arns[0], td, service, task):
        ecs.tag_resource(
            resourceArn=arn, tags=[{"key": "team", "value": "a"}, {"key": "env", "value": "x"}]
        )
        ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "b"}])
        ecs.untag_resource(resourceArn=arn, tagKeys=["env"])
        assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [
            {"key": "team", "value": "b"}
        ]
    ghost = f"{ARN}cluster/ghost"
    tag = [{"key": "a", "value": "b"}]
    assert error(lambda: ecs.tag_resource(resourceArn=ghost, tags=tag))[0] == (
        "ResourceNotFoundException"
    )
    # ListTagsForResource does not model ResourceNotFoundException
    assert error(lambda: ecs.list_tags_for_resource(resourceArn=ghost))[0] == (
        "InvalidParameterException"
    )
    code, _ = error(lambda: ecs.tag_resource(resourceArn="nonsense", tags=[]))
    assert code == "InvalidParameterException"


def test_tags_given_at_creation_are_listed() -> None:
    ecs, _ = fresh(0)
    arn = ecs.create_cluster(clusterName="t", tags=[{"key": "k", "value": "v"}])["cluster"][
        "clusterArn"
    ]
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "k", "value": "v"}]


# -- pagination --------------------------------------------------------------------------------
@pytest.mark.parametrize("page", [1, 2, 3, 7, 100])
def test_pagination_visits_everything_once(page: int) -> None:
    ecs, _ = fresh(0)
    for i in range(7):
        ecs.create_cluster(clusterName=f"p{i}")
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"maxResults": page}
        if token:
            kwargs["nextToken"] = token
        out = ecs.list_clusters(**kwargs)
        assert len(out["clusterArns"]) <= page
        seen += out["clusterArns"]
        pages += 1
        token = out.get("nextToken")
        if not token:
            break
    assert sorted(seen) == sorted(ecs.list_clusters()["clusterArns"])
    assert len(seen) == 8
    assert pages == -(-8 // page)


def test_bad_pagination_parameters() -> None:
    ecs, _ = fresh(0)
    assert error(lambda: ecs.list_clusters(nextToken="!!not a token!!"))[0] == (
        "InvalidParameterException"
    )
    assert error(lambda: ecs.list_clusters(maxResults=101))[0] == "InvalidParameterException"


# -- failed calls change no state --------------------------------------------------------------
def test_failed_calls_change_no_state() -> None:
    ecs, arns = fresh(2)
    register(ecs)
    ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=2)
    ecs.advance(30)
    failing: list[Callable[[], object]] = [
        lambda: ecs.run_task(cluster=C, taskDefinition="t", count=11),
        lambda: ecs.run_task(cluster=C, taskDefinition="nope"),
        lambda: ecs.create_service(cluster=C, serviceName="s", taskDefinition="t", desiredCount=1),
        lambda: ecs.update_service(cluster=C, service="s", taskDefinition="nope"),
        lambda: ecs.update_service(cluster=C, service="s", desiredCount=-1),
        lambda: ecs.delete_cluster(cluster=C),
        lambda: ecs.delete_service(cluster=C, service="s"),
        lambda: ecs.register_task_definition(family="t", containerDefinitions=[]),
        lambda: ecs.register_task_definition(
            family="bad name", containerDefinitions=[{"name": "a", "image": "b", "memory": 1}]
        ),
        lambda: ecs.deregister_container_instance(cluster=C, containerInstance=arns[0]),
        lambda: ecs.update_container_instances_state(
            cluster=C, containerInstances=arns, status="INACTIVE"
        ),
        lambda: ecs.deregister_task_definition(taskDefinition="t:9"),
        lambda: ecs.stop_task(cluster=C, task="0" * 32),
        lambda: ecs.tag_resource(
            resourceArn=f"{ARN}cluster/ghost", tags=[{"key": "a", "value": "b"}]
        ),
        lambda: ecs.list_container_instances(cluster=C, filter="attribute:x ==="),
    ]
    for call in failing:
        before = ecs.snapshot()
        events = len(ecs.events())
        with pytest.raises(ClientError):
            call()
        assert ecs.snapshot() == before
        assert len(ecs.events()) == events


def test_boto3_paginators_walk_every_page() -> None:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName="pages")
    ecs.add_instances("pages", count=3, cpu=8192, memory=16384)
    ecs.register_task_definition(
        family="t", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 32}]
    )
    for _ in range(25):
        ecs.run_task(cluster="pages", taskDefinition="t", count=10)
    paginator = ecs.get_paginator("list_tasks")
    pages = list(paginator.paginate(cluster="pages", PaginationConfig={"PageSize": 100}))
    assert [len(p["taskArns"]) for p in pages] == [100, 100, 50]
    arns = paginator.paginate(cluster="pages").build_full_result()["taskArns"]
    assert len(set(arns)) == 250
    assert ecs.can_paginate("list_tasks")
    assert not ecs.can_paginate("run_task")
    with pytest.raises(ValueError, match="cannot be paginated"):
        ecs.get_paginator("run_task")
