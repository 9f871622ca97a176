"""Placement throughput: ecsedu vs moto's ECS backend, measured side by side in one run.

1,000 container instances, then 10,000 tasks placed with binpack on memory: 5,000 through
services (20 services × 250 tasks, placed by the service scheduler in its first pass: ECS lets a
service launch 250 tasks a minute) and 5,000 through RunTask (500 calls × 10). In the same run,
the same RunTask calls go to moto's in-memory ECS backend through boto3 (moto is a
benchmark-only dependency), with the same 1,000 instances.

How it is measured: every timed section runs with the garbage collector paused (as ``timeit``
does). The whole ecsedu scenario runs ``--repeat`` times and the median run counts. The RunTask
comparison alternates blocks of 50 ecsedu calls and 50 moto calls (500 calls each in all) on two
worlds with the same 1,000 instances: on a shared VM the load from the neighbours drifts by
±20 % within seconds, and taking turns makes that drift weigh on both contenders alike.

Capacity providers in the path (issue #10): the same RunTask calls also go, in the same turns,
to two more worlds whose 1,000 instances (the same size: c5.xlarge, 4096 CPU units, 8192 MiB)
were launched by an Auto Scaling group behind a capacity provider, ``bench-cp`` (managed scaling
off, so the group stays at 1,000): once with ``capacityProviderStrategy=[bench-cp]`` given, once
with neither it nor a launch type (the cluster's default strategy, ``bench-cp``). Placement is
then restricted to the provider's instances (``engine/capacity.py``). Each is reported as a ratio
against the same moto calls.

Bar (issue #2): ≥ 20× moto's throughput, and all 10,000 placed in under 2 s on 2 cores.

Run: ``python benchmarks/placement.py [--instances 1000] [--tasks 10000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import ecsedu  # noqa: E402

CONTAINERS = [{"name": "app", "image": "ecsedu/web", "cpu": 10, "memory": 64}]
BINPACK = [{"type": "binpack", "field": "memory"}]
PROVIDER = [{"capacityProvider": "bench-cp", "weight": 1}]
PER_SERVICE = 250  # ECS's launch rate: a service starts at most 250 tasks a minute
T = TypeVar("T")


class Stopwatch:
    """Wall-clock and CPU seconds since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def without_gc(fn: Callable[[], T]) -> T:
    """Run ``fn`` with the garbage collector paused, as ``timeit`` does, then collect once."""
    gc.collect()
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


def placed(ecs: Any) -> int:
    """Tasks placed so far (pending or running), as the cluster's counters say."""
    (cluster,) = ecs.describe_clusters(clusters=["bench"])["clusters"]
    return int(cluster["pendingTasksCount"] + cluster["runningTasksCount"])


