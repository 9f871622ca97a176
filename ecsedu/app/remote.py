"""A client over HTTP: any ECS endpoint (the classroom server, moto, AWS), used like ecsedu's.

``ecsedu.connect(endpoint_url=URL)`` (or ``AWS_ENDPOINT_URL_ECS`` in the environment) returns a
``RemoteEcs``: every ECS method is boto3's own (same names, camelCase dictionaries, ClientError,
``exceptions``, ``get_waiter``, ``get_paginator``), credentials come from the usual places
(``AWS_ACCESS_KEY_ID`` ..., a profile), and ``snapshot()`` builds ecsedu's ``Snapshot`` from
**Describe and List calls only**, so figures, the dashboard and the notebooks' drawings work
against any ECS. ``snapshot()`` never changes anything; with real AWS credentials it only reads.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

from ecsedu import arns
from ecsedu.model import snapshot as snap

__all__ = ["RemoteEcs", "connect_remote"]


def _ts(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _resource(resources: Sequence[dict[str, Any]], name: str) -> Any:
    for r in resources or ():
        if r.get("name") == name:
            if r.get("type") == "STRINGSET":
                return r.get("stringSetValue") or []
            return r.get("integerValue", 0)
    return None


class RemoteEcs:
    """boto3's ECS client for ``endpoint_url``, plus ``snapshot()`` and a few helpers."""

    runtime = "remote"

    def __init__(self, endpoint_url: str | None = None, **client_options: Any) -> None:
        import importlib

        boto3 = importlib.import_module("boto3")  # a dev/classroom dependency, untyped
        region = (
            client_options.pop("region_name", None)
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1"
        )
        self.endpoint_url = endpoint_url
        self.client = boto3.client(
            "ecs", endpoint_url=endpoint_url, region_name=region, **client_options
        )

    def __getattr__(self, name: str) -> Any:
        # every boto3 method and attribute: create_cluster, exceptions, meta, get_waiter ...
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.client, name)

    def __repr__(self) -> str:
        return f"<ecsedu remote ECS at {self.endpoint_url or 'AWS'}>"

    # -- teaching helpers that make sense remotely ------------------------------------------
    def add_instances(
        self,
        cluster: str = "default",
        count: int = 2,
        cpu: int = 2048,
        memory: int = 4096,
        attributes: dict[str, str] | None = None,
    ) -> list[str]:
        """Register ``count`` container instances (RegisterContainerInstance); their ARNs."""
        arns = []
        for _ in range(count):
            resp = self.client.register_container_instance(
                cluster=cluster,
                totalResources=[
                    {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
                    {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
                ],
                attributes=[{"name": k, "value": v} for k, v in (attributes or {}).items()],
            )
            arns.append(resp["containerInstance"]["containerInstanceArn"])
        return arns

    def advance(self, seconds: float) -> dict[str, Any]:
        """A remote clock runs by itself: wait ``seconds`` of wall time."""
        time.sleep(max(0.0, float(seconds)))
        return {"time": dt.datetime.now(dt.UTC), "events": 0}

    def events(self, **_: Any) -> list[Any]:
        return []  # the event log is the server's; services' events are in the snapshot

    # -- the snapshot, from Describe and List calls only -------------------------------------
    def _all(self, operation: str, key: str, **params: Any) -> list[str]:
        out: list[str] = []
        for page in self.client.get_paginator(operation).paginate(**params):
            out += page.get(key, [])
        return out

    def snapshot(self, cluster: str | None = None) -> snap.Snapshot:
        """ecsedu's ``Snapshot`` of every cluster (or one), from Describe/List calls only."""
        c = self.client
        cluster_arns = [cluster] if cluster else self._all("list_clusters", "clusterArns")
        clusters: list[snap.ClusterView] = []
        for batch in _chunks(cluster_arns, 100):
            for d in c.describe_clusters(clusters=batch).get("clusters", []):
                strategy = d.get("defaultCapacityProviderStrategy") or ()
                clusters.append(
                    snap.ClusterView(
                        arn=d["clusterArn"],
                        name=d.get("clusterName") or arns.resource_id(d["clusterArn"]),
                        status=d.get("status", "ACTIVE"),
                        registered_container_instances_count=_int(
                            d.get("registeredContainerInstancesCount")
                        ),
                        running_tasks_count=_int(d.get("runningTasksCount")),
                        pending_tasks_count=_int(d.get("pendingTasksCount")),
                        active_services_count=_int(d.get("activeServicesCount")),
                        capacity_providers=tuple(d.get("capacityProviders") or ()),
                        default_strategy=tuple(
                            snap.StrategyItemView(
                                x.get("capacityProvider", ""),
                                _int(x.get("weight")),
                                _int(x.get("base")),
                            )
                            for x in strategy
                        ),
                    )
                )
        instances: list[snap.InstanceView] = []
        services: list[snap.ServiceView] = []
        tasks: list[snap.TaskView] = []
        td_arns: list[str] = []
        for cv in clusters:
            if cv.status == "INACTIVE":
                continue
            ci_arns = self._all("list_container_instances", "containerInstanceArns", cluster=cv.arn)
            for batch in _chunks(ci_arns, 100):
                resp = c.describe_container_instances(cluster=cv.arn, containerInstances=batch)
                instances += [self._instance(cv.arn, d) for d in resp.get("containerInstances", [])]
            svc_arns = self._all("list_services", "serviceArns", cluster=cv.arn)
            for batch in _chunks(svc_arns, 10):
                for d in c.describe_services(cluster=cv.arn, services=batch).get("services", []):
                    services.append(self._service(cv.arn, d))
                    td_arns.append(d.get("taskDefinition", ""))
            task_arns = self._all("list_tasks", "taskArns", cluster=cv.arn)
            task_arns += [
                a
                for a in self._all(
                    "list_tasks", "taskArns", cluster=cv.arn, desiredStatus="STOPPED"
                )
                if a not in task_arns
            ]
            for batch in _chunks(task_arns, 100):
                for d in c.describe_tasks(cluster=cv.arn, tasks=batch).get("tasks", []):
                    tasks.append(self._task(cv.arn, d))
                    td_arns.append(d.get("taskDefinitionArn", ""))
        task_definitions: list[snap.TaskDefinitionView] = []
        for arn in dict.fromkeys(a for a in td_arns if a):
            try:
                d = c.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            except c.exceptions.ClientError:
                continue
            task_definitions.append(self._task_definition(d))
        return snap.Snapshot(
            time=time.time(),
            runtime="remote",
            clusters=tuple(clusters),
            instances=tuple(instances),
            task_definitions=tuple(task_definitions),
            tasks=tuple(tasks),
            services=tuple(services),
            capacity_providers=self._capacity_providers(clusters, instances),
        )

    def _capacity_providers(
        self, clusters: Sequence[snap.ClusterView], instances: Sequence[snap.InstanceView]
    ) -> tuple[snap.CapacityProviderView, ...]:
        """The providers the clusters use, from DescribeCapacityProviders. An Auto Scaling
        group's sizes and the reservation metric are not ECS's to tell (EC2 Auto Scaling and
        CloudWatch know them): they stay 0 and None."""
        names = list(dict.fromkeys(n for cv in clusters for n in cv.capacity_providers))
        out: list[snap.CapacityProviderView] = []
        for batch in _chunks(names, 100):
            found = self.client.describe_capacity_providers(capacityProviders=batch)
            for d in found.get("capacityProviders", []):
                name = d.get("name", "")
                asg = d.get("autoScalingGroupProvider") or {}
                scaling = asg.get("managedScaling") or {}
                managed = scaling.get("status") == "ENABLED"
                group = asg.get("autoScalingGroupArn")
                launched = tuple(i.arn for i in instances if i.capacity_provider == name)
                out.append(
                    snap.CapacityProviderView(
                        name=name,
                        arn=d.get("capacityProviderArn", ""),
                        kind="ASG" if group else name,
                        status=d.get("status", "ACTIVE"),
                        auto_scaling_group=(
                            group.rsplit("autoScalingGroupName/", 1)[-1] if group else None
                        ),
                        managed_scaling=managed,
                        target_capacity=_int(scaling.get("targetCapacity"), 100)
                        if managed
                        else None,
                        managed_termination_protection=(
                            asg.get("managedTerminationProtection") == "ENABLED"
                        ),
                        instances=launched,
                    )
                )
        return tuple(out)

    @staticmethod
    def _instance(cluster_arn: str, d: dict[str, Any]) -> snap.InstanceView:
        registered = d.get("registeredResources") or []
        remaining = d.get("remainingResources") or []
        attributes = tuple(
            sorted((a["name"], a.get("value")) for a in d.get("attributes") or () if "name" in a)
        )
        zone = next((v for k, v in attributes if k == "ecs.availability-zone"), None)
        arn = d["containerInstanceArn"]
        return snap.InstanceView(
            arn=arn,
            id=arns.resource_id(arn),
            cluster_arn=cluster_arn,
            ec2_instance_id=d.get("ec2InstanceId") or "",
            status=d.get("status", "ACTIVE"),
            agent_connected=bool(d.get("agentConnected", True)),
            registered_cpu=_int(_resource(registered, "CPU")),
            registered_memory=_int(_resource(registered, "MEMORY")),
            remaining_cpu=_int(_resource(remaining, "CPU")),
            remaining_memory=_int(_resource(remaining, "MEMORY")),
            attributes=attributes,
            running_tasks_count=_int(d.get("runningTasksCount")),
            pending_tasks_count=_int(d.get("pendingTasksCount")),
            availability_zone=zone,
            registered_at=_ts(d.get("registeredAt")) or 0.0,
            reserved_ports=tuple(
                sorted(
                    (str(p) for p in _resource(registered, "PORTS") or ()),
                    key=lambda p: _int(p),
                )
            ),
            capacity_provider=d.get("capacityProviderName"),
        )

    @staticmethod
    def _service(cluster_arn: str, d: dict[str, Any]) -> snap.ServiceView:
        config = d.get("deploymentConfiguration") or {}
        events = tuple(
            snap.ServiceEventView(e.get("id", ""), _ts(e.get("createdAt")) or 0.0, e["message"])
            for e in d.get("events") or ()
            if "message" in e
        )
        return snap.ServiceView(
            arn=d["serviceArn"],
            name=d.get("serviceName") or arns.resource_id(d["serviceArn"]),
            cluster_arn=cluster_arn,
            status=d.get("status", "ACTIVE"),
            task_definition_arn=d.get("taskDefinition", ""),
            desired_count=_int(d.get("desiredCount")),
            running_count=_int(d.get("runningCount")),
            pending_count=_int(d.get("pendingCount")),
            scheduling_strategy=d.get("schedulingStrategy") or "REPLICA",
            launch_type=d.get("launchType") or "EC2",
            minimum_healthy_percent=_int(config.get("minimumHealthyPercent"), 100),
            maximum_percent=_int(config.get("maximumPercent"), 200),
            deployments=tuple(
                snap.DeploymentView(
                    id=x.get("id", ""),
                    status=x.get("status", "PRIMARY"),
                    task_definition_arn=x.get("taskDefinition", ""),
                    desired_count=_int(x.get("desiredCount")),
                    running_count=_int(x.get("runningCount")),
                    pending_count=_int(x.get("pendingCount")),
                    failed_tasks=_int(x.get("failedTasks")),
                    rollout_state=x.get("rolloutState") or "COMPLETED",
                    rollout_state_reason=x.get("rolloutStateReason") or "",
                    created_at=_ts(x.get("createdAt")) or 0.0,
                )
                for x in d.get("deployments") or ()
            ),
            events=events,
            created_at=_ts(d.get("createdAt")) or 0.0,
            capacity_provider_strategy=tuple(
                snap.StrategyItemView(
                    x.get("capacityProvider", ""), _int(x.get("weight")), _int(x.get("base"))
                )
                for x in d.get("capacityProviderStrategy") or ()
            ),
        )

    @staticmethod
    def _task(cluster_arn: str, d: dict[str, Any]) -> snap.TaskView:
        td_arn = d.get("taskDefinitionArn", "")
        family, _, revision = arns.resource_id(td_arn).rpartition(":")
        group = d.get("group") or ""
        containers = tuple(
            snap.ContainerView(
                name=x.get("name", ""),
                image=x.get("image", ""),
                last_status=x.get("lastStatus", "PENDING"),
                essential=bool(x.get("essential", True)),
                cpu=_int(x.get("cpu")),
                memory=_int(x.get("memory"), 0) or None,
                memory_reservation=_int(x.get("memoryReservation"), 0) or None,
                exit_code=x.get("exitCode"),
                reason=x.get("reason"),
                health_status=x.get("healthStatus") or "UNKNOWN",
                network_bindings=tuple(
                    snap.PortBindingView(
                        _int(b.get("containerPort")),
                        _int(b.get("hostPort")),
                        b.get("protocol") or "tcp",
                        b.get("bindIP") or "0.0.0.0",
                    )
                    for b in x.get("networkBindings") or ()
                ),
                runtime_id=x.get("runtimeId"),
            )
            for x in d.get("containers") or ()
        )
        arn = d["taskArn"]
        eni: dict[str, Any] = next(
            (a for a in d.get("attachments") or () if a.get("type") == "ElasticNetworkInterface"),
            {},
        )
        details = {x.get("name"): x.get("value") for x in eni.get("details") or ()}
        return snap.TaskView(
            arn=arn,
            id=arns.resource_id(arn),
            cluster_arn=cluster_arn,
            task_definition_arn=td_arn,
            family=family or td_arn,
            revision=_int(revision, 1),
            container_instance_arn=d.get("containerInstanceArn"),
            last_status=d.get("lastStatus", "PENDING"),
            desired_status=d.get("desiredStatus", "RUNNING"),
            group=group,
            started_by=d.get("startedBy"),
            service_name=group[len("service:") :] if group.startswith("service:") else None,
            deployment_id=None,
            health_status=d.get("healthStatus") or "UNKNOWN",
            cpu=_int(d.get("cpu")),
            memory=_int(d.get("memory")),
            containers=containers,
            created_at=_ts(d.get("createdAt")) or 0.0,
            started_at=_ts(d.get("startedAt")),
            stopping_at=_ts(d.get("stoppingAt")),
            stopped_at=_ts(d.get("stoppedAt")),
            stop_code=d.get("stopCode"),
            stopped_reason=d.get("stoppedReason"),
            version=_int(d.get("version"), 1),
            launch_type=d.get("launchType") or "EC2",
            capacity_provider=d.get("capacityProviderName"),
            platform_version=d.get("platformVersion"),
            private_ip=details.get("privateIPv4Address"),
            eni_id=details.get("networkInterfaceId"),
            eni_status=eni.get("status"),
            availability_zone=d.get("availabilityZone"),
        )

    @staticmethod
    def _task_definition(d: dict[str, Any]) -> snap.TaskDefinitionView:
        containers = []
        for x in d.get("containerDefinitions") or ():
            containers.append(
                snap.ContainerDefinitionView(
                    name=x.get("name", ""),
                    image=x.get("image", ""),
                    cpu=_int(x.get("cpu")),
                    memory=_int(x.get("memory"), 0) or None,
                    memory_reservation=_int(x.get("memoryReservation"), 0) or None,
                    essential=bool(x.get("essential", True)),
                    port_mappings=tuple(
                        snap.PortBindingView(
                            _int(p.get("containerPort")),
                            _int(p.get("hostPort")),
                            p.get("protocol") or "tcp",
                        )
                        for p in x.get("portMappings") or ()
                    ),
                    links=tuple(x.get("links") or ()),
                    depends_on=tuple(
                        dep.get("containerName", "") for dep in x.get("dependsOn") or ()
                    ),
                )
            )
        cpu = _int(d.get("cpu"), 0) or sum(c.cpu for c in containers)
        memory = _int(d.get("memory"), 0) or sum(
            (c.memory or c.memory_reservation or 0) for c in containers
        )
        return snap.TaskDefinitionView(
            arn=d["taskDefinitionArn"],
            family=d.get("family", ""),
            revision=_int(d.get("revision"), 1),
            status=d.get("status", "ACTIVE"),
            network_mode=d.get("networkMode") or "bridge",
            cpu=cpu,
            memory=memory,
            containers=tuple(containers),
        )


def connect_remote(endpoint_url: str | None, **options: Any) -> RemoteEcs:
    return RemoteEcs(endpoint_url, **options)
