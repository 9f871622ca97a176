"""The engine: one object that owns the whole simulated AWS account.

``Engine`` owns the store, the clock, the random streams, the task lifecycle, the runtime
factory, the controllers and the subscribers of the change feed. The boto3-shaped clients
(``ecsedu.engine.clients``) are thin facades over one engine; every API operation
(``ecsedu.engine.api``) takes the engine as its first argument.

Three rules keep it live and safe:

* **One lock.** Every public call, every clock step and the background driver take the engine's
  re-entrant lock, so a client may be called from any thread (a notebook's, a widget callback's).
* **Catch up first.** Before any call the engine drains what the runtimes observed and runs every
  timer that is due; on the wall clock a call always sees the world as it is now.
* **A batch is one notification.** Each state-changing call and each clock step ends with one
  ``Change`` to the subscribers (however many timers ran), delivered outside the lock, in order.
  A failing subscriber is logged; it never breaks the engine or the caller.

On the wall clock (Docker) a driver thread runs the engine by itself: it wakes when a runtime
reports something (a container died behind our back) or when the next timer is due. On the
simulated clock nothing moves unless asked (``advance``, a waiter), or while ``play(speed)``
lets simulated time flow at a multiple of wall time.
"""

from __future__ import annotations

import collections
import logging
import threading
import time as _time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ecsedu import arns
from ecsedu import clock as clock_mod
from ecsedu import ids as ids_mod
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import lifecycle, placement, services
from ecsedu.engine import store as store_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod
from ecsedu.runtimes import base
from ecsedu.runtimes import registry as registry_mod

__all__ = ["Controller", "Controllers", "Engine", "RuntimeFactory", "Subscription"]

log = logging.getLogger("ecsedu")

#: Builds the runtime of one container instance: (cluster name, instance id, options) → Runtime.
RuntimeFactory = Callable[[str, str, dict[str, Any]], base.Runtime]
Subscriber = Callable[[events_mod.Change], object]
T = TypeVar("T")

#: How often the driver looks at the world when nothing wakes it (seconds, wall clock).
DRIVER_IDLE = 0.5
#: How often ``play`` steps simulated time (seconds, wall clock).
PLAY_TICK = 0.1


class Controller(Protocol):
    """A control loop on the engine (the service scheduler, later autoscaling ...).

    Controllers run in the registry's order (priority, then name) when a task changes."""

    name: str

    def on_task_change(self, task: task_mod.Task) -> None: ...


@dataclass(frozen=True)
class _Entry:
    priority: int
    name: str
    controller: Controller


