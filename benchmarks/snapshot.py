"""Benchmark: ``snapshot()`` does not grow with history.

    python benchmarks/snapshot.py [--repeat N]

The cluster is the 100 instances / 1,000 tasks demo cluster (``ecsedu.app.scenarios.
large_cluster``). Its event log is then grown with standalone tasks that run, stop and are
forgotten (the 1,000 service tasks stay as they are) to about 6,000 events and then to about
60,000, and ``snapshot()`` is timed at both sizes (median of N, GC paused in the timed part).

Printed: both times and their ratio (bar: at most 1.2), the same snapshot with every task's view
built again (a snapshot reuses the view of every task that has not changed since the last one),
and one ``describe_tasks`` of 100 tasks on the same cluster, for scale. Exit status 0 when the
bar holds.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecsedu.app import scenarios  # noqa: E402

CLUSTER = "demo"


def timed(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(samples)


def grow(ecs: Any, events: int) -> None:
    """Standalone tasks that run, stop and are forgotten until the log holds ``events``."""
    if not ecs.list_task_definitions(familyPrefix="filler")["taskDefinitionArns"]:
        ecs.register_task_definition(
            family="filler",
            containerDefinitions=[{"name": "f", "image": "ecsedu/worker", "memory": 32}],
        )
    while len(ecs.store.log) < events:
        arns = [
            t["taskArn"]
            for t in ecs.run_task(cluster=CLUSTER, taskDefinition="filler", count=10)["tasks"]
        ]
        ecs.advance(30)
        for arn in arns:
            ecs.stop_task(cluster=CLUSTER, task=arn)
        ecs.advance(3700)  # stopped tasks are forgotten after an hour


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)

    ecs = scenarios.large_cluster(100, 1000)
    snap = ecs.snapshot()
    running = sum(t.last_status == "RUNNING" for t in snap.tasks)
    print(f"cluster: {len(snap.instances)} instances, {running} tasks RUNNING")

    rows = []
    for target in (6_000, 60_000):
        grow(ecs, target)
        n = len(ecs.store.log)
        seconds = timed(ecs.snapshot, args.repeat)
        rows.append((n, seconds))

    def cold() -> Any:  # every task view built again, as if every task had just changed
        ecs.store.task_views.clear()
        return ecs.snapshot()

    cold_seconds = timed(cold, args.repeat)
    arns = ecs.list_tasks(cluster=CLUSTER, maxResults=100)["taskArns"]
    describe = timed(lambda: ecs.describe_tasks(cluster=CLUSTER, tasks=arns), args.repeat)

    (n_small, small), (n_large, large) = rows
    ratio = large / small
    print()
    print("| measure | events in the log | time (median) |")
    print("| --- | --- | --- |")
    print(f"| snapshot() | {n_small:,} | {small * 1e3:.2f} ms |")
    print(f"| snapshot() | {n_large:,} | {large * 1e3:.2f} ms |")
    print(f"| snapshot(), every task view rebuilt | {n_large:,} | {cold_seconds * 1e3:.2f} ms |")
    print(f"| describe_tasks, 100 tasks | {n_large:,} | {describe * 1e3:.2f} ms |")
    print()
    verdict = "PASS" if ratio <= 1.2 else "FAIL"
    print(f"snapshot at {n_large:,} / at {n_small:,} events: {ratio:.2f}x (bar <= 1.2x) {verdict}")
    print(f"snapshot / describe_tasks of 100 tasks: {small / describe:.2f}x")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
