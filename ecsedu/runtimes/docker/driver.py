"""The working side of ``DockerRuntime``: its records, its event queue, and the worker threads
that create, start, stop and remove a task's containers.

``TaskDriver`` holds what the runtime believes (``inventory.TaskRecord`` per task) under one lock,
queues a ``ContainerEvent`` for every change (``_emit``, lock held) and, once the lock is
released, tells the engine through ``notify`` (``@_notifies`` on every thread entry point).
``DockerRuntime`` (``runtime.py``) adds the ``Runtime`` interface and what the engine's event and
reconcile threads report.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from ecsedu.errors import EcsEduError
from ecsedu.runtimes.base import ContainerEvent, ContainerSpec, ContainerState, Runtime, TaskSpec
from ecsedu.runtimes.docker import translate
from ecsedu.runtimes.docker.common import (
    OOM_REASON,
    REMOVED_REASON,
    _first_line,
    _is_connection_error,
    _load_docker,
    log,
    missing_image_message,
    unavailable_message,
)
from ecsedu.runtimes.docker.connection import Connection
from ecsedu.runtimes.docker.engine import acquire_engine, image_present
from ecsedu.runtimes.docker.inventory import ContainerRecord, TaskRecord
from ecsedu.runtimes.docker.translate import dependency_order

__all__ = ["TaskDriver"]

_D = TypeVar("_D", bound="TaskDriver")
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _notifies(method: Callable[Concatenate[_D, _P], _R]) -> Callable[Concatenate[_D, _P], _R]:
    """Run a thread entry point, then ``notify`` the engine if it queued events (lock released)."""

    @functools.wraps(method)
    def wrapper(self: _D, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        finally:
            self._flush_notify()

    return wrapper


def _creating(exc: BaseException) -> bool:
    """The error came from ``docker create`` (marked where it was raised)."""
    return bool(getattr(exc, "ecsedu_creating", False))


class TaskDriver(Runtime):
    """Records, events and worker threads of one instance's containers (see ``DockerRuntime``).

    Args:
        owner: namespace, instance id, connection id and address, stamped on what it creates.
        connection: the connection the containers belong to.
        docker_host: the Docker endpoint.
        client: a ``docker.DockerClient`` instead of the endpoint's shared one (tests).
        pull: pull missing non-ecsedu images where a registry answers.
    """

    def __init__(
        self,
        *,
        owner: translate.Owner,
        connection: Connection,
        docker_host: str | None,
        client: Any,
        pull: bool,
    ) -> None:
        super().__init__()
        self.owner = owner
        self.namespace = owner.namespace
        self.instance_id = owner.instance_id
        self.address = owner.address
        self.connection = connection
        self.docker_host = docker_host
        self.pull = pull
        self._engine = acquire_engine(docker_host)
        self.client: Any = client if client is not None else self._engine.client
        self._events: queue.Queue[ContainerEvent] = queue.Queue()
        self._dirty = threading.Event()  # events queued since the last notify
        self._lock = threading.RLock()
        self._tasks: dict[str, TaskRecord] = {}
        self._forgotten: set[str] = set()
        self._failures: dict[str, str] = {}
        self._digests: dict[str, str] = {}  # image id -> imageDigest
        self._health: tuple[float, bool] = (-1e9, True)  # (when checked, Docker answered)

    def answering(self) -> bool:
        """Whether the shared event stream of this Docker engine is up and no call found it
        unreachable in the last 2 seconds (no I/O)."""
        engine = self._engine
        return bool(engine.connected) and time.monotonic() >= engine.suspect_until

    def healthy(self) -> bool:
        """Whether the Docker engine answers a ping (checked at most every 2 seconds)."""
        checked, ok = self._health
        now = time.monotonic()
        if now - checked < 2.0:
            return ok
        try:
            self.client.ping()
            ok = True
        except Exception:  # unreachable, refused, timed out: IMPAIRED
            ok = False
        self._health = (now, ok)
        return ok

    def _image_digest(self, image_id: str) -> str | None:
        """ECS's ``imageDigest`` for a container's image: its repository digest where it has one
        (an image pulled from a registry), else its image id (``sha256:...``: a built image)."""
        if not image_id:
            return None
        found = self._digests.get(image_id)
        if found is None:
            found = image_id
            with contextlib.suppress(Exception):
                repo_digests = self.client.api.inspect_image(image_id).get("RepoDigests") or []
                if repo_digests:
                    found = str(repo_digests[0]).rpartition("@")[2]
            self._digests[image_id] = found
        return found

    # -- events -----------------------------------------------------------------------------------
    def _emit(self, task: TaskRecord, c: ContainerRecord, state: ContainerState, **kw: Any) -> None:
        """Record a transition and queue its event; call with the lock held. Drops non-changes."""
        if c.state == ContainerState.STOPPED:
            return
        if (
            state == ContainerState.RUNNING
            and c.state == ContainerState.RUNNING
            and kw.get("health") == c.health
        ):
            return
        c.state = state
        if "health" in kw:
            c.health = kw["health"]
        if state == ContainerState.RUNNING:  # every RUNNING event carries the port bindings
            c.bindings = kw.setdefault("bindings", c.bindings)
        self._events.put(
            ContainerEvent(
                task_arn=task.task_arn,
                container_name=c.name,
                state=state,
                runtime_id=c.container_id,
                **kw,
            )
        )
        self._dirty.set()  # the thread's entry point notifies once the lock is released
        if state == ContainerState.STOPPED:
            self._maybe_remove(task)

    def _flush_notify(self) -> None:
        """Call ``notify`` if events were queued since the last call. Never with the lock held."""
        if not self._dirty.is_set():
            return
        self._dirty.clear()
        notify = self.notify
        if notify is not None:
            try:
                notify()
            except Exception:  # the engine's bug must not kill a Docker thread
                log.exception("ecsedu: runtime notify failed")

    def _stopped(
        self,
        task: TaskRecord,
        c: ContainerRecord,
        exit_code: int | None,
        reason: str | None,
        **kw: Any,
    ) -> None:
        if c.exit_code is not None:
            exit_code = c.exit_code
        if c.oom:
            reason = OOM_REASON
        self._emit(task, c, ContainerState.STOPPED, exit_code=exit_code, reason=reason, **kw)

    def last_failure(self, task_arn: str) -> str | None:
        """Why the task could not start (a missing image, a taken port ...), if it could not."""
        with self._lock:
            return self._failures.get(task_arn)

    # -- starting ---------------------------------------------------------------------------------
    def _ensure_image(self, image: str) -> str | None:
        """None when the image is there (pulling it if allowed), else the failure reason."""
        docker = _load_docker()
        try:
            if image_present(self.client, image):
                return None
            if not self.pull or image.startswith("ecsedu/"):
                return missing_image_message(image)
            repo, _, tag = (
                image.rpartition(":") if ":" in image.rpartition("/")[2] else (image, "", "latest")
            )
            log.warning("pulling %s (not on the Docker engine %s)", image, self._engine.host)
            for line in self.client.api.pull(repo, tag=tag, stream=True, decode=True):
                if "error" in line:
                    return missing_image_message(image, line["error"])
                if line.get("status") and line.get("progress"):
                    print(
                        f"\r{image}: {line['status']} {line['progress']}", end="", file=sys.stderr
                    )
            print(file=sys.stderr)
            return None if image_present(self.client, image) else missing_image_message(image)
        except docker.errors.APIError as exc:
            return missing_image_message(image, exc.explanation or exc)

    def _fail_start(self, task: TaskRecord, reason: str, failed: str | None = None) -> None:
        with self._lock:
            self._failures[task.task_arn] = reason
            task.starting = False
            # the container that failed first: its reason becomes the task's stoppedReason
            order = sorted(task.containers.values(), key=lambda r: r.name != failed)
            for c in order:
                if c.state != ContainerState.STOPPED and not c.started:
                    self._stopped(
                        task,
                        c,
                        None,
                        reason if failed in (None, c.name) else None,
                        start_failed=True,
                    )
            self._maybe_remove(task)

    @_notifies
    def _start_worker(self, task: TaskRecord) -> None:
        spec = task.spec
        assert spec is not None
        try:
            for c in spec.containers:
                missing = self._ensure_image(c.image)
                if missing is not None:
                    self._fail_start(task, f"CannotPullContainerError: {missing}", c.name)
                    return
            self._create_network(task, spec)
            for c in dependency_order(spec.containers):
                with self._lock:
                    if task.stopping:
                        break
                problem = self._wait_dependencies(task, c)
                if problem is not None:
                    self._fail_start(task, problem, c.name)
                    return
                self._create_and_start(task, spec, c)
        except Exception as exc:
            # ECS's start errors: docker create failed → CannotCreateContainerError, docker
            # start failed → CannotStartContainerError, with the daemon's words after it.
            kind = "CannotCreateContainerError" if _creating(exc) else "CannotStartContainerError"
            if _is_connection_error(exc):
                # answering() says no for a moment: the agent disconnects before more starts
                self._engine.suspect_until = time.monotonic() + 2.0
                reason = f"{kind}: {unavailable_message(self.docker_host, exc)}"
            elif isinstance(exc, _load_docker().errors.APIError):
                detail = _first_line(exc.explanation or exc)
                reason = f"{kind}: Error response from daemon: {detail}"
            else:
                reason = f"{kind}: {_first_line(exc)}"
            self._fail_start(task, reason, getattr(exc, "ecsedu_container", None))
            return
        finally:
            with self._lock:
                task.starting = False
                stop_now = task.stopping
                if not stop_now:
                    self._maybe_remove(task)
        if stop_now:
            self._stop_worker(task, 0)

    def _create_network(self, task: TaskRecord, spec: TaskSpec) -> None:
        if len(spec.containers) < 2 or spec.network_mode not in ("bridge", "awsvpc"):
            return
        try:
            created = self.client.api.create_network(
                translate.network_name(spec, self.namespace),
                driver="bridge",
                labels=translate.resource_labels(spec, self.owner),
            )
            task.network_id = str(created["Id"])
        except Exception as exc:  # address pools exhausted ...: fall back to the default bridge
            log.warning(
                "no task network for %s (%s); using the default bridge",
                spec.task_arn,
                _first_line(exc),
            )

    def _create_volumes(self, task: TaskRecord, spec: TaskSpec, c: ContainerSpec) -> None:
        """Create the task's named volumes ``c`` mounts; one another connection holds already
        (same seeded task id) is not shared: ours gets ``-<connection>`` appended."""
        host_paths = dict(spec.volumes)
        for source, _, _ in c.mount_points:
            if host_paths.get(source) is not None or source in task.volumes:
                continue
            name = translate.volume_name(spec, source)
            for candidate in (name, f"{name}-{self.connection.id}"):
                volume = self.client.api.create_volume(
                    candidate, labels=translate.resource_labels(spec, self.owner)
                )  # an existing volume is returned as it is, with its own labels
                task.volumes[source] = candidate
                if self.connection.owns_labels((volume or {}).get("Labels") or {}):
                    break

    def _wait_dependencies(self, task: TaskRecord, c: ContainerSpec) -> str | None:
        """Block until c's dependsOn conditions hold; the failure reason if one never can."""
        for dep, condition in c.depends_on:
            deadline = time.monotonic() + 600
            while True:
                with self._lock:
                    other = task.containers.get(dep)
                    if other is None or task.stopping:
                        break
                    state, health, code = other.state, other.health, other.exit_code
                cond = condition.upper()
                if cond == "START" and (other.started or state != ContainerState.PENDING):
                    break
                if cond == "HEALTHY" and health == "HEALTHY":
                    break
                if cond in ("COMPLETE", "SUCCESS") and state == ContainerState.STOPPED:
                    if cond == "SUCCESS" and code not in (0, None):
                        return f"DependencyError: container {dep!r} exited with {code}, not SUCCESS"
                    break
                if state == ContainerState.STOPPED and cond in ("START", "HEALTHY"):
                    return f"DependencyError: container {dep!r} stopped before reaching {cond}"
                if time.monotonic() > deadline:
                    return (
                        f"DependencyError: timed out waiting for container {dep!r} to reach {cond}"
                    )
                time.sleep(0.1)
        return None

    def _create_and_start(self, task: TaskRecord, spec: TaskSpec, c: ContainerSpec) -> None:
        docker = _load_docker()
        api = self.client.api
        record = task.containers[c.name]
        self._create_volumes(task, spec, c)
        with self._lock:
            names = {name: r.docker_name for name, r in task.containers.items()}
        args = translate.create_args(
            spec,
            c,
            self.owner,
            network_id=task.network_id,
            docker_names=names,
            volume_names=task.volumes,
        )
        host_config = api.create_host_config(**args.host_config)
        networking = None
        if args.endpoint is not None:
            endpoint = api.create_endpoint_config(**args.endpoint)
            networking = api.create_networking_config({task.network_id: endpoint})
        created: dict[str, Any] | None = None
        for candidate in translate.name_candidates(record.docker_name, self.owner):
            try:
                created = api.create_container(
                    args.image,
                    name=candidate,
                    host_config=host_config,
                    networking_config=networking,
                    **args.create,
                )
            except docker.errors.APIError as exc:
                if exc.status_code == 409:  # the name is taken (another namespace, a leftover)
                    continue
                exc.ecsedu_creating = True
                exc.ecsedu_container = c.name
                raise
            record.docker_name = candidate
            break
        if created is None:
            raise EcsEduError(
                f"container name {record.docker_name!r} is taken on the Docker engine; "
                "remove leftovers with: python -m ecsedu cleanup"
            )
        cid = str(created["Id"])
        with self._lock:
            record.container_id = cid
            if task.stopping:
                return
        try:
            api.start(cid)
        except Exception as exc:
            exc.ecsedu_container = c.name  # type: ignore[attr-defined]
            raise
        with self._lock:
            record.started = True
        self._report_running(task, record)

    @_notifies
    def _report_running(self, task: TaskRecord, record: ContainerRecord) -> None:
        docker = _load_docker()
        try:
            info = self.client.api.inspect_container(record.container_id)
        except docker.errors.NotFound:
            return
        state = info.get("State") or {}
        with self._lock:
            if state.get("Running"):
                health = "UNKNOWN" if record.has_health else None
                bindings = translate.inspect_bindings(info)
                digest = self._image_digest(str(info.get("Image") or ""))
                self._emit(
                    task,
                    record,
                    ContainerState.RUNNING,
                    bindings=bindings,
                    health=health,
                    image_digest=digest,
                )
            elif state.get("Status") in ("exited", "dead"):
                if state.get("OOMKilled"):
                    record.oom = True
                self._stopped(task, record, int(state.get("ExitCode", 0)), None)

    # -- stopping and removing --------------------------------------------------------------------
    @_notifies
    def _stop_worker(self, task: TaskRecord, timeout: float) -> None:
        docker = _load_docker()
        with self._lock:
            if task.starting:
                return  # the start worker stops it when it finishes
            order = list(task.containers.values())
            if task.spec is not None:
                rank = {c.name: i for i, c in enumerate(dependency_order(task.spec.containers))}
                order.sort(key=lambda c: -rank.get(c.name, 0))
        for c in order:
            if c.container_id is None or c.state == ContainerState.STOPPED:
                continue
            try:
                self.client.api.stop(c.container_id, timeout=max(0, int(timeout)))
                info = self.client.api.inspect_container(c.container_id)
                state = info.get("State") or {}
                with self._lock:
                    c.oom = c.oom or bool(state.get("OOMKilled"))
                    self._stopped(task, c, int(state.get("ExitCode", 0)), None)
            except docker.errors.NotFound:
                with self._lock:
                    self._stopped(task, c, 137, REMOVED_REASON)
            except Exception as exc:
                log.warning("docker stop %s failed: %s", c.docker_name, _first_line(exc))
        with self._lock:
            for c in task.containers.values():
                if c.state != ContainerState.STOPPED:  # never created
                    self._stopped(task, c, None, None)
            self._maybe_remove(task)

    def _maybe_remove(self, task: TaskRecord) -> None:
        """Once every container has stopped, remove them and the task network. Lock held."""
        if task.removing or task.starting:
            return
        if any(c.state != ContainerState.STOPPED for c in task.containers.values()):
            return
        task.removing = True
        self._engine.pool.submit(self._remove_task, task)

    def _remove_task(self, task: TaskRecord) -> None:
        api = self.client.api
        for c in task.containers.values():
            if c.container_id is not None:
                with contextlib.suppress(Exception):
                    api.remove_container(c.container_id, v=True, force=True)
        if task.network_id is not None:
            with contextlib.suppress(Exception):
                api.remove_network(task.network_id)
        for volume in task.volumes.values():
            with contextlib.suppress(Exception):
                api.remove_volume(volume, force=True)
        with self._lock:
            self._tasks.pop(task.task_arn, None)
            self._forgotten.add(task.task_arn)