class Controllers:
    """The registry: named controllers with priorities, in a deterministic order."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def register(self, controller: Controller, *, priority: int) -> None:
        if any(e.name == controller.name for e in self._entries):
            raise ValueError(f"a controller named {controller.name!r} is already registered")
        self._entries.append(_Entry(priority, controller.name, controller))
        self._entries.sort(key=lambda e: (e.priority, e.name))

    def get(self, name: str) -> Controller:
        for e in self._entries:
            if e.name == name:
                return e.controller
        raise KeyError(name)

    def names(self) -> list[str]:
        return [e.name for e in self._entries]

    def __iter__(self) -> Iterator[Controller]:
        return iter([e.controller for e in self._entries])

    def on_task_change(self, task: task_mod.Task) -> None:
        for e in self._entries:
            e.controller.on_task_change(task)


class Subscription:
    """What ``subscribe`` returns: call it (or ``.unsubscribe()``) to stop the callback."""

    def __init__(self, engine: Engine, callback: Subscriber) -> None:
        self._engine = engine
        self.callback = callback
        self.active = True

    def unsubscribe(self) -> None:
        if self.active:
            self.active = False
            self._engine._unsubscribe(self)

    __call__ = unsubscribe

    def __repr__(self) -> str:
        return f"<ecsedu subscription {'active' if self.active else 'ended'}: {self.callback!r}>"


class Engine:
    """An in-process AWS account with Amazon ECS in it (and, through clients, its neighbours)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: clock_mod.Clock | None = None,
        runtime_factory: RuntimeFactory | None = None,
        runtime_name: str = "simulated",
        timings: lifecycle.TaskTimings | None = None,
        explain_limit: int = placement.EXPLAIN_LIMIT,
        on_close: Callable[[bool], None] | None = None,
        safety_check: Callable[[td_mod.TaskDefinition, str], None] | None = None,
        lb_backend: Callable[[], Any] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or clock_mod.SimClock()
        self.seed = seed
        self.streams = ids_mod.RandomStreams(seed)
        self.store = store_mod.Store(
            clock=self.clock,
            ids=ids_mod.IdFactory(seed, self.streams["ids"]),
            streams=self.streams,
            runtime_name=runtime_name,
            explain_limit=explain_limit,
        )
        self.controllers = Controllers()
        self.lifecycle = lifecycle.Lifecycle(self.store, self.controllers.on_task_change, timings)
        self.services = services.ServiceController(self.store, self.lifecycle)
        self.services.engine = self  # Fargate launches need the runtimes
        self.controllers.register(self.services, priority=10)
        self.runtime_factory = runtime_factory
        #: Wall clock: called under the lock before due timers run, to apply what other threads
        #: observed (a controller's finished health checks, say). Each must be quick.
        self.pollers: list[Callable[[], None]] = []
        self.on_close = on_close
        self.safety_check = safety_check
        #: Builds the load balancers' real data plane (Docker: an HTTP proxy); None: modelled.
        #: Builds the real data plane of load balancers (Docker: an HTTP proxy); None: modelled.
        self.lb_backend = lb_backend
        self.closed = False
        #: The boto3-shaped clients of other AWS services over this engine, by name.
        self.clients: dict[str, Any] = {}
        # the change feed
        self._subscribers: list[Subscription] = []
        self._outbox: collections.deque[tuple[list[Subscription], events_mod.Change]] = (
            collections.deque()
        )
        self._deliver_lock = threading.Lock()
        self._local = threading.local()
        self._seen_version = 0
        self._seen_events = 0
        # the driver (wall clock) and play (simulated clock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._speed = 0.0

    # ======================================================================= calls
    def call(
        self, operation: str, fn: Callable[..., T], params: dict[str, Any], *, mutating: bool
    ) -> T:
        """Run one API operation as ``run`` does. A state-changing call is one batch (one
        ``Change``) even if it recorded no event; a read is none."""

        def once() -> T:
            before = self.store.version
            result = fn(self, **params)
            if mutating and self.store.version == before:
                self.store.touch()
            return result

        return self.run(operation, once)

    def run(self, operation: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` under the lock as one batch named ``operation``, after catching up with the
        clock (a clock batch of its own); deliver the changes afterwards, outside the lock."""
        try:
            with self.lock:
                self._catch_up()
                self._flush("clock")
                try:
                    return fn()
                finally:
                    self._flush(operation)
        finally:
            self._deliver()

    def read(self, fn: Callable[[], T]) -> T:
        """``run`` for a read: it changes nothing, so it makes no batch of its own."""
        return self.run("read", fn)

    # ======================================================================= time
    def _catch_up(self) -> None:
        """Drain what the runtimes saw, and run every timer due by now (wall clock only: the
        simulated clock moves only when asked)."""
        if self.clock.simulated:
            return
        self._follow_runtimes()  # first: a start that failed for want of Docker finds it down
        for agent in list(self.store.agents.values()):
            agent.poll()
        for poller in list(self.pollers):
            poller()
        self.clock.run_due(self.clock.now)

    def _follow_runtimes(self) -> None:
        """An instance whose Docker engine stops answering loses its agent (the ECS agent runs
        on that engine): no task is placed there until the engine is back, when the agent
        reconnects. Its agent keeps reporting what it sees, so tasks that died are replaced."""
        store = self.store
        down: set[str] = store.extensions.setdefault("runtime_down", set())
        for arn, agent in list(store.agents.items()):
            inst = store.instances.get(arn)
            if inst is None or agent.lost:
                continue
            answering = agent.runtime.answering()
            if answering == (arn not in down):
                continue
            if not answering and not inst.agent_connected:
                continue  # disconnected on purpose (a fault): not ours to bring back
            inst.agent_connected = answering
            inst.version += 1
            store.indexes[inst.cluster_arn].update(inst)
            if answering:
                down.discard(arn)
                message = f"agent on {inst.id} reconnected: its Docker engine answers again"
                kind = events_mod.EventKind.AGENT_CONNECTED
            else:
                down.add(arn)
                message = f"agent on {inst.id} disconnected: its Docker engine does not answer"
                kind = events_mod.EventKind.AGENT_DISCONNECTED
            store.record(kind, message, cluster_arn=inst.cluster_arn, subject=arn)
            for s in store.services.values():
                if s.cluster_arn == inst.cluster_arn:
                    self.services.request(s)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass: instantly on the simulated clock, in real time on the wall
        clock (while the runtimes' observations keep being applied)."""
        if self.clock.simulated:
            self.run("clock", lambda: self.clock.advance(seconds))
            return
        end = _time.monotonic() + max(0.0, seconds)
        while True:
            wait = min(0.05, self._until_next())  # run() catches up: timers, runtimes' news
            remaining = end - _time.monotonic()
            if remaining <= 0:
                return
            _time.sleep(max(0.001, min(wait, remaining)))

    def _until_next(self) -> float:
        """Wall clock: catch up (one batch) and return the seconds until the next timer."""
        nxt, now = self.run("clock", lambda: (self.clock.peek(), self.clock.now))
        return DRIVER_IDLE if nxt is None else max(0.0, nxt - now)

    # ======================================================================= the change feed
    def subscribe(self, callback: Subscriber) -> Subscription:
        if not callable(callback):
            raise TypeError(f"subscribe() needs a callable, not {type(callback).__name__}")
        sub = Subscription(self, callback)
        with self.lock:
            self._subscribers.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with self.lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def _flush(self, cause: str) -> None:
        """Under the lock: if state changed since the last batch, queue one ``Change``."""
        store = self.store
        if store.version == self._seen_version:
            return
        dirty = store.dirty
        if not self._subscribers:  # nobody listens: keep the counters, skip the summary
            dirty.clusters.clear()
            dirty.subjects.clear()
            self._seen_version = store.version
            self._seen_events = len(store.log)
            return
        clusters, subjects = set(dirty.clusters), set(dirty.subjects)
        for entry in store.log.since(self._seen_events):
            if entry[2] is not None:
                clusters.add(entry[2])
            if entry[3] is not None:
                subjects.add(entry[3])
        tasks, services_, instances = set(), set(), set()
        for arn in subjects:
            kind = arns.resource_type(arn)
            if kind is arns.ResourceType.TASK:
                tasks.add(arn)
            elif kind is arns.ResourceType.SERVICE:
                services_.add(arn)
            elif kind is arns.ResourceType.CONTAINER_INSTANCE:
                instances.add(arn)
            elif kind is arns.ResourceType.CLUSTER:
                clusters.add(arn)
        store.dirty = store_mod.Dirty()
        end = len(store.log)
        change = events_mod.Change(
            version=store.version,
            events=range(self._seen_events, end),
            clusters=frozenset(clusters),
            services=frozenset(services_),
            tasks=frozenset(tasks),
            instances=frozenset(instances),
            time=self.clock.now,
            cause=cause,
        )
        self._seen_version = store.version
        self._seen_events = end
        self._outbox.append((list(self._subscribers), change))

    def _deliver(self) -> None:
        """Outside the lock: hand queued changes to their subscribers, in order.

        A subscriber that calls the client again does not deliver re-entrantly: its changes
        are queued and the delivery loop already running on this thread hands them on next."""
        if not self._outbox or getattr(self._local, "delivering", False):
            return
        with self._deliver_lock:
            self._local.delivering = True
            try:
                while self._outbox:
                    try:
                        subscribers, change = self._outbox.popleft()
                    except IndexError:
                        return
                    for sub in subscribers:
                        if not sub.active:
                            continue
                        try:
                            sub.callback(change)
                        except Exception:
                            log.exception("ecsedu: a change-feed subscriber raised (ignored)")
            finally:
                self._local.delivering = False

    # ======================================================================= internal commands
    def set_desired_count(self, service_arn: str, count: int, *, cause: str) -> None:
        """Controllers' way to scale a service (not the boto3 surface): set the desired count
        of a REPLICA service, with ``cause`` written to the event log."""
        service = self.store.services.get(service_arn)
        if service is None or service.status != service_mod.ServiceStatus.ACTIVE:
            raise KeyError(service_arn)
        if service.scheduling_strategy != service_mod.SchedulingStrategy.REPLICA:
            raise ValueError("only a REPLICA service has a desired count to set")
        if count < 0:
            raise ValueError("desired count must be >= 0")
        if count == service.desired_count:
            return
        before = service.desired_count
        service.desired_count = count
        service.primary.desired_count = count
        service.steady = False
        self.store.record(
            events_mod.EventKind.API_CALL,
            f"service {service.name} desired count {before} -> {count}: {cause}",
            cluster_arn=service.cluster_arn,
            subject=service.arn,
            desiredCount=count,
            cause=cause,
        )
        self.services.request(service)

    def service(self, cluster: str, name: str) -> service_mod.Service | None:
        c = self.store.find_cluster(cluster)
        if c is None:
            return None
        return self.store.services.get(self.store.service_arn(c, name))

    # ======================================================================= runtimes
    def make_runtime(
        self, cluster: str, instance_id: str, n: int, options: dict[str, Any]
    ) -> base.Runtime:
        if self.runtime_factory is not None:
            runtime = self.runtime_factory(cluster, instance_id, {"ordinal": n, **options})
        else:
            from ecsedu.runtimes import simulated

            runtime = simulated.SimulatedRuntime(
                self.clock, rng=self.streams["runtime"], registry=self.image_registry()
            )
        runtime.notify = self.wake
        return runtime

    def image_registry(self) -> registry_mod.ImageRegistry:
        """The images simulated instances can pull: one registry per engine, kept in
        ``store.extensions["images"]`` (the user's additions are saved with the state)."""
        found: registry_mod.ImageRegistry | None = self.store.extensions.get("images")
        if found is None:
            found = self.store.extensions["images"] = registry_mod.ImageRegistry()
        return found

    def on_report(self, report: agent_mod.AgentReport) -> None:
        self.lifecycle.on_report(report)

    def wake(self) -> None:
        """Any thread: something happened; the driver should look now. Cheap and lock-free."""
        self._wake.set()

    # ======================================================================= live
    def start_driver(self) -> None:
        """Wall clock: run the engine by itself on a daemon thread until ``close``."""
        if self.clock.simulated:
            raise RuntimeError("the simulated clock has no driver: use play(speed)")
        self._start_thread(self._drive, "ecsedu-driver")

    def play(self, speed: float = 10.0) -> None:
        """Simulated clock: let time flow at ``speed`` × wall time until ``pause``."""
        if not self.clock.simulated:
            raise RuntimeError("on the wall clock time always flows; play() is for simulated time")
        if not speed > 0:
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        self._speed = float(speed)
        self._start_thread(self._play, "ecsedu-play")

    def pause(self) -> None:
        if self.clock.simulated:
            self._stop_thread()

    @property
    def playing(self) -> bool:
        return self.clock.simulated and self._thread is not None and self._thread.is_alive()

    def _start_thread(self, target: Callable[[], None], name: str) -> None:
        if self.closed:
            raise RuntimeError("this connection is closed")
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()

    def _stop_thread(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    def _drive(self) -> None:
        while not self._stop.is_set():
            try:
                wait = min(DRIVER_IDLE, self._until_next())
            except Exception:  # never let the driver die silently with the engine alive
                log.exception("ecsedu: the engine driver hit an error (continuing)")
                wait = DRIVER_IDLE
            self._wake.wait(wait)
            self._wake.clear()

    def _play(self) -> None:
        last = _time.monotonic()
        while not self._stop.wait(PLAY_TICK):
            now = _time.monotonic()
            step, last = (now - last) * self._speed, now
            try:
                self.run("clock", lambda: self.clock.advance(step))  # noqa: B023 (called at once)
            except Exception:
                log.exception("ecsedu: simulated time hit an error while playing (paused)")
                return

    def close(self, cleanup: bool = False) -> None:
        """Stop the driver (or play), release the runtimes; with ``cleanup`` remove what this
        connection created."""
        self._stop_thread()
        with self.lock:
            if self.closed and not cleanup:
                return
            self.closed = True
            for agent in self.store.agents.values():
                agent.runtime.notify = None
                agent.runtime.close(cleanup=cleanup)
        if self.on_close is not None:
            self.on_close(cleanup)
