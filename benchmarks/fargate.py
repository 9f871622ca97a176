"""Fargate: 1,000 tasks through one service, and RunTask side by side with moto.

Three figures, printed side by side (no bar: Fargate has no placement to speed up):

* **service**: one Fargate service created with ``desiredCount`` 1,000, the simulated clock
  advanced until every task is RUNNING (the scheduler launches at most 500 a minute on Fargate,
  so this spans three simulated minutes). Each task gets its own hidden host, agent and
  simulated runtime, and an ENI. Timed: the wall time of the whole run, and the part spent
  launching (the scheduler's passes that started tasks).
* **ecsedu RunTask**: 100 RunTask calls × count 10 with ``launchType="FARGATE"``.
* **moto RunTask**: the same 100 calls to moto's in-memory ECS through boto3 (moto is a
  benchmark-only dependency).

The RunTask comparison alternates blocks of 10 ecsedu calls and 10 moto calls (as
``benchmarks/placement.py`` does), so that the machine's drift weighs on both alike; every timed
section runs with the garbage collector paused.

Run: ``python benchmarks/fargate.py [--tasks 1000] [--calls 100] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import ecsedu  # noqa: E402

T = TypeVar("T")
FAMILY = "bench"
CONTAINERS = [
    {"name": "app", "image": "ecsedu/web", "memory": 512, "portMappings": [{"containerPort": 80}]}
]
NETWORK = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0ecsedu0", "subnet-0ecsedu1", "subnet-0ecsedu2"],
        "securityGroups": ["sg-0bench"],
        "assignPublicIp": "DISABLED",
    }
}


def without_gc(fn: Callable[[], T]) -> T:
    """Run ``fn`` with the garbage collector paused, as ``timeit`` does, then collect once."""
    gc.collect()
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


def register(client: Any) -> None:
    client.register_task_definition(
        family=FAMILY,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=CONTAINERS,
    )


def ecsedu_service(tasks: int) -> dict[str, Any]:
    """One Fargate service of ``tasks`` tasks, advanced until all are RUNNING."""
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName="bench")
    register(ecs)
    start = time.perf_counter()
    ecs.create_service(
        cluster="bench",
        serviceName="web",
        taskDefinition=FAMILY,
        desiredCount=tasks,
        launchType="FARGATE",
        networkConfiguration=NETWORK,
    )
    simulated = 0.0
    while True:
        ecs.advance(5)
        simulated += 5
        svc = ecs.describe_services(cluster="bench", services=["web"])["services"][0]
        if svc["runningCount"] >= tasks or simulated > 3600:
            break
    wall = time.perf_counter() - start
    return {"wall": wall, "running": svc["runningCount"], "simulated": simulated}


def ecsedu_world() -> Any:
    ecs = ecsedu.connect(seed=2)
    ecs.create_cluster(clusterName="bench")
    register(ecs)
    return ecs


def moto_world() -> Any:
    """moto's in-memory ECS (through boto3, as a learner would call it)."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    client = boto3.client("ecs", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # privateDnsName
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{16 * n}.0/20", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for n, zone in enumerate(("us-east-1a", "us-east-1b", "us-east-1c"))
    ]
    client.create_cluster(clusterName="bench")
    register(client)
    group = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
    network = {
        "awsvpcConfiguration": {
            **NETWORK["awsvpcConfiguration"],
            "subnets": subnets,
            "securityGroups": [group],
        }
    }
    return mock, client, network


def side_by_side(
    ecs: Any, client: Any, moto_network: dict[str, Any], calls: int, block: int
) -> dict[str, Any]:
    """The same Fargate RunTask calls, in alternating blocks of ``block`` calls each."""
    times = {"ecsedu": 0.0, "moto": 0.0}
    started = {"ecsedu": 0, "moto": 0}
    done = 0
    while done < calls:
        n = min(block, calls - done)
        for name, target, network in (
            ("ecsedu", ecs, NETWORK),
            ("moto", client, moto_network),
        ):
            t0 = time.perf_counter()
            for _ in range(n):
                r = target.run_task(
                    cluster="bench",
                    taskDefinition=FAMILY,
                    count=10,
                    launchType="FARGATE",
                    networkConfiguration=network,
                )
                started[name] += len(r["tasks"])
            times[name] += time.perf_counter() - t0
        done += n
    return {"time": times, "started": started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="service runs; the median counts")
    parser.add_argument("--block", type=int, default=10, help="RunTask calls per turn")
    args = parser.parse_args()
    runs = [without_gc(lambda: ecsedu_service(args.tasks)) for _ in range(args.repeat)]
    service = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
    ecs = ecsedu_world()
    mock, client, moto_network = moto_world()
    try:
        pair = without_gc(lambda: side_by_side(ecs, client, moto_network, args.calls, args.block))
    finally:
        mock.stop()
    print("Fargate; garbage collector paused in timed sections")
    print(f"{'':52}{'tasks':>7}{'wall s':>9}{'tasks/s':>10}")
    rows = [
        (
            f"ecsedu, 1 service to RUNNING (median of {args.repeat}, "
            f"{service['simulated']:.0f} s simulated)",
            service["wall"],
            service["running"],
        ),
        (f"ecsedu, run_task {args.calls} x 10", pair["time"]["ecsedu"], pair["started"]["ecsedu"]),
        (
            f"moto, the same run_task {args.calls} x 10",
            pair["time"]["moto"],
            pair["started"]["moto"],
        ),
    ]
    for name, wall, count in rows:
        print(f"{name:52}{count:7d}{wall:9.3f}{count / wall if wall else 0:10.0f}")
    ratio = (pair["started"]["ecsedu"] / pair["time"]["ecsedu"]) / (
        pair["started"]["moto"] / pair["time"]["moto"]
    )
    print(f"ecsedu / moto, the same Fargate run_task calls side by side: {ratio:5.1f}x")


if __name__ == "__main__":
    main()
