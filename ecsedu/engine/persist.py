"""Save and load the whole engine state as JSON (``ecs.save(path)``, ``connect(state=path)``).

The file holds every cluster, instance, task definition (as registered), task, service,
deployment, service event and the event log, plus the clock and the seeded id generator, so a
simulated session carries on exactly where it stopped: same ids, same placements afterwards.

Timers are not saved; they are derived again on load from the states that need them (a task in
ACTIVATING gets its step to RUNNING, services get a reconcile, ...). Containers are adopted
through the runtime: the simulated runtime rebuilds them from the file, the Docker runtime finds
them by label, and anything that vanished meanwhile is reported STOPPED and, for a service,
replaced.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ecsedu import arns, errors
from ecsedu.engine import placement
from ecsedu.engine.controllers import autoscaling as autoscaling_ctl
from ecsedu.engine.controllers import loadbalancing
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = ["FORMAT", "load", "save"]

FORMAT = "ecsedu-state"
VERSION = 1
S = task_mod.TaskStatus


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of ``obj``; statuses (str enums) as the plain strings they stand for."""
    out = {n: getattr(obj, n) for n in names}
    for n, value in out.items():
        if isinstance(value, enum.Enum):
            out[n] = value._value_
    return out


def _typed(entry: dict[str, Any], enums: dict[str, type[enum.Enum]]) -> dict[str, Any]:
    """``entry`` with its saved status strings read back as the model's enum members."""
    return {k: enums[k](v) if k in enums else v for k, v in entry.items()}


CLUSTER_FIELDS = (
    "arn",
    "name",
    "created_at",
    "status",
    "tags",
    "settings",
    "configuration",
    "service_connect_defaults",
    "capacity_providers",
    "default_capacity_provider_strategy",
    "attachments",
    "attachments_status",
    "registered_container_instances_count",
    "running_tasks_count",
    "pending_tasks_count",
    "active_services_count",
)
INSTANCE_FIELDS = (
    "arn",
    "id",
    "cluster_arn",
    "ec2_instance_id",
    "registered_cpu",
    "registered_memory",
    "registered_at",
    "attributes",
    "remaining_cpu",
    "remaining_memory",
    "status",
    "agent_connected",
    "agent_version",
    "docker_version",
    "running_tasks_count",
    "pending_tasks_count",
    "version",
    "tags",
    "docker_host",
    "address",
    "health_status",
    "health_changed_at",
    "capacity_provider_name",
)
TASK_FIELDS = (
    "arn",
    "id",
    "cluster_arn",
    "container_instance_arn",
    "group",
    "started_by",
    "created_at",
    "launch_type",
    "service_name",
    "deployment_id",
    "desired_status",
    "version",
    "health_status",
    "pull_started_at",
    "pull_stopped_at",
    "started_at",
    "running_since",
    "stopping_at",
    "execution_stopped_at",
    "stopped_at",
    "stop_code",
    "stopped_reason",
    "overrides",
    "tags",
    "reached_running",
    "cpu",
    "memory",
)
CONTAINER_FIELDS = (
    "name",
    "image",
    "essential",
    "cpu",
    "memory",
    "memory_reservation",
    "container_arn",
    "has_health_check",
    "last_status",
    "exit_code",
    "reason",
    "health_status",
    "runtime_id",
    "image_digest",
)
SERVICE_FIELDS = (
    "arn",
    "name",
    "cluster_arn",
    "task_definition_arn",
    "desired_count",
    "created_at",
    "scheduling_strategy",
    "launch_type",
    "status",
    "minimum_healthy_percent",
    "maximum_percent",
    "placement_constraints",
    "placement_strategy",
    "request",
    "tags",
    "running_count",
    "pending_count",
    "consecutive_start_failures",
    "throttled_until",
    "launches",
    "steady",
    "last_steady_report",
    "min_capacity",
    "max_capacity",
    "capacity_provider_strategy",
)
CLUSTER_ENUMS: dict[str, type[enum.Enum]] = {"status": cluster_mod.ClusterStatus}
INSTANCE_ENUMS: dict[str, type[enum.Enum]] = {"status": ci_mod.InstanceStatus}
TASK_ENUMS: dict[str, type[enum.Enum]] = {
    "desired_status": task_mod.DesiredStatus,
    "health_status": task_mod.HealthStatus,
}
CONTAINER_ENUMS: dict[str, type[enum.Enum]] = {
    "last_status": task_mod.ContainerStatus,
    "health_status": task_mod.HealthStatus,
}
SERVICE_ENUMS: dict[str, type[enum.Enum]] = {
    "scheduling_strategy": service_mod.SchedulingStrategy,
    "status": service_mod.ServiceStatus,
}
DEPLOYMENT_ENUMS: dict[str, type[enum.Enum]] = {
    "status": service_mod.DeploymentStatus,
    "rollout_state": service_mod.RolloutState,
}
DEPLOYMENT_FIELDS = (
    "id",
    "task_definition_arn",
    "desired_count",
    "created_at",
    "updated_at",
    "status",
    "rollout_state",
    "rollout_state_reason",
    "failed_tasks",
    "running_count",
    "pending_count",
)


