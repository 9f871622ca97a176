"""Real usage from cgroup files, and real CPU load scaling a service out on the Docker engine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ecsedu.runtimes.docker import metrics


def test_reads_cgroup_v1_cgroupfs_and_v2_and_falls_back(tmp_path: Path) -> None:
    cpu = tmp_path / "cpuacct" / "docker" / "abc"
    mem = tmp_path / "memory" / "docker" / "abc"
    cpu.mkdir(parents=True)
    mem.mkdir(parents=True)
    (cpu / "cpuacct.usage").write_text("2500000000\n")
    (mem / "memory.usage_in_bytes").write_text("10485760\n")
    (mem / "memory.stat").write_text("cache 1\ntotal_inactive_file 1048576\n")
    assert metrics.container_usage("abc", str(tmp_path)) == (2.5, 9 * 1048576)
    v2 = tmp_path / "system.slice" / "docker-def.scope"
    v2.mkdir(parents=True)
    (v2 / "cpu.stat").write_text("usage_usec 1500000\nuser_usec 1\n")
    (v2 / "memory.current").write_text("2048\n")
    assert metrics.container_usage("def", str(tmp_path)) == (1.5, 2048)
    assert metrics.read_usage(["abc", "def"], str(tmp_path)) == (4.0, 9 * 1048576 + 2048)
    assert metrics.read_usage(["missing"], str(tmp_path)) is None


WORKER = {
    "family": "burn",
    "containerDefinitions": [
        {
            "name": "burn",
            "image": "ecsedu/worker",
            "cpu": 256,
            "memory": 64,
            "environment": [{"name": "WORKER_CPU_PERCENT", "value": "60"}],
        }
    ],
}
T = {
    "ServiceNamespace": "ecs",
    "ResourceId": "service/demo/burn",
    "ScalableDimension": "ecs:service:DesiredCount",
}


@pytest.mark.docker
def test_real_cpu_load_scales_the_service_out(connect: Any) -> None:
    """60 % of a CPU in a task reserving 256 units is ~240 % CPUUtilization: target tracking at
    50 % scales out to MaxCapacity. One CloudWatch minute is 3 s here (``set_period``)."""
    ecs = connect()
    ecs.create_cluster(clusterName="demo")
    ecs.add_instances("demo", count=1, cpu=2048, memory=4096)
    ecs.register_task_definition(**WORKER)
    ecs.create_service(cluster="demo", serviceName="burn", taskDefinition="burn", desiredCount=1)
    ecs.get_waiter("services_stable").wait(
        cluster="demo", services=["burn"], WaiterConfig={"Delay": 0.25, "MaxAttempts": 120}
    )
    aas = ecs.autoscaling
    aas.set_period(3)
    aas.register_scalable_target(**T, MinCapacity=1, MaxCapacity=3)
    aas.put_scaling_policy(
        **T,
        PolicyName="cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "ScaleOutCooldown": 5,
        },
    )
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        svc = ecs.describe_services(cluster="demo", services=["burn"])["services"][0]
        if svc["desiredCount"] == 3:
            break
        time.sleep(0.5)
    assert svc["desiredCount"] == 3
    cpu = ecs.snapshot().services[0].scaling.alarms[0].value
    assert cpu is not None
    assert cpu > 50
    act = aas.describe_scaling_activities(ServiceNamespace="ecs")["ScalingActivities"][0]
    assert act["Description"] == "Setting desired count to 3."
