"""Bounded HTTP traffic to this machine only: ``ecsedu.loadgen.run(url, requests=..., ...)``.

For tests, the load-balancer benchmark and notebook 07: send GET requests to a loopback URL
(``127.0.0.1``, or an instance's ``127.0.0.N``; anything else is refused), bounded by a request
count and/or a duration, with at most ``concurrency`` requests in flight. It runs on its own
thread and event loop (Tornado's HTTP client), so it works from a notebook cell too.

>>> run("http://example.com/", requests=1)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ecsedu.errors.UsageError: loadgen only sends traffic to this machine ..., not 'example.com'

The result: ``requests`` sent, ``ok`` (2xx/3xx), ``errors``, ``codes`` per status,
``answered_by`` (task ids, for pages that name their task as ecsedu/web's does), latencies in
seconds (``p50``, ``p90``, ``p99``, ``mean``, ``max``), ``duration`` and ``throughput``
(requests per second).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import statistics
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from ecsedu import errors

__all__ = ["MAX_CONCURRENCY", "MAX_REQUESTS", "run"]

MAX_REQUESTS = 1_000_000
MAX_CONCURRENCY = 256
MAX_DURATION = 3600.0
_TASK_ID = re.compile(rb'id="task-id">([0-9a-f]{32})<')


def _check_url(url: str) -> str:
    if not isinstance(url, str):
        raise errors.UsageError(f"loadgen needs a URL string, not {url!r}")
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise errors.UsageError(f"loadgen sends plain http:// requests only, not {url!r}")
    host = parts.hostname or ""
    try:
        loopback = (
            ipaddress.ip_address(host).version == 4 and ipaddress.ip_address(host).is_loopback
        )
    except ValueError:
        loopback = False
    if not loopback:
        raise errors.UsageError(
            f"loadgen only sends traffic to this machine (127.0.0.1 ...), not {host!r}"
        )
    return url


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[index]


def run(
    url: str,
    *,
    requests: int | None = None,
    duration: float | None = None,
    concurrency: int = 8,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Send GETs to ``url`` until ``requests`` were sent or ``duration`` seconds passed
    (whichever comes first; at least one bound is required), ``concurrency`` at a time."""
    _check_url(url)
    if requests is None and duration is None:
        raise errors.UsageError("loadgen needs a bound: requests=N and/or duration=seconds")
    if requests is not None and (
        isinstance(requests, bool)
        or not isinstance(requests, int)
        or not 1 <= requests <= MAX_REQUESTS
    ):
        raise errors.UsageError(f"requests must be 1 to {MAX_REQUESTS}, not {requests!r}")
    if duration is not None and not (
        isinstance(duration, (int, float)) and 0 < duration <= MAX_DURATION
    ):
        raise errors.UsageError(f"duration must be 0 to {MAX_DURATION:g} seconds, not {duration!r}")
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not (1 <= concurrency <= MAX_CONCURRENCY)
    ):
        raise errors.UsageError(f"concurrency must be 1 to {MAX_CONCURRENCY}, not {concurrency!r}")
    box: dict[str, Any] = {}

    def thread() -> None:
        try:
            box["result"] = asyncio.run(_run(url, requests, duration, concurrency, timeout))
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc

    worker = threading.Thread(target=thread, name="ecsedu-loadgen", daemon=True)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    result: dict[str, Any] = box["result"]
    return result


async def _run(
    url: str, requests: int | None, duration: float | None, concurrency: int, timeout: float
) -> dict[str, Any]:
    from tornado import httpclient

    client = httpclient.AsyncHTTPClient(force_instance=True, max_clients=concurrency)
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    answered: Counter[str] = Counter()
    errors_ = 0
    sent = 0
    start = time.perf_counter()
    deadline = start + duration if duration is not None else None

    def more() -> bool:
        if requests is not None and sent >= requests:
            return False
        return deadline is None or time.perf_counter() < deadline

    async def worker() -> None:
        nonlocal sent, errors_
        while more():
            sent += 1
            t0 = time.perf_counter()
            try:
                response = await client.fetch(
                    url, request_timeout=timeout, raise_error=False, follow_redirects=False
                )
            except Exception:
                errors_ += 1
                continue
            latencies.append(time.perf_counter() - t0)
            codes[response.code] += 1
            if response.code == 599:
                errors_ += 1
                continue
            found = _TASK_ID.search(response.body or b"")
            if found:
                answered[found.group(1).decode()] += 1

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        client.close()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    ok = sum(n for code, n in codes.items() if 200 <= code < 400)
    return {
        "url": url,
        "requests": sent,
        "ok": ok,
        "errors": errors_ + sum(n for code, n in codes.items() if code >= 400 and code != 599),
        "codes": dict(sorted(codes.items())),
        "answered_by": dict(answered.most_common()),
        "p50": _percentile(ordered, 0.50),
        "p90": _percentile(ordered, 0.90),
        "p99": _percentile(ordered, 0.99),
        "mean": statistics.fmean(ordered) if ordered else float("nan"),
        "max": ordered[-1] if ordered else float("nan"),
        "duration": elapsed,
        "throughput": sent / elapsed if elapsed > 0 else 0.0,
    }
