"""One connection per Docker engine, shared by every instance bound to it: the client, the
events thread, the periodic by-label reconcile and the worker pool.

The engine knows nothing of ``DockerRuntime``: it talks to its subscribers through the small
``Subscriber`` protocol below (``owns``, ``on_docker_event``, ``reconcile``), so that no module of
the package imports another in a cycle."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ecsedu.runtimes.docker import labels
from ecsedu.runtimes.docker.common import (
    POOL_THREADS,
    RECONCILE_INTERVAL,
    _host_key,
    _load_docker,
    log,
    map_docker_errors,
)

__all__ = [
    "Subscriber",
    "acquire_engine",
    "check_engine",
    "get_client",
    "image_present",
    "release_engine",
]


class Subscriber(Protocol):
    """What an engine needs from a runtime that follows its events (``DockerRuntime`` is one).

    Called on the engine's own threads (events, reconcile), never with an engine lock held.
    """

    def owns(self, attrs: Mapping[str, str]) -> bool:
        """Whether the container with these labels is the subscriber's."""
        ...

    def on_docker_event(self, action: str, container_id: str, attrs: Mapping[str, str]) -> None:
        """A Docker container event (``die``, ``oom``, ``health_status: ...``) of its own."""
        ...

    def reconcile(self) -> None:
        """Compare the engine's containers (by label) with what it believes; report the rest."""
        ...


# -- shared engine connections --------------------------------------------------------------------


class _Engine:
    """One Docker endpoint, shared by every runtime bound to it.

    Holds the client, the worker pool for slow calls, the event-stream thread and the reconcile
    thread; runtimes subscribe to it and receive the events of their own containers.
    """

    def __init__(self, docker_host: str | None) -> None:
        docker = _load_docker()
        self.host = _host_key(docker_host)
        with map_docker_errors(docker_host):
            if docker_host is None:
                self.client: Any = docker.from_env(max_pool_size=16)
            else:
                self.client = docker.DockerClient(base_url=docker_host, max_pool_size=16)
            self.client.ping()
        self.pool = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="ecsedu-docker")
        self.connected = True
        #: Until when a failed call makes ``DockerRuntime.answering`` say no (monotonic seconds).
        self.suspect_until = 0.0
        self._lock = threading.Lock()
        self._subscribers: dict[int, Subscriber] = {}
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._stream: Any = None
        self._threads: list[threading.Thread] = []

    # subscription
    def subscribe(self, runtime: Subscriber) -> None:
        with self._lock:
            self._subscribers[id(runtime)] = runtime
            if not self._threads:
                # each generation of threads has its own stop event: threads of a previous
                # generation still winding down never see it cleared
                stop = self._stop = threading.Event()
                for target, name in ((self._watch, "events"), (self._reconcile_loop, "reconcile")):
                    thread = threading.Thread(
                        target=target, args=(stop,), name=f"ecsedu-docker-{name}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)

    def unsubscribe(self, runtime: Subscriber) -> None:
        """Forget ``runtime``; with no runtime left, the watching threads stop (a closed
        connection leaves no thread behind)."""
        with self._lock:
            self._subscribers.pop(id(runtime), None)
            if self._subscribers or not self._threads:
                return
            self._stop.set()
            self._kick.set()
            self._threads = []
            stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def subscribers(self) -> list[Subscriber]:
        with self._lock:
            return list(self._subscribers.values())

    def kick(self) -> None:
        """Ask for a reconcile now."""
        self._kick.set()

    def shutdown(self) -> None:
        """Stop the threads and close the client (the engine may be going away)."""
        self._stop.set()
        self._kick.set()
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(Exception):
            self.client.close()

    # threads
    def _watch(self, stop: threading.Event) -> None:
        since: str | None = None
        backoff = 0.2
        lost = False
        while not stop.is_set():
            try:
                stream = self.client.events(
                    decode=True,
                    since=since,
                    filters={"type": "container", "label": labels.namespace_filter(None)},
                )
                self._stream = stream
                if lost:
                    log.warning("Docker engine %s is back: reconciling", self.host)
                    lost = False
                    self.kick()
                self.connected = True
                backoff = 0.2
                for event in stream:
                    nano = event.get("timeNano")
                    if isinstance(nano, int):
                        since = f"{nano // 1_000_000_000}.{nano % 1_000_000_000:09d}"
                    self._dispatch(event)
            except Exception as exc:  # the engine went away, or the stream was closed
                if stop.is_set():
                    break
                log.debug("Docker event stream on %s broke: %s", self.host, exc)
            if stop.is_set():
                break
            if not lost:
                log.warning("lost the Docker event stream on %s; reconnecting", self.host)
            lost = True
            self.connected = False
            stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def _dispatch(self, event: dict[str, Any]) -> None:
        actor = event.get("Actor") or {}
        attrs: dict[str, str] = actor.get("Attributes") or {}
        action = str(event.get("Action") or event.get("status") or "")
        for runtime in self.subscribers():
            if runtime.owns(attrs):
                try:
                    runtime.on_docker_event(action, str(actor.get("ID") or ""), attrs)
                except Exception:  # never let one runtime's bug kill the shared thread
                    log.exception("ecsedu: error handling Docker event %s", action)

    def _reconcile_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._kick.wait(RECONCILE_INTERVAL)
            self._kick.clear()
            if stop.is_set():
                break
            for runtime in self.subscribers():
                try:
                    runtime.reconcile()
                except Exception as exc:
                    log.debug("reconcile on %s failed: %s", self.host, exc)


_ENGINES: dict[str, _Engine] = {}
_ENGINES_LOCK = threading.Lock()


def acquire_engine(docker_host: str | None) -> _Engine:
    """The shared connection to an endpoint, made on first use."""
    key = _host_key(docker_host)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _Engine(docker_host)
            _ENGINES[key] = engine
        return engine


def release_engine(docker_host: str | None) -> None:
    """Forget the shared connection to an endpoint and stop its threads (e.g. a test engine)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(_host_key(docker_host), None)
    if engine is not None:
        engine.shutdown()


def get_client(docker_host: str | None = None) -> Any:
    """The shared ``docker.DockerClient`` for an endpoint (``None``: ``$DOCKER_HOST`` or local).

    Raises:
        RuntimeUnavailableError: no engine answers there.
    """
    return acquire_engine(docker_host).client


def image_present(client: Any, image: str) -> bool:
    """Whether ``image`` is on the engine (never pulls)."""
    docker = _load_docker()
    try:
        client.api.inspect_image(image)
    except docker.errors.ImageNotFound:
        return False
    return True


def check_engine(docker_host: str | None = None) -> None:
    """Raise ``RuntimeUnavailableError`` (one sentence naming the fix) unless an engine answers."""
    engine = acquire_engine(docker_host)
    with map_docker_errors(docker_host):
        engine.client.ping()
