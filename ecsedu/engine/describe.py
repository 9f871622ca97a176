"""Model → the camelCase dicts ECS returns. The only place that speaks the wire format.

Timestamps come back as timezone-aware ``datetime`` objects, as boto3 parses them.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from typing import Any

from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

__all__ = [
    "cluster",
    "container_instance",
    "service",
    "task",
    "task_definition",
    "task_set",
    "timestamp",
]


def timestamp(t: float | None) -> dt.datetime | None:
    if t is None:
        return None
    return _datetime(t)


@functools.lru_cache(maxsize=4096)
def _datetime(t: float) -> dt.datetime:
    """Many things happen at the same (simulated) instant: convert each instant once."""
    return dt.datetime.fromtimestamp(round(t, 3), tz=dt.UTC)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def cluster(
    c: cluster_mod.Cluster,
    *,
    statistics: bool = False,
    tags: bool = False,
    stats: list[dict[str, str]] | None = None,
    attachments: bool = False,
    configurations: bool = True,
    settings: bool = True,
) -> dict[str, Any]:
    """``stats``: the statistics by launch type (``fargate.cluster_statistics``), shown with
    ``statistics``; without them every task and service counts as EC2. ``attachments``: the
    capacity providers' ``as_policy`` attachments (``include=["ATTACHMENTS"]``).
    ``configurations``: the ``configuration`` set by CreateCluster / UpdateCluster (DescribeClusters
    shows it with ``include=["CONFIGURATIONS"]`` only). ``settings``: the cluster's
    ``containerInsights`` setting; DescribeClusters shows it with ``include=["SETTINGS"]`` only
    (``"settings": []`` otherwise, as the AWS CLI's describe-clusters example with
    ``--include ATTACHMENTS`` shows), the other operations always (their AWS CLI examples)."""
    out: dict[str, Any] = {
        "clusterArn": c.arn,
        "clusterName": c.name,
        "status": c.status._value_,
        "registeredContainerInstancesCount": c.registered_container_instances_count,
        "runningTasksCount": c.running_tasks_count,
        "pendingTasksCount": c.pending_tasks_count,
        "activeServicesCount": c.active_services_count,
        "statistics": [],
        "tags": copy.deepcopy(c.tags) if tags else [],
        "settings": (
            copy.deepcopy(c.settings) or [{"name": "containerInsights", "value": "disabled"}]
        )
        if settings
        else [],
        "capacityProviders": list(c.capacity_providers),
        "defaultCapacityProviderStrategy": copy.deepcopy(c.default_capacity_provider_strategy),
    }
    if attachments:
        out["attachments"] = copy.deepcopy(c.attachments)
    if c.attachments_status is not None:
        out["attachmentsStatus"] = c.attachments_status
    if statistics and stats is not None:
        out["statistics"] = stats
    elif statistics:
        out["statistics"] = [
            {"name": "runningEC2TasksCount", "value": str(c.running_tasks_count)},
            {"name": "pendingEC2TasksCount", "value": str(c.pending_tasks_count)},
            {"name": "activeEC2ServiceCount", "value": str(c.active_services_count)},
        ]
    if configurations and c.configuration is not None:  # Create/UpdateCluster's configuration
        out["configuration"] = copy.deepcopy(c.configuration)
    if c.service_connect_defaults is not None:
        out["serviceConnectDefaults"] = dict(c.service_connect_defaults)
    return out


def _integer(name: str, value: int) -> dict[str, Any]:
    return {
        "name": name,
        "type": "INTEGER",
        "doubleValue": 0.0,
        "longValue": 0,
        "integerValue": value,
    }


def _stringset(name: str, values: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "STRINGSET",
        "doubleValue": 0.0,
        "longValue": 0,
        "integerValue": 0,
        "stringSetValue": values,
    }


def container_instance(
    i: ci_mod.ContainerInstance, *, tags: bool = False, health: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``health``: the ``healthStatus`` to show (DescribeContainerInstances with
    ``include=["CONTAINER_INSTANCE_HEALTH"]``); left out otherwise, as ECS does."""
    out: dict[str, Any] = {
        "containerInstanceArn": i.arn,
        "ec2InstanceId": i.ec2_instance_id,
        "version": i.version,
        "versionInfo": {
            "agentVersion": i.agent_version,
            "agentHash": "ecsedu",
            "dockerVersion": i.docker_version,
        },
        "remainingResources": [
            _integer("CPU", i.remaining_cpu),
            _integer("MEMORY", i.remaining_memory),
            _stringset("PORTS", list(i.reserved_ports) + sorted(i.ports, key=int)),
            _stringset("PORTS_UDP", list(i.reserved_ports_udp) + sorted(i.ports_udp, key=int)),
        ],
        "registeredResources": [
            _integer("CPU", i.registered_cpu),
            _integer("MEMORY", i.registered_memory),
            _stringset("PORTS", list(i.reserved_ports)),
            _stringset("PORTS_UDP", list(i.reserved_ports_udp)),
        ],
        "status": i.status._value_,
        "agentConnected": i.agent_connected,
        "runningTasksCount": i.running_tasks_count,
        "pendingTasksCount": i.pending_tasks_count,
        "attributes": [
            _drop_none({"name": k, "value": v}) for k, v in sorted(i.attributes.items())
        ],
        "registeredAt": timestamp(i.registered_at),
        "attachments": [],
        "tags": copy.deepcopy(i.tags) if tags else [],
    }
    if i.capacity_provider_name is not None:  # launched by an Auto Scaling group provider
        out["capacityProviderName"] = i.capacity_provider_name
    if i.gpu_ids:  # GPU instances only: the ids, registered and not assigned to a container
        out["registeredResources"].append(_stringset("GPU", list(i.gpu_ids)))
        out["remainingResources"].append(_stringset("GPU", list(i.remaining_gpus)))
    if health is not None:
        out["healthStatus"] = health
    return out