def dump(cp: ControlPlane) -> dict[str, Any]:
    store = cp.store
    return {
        "format": FORMAT,
        "version": VERSION,
        "runtime": store.runtime_name,
        "seed": cp.seed,
        "time": store.clock.now,
        "rng": store.ids.get_state(),
        "streams": store.streams.get_state(),
        "autoscaling": autoscaling_ctl.dump(store),
        "capacity": _capacity().dump(cp),  # capacity providers, Auto Scaling groups
        "images": list(getattr(store.extensions.get("images"), "added", [])),
        "elbv2": loadbalancing.dump(cp),
        "fargate_hosts": [  # Fargate's hidden micro-VMs, and ENIs in use on instances
            {**_fields(h, INSTANCE_FIELDS), "agent_lost": store.agents[h.arn].lost}
            for h in store.fargate_hosts.values()
            if h.arn in store.agents
        ],
        "enis": dict(store.enis),
        "account_settings": store.extensions.get("account_settings", {}),
        "clusters": [_fields(c, CLUSTER_FIELDS) for c in store.clusters.values()],
        "instances": [
            {
                **_fields(i, INSTANCE_FIELDS),
                "reserved_ports": list(i.reserved_ports),
                "reserved_ports_udp": list(i.reserved_ports_udp),
                "ports": sorted(i.ports),
                "ports_udp": sorted(i.ports_udp),
                "group_counts": dict(i.group_counts),
                "gpu_ids": list(i.gpu_ids),
                "gpus_used": sorted(i.gpus_used),
                "agent_lost": store.agents[i.arn].lost,
            }
            for i in store.instances.values()
        ],
        "task_definitions": [
            {
                "arn": td.arn,
                "revision": td.revision,
                "status": td.status._value_,
                "registered_at": td.document.get("registeredAt"),
                "deregistered_at": td.document.get("deregisteredAt"),
                "delete_requested_at": td.document.get("deleteRequestedAt"),
                "request": store.td_requests[td.arn],
                "tags": store.td_tags.get(td.arn, []),
            }
            for revisions in store.families.values()
            for td in revisions
        ],
        "tasks": [
            {
                **_fields(t, TASK_FIELDS),
                "task_definition_arn": t.task_definition.arn,
                "last_status": t.last_status.value,
                "ports": list(t.ports),
                "ports_udp": list(t.ports_udp),
                "protected_until": t.protected_until,  # task scale-in protection
                "network": {k: getattr(t, k) for k in TASK_NETWORK_FIELDS},  # Fargate, awsvpc
                "containers": [
                    {
                        **_fields(c, CONTAINER_FIELDS),
                        "bindings": [list(b) for b in c.bindings],
                        "gpu_ids": list(c.gpu_ids),
                    }
                    for c in t.containers
                ],
            }
            for t in store.tasks.values()
        ],
        "services": [
            {
                **_fields(s, SERVICE_FIELDS),
                "deployments": [_fields(d, DEPLOYMENT_FIELDS) for d in s.deployments],
                "events": [[e.id, e.created_at, e.message] for e in s.events],
                # service deployments / revisions and task sets: plain JSON dataclasses
                "service_deployments": [dataclasses.asdict(x) for x in s.service_deployments],
                "service_revisions": [dataclasses.asdict(x) for x in s.service_revisions],
                "revision_of": dict(s.revision_of),
                "task_sets": [dataclasses.asdict(x) for x in s.task_sets],
                "network": {
                    "network_configuration": s.network_configuration,
                    "platform_version": s.platform_version,
                },
            }
            for s in store.services.values()
        ],
        "log": [[t, k, c, subj, m, _plain(d)] for t, k, c, subj, m, d in store.log.raw()],
        "log_first": store.log.first,
        "log_repeats": {str(seq): list(r) for seq, r in store.log.repeats().items()},
    }


