"""``ecsedu.connect(runtime="docker")``: the control plane on the wall clock, over real Docker.

Each container instance gets its own ``DockerRuntime`` (its own agent, resource budget and
loopback address 127.0.0.N for published ports, as if each were a separate host). By default
all instances share the local engine; ``add_instances(..., docker_host="unix:///…")`` binds
instances to another engine. The engine runs by itself on the wall clock: its driver applies
what Docker reports and runs due timers whether anyone calls or not.
"""

from __future__ import annotations

from typing import Any

from ecsedu import clock as clock_mod
from ecsedu import errors
from ecsedu.engine import control_plane, lifecycle
from ecsedu.model import task_definition as td_mod
from ecsedu.runtimes import base

__all__ = ["build"]


#: On real containers the ACTIVATING / DEACTIVATING steps have nothing to wait for (no load
#: balancer to register with or drain): a task still passes through both states, on the next
#: clock turn instead of a full simulated second each (which made scaling 0 -> 20 about 1 s slower
#: than the containers themselves). ``connect("docker", timings=TaskTimings(...))`` overrides it.
WALL_CLOCK_TIMINGS = lifecycle.WALL_CLOCK_TIMINGS


def build(
    *,
    seed: int,
    allow_unsafe: bool,
    namespace: str | None = None,
    docker_host: str | None = None,
    **options: Any,
) -> control_plane.ControlPlane:
    from ecsedu.runtimes import docker as docker_rt

    docker_rt.check_engine(docker_host)
    clock = clock_mod.WallClock()
    # This connection: its id labels every container it creates; it claims its instances'
    # addresses (127.0.0.N, never one another connection on this machine uses) until close.
    connection = docker_rt.Connection(namespace)
    hosts: list[str | None] = [docker_host]

    def factory(cluster: str, instance_id: str, opts: dict[str, Any]) -> base.Runtime:
        host = opts.get("docker_host", docker_host)
        if host != docker_host:
            docker_rt.check_engine(host)
        if host not in hosts:
            hosts.append(host)
        return docker_rt.docker_runtime_factory(
            cluster=cluster,
            instance_id=instance_id,
            docker_host=host,
            address=opts.get("address") or None,  # restored from a state file: kept
            namespace=namespace,
            allow_unsafe=allow_unsafe,
            connection=connection,
        )

    def on_close(cleanup: bool) -> None:
        # Only this connection's containers, networks and volumes (and those of the connections
        # it adopted from a state file); other connections of the namespace keep theirs.
        # Namespace-wide cleanup is the CLI's: python -m ecsedu cleanup.
        try:
            if cleanup:
                for host in hosts:
                    try:
                        docker_rt.cleanup_connection(
                            connection.namespace, connection.claimed, docker_host=host
                        )
                    except errors.EcsEduError:
                        if host == docker_host:
                            raise  # another engine may be gone: its containers went with it
        finally:
            connection.close()

    options.setdefault("timings", WALL_CLOCK_TIMINGS)
    from ecsedu.runtimes.docker import proxy

    cp = control_plane.ControlPlane(
        seed=seed,
        clock=clock,
        runtime_factory=factory,
        runtime_name="docker",
        on_close=on_close,
        safety_check=lambda td, op: safety_check(td, op),
        # load balancers get a real HTTP proxy on 127.0.0.1 (also after reset())
        lb_backend=proxy.ProxyBackend,
        **options,
    )

    def safety_check(td: td_mod.TaskDefinition, operation: str) -> None:
        spec = base.TaskSpec(
            task_arn="",
            task_id="",
            cluster="",
            instance_id="",
            task_definition_arn=td.arn,
            family=td.family,
            network_mode=td.network_mode,
            containers=lifecycle.container_specs(td, None),
            volumes=tuple((v.name, v.host_source_path) for v in td.volumes),
        )
        docker_rt.check_safe(spec, allow_unsafe)

    return cp
