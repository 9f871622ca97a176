"""Placement throughput: ecsedu vs moto's ECS backend, measured side by side in one run.

1,000 container instances, then 10,000 tasks placed with binpack on memory: 5,000 through
services (10 services × 500 tasks, placed by the service scheduler) and 5,000 through RunTask
(500 calls × 10). In the same run, the same RunTask calls go to moto's in-memory ECS backend
(benchmark-only dependency), with the same instances.

Bar (issue #2): ≥ 20× moto's throughput, and all 10,000 placed in under 2 s on 2 cores.

Run: ``python benchmarks/placement.py [--instances 1000] [--tasks 10000] [--moto-calls 100]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import ecsedu  # noqa: E402

CONTAINERS = [{"name": "app", "image": "ecsedu/web", "cpu": 10, "memory": 64}]
BINPACK = [{"type": "binpack", "field": "memory"}]


def ecsedu_run(instances: int, tasks: int) -> dict[str, Any]:
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName="bench")
    t0 = time.perf_counter()
    ecs.add_instances("bench", count=instances, cpu=4096, memory=8192)
    t_instances = time.perf_counter() - t0
    ecs.register_task_definition(family="bench", containerDefinitions=CONTAINERS)
    via_services = tasks // 2
    services = 10
    t1 = time.perf_counter()
    for s in range(services):
        ecs.create_service(
            cluster="bench",
            serviceName=f"svc{s}",
            taskDefinition="bench",
            desiredCount=via_services // services,
            placementStrategy=BINPACK,
        )
    # the scheduler places at most 250 tasks per minute per service, as ECS does:
    # advance simulated time until every service task is placed
    while sum(len(ecs.store.tasks) for _ in [0]) < via_services:
        ecs.advance(1)
    t2 = time.perf_counter()
    placed_run = 0
    calls = (tasks - via_services) // 10
    for _ in range(calls):
        r = ecs.run_task(
            cluster="bench", taskDefinition="bench", count=10, placementStrategy=BINPACK
        )
        placed_run += len(r["tasks"])
    t3 = time.perf_counter()
    return {
        "instances_s": t_instances,
        "services_s": t2 - t1,
        "run_task_s": t3 - t2,
        "placed": len(ecs.store.tasks),
        "placed_run_task": placed_run,
        "run_task_calls": calls,
        "total_s": t3 - t1,
    }


def moto_run(instances: int, calls: int) -> dict[str, Any]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("ecs", region_name="us-east-1")
        ec2 = boto3.resource("ec2", region_name="us-east-1")
        client.create_cluster(clusterName="bench")
        from moto.ec2 import utils as ec2_utils

        image = ec2.meta.client.describe_images()["Images"][0]["ImageId"]
        made = ec2.create_instances(ImageId=image, MinCount=instances, MaxCount=instances)
        for inst in made:
            doc = ec2_utils.generate_instance_identity_document(inst)
            client.register_container_instance(
                cluster="bench", instanceIdentityDocument=__import__("json").dumps(doc)
            )
        client.register_task_definition(family="bench", containerDefinitions=CONTAINERS)
        t0 = time.perf_counter()
        placed = 0
        for _ in range(calls):
            r = client.run_task(
                cluster="bench", taskDefinition="bench", count=10, placementStrategy=BINPACK
            )
            placed += len(r["tasks"])
        elapsed = time.perf_counter() - t0
    return {"run_task_s": elapsed, "placed": placed, "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument(
        "--moto-calls",
        type=int,
        default=100,
        help="RunTask calls (×10 tasks) sent to moto; its rate is per task",
    )
    args = parser.parse_args()
    ours = ecsedu_run(args.instances, args.tasks)
    theirs = moto_run(args.instances, args.moto_calls)
    ours_rate = ours["placed"] / ours["total_s"]
    ours_rt_rate = ours["placed_run_task"] / ours["run_task_s"]
    moto_rate = theirs["placed"] / theirs["run_task_s"]
    print(
        f"instances: {args.instances}, tasks: {args.tasks} (half via 10 services, half via RunTask ×10)"
    )
    print(f"{'':32}{'seconds':>10}{'tasks':>8}{'tasks/s':>12}")
    print(
        f"{'ecsedu services (scheduler)':32}{ours['services_s']:10.3f}{ours['placed'] - ours['placed_run_task']:8d}"
        f"{(ours['placed'] - ours['placed_run_task']) / ours['services_s']:12.0f}"
    )
    print(
        f"{'ecsedu run_task':32}{ours['run_task_s']:10.3f}{ours['placed_run_task']:8d}{ours_rt_rate:12.0f}"
    )
    print(f"{'ecsedu all 10,000':32}{ours['total_s']:10.3f}{ours['placed']:8d}{ours_rate:12.0f}")
    print(f"{'moto run_task':32}{theirs['run_task_s']:10.3f}{theirs['placed']:8d}{moto_rate:12.0f}")
    print(f"ratio ecsedu/moto (run_task, tasks/s): {ours_rt_rate / moto_rate:.1f}x")
    print(f"ratio ecsedu/moto (all placements, tasks/s): {ours_rate / moto_rate:.1f}x")
    print(
        f"bar: >= 20x moto and 10,000 placed in < 2 s: "
        f"{'PASS' if ours_rate / moto_rate >= 20 and ours['total_s'] < 2 and ours['placed'] >= args.tasks else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