def task_definition(td: td_mod.TaskDefinition) -> dict[str, Any]:
    doc = copy.deepcopy(td.document)
    doc["status"] = td.status._value_
    if isinstance(doc.get("registeredAt"), (int, float)):
        doc["registeredAt"] = timestamp(float(doc["registeredAt"]))
    if isinstance(doc.get("deregisteredAt"), (int, float)):
        doc["deregisteredAt"] = timestamp(float(doc["deregisteredAt"]))
    if isinstance(doc.get("deleteRequestedAt"), (int, float)):
        doc["deleteRequestedAt"] = timestamp(float(doc["deleteRequestedAt"]))
    return doc


_TIMES = (
    ("connectivityAt", "started_at"),
    ("pullStartedAt", "pull_started_at"),
    ("pullStoppedAt", "pull_stopped_at"),
    ("startedAt", "started_at"),
    ("stoppingAt", "stopping_at"),
    ("executionStoppedAt", "execution_stopped_at"),
    ("stoppedAt", "stopped_at"),
)


def _container(t: task_mod.Task, c: task_mod.Container) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "containerArn": c.container_arn,
        "taskArn": t.arn,
        "name": c.name,
        "image": c.image,
        "lastStatus": c.last_status._value_,
        # ECS shows bindIP 0.0.0.0 (every host interface); the Docker runtime really publishes
        # on loopback only, for safety (docs/docker-runtime.md), but reports what ECS shows.
        # An awsvpc task has no host port bindings: it is reached at its ENI's private address
        # (networkInterfaces), whatever the runtime publishes for ecsedu's own use.
        "networkBindings": []
        if t.task_definition.network_mode == "awsvpc"
        else [
            {"bindIP": "0.0.0.0", "containerPort": cp, "hostPort": hp, "protocol": proto}
            for cp, hp, proto, _ip in c.bindings
        ],
        "networkInterfaces": _network_interfaces(t) if t.attachments else [],
        "healthStatus": c.health_status._value_,
        "cpu": str(c.cpu),
    }
    if c.memory is not None:
        entry["memory"] = str(c.memory)
    if c.memory_reservation is not None:
        entry["memoryReservation"] = str(c.memory_reservation)
    if c.exit_code is not None:
        entry["exitCode"] = c.exit_code
    if c.reason is not None:
        entry["reason"] = c.reason
    if c.runtime_id is not None:
        entry["runtimeId"] = c.runtime_id
    if c.image_digest is not None:
        entry["imageDigest"] = c.image_digest
    if c.gpu_ids:
        entry["gpuIds"] = list(c.gpu_ids)
    return entry


def _network_interfaces(t: task_mod.Task) -> list[dict[str, Any]]:
    """awsvpc: every container of the task shares its ENI."""
    return [
        {"attachmentId": a["id"], "privateIpv4Address": t.private_ip}
        for a in t.attachments
        if a.get("type") == "ElasticNetworkInterface"
        and t.private_ip
        and a.get("status") != "PRECREATED"
    ]


