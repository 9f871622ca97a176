"""The other AWS clients over their own protocols, as botocore speaks them: Application Auto
Scaling (JSON 1.1), CloudWatch (JSON 1.0, query-compatible errors; and the query protocol) and
ELBv2 (query: form in, XML out). One call that succeeds and one AWS-style error each, through
boto3 with ``endpoint_url``; isolation between learners; and nothing lost after ``kill -9``."""

from __future__ import annotations

import datetime as dt
import signal
import urllib.parse
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import QueryParser

from tests.server.conftest import Learner, Served, raw_request, start_server

VPC = "vpc-0ec5ed00000000001"


def client(server: Served, service: str, who: int = 0) -> Any:
    learner = server.learners[who]
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=learner.access_key_id,
        aws_secret_access_key=learner.secret_access_key,
    )


def _service(server: Served, who: int = 0) -> None:
    ecs = server.ecs(who)
    if ecs.list_clusters()["clusterArns"]:
        return
    ecs.create_cluster(clusterName="demo")
    ecs.register_task_definition(
        family="app", containerDefinitions=[{"name": "app", "image": "x", "memory": 128}]
    )
    ecs.create_service(cluster="demo", serviceName="web", taskDefinition="app", desiredCount=1)


def _form(server: Served, learner: Learner, service: str, fields: dict[str, str]) -> Any:
    body = urllib.parse.urlencode(fields).encode()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Date": stamp,
            "Host": server.url.split("//", 1)[1],
        },
    )
    request.context["timestamp"] = stamp
    signer = SigV4Auth(
        Credentials(learner.access_key_id, learner.secret_access_key), service, "us-east-1"
    )
    canonical = signer.canonical_request(request)
    signer._inject_signature_to_request(
        request, signer.signature(signer.string_to_sign(request, canonical), request)
    )
    return raw_request(server.url, body, dict(request.headers.items()))


# -- ELBv2 (query protocol) ------------------------------------------------------------------
def test_elbv2_over_the_query_protocol(server: Served) -> None:
    learner = server.learners[0]
    elb = client(server, "elbv2")
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=VPC)
    arn = tg["TargetGroups"][0]["TargetGroupArn"]
    assert arn.startswith(f"arn:aws:elasticloadbalancing:us-east-1:{learner.account_id}:")
    assert tg["TargetGroups"][0]["Matcher"] == {"HttpCode": "200"}
    assert tg["TargetGroups"][0]["HealthCheckEnabled"] is True
    found = elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
    assert [g["TargetGroupName"] for g in found] == ["web"]
    with pytest.raises(elb.exceptions.LoadBalancerNotFoundException) as err:
        elb.describe_load_balancers(Names=["nope"])
    assert err.value.response["Error"] == {
        "Type": "Sender",
        "Code": "LoadBalancerNotFound",
        "Message": "One or more load balancers not found",
    }
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # the wire: AWS's XML envelope
    status, headers, body = _form(
        server,
        learner,
        "elasticloadbalancing",
        {"Action": "DescribeTargetGroups", "Version": "2015-12-01"},
    )
    assert status == 200
    assert headers["Content-Type"] == "text/xml"
    assert body.startswith(
        b'<DescribeTargetGroupsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/'
        b'2015-12-01/"><DescribeTargetGroupsResult><TargetGroups><member>'
    )
    assert b"<ResponseMetadata><RequestId>" in body
    status, _, body = _form(
        server, learner, "elasticloadbalancing", {"Action": "Nope", "Version": "2015-12-01"}
    )
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body
    assert b"<Message>The action Nope is not valid for this web service.</Message>" in body


def test_elbv2_isolation_and_auth(server: Served) -> None:
    elb_a, elb_b = client(server, "elbv2", 0), client(server, "elbv2", 1)
    arn = elb_a.create_target_group(Name="mine", Protocol="HTTP", Port=80, VpcId=VPC)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    with pytest.raises(elb_b.exceptions.TargetGroupNotFoundException):
        elb_b.describe_target_groups(TargetGroupArns=[arn])
    assert all(g["TargetGroupArn"] != arn for g in elb_b.describe_target_groups()["TargetGroups"])
    stranger = boto3.client(
        "elbv2",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAUNKNOWNUNKNOWN00",
        aws_secret_access_key="x" * 40,
    )
    with pytest.raises(stranger.exceptions.ClientError) as err:
        stranger.describe_target_groups()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# -- Application Auto Scaling (JSON 1.1) -------------------------------------------------------
