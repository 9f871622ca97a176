"""Benchmark: a dashboard redraw vs the figure render alone; kernel RSS with the dashboard.

    python benchmarks/dashboard.py [--rounds N]

On a 100-instance / 1,000-task cluster, times (median of N, rotating order) the figure alone
(``figures.cluster_view(snapshot, stream=True).html()``) and a whole dashboard redraw of the same
snapshot (figure, description, events, tasks table, "Why here?", what changed, widget updates).
Bar: redraw <= 1.3x the figure. Also prints the snapshot the change feed takes per change, and
the resident memory of a fresh process holding the seed cluster (3 services, 2 instances) with a
dashboard open and 50 steps of history (bar: 150 MB). Prints; exits 0 either way.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecsedu.app import scenarios  # noqa: E402
from ecsedu.render import figures  # noqa: E402
from ecsedu.render.layout import SlotMemory  # noqa: E402
from ecsedu.widgets import Dashboard  # noqa: E402

RSS_SCRIPT = """
import resource, sys
sys.path.insert(0, %r)
from ecsedu.app import scenarios
from ecsedu.widgets import Dashboard
ecs = scenarios.three_services()
board = Dashboard(ecs, ecs.snapshot().clusters[0].name)
for _ in range(60):
    ecs.update_service(cluster=board.cluster, service="web", desiredCount=3)
    ecs.run_task(cluster=board.cluster, taskDefinition="worker")
    ecs.advance(5)
board.wait_idle()
with open("/proc/self/status") as f:
    rss = [l for l in f if l.startswith("VmRSS")][0].split()[1]
print(int(rss) / 1024)
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args(argv)
    ecs = scenarios.large_cluster(100, 1000)
    snapshot = ecs.snapshot()
    name = snapshot.clusters[0].name
    board = Dashboard(ecs, name)
    board.wait_idle(60)
    memory = SlotMemory()
    figure_s, redraw_s, snap_s, ratios = [], [], [], []
    for i in range(args.rounds):

        def fig() -> None:
            figures.cluster_view(
                snapshot, cluster=name, memory=memory, stream=True, instances_per_row=3
            ).html()

        def redraw() -> None:
            board._redraw()  # the redraw thread's whole job, on this thread

        timings = {}
        for label, fn in (
            (("figure", fig), ("redraw", redraw))
            if i % 2
            else (("redraw", redraw), ("figure", fig))
        ):
            start = time.perf_counter()
            fn()
            timings[label] = time.perf_counter() - start
        figure_s.append(timings["figure"])
        redraw_s.append(timings["redraw"])
        ratios.append(timings["redraw"] / timings["figure"])
        start = time.perf_counter()
        ecs.snapshot()
        snap_s.append(time.perf_counter() - start)
    board.close()
    ratio = statistics.median(ratios)
    print("dashboard on 100 instances / 1,000 tasks (median of", args.rounds, "rounds)")
    print(f"  figure alone      {statistics.median(figure_s) * 1000:7.1f} ms")
    print(f"  dashboard redraw  {statistics.median(redraw_s) * 1000:7.1f} ms")
    print(f"  ratio             {ratio:7.2f}x  (bar 1.3x: {'PASS' if ratio <= 1.3 else 'FAIL'})")
    print(f"  snapshot per change (feed callback) {statistics.median(snap_s) * 1000:.1f} ms")
    out = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT % str(Path(__file__).resolve().parent.parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        rss = float(out.stdout.strip().splitlines()[-1])
        print(
            f"process RSS, seed cluster + dashboard + 50 steps of history: {rss:.0f} MB "
            f"(bar 150 MB: {'PASS' if rss <= 150 else 'FAIL'})"
        )
    except (IndexError, ValueError):
        print("RSS measurement failed:", out.stderr[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
