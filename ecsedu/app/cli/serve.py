"""``python -m ecsedu serve``: a classroom ECS endpoint, one AWS-style account per learner.

boto3 (``endpoint_url=`` or ``AWS_ENDPOINT_URL_ECS``), the AWS CLI (``--endpoint-url``) and any
AWS SDK talk to it unchanged; every request must be SigV4-signed with a learner's key.

usage: python -m ecsedu serve [--port 4566] [--learners N | --roster FILE] [--state-dir DIR]
                              [--bind 127.0.0.1] [--speed 1] [--rate 20] [--max-tasks 60] ...
                              [--runtime simulated|docker [--docker-host URL] [--cleanup-on-exit]]

It binds 127.0.0.1 unless ``--bind`` names another address. The key sheet (learners' access
keys) is printed at start and kept in ``<state-dir>/accounts.json``; each account's state is in
``<state-dir>/<account id>.json``, saved after every change.

``--runtime docker`` gives every learner real containers on the local Docker engine (or
``--docker-host``), namespace ``ecsedu-class-<name>``, on the wall clock. Stopping the server
leaves them running (a restart adopts them) unless ``--cleanup-on-exit``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ecsedu serve",
        description="Serve Amazon ECS's API (JSON 1.1, SigV4) with one account per learner.",
    )
    p.add_argument("--port", type=int, default=4566, help="TCP port (default 4566; 0: any)")
    p.add_argument(
        "--bind",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything else is your explicit choice)",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument("--learners", type=int, default=None, help="make N learner accounts")
    who.add_argument(
        "--roster", default=None, help="a file of learner names (or CSV name,account_id,...)"
    )
    p.add_argument("--state-dir", default="ecsedu-classroom", help="where keys and state are kept")
    p.add_argument("--speed", type=float, default=1.0, help="simulated time per wall second")
    p.add_argument(
        "--runtime",
        choices=("simulated", "docker"),
        default="simulated",
        help="every learner's engine: simulated (default) or real containers on Docker",
    )
    p.add_argument(
        "--docker-host",
        default=None,
        help="the Docker engine of every learner (default: DOCKER_HOST or the local socket)",
    )
    p.add_argument(
        "--cleanup-on-exit",
        action="store_true",
        help="on Docker: remove every learner's containers when the server stops (default: "
        "leave them running; a restart adopts them)",
    )
    p.add_argument("--rate", type=float, default=20.0, help="requests/s per learner")
    p.add_argument("--burst", type=int, default=40, help="request burst per learner")
    p.add_argument("--max-instances", type=int, default=10)
    p.add_argument("--max-tasks", type=int, default=60)
    p.add_argument("--max-memory", type=int, default=64 * 1024, help="MiB over all instances")
    p.add_argument("--max-body", type=int, default=1024 * 1024, help="largest request, bytes")
    p.add_argument("--quiet", action="store_true", help="do not print the key sheet")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ecsedu.errors import EcsEduError
    from ecsedu.server import Classroom, Limits, Server, read_roster

    if args.learners is not None and not 1 <= args.learners <= 500:
        print("ecsedu serve: --learners takes 1 to 500", file=sys.stderr)
        return 2
    if not args.speed >= 0 or not args.rate > 0 or args.burst < 1 or args.max_body < 1024:
        print(
            "ecsedu serve: --speed takes 0 or more, --rate more than 0, --burst 1 or more, "
            "--max-body 1024 or more",
            file=sys.stderr,
        )
        return 2
    if args.runtime != "docker" and (args.docker_host or args.cleanup_on_exit):
        print(
            "ecsedu serve: --docker-host and --cleanup-on-exit need --runtime docker",
            file=sys.stderr,
        )
        return 2
    if args.runtime == "docker" and args.speed != 1.0:
        print(
            "ecsedu serve: --speed is for the simulated runtime (Docker runs on the wall clock)",
            file=sys.stderr,
        )
        return 2
    limits = Limits(
        rate=args.rate,
        burst=args.burst,
        instances=args.max_instances,
        tasks=args.max_tasks,
        instance_memory=args.max_memory,
    )
    try:
        roster = read_roster(args.roster) if args.roster else None
        classroom = Classroom.open(
            args.state_dir,
            learners=args.learners,
            roster=roster,
            limits=limits,
            speed=args.speed,
            runtime=args.runtime,
            docker_host=args.docker_host,
            cleanup_on_exit=args.cleanup_on_exit,
        )
    except (EcsEduError, ValueError, OSError) as exc:
        print(f"ecsedu serve: {exc}", file=sys.stderr)
        return 2
    server = Server(classroom, host=args.bind, port=args.port, max_body=args.max_body)
    try:
        server.start()
    except OSError as exc:
        print(f"ecsedu serve: cannot listen on {args.bind}:{args.port}: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(classroom.sheet(server.url))
    for problem in classroom.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print(f"ecsedu serve: listening on {server.url} (pid {os.getpid()})", flush=True)
    done = False

    def stop(*_: object) -> None:
        nonlocal done
        done = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not done:
        signal.pause()
    server.stop()
    classroom.close()
    return 0