def test_application_autoscaling_over_json(server: Served) -> None:
    learner = server.learners[0]
    _service(server)
    aas = client(server, "application-autoscaling")
    reply = aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId="service/demo/web",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1,
        MaxCapacity=3,
    )
    assert reply["ScalableTargetARN"].startswith(
        f"arn:aws:application-autoscaling:us-east-1:{learner.account_id}:"
    )
    targets = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert [(t["ResourceId"], t["MaxCapacity"]) for t in targets] == [("service/demo/web", 3)]
    assert f"::{learner.account_id}:role/" in targets[0]["RoleARN"]
    assert isinstance(targets[0]["CreationTime"], dt.datetime)
    with pytest.raises(aas.exceptions.ValidationException) as err:
        aas.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId="service/demo/nope",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=1,
            MaxCapacity=3,
        )
    assert err.value.response["Error"]["Message"] == "ECS service doesn't exist: service/demo/nope"
    headers = err.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    # another learner sees none of it
    other = client(server, "application-autoscaling", 1)
    assert other.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []


# -- CloudWatch (JSON 1.0, as botocore sends it; and the query protocol) -----------------------
def test_botocore_sends_cloudwatch_as_json() -> None:
    model = botocore.session.get_session().get_service_model("cloudwatch")
    assert model.metadata["protocols"][0] == "smithy-rpc-v2-cbor"
    assert model.resolved_protocol == "json"  # what this botocore sends (and the server serves)


def test_cloudwatch_over_json(server: Served) -> None:
    learner = server.learners[0]
    _service(server)
    cw = client(server, "cloudwatch")
    cw.put_metric_alarm(
        AlarmName="cpu-high",
        MetricName="CPUUtilization",
        Namespace="AWS/ECS",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        Threshold=75.0,
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[
            {"Name": "ClusterName", "Value": "demo"},
            {"Name": "ServiceName", "Value": "web"},
        ],
    )
    alarms = cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"]
    assert (
        alarms[0]["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:{learner.account_id}:alarm:cpu-high"
    )
    assert isinstance(alarms[0]["StateUpdatedTimestamp"], dt.datetime)
    now = dt.datetime.now(dt.UTC)
    stats = cw.get_metric_statistics(
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now,
        Period=60,
        Statistics=["Average"],
    )
    assert stats["Label"] == "CPUUtilization"
    with pytest.raises(cw.exceptions.InvalidParameterValueException) as err:
        cw.put_metric_alarm(
            AlarmName="bad",
            MetricName="CPUUtilization",
            Namespace="AWS/ECS",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="Sideways",
        )
    error = err.value.response["Error"]
    assert (error["Code"], error["Type"]) == ("InvalidParameterValue", "Sender")
    headers = err.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert client(server, "cloudwatch", 1).describe_alarms()["MetricAlarms"] == []


def test_cloudwatch_over_the_query_protocol(server: Served) -> None:
    learner = server.learners[2]
    status, _, body = _form(
        server,
        learner,
        "monitoring",
        {
            "Action": "PutMetricAlarm",
            "Version": "2010-08-01",
            "AlarmName": "q",
            "MetricName": "CPUUtilization",
            "Namespace": "AWS/ECS",
            "Statistic": "Average",
            "Period": "60",
            "EvaluationPeriods": "1",
            "Threshold": "50",
            "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions.member.1.Name": "ClusterName",
            "Dimensions.member.1.Value": "demo",
        },
    )
    assert status == 200, body
    status, _, body = _form(
        server,
        learner,
        "monitoring",
        {"Action": "DescribeAlarms", "Version": "2010-08-01", "AlarmNames.member.1": "q"},
    )
    assert status == 200
    model = botocore.session.get_session().get_service_model("cloudwatch")
    shape = model.operation_model("DescribeAlarms").output_shape
    parsed = QueryParser().parse({"body": body, "headers": {}, "status_code": 200}, shape)
    alarm = parsed["MetricAlarms"][0]
    assert alarm["AlarmName"] == "q"
    assert alarm["Dimensions"] == [{"Name": "ClusterName", "Value": "demo"}]
    assert alarm["Threshold"] == 50.0
    assert parsed["ResponseMetadata"]["RequestId"]


def test_other_services_survive_kill_9(tmp_path: Any) -> None:
    served = start_server(tmp_path, "--learners", "1", "--rate", "1000", "--burst", "1000")
    try:
        _service(served)
        elb = client(served, "elbv2")
        arn = elb.create_target_group(Name="keep", Protocol="HTTP", Port=80, VpcId=VPC)[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        client(served, "application-autoscaling").register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId="service/demo/web",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=1,
            MaxCapacity=4,
        )
    finally:
        served.stop(signal.SIGKILL)
    again = start_server(tmp_path)
    try:
        found = client(again, "elbv2").describe_target_groups(TargetGroupArns=[arn])
        assert found["TargetGroups"][0]["TargetGroupName"] == "keep"
        targets = client(again, "application-autoscaling").describe_scalable_targets(
            ServiceNamespace="ecs"
        )["ScalableTargets"]
        assert [t["MaxCapacity"] for t in targets] == [4]
    finally:
        again.stop()
