"""Benchmark: snapshot -> SVG, against graphviz alone and against mingrammer/diagrams.

    python benchmarks/render.py [--repeat N]

Cases: the seed scenario (3 services over 2 container instances, figure 8) and a large cluster
(100 instances, 1,000 tasks; the dashboard's cluster view). For each, the table gives ecsedu's
full time (object graph + layout + DOT + graphviz + SVG clean-up), graphviz alone on the same
DOT (``neato -n2``, the floor; and ``dot``, which lays the same graph out itself), and their
ratios. Bars: ecsedu <= 1.25x the neato -n2 floor; 1,000 tasks in under 1 s. The seed case is
also drawn with mingrammer/diagrams (``pip install diagrams``) using its ECS nodes.

Times are the best of N runs (the machine's noise only ever adds time).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecsedu import scenarios  # noqa: E402
from ecsedu.render import figures  # noqa: E402
from ecsedu.render.svg import run_graphviz  # noqa: E402


def best(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def dot_engine(dot: str) -> None:
    exe = shutil.which("dot")
    assert exe is not None
    subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True, check=True)


def mingrammer_seed(snapshot: Any, out: Path) -> Callable[[], None]:
    """The seed figure drawn the diagrams-as-code way: services -> tasks, clustered by instance."""
    from diagrams.aws.compute import ElasticContainerServiceService as Service
    from diagrams.aws.compute import ElasticContainerServiceTask as Task

    from diagrams import Cluster, Diagram

    def draw() -> None:
        with Diagram("seed", filename=str(out / "seed"), outformat="svg", show=False):
            services = {s.name: Service(s.name) for s in snapshot.services}
            with Cluster(snapshot.clusters[0].name):
                for inst in snapshot.instances:
                    with Cluster(inst.ec2_instance_id):
                        for task in snapshot.tasks_on(inst.arn):
                            node = Task(f"{task.service_name} {task.id[:8]}")
                            if task.service_name in services:
                                services[task.service_name] >> node

    return draw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)

    seed = scenarios.three_services().snapshot()
    start = time.perf_counter()
    large = scenarios.large_cluster(100, 1000).snapshot()
    build_large = time.perf_counter() - start
    running = sum(t.last_status == "RUNNING" for t in large.tasks)
    print(
        f"large scenario: {len(large.instances)} instances, {running} running tasks "
        f"(built through the public API in {build_large:.2f} s)\n"
    )

    cases = {
        "seed (3 services, 2 instances)": (lambda: figures.draw(8, seed), args.repeat),
        "1,000 tasks on 100 instances": (
            lambda: figures.cluster_view(large, instances_per_row=10),
            max(3, args.repeat // 3),
        ),
    }
    rows = []
    for name, (make, repeat) in cases.items():
        dot = make().dot
        ours = best(lambda make=make: make().svg(), repeat)
        python_only = best(make, repeat)
        floor = best(lambda dot=dot: run_graphviz(dot, "svg"), repeat)
        plain_dot = best(lambda dot=dot: dot_engine(dot), max(1, repeat // 3))
        rows.append((name, ours, python_only, floor, plain_dot))

    print(
        f"{'case':<32}{'ecsedu':>10}{'python':>10}{'neato -n2':>11}{'dot':>10}"
        f"{'/neato':>8}{'/dot':>7}"
    )
    for name, ours, python_only, floor, plain_dot in rows:
        print(
            f"{name:<32}{ours * 1000:>8.1f}ms{python_only * 1000:>8.1f}ms"
            f"{floor * 1000:>9.1f}ms{plain_dot * 1000:>8.1f}ms"
            f"{ours / floor:>7.2f}x{ours / plain_dot:>6.2f}x"
        )

    with tempfile.TemporaryDirectory() as tmp:
        try:
            theirs = best(mingrammer_seed(seed, Path(tmp)), max(3, args.repeat // 2))
        except ImportError:
            print("\nmingrammer/diagrams not installed (pip install diagrams): skipped")
        else:
            ours = rows[0][1]
            print(
                f"\nmingrammer/diagrams, seed figure: {theirs * 1000:.1f} ms; "
                f"ecsedu is {theirs / ours:.2f}x faster (ratio ecsedu/diagrams "
                f"{ours / theirs:.2f})"
            )

    large_ok = rows[1][1] < 1.0
    floor_ok = all(ours <= 1.25 * floor for _, ours, _, floor, _ in rows)
    print(
        f"\nbar: <= 1.25x neato -n2 floor: {'PASS' if floor_ok else 'FAIL'}; "
        f"1,000 tasks < 1 s: {'PASS' if large_ok else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
