"""Engine state → ``Snapshot``: the frozen views renderers and widgets read."""

from __future__ import annotations

from typing import Any

from ecsedu import arns
from ecsedu.engine import store as store_mod
from ecsedu.engine.controllers import autoscaling as autoscaling_ctl
from ecsedu.engine.controllers import loadbalancing
from ecsedu.engine.controllers import metrics as metrics_ctl
from ecsedu.model import capacity_provider as cp_mod
from ecsedu.model import snapshot as snap
from ecsedu.model import task as task_mod

__all__ = ["snapshot"]


ENI = "ElasticNetworkInterface"


def _eni(t: task_mod.Task) -> tuple[str | None, str | None]:
    """The id and status of an awsvpc task's network interface (None, None without one)."""
    for a in t.attachments:
        if a.get("type") == ENI:
            eni = next(
                (
                    d.get("value")
                    for d in a.get("details", ())
                    if d.get("name") == "networkInterfaceId"
                ),
                None,
            )
            return eni, a.get("status")
    return None, None


def _task(t: task_mod.Task) -> snap.TaskView:
    td = t.task_definition
    eni, eni_status = _eni(t)
    awsvpc = td.network_mode == "awsvpc"
    return snap.TaskView(
        arn=t.arn,
        id=t.id,
        cluster_arn=t.cluster_arn,
        task_definition_arn=td.arn,
        family=td.family,
        revision=td.revision,
        container_instance_arn=t.container_instance_arn,
        last_status=t.last_status.value,
        desired_status=t.desired_status.value,
        group=t.group,
        started_by=t.started_by,
        service_name=t.service_name,
        deployment_id=t.deployment_id,
        health_status=t.health_status.value,
        cpu=t.cpu,
        memory=t.memory,
        containers=tuple(
            snap.ContainerView(
                name=c.name,
                image=c.image,
                last_status=c.last_status.value,
                essential=c.essential,
                cpu=c.cpu,
                memory=c.memory,
                memory_reservation=c.memory_reservation,
                exit_code=c.exit_code,
                reason=c.reason,
                health_status=c.health_status.value,
                # as DescribeTasks shows them: an awsvpc task has none (it is reached at its
                # ENI's private address)
                network_bindings=()
                if awsvpc
                else tuple(
                    snap.PortBindingView(cp, hp, proto, ip) for cp, hp, proto, ip in c.bindings
                ),
                runtime_id=c.runtime_id,
            )
            for c in t.containers
        ),
        created_at=t.created_at,
        started_at=t.started_at,
        stopping_at=t.stopping_at,
        stopped_at=t.stopped_at,
        stop_code=t.stop_code,
        stopped_reason=t.stopped_reason,
        version=t.version,
        launch_type=t.launch_type,
        capacity_provider=t.capacity_provider_name,
        platform_version=t.platform_version,
        private_ip=t.private_ip,
        eni_id=eni,
        eni_status=eni_status,
        availability_zone=t.availability_zone,
    )


# The phrases of a "was unable to place a task" service event, and the short reason of each.
_UNPLACED = (
    ("insufficient memory available", "memory"),
    ("insufficient CPU units available", "CPU"),
    ("is already using a port required by your task", "ports"),
    ("is missing an attribute required by your task", "attribute"),
    ("doesn't have the agent connected", "agent"),
    ("No Container Instances were found in your cluster", "no instances"),
    ('encountered error "', "constraint"),
)


def _unplaced_reason(messages: list[str]) -> str | None:
    """The short reason when the newest service event (first) says a task could not be placed."""
    if not messages or "was unable to place a task" not in messages[0]:
        return None
    return next((short for phrase, short in _UNPLACED if phrase in messages[0]), "constraint")


def _tasks(store: store_mod.Store) -> tuple[snap.TaskView, ...]:
    """Task views, reusing the view of every task whose ``version`` has not moved since the
    last snapshot (the lifecycle bumps it on every change a view shows): a quiet cluster of
    1,000 tasks costs a dictionary walk, not 1,000 new views."""
    old = store.task_views
    new: dict[str, tuple[Any, int, Any]] = {}
    out = []
    for arn, t in store.tasks.items():
        hit = old.get(arn)
        fresh = hit is not None and hit[0] is t and hit[1] == t.version
        view = hit[2] if fresh and hit is not None else _task(t)
        new[arn] = (t, t.version, view)
        out.append(view)
    store.task_views = new
    return tuple(out)


def _strategy(items: list[dict[str, Any]]) -> tuple[snap.StrategyItemView, ...]:
    return tuple(
        snap.StrategyItemView(
            str(item.get("capacityProvider", "")),
            int(item.get("weight", 0)),
            int(item.get("base", 0)),
        )
        for item in items
    )


MANAGED_SCALING = "AWS/ECS/ManagedScaling"


def _managed_scaling_series(
    store: store_mod.Store, minutes: int = 60
) -> tuple[snap.MetricSeriesView, ...]:
    """``CapacityProviderReservation`` of each provider and cluster, the last ``minutes``
    datapoints (cluster auto scaling publishes it once a minute)."""
    found: metrics_ctl.CloudWatch | None = store.extensions.get("cloudwatch")
    if found is None:
        return ()
    out = []
    for (namespace, name, dims), series in found.series.items():
        if namespace != MANAGED_SCALING:
            continue
        d = dict(dims)
        points = tuple(
            (p.time, round(v, 2))
            for p in list(series)[-minutes:]
            if (v := metrics_ctl.statistic([p], "Average")) is not None
        )
        out.append(
            snap.MetricSeriesView(
                namespace=namespace,
                name=name,
                cluster_name=d.get("ClusterName", ""),
                service_name="",
                points=points,
                unit="Percent",
                capacity_provider_name=d.get("CapacityProviderName"),
            )
        )
    return tuple(out)