def ecsedu_run(instances: int, tasks: int) -> dict[str, Any]:
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName="bench")
    ecs.add_instances("bench", count=instances, cpu=4096, memory=8192)
    ecs.register_task_definition(family="bench", containerDefinitions=CONTAINERS)
    via_services = tasks // 2
    services = -(-via_services // PER_SERVICE)
    watch = Stopwatch()
    for s in range(services):
        ecs.create_service(
            cluster="bench",
            serviceName=f"svc{s}",
            taskDefinition="bench",
            desiredCount=min(PER_SERVICE, via_services - s * PER_SERVICE),
            placementStrategy=BINPACK,
        )
    ecs.advance(0)  # the scheduler's first pass places every service's tasks
    while placed(ecs) < via_services:  # (never needed at 250 a service; kept for other sizes)
        ecs.advance(1)
    services_time = watch.lap()
    calls = (tasks - via_services) // 10
    by_run_task = 0
    watch = Stopwatch()
    for _ in range(calls):
        r = ecs.run_task(
            cluster="bench", taskDefinition="bench", count=10, placementStrategy=BINPACK
        )
        by_run_task += len(r["tasks"])
    run_task_time = watch.lap()
    return {
        "services": services_time,
        "run_task": run_task_time,
        "total": tuple(a + b for a, b in zip(services_time, run_task_time, strict=True)),
        "by_services": placed(ecs) - by_run_task,
        "by_run_task": by_run_task,
        "placed": placed(ecs),
        "calls": calls,
        "services_count": services,
    }


def provider_world(instances: int) -> Any:
    """ecsedu with ``instances`` launched by an Auto Scaling group behind ``bench-cp``, which is
    also the cluster's default strategy (the AWS calls ``add_auto_scaling_group`` makes, with
    managed scaling off so that the group keeps its size)."""
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName="bench")
    ecs.ec2_autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="bench-asg",
        MinSize=instances,
        MaxSize=instances,
        DesiredCapacity=instances,
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateName": "bench-template"},
                "Overrides": [{"InstanceType": "c5.xlarge"}],  # 4096 CPU units, 8192 MiB
            }
        },
    )
    ecs.create_capacity_provider(
        name="bench-cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": "bench-asg",
            "managedScaling": {"status": "DISABLED"},
            "managedTerminationProtection": "DISABLED",
        },
    )
    ecs.put_cluster_capacity_providers(
        cluster="bench",
        capacityProviders=["bench-cp"],
        defaultCapacityProviderStrategy=PROVIDER,
    )
    for _ in range(60):  # the group launches its instances, which register with the cluster
        (cluster,) = ecs.describe_clusters(clusters=["bench"])["clusters"]
        if cluster["registeredContainerInstancesCount"] >= instances:
            break
        ecs.advance(30)
    else:
        raise RuntimeError("the Auto Scaling group did not launch its instances")
    ecs.register_task_definition(family="bench", containerDefinitions=CONTAINERS)
    return ecs


