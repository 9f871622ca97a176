"""The load balancers' real data plane on Docker: an HTTP reverse proxy on 127.0.0.1 (Tornado).

One ``ProxyBackend`` per connection runs a Tornado IOLoop on its own daemon thread. Each
listener of a load balancer is a Tornado ``HTTPServer`` bound to ``127.0.0.1:<port>`` (the
listener's port when it is free, else one the system picks; never any other address) that
forwards each request round-robin to the target group's targets in service (the tasks' host
ports, ``127.0.0.N:<hostPort>``), and counts requests per target. The engine drives health
checks (``check``) on its own clock and tells the proxy which targets are in service
(``set_targets``): an unhealthy or draining target gets no new requests.

The engine injects it (``engine.lb_backend``); it stops with ``ecs.close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tornado import httpclient, httpserver, netutil, web
from tornado.ioloop import IOLoop

__all__ = ["ProxyBackend"]

T = TypeVar("T")
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
#: Seconds a proxied request may take before the client gets a 504.
REQUEST_TIMEOUT = 30.0
MAX_CLIENTS = 256


class _Pool:
    """The targets in service of one listener, and its round-robin position."""

    def __init__(self) -> None:
        self.addresses: tuple[str, ...] = ()
        self._next = itertools.count()

    def pick(self) -> str | None:
        addresses = self.addresses
        if not addresses:
            return None
        return addresses[next(self._next) % len(addresses)]


class _ProxyHandler(web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

    def initialize(self, backend: ProxyBackend, pool: _Pool) -> None:
        self.backend = backend
        self.pool = pool

    def compute_etag(self) -> None:
        return None

    async def _proxy(self) -> None:
        address = self.pool.pick()
        if address is None:
            self.set_status(503)
            self.finish("503 Service Temporarily Unavailable: no target is in service\n")
            return
        self.backend.requests[address] += 1
        request = self.request
        headers = {k: v for k, v in request.headers.get_all() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote_ip or "127.0.0.1"
        headers["X-Forwarded-Proto"] = request.protocol
        body = request.body if request.method in ("POST", "PUT", "PATCH", "DELETE") else None
        if request.method in ("POST", "PUT", "PATCH") and body is None:
            body = b""
        try:
            response = await self.backend.client.fetch(
                f"http://{address}{request.uri}",
                method=request.method,
                headers=headers,
                body=body,
                follow_redirects=False,
                raise_error=False,
                request_timeout=REQUEST_TIMEOUT,
                allow_nonstandard_methods=True,
            )
        except Exception:  # connection refused / reset: ALB answers 502
            self.set_status(502)
            self.finish("502 Bad Gateway\n")
            return
        if response.code == 599:
            timed_out = isinstance(response.error, httpclient.HTTPClientError) and (
                "Timeout" in str(response.error)
            )
            self.set_status(504 if timed_out else 502)
            self.finish("504 Gateway Time-out\n" if timed_out else "502 Bad Gateway\n")
            return
        self.set_status(response.code, response.reason)
        self._headers = httputil_headers()
        for k, v in response.headers.get_all():
            if k.lower() not in HOP_BY_HOP:
                self.add_header(k, v)
        if request.method != "HEAD" and response.body:
            self.write(response.body)
        self.finish()

    get = head = post = put = delete = patch = options = _proxy


def httputil_headers() -> Any:
    from tornado import httputil

    return httputil.HTTPHeaders()


class ProxyBackend:
    """Listeners on 127.0.0.1 forwarding round-robin to targets; health checks on request."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self._pools: dict[str, _Pool] = {}
        self._servers: dict[str, httpserver.HTTPServer] = {}
        self._ready = threading.Event()
        self._loop: IOLoop | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ecsedu-lb-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(10.0)
        self.client: httpclient.AsyncHTTPClient = self._call(self._make_client)

    # -- the loop thread -----------------------------------------------------------------------
    def _run(self) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        self._loop = IOLoop.current()
        self._ready.set()
        self._loop.start()

    async def _make_client(self) -> httpclient.AsyncHTTPClient:
        return httpclient.AsyncHTTPClient(force_instance=True, max_clients=MAX_CLIENTS)

    def _call(self, fn: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
        """Run coroutine ``fn()`` on the loop thread; wait for its result here."""
        if self._loop is None:
            raise RuntimeError("the load balancer proxy did not start")
        done = threading.Event()
        box: dict[str, Any] = {}

        async def run() -> None:
            try:
                box["value"] = await fn()
            except BaseException as exc:  # handed to the caller
                box["error"] = exc
            finally:
                done.set()

        self._loop.add_callback(run)
        if not done.wait(timeout):
            raise TimeoutError("the load balancer proxy did not answer")
        if "error" in box:
            raise box["error"]
        return box["value"]  # type: ignore[no-any-return]

    # -- the Backend protocol ------------------------------------------------------------------
    def open_listener(self, key: str, port: int) -> int:
        """Listen on 127.0.0.1:``port`` (another free port if taken); returns the port."""
        try:
            sockets = netutil.bind_sockets(port, address="127.0.0.1")
        except OSError:
            sockets = netutil.bind_sockets(0, address="127.0.0.1")
        bound = int(sockets[0].getsockname()[1])
        pool = self._pools.setdefault(key, _Pool())
        app = web.Application([(r".*", _ProxyHandler, {"backend": self, "pool": pool})])

        async def start() -> None:
            server = httpserver.HTTPServer(app, xheaders=False)
            server.add_sockets(sockets)
            self._servers[key] = server

        self._call(start)
        return bound

    def close_listener(self, key: str) -> None:
        server = self._servers.pop(key, None)
        self._pools.pop(key, None)
        if server is not None:

            async def stop() -> None:
                server.stop()

            self._call(stop)

    def set_targets(self, key: str, addresses: list[str]) -> None:
        """The targets in service behind listener ``key`` from the next request on (health
        changes, and ModifyListener's switch to another target group: the listener keeps its
        server and address, requests in flight finish where they went)."""
        pool = self._pools.setdefault(key, _Pool())
        pool.addresses = tuple(addresses)  # one atomic swap: the loop reads it lock-free

    def counts(self) -> dict[str, int]:
        return dict(self.requests)

    def check(
        self,
        addresses: list[str],
        path: str,
        timeout: float,
        codes: frozenset[int],
        done: Callable[[dict[str, tuple[bool, str | None, int | None]]], None] | None = None,
    ) -> dict[str, tuple[bool, str | None, int | None]]:
        """Health-check ``addresses`` at once: {address: (passed, reason code, HTTP code)}.

        With ``done``, return at once and call ``done(results)`` on the proxy's own thread when
        the checks finish (the engine's lock is never held while a target is slow to answer).
        """

        async def one(address: str) -> tuple[bool, str | None, int | None]:
            try:
                response = await self.client.fetch(
                    f"http://{address}{path}",
                    request_timeout=timeout,
                    connect_timeout=timeout,
                    follow_redirects=False,
                    raise_error=False,
                )
            except Exception:
                return False, "Target.FailedHealthChecks", None
            if response.code == 599:
                if "Timeout" in str(response.error):
                    return False, "Target.Timeout", None
                return False, "Target.FailedHealthChecks", None
            if response.code in codes:
                return True, None, response.code
            return False, "Target.ResponseCodeMismatch", response.code

        async def all_() -> dict[str, tuple[bool, str | None, int | None]]:
            results = await asyncio.gather(*(one(a) for a in addresses))
            return dict(zip(addresses, results, strict=True))

        if done is None:
            return self._call(all_, timeout=timeout + 5.0)
        if self._loop is None:
            raise RuntimeError("the load balancer proxy did not start")

        async def run_then_report() -> None:
            try:
                result = await all_()
            except Exception:  # the loop is stopping: report every address as failed
                result = {a: (False, "Target.FailedHealthChecks", None) for a in addresses}
            done(result)

        self._loop.add_callback(run_then_report)
        return {}

    def close(self) -> None:
        if self._closed or self._loop is None:
            return
        self._closed = True
        for key in list(self._servers):
            with contextlib.suppress(Exception):
                self.close_listener(key)
        loop = self._loop

        async def stop() -> None:
            self.client.close()
            loop.stop()

        loop.add_callback(stop)
        self._thread.join(timeout=5.0)