def _group_name(arn: str) -> str:
    """``...:autoScalingGroupName/asg-1`` -> ``asg-1``."""
    return arn.rsplit("autoScalingGroupName/", 1)[-1]


def _capacity_providers(store: store_mod.Store) -> tuple[snap.CapacityProviderView, ...]:
    """The account's Auto Scaling group providers, and FARGATE / FARGATE_SPOT where a cluster
    uses them (they are built in: never stored)."""
    groups = {g.arn: g for g in store.auto_scaling_groups.values()}
    out = []
    used = {n for c in store.clusters.values() for n in c.capacity_providers}
    for name in cp_mod.FARGATE_PROVIDERS:
        if name in used:
            out.append(
                snap.CapacityProviderView(name, arns.capacity_provider(name), name, "ACTIVE")
            )
    for cp in store.capacity_providers.values():
        asg = groups.get(cp.auto_scaling_group_arn or "")
        ms = cp.managed_scaling
        managed = ms.status == "ENABLED"
        out.append(
            snap.CapacityProviderView(
                name=cp.name,
                arn=cp.arn,
                kind=cp.kind,
                status=cp.status.value,
                auto_scaling_group=(
                    asg.name
                    if asg is not None
                    else _group_name(cp.auto_scaling_group_arn)
                    if cp.auto_scaling_group_arn
                    else None
                ),
                managed_scaling=managed,
                target_capacity=ms.target_capacity if managed else None,
                managed_termination_protection=cp.managed_termination_protection == "ENABLED",
                reservation=cp.reservation,
                desired_capacity=asg.desired_capacity if asg is not None else 0,
                min_size=asg.min_size if asg is not None else 0,
                max_size=asg.max_size if asg is not None else 0,
                instances=tuple(asg.instances) if asg is not None else (),
                protected=tuple(a for a in asg.instances if a in asg.protected)
                if asg is not None
                else (),
                launching=sum(m.lifecycle_state == "Pending" for m in asg.members.values())
                if asg is not None
                else 0,
                instance_cpu=asg.instance_cpu if asg is not None else 0,
                instance_memory=asg.instance_memory if asg is not None else 0,
            )
        )
    return tuple(out)


def snapshot(store: store_mod.Store) -> snap.Snapshot:
    clusters = tuple(
        snap.ClusterView(
            arn=c.arn,
            name=c.name,
            status=c.status.value,
            registered_container_instances_count=c.registered_container_instances_count,
            running_tasks_count=c.running_tasks_count,
            pending_tasks_count=c.pending_tasks_count,
            active_services_count=c.active_services_count,
            capacity_providers=tuple(c.capacity_providers),
            default_strategy=_strategy(c.default_capacity_provider_strategy),
        )
        for c in store.clusters.values()
    )
    instances = tuple(
        snap.InstanceView(
            arn=i.arn,
            id=i.id,
            cluster_arn=i.cluster_arn,
            ec2_instance_id=i.ec2_instance_id,
            status=i.status.value,
            agent_connected=i.agent_connected,
            registered_cpu=i.registered_cpu,
            registered_memory=i.registered_memory,
            remaining_cpu=i.remaining_cpu,
            remaining_memory=i.remaining_memory,
            attributes=tuple(sorted((k, v) for k, v in i.attributes.items())),
            running_tasks_count=i.running_tasks_count,
            pending_tasks_count=i.pending_tasks_count,
            availability_zone=i.availability_zone,
            registered_at=i.registered_at,
            reserved_ports=tuple(sorted(i.ports, key=int)),
            docker_host=i.docker_host,
            address=i.address,
            capacity_provider=i.capacity_provider_name,
        )
        for i in store.instances.values()
    )
    task_definitions = tuple(td.to_view() for revs in store.families.values() for td in revs)
    services = tuple(
        snap.ServiceView(
            arn=s.arn,
            name=s.name,
            cluster_arn=s.cluster_arn,
            status=s.status.value,
            task_definition_arn=s.task_definition_arn,
            desired_count=s.desired_count,
            running_count=s.running_count,
            pending_count=s.pending_count,
            scheduling_strategy=s.scheduling_strategy.value,
            launch_type=s.launch_type,
            minimum_healthy_percent=s.minimum_healthy_percent,
            maximum_percent=s.maximum_percent,
            deployments=tuple(
                snap.DeploymentView(
                    id=d.id,
                    status=d.status.value,
                    task_definition_arn=d.task_definition_arn,
                    desired_count=d.desired_count,
                    running_count=d.running_count,
                    pending_count=d.pending_count,
                    failed_tasks=d.failed_tasks,
                    rollout_state=d.rollout_state.value,
                    rollout_state_reason=d.rollout_state_reason,
                    created_at=d.created_at,
                )
                for d in s.deployments
            ),
            events=tuple(snap.ServiceEventView(e.id, e.created_at, e.message) for e in s.events),
            created_at=s.created_at,
            scaling=autoscaling_ctl.scaling_view(store, s),
            unplaced_reason=_unplaced_reason([e.message for e in s.events[:1]]),
            capacity_provider_strategy=_strategy(s.capacity_provider_strategy),
        )
        for s in store.services.values()
    )
    return snap.Snapshot(
        time=store.clock.now,
        runtime=store.runtime_name,
        clusters=clusters,
        instances=instances,
        task_definitions=task_definitions,
        tasks=_tasks(store),
        services=services,
        events=store.event_views(),  # shares the log's storage: O(1) in history
        metrics=metrics_ctl.series_views(store) + _managed_scaling_series(store),
        load_balancers=loadbalancing.snapshot_views(store),
        capacity_providers=_capacity_providers(store),
    )