def moto_world(instances: int) -> Any:
    """moto's in-memory ECS (through boto3, as a learner would call it) with the instances."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws
    from moto.ec2 import utils as ec2_utils

    mock = mock_aws()
    mock.start()
    client = boto3.client("ecs", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client.create_cluster(clusterName="bench")
    image = ec2.meta.client.describe_images()["Images"][0]["ImageId"]
    for inst in ec2.create_instances(ImageId=image, MinCount=instances, MaxCount=instances):
        doc = ec2_utils.generate_instance_identity_document(inst)
        client.register_container_instance(
            cluster="bench", instanceIdentityDocument=json.dumps(doc)
        )
    client.register_task_definition(family="bench", containerDefinitions=CONTAINERS)
    return mock, client


def side_by_side(
    contenders: list[tuple[str, Any, dict[str, Any]]], calls: int, block: int
) -> dict[str, Any]:
    """The same RunTask calls, taking turns: ``block`` calls to each contender (name, client,
    extra RunTask parameters) in order, again and again, so that whatever else the machine does
    weighs on all alike. (Blocks, not single calls: an ecsedu call is short, and right after a
    moto call it would mostly measure the CPU caches warming up again.)"""
    times = {name: [0.0, 0.0] for name, _, _ in contenders}
    placed_by = {name: 0 for name, _, _ in contenders}
    done = 0
    while done < calls:
        n = min(block, calls - done)
        for name, target, extra in contenders:
            watch = Stopwatch()
            for _ in range(n):
                r = target.run_task(
                    cluster="bench",
                    taskDefinition="bench",
                    count=10,
                    placementStrategy=BINPACK,
                    **extra,
                )
                placed_by[name] += len(r["tasks"])
            wall, cpu = watch.lap()
            times[name][0] += wall
            times[name][1] += cpu
        done += n
    return {"time": {k: tuple(v) for k, v in times.items()}, "placed": placed_by}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5, help="ecsedu runs; the median counts")
    parser.add_argument("--block", type=int, default=50, help="RunTask calls per turn")
    args = parser.parse_args()
    runs = [without_gc(lambda: ecsedu_run(args.instances, args.tasks)) for _ in range(args.repeat)]
    ours = sorted(runs, key=lambda r: r["total"][0])[len(runs) // 2]  # the median run
    # RunTask side by side with moto: a fresh ecsedu world with the services already placed
    ecs = ecsedu.connect(seed=1)
    ecs.create_cluster(clusterName="bench")
    ecs.add_instances("bench", count=args.instances, cpu=4096, memory=8192)
    ecs.register_task_definition(family="bench", containerDefinitions=CONTAINERS)
    by_strategy, by_default = provider_world(args.instances), provider_world(args.instances)
    mock, client = moto_world(args.instances)
    contenders = [
        ("ecsedu", ecs, {}),
        ("strategy", by_strategy, {"capacityProviderStrategy": PROVIDER}),
        ("default", by_default, {}),
        ("moto", client, {}),
    ]
    try:
        pair = without_gc(lambda: side_by_side(contenders, ours["calls"], args.block))
    finally:
        mock.stop()
    print(
        f"{args.instances} instances, {args.tasks} tasks, binpack on memory; garbage collector "
        "paused in timed sections"
    )
    print(f"{'':44}{'tasks':>7}{'wall s':>9}{'tasks/s':>10}")
    rows = [
        (f"ecsedu, {ours['services_count']} services (median of {args.repeat})",
         ours["services"][0], ours["by_services"]),
        (f"ecsedu, run_task (median of {args.repeat})", ours["run_task"][0], ours["by_run_task"]),
        (f"ecsedu, all placements (median of {args.repeat})", ours["total"][0], ours["placed"]),
        ("ecsedu, run_task, taking turns with moto", pair["time"]["ecsedu"][0],
         pair["placed"]["ecsedu"]),
        ("ecsedu, run_task, capacityProviderStrategy", pair["time"]["strategy"][0],
         pair["placed"]["strategy"]),
        ("ecsedu, run_task, cluster default strategy", pair["time"]["default"][0],
         pair["placed"]["default"]),
        ("moto, the same run_task calls, taking turns", pair["time"]["moto"][0],
         pair["placed"]["moto"]),
    ]  # fmt: skip
    for name, wall, count in rows:
        print(f"{name:44}{count:7d}{wall:9.3f}{count / wall:10.0f}")
    moto_rate = pair["placed"]["moto"] / pair["time"]["moto"][0]
    run_task_ratio = pair["placed"]["ecsedu"] / pair["time"]["ecsedu"][0] / moto_rate
    all_ratio = ours["placed"] / ours["total"][0] / moto_rate
    strategy_ratio = pair["placed"]["strategy"] / pair["time"]["strategy"][0] / moto_rate
    default_ratio = pair["placed"]["default"] / pair["time"]["default"][0] / moto_rate
    cpu = {k: v[1] for k, v in pair["time"].items()}
    print(f"ecsedu / moto, the same run_task calls side by side: {run_task_ratio:5.1f}x")
    print(f"  with capacityProviderStrategy (ASG provider):      {strategy_ratio:5.1f}x")
    print(f"  with the cluster's default strategy:               {default_ratio:5.1f}x")
    print(
        "  CPU seconds in the same turns: "
        + ", ".join(f"{k} {v:.3f}" for k, v in cpu.items())
        + f" (ecsedu / moto by CPU: {cpu['moto'] / cpu['ecsedu']:.1f}x, strategy "
        f"{cpu['moto'] / cpu['strategy']:.1f}x, default {cpu['moto'] / cpu['default']:.1f}x)"
    )
    print(f"ecsedu all placements (median) / moto run_task:      {all_ratio:5.1f}x")
    fast = ours["total"][0] < 2 and ours["placed"] >= args.tasks
    print(f"all {args.tasks} placed in < 2 s: {'PASS' if fast else 'FAIL'}")
    print(f">= 20x moto (run_task side by side): {'PASS' if run_task_ratio >= 20 else 'FAIL'}")
    for label, ratio in (("capacityProviderStrategy", strategy_ratio), ("default", default_ratio)):
        print(f">= 20x moto (run_task, {label}): {'PASS' if ratio >= 20 else 'FAIL'}")
    print(f">= 20x moto (all placements): {'PASS' if all_ratio >= 20 else 'FAIL'}")


if __name__ == "__main__":
    main()