def _plain(value: Any) -> Any:
    """Event details as plain JSON values (read-only mappings and tuples included)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def save(cp: ControlPlane, path: str) -> None:
    data = json.dumps(dump(cp), default=str, indent=1)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ecsedu-state-", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write(data)
    os.replace(tmp, path)  # never leave a half-written file behind


def read(path: str) -> dict[str, Any]:
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise errors.StateFileError(
            f"No state file at {path!r}: save one with ecs.save(path)."
        ) from None
    except (OSError, ValueError) as exc:
        raise errors.StateFileError(f"Cannot read the state file {path!r}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise errors.StateFileError(f"{path!r} is not an ecsedu state file (written by ecs.save).")
    if data.get("version") != VERSION:
        raise errors.StateFileError(
            f"{path!r} was written by another ecsedu (state format {data.get('version')}, "
            f"this one reads {VERSION})."
        )
    return data


def load(cp: ControlPlane, path: str) -> None:
    """Replace ``cp``'s (empty) state with the one saved at ``path`` and adopt the containers."""
    data = read(path)
    if cp.store.clusters or cp.store.tasks:
        raise errors.StateFileError("Load a state file into a fresh connection only.")
    try:
        _restore(cp, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.StateFileError(f"The state file {path!r} is damaged: {exc!r}") from None


def _restore(cp: ControlPlane, data: dict[str, Any]) -> None:
    store = cp.store
    if cp.clock.simulated:
        cp.clock._now = float(data["time"])  # the simulated clock carries on from the save
    cp.seed = int(data["seed"])
    store.ids.set_state(data["rng"])
    store.streams.set_state(data.get("streams", {}))
    for image in data.get("images", []):
        cp.image_registry().add(image)
    for c in data["clusters"]:
        cluster = cluster_mod.Cluster(**_typed(c, CLUSTER_ENUMS))
        store.clusters[cluster.arn] = cluster
        store.indexes[cluster.arn] = placement.ClusterIndex()
    for i in data["instances"]:
        fields = _typed({k: i[k] for k in INSTANCE_FIELDS}, INSTANCE_ENUMS)
        inst = ci_mod.ContainerInstance(
            **fields,
            reserved_ports=tuple(i["reserved_ports"]),
            reserved_ports_udp=tuple(i["reserved_ports_udp"]),
            ports=set(i["ports"]),
            ports_udp=set(i["ports_udp"]),
            group_counts=Counter(i["group_counts"]),
            gpu_ids=tuple(i.get("gpu_ids", ())),
            gpus_used=set(i.get("gpus_used", ())),
        )
        index = store.indexes[inst.cluster_arn]
        cluster_name = arns.cluster_name(inst.cluster_arn)
        options = {"docker_host": inst.docker_host} if inst.docker_host else {}
        if inst.address:
            options["address"] = inst.address
        runtime = cp.make_runtime(cluster_name, inst.id, len(index), options)
        store.instances[inst.arn] = inst
        index.add(inst)
        for group, n in inst.group_counts.items():
            index.count_task(group, inst.index, n)
        from ecsedu.agent import agent as agent_mod

        agent = agent_mod.ContainerAgent(inst.arn, runtime, cp.on_report)
        if i["agent_lost"]:
            agent.lost = True
            agent.connected = False
        elif not inst.agent_connected:
            agent.connected = False
        store.agents[inst.arn] = agent
    _restore_fargate_hosts(cp, data)
    for entry in data["task_definitions"]:
        request = entry["request"]
        family = request["family"]
        td = td_mod.TaskDefinition.from_request(
            request,
            arn=entry["arn"],
            revision=entry["revision"],
            registered_at=float(entry["registered_at"]),
        )
        status = td_mod.TaskDefinitionStatus(entry["status"])
        if status != td_mod.TaskDefinitionStatus.ACTIVE:
            td = td.with_status(status)
            if entry.get("deregistered_at") is not None:
                td.document["deregisteredAt"] = float(entry["deregistered_at"])
            if entry.get("delete_requested_at") is not None:
                td.document["deleteRequestedAt"] = float(entry["delete_requested_at"])
        store.families.setdefault(family, []).append(td)
        store.td_requests[td.arn] = request
        store.td_tags[td.arn] = entry["tags"]
    by_arn = {td.arn: td for revs in store.families.values() for td in revs}
    for entry in data["tasks"]:
        containers = [
            task_mod.Container(
                **_typed({k: c[k] for k in CONTAINER_FIELDS}, CONTAINER_ENUMS),
                bindings=tuple((int(a), int(b), str(p), str(ip)) for a, b, p, ip in c["bindings"]),
                gpu_ids=tuple(c.get("gpu_ids", ())),
            )
            for c in entry["containers"]
        ]
        task = task_mod.Task(
            **_typed({k: entry[k] for k in TASK_FIELDS}, TASK_ENUMS),
            task_definition=by_arn[entry["task_definition_arn"]],
            containers=containers,
            last_status=S(entry["last_status"]),
            ports=tuple(entry["ports"]),
            ports_udp=tuple(entry["ports_udp"]),
            protected_until=entry.get("protected_until"),
            **entry.get("network", {}),
        )
        store.tasks[task.arn] = task
        if task.service_name is not None:
            store.tasks_of_service(task.cluster_arn, task.service_name)[task.arn] = task
    for entry in data["services"]:
        fields = _typed({k: entry[k] for k in SERVICE_FIELDS}, SERVICE_ENUMS)
        service = service_mod.Service(
            **fields,
            deployments=[
                service_mod.Deployment(**_typed(d, DEPLOYMENT_ENUMS)) for d in entry["deployments"]
            ],
            events=[service_mod.ServiceEvent(*e) for e in entry["events"]],
            **entry.get("network", {}),
        )
        service.service_deployments = [
            service_mod.ServiceDeployment(**x) for x in entry.get("service_deployments", [])
        ]
        service.service_revisions = [
            service_mod.ServiceRevision(**x) for x in entry.get("service_revisions", [])
        ]
        service.revision_of = dict(entry.get("revision_of", {}))
        service.task_sets = [service_mod.TaskSet(**x) for x in entry.get("task_sets", [])]
        store.services[service.arn] = service
    store.log.restore(
        [tuple(e) for e in data["log"]],
        int(data.get("log_first", 0)),
        data.get("log_repeats"),
    )
    loadbalancing.restore(cp, data.get("elbv2"))
    autoscaling_ctl.restore(cp, data.get("autoscaling"))
    _capacity().restore(cp, data.get("capacity"))
    if any(
        s.capacity_provider_strategy
        or any(ts.request.get("capacityProviderStrategy") for ts in s.task_sets)
        for s in store.services.values()
    ) or store.extensions.get("capacity_waiting"):
        from ecsedu.engine import capacity

        capacity.bind(cp)
    if data.get("account_settings"):
        store.extensions["account_settings"] = data["account_settings"]
    _resume(cp)


TASK_NETWORK_FIELDS = (
    "capacity_provider_name",
    "platform_version",
    "attachments",
    "private_ip",
    "availability_zone",
    "fargate_host",
)


def _capacity() -> Any:
    from ecsedu.engine.controllers import cluster_autoscaling

    return cluster_autoscaling


def _restore_fargate_hosts(cp: ControlPlane, data: dict[str, Any]) -> None:
    """Fargate's hidden hosts, each with its agent and runtime again (never in an index)."""
    from ecsedu.agent import agent as agent_mod
    from ecsedu.engine import fargate

    store = cp.store
    store.enis.update({str(k): int(v) for k, v in (data.get("enis") or {}).items()})
    hosts = data.get("fargate_hosts") or []
    for n, h in enumerate(hosts):
        host = ci_mod.ContainerInstance(
            **_typed({k: h[k] for k in INSTANCE_FIELDS}, INSTANCE_ENUMS), reserved_ports=()
        )
        options: dict[str, Any] = {"fargate": True}
        if host.address:
            options["address"] = host.address
            store.extensions.setdefault("fargate_address", host.address)
        runtime = cp.make_runtime(arns.cluster_name(host.cluster_arn), host.id, n, options)
        agent = agent_mod.ContainerAgent(host.arn, runtime, cp.on_report)
        if h.get("agent_lost"):
            agent.lost = True
            agent.connected = False
        fargate.add_host(store, host, agent)


def _resume(cp: ControlPlane) -> None:
    """Derive the timers again and let each agent take charge of its containers."""
    store, lc = cp.store, cp.lifecycle
    for task in list(store.tasks.values()):
        lc.resume(task)
        if task.last_status is S.RUNNING and task.service_name is not None:
            cp.services.on_task_change(task)
    if store.clusters:
        cp.services.start_sweeps()
    for service in store.services.values():
        if service.status != service_mod.ServiceStatus.INACTIVE:
            cp.services.request(service)
