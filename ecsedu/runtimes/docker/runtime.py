"""``DockerRuntime``: one container instance's containers on a real Docker engine."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsedu.errors import (
    EcsEduError,
    ImageNotFoundError,
    UnsafeTaskDefinitionError,
)
from ecsedu.runtimes import labels
from ecsedu.runtimes.base import ContainerEvent, ContainerSpec, ContainerState, Runtime, TaskSpec
from ecsedu.runtimes.docker.cleanup import CleanupResult, _cleanup
from ecsedu.runtimes.docker.common import (
    _HEALTH_OF,
    _NAME_UNSAFE,
    _STATE_OF,
    OOM_REASON,
    REMOVED_REASON,
    SHORT_ID,
    VANISHED_REASON,
    _first_line,
    _is_connection_error,
    _load_docker,
    log,
    map_docker_errors,
    missing_image_message,
    unavailable_message,
)
from ecsedu.runtimes.docker.engine import _engine, image_present

# -- names, labels, safety ------------------------------------------------------------------------


def _sanitize(text: str) -> str:
    return _NAME_UNSAFE.sub("-", text).strip("-.") or "x"


def container_name(cluster: str, task_id: str, name: str) -> str:
    """``ecsedu-<cluster>-<short task id>-<container name>``.

    >>> container_name("demo", "0123456789abcdef0123456789abcdef", "web")
    'ecsedu-demo-01234567-web'
    """
    return f"ecsedu-{_sanitize(cluster)}-{task_id[:SHORT_ID]}-{_sanitize(name)}"


def check_safe(spec: TaskSpec, allow_unsafe: bool = False) -> None:
    """Refuse task definitions that reach into the host unless ``allow_unsafe``.

    Privileged containers, host networking, host bind mounts and the Docker socket each give a
    container control over the learner's machine.

    Raises:
        UnsafeTaskDefinitionError: naming every problem and the opt-in.
    """
    if allow_unsafe:
        return
    problems: list[str] = []
    problems += [f"privileged mode (container {c.name!r})" for c in spec.containers if c.privileged]
    if spec.network_mode == "host":
        problems.append('networkMode "host"')
    for volume, source in spec.volumes:
        if source is None:
            continue
        if "docker.sock" in source:
            problems.append(f"the Docker socket (volume {volume!r}: {source})")
        else:
            problems.append(f"a host bind mount (volume {volume!r}: {source})")
    if problems:
        raise UnsafeTaskDefinitionError(
            f"task definition {spec.family!r} asks for {', '.join(problems)}, which would give its "
            "containers control of this machine; ecsedu refuses that unless you opt in with "
            "ecsedu.connect(..., allow_unsafe=True)"
        )


def _docker_labels(rt: DockerRuntime, spec: TaskSpec, container: ContainerSpec) -> dict[str, str]:
    family, _, revision = spec.task_definition_arn.rpartition("/")[2].partition(":")
    out = dict(container.docker_labels)
    out.update(
        {
            labels.CLUSTER: spec.cluster,
            labels.INSTANCE: rt.instance_id,
            labels.TASK_ARN: spec.task_arn,
            labels.TASK_DEFINITION: spec.task_definition_arn,
            labels.SERVICE: spec.service_name or "",
            labels.CONTAINER_NAME: container.name,
            labels.NAMESPACE: rt.namespace,
            labels.ECS_TASK_ARN: spec.task_arn,
            labels.ECS_CLUSTER: spec.cluster,
            labels.ECS_TASK_DEFINITION_FAMILY: spec.family or family,
            labels.ECS_TASK_DEFINITION_VERSION: revision,
            labels.ECS_CONTAINER_NAME: container.name,
        }
    )
    return out


def _environment(spec: TaskSpec, container: ContainerSpec, instance_id: str) -> dict[str, str]:
    env = {
        "ECS_CLUSTER": spec.cluster,
        "ECS_TASK_ARN": spec.task_arn,
        "ECS_TASK_ID": spec.task_id,
        "ECS_TASK_DEFINITION": spec.task_definition_arn.rpartition("/")[2],
        "ECS_CONTAINER_NAME": container.name,
        "ECS_CONTAINER_INSTANCE": instance_id,
    }
    env.update(dict(container.environment))  # the task definition's own values win
    return env


def _dependency_order(containers: Sequence[ContainerSpec]) -> list[ContainerSpec]:
    """Containers in dependsOn order (dependencies first); cycles fall back to definition order."""
    by_name = {c.name: c for c in containers}
    done: list[ContainerSpec] = []
    seen: set[str] = set()

    def visit(c: ContainerSpec, path: tuple[str, ...]) -> None:
        if c.name in seen or c.name in path:
            return
        for dep, _ in c.depends_on:
            if dep in by_name:
                visit(by_name[dep], (*path, c.name))
        seen.add(c.name)
        done.append(c)

    for c in containers:
        visit(c, ())
    return done


# -- the runtime ----------------------------------------------------------------------------------


@dataclass
class _Container:
    name: str
    docker_name: str = ""
    container_id: str | None = None
    state: ContainerState = ContainerState.PENDING
    health: str | None = None
    has_health: bool = False
    oom: bool = False
    exit_code: int | None = None  # reported exit code override (kill_container)
    started: bool = False
    bindings: tuple[tuple[int, int, str, str], ...] = ()


@dataclass
class _Task:
    task_arn: str
    spec: TaskSpec | None  # None for a task adopted from labels
    containers: dict[str, _Container] = field(default_factory=dict)
    network_id: str | None = None
    volumes: list[str] = field(default_factory=list)
    starting: bool = True
    stopping: bool = False
    removing: bool = False


class DockerRuntime(Runtime):
    """The Docker runtime of one container instance.

    Args:
        cluster: the cluster's name (for names and labels).
        instance_id: the container instance id (32 hex), stamped on every container.
        docker_host: the instance's Docker endpoint (``unix://``, ``tcp://``, ``ssh://``); ``None``
            means ``$DOCKER_HOST`` or the local socket.
        address: the host address that portMappings are published on (``127.0.0.N``).
        namespace: the owner namespace (default ``$ECSEDU_NAMESPACE`` or the unix user).
        allow_unsafe: allow privileged, host network and host mounts.
        client: a ``docker.DockerClient`` to use instead of the shared one (tests).
        pull: pull non-ecsedu images that are missing, where a registry answers.

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
    ) -> None:
        super().__init__()
        self.cluster = cluster
        self.instance_id = instance_id
        self.docker_host = docker_host
        self.address = address
        self.namespace = namespace or labels.default_namespace()
        self.allow_unsafe = allow_unsafe
        self.pull = pull
        self._engine = _engine(docker_host)
        self.client: Any = client if client is not None else self._engine.client
        self._events: queue.Queue[ContainerEvent] = queue.Queue()
        self._lock = threading.RLock()
        self._tasks: dict[str, _Task] = {}
        self._forgotten: set[str] = set()
        self._failures: dict[str, str] = {}
        self._closed = False
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

    @staticmethod
    def _task_prefix(spec: TaskSpec) -> str:
        return f"ecsedu-{_sanitize(spec.cluster)}-{spec.task_id[:SHORT_ID]}"

    def _resource_labels(self, spec: TaskSpec) -> dict[str, str]:
        """Labels of a task's network and volumes (found and removed by them, like containers)."""
        return {
            labels.NAMESPACE: self.namespace,
            labels.CLUSTER: spec.cluster,
            labels.INSTANCE: self.instance_id,
            labels.TASK_ARN: spec.task_arn,
        }

    def owns(self, attrs: dict[str, str]) -> bool:
        """Whether a container with these labels belongs to this runtime."""
        return (
            attrs.get(labels.NAMESPACE) == self.namespace
            and attrs.get(labels.INSTANCE) == self.instance_id
            and attrs.get(labels.CLUSTER) == self.cluster
        )

    def _emit(self, task: _Task, c: _Container, state: ContainerState, **kw: Any) -> None:
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
        if state == ContainerState.STOPPED:
            self._maybe_remove(task)

    def _stopped(
        self, task: _Task, c: _Container, exit_code: int | None, reason: str | None, **kw: Any
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

    # -- the interface ----------------------------------------------------------------------------
    check_safe = staticmethod(check_safe)

    def check_images(self, spec: TaskSpec) -> None:
        """Raise ``ImageNotFoundError`` naming the fix if an image of ``spec`` is not local."""
        for c in spec.containers:
            if not self._image_present(c.image):
                raise ImageNotFoundError(missing_image_message(c.image))

    def start_task(self, spec: TaskSpec) -> None:
        """Create and start the task's containers in the background; events arrive via ``poll``.

        Raises:
            UnsafeTaskDefinitionError: privileged/host access without ``allow_unsafe``.
        """
        check_safe(spec, self.allow_unsafe)
        task = _Task(spec.task_arn, spec)
        for c in spec.containers:
            task.containers[c.name] = _Container(
                c.name,
                container_name(spec.cluster, spec.task_id, c.name),
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

    def list_tasks(self) -> dict[str, dict[str, ContainerState]]:
        """What this instance really runs, by label: task ARN → container name → state.

        Tasks found on the engine and unknown to this runtime are adopted (after a restart).
        """
        with map_docker_errors(self.docker_host):
            found = self.client.api.containers(all=True, filters=self._filters())
        out: dict[str, dict[str, ContainerState]] = {}
        for summary in found:
            lab = summary.get("Labels") or {}
            arn, cname = lab.get(labels.TASK_ARN), lab.get(labels.CONTAINER_NAME)
            if not arn or not cname:
                continue
            state = _STATE_OF.get(str(summary.get("State")), ContainerState.STOPPED)
            out.setdefault(arn, {})[cname] = state
            with self._lock:
                if arn not in self._tasks and arn not in self._forgotten:
                    self._tasks[arn] = _Task(arn, None, starting=False)
                task = self._tasks.get(arn)
                if task is not None and cname not in task.containers:
                    names = summary.get("Names") or [""]
                    task.containers[cname] = _Container(
                        cname, str(names[0]).lstrip("/"), str(summary["Id"]), state, started=True
                    )
        return out

    def adopt(
        self, spec: TaskSpec, known: dict[str, tuple[ContainerState, Any]]
    ) -> dict[str, ContainerState]:
        """After a kernel restart: take charge of the task's containers again, found by label.

        Reality wins over ``known`` (what the state file last heard): the states returned are
        Docker's. The task keeps its spec, so stops follow ``dependsOn`` and health is followed.
        """
        filters = self._filters()
        filters["label"].append(f"{labels.TASK_ARN}={spec.task_arn}")
        with map_docker_errors(self.docker_host):
            found = self.client.api.containers(all=True, filters=filters)
        health = {c.name: c.health_check is not None for c in spec.containers}
        task = _Task(spec.task_arn, spec, starting=False)
        out: dict[str, ContainerState] = {}
        for summary in found:
            cname = (summary.get("Labels") or {}).get(labels.CONTAINER_NAME, "")
            if cname not in health:
                continue
            state = _STATE_OF.get(str(summary.get("State")), ContainerState.STOPPED)
            names = summary.get("Names") or [""]
            task.containers[cname] = _Container(
                cname,
                str(names[0]).lstrip("/"),
                str(summary["Id"]),
                state,
                has_health=health[cname],
                started=True,
            )
            out[cname] = state
        if not found:
            return out
        with self._lock:
            self._tasks[spec.task_arn] = task
            self._forgotten.discard(spec.task_arn)
            if all(c.state == ContainerState.STOPPED for c in task.containers.values()):
                self._maybe_remove(task)  # nothing left to run: tidy up what died meanwhile
        return out

    def close(self, cleanup: bool = False) -> None:
        """Stop following the engine; with ``cleanup`` remove this instance's containers too."""
        if self._closed:
            return
        self._closed = True
        self._engine.unsubscribe(self)
        with self._lock:  # start workers still running stop before creating anything more
            for task in self._tasks.values():
                task.stopping = True
        if cleanup:
            _cleanup(self.client, self._filters())

    def cleanup(self) -> CleanupResult:
        """Remove every container, network and volume of this runtime's namespace (any instance)."""
        return _cleanup(self.client, {"label": labels.namespace_filter(self.namespace)})

    # -- starting ---------------------------------------------------------------------------------
    def _image_present(self, image: str) -> bool:
        return image_present(self.client, image)

    def _ensure_image(self, image: str) -> str | None:
        """None when the image is there (pulling it if allowed), else the failure reason."""
        docker = _load_docker()
        try:
            if self._image_present(image):
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
            return None if self._image_present(image) else missing_image_message(image)
        except docker.errors.APIError as exc:
            return missing_image_message(image, exc.explanation or exc)

    def _fail_start(self, task: _Task, reason: str, failed: str | None = None) -> None:
        with self._lock:
            self._failures[task.task_arn] = reason
            task.starting = False
            for c in task.containers.values():
                if c.state != ContainerState.STOPPED and not c.started:
                    self._stopped(
                        task,
                        c,
                        None,
                        reason if failed in (None, c.name) else None,
                        start_failed=True,
                    )
            self._maybe_remove(task)

    def _start_worker(self, task: _Task) -> None:
        spec = task.spec
        assert spec is not None
        try:
            for c in spec.containers:
                missing = self._ensure_image(c.image)
                if missing is not None:
                    self._fail_start(task, f"CannotPullContainerError: {missing}", c.name)
                    return
            self._create_network(task, spec)
            for c in _dependency_order(spec.containers):
                with self._lock:
                    if task.stopping:
                        break
                problem = self._wait_dependencies(task, c)
                if problem is not None:
                    self._fail_start(task, problem, c.name)
                    return
                self._create_and_start(task, spec, c)
        except Exception as exc:
            if _is_connection_error(exc):
                reason = f"CannotStartContainerError: {unavailable_message(self.docker_host, exc)}"
            else:
                detail = _first_line(getattr(exc, "explanation", None) or exc)
                reason = f"CannotStartContainerError: {detail}"
            self._fail_start(task, reason)
            return
        finally:
            with self._lock:
                task.starting = False
                stop_now = task.stopping
                if not stop_now:
                    self._maybe_remove(task)
        if stop_now:
            self._stop_worker(task, 0)

    def _create_network(self, task: _Task, spec: TaskSpec) -> None:
        if len(spec.containers) < 2 or spec.network_mode not in ("bridge", "awsvpc"):
            return
        name = f"{self._task_prefix(spec)}-{_sanitize(self.namespace)}"
        try:
            created = self.client.api.create_network(
                name, driver="bridge", labels=self._resource_labels(spec)
            )
            task.network_id = str(created["Id"])
        except Exception as exc:  # address pools exhausted ...: fall back to the default bridge
            log.warning(
                "no task network for %s (%s); using the default bridge",
                spec.task_arn,
                _first_line(exc),
            )

    def _wait_dependencies(self, task: _Task, c: ContainerSpec) -> str | None:
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

    def _create_and_start(self, task: _Task, spec: TaskSpec, c: ContainerSpec) -> None:
        docker = _load_docker()
        api = self.client.api
        record = task.containers[c.name]
        ports = [(p.container_port, p.protocol) for p in c.ports]
        port_bindings = {
            f"{p.container_port}/{p.protocol}": (self.address, p.host_port or None) for p in c.ports
        }
        binds: dict[str, dict[str, str]] = {}
        volume_sources = dict(spec.volumes)
        for source_volume, container_path, read_only in c.mount_points:
            host_path = volume_sources.get(source_volume)
            if host_path is None:
                host_path = f"{self._task_prefix(spec)}-{_sanitize(source_volume)}"
                if host_path not in task.volumes:
                    api.create_volume(host_path, labels=self._resource_labels(spec))
                    task.volumes.append(host_path)
            binds[host_path] = {"bind": container_path, "mode": "ro" if read_only else "rw"}
        network_mode = {"host": "host", "none": "none"}.get(spec.network_mode)
        links = [
            (task.containers[name.partition(":")[0]].docker_name, name.partition(":")[2] or name)
            for name in c.links
            if name.partition(":")[0] in task.containers
        ]
        host_config = api.create_host_config(
            port_bindings=port_bindings or None,
            cpu_shares=max(2, c.cpu),
            mem_limit=f"{c.memory}m" if c.memory else None,
            mem_reservation=f"{c.memory_reservation}m" if c.memory_reservation else None,
            privileged=c.privileged,
            binds=binds or None,
            network_mode=network_mode or (task.network_id or "bridge"),
            links=links if (links and task.network_id is None and network_mode is None) else None,
        )
        networking = None
        if task.network_id is not None and network_mode is None:
            endpoint = api.create_endpoint_config(aliases=[c.name], links=links or None)
            networking = api.create_networking_config({task.network_id: endpoint})
        healthcheck = None
        if c.health_check is not None:
            hc = c.health_check
            healthcheck = {
                "test": list(hc.command),
                "interval": int(hc.interval * 1e9),
                "timeout": int(hc.timeout * 1e9),
                "retries": hc.retries,
                "start_period": int(hc.start_period * 1e9),
            }
        kwargs: dict[str, Any] = {
            "command": list(c.command) if c.command is not None else None,
            "entrypoint": list(c.entry_point) if c.entry_point is not None else None,
            "environment": _environment(spec, c, self.instance_id),
            "labels": _docker_labels(self, spec, c),
            "ports": ports or None,
            "host_config": host_config,
            "networking_config": networking,
            "healthcheck": healthcheck,
            "stop_timeout": c.stop_timeout,
            "user": c.user,
            "working_dir": c.working_directory,
        }
        candidates = [record.docker_name, f"{record.docker_name}-{_sanitize(self.namespace)}"]
        candidates.append(f"{candidates[1]}-{self.instance_id[:SHORT_ID]}")
        created: dict[str, Any] | None = None
        for candidate in candidates:
            try:
                created = api.create_container(c.image, name=candidate, **kwargs)
            except docker.errors.APIError as exc:
                if exc.status_code == 409:  # the name is taken (another namespace, a leftover)
                    continue
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
        api.start(cid)
        with self._lock:
            record.started = True
        self._report_running(task, record)

    def _report_running(self, task: _Task, record: _Container) -> None:
        docker = _load_docker()
        try:
            info = self.client.api.inspect_container(record.container_id)
        except docker.errors.NotFound:
            return
        state = info.get("State") or {}
        with self._lock:
            if state.get("Running"):
                health = "UNKNOWN" if record.has_health else None
                self._emit(
                    task, record, ContainerState.RUNNING, bindings=_bindings(info), health=health
                )
            elif state.get("Status") in ("exited", "dead"):
                if state.get("OOMKilled"):
                    record.oom = True
                self._stopped(task, record, int(state.get("ExitCode", 0)), None)

    # -- what the engine tells us -----------------------------------------------------------------
    def _on_docker_event(self, action: str, container_id: str, attrs: dict[str, str]) -> None:
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

    def _adopt_from_engine(self, task_arn: str) -> _Task | None:
        """Learn a task we have no record of from its labels (after a restart). Lock held."""
        if task_arn in self._forgotten:
            return None
        filters = self._filters()
        filters["label"].append(f"{labels.TASK_ARN}={task_arn}")
        try:
            found = self.client.api.containers(all=True, filters=filters)
        except Exception:
            return None
        if not found:
            return None
        task = _Task(task_arn, None, starting=False)
        for summary in found:
            lab = summary.get("Labels") or {}
            cname = lab.get(labels.CONTAINER_NAME, "")
            names = summary.get("Names") or [""]
            state = _STATE_OF.get(str(summary.get("State")), ContainerState.STOPPED)
            task.containers[cname] = _Container(
                cname, str(names[0]).lstrip("/"), str(summary["Id"]), state, started=True
            )
        self._tasks[task_arn] = task
        return task

    def reconcile(self) -> None:
        """Compare what the engine has (by label) with what we believe; report the differences."""
        docker = _load_docker()
        found = self.client.api.containers(all=True, filters=self._filters())
        by_id = {str(s["Id"]): s for s in found}
        with self._lock:
            tasks = [t for t in self._tasks.values() if not t.starting and not t.removing]
        for task in tasks:
            for c in list(task.containers.values()):
                if c.container_id is None or c.state == ContainerState.STOPPED:
                    continue
                summary = by_id.get(c.container_id)
                if summary is None:
                    with self._lock:
                        self._stopped(task, c, 137, VANISHED_REASON)
                    continue
                docker_state = str(summary.get("State"))
                if docker_state in ("exited", "dead") or (
                    c.has_health and docker_state == "running"
                ):
                    try:
                        info = self.client.api.inspect_container(c.container_id)
                    except docker.errors.NotFound:
                        with self._lock:
                            self._stopped(task, c, 137, VANISHED_REASON)
                        continue
                    state = info.get("State") or {}
                    with self._lock:
                        if docker_state in ("exited", "dead"):
                            c.oom = c.oom or bool(state.get("OOMKilled"))
                            self._stopped(task, c, int(state.get("ExitCode", 0)), None)
                        else:
                            health = _HEALTH_OF.get(str((state.get("Health") or {}).get("Status")))
                            if health and c.state == ContainerState.RUNNING and health != c.health:
                                self._emit(task, c, ContainerState.RUNNING, health=health)
                elif docker_state == "running" and c.state == ContainerState.PENDING and c.started:
                    self._report_running(task, c)

    # -- stopping and removing --------------------------------------------------------------------
    def _stop_worker(self, task: _Task, timeout: float) -> None:
        docker = _load_docker()
        with self._lock:
            if task.starting:
                return  # the start worker stops it when it finishes
            order = list(task.containers.values())
            if task.spec is not None:
                rank = {c.name: i for i, c in enumerate(_dependency_order(task.spec.containers))}
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

    def _maybe_remove(self, task: _Task) -> None:
        """Once every container has stopped, remove them and the task network. Lock held."""
        if task.removing or task.starting:
            return
        if any(c.state != ContainerState.STOPPED for c in task.containers.values()):
            return
        task.removing = True
        self._engine.pool.submit(self._remove_task, task)

    def _remove_task(self, task: _Task) -> None:
        api = self.client.api
        for c in task.containers.values():
            if c.container_id is not None:
                with contextlib.suppress(Exception):
                    api.remove_container(c.container_id, v=True, force=True)
        if task.network_id is not None:
            with contextlib.suppress(Exception):
                api.remove_network(task.network_id)
        for volume in task.volumes:
            with contextlib.suppress(Exception):
                api.remove_volume(volume, force=True)
        with self._lock:
            self._tasks.pop(task.task_arn, None)
            self._forgotten.add(task.task_arn)


def _bindings(info: dict[str, Any]) -> tuple[tuple[int, int, str, str], ...]:
    ports = (info.get("NetworkSettings") or {}).get("Ports") or {}
    out: list[tuple[int, int, str, str]] = []
    for key, published in sorted(ports.items()):
        if not published:
            continue
        port, _, protocol = str(key).partition("/")
        for binding in published:
            out.append(
                (
                    int(port),
                    int(binding["HostPort"]),
                    protocol or "tcp",
                    str(binding.get("HostIp") or ""),
                )
            )
    return tuple(out)


def docker_runtime_factory(
    *,
    cluster: str,
    instance_id: str,
    docker_host: str | None,
    address: str,
    namespace: str | None,
    allow_unsafe: bool,
) -> DockerRuntime:
    """What ``ecsedu.connect(runtime="docker")`` calls once per container instance."""
    return DockerRuntime(
        cluster=cluster,
        instance_id=instance_id,
        docker_host=docker_host,
        address=address,
        namespace=namespace,
        allow_unsafe=allow_unsafe,
    )
