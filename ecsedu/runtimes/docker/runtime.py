"""``DockerRuntime``: one container instance's containers on a real Docker engine.

What the arguments of ``docker create`` are is ``translate``'s business, what is on the engine
(by label) is ``inventory``'s, who owns what on a shared machine is ``connection``'s, and the
worker threads that start and stop tasks are ``driver``'s. This module is the ``Runtime``
interface the container agent calls, plus what the shared engine thread hands over: the events of
this runtime's containers (``on_docker_event``) and the periodic by-label ``reconcile``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from typing import Any

from ecsedu.errors import EcsEduError, ImageNotFoundError
from ecsedu.runtimes.base import ContainerEvent, ContainerState, TaskSpec
from ecsedu.runtimes.docker import inventory, labels, translate
from ecsedu.runtimes.docker.cleanup import CleanupResult, _cleanup
from ecsedu.runtimes.docker.common import (
    _HEALTH_OF,
    REMOVED_REASON,
    VANISHED_REASON,
    _load_docker,
    log,
    map_docker_errors,
    missing_image_message,
)
from ecsedu.runtimes.docker.connection import Connection
from ecsedu.runtimes.docker.driver import TaskDriver, _notifies
from ecsedu.runtimes.docker.engine import acquire_engine, image_present
from ecsedu.runtimes.docker.inventory import ContainerRecord, Finding, TaskRecord
from ecsedu.runtimes.docker.translate import check_safe

__all__ = ["DockerRuntime", "docker_runtime_factory"]


class DockerRuntime(TaskDriver):
    """The Docker runtime of one container instance.

    Args:
        cluster: the cluster's name (for names and labels).
        instance_id: the container instance id (32 hex), stamped on every container.
        docker_host: the instance's Docker endpoint (``unix://``, ``tcp://``, ``ssh://``); ``None``
            means ``$DOCKER_HOST`` or the local socket.
        address: the host address that portMappings are published on (``127.0.0.N``).
        namespace: the owner namespace (default: the connection's, else ``$ECSEDU_NAMESPACE`` or
            the unix user).
        allow_unsafe: allow privileged, host network and host mounts.
        client: a ``docker.DockerClient`` to use instead of the shared one (tests).
        pull: pull non-ecsedu images that are missing, where a registry answers.
        connection: the ``Connection`` this runtime belongs to (its id is stamped on every
            container); ``None`` gives the runtime a connection of its own, closed with it.

    Raises:
        RuntimeUnavailableError: no engine answers at ``docker_host``.

    >>> rt = DockerRuntime(cluster="demo", instance_id="0" * 32)  # doctest: +SKIP
    """

    name = "docker"

    def __init__(
        self,
        *,
        cluster: str,
        instance_id: str,
        docker_host: str | None = None,
        address: str = "127.0.0.1",
        namespace: str | None = None,
        allow_unsafe: bool = False,
        client: Any = None,
        pull: bool = True,
        connection: Connection | None = None,
    ) -> None:
        acquire_engine(docker_host)  # RuntimeUnavailableError before anything is claimed
        namespace = namespace or (
            connection.namespace if connection is not None else labels.default_namespace()
        )
        self._own_connection = connection is None
        if connection is None:
            connection = Connection(namespace)
        super().__init__(
            owner=translate.Owner(namespace, instance_id, connection.id, address),
            connection=connection,
            docker_host=docker_host,
            client=client,
            pull=pull,
        )
        self.cluster = cluster
        self.allow_unsafe = allow_unsafe
        self._closed = False
        #: awsvpc tasks: task ARN -> (pause container id, its address, the published ports)
        self._pause: dict[str, tuple[str, str | None, Any]] = {}
        self._engine.subscribe(self)

    # -- small helpers ----------------------------------------------------------------------------
    def _filters(self) -> dict[str, list[str]]:
        return {
            "label": [
                f"{labels.NAMESPACE}={self.namespace}",
                f"{labels.INSTANCE}={self.instance_id}",
                f"{labels.CLUSTER}={self.cluster}",
            ]
        }

    def owns(self, attrs: Mapping[str, str]) -> bool:
        """Whether a container with these labels is this runtime's: its namespace, instance and
        cluster, created by its connection or by one that is gone (then it adopts it)."""
        return (
            attrs.get(labels.NAMESPACE) == self.namespace
            and attrs.get(labels.INSTANCE) == self.instance_id
            and attrs.get(labels.CLUSTER) == self.cluster
            and self.connection.may_take(attrs.get(labels.CONNECTION, ""))
        )

    def _find(self, task_arn: str | None = None) -> list[dict[str, Any]]:
        """This instance's containers that this runtime may take charge of (claimed on the way)."""
        found = inventory.find(
            self.client, self._filters(), task_arn=task_arn, take=self.connection.may_take
        )
        for connection in {inventory.connection_of(s) for s in found}:
            self.connection.claim(connection)
        return found

    # -- the interface ----------------------------------------------------------------------------
    check_safe = staticmethod(check_safe)

    def check_images(self, spec: TaskSpec) -> None:
        """Raise ``ImageNotFoundError`` naming the fix if an image of ``spec`` is not local."""
        for c in spec.containers:
            if not image_present(self.client, c.image):
                raise ImageNotFoundError(missing_image_message(c.image))

    def start_task(self, spec: TaskSpec) -> None:
        """Create and start the task's containers in the background; events arrive via ``poll``.

        Raises:
            UnsafeTaskDefinitionError: privileged/host access without ``allow_unsafe``.
        """
        check_safe(spec, self.allow_unsafe)
        task = TaskRecord(spec.task_arn, spec)
        for c in spec.containers:
            task.containers[c.name] = ContainerRecord(
                c.name,
                translate.container_name(spec.cluster, spec.task_id, c.name),
                has_health=c.health_check is not None,
            )
        with self._lock:
            self._tasks[spec.task_arn] = task
            self._forgotten.discard(spec.task_arn)
        if any(c.depends_on for c in spec.containers):
            # waiting for HEALTHY/COMPLETE may take long: give the task its own thread
            threading.Thread(
                target=self._start_worker, args=(task,), name="ecsedu-depends", daemon=True
            ).start()
        else:
            self._engine.pool.submit(self._start_worker, task)

    def stop_task(self, task_arn: str, timeout: float) -> None:
        """``docker stop`` the task's containers (reverse dependency order), then remove them."""
        with self._lock:
            task = self._tasks.get(task_arn)
            if task is None:
                task = self._adopt_from_engine(task_arn)
            if task is None or task.stopping:
                return
            task.stopping = True
        self._engine.pool.submit(self._stop_worker, task, timeout)

    def poll(self) -> list[ContainerEvent]:
        out: list[ContainerEvent] = []
        while True:
            try:
                out.append(self._events.get_nowait())
            except queue.Empty:
                return out

    def kill_container(
        self, task_arn: str, container_name: str, exit_code: int = 137, *, oom: bool = False
    ) -> None:
        """A real ``docker kill`` (fault injection).

        Exit codes 137 (SIGKILL), 143 (SIGTERM) and 130 (SIGINT) are produced by the signal itself;
        any other ``exit_code`` is sent as SIGKILL and reported as asked. ``oom=True`` kills with
        SIGKILL and reports 137 and ``OutOfMemoryError`` (a real OOM kill: ``ecsedu/worker`` with
        ``WORKER_MEMORY_MB`` above the container's ``memory``).
        """
        if oom:  # the kernel's OOM killer sends SIGKILL: 137, whatever exit code was asked
            exit_code = 137
        signal = {137: "SIGKILL", 143: "SIGTERM", 130: "SIGINT"}.get(exit_code, "SIGKILL")
        with self._lock:
            task = self._tasks.get(task_arn) or self._adopt_from_engine(task_arn)
            c = task.containers.get(container_name) if task else None
            if task is None or c is None or c.container_id is None:
                raise EcsEduError(f"no Docker container for {container_name!r} of task {task_arn}")
            if oom:
                c.oom = True
            if signal == "SIGKILL" and exit_code != 137:
                c.exit_code = exit_code
            cid = c.container_id
        with map_docker_errors(self.docker_host):
            self.client.api.kill(cid, signal=signal)

    def usage(self, task_arn: str) -> tuple[float, int] | None:
        """(CPU seconds, memory bytes) of the task's containers, read from their cgroup files
        (``ecsedu.runtimes.docker.metrics``); None when they cannot be read (remote engine)."""
        from ecsedu.runtimes.docker import metrics

        if self.docker_host and not self.docker_host.startswith("unix://"):
            return None  # the cgroup files are on another machine
        with self._lock:
            task = self._tasks.get(task_arn)
            ids = (
                [c.container_id for c in task.containers.values() if c.container_id] if task else []
            )
        return metrics.read_usage(ids) if ids else None

    def list_tasks(self) -> dict[str, dict[str, ContainerState]]:
        """What this instance really runs, by label: task ARN → container name → state.

        Tasks found on the engine and unknown to this runtime are adopted (after a restart), if
        their connection is this runtime's or is gone; a live connection's are never listed.
        """
        with map_docker_errors(self.docker_host):
            found = self._find()
        # on a clash of seeded ids, this connection's own containers come last and win
        found.sort(key=lambda s: inventory.connection_of(s) == self.connection.id)
        with self._lock:
            for summary in found:
                lab = summary.get("Labels") or {}
                arn, cname = lab.get(labels.TASK_ARN), lab.get(labels.CONTAINER_NAME)
                if not arn or not cname:
                    continue
                if arn not in self._tasks and arn not in self._forgotten:
                    self._tasks[arn] = TaskRecord(arn, None, starting=False)
                task = self._tasks.get(arn)
                if task is not None and cname not in task.containers:
                    task.containers[cname] = inventory.record_from(summary)
        return inventory.states(found)

    def adopt(
        self, spec: TaskSpec, known: dict[str, tuple[ContainerState, Any]]
    ) -> dict[str, ContainerState]:
        """After a kernel restart: take charge of the task's containers again, found by label.

        Reality wins over ``known`` (what the state file last heard): the states returned are
        Docker's. The task keeps its spec, so stops follow ``dependsOn`` and health is followed.
        The connection that created them (gone, or this one) becomes this connection's: its
        containers are this connection's to follow and to clean up.
        """
        with map_docker_errors(self.docker_host):
            found = self._find(spec.task_arn)
        task = inventory.task_from(spec.task_arn, found, spec)
        out = {name: c.state for name, c in task.containers.items()}
        if not found:
            return out
        with self._lock:
            self._tasks[spec.task_arn] = task
            self._forgotten.discard(spec.task_arn)
            if all(c.state == ContainerState.STOPPED for c in task.containers.values()):
                self._maybe_remove(task)  # nothing left to run: tidy up what died meanwhile
        return out

    def close(self, cleanup: bool = False) -> None:
        """Stop following the engine; with ``cleanup`` remove this instance's containers too
        (those of this runtime's connection, and of the connections it adopted from)."""
        if self._closed:
            return
        self._closed = True
        self._engine.unsubscribe(self)
        with self._lock:  # start workers still running stop before creating anything more
            for task in self._tasks.values():
                task.stopping = True
        try:
            if cleanup:
                mine = self.connection.mine
                _cleanup(
                    self.client,
                    self._filters(),
                    keep=lambda lab: mine(lab.get(labels.CONNECTION, "")),
                )
        finally:
            if self._own_connection:
                self.connection.close()

    def cleanup(self) -> CleanupResult:
        """Remove every container, network and volume of this runtime's namespace (any instance,
        any connection): what ``python -m ecsedu cleanup`` does."""
        return _cleanup(self.client, {"label": labels.namespace_filter(self.namespace)})

    # -- awsvpc: the task's own network namespace (a pause container) -----------------------------
    def _create_network(self, task: TaskRecord, spec: TaskSpec) -> None:
        """awsvpc: a pause container on the connection's VPC network holds the task's network
        namespace (its own address, like an ENI); the task's containers join it. Other modes:
        a task network, as before."""
        if spec.network_mode != "awsvpc":
            super()._create_network(task, spec)
            return
        image = next((i for i in translate.PAUSE_IMAGES if image_present(self.client, i)), None)
        if image is None:
            raise EcsEduError(missing_image_message(translate.PAUSE_IMAGES[0]))
        api = self.client.api
        created: dict[str, Any] = {}
        for fresh in (False, True):
            network = self.connection.vpc_network(self.client, self.docker_host, fresh=fresh)
            args = translate.pause_args(spec, self.owner, image, network)
            try:
                created = self._create_named(
                    translate.pause_name(spec),
                    args.image,
                    host_config=api.create_host_config(**args.host_config),
                    **args.create,
                )
                break
            except Exception as exc:  # the VPC network was removed behind our back: again
                if fresh or "network" not in str(exc).lower():
                    raise
        pause_id = str(created["Id"])
        with self._lock:
            self._pause[spec.task_arn] = (pause_id, None, ())
        api.start(pause_id)
        info = api.inspect_container(pause_id)
        address = translate.inspect_address(info)
        with self._lock:
            self._pause[spec.task_arn] = (pause_id, address, translate.inspect_bindings(info))
        task.network_id = f"container:{pause_id}"

    def _create_named(self, name: str, image: str, **kwargs: Any) -> dict[str, Any]:
        """``docker create`` under ``name``, or the next candidate name when it is taken."""
        docker = _load_docker()
        for candidate in translate.name_candidates(name, self.owner):
            try:
                created: dict[str, Any] = self.client.api.create_container(
                    image, name=candidate, **kwargs
                )
                return created
            except docker.errors.APIError as exc:
                if exc.status_code == 409:
                    continue
                raise
        raise EcsEduError(f"container name {name!r} is taken on the Docker engine")

    def _emit(self, task: TaskRecord, c: ContainerRecord, state: ContainerState, **kw: Any) -> None:
        """awsvpc: a container's ports are published on its pause container: report those."""
        pause = self._pause.get(task.task_arn)
        if pause is not None and state == ContainerState.RUNNING and task.spec is not None:
            spec = next((s for s in task.spec.containers if s.name == c.name), None)
            mine = {(p.container_port, p.protocol) for p in spec.ports} if spec else set()
            kw["bindings"] = tuple(b for b in pause[2] if (b[0], b[2]) in mine)
        super()._emit(task, c, state, **kw)

    def task_address(self, task_arn: str) -> str | None:
        """An awsvpc task's own address: its pause container's, on the VPC network."""
        with self._lock:
            pause = self._pause.get(task_arn)
        if pause is not None:
            return pause[1]
        found = self._pause_containers(task_arn)  # adopted after a restart
        if not found:
            return None
        return translate.inspect_address(self.client.api.inspect_container(found[0]["Id"]))

    def _pause_containers(self, task_arn: str) -> list[dict[str, Any]]:
        try:
            filters = self._filters()
            filters["label"].append(f"{translate.PAUSE_LABEL}={task_arn}")
            found: list[dict[str, Any]] = self.client.api.containers(all=True, filters=filters)
            return found
        except Exception:
            return []

    def _remove_task(self, task: TaskRecord) -> None:
        """Remove the task's containers, then its pause container (awsvpc)."""
        super()._remove_task(task)
        with self._lock:
            pause = self._pause.pop(task.task_arn, None)
        ids = [pause[0]] if pause is not None else []
        if not ids and task.spec is not None and task.spec.network_mode == "awsvpc":
            ids = [str(s["Id"]) for s in self._pause_containers(task.task_arn)]
        for pause_id in ids:
            try:
                self.client.api.remove_container(pause_id, v=True, force=True)
            except Exception as exc:
                log.debug("could not remove the pause container %s: %s", pause_id, exc)

    # -- what the engine tells us (the engine's Subscriber protocol) ------------------------------
    @_notifies
    def on_docker_event(self, action: str, container_id: str, attrs: Mapping[str, str]) -> None:
        """A Docker event of one of this runtime's containers (the engine checked ``owns``)."""
        arn, cname = attrs.get(labels.TASK_ARN, ""), attrs.get(labels.CONTAINER_NAME, "")
        with self._lock:
            if arn in self._forgotten:
                return
            task = self._tasks.get(arn)
            if task is None:
                if action == "destroy":
                    return
                task = self._adopt_from_engine(arn)
                if task is None:
                    return
            c = task.containers.get(cname)
            if c is None or (c.container_id is not None and c.container_id != container_id):
                return
            if action == "oom":
                c.oom = True
            elif action == "die":
                code = attrs.get("exitCode")
                self._stopped(task, c, int(code) if code is not None else None, None)
            elif action == "destroy":
                self._stopped(task, c, 137, REMOVED_REASON)
            elif action.startswith("health_status"):
                status = action.partition(":")[2].strip()
                health = _HEALTH_OF.get(status)
                if health and c.state == ContainerState.RUNNING and health != c.health:
                    self._emit(task, c, ContainerState.RUNNING, health=health)
            elif (
                action == "start"
                and c.state == ContainerState.PENDING
                and c.container_id
                and not task.starting
            ):
                c.started = True
                self._engine.pool.submit(self._report_running, task, c)

    def _adopt_from_engine(self, task_arn: str) -> TaskRecord | None:
        """Learn a task we have no record of from its labels (after a restart). Lock held."""
        if task_arn in self._forgotten:
            return None
        try:
            found = self._find(task_arn)
        except Exception:
            return None
        if not found:
            return None
        task = inventory.task_from(task_arn, found)
        self._tasks[task_arn] = task
        return task

    @_notifies
    def reconcile(self) -> None:
        """Compare what the engine has (by label) with what we believe; report the differences."""
        found = self.client.api.containers(all=True, filters=self._filters())
        with self._lock:
            tasks = [t for t in self._tasks.values() if not t.starting and not t.removing]
        late: list[inventory.Found] = []
        findings = inventory.compare(self.client, found, tasks)
        with self._lock:
            for f in findings:
                task, c = f.task, f.container
                if f.finding == Finding.VANISHED:
                    self._stopped(task, c, 137, VANISHED_REASON)
                elif f.finding == Finding.EXITED:
                    c.oom = c.oom or f.oom
                    self._stopped(task, c, f.exit_code, None)
                elif f.finding == Finding.HEALTH:
                    if c.state == ContainerState.RUNNING and f.health != c.health:
                        self._emit(task, c, ContainerState.RUNNING, health=f.health)
                else:
                    late.append(f)
        for f in late:  # started but never reported: inspect and report (outside the lock)
            self._report_running(f.task, f.container)


def docker_runtime_factory(
    *,
    cluster: str,
    instance_id: str,
    docker_host: str | None,
    address: str | None,
    namespace: str | None,
    allow_unsafe: bool,
    connection: Connection | None = None,
) -> DockerRuntime:
    """What ``ecsedu.connect(runtime="docker")`` calls once per container instance.

    ``address`` ``None`` allocates the next address no other connection uses (and claims it for
    ``connection``'s life); a given address (restored from a state file) is kept.
    """
    own = connection is None
    conn = Connection(namespace) if connection is None else connection
    if address is None:
        address = conn.allocate_address(docker_host, acquire_engine(docker_host).client)
    else:
        conn.keep_address(docker_host, address)
    runtime = DockerRuntime(
        cluster=cluster,
        instance_id=instance_id,
        docker_host=docker_host,
        address=address,
        namespace=namespace,
        allow_unsafe=allow_unsafe,
        connection=conn,
    )
    runtime._own_connection = own  # a connection made here is closed with the runtime
    return runtime