def task(t: task_mod.Task, *, tags: bool = False) -> dict[str, Any]:
    """A task as DescribeTasks / RunTask return it (absent values are left out, as ECS does)."""
    td = t.task_definition
    overrides = t.overrides
    out: dict[str, Any] = {
        "taskArn": t.arn,
        "clusterArn": t.cluster_arn,
        "taskDefinitionArn": td.arn,
        "containerInstanceArn": t.container_instance_arn,  # None (left out) on Fargate
        "overrides": copy.deepcopy(overrides)
        if overrides
        else {
            "containerOverrides": [{"name": c.name} for c in t.containers],
            "inferenceAcceleratorOverrides": [],
        },
        "lastStatus": t.last_status._value_,
        "desiredStatus": t.desired_status._value_,
        "cpu": str(td.task_cpu if td.task_cpu is not None else t.cpu),
        "memory": str(td.task_memory if td.task_memory is not None else t.memory),
        "containers": [_container(t, c) for c in t.containers],
        "version": t.version,
        "createdAt": timestamp(t.created_at),
        "group": t.group,
        "launchType": t.launch_type,
        "healthStatus": t.health_status._value_,
        "attachments": _attachments(t) if t.attachments else [],
        "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
        "tags": copy.deepcopy(t.tags) if tags else [],
        "enableExecuteCommand": False,
    }
    if t.started_at is not None:
        out["connectivity"] = "CONNECTED"
    if t.container_instance_arn is None:
        del out["containerInstanceArn"]
    if t.availability_zone is not None:
        out["availabilityZone"] = t.availability_zone
    if t.capacity_provider_name is not None:
        out["capacityProviderName"] = t.capacity_provider_name
    if t.launch_type == "FARGATE":
        out["platformVersion"] = t.platform_version or "1.4.0"
        out["platformFamily"] = "Linux"
        out["ephemeralStorage"] = {"sizeInGiB": 20}
        out["fargateEphemeralStorage"] = {"sizeInGiB": 20}
    for key, attr in _TIMES:
        value = getattr(t, attr)
        if value is not None:
            out[key] = timestamp(value)
    if t.started_by is not None:
        out["startedBy"] = t.started_by
    if t.stop_code is not None:
        out["stopCode"] = t.stop_code
    if t.stopped_reason is not None:
        out["stoppedReason"] = t.stopped_reason
    return out


def _attachments(t: task_mod.Task) -> list[dict[str, Any]]:
    """A task's attachments; an ENI still being created shows only its subnet, as ECS does."""
    out = []
    for a in t.attachments:
        details = a.get("details") or []
        if a.get("status") == "PRECREATED":
            details = [d for d in details if d.get("name") == "subnetId"]
        out.append({**a, "details": [dict(d) for d in details]})
    return out


def _deployment(s: service_mod.Service, d: service_mod.Deployment) -> dict[str, Any]:
    return {
        "id": d.id,
        "status": d.status._value_,
        "taskDefinition": d.task_definition_arn,
        "desiredCount": d.desired_count,
        "pendingCount": d.pending_count,
        "runningCount": d.running_count,
        "failedTasks": d.failed_tasks,
        "createdAt": timestamp(d.created_at),
        "updatedAt": timestamp(d.updated_at),
        "launchType": s.launch_type,
        "rolloutState": d.rollout_state._value_,
        "rolloutStateReason": d.rollout_state_reason,
        **_service_network(s),
        **_strategy(s),
    }


def _strategy(s: service_mod.Service) -> dict[str, Any]:
    """A deployment of a service with a capacity provider strategy shows it, not a launch type."""
    if not s.capacity_provider_strategy:
        return {}
    return {"capacityProviderStrategy": copy.deepcopy(s.capacity_provider_strategy)}


def _service_network(s: service_mod.Service) -> dict[str, Any]:
    """networkConfiguration, and the platform of a Fargate service (LATEST is 1.4.0)."""
    out: dict[str, Any] = {}
    if s.launch_type == "FARGATE":
        out["platformVersion"] = s.platform_version or "LATEST"
        out["platformFamily"] = "Linux"
    if s.network_configuration is not None:
        out["networkConfiguration"] = copy.deepcopy(s.network_configuration)
    return out


