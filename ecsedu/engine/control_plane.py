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

import base64
import dataclasses
import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from ecsedu import clock as clock_mod
from ecsedu import errors
from ecsedu import ids as ids_mod
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import (
    describe,
    lifecycle,
    placement,
    query,
    services,
    validation,
    views,
    waiters,
)
from ecsedu.engine import store as store_mod
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import snapshot
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod
from ecsedu.runtimes import base

__all__ = ["ControlPlane", "RuntimeFactory"]

EV = events_mod.EventKind
S = task_mod.TaskStatus
ARN = store_mod.ARN_PREFIX
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")

#: Builds the runtime of one container instance: (cluster name, instance id, options) → Runtime.
RuntimeFactory = Callable[[str, str, dict[str, Any]], base.Runtime]
F = TypeVar("F", bound=Callable[..., Any])


def api(operation: str) -> Callable[[F], F]:
    """Mark a method as ECS ``operation``: keyword arguments only, shape-checked first."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(self: ControlPlane, *args: Any, **params: Any) -> Any:
            if args:
                raise TypeError(f"{fn.__name__}() only accepts keyword arguments.")
            validation.check_shape(operation, params)
            _check_tags(operation, params)
            return fn(self, **params)

        return call  # type: ignore[return-value]

    return wrap


def _check_tags(operation: str, params: dict[str, Any]) -> None:
    """Every tag needs a key (botocore's model leaves ``key`` optional; ECS does not)."""
    for tag in params.get("tags") or []:
        if not tag.get("key"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Tag keys must not be empty.",
                operation,  # our wording
            )


def _page(items: list[Any], params: dict[str, Any], key: str, operation: str) -> dict[str, Any]:
    """ECS-style pagination with ``maxResults`` / ``nextToken``."""
    limit = params.get("maxResults") or 100
    token = params.get("nextToken")
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except (ValueError, UnicodeDecodeError):
            raise errors.ecs_error(
                "InvalidParameterException", "Invalid nextToken.", operation
            ) from None
    if not 1 <= int(limit) <= 100:
        raise errors.ecs_error(
            "InvalidParameterException", "maxResults must be between 1 and 100.", operation
        )
    chunk = items[start : start + int(limit)]
    out: dict[str, Any] = {key: chunk}
    if start + int(limit) < len(items):
        out["nextToken"] = base64.b64encode(str(start + int(limit)).encode()).decode()
    return out


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
            resp = self._register_instance(params, runtime_options)
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

    # ================================================================================ clusters
    @api("CreateCluster")
    def create_cluster(self, **params: Any) -> dict[str, Any]:
        name = params.get("clusterName") or "default"
        if not validation.NAME_RE.match(name) or len(name) > 255:
            raise errors.ecs_error(
                "InvalidParameterException",
                # our wording
                "Cluster name can have up to 255 characters: letters, numbers, hyphens and "
                "underscores.",
                "CreateCluster",
            )
        arn = f"{ARN}cluster/{name}"
        existing = self.store.clusters.get(arn)
        if existing is not None and existing.status == "ACTIVE":
            return {"cluster": describe.cluster(existing, tags=True)}
        c = cluster_mod.Cluster(
            arn=arn,
            name=name,
            created_at=self.clock.now,
            tags=list(params.get("tags", [])),
            settings=list(params.get("settings", [])),
        )
        self.store.clusters[arn] = c
        self.store.indexes[arn] = placement.ClusterIndex()
        self.services.start_sweeps()
        self.store.record(EV.API_CALL, f"cluster {name} created", cluster_arn=arn, subject=arn)
        return {"cluster": describe.cluster(c, tags=True)}

    @api("DeleteCluster")
    def delete_cluster(self, **params: Any) -> dict[str, Any]:
        c = self.store.cluster(params["cluster"], "DeleteCluster")
        if any(
            i.cluster_arn == c.arn and i.status in ("ACTIVE", "DRAINING")
            for i in self.store.instances.values()
        ):
            raise errors.ecs_error(
                "ClusterContainsContainerInstancesException",
                "The Cluster cannot be deleted while Container Instances are active or draining.",
                "DeleteCluster",
            )
        if any(
            s.cluster_arn == c.arn and s.status in ("ACTIVE", "DRAINING")
            for s in self.store.services.values()
        ):
            raise errors.ecs_error(
                "ClusterContainsServicesException",
                "The Cluster cannot be deleted while Services are active.",
                "DeleteCluster",
            )
        if any(
            t.cluster_arn == c.arn and t.last_status is not S.STOPPED
            for t in self.store.tasks.values()
        ):
            raise errors.ecs_error(
                "ClusterContainsTasksException",
                "The Cluster cannot be deleted while Tasks are active.",
                "DeleteCluster",
            )
        c.status = "INACTIVE"
        self.store.record(
            EV.API_CALL, f"cluster {c.name} deleted", cluster_arn=c.arn, subject=c.arn
        )
        return {"cluster": describe.cluster(c)}

    @api("DescribeClusters")
    def describe_clusters(self, **params: Any) -> dict[str, Any]:
        include = set(params.get("include", []))
        out, failures = [], []
        for ref in params.get("clusters") or ["default"]:
            c = self.store.find_cluster(ref)
            if c is None:
                arn = ref if ref.startswith(ARN) else f"{ARN}cluster/{ref}"
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                out.append(
                    describe.cluster(c, statistics="STATISTICS" in include, tags="TAGS" in include)
                )
        return {"clusters": out, "failures": failures}

    @api("ListClusters")
    def list_clusters(self, **params: Any) -> dict[str, Any]:
        arns = [c.arn for c in self.store.clusters.values() if c.status == "ACTIVE"]
        return _page(arns, params, "clusterArns", "ListClusters")

    # ===================================================================== container instances
    @api("RegisterContainerInstance")
    def register_container_instance(self, **params: Any) -> dict[str, Any]:
        return self._register_instance(params, {})

    def _register_instance(
        self, params: dict[str, Any], runtime_options: dict[str, Any]
    ) -> dict[str, Any]:
        op = "RegisterContainerInstance"
        c = self.store.cluster(params.get("cluster"), op)
        cpu, memory = 2048, 3768
        ports: tuple[str, ...] = ci_mod.DEFAULT_RESERVED_PORTS
        ports_udp: tuple[str, ...] = ()
        for r in params.get("totalResources", []):
            name = r.get("name")
            if name == "CPU":
                cpu = int(r.get("integerValue", cpu))
            elif name == "MEMORY":
                memory = int(r.get("integerValue", memory))
            elif name == "PORTS":
                ports = tuple(r.get("stringSetValue", ports))
            elif name == "PORTS_UDP":
                ports_udp = tuple(r.get("stringSetValue", ()))
        if cpu < 0 or memory < 0:
            raise errors.ecs_error(
                "InvalidParameterException", "Resources must be non-negative.", op
            )
        ids = self.store.ids
        index = self.store.indexes[c.arn]
        instance_id = ids.hex32()
        ec2_id = ids.ec2_instance_id()
        n = len(index)
        attributes: dict[str, str | None] = {
            "ecs.availability-zone": AZS[n % len(AZS)],
            "ecs.instance-type": _instance_type(cpu, memory),
            "ecs.os-type": "linux",
            "ecs.os-family": "LINUX",
            "ecs.cpu-architecture": "x86_64",
            "ecs.ami-id": "ami-0ecsedu000000000",
            "ecs.vpc-id": "vpc-0ecsedu0",
            "ecs.subnet-id": f"subnet-0ecsedu{n % len(AZS)}",
            "ecs.capability.execution-role-awslogs": None,
            "ecs.capability.task-eni": None,
            "com.amazonaws.ecs.capability.docker-remote-api.1.17": None,
            "com.amazonaws.ecs.capability.docker-remote-api.1.18": None,
            "com.amazonaws.ecs.capability.docker-remote-api.1.19": None,
            "com.amazonaws.ecs.capability.docker-remote-api.1.21": None,
            "com.amazonaws.ecs.capability.docker-remote-api.1.24": None,
            "com.amazonaws.ecs.capability.docker-remote-api.1.29": None,
            "com.amazonaws.ecs.capability.logging-driver.json-file": None,
            "com.amazonaws.ecs.capability.logging-driver.awslogs": None,
            "com.amazonaws.ecs.capability.logging-driver.none": None,
            "com.amazonaws.ecs.capability.task-iam-role": None,
            "ecs.capability.container-health-check": None,
            "ecs.capability.container-ordering": None,
        }
        for a in params.get("attributes", []):
            attributes[a["name"]] = a.get("value")
        arn = f"{ARN}container-instance/{c.name}/{instance_id}"
        inst = ci_mod.ContainerInstance(
            arn=arn,
            id=instance_id,
            cluster_arn=c.arn,
            ec2_instance_id=ec2_id,
            registered_cpu=cpu,
            registered_memory=memory,
            registered_at=self.clock.now,
            attributes=attributes,
            remaining_cpu=cpu,
            remaining_memory=memory,
            reserved_ports=ports,
            reserved_ports_udp=ports_udp,
            tags=list(params.get("tags", [])),
            docker_host=runtime_options.get("docker_host"),
        )
        runtime = self._make_runtime(c.name, instance_id, n, runtime_options)
        inst.address = getattr(runtime, "address", None)
        self.store.instances[arn] = inst
        index.add(inst)
        self.store.agents[arn] = agent_mod.ContainerAgent(arn, runtime, self._on_report)
        c.registered_container_instances_count += 1
        self.store.record(
            EV.AGENT_CONNECTED,
            f"agent on {instance_id} connected (instance registered)",
            cluster_arn=c.arn,
            subject=arn,
        )
        self._cluster_changed(c.arn)
        return {"containerInstance": describe.container_instance(inst, tags=True)}

    def _make_runtime(
        self, cluster: str, instance_id: str, n: int, options: dict[str, Any]
    ) -> base.Runtime:
        if self.runtime_factory is not None:
            return self.runtime_factory(cluster, instance_id, {"ordinal": n, **options})
        from ecsedu.runtimes import simulated

        return simulated.SimulatedRuntime(self.clock)

    def _on_report(self, report: agent_mod.AgentReport) -> None:
        self.lifecycle.on_report(report)

    def _cluster_changed(self, cluster_arn: str) -> None:
        for s in self.store.services.values():
            if s.cluster_arn == cluster_arn and s.status != "INACTIVE":
                self.services.request(s)

    def _instances(
        self, c: cluster_mod.Cluster, refs: list[str], op: str
    ) -> list[ci_mod.ContainerInstance]:
        out = []
        for ref in refs:
            inst = self.store.instances.get(self.store.instance_arn(c, ref))
            if inst is None or inst.cluster_arn != c.arn:
                raise errors.ecs_error(
                    "InvalidParameterException",
                    f"Container instance not found: {ref}",  # our wording
                    op,
                )
            out.append(inst)
        return out

    @api("DeregisterContainerInstance")
    def deregister_container_instance(self, **params: Any) -> dict[str, Any]:
        op = "DeregisterContainerInstance"
        c = self.store.cluster(params.get("cluster"), op)
        (inst,) = self._instances(c, [params["containerInstance"]], op)
        alive = [
            t
            for t in self.store.tasks.values()
            if t.container_instance_arn == inst.arn and t.last_status is not S.STOPPED
        ]
        if alive and not params.get("force"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Found running tasks on the instance.",  # our wording
                op,
            )
        if inst.status != "INACTIVE":
            c.registered_container_instances_count -= 1
        inst.status = "INACTIVE"
        inst.version += 1
        self.store.indexes[c.arn].update(inst)
        agent = self.store.agents[inst.arn]
        for t in alive:
            if t.desired_status == "RUNNING":
                self.lifecycle.stop(
                    t,
                    "TaskFailedToStart" if not t.reached_running else "TerminationNotice",
                    "Container instance deregistration forced by user",
                )
            if agent.connected:
                agent.stop_task(t.arn, 0.0)
            self.lifecycle.force_stopped(
                t,
                t.stop_code or "TerminationNotice",
                "Container instance deregistration forced by user",
            )
        self.store.record(
            EV.INSTANCE_STATE_CHANGE,
            f"instance {inst.id} INACTIVE (deregistered)",
            cluster_arn=c.arn,
            subject=inst.arn,
            status="INACTIVE",
        )
        self._cluster_changed(c.arn)
        return {"containerInstance": describe.container_instance(inst)}

    @api("DescribeContainerInstances")
    def describe_container_instances(self, **params: Any) -> dict[str, Any]:
        c = self.store.cluster(params.get("cluster"), "DescribeContainerInstances")
        include = set(params.get("include", []))
        out, failures = [], []
        for ref in params["containerInstances"]:
            inst = self.store.instances.get(self.store.instance_arn(c, ref))
            if inst is None or inst.cluster_arn != c.arn:
                failures.append({"arn": self.store.instance_arn(c, ref), "reason": "MISSING"})
            else:
                out.append(describe.container_instance(inst, tags="TAGS" in include))
        return {"containerInstances": out, "failures": failures}

    @api("ListContainerInstances")
    def list_container_instances(self, **params: Any) -> dict[str, Any]:
        c = self.store.cluster(params.get("cluster"), "ListContainerInstances")
        validation.check_enums("ListContainerInstances", params)
        status = params.get("status")
        expr = params.get("filter")
        q = query.compile_expression(expr, "ListContainerInstances") if expr else None
        arns = [
            i.arn
            for i in self.store.indexes[c.arn].instances
            if (i.status == status if status else i.status in ("ACTIVE", "DRAINING"))
            and (q is None or q.matches(i))
        ]
        return _page(arns, params, "containerInstanceArns", "ListContainerInstances")

    @api("UpdateContainerInstancesState")
    def update_container_instances_state(self, **params: Any) -> dict[str, Any]:
        op = "UpdateContainerInstancesState"
        c = self.store.cluster(params.get("cluster"), op)
        status = params["status"]
        if status not in ("ACTIVE", "DRAINING"):
            raise errors.ecs_error(
                "InvalidParameterException",
                # our wording
                f"Container instances status should be one of [ACTIVE, DRAINING]. Found: {status}",
                op,
            )
        out, failures = [], []
        for ref in params["containerInstances"]:
            inst = self.store.instances.get(self.store.instance_arn(c, ref))
            if inst is None or inst.cluster_arn != c.arn or inst.status == "INACTIVE":
                failures.append({"arn": self.store.instance_arn(c, ref), "reason": "MISSING"})
                continue
            if inst.status != status:
                inst.status = status
                inst.version += 1
                self.store.indexes[c.arn].update(inst)
                self.store.record(
                    EV.INSTANCE_STATE_CHANGE,
                    f"instance {inst.id} {status}",
                    cluster_arn=c.arn,
                    subject=inst.arn,
                    status=status,
                )
                if status == "DRAINING":
                    self._drain_pending(inst)
            out.append(describe.container_instance(inst))
        self._cluster_changed(c.arn)
        return {"containerInstances": out, "failures": failures}

    def _drain_pending(self, inst: ci_mod.ContainerInstance) -> None:
        """DRAINING: the service's PENDING tasks on the instance stop at once."""
        for t in list(self.store.tasks.values()):
            if (
                t.container_instance_arn == inst.arn
                and t.service_name is not None
                and t.alive
                and t.last_status in (S.PROVISIONING, S.PENDING)
            ):
                self.lifecycle.stop(
                    t,
                    "ServiceSchedulerInitiated",
                    f"Service {t.service_name}: container instance is in DRAINING state",
                )

    # ====================================================================== task definitions
    @api("RegisterTaskDefinition")
    def register_task_definition(self, **params: Any) -> dict[str, Any]:
        validation.check_register_task_definition(params)
        family = params["family"]
        revisions = self.store.families.setdefault(family, [])
        revision = len(revisions) + 1
        arn = f"{ARN}task-definition/{family}:{revision}"
        try:
            td = td_mod.TaskDefinition.from_request(
                params, arn=arn, revision=revision, registered_at=self.clock.now
            )
        except Exception:
            if not revisions:
                del self.store.families[family]
            raise
        revisions.append(td)
        request = {k: v for k, v in params.items() if k != "tags"}
        self.store.td_requests[arn] = json.loads(json.dumps(request, default=str))
        tags = list(params.get("tags", []))
        self.store.td_tags[arn] = tags
        self.store.record(EV.API_CALL, f"task definition {td.name} registered", subject=arn)
        return {"taskDefinition": describe.task_definition(td), "tags": [dict(t) for t in tags]}

    def _td_or_error(
        self,
        ref: str,
        op: str,
        code: str = "ClientException",
        message: str = "Unable to describe task definition.",
    ) -> td_mod.TaskDefinition:
        td = self.store.task_definition(ref, op)
        if td is None:
            raise errors.ecs_error(code, message, op)
        return td

    @api("DeregisterTaskDefinition")
    def deregister_task_definition(self, **params: Any) -> dict[str, Any]:
        op = "DeregisterTaskDefinition"
        ref = params["taskDefinition"]
        if ":" not in ref.split("task-definition/")[-1]:
            raise errors.ecs_error(
                "ClientException",
                "Revision is required when deregistering a task definition.",  # our wording
                op,
            )
        td = self._td_or_error(ref, op, message="The specified task definition does not exist.")
        if td.status == "ACTIVE":
            td = td.with_status("INACTIVE")
            td.document["deregisteredAt"] = self.clock.now
            self.store.replace_task_definition(td)
            self.store.record(
                EV.API_CALL, f"task definition {td.name} deregistered", subject=td.arn
            )
        return {"taskDefinition": describe.task_definition(td)}

    @api("DescribeTaskDefinition")
    def describe_task_definition(self, **params: Any) -> dict[str, Any]:
        td = self._td_or_error(params["taskDefinition"], "DescribeTaskDefinition")
        out: dict[str, Any] = {"taskDefinition": describe.task_definition(td)}
        if "TAGS" in params.get("include", []):
            out["tags"] = [dict(t) for t in self.store.td_tags.get(td.arn, [])]
        return out

    @api("ListTaskDefinitions")
    def list_task_definitions(self, **params: Any) -> dict[str, Any]:
        validation.check_enums("ListTaskDefinitions", params)
        prefix = params.get("familyPrefix")
        status = params.get("status", "ACTIVE")
        arns = [
            td.arn
            for family, revisions in sorted(self.store.families.items())
            if prefix is None or family == prefix
            for td in revisions
            if td.status == status
        ]
        if params.get("sort") == "DESC":
            arns.reverse()
        return _page(arns, params, "taskDefinitionArns", "ListTaskDefinitions")

    @api("ListTaskDefinitionFamilies")
    def list_task_definition_families(self, **params: Any) -> dict[str, Any]:
        validation.check_enums("ListTaskDefinitionFamilies", params)
        prefix = params.get("familyPrefix") or ""
        status = params.get("status", "ACTIVE")
        families = [
            f
            for f, revs in sorted(self.store.families.items())
            if f.startswith(prefix)
            and (
                status == "ALL"
                or any(td.status == status for td in revs)
                or (status == "INACTIVE" and all(td.status == "INACTIVE" for td in revs))
            )
        ]
        return _page(families, params, "families", "ListTaskDefinitionFamilies")

    # =================================================================================== tasks
    def _runnable_td(self, ref: str, op: str) -> td_mod.TaskDefinition:
        td = self.store.task_definition(ref, op)
        if td is None:
            raise errors.ecs_error("InvalidParameterException", "TaskDefinition not found.", op)
        if td.status != "ACTIVE":
            raise errors.ecs_error("InvalidParameterException", "TaskDefinition is inactive", op)
        return td

    def _check_launch(self, td: td_mod.TaskDefinition, params: dict[str, Any], op: str) -> None:
        launch = params.get("launchType")
        if launch == "FARGATE" and "FARGATE" not in td.compatibilities:
            raise errors.ecs_error(
                "InvalidParameterException",
                "Task definition does not support launch_type FARGATE.",
                op,
            )
        if launch == "FARGATE":
            raise errors.ecs_error(
                "InvalidParameterException",
                # our wording
                "ecsedu runs tasks on container instances (launch type EC2); FARGATE is not "
                "modelled.",
                op,
            )
        if td.network_mode == "awsvpc" and not params.get("networkConfiguration"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
                op,
            )
        if td.network_mode != "awsvpc" and params.get("networkConfiguration"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "Network Configuration is not valid for the given networkMode of this task "
                "definition.",
                op,
            )

    def _task_request(
        self, td: td_mod.TaskDefinition, params: dict[str, Any], group: str, op: str
    ) -> placement.PlacementRequest:
        constraints = tuple(
            (str(c.get("type")), c.get("expression"))
            for c in params.get("placementConstraints", [])
        ) + tuple((k, e) for k, e in td.placement_constraints)
        if len(constraints) > 10:
            raise errors.ecs_error(
                "InvalidParameterException",
                "Too many placement constraints. The limit is 10.",  # our wording
                op,
            )
        for kind, expr in constraints:
            if kind == "memberOf" and expr:
                query.compile_expression(expr, op)
        strategies = (
            tuple((str(s.get("type")), s.get("field")) for s in params.get("placementStrategy", []))
            or placement.RUN_TASK_DEFAULT_STRATEGY
        )
        uses_ports = td.network_mode in ("bridge", "host")
        return placement.PlacementRequest(
            cpu=td.reserved_cpu,
            memory=td.reserved_memory,
            group=group,
            ports=tuple(str(p) for p in td.static_host_ports("tcp")) if uses_ports else (),
            ports_udp=tuple(str(p) for p in td.static_host_ports("udp")) if uses_ports else (),
            constraints=constraints,
            strategies=strategies,
            operation=op,
            attributes=placement.required_attributes(td),
        )

    def _check_safe(self, td: td_mod.TaskDefinition, op: str) -> None:
        if self.safety_check is not None:
            self.safety_check(td, op)

    @api("RunTask")
    def run_task(self, **params: Any) -> dict[str, Any]:
        op = "RunTask"
        validation.check_run_task(params)
        c = self.store.cluster(params.get("cluster"), op)
        td = self._runnable_td(params["taskDefinition"], op)
        self._check_launch(td, params, op)
        self._check_safe(td, op)
        index = self.store.indexes[c.arn]
        if not any(i.status in ("ACTIVE", "DRAINING") for i in index.instances):
            raise errors.ecs_error(
                "InvalidParameterException",
                "No Container Instances were found in your cluster.",
                op,
            )
        group = params.get("group") or f"family:{td.family}"
        request = self._task_request(td, params, group, op)
        tasks, failures = [], []
        failed_arns: set[str] = set()
        batch = placement.Batch(
            index, request, self.store.ids.rng, explain_limit=self.store.explain_limit
        )
        for _ in range(params.get("count", 1)):
            decision = batch.next()
            self.store.record_placement(
                f"task of {td.name}", decision, index, cluster_arn=c.arn, subject=td.arn
            )
            if decision.instance is None:
                for inst in index.instances:
                    if inst.status == "INACTIVE" or inst.arn in failed_arns:
                        continue
                    why = placement.fits(index, inst.index, request)
                    if why is not None and why != "INACTIVE":
                        failed_arns.add(inst.arn)
                        failures.append({"arn": inst.arn, "reason": why})
                break
            inst = index.instances[decision.instance]
            t = self.lifecycle.create(
                cluster_arn=c.arn,
                instance=inst,
                td=td,
                group=group,
                started_by=params.get("startedBy"),
                overrides=params.get("overrides"),
                tags=params.get("tags"),
            )
            tasks.append(t)
            batch.placed(decision.instance)
        return {"tasks": [describe.task(t) for t in tasks], "failures": failures}

    @api("StartTask")
    def start_task(self, **params: Any) -> dict[str, Any]:
        op = "StartTask"
        c = self.store.cluster(params.get("cluster"), op)
        td = self._runnable_td(params["taskDefinition"], op)
        self._check_launch(td, params, op)
        self._check_safe(td, op)
        refs = params["containerInstances"]
        if len(refs) > 10:
            raise errors.ecs_error(
                "InvalidParameterException",
                "Container instances can not be greater than 10",  # our wording
                op,
            )
        group = params.get("group") or f"family:{td.family}"
        request = self._task_request(td, params, group, op)
        index = self.store.indexes[c.arn]
        tasks, failures = [], []
        for ref in refs:
            arn = self.store.instance_arn(c, ref)
            inst = self.store.instances.get(arn)
            if inst is None or inst.cluster_arn != c.arn:
                failures.append({"arn": arn, "reason": "MISSING"})
                continue
            if inst.status == "INACTIVE":
                failures.append({"arn": arn, "reason": "INACTIVE"})
                continue
            why = placement.fits(index, inst.index, dataclasses.replace(request, constraints=()))
            if why is not None:
                failures.append({"arn": arn, "reason": why})
                continue
            tasks.append(
                self.lifecycle.create(
                    cluster_arn=c.arn,
                    instance=inst,
                    td=td,
                    group=group,
                    started_by=params.get("startedBy"),
                    overrides=params.get("overrides"),
                    tags=params.get("tags"),
                )
            )
        return {"tasks": [describe.task(t) for t in tasks], "failures": failures}

    @api("StopTask")
    def stop_task(self, **params: Any) -> dict[str, Any]:
        op = "StopTask"
        c = self.store.cluster(params.get("cluster"), op)
        arn = self.store.task_arn(c, params["task"])
        t = self.store.tasks.get(arn)
        if t is None or t.cluster_arn != c.arn:
            raise errors.ecs_error(
                "InvalidParameterException", "The referenced task was not found.", op
            )
        self.lifecycle.stop(t, "UserInitiated", params.get("reason") or "Task stopped by user")
        return {"task": describe.task(t)}

    @api("DescribeTasks")
    def describe_tasks(self, **params: Any) -> dict[str, Any]:
        c = self.store.cluster(params.get("cluster"), "DescribeTasks")
        if len(params["tasks"]) > 100:
            raise errors.ecs_error(
                "InvalidParameterException",
                "Tasks cannot have more than 100 elements",
                "DescribeTasks",
            )
        include = set(params.get("include", []))
        out, failures = [], []
        for ref in params["tasks"]:
            arn = self.store.task_arn(c, ref)
            t = self.store.tasks.get(arn)
            if t is None or t.cluster_arn != c.arn:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                out.append(describe.task(t, tags="TAGS" in include))
        return {"tasks": out, "failures": failures}

    @api("ListTasks")
    def list_tasks(self, **params: Any) -> dict[str, Any]:
        validation.check_list_tasks(params)
        c = self.store.cluster(params.get("cluster"), "ListTasks")
        desired = params.get("desiredStatus", "RUNNING")
        inst_ref = params.get("containerInstance")
        inst_arn = self.store.instance_arn(c, inst_ref) if inst_ref else None
        family = params.get("family")
        service = params.get("serviceName")
        started_by = params.get("startedBy")
        arns = [
            t.arn
            for t in self.store.tasks.values()
            if t.cluster_arn == c.arn
            and t.desired_status == desired
            and (inst_arn is None or t.container_instance_arn == inst_arn)
            and (family is None or t.task_definition.family == family)
            and (service is None or t.service_name == service.rsplit("/", 1)[-1])
            and (started_by is None or t.started_by == started_by)
        ]
        return _page(arns, params, "taskArns", "ListTasks")

    # ================================================================================ services
    @api("CreateService")
    def create_service(self, **params: Any) -> dict[str, Any]:
        op = "CreateService"
        validation.check_create_service(params)
        c = self.store.cluster(params.get("cluster"), op)
        name = params["serviceName"]
        arn = f"{ARN}service/{c.name}/{name}"
        existing = self.store.services.get(arn)
        if existing is not None and existing.status in ("ACTIVE", "DRAINING"):
            raise errors.ecs_error(
                "InvalidParameterException", "Creation of service was not idempotent.", op
            )
        if not params.get("taskDefinition"):
            raise errors.ecs_error(
                "InvalidParameterException", "TaskDefinition must be specified.", op
            )  # our wording
        td = self._runnable_td(params["taskDefinition"], op)
        self._check_launch(td, params, op)
        self._check_safe(td, op)
        strategy = params.get("schedulingStrategy", "REPLICA")
        for cons in params.get("placementConstraints", []):
            if cons.get("type") == "memberOf" and cons.get("expression"):
                query.compile_expression(cons["expression"], op)
        config = params.get("deploymentConfiguration", {})
        now = self.clock.now
        deployment = service_mod.Deployment(
            id=self.store.ids.deployment_id(),
            task_definition_arn=td.arn,
            desired_count=params.get("desiredCount", 0),
            created_at=now,
            updated_at=now,
        )
        s = service_mod.Service(
            arn=arn,
            name=name,
            cluster_arn=c.arn,
            task_definition_arn=td.arn,
            desired_count=params.get("desiredCount", 0) if strategy == "REPLICA" else 0,
            created_at=now,
            scheduling_strategy=strategy,
            launch_type=params.get("launchType", "EC2"),
            minimum_healthy_percent=config.get(
                "minimumHealthyPercent", 100 if strategy == "REPLICA" else 0
            ),
            maximum_percent=config.get("maximumPercent", 200 if strategy == "REPLICA" else 100),
            placement_constraints=list(params.get("placementConstraints", [])),
            placement_strategy=list(params.get("placementStrategy", [])),
            deployments=[deployment],
            request=json.loads(
                json.dumps({k: v for k, v in params.items() if k != "tags"}, default=str)
            ),
            tags=list(params.get("tags", [])),
        )
        deployment.rollout_state_reason = f"ECS deployment {deployment.id} in progress."
        self.store.services.pop(arn, None)
        self.store.services[arn] = s
        c.active_services_count += 1
        self.store.record(EV.API_CALL, f"service {name} created", cluster_arn=c.arn, subject=arn)
        self.services.request(s)
        return {"service": describe.service(s)}

    def _service(self, c: cluster_mod.Cluster, ref: str, op: str) -> service_mod.Service:
        s = self.store.services.get(self.store.service_arn(c, ref))
        if s is None or s.cluster_arn != c.arn:
            raise errors.ecs_error("ServiceNotFoundException", "Service not found.", op)
        return s

    @api("UpdateService")
    def update_service(self, **params: Any) -> dict[str, Any]:
        op = "UpdateService"
        c = self.store.cluster(params.get("cluster"), op)
        s = self._service(c, params["service"], op)
        if s.status != "ACTIVE":
            raise errors.ecs_error("ServiceNotActiveException", "Service was not ACTIVE.", op)
        validation.check_update_service(params, scheduling_strategy=s.scheduling_strategy)
        td = None
        if params.get("taskDefinition"):
            td = self._runnable_td(params["taskDefinition"], op)
            self._check_launch(
                td,
                {
                    "networkConfiguration": params.get(
                        "networkConfiguration", s.request.get("networkConfiguration")
                    ),
                    **params,
                },
                op,
            )
            self._check_safe(td, op)
        for cons in params.get("placementConstraints", []) or []:
            if cons.get("type") == "memberOf" and cons.get("expression"):
                query.compile_expression(cons["expression"], op)
        # -- nothing can fail below this line --
        now = self.clock.now
        if "desiredCount" in params:
            s.desired_count = params["desiredCount"]
            s.primary.desired_count = s.desired_count
        config = params.get("deploymentConfiguration") or {}
        if "minimumHealthyPercent" in config:
            s.minimum_healthy_percent = config["minimumHealthyPercent"]
        if "maximumPercent" in config:
            s.maximum_percent = config["maximumPercent"]
        new_deployment = bool(params.get("forceNewDeployment"))
        if td is not None and td.arn != s.primary.task_definition_arn:
            new_deployment = True
        if "placementStrategy" in params:
            s.placement_strategy = list(params["placementStrategy"])
            new_deployment = True
        if "placementConstraints" in params:
            s.placement_constraints = list(params["placementConstraints"])
            new_deployment = True
        if new_deployment:
            for d in s.deployments:
                d.status = "ACTIVE"
            d = service_mod.Deployment(
                id=self.store.ids.deployment_id(),
                task_definition_arn=td.arn if td is not None else s.primary.task_definition_arn,
                desired_count=s.desired_count,
                created_at=now,
                updated_at=now,
            )
            d.rollout_state_reason = f"ECS deployment {d.id} in progress."
            s.deployments.insert(0, d)
            s.task_definition_arn = d.task_definition_arn
            s.consecutive_start_failures = 0
            s.throttled_until = 0.0
            self._recount_deployments(s)
        s.steady = False if new_deployment or "desiredCount" in params else s.steady
        self.store.record(
            EV.API_CALL,
            f"service {s.name} updated",
            cluster_arn=c.arn,
            subject=s.arn,
            **{k: v for k, v in params.items() if k in ("desiredCount", "taskDefinition")},
        )
        self.services.request(s)
        return {"service": describe.service(s)}

    def _recount_deployments(self, s: service_mod.Service) -> None:
        for d in s.deployments:
            d.running_count = d.pending_count = 0
        by_id = {d.id: d for d in s.deployments}
        for t in self.store.tasks.values():
            if t.service_name == s.name and t.cluster_arn == s.cluster_arn:
                owner = by_id.get(t.deployment_id or "")
                if owner is None:
                    continue
                if t.last_status is S.RUNNING:
                    owner.running_count += 1
                elif t.last_status is S.PENDING:
                    owner.pending_count += 1

    @api("DeleteService")
    def delete_service(self, **params: Any) -> dict[str, Any]:
        op = "DeleteService"
        c = self.store.cluster(params.get("cluster"), op)
        s = self._service(c, params["service"], op)
        if s.status != "ACTIVE":
            raise errors.ecs_error("ServiceNotActiveException", "Service was not ACTIVE.", op)
        if s.scheduling_strategy == "REPLICA" and s.desired_count > 0 and not params.get("force"):
            raise errors.ecs_error(
                "InvalidParameterException",
                "The service cannot be stopped while it is scaled above 0.",
                op,
            )
        s.desired_count = 0
        s.primary.desired_count = 0
        s.status = "DRAINING"
        c.active_services_count -= 1
        self.store.record(
            EV.API_CALL, f"service {s.name} deleted (DRAINING)", cluster_arn=c.arn, subject=s.arn
        )
        for t in list(self.store.tasks.values()):
            if t.service_name == s.name and t.cluster_arn == c.arn and t.alive:
                self.lifecycle.stop(
                    t,
                    "ServiceSchedulerInitiated",
                    f"Scaling activity initiated by (deployment {t.deployment_id})",
                )
        self.services.request(s)
        return {"service": describe.service(s)}

    @api("DescribeServices")
    def describe_services(self, **params: Any) -> dict[str, Any]:
        c = self.store.cluster(params.get("cluster"), "DescribeServices")
        include = set(params.get("include", []))
        out, failures = [], []
        for ref in params["services"]:
            arn = self.store.service_arn(c, ref)
            s = self.store.services.get(arn)
            if s is None or s.cluster_arn != c.arn:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                out.append(describe.service(s, tags="TAGS" in include))
        return {"services": out, "failures": failures}

    @api("ListServices")
    def list_services(self, **params: Any) -> dict[str, Any]:
        validation.check_enums("ListServices", params)
        c = self.store.cluster(params.get("cluster"), "ListServices")
        strategy = params.get("schedulingStrategy")
        arns = [
            s.arn
            for s in self.store.services.values()
            if s.cluster_arn == c.arn
            and s.status == "ACTIVE"
            and (strategy is None or s.scheduling_strategy == strategy)
        ]
        return _page(arns, params, "serviceArns", "ListServices")

    # ==================================================================================== tags
    def _taggable(self, arn: str, op: str) -> list[dict[str, str]]:
        if arn.startswith(f"{ARN}cluster/"):
            c = self.store.clusters.get(arn)
            if c is not None:
                return c.tags
        elif arn.startswith(f"{ARN}service/"):
            s = self.store.services.get(arn)
            if s is not None:
                return s.tags
        elif arn.startswith(f"{ARN}task-definition/"):
            if arn in self.store.td_tags:
                return self.store.td_tags[arn]
        elif arn.startswith(f"{ARN}task/"):
            t = self.store.tasks.get(arn)
            if t is not None:
                return t.tags
        elif arn.startswith(f"{ARN}container-instance/"):
            i = self.store.instances.get(arn)
            if i is not None:
                return i.tags
        else:
            raise errors.ecs_error(
                "InvalidParameterException", "The ARN provided is invalid.", op
            )  # our wording
        # ListTagsForResource does not model ResourceNotFoundException: ECS answers it with
        # InvalidParameterException (a code botocore knows for that operation).
        code = "InvalidParameterException"
        if op != "ListTagsForResource":
            code = "ResourceNotFoundException"
        raise errors.ecs_error(code, "The specified resource could not be found.", op)

    @api("TagResource")
    def tag_resource(self, **params: Any) -> dict[str, Any]:
        tags = self._taggable(params["resourceArn"], "TagResource")
        new = {t["key"]: t.get("value", "") for t in params["tags"]}
        kept = [t for t in tags if t["key"] not in new]
        tags[:] = kept + [{"key": k, "value": v} for k, v in new.items()]
        return {}

    @api("UntagResource")
    def untag_resource(self, **params: Any) -> dict[str, Any]:
        tags = self._taggable(params["resourceArn"], "UntagResource")
        drop = set(params["tagKeys"])
        tags[:] = [t for t in tags if t["key"] not in drop]
        return {}

    @api("ListTagsForResource")
    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        tags = self._taggable(params["resourceArn"], "ListTagsForResource")
        return {"tags": [dict(t) for t in tags]}


def _camel(operation_name: str) -> str:
    """``list_tasks`` → ``ListTasks``."""
    return "".join(part.capitalize() for part in operation_name.split("_"))


@functools.lru_cache(maxsize=1)
def _paginators() -> dict[str, Any]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    pagination: dict[str, Any] = loader.load_service_model("ecs", "paginators-1")["pagination"]
    return pagination


def _instance_type(cpu: int, memory: int) -> str:
    return {
        (1024, 1024): "t3.micro",
        (2048, 4096): "t3.medium",
        (2048, 8192): "t3.large",
        (4096, 16384): "t3.xlarge",
        (2048, 3768): "c4.large",
    }.get((cpu, memory), "ecsedu.custom")


class _Meta:
    """boto3 clients expose ``meta.region_name``; notebooks sometimes print it."""

    region_name = ids_mod.REGION
    service_model = property(lambda self: errors.service_model())
