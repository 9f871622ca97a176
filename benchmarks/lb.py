"""Load balancer overhead on Docker: ecsedu's proxy vs one task directly (vs haproxy, if installed).

Four ecsedu/web tasks behind an Application Load Balancer (ecsedu's Tornado proxy on
127.0.0.1); the same bounded load (``ecsedu.loadgen``) against the load balancer, against one
task's host port directly and, when ``haproxy`` is installed, through haproxy over the same four
tasks (started by PID with a generated config on 127.0.0.1, stopped after). Prints p50, p99 and
throughput for each, and PASS/FAIL for the bar: LB p50 <= 1.5 x direct p50.

    .venv/bin/python benchmarks/lb.py [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any

import ecsedu
from ecsedu import loadgen

BAR = 1.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(ecs: Any) -> tuple[str, list[str]]:
    ecs.create_cluster(clusterName="bench")
    ecs.add_instances("bench", count=2, cpu=4096, memory=4096)
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "web",
                "image": "ecsedu/web",
                "memory": 64,
                "portMappings": [{"containerPort": 80, "hostPort": 0}],
            }
        ],
    )
    elb = ecs.elbv2
    lb = elb.create_load_balancer(Name="bench-lb")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(
        Name="bench-tg",
        Protocol="HTTP",
        Port=80,
        VpcId=elb.default_vpc_id,
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=lb,
        Port=_free_port(),
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    ecs.create_service(
        cluster="bench",
        serviceName="web",
        taskDefinition="web",
        desiredCount=4,
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}],
    )
    ecs.get_waiter("services_stable").wait(
        cluster="bench", services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 180}
    )
    dns = elb.describe_load_balancers()["LoadBalancers"][0]["DNSName"]
    targets = [t.address for t in ecs.snapshot().load_balancers[0].target_groups[0].targets]
    return dns, [a for a in targets if a]


def _haproxy(backends: list[str]) -> tuple[subprocess.Popen[bytes], str, str] | None:
    exe = shutil.which("haproxy")
    if exe is None:
        return None
    port = _free_port()
    servers = "\n".join(f"    server t{i} {a}" for i, a in enumerate(backends))
    config = f"""global
    maxconn 1024
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    balance roundrobin
{servers}
"""
    fd, path = tempfile.mkstemp(prefix="ecsedu-haproxy-", suffix=".cfg")
    with os.fdopen(fd, "w") as f:
        f.write(config)
    proc = subprocess.Popen([exe, "-db", "-f", path], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"127.0.0.1:{port}", path


def _row(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:<10} p50 {r['p50'] * 1000:7.2f} ms   p99 {r['p99'] * 1000:7.2f} ms   "
        f"{r['throughput']:8.0f} req/s   ok {r['ok']}/{r['requests']}   "
        f"tasks answering {len(r['answered_by'])}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    ecs = ecsedu.connect("docker", namespace="ecsedu-bench-lb")
    haproxy = None
    try:
        dns, backends = _setup(ecs)
        load = {"requests": args.requests, "concurrency": args.concurrency}
        loadgen.run(f"http://{dns}/", requests=100, concurrency=args.concurrency)  # warm up
        results = {
            "direct": loadgen.run(f"http://{backends[0]}/", **load),
            "ecsedu-lb": loadgen.run(f"http://{dns}/", **load),
        }
        haproxy = _haproxy(backends)
        if haproxy is not None:
            results["haproxy"] = loadgen.run(f"http://{haproxy[1]}/", **load)
        print(
            f"{args.requests} GETs, concurrency {args.concurrency}, 4 ecsedu/web tasks, LB at {dns}"
        )
        for name, r in results.items():
            print(_row(name, r))
        ratio = results["ecsedu-lb"]["p50"] / results["direct"]["p50"]
        verdict = "PASS" if ratio <= BAR else "FAIL"
        print(f"LB p50 / direct p50 = {ratio:.2f} (bar <= {BAR}): {verdict}")
        if "haproxy" in results:
            print(
                f"haproxy p50 / direct p50 = {results['haproxy']['p50'] / results['direct']['p50']:.2f}"
            )
        return 0 if verdict == "PASS" else 1
    finally:
        if haproxy is not None:
            proc, _, path = haproxy
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            os.unlink(path)
        ecs.close(cleanup=True)


if __name__ == "__main__":
    raise SystemExit(main())
