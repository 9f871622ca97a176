"""The ECS control plane, shaped like boto3's ECS client.

``ControlPlane`` has boto3's method names, takes boto3's keyword arguments and returns the
camelCase dicts ECS returns; errors are botocore ``ClientError`` subclasses with ECS's codes and
messages (``cp.exceptions.ClusterNotFoundException`` ...). Every request is first checked
against botocore's own model of ECS, then against ECS's own rules, before anything changes: a
failed call changes no state.

Beyond boto3, a few teaching helpers (documented as such): ``add_instances``, ``advance``,
``events``, ``snapshot``, ``inject``, ``save`` and ``close``.

Time only moves when ``advance`` is called (or a waiter waits): between two calls the world
stands still, so a notebook can look at every step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ecsedu import clock as clock_mod
from ecsedu import errors
from ecsedu import ids as ids_mod
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import (
    describe,
    lifecycle,
    placement,
    services,
    validation,
    views,
    waiters,
)
from ecsedu.engine import store as store_mod
from ecsedu.engine.api import clusters, instances, tags, task_definitions, tasks
from ecsedu.engine.api import services as services_api
from ecsedu.model import snapshot
from ecsedu.model import task_definition as td_mod
from ecsedu.runtimes import base

__all__ = ["ControlPlane", "RuntimeFactory"]


#: Builds the runtime of one container instance: (cluster name, instance id, options) → Runtime.
RuntimeFactory = Callable[[str, str, dict[str, Any]], base.Runtime]


class ControlPlane:
    """An in-process Amazon ECS: the object ``ecsedu.connect()`` returns."""

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
    ) -> None:
        self.clock = clock or clock_mod.SimClock()
        self.seed = seed
        self.store = store_mod.Store(
            clock=self.clock,
            ids=ids_mod.IdFactory(seed),
            runtime_name=runtime_name,
            explain_limit=explain_limit,
        )
        self.lifecycle = lifecycle.Lifecycle(
            self.store, lambda task: self.services.on_task_change(task), timings
        )
        self.services = services.ServiceController(self.store, self.lifecycle)
        self.runtime_factory = runtime_factory
        self.on_close = on_close
        self.safety_check = safety_check
        self.exceptions = errors.exceptions()
        self.meta = _Meta()

    # ======================================================================= teaching helpers
    def advance(self, seconds: float) -> dict[str, Any]:
        """Let ``seconds`` pass (simulated: instantly). Returns a short summary of the world."""
        self.clock.advance(seconds)
        return {"time": describe.timestamp(self.clock.now), "events": len(self.store.log)}

    def events(self, *, kind: str | None = None, since: int = 0) -> list[snapshot.EventView]:
        """The ordered log of everything that happened (optionally one ``kind``, from ``since``)."""
        return [e for e in self.store.event_views(since) if kind is None or e.kind == kind]

    def snapshot(self) -> snapshot.Snapshot:
        """An immutable view of the whole state: what renderers and widgets read."""
        return views.snapshot(self.store)

    def add_instances(
        self,
        cluster: str = "default",
        count: int = 2,
        cpu: int = 2048,
        memory: int = 4096,
        attributes: dict[str, str] | None = None,
        **runtime_options: Any,
    ) -> list[str]:
        """Teaching helper: register ``count`` container instances; returns their ARNs."""
        arns = []
        for _ in range(count):
            params: dict[str, Any] = {
                "cluster": cluster,
                "totalResources": [
                    {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
                    {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
                ],
                "attributes": [{"name": k, "value": v} for k, v in (attributes or {}).items()],
            }
            validation.check_shape("RegisterContainerInstance", params)
            resp = instances.register_instance(self, params, runtime_options)
            arns.append(resp["containerInstance"]["containerInstanceArn"])
        return arns

    def inject(self, fault: str, **target: Any) -> dict[str, Any]:
        """Teaching helper: inject an ECS-like fault. See ``ecsedu.engine.faults``."""
        from ecsedu.engine import faults

        return faults.inject(self, fault, **target)

    def get_waiter(self, waiter_name: str) -> waiters.Waiter:
        return waiters.get_waiter(self, waiter_name)

    def can_paginate(self, operation_name: str) -> bool:
        return _camel(operation_name) in _paginators()

    def get_paginator(self, operation_name: str) -> Any:
        """boto3's paginators (``ecs.get_paginator("list_tasks").paginate(cluster=...)``),
        driven by botocore's own paginator definitions for ECS."""
        import botocore.paginate

        name = _camel(operation_name)
        if name not in _paginators():
            raise ValueError(f"Operation cannot be paginated: {operation_name}")
        model = errors.service_model().operation_model(name)
        return botocore.paginate.Paginator(
            getattr(self, operation_name), _paginators()[name], model
        )

    def save(self, path: str) -> None:
        """Teaching helper: save the whole state as JSON (read back by ``connect(state=path)``)."""
        from ecsedu.engine import persist

        persist.save(self, path)

    def close(self, cleanup: bool = False) -> None:
        """Release runtimes; with ``cleanup`` also remove everything they created."""
        for agent in self.store.agents.values():
            agent.runtime.close(cleanup=cleanup)
        if self.on_close is not None:
            self.on_close(cleanup)

    def __enter__(self) -> ControlPlane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<ecsedu ECS ({self.store.runtime_name} runtime, seed {self.seed}): "
            f"{len(self.store.clusters)} clusters, {len(self.store.instances)} instances, "
            f"{len(self.store.tasks)} tasks, {len(self.store.services)} services>"
        )

    def _make_runtime(
        self, cluster: str, instance_id: str, n: int, options: dict[str, Any]
    ) -> base.Runtime:
        if self.runtime_factory is not None:
            return self.runtime_factory(cluster, instance_id, {"ordinal": n, **options})
        from ecsedu.runtimes import simulated

        return simulated.SimulatedRuntime(self.clock)

    def _on_report(self, report: agent_mod.AgentReport) -> None:
        self.lifecycle.on_report(report)

    # ==================================================== the ECS API (ecsedu/engine/api/*.py)
    create_cluster = clusters.create_cluster
    delete_cluster = clusters.delete_cluster
    describe_clusters = clusters.describe_clusters
    list_clusters = clusters.list_clusters
    register_container_instance = instances.register_container_instance
    deregister_container_instance = instances.deregister_container_instance
    describe_container_instances = instances.describe_container_instances
    list_container_instances = instances.list_container_instances
    update_container_instances_state = instances.update_container_instances_state
    register_task_definition = task_definitions.register_task_definition
    deregister_task_definition = task_definitions.deregister_task_definition
    describe_task_definition = task_definitions.describe_task_definition
    list_task_definitions = task_definitions.list_task_definitions
    list_task_definition_families = task_definitions.list_task_definition_families
    run_task = tasks.run_task
    start_task = tasks.start_task
    stop_task = tasks.stop_task
    describe_tasks = tasks.describe_tasks
    list_tasks = tasks.list_tasks
    create_service = services_api.create_service
    update_service = services_api.update_service
    delete_service = services_api.delete_service
    describe_services = services_api.describe_services
    list_services = services_api.list_services
    tag_resource = tags.tag_resource
    untag_resource = tags.untag_resource
    list_tags_for_resource = tags.list_tags_for_resource


def _camel(operation_name: str) -> str:
    """``list_tasks`` → ``ListTasks``."""
    return "".join(part.capitalize() for part in operation_name.split("_"))


@functools.lru_cache(maxsize=1)
def _paginators() -> dict[str, Any]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    pagination: dict[str, Any] = loader.load_service_model("ecs", "paginators-1")["pagination"]
    return pagination


class _Meta:
    """boto3 clients expose ``meta.region_name``; notebooks sometimes print it."""

    region_name = ids_mod.REGION
    service_model = property(lambda self: errors.service_model())
