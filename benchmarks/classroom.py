"""Benchmark: the classroom server against moto's server, the same workload side by side.

    python benchmarks/classroom.py [--learners 30] [--seconds 15]

Starts ``python -m ecsedu serve --learners 30`` and ``moto_server``, each on 127.0.0.1 at a free
port, each stopped by its PID. Every learner is a thread with its own keys and its own boto3
client. Set-up (not timed): a seed-size cluster per learner (2 container instances, 3 services:
2 + 2 + 1 tasks). Then, for a bounded time, each learner loops over a mixed workload: register a
task definition revision, create a service, scale it up, describe it, run a task, describe it,
list tasks and services, stop the task, scale the service to 0 and delete it.

Prints calls/s, p50 and p99 per server, and the server's resident memory with its 30 accounts.
Bars: ecsedu >= 1.5x moto's throughput with p99 no worse; RSS < 1 GB. Exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import psutil
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIG = Config(retries={"total_max_attempts": 1}, max_pool_connections=4)
CONTAINERS = [{"name": "app", "image": "nginx", "memory": 64, "portMappings": []}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_ecsedu(
    state_dir: str, learners: int
) -> tuple[subprocess.Popen[str], str, list[dict[str, Any]]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ecsedu",
            "serve",
            "--port",
            "0",
            "--state-dir",
            state_dir,
            "--learners",
            str(learners),
            "--rate",
            "100000",
            "--burst",
            "100000",
            "--max-tasks",
            "1000",
            "--max-instances",
            "50",
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    url = None
    for line in proc.stdout:
        if "listening on " in line:
            url = line.split("listening on ", 1)[1].split()[0]
            break
    if url is None:
        raise SystemExit("ecsedu serve did not start")
    keys = json.loads((Path(state_dir) / "accounts.json").read_text())["accounts"]
    return proc, url, [k for k in keys if k["role"] == "learner"]


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


class Learner:
    def __init__(self, n: int, url: str, key: str, secret: str, moto: bool) -> None:
        self.n = n
        self.moto = moto
        opts = dict(
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=CONFIG,
        )
        self.ecs = boto3.client("ecs", **opts)
        self.ec2 = boto3.client("ec2", **opts) if moto else None
        self.cluster = f"class-{n}"
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}

    def setup(self) -> None:
        ecs = self.ecs
        ecs.create_cluster(clusterName=self.cluster)
        resources = [
            {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 8192},
        ]
        for _ in range(2):
            extra: dict[str, Any] = {}
            if self.ec2 is not None:  # moto registers EC2 instances it knows
                inst = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
                extra["instanceIdentityDocument"] = json.dumps(
                    {"instanceId": inst["Instances"][0]["InstanceId"]}
                )
            ecs.register_container_instance(cluster=self.cluster, totalResources=resources, **extra)
        for family in ("web", "api", "worker"):
            ecs.register_task_definition(family=family, containerDefinitions=CONTAINERS)
        for family, count in (("web", 2), ("api", 2), ("worker", 1)):
            ecs.create_service(
                cluster=self.cluster, serviceName=family, taskDefinition=family, desiredCount=count
            )

    def _call(self, name: str, **params: Any) -> Any:
        t = time.perf_counter()
        try:
            return getattr(self.ecs, name)(**params)
        except Exception as exc:  # counted, the loop goes on
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            self.errors[code] = self.errors.get(code, 0) + 1
            return None
        finally:
            self.latencies.append(time.perf_counter() - t)

    def work(self, until: float) -> None:
        i = 0
        c = self.cluster
        while time.monotonic() < until:
            i += 1
            svc = f"job-{i}"
            self._call("register_task_definition", family="job", containerDefinitions=CONTAINERS)
            self._call(
                "create_service", cluster=c, serviceName=svc, taskDefinition="job", desiredCount=1
            )
            self._call("update_service", cluster=c, service=svc, desiredCount=2)
            self._call("describe_services", cluster=c, services=[svc, "web"])
            run = self._call("run_task", cluster=c, taskDefinition="worker")
            arns = [t["taskArn"] for t in (run or {}).get("tasks", [])]
            if arns:
                self._call("describe_tasks", cluster=c, tasks=arns)
            self._call("list_tasks", cluster=c)
            self._call("list_services", cluster=c)
            self._call("describe_clusters", clusters=[c])
            if arns:
                self._call("stop_task", cluster=c, task=arns[0])
            self._call("update_service", cluster=c, service=svc, desiredCount=0)
            self._call("delete_service", cluster=c, service=svc, force=True)


def run(
    label: str, url: str, keys: list[tuple[str, str]], seconds: float, moto: bool
) -> dict[str, Any]:
    learners = [Learner(n, url, k, s, moto) for n, (k, s) in enumerate(keys)]
    threads = [threading.Thread(target=lr.setup) for lr in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    start = time.monotonic()
    until = start + seconds
    threads = [threading.Thread(target=lr.work, args=(until,)) for lr in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    lat = sorted(x for lr in learners for x in lr.latencies)
    errors: dict[str, int] = {}
    for lr in learners:
        for k, v in lr.errors.items():
            errors[k] = errors.get(k, 0) + v
    q = statistics.quantiles(lat, n=100)
    return {
        "label": label,
        "calls": len(lat),
        "throughput": len(lat) / wall,
        "p50": q[49] * 1000,
        "p99": q[98] * 1000,
        "errors": errors,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--learners", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=15.0)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as state:
        proc, url, keys = start_ecsedu(state, args.learners)
        try:
            results.append(
                run(
                    "ecsedu serve",
                    url,
                    [(k["access_key_id"], k["secret_access_key"]) for k in keys],
                    args.seconds,
                    moto=False,
                )
            )
            rss = psutil.Process(proc.pid).memory_info().rss
            size = sum(f.stat().st_size for f in Path(state).iterdir() if f.is_file())
        finally:
            stop(proc)
    mproc, murl = start_moto()
    try:
        results.append(
            run(
                "moto_server",
                murl,
                [(f"AKIAMOTO{n:012d}", "testing") for n in range(args.learners)],
                args.seconds,
                moto=True,
            )
        )
        moto_rss = psutil.Process(mproc.pid).memory_info().rss
    finally:
        stop(mproc)
    print(
        f"classroom benchmark: {args.learners} learners (threads, own keys), "
        f"{args.seconds:.0f} s of mixed ECS calls each"
    )
    print(f"{'server':<14} {'calls':>7} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8}  errors")
    for r in results:
        print(
            f"{r['label']:<14} {r['calls']:>7} {r['throughput']:>9.1f} {r['p50']:>8.1f} "
            f"{r['p99']:>8.1f}  {r['errors'] or '-'}"
        )
    ours, peer = results
    ratio = ours["throughput"] / peer["throughput"]
    ok = ratio >= 1.5 and ours["p99"] <= peer["p99"]
    print(
        f"throughput ratio {ratio:.2f}x (bar >= 1.5x), p99 {ours['p99']:.1f} vs "
        f"{peer['p99']:.1f} ms (bar: no worse): {'PASS' if ok else 'FAIL'}"
    )
    print(
        f"ecsedu serve RSS with {args.learners} accounts, each a seed-size cluster plus the "
        f"workload's history: {rss / 2**20:.0f} MiB (bar < 1024 MiB: "
        f"{'PASS' if rss < 2**30 else 'FAIL'}); state files {size / 2**20:.1f} MiB; "
        f"moto_server RSS {moto_rss / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
