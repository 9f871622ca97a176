"""ecsedu.connect(endpoint_url=...) / AWS_ENDPOINT_URL_ECS, snapshots from Describe/List calls,
and `python -m ecsedu diagrams --endpoint-url`, against the classroom server and against moto's
server (an independent ECS)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import ecsedu
from ecsedu.app.remote import RemoteEcs
from ecsedu.model.snapshot import Snapshot
from tests.server.conftest import ROOT

WEB = [{"name": "web", "image": "nginx", "memory": 256, "portMappings": [{"containerPort": 80}]}]


def _moto_instances(url: str, ecs, count: int = 2) -> None:
    """moto registers EC2 instances it knows (by their identity document), as ECS does."""
    import json

    import boto3

    ec2 = boto3.client(
        "ec2",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    made = ec2.run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count)
    for inst in made["Instances"]:
        ecs.register_container_instance(
            cluster="draw",
            instanceIdentityDocument=json.dumps({"instanceId": inst["InstanceId"]}),
            totalResources=[
                {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
            ],
        )


def _populate(ecs, moto_url: str | None = None) -> None:
    ecs.create_cluster(clusterName="draw")
    if moto_url:
        _moto_instances(moto_url, ecs)
    else:
        ecs.add_instances("draw", count=2)
    ecs.register_task_definition(family="web", containerDefinitions=WEB)
    ecs.create_service(cluster="draw", serviceName="site", taskDefinition="web", desiredCount=2)
    ecs.run_task(cluster="draw", taskDefinition="web")


def _env(server=None, learner=None):
    env = dict(os.environ)
    if learner is not None:
        env.update(
            AWS_ACCESS_KEY_ID=learner.access_key_id, AWS_SECRET_ACCESS_KEY=learner.secret_access_key
        )
    else:
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


@pytest.fixture
def learner_env(server, monkeypatch):
    learner = server.learners[0]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", learner.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", learner.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return learner


def test_connect_honours_aws_endpoint_url_ecs(server, learner_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", server.url)
    ecs = ecsedu.connect()
    assert isinstance(ecs, RemoteEcs)
    _populate(ecs)
    snap = ecs.snapshot()
    assert isinstance(snap, Snapshot)
    cluster = snap.cluster("draw")
    assert cluster.arn.split(":")[4] == learner_env.account_id
    assert len(snap.instances_in(cluster.arn)) == 2
    assert [s.name for s in snap.services_in(cluster.arn)] == ["site"]
    assert snap.task_definition(snap.services[0].task_definition_arn).memory == 256
    assert len([t for t in snap.tasks if t.service_name == "site"]) == 2
    # a plain boto3 client reaches it too, through the same variable
    import boto3

    assert cluster.arn in boto3.client("ecs").list_clusters()["clusterArns"]
    # an explicit runtime is local whatever the environment says
    assert not isinstance(ecsedu.connect("simulated"), RemoteEcs)


def test_remote_against_moto(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    ecs = ecsedu.connect(endpoint_url=moto_url)
    ecs.create_cluster(clusterName="draw")
    _moto_instances(moto_url, ecs)
    ecs.register_task_definition(family="web", containerDefinitions=WEB)
    ecs.create_service(cluster="draw", serviceName="site", taskDefinition="web", desiredCount=1)
    snap = ecs.snapshot("draw")
    assert [c.name for c in snap.clusters] == ["draw"]
    assert len(snap.instances) == 2
    assert snap.services[0].name == "site"


@pytest.mark.parametrize("peer", ["classroom", "moto"])
def test_diagrams_cli_draws_a_remote_ecs(peer, server, moto_url, tmp_path):
    if peer == "classroom":
        url, env = server.url, _env(server, server.learners[0])
        ecs = ecsedu.connect(
            endpoint_url=url,
            aws_access_key_id=server.learners[0].access_key_id,
            aws_secret_access_key=server.learners[0].secret_access_key,
        )
        if "draw" not in str(ecs.list_clusters()):
            _populate(ecs)
    else:
        url, env = moto_url, _env()
        ecs = ecsedu.connect(
            endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        if "draw" not in str(ecs.list_clusters()):
            _populate(ecs, moto_url)
    out = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecsedu",
            "diagrams",
            "--endpoint-url",
            url,
            "--cluster",
            "draw",
            "--only",
            "2,6",
            "--format",
            "svg",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) == 2
    assert "site" in "".join(p.read_text() for p in svgs)
