"""The event log as data: a bounded, append-only log whose snapshots share its storage.

Entries are kept raw (``(time, kind, cluster_arn, subject, message, detail)``), cheap to
append on the hot path, and turned into ``EventView`` values only when read. Full chunks of
``CHUNK`` entries are sealed as tuples and never change again, so a snapshot of the log
(``EventLog.view()``) copies a list of chunk references plus the open chunk: it costs the same
with 60,000 entries as with 6,000.

Two things keep a long live session bounded:

* repeats are counted, not stored again (the way ECS suppresses duplicate service events):
  ``append(..., collapse=True)`` folds an entry that equals the latest entry of the same kind,
  cluster and subject into it, counting ``repeats`` and keeping the ``last_time``;
* at most ``limit`` entries are kept; the oldest chunks are dropped first. Sequence numbers
  (``seq``) are absolute and never reused, so ``events(since=seq)`` stays meaningful.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, overload

__all__ = ["CHUNK", "Entry", "EventLog", "EventSeq", "EventView"]

#: One raw entry: (time, kind, cluster_arn, subject, message, detail).
Entry = tuple[float, str, str | None, str | None, str, Mapping[str, object]]
CHUNK = 1024
DEFAULT_LIMIT = 200_000


@dataclass(frozen=True)
class EventView:
    """One entry of ``ecs.events()``: what happened, when, to what, and the details.

    ``repeats`` counts how many more times the same thing happened since (the log stores a
    repeat once); ``last_time`` is when it last happened.
    """

    seq: int
    time: float
    kind: str  # see ecsedu.model.events.EventKind
    cluster_arn: str | None
    subject: str | None  # ARN (or name) of the thing the event is about
    message: str
    detail: tuple[tuple[str, object], ...] = ()
    repeats: int = 0
    last_time: float | None = None


def _frozen(value: Any) -> Any:
    """Event details as read-only values: sequences become tuples, mappings read-only dicts
    (so a view is the same whether the log was just written or read back from a file)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


