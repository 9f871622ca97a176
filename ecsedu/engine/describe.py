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
    c: cluster_mod.Cluster, *, statistics: bool = False, tags: bool = False
) -> dict[str, Any]:
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
        "settings": copy.deepcopy(c.settings)
        or [{"name": "containerInsights", "value": "disabled"}],
        "capacityProviders": [],
        "defaultCapacityProviderStrategy": [],
    }
    if statistics:
        out["statistics"] = [
            {"name": "runningEC2TasksCount", "value": str(c.running_tasks_count)},
            {"name": "pendingEC2TasksCount", "value": str(c.pending_tasks_count)},
            {"name": "activeEC2ServiceCount", "value": str(c.active_services_count)},
        ]
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


def container_instance(i: ci_mod.ContainerInstance, *, tags: bool = False) -> dict[str, Any]:
    return {
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


def task_definition(td: td_mod.TaskDefinition) -> dict[str, Any]:
    doc = copy.deepcopy(td.document)
    doc["status"] = td.status._value_
    if isinstance(doc.get("registeredAt"), (int, float)):
        doc["registeredAt"] = timestamp(float(doc["registeredAt"]))
    if isinstance(doc.get("deregisteredAt"), (int, float)):
        doc["deregisteredAt"] = timestamp(float(doc["deregisteredAt"]))
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
        "networkBindings": [
            {"bindIP": ip, "containerPort": cp, "hostPort": hp, "protocol": proto}
            for cp, hp, proto, ip in c.bindings
        ],
        "networkInterfaces": [],
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
    return entry


def task(t: task_mod.Task, *, tags: bool = False) -> dict[str, Any]:
    """A task as DescribeTasks / RunTask return it (absent values are left out, as ECS does)."""
    td = t.task_definition
    overrides = t.overrides
    out: dict[str, Any] = {
        "taskArn": t.arn,
        "clusterArn": t.cluster_arn,
        "taskDefinitionArn": td.arn,
        "containerInstanceArn": t.container_instance_arn,
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
        "attachments": [],
        "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
        "tags": copy.deepcopy(t.tags) if tags else [],
        "enableExecuteCommand": False,
    }
    if t.started_at is not None:
        out["connectivity"] = "CONNECTED"
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
    }


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
        "deployments": [_deployment(s, d) for d in s.deployments],
        "events": [
            {"id": e.id, "createdAt": timestamp(e.created_at), "message": e.message}
            for e in s.events
        ],
        "createdAt": timestamp(s.created_at),
        "placementConstraints": copy.deepcopy(s.placement_constraints),
        "placementStrategy": copy.deepcopy(s.placement_strategy),
        "schedulingStrategy": s.scheduling_strategy._value_,
        "deploymentController": {"type": "ECS"},
        "createdBy": "arn:aws:iam::123456789012:root",
        "enableECSManagedTags": bool(s.request.get("enableECSManagedTags", False)),
        "propagateTags": s.request.get("propagateTags", "NONE"),
        "enableExecuteCommand": bool(s.request.get("enableExecuteCommand", False)),
        "healthCheckGracePeriodSeconds": s.request.get("healthCheckGracePeriodSeconds"),
        "tags": copy.deepcopy(s.tags) if tags else [],
    }
    return _drop_none(out)
