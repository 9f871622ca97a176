"""What a drawing function accepts, and finding the object a learner names.

Every figure takes a ``Snapshot`` or anything with a ``.snapshot()`` method (the connection
``ecsedu.connect()`` returns), so ``figures.cluster_view(ecs)`` works as well as
``figures.cluster_view(ecs.snapshot())``. A name that matches nothing (a typo such as ``"dmeo"``)
raises ``UnknownNameError``, which lists the names that exist and suggests the closest one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeAlias, runtime_checkable

from ecsedu.model.snapshot import ClusterView, Snapshot

__all__ = [
    "Drawable",
    "HasSnapshot",
    "UnknownNameError",
    "as_snapshot",
    "pick_cluster",
    "unknown",
]


@runtime_checkable
class HasSnapshot(Protocol):
    """Anything that can take a snapshot of ECS state: the object ``ecsedu.connect()`` returns."""

    def snapshot(self) -> Snapshot: ...


Drawable: TypeAlias = "Snapshot | HasSnapshot"


class UnknownNameError(LookupError, ValueError):
    """No cluster (service, instance, task definition) of that name: the message lists those
    that exist."""


def as_snapshot(source: Drawable) -> Snapshot:
    """The snapshot to draw: ``source`` itself, or ``source.snapshot()`` for a connection."""
    if isinstance(source, Snapshot):
        return source
    take = getattr(source, "snapshot", None)
    if callable(take):
        snap = take()
        if isinstance(snap, Snapshot):
            return snap
        raise TypeError(
            f"{type(source).__name__}.snapshot() returned {type(snap).__name__}, not a Snapshot"
        )
    raise TypeError(
        f"cannot draw a {type(source).__name__}: pass the connection from ecsedu.connect() "
        "or a Snapshot (ecs.snapshot())"
    )


def unknown(kind: str, name: str, names: Iterable[str], hint: str = "") -> UnknownNameError:
    """The error for a ``kind`` called ``name`` among ``names`` (listed, closest suggested)."""
    known: Sequence[str] = list(dict.fromkeys(names))
    if not known:
        return UnknownNameError(f"no {kind} named {name!r}: there are no {kind}s yet{hint}")
    close = difflib.get_close_matches(name, known, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(repr(n) for n in known[:20]) + (" ..." if len(known) > 20 else "")
    return UnknownNameError(f"no {kind} named {name!r}; the {kind}s are: {listed}{guess}")


def pick_cluster(snapshot: Snapshot, cluster: str | None) -> ClusterView | None:
    """The cluster called ``cluster`` (name or ARN); without a name, the first (None if none)."""
    if cluster is None:
        return snapshot.clusters[0] if snapshot.clusters else None
    for view in snapshot.clusters:
        if cluster in (view.name, view.arn):
            return view
    raise unknown(
        "cluster",
        cluster,
        (c.name for c in snapshot.clusters),
        " (ecs.create_cluster(clusterName=...))",
    )