class EventLog:
    """The engine's log. ``len(log)`` is the next sequence number."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = max(limit, 2 * CHUNK)
        self._sealed: list[tuple[Entry, ...]] = []
        self._open: list[Entry] = []
        self.first = 0  # seq of the oldest entry still kept
        self._repeats: dict[int, tuple[int, float]] = {}  # seq -> (repeats, last time)
        self._latest: dict[tuple[str, str | None, str | None], int] = {}  # collapse key -> seq
        self._next = 0  # the next seq

    def __len__(self) -> int:
        return self._next

    # -- writing -------------------------------------------------------------------------------
    def append(self, entry: Entry, collapse: bool = False) -> int:
        """Add ``entry``; returns its seq (for a folded repeat, the seq it was folded into)."""
        key = (entry[1], entry[2], entry[3]) if collapse or self._latest else None
        if collapse:
            seq = self._latest.get(key)  # type: ignore[arg-type]
            if seq is not None and seq >= self.first:
                old = self._entry(seq)
                if old[4] == entry[4] and old[5] == entry[5]:
                    count, _ = self._repeats.get(seq, (0, old[0]))
                    self._repeats[seq] = (count + 1, entry[0])
                    return seq
        seq = self._next
        self._next = seq + 1
        self._open.append(entry)
        if collapse:
            self._latest[key] = seq  # type: ignore[index]
        elif key is not None:
            self._latest.pop(key, None)  # something else happened: the next repeat is new
        if len(self._open) >= CHUNK:
            self.seal()
        return seq

    def seal(self) -> None:
        """Close the open chunk (it is full): it never changes again."""
        self._sealed.append(tuple(self._open))
        self._open = []
        self._trim()

    def _trim(self) -> None:
        while self._next - self.first > self.limit and self._sealed:
            self._sealed.pop(0)
            self.first += CHUNK
            self._repeats = {s: r for s, r in self._repeats.items() if s >= self.first}
            self._latest = {k: s for k, s in self._latest.items() if s >= self.first}

    def _entry(self, seq: int) -> Entry:
        offset = seq - self.first
        chunk, pos = divmod(offset, CHUNK)
        if chunk < len(self._sealed):
            return self._sealed[chunk][pos]
        return self._open[pos]

    # -- reading -------------------------------------------------------------------------------
    def view(self, since: int = 0) -> EventSeq:
        """An immutable view of the log as it is now (entries from ``since`` on)."""
        # The open chunk is shared, not copied: it is only ever appended to, and the view keeps
        # its own length, so later entries stay invisible to it.
        return EventSeq(
            tuple(self._sealed),
            self._open,
            self.first,
            max(since, self.first),
            dict(self._repeats) if self._repeats else {},
        )

    def since(self, seq: int) -> Iterator[Entry]:
        """The raw entries from ``seq`` on (oldest first)."""
        for n in range(max(seq, self.first), self._next):
            yield self._entry(n)

    def raw(self) -> list[Entry]:
        """Every kept entry, oldest first (for state files)."""
        out: list[Entry] = []
        for chunk in self._sealed:
            out.extend(chunk)
        out.extend(self._open)
        return out

    def repeats(self) -> dict[int, tuple[int, float]]:
        return dict(self._repeats)

    def restore(
        self, entries: Sequence[Entry], first: int = 0, repeats: Mapping[int, Any] | None = None
    ) -> None:
        """Replace the contents (state files): ``entries`` start at seq ``first``."""
        self._sealed, self._open, self.first = [], [], first
        self._next = first
        self._repeats, self._latest = {}, {}
        for entry in entries:
            self.append(entry)
        self._repeats = {int(k): (int(v[0]), float(v[1])) for k, v in (repeats or {}).items()}


class EventSeq(Sequence[EventView]):
    """A frozen, lazily materialised sequence of ``EventView`` (what ``Snapshot.events`` is)."""

    __slots__ = ("_first", "_open", "_open_len", "_repeats", "_sealed", "_start")

    def __init__(
        self,
        sealed: tuple[tuple[Entry, ...], ...] = (),
        open_: Sequence[Entry] = (),
        first: int = 0,
        start: int = 0,
        repeats: Mapping[int, tuple[int, float]] | None = None,
    ) -> None:
        self._sealed = sealed
        self._open = open_
        self._open_len = len(open_)
        self._first = first
        self._start = start
        self._repeats = repeats or {}

    @property
    def stop(self) -> int:
        """The seq just after the last entry."""
        return self._first + len(self._sealed) * CHUNK + self._open_len

    def __len__(self) -> int:
        return max(0, self.stop - self._start)

    def _view(self, seq: int) -> EventView:
        offset = seq - self._first
        chunk, pos = divmod(offset, CHUNK)
        entry = self._sealed[chunk][pos] if chunk < len(self._sealed) else self._open[pos]
        t, k, c, s, m, d = entry
        repeats, last = self._repeats.get(seq, (0, None))
        return EventView(
            seq=seq,
            time=t,
            kind=k,
            cluster_arn=c,
            subject=s,
            message=m,
            detail=tuple((key, _frozen(value)) for key, value in d.items()),
            repeats=repeats,
            last_time=last,
        )

    @overload
    def __getitem__(self, index: int) -> EventView: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[EventView, ...]: ...
    def __getitem__(self, index: int | slice) -> EventView | tuple[EventView, ...]:
        if isinstance(index, slice):
            return tuple(self._view(self._start + i) for i in range(*index.indices(len(self))))
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("event index out of range")
        return self._view(self._start + index)

    def __iter__(self) -> Iterator[EventView]:
        for seq in range(self._start, self.stop):
            yield self._view(seq)

    def __reversed__(self) -> Iterator[EventView]:
        for seq in range(self.stop - 1, self._start - 1, -1):
            yield self._view(seq)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventSeq):
            return list(self) == list(other)
        if isinstance(other, (tuple, list)):
            return list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._start, self.stop))

    def __repr__(self) -> str:
        return f"<{len(self)} events, seq {self._start}..{self.stop - 1}>"
