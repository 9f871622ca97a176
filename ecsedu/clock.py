"""Time for the engine: the one place that reads time.

``SimClock`` is a heap of ``(time, priority, seq, callback)`` entries, as in SimPy: ties break by
priority and then by insertion order, so the same calls always replay identically. ``advance``
runs every callback due within the window, in order, moving ``now`` to each one.

``WallClock`` has the same heap but lives in real time: ``now`` is the wall clock, and the engine
runs what is due (``run_due``) from its driver thread and before every call; letting time pass is
the engine's job (``Engine.advance``), since it must take its lock between steps.
"""

from __future__ import annotations

import heapq
import itertools
import time as _time
from collections.abc import Callable

__all__ = ["EPOCH", "Clock", "SimClock", "Timer", "WallClock"]

#: Simulated time starts at 2026-01-01T00:00:00Z so that timestamps are deterministic.
EPOCH = 1_767_225_600.0

Callback = Callable[[], None]


class Timer:
    """A scheduled callback. ``cancel()`` makes it a no-op without touching the heap."""

    __slots__ = ("at", "callback", "cancelled")

    def __init__(self, at: float, callback: Callback) -> None:
        self.at = at
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Common API of both clocks. Only ``now`` may be read by the engine."""

    #: True for the simulated clock: waiters advance it instead of sleeping.
    simulated = True

    def __init__(self, start: float = EPOCH) -> None:
        self._now = start
        self._queue: list[tuple[float, int, int, Timer]] = []
        self._seq = itertools.count()

    @property
    def now(self) -> float:
        return self._now

    def schedule(self, delay: float, callback: Callback, *, priority: int = 1) -> Timer:
        """Run ``callback`` ``delay`` seconds from now (lower ``priority`` runs first on ties)."""
        at = self._now + (delay if delay > 0.0 else 0.0)
        timer = Timer(at, callback)
        heapq.heappush(self._queue, (at, priority, next(self._seq), timer))
        return timer

    def peek(self) -> float | None:
        """Time of the next live timer, or None."""
        queue = self._queue
        while queue and queue[0][3].cancelled:
            heapq.heappop(queue)
        return queue[0][0] if queue else None

    def run_due(self, until: float) -> int:
        """Run every timer due at or before ``until``; return how many ran."""
        ran = 0
        while True:
            nxt = self.peek()
            if nxt is None or nxt > until:
                return ran
            at, _, _, timer = heapq.heappop(self._queue)
            self._now = max(self._now, at)
            timer.callback()
            ran += 1

    def advance(self, seconds: float) -> None:
        raise NotImplementedError


class SimClock(Clock):
    """Deterministic simulated time: ``advance(3600)`` takes microseconds."""

    def advance(self, seconds: float) -> None:
        end = self._now + max(0.0, seconds)
        self.run_due(end)
        self._now = end


class WallClock(Clock):
    """Real time with the same heap; the engine runs its due timers (see the module docstring)."""

    simulated = False

    def __init__(self) -> None:
        super().__init__(start=_time.time())

    @property
    def now(self) -> float:
        self._now = max(self._now, _time.time())
        return self._now
