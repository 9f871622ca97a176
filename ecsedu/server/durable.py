"""Nothing is lost: each account's state on disk, as a checkpoint plus a write-ahead journal.

Files, for account id ``A`` at generation ``G``:

* ``A.G.json``: a checkpoint, written by the engine's own persistence (``ecs.save``), which
  writes a temporary file and renames it: a checkpoint is whole or absent;
* ``A.G.journal``: every call that changed the account since that checkpoint, one JSON line
  each (``{"t": simulated time of the call, "op": operation, "p": parameters}``), appended
  **before the reply leaves**, so a ``kill -9`` loses no acknowledged change.

The change feed says which calls changed the account (only those are journalled). Opening an
account loads the newest checkpoint and replays its journal on the deterministic engine (the
simulated clock is advanced to each call's recorded time first), then writes a fresh checkpoint
of the next generation and removes the old files. A checkpoint is also written every
``CHECKPOINT_EVERY`` journalled calls and when an account has been idle a few seconds, so a
journal stays short. Appending a line costs microseconds where a full save costs milliseconds
and grows with the account's history.

A file that cannot be read is never replaced silently: it is renamed ``<name>.corrupt-<time>``
and reported; the account then starts from what could be read (or empty).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecsedu.errors import StateFileError

__all__ = ["CHECKPOINT_EVERY", "Durable"]

CHECKPOINT_EVERY = 256
RESET = "__reset__"
TICK = "__tick__"  # the clock moved (and changed the account); no operation ran


def _aside(path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, aside)
    return aside


class Durable:
    """The on-disk life of one account's connection."""

    def __init__(
        self,
        directory: Path,
        account_id: str,
        connect: Callable[[Path | None], Any],
        report: Callable[[str], None],
        *,
        fsync: bool = False,
    ) -> None:
        self.directory = directory
        self.account_id = account_id
        self._connect = connect
        self._report = report
        self.fsync = fsync
        self.generation = 0
        self.entries = 0
        self._journal: Any = None

    # -- paths ------------------------------------------------------------------------------
    def checkpoint_path(self, generation: int) -> Path:
        return self.directory / f"{self.account_id}.{generation}.json"

    def journal_path(self, generation: int) -> Path:
        return self.directory / f"{self.account_id}.{generation}.journal"

    def _generations(self) -> list[int]:
        pattern = re.compile(rf"^{self.account_id}\.(\d+)\.(json|journal)$")
        found = {
            int(m.group(1))
            for p in self.directory.iterdir()
            if (m := pattern.match(p.name)) is not None
        }
        return sorted(found)

    # -- open: newest checkpoint + its journal ----------------------------------------------
    def open(self) -> Any:
        """The account's connection, as it was after its last acknowledged change."""
        generations = self._generations()
        legacy = self.directory / f"{self.account_id}.json"
        client = None
        replay = bool(generations)
        if generations:
            self.generation = generations[-1]
            checkpoint = self.checkpoint_path(self.generation)
            if checkpoint.exists():
                try:
                    client = self._connect(checkpoint)
                except (StateFileError, ValueError, KeyError, TypeError) as exc:
                    aside = _aside(checkpoint)
                    replay = False  # its journal continues a state we no longer have
                    note = ""
                    if self.journal_path(self.generation).exists():
                        note = (
                            f" (its journal too, as {_aside(self.journal_path(self.generation))})"
                        )
                    self._report(
                        f"the state file could not be read and was kept aside as {aside}{note}; "
                        f"the account starts empty. ({exc})"
                    )
        elif legacy.exists():  # a state written by ecs.save: adopt it
            try:
                client = self._connect(legacy)
            except (StateFileError, ValueError, KeyError, TypeError) as exc:
                aside = _aside(legacy)
                self._report(
                    f"the state file could not be read and was kept aside as {aside}; the "
                    f"account starts empty. ({exc})"
                )
        if client is None:
            client = self._connect(None)
        journal = self.journal_path(self.generation)
        if replay and journal.exists():
            client = self._replay(client, journal)
        # a fresh checkpoint of the next generation; older files go
        self.checkpoint(client)
        return client

    def _replay(self, client: Any, journal: Path) -> Any:
        methods = _methods(client)
        lines = journal.read_bytes().split(b"\n")
        bad = 0
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                op, params, when = entry["op"], entry.get("p") or {}, float(entry["t"])
            except (ValueError, KeyError, TypeError):
                if i == len(lines) - 1:  # a torn last line: never acknowledged
                    continue
                bad += 1
                continue
            if op == RESET:
                client.reset()
                continue
            gap = when - client.clock.now
            if gap > 0:
                client.advance(gap)
            target = client
            if ":" in op:  # another service's client over the same engine: "elbv2:CreateListener"
                attribute, _, op = op.partition(":")
                try:
                    target = getattr(client, attribute)
                except AttributeError:
                    continue
                method = _methods(target).get(op)
            else:
                method = methods.get(op)
            if method is None:
                continue
            with contextlib.suppress(Exception):  # it failed the first time too
                getattr(target, method)(**params)
        if bad:
            kept = journal.with_name(journal.name + ".corrupt-lines")
            kept.write_bytes(journal.read_bytes())
            self._report(f"{bad} unreadable journal lines were skipped (copy kept as {kept})")
        return client

    # -- every change -----------------------------------------------------------------------
    def record(self, when: float, operation: str, params: dict[str, Any]) -> None:
        """Append one acknowledged change (before its reply is sent)."""
        if self._journal is None:
            self._journal = open(self.journal_path(self.generation), "ab", buffering=0)  # noqa: SIM115
        line = json.dumps(
            {"t": when, "op": operation, "p": params}, separators=(",", ":"), default=str
        )
        self._journal.write(line.encode("utf-8") + b"\n")
        if self.fsync:
            os.fsync(self._journal.fileno())
        self.entries += 1

    def checkpoint(self, client: Any) -> None:
        """Write generation+1's checkpoint (atomically), then drop the older files."""
        old = self.generation
        new = old + 1
        client.save(os.fspath(self.checkpoint_path(new)))
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self.generation = new
        self.entries = 0
        for generation in self._generations():
            if generation < new:
                for path in (self.checkpoint_path(generation), self.journal_path(generation)):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
        legacy = self.directory / f"{self.account_id}.json"
        with contextlib.suppress(FileNotFoundError):
            legacy.unlink()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def _methods(client: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr in dir(type(client)):
        name = getattr(getattr(type(client), attr, None), "operation_name", None)
        if isinstance(name, str):
            out[name] = attr
    return out