def service(s: service_mod.Service, *, tags: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "serviceArn": s.arn,
        "serviceName": s.name,
        "clusterArn": s.cluster_arn,
        "loadBalancers": copy.deepcopy(s.request.get("loadBalancers", [])),
        "serviceRegistries": copy.deepcopy(s.request.get("serviceRegistries", [])),
        "status": s.status._value_,
        "desiredCount": s.desired_count,
        "runningCount": s.running_count,
        "pendingCount": s.pending_count,
        "launchType": s.launch_type,
        "taskDefinition": s.task_definition_arn,
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": copy.deepcopy(
                s.request.get("deploymentConfiguration", {}).get(
                    "deploymentCircuitBreaker", {"enable": False, "rollback": False}
                )
            ),
            "maximumPercent": s.maximum_percent,
            "minimumHealthyPercent": s.minimum_healthy_percent,
        },
        "deployments": [] if s.external else [_deployment(s, d) for d in s.deployments],
        "events": [
            {"id": e.id, "createdAt": timestamp(e.created_at), "message": e.message}
            for e in s.events
        ],
        "createdAt": timestamp(s.created_at),
        "placementConstraints": copy.deepcopy(s.placement_constraints),
        "placementStrategy": copy.deepcopy(s.placement_strategy),
        "schedulingStrategy": s.scheduling_strategy._value_,
        "deploymentController": copy.deepcopy(
            s.request.get("deploymentController") or {"type": "ECS"}
        ),
        "createdBy": "arn:aws:iam::123456789012:root",
        "enableECSManagedTags": bool(s.request.get("enableECSManagedTags", False)),
        "propagateTags": s.request.get("propagateTags", "NONE"),
        "enableExecuteCommand": bool(s.request.get("enableExecuteCommand", False)),
        "healthCheckGracePeriodSeconds": s.request.get("healthCheckGracePeriodSeconds"),
        "tags": copy.deepcopy(s.tags) if tags else [],
        **_service_network(s),
    }
    if s.external:
        out["taskSets"] = [task_set(ts) for ts in s.task_sets]
        primary = next((ts for ts in s.task_sets if ts.status == "PRIMARY"), None)
        out["taskDefinition"] = primary.task_definition_arn if primary is not None else None
        out["launchType"] = primary.launch_type if primary is not None else None
        if primary is not None:
            for key in ("loadBalancers", "serviceRegistries"):
                out[key] = copy.deepcopy(primary.request.get(key, []))
    if s.capacity_provider_strategy:  # a strategy instead of a launch type
        out["capacityProviderStrategy"] = copy.deepcopy(s.capacity_provider_strategy)
        out.pop("launchType", None)
    return _drop_none(out)


def task_set(ts: service_mod.TaskSet, *, tags: bool = False) -> dict[str, Any]:
    """A task set of an EXTERNAL service (CreateTaskSet, DescribeTaskSets, DescribeServices)."""
    out: dict[str, Any] = {
        "id": ts.id,
        "taskSetArn": ts.arn,
        "serviceArn": ts.service_arn,
        "clusterArn": ts.cluster_arn,
        "startedBy": ts.id,
        "externalId": ts.external_id,
        "status": ts.status,
        "taskDefinition": ts.task_definition_arn,
        "computedDesiredCount": ts.computed_desired_count,
        "pendingCount": ts.pending_count,
        "runningCount": ts.running_count,
        "createdAt": timestamp(ts.created_at),
        "updatedAt": timestamp(ts.updated_at),
        "launchType": ts.launch_type,
        "platformVersion": ts.request.get("platformVersion"),
        "networkConfiguration": copy.deepcopy(ts.request.get("networkConfiguration")),
        "loadBalancers": copy.deepcopy(ts.request.get("loadBalancers", [])),
        "serviceRegistries": copy.deepcopy(ts.request.get("serviceRegistries", [])),
        "scale": copy.deepcopy(ts.scale),
        "stabilityStatus": ts.stability_status,
        "stabilityStatusAt": timestamp(ts.stability_status_at),
        "tags": copy.deepcopy(ts.tags) if tags else [],
    }
    if ts.launch_type == "FARGATE":
        out["platformFamily"] = "Linux"
    if ts.request.get("capacityProviderStrategy"):  # a strategy instead of a launch type
        out["capacityProviderStrategy"] = copy.deepcopy(ts.request["capacityProviderStrategy"])
        out.pop("launchType", None)
    return _drop_none(out)
