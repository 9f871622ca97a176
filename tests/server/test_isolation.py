"""A learner can neither see nor touch another learner's resources, with any operation."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048},
]


@pytest.fixture(scope="module")
def world(server):
    a = server.ecs(2)
    a.create_cluster(clusterName="iso")
    ci = a.register_container_instance(cluster="iso", totalResources=INSTANCE)
    td = a.register_task_definition(
        family="iso", containerDefinitions=[{"name": "c", "image": "busybox", "memory": 64}]
    )
    task = a.run_task(cluster="iso", taskDefinition="iso")["tasks"][0]
    svc = a.create_service(cluster="iso", serviceName="svc", taskDefinition="iso", desiredCount=1)
    return {
        "cluster": a.describe_clusters(clusters=["iso"])["clusters"][0]["clusterArn"],
        "instance": ci["containerInstance"]["containerInstanceArn"],
        "taskdef": td["taskDefinition"]["taskDefinitionArn"],
        "task": task["taskArn"],
        "service": svc["service"]["serviceArn"],
    }


def _denied(call, **params):
    """The call fails, or answers with nothing of the other account's."""
    try:
        out = call(**params)
    except ClientError as err:
        return err.response["Error"]["Code"]
    out.pop("ResponseMetadata", None)
    assert not any(v for k, v in out.items() if k != "failures"), out
    return "failures"


def test_other_learner_sees_nothing(server, world):
    b = server.ecs(0)
    owner = server.learners[2].account_id
    for listing in (
        b.list_clusters(),
        b.list_task_definitions(),
        b.list_task_definition_families(),
    ):
        assert owner not in str(listing)
    assert "iso" not in str(b.list_task_definition_families())


def test_every_arn_operation_is_refused_across_accounts(server, world):
    b = server.ecs(0)
    c, ci, td, task, svc = (world[k] for k in ("cluster", "instance", "taskdef", "task", "service"))
    results = {
        "DescribeClusters": _denied(b.describe_clusters, clusters=[c]),
        "DeleteCluster": _denied(b.delete_cluster, cluster=c),
        "ListContainerInstances": _denied(b.list_container_instances, cluster=c),
        "DescribeContainerInstances": _denied(
            b.describe_container_instances, cluster=c, containerInstances=[ci]
        ),
        "UpdateContainerInstancesState": _denied(
            b.update_container_instances_state,
            cluster=c,
            containerInstances=[ci],
            status="DRAINING",
        ),
        "DeregisterContainerInstance": _denied(
            b.deregister_container_instance, cluster=c, containerInstance=ci, force=True
        ),
        "DescribeTaskDefinition": _denied(b.describe_task_definition, taskDefinition=td),
        "DeregisterTaskDefinition": _denied(b.deregister_task_definition, taskDefinition=td),
        "RunTask": _denied(b.run_task, cluster=c, taskDefinition=td),
        "StartTask": _denied(b.start_task, cluster=c, taskDefinition=td, containerInstances=[ci]),
        "ListTasks": _denied(b.list_tasks, cluster=c),
        "DescribeTasks": _denied(b.describe_tasks, cluster=c, tasks=[task]),
        "StopTask": _denied(b.stop_task, cluster=c, task=task),
        "CreateService": _denied(
            b.create_service, cluster=c, serviceName="x", taskDefinition=td, desiredCount=1
        ),
        "ListServices": _denied(b.list_services, cluster=c),
        "DescribeServices": _denied(b.describe_services, cluster=c, services=[svc]),
        "UpdateService": _denied(b.update_service, cluster=c, service=svc, desiredCount=5),
        "DeleteService": _denied(b.delete_service, cluster=c, service=svc, force=True),
        "TagResource": _denied(b.tag_resource, resourceArn=svc, tags=[{"key": "x", "value": "y"}]),
        "UntagResource": _denied(b.untag_resource, resourceArn=svc, tagKeys=["x"]),
        "ListTagsForResource": _denied(b.list_tags_for_resource, resourceArn=c),
    }
    assert all(results.values()), results
    # ... and the owner's world is as it was
    a = server.ecs(2)
    assert a.describe_services(cluster="iso", services=["svc"])["services"][0]["desiredCount"] == 1
    assert a.describe_clusters(clusters=["iso"])["clusters"][0]["status"] == "ACTIVE"
    inst = a.describe_container_instances(cluster="iso", containerInstances=[ci])
    assert inst["containerInstances"][0]["status"] == "ACTIVE"
    assert a.describe_task_definition(taskDefinition=td)["taskDefinition"]["status"] == "ACTIVE"
    assert a.list_tags_for_resource(resourceArn=svc)["tags"] == []
    assert a.describe_tasks(cluster="iso", tasks=[task])["tasks"][0]["desiredStatus"] == "RUNNING"
