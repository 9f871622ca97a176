"""boto3 and the AWS CLI against `ecsedu serve`, one test per operation family."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

BIN = Path(sys.executable).parent
INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
]
WEB = [{"name": "web", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}]


def test_clusters(server):
    ecs = server.ecs(0)
    acct = server.learners[0].account_id
    made = ecs.create_cluster(clusterName="c1", tags=[{"key": "k", "value": "v"}])["cluster"]
    assert made["clusterArn"] == f"arn:aws:ecs:us-east-1:{acct}:cluster/c1"
    assert made["clusterArn"] in ecs.list_clusters()["clusterArns"]
    described = ecs.describe_clusters(clusters=["c1", "nope"])
    assert described["clusters"][0]["clusterName"] == "c1"
    assert described["failures"][0]["reason"] == "MISSING"
    with pytest.raises(ecs.exceptions.ClusterNotFoundException) as err:
        ecs.delete_cluster(cluster="nope")
    assert err.value.response["Error"]["Message"] == "Cluster not found."
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["ResponseMetadata"]["RequestId"]
    ecs.delete_cluster(cluster="c1")


def test_instances_task_definitions_tasks_services_tags(server):
    ecs = server.ecs(1)
    acct = server.learners[1].account_id
    ecs.create_cluster(clusterName="demo")
    ci = ecs.register_container_instance(cluster="demo", totalResources=INSTANCE)
    ci_arn = ci["containerInstance"]["containerInstanceArn"]
    assert ci_arn.startswith(f"arn:aws:ecs:us-east-1:{acct}:container-instance/demo/")
    ecs.register_container_instance(cluster="demo", totalResources=INSTANCE)
    assert len(ecs.list_container_instances(cluster="demo")["containerInstanceArns"]) == 2
    got = ecs.describe_container_instances(cluster="demo", containerInstances=[ci_arn])
    assert got["containerInstances"][0]["agentConnected"] is True
    td = ecs.register_task_definition(family="web", containerDefinitions=WEB)["taskDefinition"]
    assert td["taskDefinitionArn"] == f"arn:aws:ecs:us-east-1:{acct}:task-definition/web:1"
    assert ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]["revision"] == 1
    assert ecs.list_task_definition_families()["families"] == ["web"]
    assert ecs.list_task_definitions()["taskDefinitionArns"] == [td["taskDefinitionArn"]]
    run = ecs.run_task(cluster="demo", taskDefinition="web", count=2)
    assert len(run["tasks"]) == 2
    assert run["failures"] == []
    assert run["tasks"][0]["createdAt"].year >= 2026  # a timestamp, parsed by botocore
    arns = ecs.list_tasks(cluster="demo")["taskArns"]
    assert sorted(arns) == sorted(t["taskArn"] for t in run["tasks"])
    assert len(ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]) == 2
    ecs.stop_task(cluster="demo", task=arns[0], reason="done")
    started = ecs.start_task(cluster="demo", taskDefinition="web", containerInstances=[ci_arn])
    assert started["tasks"][0]["containerInstanceArn"] == ci_arn
    svc = ecs.create_service(cluster="demo", serviceName="s", taskDefinition="web", desiredCount=1)
    assert svc["service"]["serviceArn"] == f"arn:aws:ecs:us-east-1:{acct}:service/demo/s"
    ecs.update_service(cluster="demo", service="s", desiredCount=2)
    assert ecs.describe_services(cluster="demo", services=["s"])["services"][0]["desiredCount"] == 2
    assert ecs.list_services(cluster="demo")["serviceArns"] == [svc["service"]["serviceArn"]]
    ecs.tag_resource(resourceArn=svc["service"]["serviceArn"], tags=[{"key": "a", "value": "b"}])
    tags = ecs.list_tags_for_resource(resourceArn=svc["service"]["serviceArn"])["tags"]
    assert {"key": "a", "value": "b"} in tags
    ecs.untag_resource(resourceArn=svc["service"]["serviceArn"], tagKeys=["a"])
    ecs.update_container_instances_state(
        cluster="demo", containerInstances=[ci_arn], status="DRAINING"
    )
    ecs.update_service(cluster="demo", service="s", desiredCount=0)
    ecs.delete_service(cluster="demo", service="s")
    ecs.deregister_task_definition(taskDefinition="web:1")
    ecs.deregister_container_instance(cluster="demo", containerInstance=ci_arn, force=True)
    pages = list(ecs.get_paginator("list_container_instances").paginate(cluster="demo"))
    assert sum(len(p["containerInstanceArns"]) for p in pages) == 1


def test_shape_errors_and_unmodelled_operations(server):
    ecs = server.ecs(2)
    with pytest.raises(ClientError) as err:
        ecs.run_task(cluster="nope", taskDefinition="web")
    assert err.value.response["Error"]["Code"] == "ClusterNotFoundException"
    with pytest.raises(ClientError) as err:
        ecs.execute_command(task="t", command="sh", interactive=True)
    assert err.value.response["Error"]["Code"] == "ClientException"
    assert "does not model ExecuteCommand" in err.value.response["Error"]["Message"]


def _aws(server, *args: str, who: int = 0) -> subprocess.CompletedProcess[str]:
    learner = server.learners[who]
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": learner.access_key_id,
        "AWS_SECRET_ACCESS_KEY": learner.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    env.pop("AWS_ENDPOINT_URL_ECS", None)
    return subprocess.run(
        [str(BIN / "aws"), "--endpoint-url", server.url, "--output", "json", "ecs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(not (BIN / "aws").exists(), reason="pip install awscli")
def test_aws_cli(server, tmp_path):
    made = _aws(server, "create-cluster", "--cluster-name", "cli")
    assert made.returncode == 0, made.stderr
    acct = server.learners[0].account_id
    assert json.loads(made.stdout)["cluster"]["clusterArn"].endswith(f"{acct}:cluster/cli")
    assert (
        _aws(
            server,
            "register-container-instance",
            "--cluster",
            "cli",
            "--total-resources",
            json.dumps(INSTANCE),
        ).returncode
        == 0
    )
    td = tmp_path / "td.json"
    td.write_text(json.dumps({"family": "cli-web", "containerDefinitions": WEB}))
    reg = _aws(server, "register-task-definition", "--cli-input-json", f"file://{td}")
    assert reg.returncode == 0, reg.stderr
    run = _aws(server, "run-task", "--cluster", "cli", "--task-definition", "cli-web")
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)["tasks"]) == 1
    svc = _aws(
        server,
        "create-service",
        "--cluster",
        "cli",
        "--service-name",
        "s",
        "--task-definition",
        "cli-web",
        "--desired-count",
        "1",
    )
    assert svc.returncode == 0, svc.stderr
    listed = _aws(server, "list-services", "--cluster", "cli")
    assert json.loads(listed.stdout)["serviceArns"][0].endswith(f"{acct}:service/cli/s")
    missing = _aws(server, "describe-services", "--cluster", "nope", "--services", "s")
    assert missing.returncode != 0
    assert "ClusterNotFoundException" in missing.stderr
    assert "Cluster not found." in missing.stderr
