"""EC2 Auto Scaling (``boto3.client("autoscaling")``, the engine's ``ecs.ec2_autoscaling``) over
the classroom server: the query protocol (form in, XML out) with SigV4 scope ``autoscaling``,
through boto3 and the AWS CLI; isolation between learners; nothing lost after ``kill -9``. And
a smoke test of the ECS operations that work with it (capacity providers, task sets, service
deployments, attributes, account settings, task protection, the agent's endpoint) over JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.parsers import QueryParser

from tests.server.conftest import Served, start_server
from tests.server.test_services import _form

BIN = Path(sys.executable).parent
XMLNS = b'xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"'
POLICY = {
    "LaunchTemplate": {
        "LaunchTemplateSpecification": {"LaunchTemplateName": "ecs-lt"},
        "Overrides": [{"InstanceType": "t3.large"}],
    }
}
INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
]


def asg_client(server: Served, who: int = 0) -> Any:
    learner = server.learners[who]
    return boto3.client(
        "autoscaling",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=learner.access_key_id,
        aws_secret_access_key=learner.secret_access_key,
    )


def _group(asg: Any, name: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AutoScalingGroupName": name,
        "MinSize": 0,
        "MaxSize": 3,
        "DesiredCapacity": 1,
        "MixedInstancesPolicy": POLICY,
        **extra,
    }
    asg.create_auto_scaling_group(**params)
    found = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    assert len(found) == 1
    return dict(found[0])


def test_groups_over_the_query_protocol(server: Served) -> None:
    learner = server.learners[0]
    asg = asg_client(server)
    group = _group(asg, "ecs-a", Tags=[{"Key": "team", "Value": "red"}])
    assert group["AutoScalingGroupARN"].startswith(
        f"arn:aws:autoscaling:us-east-1:{learner.account_id}:autoScalingGroup:"
    )
    assert group["AutoScalingGroupARN"].endswith(":autoScalingGroupName/ecs-a")
    assert group["ServiceLinkedRoleARN"] == (
        f"arn:aws:iam::{learner.account_id}:role/aws-service-role/autoscaling.amazonaws.com/"
        "AWSServiceRoleForAutoScaling"
    )
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, 3, 1)
    assert isinstance(group["CreatedTime"], dt.datetime)
    assert group["NewInstancesProtectedFromScaleIn"] is False
    assert group["MixedInstancesPolicy"] == POLICY
    assert [(t["Key"], t["Value"], t["PropagateAtLaunch"]) for t in group["Tags"]] == [
        ("team", "red", False)
    ]
    assert [i["InstanceType"] for i in group["Instances"]] == ["t3.large"]

    asg.set_desired_capacity(AutoScalingGroupName="ecs-a", DesiredCapacity=2)
    found = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["ecs-a"])
    assert found["AutoScalingGroups"][0]["DesiredCapacity"] == 2
    assert len(found["AutoScalingGroups"][0]["Instances"]) == 2
    assert found["ResponseMetadata"]["HTTPStatusCode"] == 200

    # Auto Scaling's own errors, as boto3 reads them from the XML envelope
    with pytest.raises(asg.exceptions.ClientError) as err:
        asg.set_desired_capacity(AutoScalingGroupName="ecs-a", DesiredCapacity=9)
    assert err.value.response["Error"] == {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "New SetDesiredCapacity value 9 is above max value 3 for the AutoScalingGroup.",
    }
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(asg.exceptions.AlreadyExistsFault) as already:
        asg.create_auto_scaling_group(
            AutoScalingGroupName="ecs-a", MinSize=0, MaxSize=1, MixedInstancesPolicy=POLICY
        )
    assert already.value.response["Error"]["Code"] == "AlreadyExists"
    with pytest.raises(asg.exceptions.ResourceInUseFault):
        asg.delete_auto_scaling_group(AutoScalingGroupName="ecs-a")
    asg.delete_auto_scaling_group(AutoScalingGroupName="ecs-a", ForceDelete=True)
    assert (
        asg.describe_auto_scaling_groups(AutoScalingGroupNames=["ecs-a"])["AutoScalingGroups"] == []
    )


def test_the_wire(server: Served) -> None:
    """The form body boto3 sends and the XML it reads, written by hand."""
    learner = server.learners[2]
    fields = {
        "Action": "CreateAutoScalingGroup",
        "Version": "2011-01-01",
        "AutoScalingGroupName": "wire",
        "MinSize": "1",
        "MaxSize": "2",
        "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName": "lt1",
        "MixedInstancesPolicy.LaunchTemplate.Overrides.member.1.InstanceType": "m5.large",
    }
    status, _, body = _form(server, learner, "autoscaling", fields)
    assert status == 200, body
    assert body.startswith(b"<CreateAutoScalingGroupResponse " + XMLNS + b"><ResponseMetadata>")
    status, headers, body = _form(
        server,
        learner,
        "autoscaling",
        {
            "Action": "DescribeAutoScalingGroups",
            "Version": "2011-01-01",
            "AutoScalingGroupNames.member.1": "wire",
        },
    )
    assert status == 200
    assert headers["Content-Type"] == "text/xml"
    assert body.startswith(
        b"<DescribeAutoScalingGroupsResponse " + XMLNS + b"><DescribeAutoScalingGroupsResult>"
        b"<AutoScalingGroups><member><AutoScalingGroupName>wire</AutoScalingGroupName>"
    )
    model = botocore.session.get_session().get_service_model("autoscaling")
    shape = model.operation_model("DescribeAutoScalingGroups").output_shape
    parsed = QueryParser().parse({"body": body, "headers": {}, "status_code": 200}, shape)
    group = parsed["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (1, 2, 1)
    assert group["Instances"][0]["InstanceType"] == "m5.large"
    status, _, body = _form(
        server,
        learner,
        "autoscaling",
        {"Action": "SetDesiredCapacity", "Version": "2011-01-01", "AutoScalingGroupName": "no"},
    )  # DesiredCapacity is required: botocore's report, as a ValidationError
    assert status == 400
    assert b"<Type>Sender</Type><Code>ValidationError</Code>" in body
    assert b'Missing required parameter in input: "DesiredCapacity"' in body
    status, _, body = _form(
        server, learner, "autoscaling", {"Action": "Nope", "Version": "2011-01-01"}
    )
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body


def test_isolation_and_auth(server: Served) -> None:
    a, b = asg_client(server, 0), asg_client(server, 1)
    arn = _group(a, "mine")["AutoScalingGroupARN"]
    assert b.describe_auto_scaling_groups(AutoScalingGroupNames=["mine"])["AutoScalingGroups"] == []
    assert all(
        g["AutoScalingGroupARN"] != arn
        for g in b.describe_auto_scaling_groups()["AutoScalingGroups"]
    )
    with pytest.raises(b.exceptions.ClientError) as err:
        b.set_desired_capacity(AutoScalingGroupName="mine", DesiredCapacity=1)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    # learner 1 may make a group of the same name: it is another account
    assert _group(b, "mine")["AutoScalingGroupARN"] != arn
    stranger = boto3.client(
        "autoscaling",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAUNKNOWNUNKNOWN00",
        aws_secret_access_key="x" * 40,
    )
    with pytest.raises(stranger.exceptions.ClientError) as denied:
        stranger.describe_auto_scaling_groups()
    assert denied.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def _aws(server: Served, *args: str, who: int = 0) -> subprocess.CompletedProcess[str]:
    learner = server.learners[who]
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": learner.access_key_id,
        "AWS_SECRET_ACCESS_KEY": learner.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_AUTO_SCALING"):
        env.pop(name, None)
    return subprocess.run(
        [str(BIN / "aws"), "--endpoint-url", server.url, "--output", "json", "autoscaling", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(not (BIN / "aws").exists(), reason="pip install awscli")
def test_aws_cli(server: Served) -> None:
    made = _aws(
        server,
        "create-auto-scaling-group",
        "--auto-scaling-group-name",
        "cli",
        "--min-size",
        "0",
        "--max-size",
        "2",
        "--mixed-instances-policy",
        json.dumps(POLICY),
        who=2,
    )
    assert made.returncode == 0, made.stderr
    assert _aws(
        server, "set-desired-capacity", "--auto-scaling-group-name", "cli",
        "--desired-capacity", "2", who=2,
    ).returncode == 0  # fmt: skip
    found = _aws(server, "describe-auto-scaling-groups", "--auto-scaling-group-names", "cli", who=2)
    assert found.returncode == 0, found.stderr
    group = json.loads(found.stdout)["AutoScalingGroups"][0]
    assert group["AutoScalingGroupARN"].startswith(
        f"arn:aws:autoscaling:us-east-1:{server.learners[2].account_id}:"
    )
    assert (group["DesiredCapacity"], len(group["Instances"])) == (2, 2)
    bad = _aws(
        server, "set-desired-capacity", "--auto-scaling-group-name", "cli",
        "--desired-capacity", "5", who=2,
    )  # fmt: skip
    assert bad.returncode in (254, 255)  # AWS CLI v2, v1
    assert (
        "An error occurred (ValidationError) when calling the SetDesiredCapacity operation: "
        "New SetDesiredCapacity value 5 is above max value 2 for the AutoScalingGroup."
    ) in bad.stderr


def test_groups_survive_kill_9(tmp_path: Path) -> None:
    served = start_server(tmp_path, "--learners", "1", "--rate", "1000", "--burst", "1000")
    try:
        asg = asg_client(served)
        arn = _group(asg, "keep")["AutoScalingGroupARN"]
        asg.set_desired_capacity(AutoScalingGroupName="keep", DesiredCapacity=3)
        asg.update_auto_scaling_group(AutoScalingGroupName="keep", MinSize=1)
    finally:
        served.stop(signal.SIGKILL)
    journals = list(tmp_path.glob("*.journal"))
    assert any(b"ec2_autoscaling:SetDesiredCapacity" in p.read_bytes() for p in journals)
    again = start_server(tmp_path)
    try:
        found = asg_client(again).describe_auto_scaling_groups()["AutoScalingGroups"]
        assert [g["AutoScalingGroupARN"] for g in found] == [arn]
        assert (found[0]["MinSize"], found[0]["DesiredCapacity"]) == (1, 3)
        assert len(found[0]["Instances"]) == 3
    finally:
        again.stop()


# -- the ECS operations added with capacity providers, over the server -----------------------
def test_new_ecs_operations_over_the_server(tmp_path: Path) -> None:
    served = start_server(
        tmp_path, "--learners", "2", "--rate", "1000", "--burst", "1000", "--speed", "60"
    )
    try:
        acct = served.learners[0].account_id
        ecs, asg = served.ecs(0), asg_client(served)
        group = _group(asg, "ecs-cp")
        cp = ecs.create_capacity_provider(
            name="cp1",
            autoScalingGroupProvider={"autoScalingGroupArn": group["AutoScalingGroupARN"]},
            tags=[{"key": "team", "value": "red"}],
        )["capacityProvider"]
        assert cp["capacityProviderArn"] == f"arn:aws:ecs:us-east-1:{acct}:capacity-provider/cp1"
        assert cp["autoScalingGroupProvider"]["autoScalingGroupArn"] == group["AutoScalingGroupARN"]
        listed = ecs.list_tags_for_resource(resourceArn=cp["capacityProviderArn"])["tags"]
        assert listed == [{"key": "team", "value": "red"}]
        ecs.create_cluster(clusterName="demo")
        cluster = ecs.put_cluster_capacity_providers(
            cluster="demo",
            capacityProviders=["cp1"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "cp1", "weight": 1}],
        )["cluster"]
        assert cluster["capacityProviders"] == ["cp1"]
        other = served.ecs(1)
        assert (
            other.describe_capacity_providers(capacityProviders=["cp1"])["capacityProviders"] == []
        )

        setting = ecs.put_account_setting(name="containerInsights", value="enabled")["setting"]
        assert setting["principalArn"] == f"arn:aws:iam::{acct}:root"
        found = ecs.list_account_settings(name="containerInsights", effectiveSettings=True)
        assert [s["value"] for s in found["settings"]] == ["enabled"]
        with pytest.raises(ecs.exceptions.InvalidParameterException) as err:
            ecs.put_account_setting(name="serviceLongArnFormat", value="disabled")
        assert err.value.response["Error"]["Message"] == (
            "You can no longer disable Long Arn settings."
        )

        ci = ecs.register_container_instance(cluster="demo", totalResources=INSTANCE)[
            "containerInstance"
        ]["containerInstanceArn"]
        put = ecs.put_attributes(
            cluster="demo", attributes=[{"name": "stack", "value": "blue", "targetId": ci}]
        )
        assert put["attributes"][0]["targetId"] == ci
        found = ecs.list_attributes(
            cluster="demo", targetType="container-instance", attributeName="stack"
        )["attributes"]
        assert [(a["targetId"], a["value"]) for a in found] == [(ci, "blue")]
        endpoint = ecs.discover_poll_endpoint(cluster="demo", containerInstance=ci)
        assert endpoint["endpoint"].startswith("https://ecs-a-")

        ecs.register_task_definition(
            family="app",
            containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
        )
        ecs.create_service(
            cluster="demo",
            serviceName="ext",
            desiredCount=1,
            deploymentController={"type": "EXTERNAL"},
        )
        task_set = ecs.create_task_set(
            cluster="demo",
            service="ext",
            taskDefinition="app",
            launchType="EC2",
            scale={"unit": "PERCENT", "value": 100},
        )["taskSet"]
        assert task_set["taskSetArn"].startswith(
            f"arn:aws:ecs:us-east-1:{acct}:task-set/demo/ext/ecs-svc/"
        )
        sets = ecs.describe_task_sets(cluster="demo", service="ext")["taskSets"]
        assert [s["taskSetArn"] for s in sets] == [task_set["taskSetArn"]]

        ecs.create_service(
            cluster="demo", serviceName="web", taskDefinition="app", desiredCount=1,
            launchType="EC2",
        )  # fmt: skip
        deployments = ecs.list_service_deployments(cluster="demo", service="web")
        arns = [d["serviceDeploymentArn"] for d in deployments["serviceDeployments"]]
        assert len(arns) == 1
        assert arns[0].startswith(f"arn:aws:ecs:us-east-1:{acct}:service-deployment/demo/web/")
        described = ecs.describe_service_deployments(serviceDeploymentArns=arns)
        assert described["serviceDeployments"][0]["serviceDeploymentArn"] == arns[0]
        running: list[str] = []
        for _ in range(100):  # the clock runs 60x the wall clock
            running = ecs.list_tasks(cluster="demo", serviceName="web", desiredStatus="RUNNING")[
                "taskArns"
            ]
            if running:
                break
            time.sleep(0.05)
        assert running
        protected = ecs.update_task_protection(
            cluster="demo", tasks=running, protectionEnabled=True, expiresInMinutes=60
        )
        assert [t["taskArn"] for t in protected["protectedTasks"]] == running
        got = ecs.get_task_protection(cluster="demo", tasks=running)["protectedTasks"]
        assert got[0]["protectionEnabled"] is True
        assert isinstance(got[0]["expirationDate"], dt.datetime)
    finally:
        served.stop()
