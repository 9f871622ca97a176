"""Service deployments and service revisions: ListServiceDeployments, DescribeServiceDeployments,
DescribeServiceRevisions and StopServiceDeployment over real rolling deployments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import ecsedu
from ecsedu.engine.api import service_deployments as sd_api

C = "c"
ARN = "arn:aws:ecs:us-east-1:123456789012:"
CRASHY = {
    "name": "app",
    "image": "ecsedu/crashy",
    "memory": 128,
    "environment": [{"name": "EXIT_AFTER", "value": "5"}],
}


def world(**cb: bool) -> Any:
    ecs = ecsedu.connect(seed=5)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=4096, memory=8192)
    app = {"name": "app", "image": "busybox", "memory": 128}
    ecs.register_task_definition(family="web", containerDefinitions=[app])  # web:1
    ecs.register_task_definition(family="web", containerDefinitions=[dict(app, memory=129)])
    ecs.register_task_definition(family="web", containerDefinitions=[CRASHY])  # web:3
    config: dict[str, Any] = {}
    if cb:
        config["deploymentCircuitBreaker"] = {"enable": True, "rollback": False, **cb}
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="web:1",
        desiredCount=2,
        deploymentConfiguration=config,
    )
    return ecs


def listing(ecs: Any, **filters: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = ecs.list_service_deployments(cluster=C, service="s", **filters)[
        "serviceDeployments"
    ]
    return out


def full(ecs: Any, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"
    ][0]
    return out


def service(ecs: Any) -> dict[str, Any]:
    out: dict[str, Any] = ecs.describe_services(cluster=C, services=["s"])["services"][0]
    return out


def settle(ecs: Any, arn: str, seconds: int = 900) -> str:
    for _ in range(seconds // 5):
        status = full(ecs, arn)["status"]
        if status in sd_api.FINISHED:
            return str(status)
        ecs.advance(5)
    return str(full(ecs, arn)["status"])


def task_definitions_running(ecs: Any) -> set[str]:
    arns = ecs.list_tasks(cluster=C, serviceName="s")["taskArns"]
    tasks = ecs.describe_tasks(cluster=C, tasks=arns)["tasks"] if arns else []
    return {t["taskDefinitionArn"].rsplit("/", 1)[1] for t in tasks if t["lastStatus"] == "RUNNING"}


def test_create_service_is_the_first_service_deployment() -> None:
    ecs = world()
    (first,) = listing(ecs)
    assert first["status"] == "PENDING"  # the scheduler has not acted yet
    assert first["serviceDeploymentArn"].startswith(f"{ARN}service-deployment/{C}/s/")
    assert len(first["serviceDeploymentArn"].rsplit("/", 1)[1]) == 22
    assert first["targetServiceRevisionArn"].startswith(f"{ARN}service-revision/{C}/s/")
    assert "finishedAt" not in first
    assert settle(ecs, first["serviceDeploymentArn"]) == "SUCCESSFUL"
    done = full(ecs, first["serviceDeploymentArn"])
    assert done["sourceServiceRevisions"] == []
    assert done["targetServiceRevision"] == {
        "arn": first["targetServiceRevisionArn"],
        "requestedTaskCount": 2,
        "runningTaskCount": 2,
        "pendingTaskCount": 0,
    }
    assert done["deploymentCircuitBreaker"] == {
        "status": "DISABLED",
        "failureCount": 0,
        "threshold": 0,
    }
    assert isinstance(done["finishedAt"], dt.datetime)
    assert done["startedAt"] <= done["finishedAt"]
    (revision,) = ecs.describe_service_revisions(
        serviceRevisionArns=[first["targetServiceRevisionArn"]]
    )["serviceRevisions"]
    assert revision["taskDefinition"] == f"{ARN}task-definition/web:1"
    assert revision["launchType"] == "EC2"
    assert revision["serviceArn"] == f"{ARN}service/{C}/s"
    assert revision["containerImages"] == [{"containerName": "app", "image": "busybox"}]
    # the revision's id is the digits of the ecs-svc deployment that first deployed it
    deployment_id = service(ecs)["deployments"][0]["id"]
    assert revision["serviceRevisionArn"].endswith("/" + deployment_id.split("/")[1])


def test_update_service_deploys_a_new_revision_over_the_old_one() -> None:
    ecs = world()
    ecs.advance(60)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    newest, first = listing(ecs)
    assert (newest["status"], first["status"]) == ("PENDING", "SUCCESSFUL")
    target = full(ecs, newest["serviceDeploymentArn"])
    assert [r["arn"] for r in target["sourceServiceRevisions"]] == [
        first["targetServiceRevisionArn"]
    ]
    assert settle(ecs, newest["serviceDeploymentArn"]) == "SUCCESSFUL"
    assert task_definitions_running(ecs) == {"web:2"}
    # a deployment that only changes desiredCount is no service deployment
    ecs.update_service(cluster=C, service="s", desiredCount=3)
    assert len(listing(ecs)) == 2
    ecs.update_service(cluster=C, service="s", forceNewDeployment=True)
    assert len(listing(ecs)) == 3
    assert [d["status"] for d in listing(ecs, status=["SUCCESSFUL"])] == ["SUCCESSFUL"] * 2
    created = listing(ecs)[0]["createdAt"]
    assert len(listing(ecs, createdAt={"after": created})) == 1
    assert len(listing(ecs, createdAt={"before": created - dt.timedelta(seconds=1)})) == 2


def test_a_newer_deployment_stops_the_ongoing_one() -> None:
    ecs = world()
    ecs.advance(60)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    ecs.advance(1)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:1")
    third, second, _ = listing(ecs)
    assert second["status"] == "STOPPED"
    assert second["statusReason"] == sd_api.SUPERSEDED
    assert "stoppedAt" in full(ecs, second["serviceDeploymentArn"])
    sources = full(ecs, third["serviceDeploymentArn"])["sourceServiceRevisions"]
    assert len(sources) == 2  # web:2's revision (PRIMARY until now) and web:1's (still running)


def test_stop_service_deployment_rolls_back_to_the_source_revision() -> None:
    ecs = world()
    ecs.advance(60)
    first = listing(ecs)[0]
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    ecs.advance(2)
    arn = listing(ecs)[0]["serviceDeploymentArn"]
    assert full(ecs, arn)["status"] == "IN_PROGRESS"
    assert ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK") == {
        "serviceDeploymentArn": arn
    }
    stopped = full(ecs, arn)
    assert stopped["status"] == "ROLLBACK_REQUESTED"
    assert stopped["stoppedAt"] == stopped["updatedAt"]  # a user stopped it
    assert stopped["rollback"]["serviceRevisionArn"] == first["targetServiceRevisionArn"]
    # stopping it again lets the rollback continue
    ecs.stop_service_deployment(serviceDeploymentArn=arn)
    ecs.advance(1)
    assert full(ecs, arn)["status"] == "ROLLBACK_IN_PROGRESS"
    assert settle(ecs, arn) == "ROLLBACK_SUCCESSFUL"
    # the scheduler really rolled the service back: web:1 again, one deployment
    s = service(ecs)
    assert s["taskDefinition"] == f"{ARN}task-definition/web:1"
    assert len(s["deployments"]) == 1
    assert task_definitions_running(ecs) == {"web:1"}
    assert len(listing(ecs)) == 2  # a rollback makes no new service deployment or revision
    with pytest.raises(ecs.exceptions.ConflictException) as error:
        ecs.stop_service_deployment(serviceDeploymentArn=arn)
    assert error.value.response["Error"]["Message"] == (
        "The service deployment is ROLLBACK_SUCCESSFUL and can't be stopped."
    )


def test_stop_service_deployment_errors() -> None:
    ecs = world()
    arn = listing(ecs)[0]["serviceDeploymentArn"]
    with pytest.raises(ecs.exceptions.InvalidParameterException) as error:
        ecs.stop_service_deployment(serviceDeploymentArn=arn)  # nothing to roll back to
    assert "no source service revision" in error.value.response["Error"]["Message"]
    for ghost in (f"{ARN}service-deployment/{C}/s/nope", "nope", f"{ARN}service/{C}/s"):
        with pytest.raises(ecs.exceptions.ServiceDeploymentNotFoundException):
            ecs.stop_service_deployment(serviceDeploymentArn=ghost)
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ABORT")
    with pytest.raises(ecs.exceptions.ServiceNotFoundException):
        ecs.list_service_deployments(cluster=C, service="ghost")
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.list_service_deployments(cluster=C, service="s", status=["DONE"])
    many = [arn] * 21
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.describe_service_deployments(serviceDeploymentArns=many)
    out = ecs.describe_service_deployments(serviceDeploymentArns=[arn, "x"])
    assert out["failures"] == [{"arn": "x", "reason": "MISSING"}]


def test_the_circuit_breaker_rollback_is_a_rollback_of_the_service_deployment() -> None:
    ecs = world(rollback=True)
    first = listing(ecs)[0]
    assert settle(ecs, first["serviceDeploymentArn"]) == "SUCCESSFUL"
    ecs.advance(60)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:3")  # crashes
    arn = listing(ecs)[0]["serviceDeploymentArn"]
    assert full(ecs, arn)["deploymentCircuitBreaker"]["status"] in ("MONITORING",)
    assert settle(ecs, arn) == "ROLLBACK_SUCCESSFUL"
    done = full(ecs, arn)
    assert done["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    assert done["deploymentCircuitBreaker"]["failureCount"] >= 3
    assert done["deploymentCircuitBreaker"]["threshold"] == 3
    assert done["rollback"]["serviceRevisionArn"] == first["targetServiceRevisionArn"]
    assert task_definitions_running(ecs) == {"web:1"}


def test_the_circuit_breaker_without_rollback_stops_the_service_deployment() -> None:
    ecs = world(rollback=False)
    ecs.advance(120)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:3")
    arn = listing(ecs)[0]["serviceDeploymentArn"]
    assert settle(ecs, arn) == "STOPPED"
    done = full(ecs, arn)
    assert done["statusReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert done["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    assert "rollback" not in done


def test_history_survives_save_and_load_and_goes_with_the_service(tmp_path: Path) -> None:
    ecs = world()
    ecs.advance(60)
    ecs.update_service(cluster=C, service="s", taskDefinition="web:2")
    ecs.advance(2)
    arns = [d["serviceDeploymentArn"] for d in listing(ecs)]
    before = ecs.describe_service_deployments(serviceDeploymentArns=arns)
    ecs.save(str(tmp_path / "state.json"))
    again = ecsedu.connect(state=tmp_path / "state.json")
    assert again.describe_service_deployments(serviceDeploymentArns=arns) == before
    arn = arns[0]
    assert settle(again, arn) == "SUCCESSFUL"
    revision = full(again, arn)["targetServiceRevision"]["arn"]
    assert again.describe_service_revisions(serviceRevisionArns=[revision])["serviceRevisions"]
    again.update_service(cluster=C, service="s", desiredCount=0)
    again.delete_service(cluster=C, service="s")
    again.advance(120)
    assert again.list_service_deployments(cluster=C, service="s")["serviceDeployments"] == []
    gone = again.describe_service_revisions(serviceRevisionArns=[revision])
    assert gone["failures"] == [{"arn": revision, "reason": "MISSING"}]


def test_list_service_deployments_pages_by_20() -> None:
    ecs = world()
    for _ in range(21):
        ecs.update_service(cluster=C, service="s", forceNewDeployment=True)
    first = ecs.list_service_deployments(cluster=C, service="s")
    assert len(first["serviceDeployments"]) == 20
    rest = ecs.list_service_deployments(cluster=C, service="s", nextToken=first["nextToken"])
    assert len(rest["serviceDeployments"]) == 2
    assert "nextToken" not in rest
    statuses = [d["status"] for d in first["serviceDeployments"] + rest["serviceDeployments"]]
    assert statuses == ["PENDING"] + ["STOPPED"] * 21  # each newer one stopped the one before


def test_the_history_keeps_90_days() -> None:
    ecs = world()
    ecs.advance(60)
    ecs.update_service(cluster=C, service="s", forceNewDeployment=True)
    ecs.advance(91 * 86400)
    assert len(listing(ecs)) == 0
    ecs.update_service(cluster=C, service="s", forceNewDeployment=True)
    assert len(listing(ecs)) == 1


def test_a_revision_captures_the_network_and_platform_of_its_time() -> None:
    ecs = ecsedu.connect(seed=5)
    ecs.create_cluster(clusterName=C)
    ecs.register_task_definition(
        family="f",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "busybox"}],
    )
    subnets = ["subnet-0ec5ed0000000000a", "subnet-0ec5ed0000000000b"]
    ecs.create_service(
        cluster=C,
        serviceName="s",
        taskDefinition="f",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[:1]}},
    )
    ecs.advance(60)
    ecs.update_service(
        cluster=C,
        service="s",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[1:]}},
        forceNewDeployment=True,
    )
    newest, first = listing(ecs)
    revisions = ecs.describe_service_revisions(
        serviceRevisionArns=[first["targetServiceRevisionArn"], newest["targetServiceRevisionArn"]]
    )["serviceRevisions"]
    assert [r["networkConfiguration"]["awsvpcConfiguration"]["subnets"] for r in revisions] == [
        subnets[:1],
        subnets[1:],
    ]
    assert {(r["launchType"], r["platformVersion"]) for r in revisions} == {("FARGATE", "LATEST")}
