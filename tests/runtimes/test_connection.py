"""Connections on a shared machine: ids, liveness and address claims, without a Docker engine.

The lock files go to a temporary directory of each test (``lock_root``), so these never meet the
claims of real connections on this machine.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ecsedu.runtimes.docker import labels
from ecsedu.runtimes.docker.connection import (
    Connection,
    addresses_in_use,
    connection_alive,
    engine_key,
)


class FakeApi:
    """Just enough of docker-py's low-level API for ``addresses_in_use``."""

    def __init__(self, containers: list[dict[str, Any]]) -> None:
        self._containers = containers

    def containers(self, **_: Any) -> list[dict[str, Any]]:
        return self._containers


class FakeClient:
    def __init__(self, containers: list[dict[str, Any]]) -> None:
        self.api = FakeApi(containers)


def container(connection: str, address: str | None = None, ip: str | None = None) -> dict[str, Any]:
    lab = {labels.NAMESPACE: "someone", labels.CONNECTION: connection}
    if address:
        lab[labels.ADDRESS] = address
    ports = [{"IP": ip, "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}] if ip else []
    return {"Id": "x", "Labels": lab, "Ports": ports}


@pytest.fixture
def made(tmp_path: Path) -> Any:
    connections: list[Connection] = []

    def make(**kw: Any) -> Connection:
        kw.setdefault("lock_root", tmp_path)
        conn = Connection("ns", **kw)
        connections.append(conn)
        return conn

    yield make
    for conn in connections:
        conn.close()


def test_each_connection_has_a_new_12_hex_id(made: Any) -> None:
    a, b = made(), made()
    assert len(a.id) == len(b.id) == 12
    assert a.id != b.id
    assert int(a.id, 16) >= 0
    assert a.claimed == {a.id}


def test_two_connections_never_get_the_same_address_and_close_releases_them(made: Any) -> None:
    a, b = made(), made()
    first = [a.allocate_address(None) for _ in range(2)]
    second = [b.allocate_address(None) for _ in range(2)]
    assert first == ["127.0.0.1", "127.0.0.2"]
    assert second == ["127.0.0.3", "127.0.0.4"]
    a.close()
    c = made()
    assert c.allocate_address(None) == "127.0.0.1"  # a's claims went with it


def test_addresses_of_other_connections_containers_are_skipped(made: Any) -> None:
    a = made()
    mine = a.id
    client = FakeClient(
        [
            container("b0b0b0b0b0b0", address="127.0.0.1"),  # the label says where it publishes
            container("c0c0c0c0c0c0", ip="127.0.0.2"),  # an older one: the published HostIp
            container(mine, address="127.0.0.5"),  # this connection's own: not in the way
            container("d0d0d0d0d0d0", ip="0.0.0.0"),  # every address: says nothing
        ]
    )
    assert addresses_in_use(client, a.mine) == {"127.0.0.1", "127.0.0.2"}
    assert a.allocate_address(None, client) == "127.0.0.3"


def test_an_address_claimed_by_another_connection_can_still_be_kept_explicitly(
    made: Any, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = made(), made()
    assert a.allocate_address(None) == "127.0.0.1"
    b.keep_address(None, "127.0.0.1")  # restored from a state file: kept, with a warning
    assert "127.0.0.1" in b.addresses
    assert "claimed by another ecsedu connection" in caplog.text
    assert b.allocate_address(None) == "127.0.0.2"


def test_remote_engines_have_their_own_addresses(made: Any) -> None:
    a, b = made(), made()
    assert a.allocate_address("tcp://10.0.0.5:2375") == "127.0.0.1"
    assert b.allocate_address("tcp://10.0.0.6:2375") == "127.0.0.1"  # another machine's loopback
    assert b.allocate_address("unix:///run/other.sock") == "127.0.0.2"  # same key as local
    assert engine_key(None) == engine_key("unix:///run/other.sock") == "local"
    assert engine_key("tcp://127.0.0.1:2375") == "local"
    assert engine_key("ssh://me@box.example") == "box.example"


def test_liveness_follows_the_connection(made: Any, tmp_path: Path) -> None:
    a, b = made(), made()
    assert connection_alive(a.id, tmp_path)
    assert not b.may_take(a.id)  # a live connection's containers are never taken
    assert b.may_take(b.id)
    assert b.may_take("")  # an older ecsedu's containers (no connection label)
    assert b.may_take("0123456789ab")  # a connection that never existed here
    a.close()
    assert not connection_alive(a.id, tmp_path)
    assert b.may_take(a.id)
    b.claim(a.id)
    assert b.claimed == {a.id, b.id}
    assert b.owns_labels({labels.NAMESPACE: "ns", labels.CONNECTION: a.id})
    assert not b.owns_labels({labels.NAMESPACE: "other", labels.CONNECTION: a.id})
    assert not b.owns_labels({labels.NAMESPACE: "ns", labels.CONNECTION: "0123456789ab"})


CLAIMER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ecsedu.runtimes.docker.connection import Connection, connection_alive
    conn = Connection("ns", lock_root=Path(sys.argv[1]))
    print(conn.id, conn.allocate_address(None), flush=True)
    sys.stdin.readline()  # hold the claim until told
    if len(sys.argv) > 2:
        print(connection_alive(sys.argv[2], Path(sys.argv[1])), flush=True)
    """
)


def test_two_processes_without_containers_never_pick_the_same_address(tmp_path: Path) -> None:
    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", CLAIMER, str(tmp_path), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    first = start()
    try:
        assert first.stdout is not None
        assert first.stdin is not None
        first_id, first_address = first.stdout.readline().split()
        second = start(first_id)
        try:
            assert second.stdout is not None
            assert second.stdin is not None
            _, second_address = second.stdout.readline().split()
            assert {first_address, second_address} == {"127.0.0.1", "127.0.0.2"}
            first.stdin.write("\n")
            first.stdin.flush()
            assert first.wait(timeout=30) == 0  # the first process ends: its claims go
            second.stdin.write("\n")
            second.stdin.flush()
            assert second.stdout.readline().strip() == "False"  # ... and it is seen as gone
            assert second.wait(timeout=30) == 0
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
