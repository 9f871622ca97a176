"""Coalescing redraws: many changes in a burst, one redraw at most every ``interval`` seconds.

``Coalescer.poke()`` may be called from any thread (the change feed fires from the kernel's main
thread for a notebook call or a button, and from background threads for ``play()`` and Docker's
event watcher). A single worker thread runs ``draw`` when something was poked: at once if the
last redraw is older than ``interval``, otherwise when it is. Pokes that arrive while it waits
or draws fold into the next redraw. Nothing is poked, nothing is drawn: there is no timer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Coalescer"]


class Coalescer:
    def __init__(
        self,
        draw: Callable[[], None],
        *,
        interval: float = 0.1,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "ecsedu-dashboard",
    ) -> None:
        self.draw = draw
        self.interval = interval
        self.on_error = on_error
        self.draws = 0
        self.pokes = 0
        self._cond = threading.Condition()
        self._dirty = False
        self._busy = False
        self._closed = False
        self._last = float("-inf")
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Ask for a redraw (thread-safe, returns at once)."""
        with self._cond:
            self.pokes += 1
            self._dirty = True
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until nothing is pending or drawing; True if that happened within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._dirty or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._dirty and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                # wait out the rest of the interval; pokes meanwhile join this redraw
                while not self._closed:
                    left = self._last + self.interval - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._closed:
                    return  # type: ignore[unreachable]  # close() runs on another thread
                self._dirty = False
                self._busy = True
            try:
                self.draw()
                self.draws += 1
            except BaseException as exc:  # a failed redraw must not kill the worker
                if self.on_error is not None:
                    self.on_error(exc)
            finally:
                with self._cond:
                    self._busy = False
                    self._last = time.monotonic()
                    self._cond.notify_all()
