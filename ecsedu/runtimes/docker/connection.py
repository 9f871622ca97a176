"""One ``ecsedu.connect("docker")`` on a shared machine: its id, what it owns, its addresses.

Several notebooks (several users, or one user twice) may drive one Docker engine at once. Each
connection therefore has:

* an **id**, 12 random hex digits, stamped on every container, network and volume it creates
  (label ``ecsedu.connection``). ``close(cleanup=True)`` removes only what carries one of the ids
  the connection *claims*: its own, plus those of gone connections whose containers it adopted.
* a **liveness lock**: ``<tmp>/ecsedu-connections/<id>.lock``, held (``fcntl.flock``) for the
  life of the connection and released by the kernel when the process dies. A connection takes
  charge of (adopts) containers of its own namespace only if their connection is itself or gone
  (closed, or its process died): never those of a live connection, even with the same seeded ids.
* **address claims**: each container instance publishes its ports on its own loopback address
  127.0.0.N. An address is used by one connection at a time on a machine: it skips the addresses
  that running ecsedu containers of other connections publish on (label ``ecsedu.address``, or the
  published ``HostIp``), and claims the one it picks with a lock file
  ``<tmp>/ecsedu-addresses/<engine key>/127.0.0.N.lock`` held until ``close()``, so that two
  processes with no container yet never pick the same address. The engine key is ``local`` for
  every engine reached through a local socket (their published ports share this machine's
  loopback), else the endpoint's host.

Locks are advisory and local: connections on other machines sharing a remote engine are seen
through the engine's labels only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ecsedu.runtimes.docker import labels, translate
from ecsedu.runtimes.docker.common import _host_key, log

__all__ = [
    "Connection",
    "addresses_in_use",
    "connection_alive",
    "engine_key",
    "new_connection_id",
]

CONNECTIONS_DIR = "ecsedu-connections"
ADDRESSES_DIR = "ecsedu-addresses"
_ID = re.compile(r"[0-9a-f]{12}")
_DEAD: set[str] = set()  # ids are random: a connection that is gone never comes back
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


def new_connection_id() -> str:
    """12 random hex digits."""
    return secrets.token_hex(6)


def engine_key(docker_host: str | None) -> str:
    """Which machine's addresses an endpoint publishes on: ``local``, or the endpoint's host.

    >>> engine_key("unix:///run/other.sock"), engine_key("tcp://10.0.0.5:2375")
    ('local', '10.0.0.5')
    """
    url = urllib.parse.urlsplit(_host_key(docker_host))
    if url.scheme in ("unix", "npipe", "") or (url.hostname or "") in _LOCAL_HOSTS:
        return "local"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", url.hostname or url.netloc) or "remote"


def _shared_dir(path: Path) -> Path:
    """Create a directory every user can add lock files to (sticky, like /tmp)."""
    for part in (path.parent, path):
        if not part.is_dir():
            with contextlib.suppress(FileExistsError):
                part.mkdir(parents=True)
            with contextlib.suppress(OSError):  # someone else's: already shared
                part.chmod(0o1777)
    return path


def _try_lock(path: Path, *, create: bool = True) -> int | None:
    """An open descriptor holding an exclusive ``flock`` on ``path``, or None if it is held."""
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_CREAT if create else 0), 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def connection_alive(connection_id: str, root: Path | None = None) -> bool:
    """Whether the connection with this id is open on this machine (its liveness lock is held)."""
    if not _ID.fullmatch(connection_id) or connection_id in _DEAD:
        return False  # no id (containers of an older ecsedu), or known gone
    path = (root or Path(tempfile.gettempdir())) / CONNECTIONS_DIR / f"{connection_id}.lock"
    if not path.exists():
        _DEAD.add(connection_id)
        return False
    fd = _try_lock(path, create=False)
    if fd is None:
        return path.exists()  # held by its owner (or removed just now, as it closed)
    _DEAD.add(connection_id)
    with contextlib.suppress(OSError):
        path.unlink()  # a crashed process's leftover
    os.close(fd)
    return False


def addresses_in_use(client: Any, skip: Callable[[str], bool]) -> set[str]:
    """Addresses running ecsedu containers publish on, except those of connections ``skip``s."""
    try:
        found = client.api.containers(filters={"label": [labels.NAMESPACE]})
    except Exception as exc:  # the engine hiccupped: the locks still keep connections apart
        log.debug("could not list ecsedu containers: %s", exc)
        return set()
    out: set[str] = set()
    for summary in found:
        lab: Mapping[str, str] = summary.get("Labels") or {}
        if skip(lab.get(labels.CONNECTION, "")):
            continue
        if lab.get(labels.ADDRESS):
            out.add(lab[labels.ADDRESS])
        for port in summary.get("Ports") or []:
            ip = str(port.get("IP") or "")
            if ip not in ("", "0.0.0.0", "::"):
                out.add(ip)
    return out


class Connection:
    """Identity, ownership and address claims of one ``ecsedu.connect("docker")``.

    Args:
        namespace: the owner namespace (default ``$ECSEDU_NAMESPACE`` or the unix user).
        connection_id: the id to use (default: a new random one).
        lock_root: where the lock directories go (default: the temp dir).
    """

    def __init__(
        self,
        namespace: str | None = None,
        *,
        connection_id: str | None = None,
        lock_root: Path | None = None,
    ) -> None:
        self.id = connection_id or new_connection_id()
        self.namespace = namespace or labels.default_namespace()
        self.root = lock_root or Path(tempfile.gettempdir())
        self._lock = threading.Lock()
        self._claimed = {self.id}
        self._addresses: set[str] = set()
        self._held: dict[tuple[str, str], int] = {}
        self._next = 0
        self._networks: dict[str, str] = {}  # awsvpc: the VPC network's id, by endpoint
        self.closed = False
        self._alive_path = _shared_dir(self.root / CONNECTIONS_DIR) / f"{self.id}.lock"
        self._alive_fd = _try_lock(self._alive_path)

    def __repr__(self) -> str:
        return f"<ecsedu docker connection {self.id} of {self.namespace!r}>"

    # -- ownership --------------------------------------------------------------------------------
    @property
    def claimed(self) -> frozenset[str]:
        """The connection ids whose containers are this connection's (its own, and adopted)."""
        with self._lock:
            return frozenset(self._claimed)

    def claim(self, connection_id: str) -> None:
        """Take over the containers of another (gone) connection, for events and cleanup."""
        with self._lock:
            self._claimed.add(connection_id)

    def mine(self, connection_id: str) -> bool:
        with self._lock:
            return connection_id in self._claimed

    def may_take(self, connection_id: str) -> bool:
        """Whether containers labelled ``connection_id`` may be adopted: ours, or a gone one's."""
        return self.mine(connection_id) or not connection_alive(connection_id, self.root)

    def owns_labels(self, lab: Mapping[str, str]) -> bool:
        """Whether an object with these labels is this connection's (namespace and claimed id)."""
        return lab.get(labels.NAMESPACE) == self.namespace and self.mine(
            lab.get(labels.CONNECTION, "")
        )

    # -- addresses --------------------------------------------------------------------------------
    @property
    def addresses(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._addresses)

    def _lock_path(self, docker_host: str | None, address: str) -> Path:
        directory = _shared_dir(self.root / ADDRESSES_DIR / engine_key(docker_host))
        return directory / f"{address}.lock"

    def allocate_address(self, docker_host: str | None, client: Any = None) -> str:
        """The next loopback address no other connection uses, claimed until ``close()``.

        127.0.0.1, .2, ... in order, skipping this connection's own, those running ecsedu
        containers of other connections publish on (``client``), and those another connection
        holds a lock on. When all 254 are taken, this connection's own are used round again.
        """
        busy = addresses_in_use(client, self.mine) if client is not None else set()
        with self._lock:
            for n in range(1, 255):
                address = f"127.0.0.{n}"
                if address in self._addresses or address in busy:
                    continue
                fd = _try_lock(self._lock_path(docker_host, address))
                if fd is None:
                    continue
                self._held[(engine_key(docker_host), address)] = fd
                self._addresses.add(address)
                return address
            address = f"127.0.0.{self._next % 254 + 1}"
            self._next += 1
            self._addresses.add(address)
            return address

    def keep_address(self, docker_host: str | None, address: str) -> None:
        """Use a given address (an instance restored from a state file); claim it if it is free."""
        key = (engine_key(docker_host), address)
        with self._lock:
            self._addresses.add(address)
            if key in self._held:
                return
            fd = _try_lock(self._lock_path(docker_host, address))
            if fd is None:
                log.warning(
                    "address %s is claimed by another ecsedu connection on this machine; "
                    "using it anyway (it was asked for explicitly)",
                    address,
                )
                return
            self._held[key] = fd

    # -- the VPC network (awsvpc) ------------------------------------------------------------------
    def vpc_network(self, client: Any, docker_host: str | None, *, fresh: bool = False) -> str:
        """The id of this connection's VPC network on an engine: a labelled user network that
        awsvpc tasks (their pause containers) get their own addresses on. Created on first use,
        found again by name (a state file's connection), removed by the connection's cleanup.
        ``fresh``: look again (the network was removed behind our back)."""
        key = _host_key(docker_host)
        name = translate.vpc_network_name(self.namespace, self.id)
        with self._lock:
            cached = None if fresh else self._networks.get(key)
            if cached is not None:
                return cached
            found = [n for n in client.api.networks(names=[name]) or [] if n.get("Name") == name]
            if found:
                network_id = str(found[0]["Id"])
            else:
                created = client.api.create_network(
                    name, driver="bridge", labels=translate.vpc_labels(self.namespace, self.id)
                )
                network_id = str(created["Id"])
            self._networks[key] = network_id
            return network_id

    # -- end --------------------------------------------------------------------------------------
    def close(self) -> None:
        """Release the address claims and the liveness lock (the ids claimed are remembered)."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            held, self._held = self._held, {}
        for fd in held.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._alive_fd is not None:
            with contextlib.suppress(OSError):
                self._alive_path.unlink()
            with contextlib.suppress(OSError):
                os.close(self._alive_fd)
            self._alive_fd = None
        _DEAD.add(self.id)
