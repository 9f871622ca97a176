"""Fixtures for the classroom server: real `python -m ecsedu serve` processes (and moto's
server as an independent ECS), each on 127.0.0.1 at a free port, each stopped by its PID."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TARGET = "AmazonEC2ContainerServiceV20141113."


@dataclass
class Learner:
    name: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    role: str = "learner"


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    state_dir: Path
    learners: list[Learner]
    instructor: Learner

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ecs(self, who: Learner | int = 0, **options: Any) -> Any:
        learner = self.learners[who] if isinstance(who, int) else who
        return boto3.client(
            "ecs",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=learner.access_key_id,
            aws_secret_access_key=learner.secret_access_key,
            **options,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()


def start_server(state_dir: Path, *args: str) -> Served:
    """`python -m ecsedu serve --port 0 ...`; waits until it listens."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ecsedu",
            "serve",
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = None
    lines = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "listening on " in line:
            url = line.split("listening on ", 1)[1].split()[0]
            break
    if url is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        raise RuntimeError("ecsedu serve did not start:\n" + "".join(lines))
    keys = json.loads((state_dir / "accounts.json").read_text())["accounts"]
    people = [Learner(**k) for k in keys]
    served = Served(
        proc,
        url,
        state_dir,
        [p for p in people if p.role == "learner"],
        next(p for p in people if p.role == "instructor"),
    )
    served.output = lines  # type: ignore[attr-defined]
    return served


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_server(
        tmp_path_factory.mktemp("classroom"), "--learners", "3", "--rate", "1000", "--burst", "1000"
    )
    yield served
    served.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(10)


def raw_request(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float = 10,
) -> tuple[int, Any, bytes]:
    """POST ``body`` with exactly ``headers``; (status, headers, body) whatever the status."""
    req = urllib.request.Request(url + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def signed_headers(
    url: str,
    learner: Learner,
    operation: str,
    body: bytes,
    *,
    when: dt.datetime | None = None,
    secret: str | None = None,
    region: str = "us-east-1",
    service: str = "ecs",
) -> dict[str, str]:
    """Headers of a request signed by botocore's SigV4 for ``learner`` at time ``when``."""
    when = when or dt.datetime.now(dt.UTC)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET + operation,
            "X-Amz-Date": stamp,
            "Host": url.split("//", 1)[1],
        },
    )
    request.context["timestamp"] = stamp
    signer = SigV4Auth(
        Credentials(learner.access_key_id, secret or learner.secret_access_key), service, region
    )
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    signer._inject_signature_to_request(request, signature)
    return dict(request.headers.items())
