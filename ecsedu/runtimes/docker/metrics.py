"""A container's real CPU and memory use, read from its cgroup files (``docker stats`` takes
about two seconds a call: far too slow to poll every container each minute).

``read_usage(container_ids)`` sums, over the containers of one task, the cumulative CPU time
(seconds) and the memory in use (bytes, page cache of inactive files left out, as
``docker stats`` does). It knows the three layouts Docker uses:

* cgroup v1, cgroupfs driver: ``cpuacct/docker/<id>/cpuacct.usage`` (ns) and
  ``memory/docker/<id>/memory.usage_in_bytes`` (+ ``memory.stat``'s ``total_inactive_file``);
* cgroup v1, systemd driver: the same files under ``.../system.slice/docker-<id>.scope/``;
* cgroup v2: ``system.slice/docker-<id>.scope/cpu.stat`` (``usage_usec``) and
  ``memory.current`` (+ ``memory.stat``'s ``inactive_file``), or ``docker/<id>/`` (cgroupfs).

A container whose files cannot be read (a remote Docker engine, another layout) is left out;
when none can be read the answer is None and the engine falls back to its load model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["ROOT", "container_usage", "read_usage"]

ROOT = "/sys/fs/cgroup"


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stat(path: str, key: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _v1_dirs(root: str, controller: str, cid: str) -> Iterable[str]:
    for base in (controller, "cpu,cpuacct" if controller == "cpuacct" else controller):
        yield os.path.join(root, base, "docker", cid)
        yield os.path.join(root, base, "system.slice", f"docker-{cid}.scope")


def container_usage(cid: str, root: str = ROOT) -> tuple[float, int] | None:
    """(CPU seconds since the container started, memory bytes in use), or None."""
    for d in _v1_dirs(root, "cpuacct", cid):
        ns = _read_int(os.path.join(d, "cpuacct.usage"))
        if ns is None:
            continue
        for m in _v1_dirs(root, "memory", cid):
            used = _read_int(os.path.join(m, "memory.usage_in_bytes"))
            if used is not None:
                used -= _stat(os.path.join(m, "memory.stat"), "total_inactive_file")
                return ns / 1e9, max(0, used)
        return ns / 1e9, 0
    for d in (
        os.path.join(root, "system.slice", f"docker-{cid}.scope"),
        os.path.join(root, "docker", cid),
    ):
        usec = _stat(os.path.join(d, "cpu.stat"), "usage_usec")
        current = _read_int(os.path.join(d, "memory.current"))
        if current is None and not usec:
            continue
        used = (current or 0) - _stat(os.path.join(d, "memory.stat"), "inactive_file")
        return usec / 1e6, max(0, used)
    return None


def read_usage(container_ids: Iterable[str], root: str = ROOT) -> tuple[float, int] | None:
    """Summed over a task's containers; None when no container's files could be read."""
    cpu, mem, found = 0.0, 0, False
    for cid in container_ids:
        usage = container_usage(cid, root)
        if usage is not None:
            cpu, mem, found = cpu + usage[0], mem + usage[1], True
    return (cpu, mem) if found else None
