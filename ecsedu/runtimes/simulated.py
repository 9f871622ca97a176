"""The simulated runtime: containers that live on the engine's simulated clock.

It is a peer of the Docker runtime, not a mock: it implements the same ``Runtime`` interface and
behaves like a small Docker engine. Pulling an image takes a few seconds the first time an
instance sees it (a fraction of a second once it has it), starting a container takes under a
second, a stop sends SIGTERM and the container exits a moment later with code 143 (128 + 15, as
a process ended by SIGTERM does), or is killed with code 137 (128 + 9) when it ignores SIGTERM
(``IGNORE_SIGTERM=1`` in a demo image's environment) or outlasts the stop timeout. Durations are
drawn from ranges (``SimTimings``) with the engine's seeded ``runtime`` random stream, so a seed
still replays the same run.

Images come from a registry (``registry.ImageRegistry``: the demo images, a catalogue of common
public images, and the ones the learner adds); any other image fails its task with
``CannotPullContainerError``, in the words of a Docker daemon's failed pull. Dynamic host ports
come from the ephemeral range, one instance at a time. Demo images behave like their Docker
builds: ``ecsedu/crashy`` exits with ``EXIT_CODE`` after ``EXIT_AFTER`` seconds. Containers with a
health check turn HEALTHY after their first interval.

Everything is deterministic: the same seed and the same calls at the same simulated times give the
same events.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

from ecsedu import clock as clock_mod
from ecsedu.model import task as task_mod
from ecsedu.runtimes import base
from ecsedu.runtimes import registry as registry_mod

__all__ = ["SimTimings", "SimulatedRuntime"]

EPHEMERAL_START = 32768
EPHEMERAL_END = 60999


SIGTERM_EXIT = 143  # 128 + SIGTERM: the process ended on ``docker stop``'s SIGTERM
SIGKILL_EXIT = 137  # 128 + SIGKILL: killed (after the stop timeout, docker kill, OOM)

Range = tuple[float, float]


@dataclass(frozen=True)
class SimTimings:
    """How long simulated steps take: (low, high) seconds, drawn uniformly per step.

    The ranges follow what an ECS container instance shows: pulling an image of a few hundred MB
    takes seconds (the demo images are a megabyte: about one), a cached image is checked in a
    fraction of a second, ``docker start`` takes under a second, and an application that handles
    SIGTERM exits within a second.
    """

    pull: Range = (2.0, 6.0)  # first pull of a public image on an instance
    demo_pull: Range = (1.0, 2.0)  # first pull of a (tiny) demo image
    cached_pull: Range = (0.1, 0.3)  # image already present on the instance
    start: Range = (0.3, 0.5)  # docker create + start
    graceful_exit: Range = (0.2, 1.0)  # time from SIGTERM to exit
    health_interval_cap: float = 5.0  # first health check result after min(interval, cap)


@dataclass(slots=True)
class _SimContainer:
    task_arn: str
    spec: base.ContainerSpec
    state: base.ContainerState = base.ContainerState.PENDING
    host_ports: tuple[tuple[int, int, str, str], ...] = ()
    timers: list[clock_mod.Timer] = field(default_factory=list)
    health: task_mod.HealthStatus = task_mod.HealthStatus.UNKNOWN
    exit_code: int | None = None
    waiting: bool = False  # pulled, waiting for its dependsOn conditions
    digest: str | None = None  # the pulled image's digest

    @property
    def ignores_sigterm(self) -> bool:
        """A demo image run with ``IGNORE_SIGTERM=1`` ignores SIGTERM (as a shell that is PID 1
        with no handler does): only the SIGKILL after the stop timeout ends it."""
        return dict(self.spec.environment).get("IGNORE_SIGTERM", "") not in ("", "0")


class SimulatedRuntime(base.Runtime):
    """Runtime for one container instance, on a simulated clock."""

    name = "simulated"

    def __init__(
        self,
        clock: clock_mod.Clock,
        *,
        address: str = "127.0.0.1",
        timings: SimTimings | None = None,
        rng: random.Random | None = None,
        registry: registry_mod.ImageRegistry | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.address = address
        self.timings = timings or SimTimings()
        #: The engine's ``runtime`` stream (shared by its instances): every duration is drawn here.
        self.rng = rng if rng is not None else random.Random(0)
        self.registry = registry if registry is not None else registry_mod.ImageRegistry()
        self.images: set[str] = set()
        self.containers: dict[str, dict[str, _SimContainer]] = {}
        self.queue: list[base.ContainerEvent] = []
        self.used_ports: set[tuple[int, str]] = set()
        self._wake_pending = False

    def _draw(self, span: Range) -> float:
        low, high = span
        return low + (high - low) * self.rng.random()  # rng.uniform, without its call

    def _pull_time(self, image: str) -> float:
        t = self.timings
        if image in self.images:
            return self._draw(t.cached_pull)
        return self._draw(t.demo_pull if self.registry.is_demo(image) else t.pull)

    # -- the Runtime interface -----------------------------------------------------------------
    def start_task(self, spec: base.TaskSpec) -> None:
        """Pull images one after another, then start each container; a container with
        ``dependsOn`` waits for its conditions (START, HEALTHY, COMPLETE, SUCCESS). An image the
        registry does not have fails the task once its pull gives up, before anything starts."""
        task: dict[str, _SimContainer] = {}
        self.containers[spec.task_arn] = task
        delay = 0.0
        pulls, images, schedule = self.registry.pull, self.images, self.clock.schedule
        cached_low, cached_high = self.timings.cached_pull
        draw = self.rng.random
        for cspec in spec.containers:
            task[cspec.name] = c = _SimContainer(spec.task_arn, cspec)
            image = cspec.image
            if image in images:  # the common case, inlined: every task start passes here
                delay += cached_low + (cached_high - cached_low) * draw()
            else:
                delay += self._pull_time(image)
            c.digest, error = pulls(image)
            if error is not None:
                fail = functools.partial(self._pull_failed, spec.task_arn, c, error)
                c.timers.append(schedule(delay, fail))
                for cs in spec.containers[len(task) :]:
                    task[cs.name] = _SimContainer(spec.task_arn, cs)
                return
            images.add(image)
        start_low, start_high = self.timings.start
        for c in task.values():
            if c.spec.depends_on:
                c.timers.append(schedule(delay, functools.partial(self._pulled, c)))
            else:
                delay += start_low + (start_high - start_low) * draw()
                c.timers.append(schedule(delay, functools.partial(self._started, c)))

    def _pull_failed(self, task_arn: str, failed: _SimContainer, error: str) -> None:
        """The pull of ``failed``'s image gave up: the task's containers never start (the one
        whose image is missing first, carrying the reason, as the agent reports it)."""
        self._exit(failed, None, f"CannotPullContainerError: {error}", failed=True)
        for c in self.containers.get(task_arn, {}).values():
            if c.state is not base.ContainerState.STOPPED:
                self._exit(c, None, None, failed=True)

    def _pulled(self, c: _SimContainer) -> None:
        c.waiting = True
        self._release(c.task_arn)

    def _release(self, task_arn: str) -> None:
        """Start every waiting container whose dependencies are now satisfied."""
        task = self.containers.get(task_arn, {})
        for c in task.values():
            if not c.waiting:
                continue
            verdicts = [self._condition(task.get(dep), cond) for dep, cond in c.spec.depends_on]
            if all(v is True for v in verdicts):
                c.waiting = False
                start = self._draw(self.timings.start)
                c.timers.append(self.clock.schedule(start, functools.partial(self._started, c)))
            elif any(v is None for v in verdicts):
                c.waiting = False
                reason = (
                    f"CannotStartContainerError: a dependency of container {c.spec.name} "
                    "cannot reach its condition"
                )
                self._exit(c, None, reason, failed=True)

    @staticmethod
    def _condition(dep: _SimContainer | None, condition: str) -> bool | None:
        """True when met, False while it may still be met, None when it never will be."""
        if dep is None:
            return None
        stopped = dep.state is base.ContainerState.STOPPED
        if condition == "START":
            return dep.state is not base.ContainerState.PENDING
        if condition == "HEALTHY":
            if dep.health == task_mod.HealthStatus.HEALTHY:
                return True
            return None if stopped else False
        if condition == "COMPLETE":
            return bool(stopped)
        if condition == "SUCCESS":
            if not stopped:
                return False
            return True if dep.exit_code == 0 else None
        return None

    def stop_task(self, task_arn: str, timeout: float) -> None:
        for c in self.containers.get(task_arn, {}).values():
            for t in c.timers:
                t.cancel()
            c.timers.clear()
            if c.state is base.ContainerState.STOPPED:
                continue
            if c.state is base.ContainerState.PENDING:
                self._exit(c, None, "Task stopped before the container started")
                continue
            # SIGTERM: the process exits (143) a moment later, unless it ignores SIGTERM or takes
            # longer than the stop timeout: then SIGKILL (137) at the timeout.
            grace = None if c.ignores_sigterm else self._draw(self.timings.graceful_exit)
            if grace is not None and grace <= timeout:
                exit_ = functools.partial(self._exit, c, SIGTERM_EXIT, None)
                c.timers.append(self.clock.schedule(grace, exit_))
            else:
                exit_ = functools.partial(self._exit, c, SIGKILL_EXIT, None)
                c.timers.append(self.clock.schedule(max(0.0, timeout), exit_))

    def poll(self) -> list[base.ContainerEvent]:
        events, self.queue = self.queue, []
        return events

    def kill_container(
        self, task_arn: str, container_name: str, exit_code: int = 137, *, oom: bool = False
    ) -> None:
        c = self.containers.get(task_arn, {}).get(container_name)
        if c is None or c.state is base.ContainerState.STOPPED:
            return
        reason = "OutOfMemoryError: Container killed due to memory usage" if oom else None
        if reason is None and c.state is base.ContainerState.PENDING:  # never started
            reason = (
                f"CannotStartContainerError: container {container_name} "
                "was killed before it started"  # our wording
            )
        never_started = c.state is base.ContainerState.PENDING
        self._exit(c, SIGKILL_EXIT if oom else exit_code, reason, failed=never_started)

    def list_tasks(self) -> dict[str, dict[str, base.ContainerState]]:
        return {
            arn: {name: c.state for name, c in task.items()}
            for arn, task in self.containers.items()
            if any(c.state is not base.ContainerState.STOPPED for c in task.values())
        }

    def adopt(
        self,
        spec: base.TaskSpec,
        known: dict[str, tuple[base.ContainerState, base.Bindings]],
    ) -> dict[str, base.ContainerState]:
        """Rebuild a task's simulated containers from the saved state (they live nowhere else)."""
        task: dict[str, _SimContainer] = {}
        for cspec in spec.containers:
            state, bindings = known.get(cspec.name, (base.ContainerState.STOPPED, ()))
            c = _SimContainer(spec.task_arn, cspec, state, bindings)
            for _, host_port, proto, _ip in bindings:
                self.used_ports.add((host_port, proto))
            task[cspec.name] = c
            c.digest = self.registry.pull(cspec.image)[0]
            self.images.add(cspec.image)
        self.containers[spec.task_arn] = task
        delay = 0.0
        for c in task.values():  # carry on: pending containers start, running ones keep behaving
            if c.state is base.ContainerState.PENDING:
                delay += self._draw(self.timings.start)
                c.timers.append(self.clock.schedule(delay, functools.partial(self._started, c)))
            elif c.state is base.ContainerState.RUNNING:
                self._behave(c)
        return {name: c.state for name, c in task.items()}

    def close(self, cleanup: bool = False) -> None:
        for task in self.containers.values():
            for c in task.values():
                for t in c.timers:
                    t.cancel()
        if cleanup:
            self.containers.clear()

    # -- simulated container behaviour ---------------------------------------------------------
    def _emit(self, event: base.ContainerEvent) -> None:
        # Wake the agent on a fresh clock turn, never re-entrantly from inside a command.
        self.queue.append(event)
        if self.wake is not None and not self._wake_pending:
            self._wake_pending = True
            self.clock.schedule(0.0, self._do_wake, priority=0)

    def _do_wake(self) -> None:
        self._wake_pending = False
        if self.wake is not None:
            self.wake()

    def _started(self, c: _SimContainer) -> None:
        c.state = base.ContainerState.RUNNING
        c.host_ports = tuple(self._bind(p) for p in c.spec.ports)
        self._emit(
            base.ContainerEvent(
                c.task_arn,
                c.spec.name,
                base.ContainerState.RUNNING,
                bindings=c.host_ports,
                runtime_id=f"sim-{c.task_arn[-12:]}-{c.spec.name}",
                image_digest=c.digest,
            )
        )
        self._behave(c)
        self._release(c.task_arn)

    def _behave(self, c: _SimContainer) -> None:
        """What a running container does next: crashy exits, health checks report."""
        env = dict(c.spec.environment)
        if c.spec.image.split(":")[0] == "ecsedu/crashy":
            after = float(env.get("EXIT_AFTER", "5"))
            code = int(env.get("EXIT_CODE", "1"))
            c.timers.append(self.clock.schedule(after, lambda: self._exit(c, code, None)))
        hc = c.spec.health_check
        if hc is not None:
            first = hc.start_period + min(float(hc.interval), self.timings.health_interval_cap)
            c.timers.append(
                self.clock.schedule(first, lambda: self._health(c, task_mod.HealthStatus.HEALTHY))
            )

    def _health(self, c: _SimContainer, status: task_mod.HealthStatus) -> None:
        if c.state is base.ContainerState.RUNNING:
            c.health = status
            self._emit(base.ContainerEvent(c.task_arn, c.spec.name, c.state, health=status))
            self._release(c.task_arn)

    def _exit(
        self, c: _SimContainer, code: int | None, reason: str | None, *, failed: bool = False
    ) -> None:
        never_started = c.state is base.ContainerState.PENDING
        c.state = base.ContainerState.STOPPED
        c.exit_code = code
        c.waiting = False
        for t in c.timers:
            t.cancel()
        c.timers.clear()
        for _, host_port, proto, _ip in c.host_ports:
            self.used_ports.discard((host_port, proto))
        self._emit(
            base.ContainerEvent(
                c.task_arn,
                c.spec.name,
                base.ContainerState.STOPPED,
                exit_code=code,
                reason=reason,
                start_failed=failed or (never_started and reason is None),
            )
        )
        self._release(c.task_arn)

    def _bind(self, port: base.PortSpec) -> tuple[int, int, str, str]:
        host = port.host_port
        if host == 0:
            host = EPHEMERAL_START
            while (host, port.protocol) in self.used_ports and host < EPHEMERAL_END:
                host += 1
        self.used_ports.add((host, port.protocol))
        return (port.container_port, host, port.protocol, self.address)
