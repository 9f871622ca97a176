"""The ECS client: the object ``ecsedu.connect()`` returns, shaped like ``boto3.client("ecs")``.

It has boto3's method names, takes boto3's keyword arguments and returns the camelCase dicts
ECS returns; errors are botocore ``ClientError`` subclasses with ECS's codes and messages
(``ecs.exceptions.ClusterNotFoundException`` ...). Every request is first checked against
botocore's own model of ECS, then against ECS's own rules, before anything changes: a failed
call changes no state.

Beyond boto3, teaching helpers (documented as such): ``add_instances``,
``add_auto_scaling_group``, ``advance``, ``events``,
``snapshot``, ``inject``, ``save``, ``subscribe``, ``play`` / ``pause``, ``reset`` and ``close``.

The client is safe to call from any thread. On the simulated clock time moves only when
``advance`` is called (or a waiter waits, or ``play`` runs), so a notebook can look at every
step; on the wall clock (Docker) the engine runs by itself.
"""

from __future__ import annotations

import atexit
import contextlib
import numbers
import weakref
from collections.abc import Callable
from typing import Any

from ecsedu import clock as clock_mod
from ecsedu import errors
from ecsedu.engine import core, describe, lifecycle, services, validation, views
from ecsedu.engine import store as store_mod
from ecsedu.engine.api import (
    account_settings,
    agent_facing,
    attributes,
    capacity_providers,
    clusters,
    instances,
    service_deployments,
    tags,
    task_definitions,
    task_sets,
    tasks,
)
from ecsedu.engine.api import protection as protection_api
from ecsedu.engine.api import services as services_api
from ecsedu.engine.clients.base import AwsClient, operation
from ecsedu.model import events as events_mod
from ecsedu.model import snapshot as snapshot_mod

__all__ = ["EcsClient"]

EVENT_KINDS = tuple(k.value for k in events_mod.EventKind)
#: The other AWS clients over one engine: attribute -> (module, class).
SIBLINGS = {
    "autoscaling": ("ecsedu.engine.clients.autoscaling", "AutoScalingClient"),
    "cloudwatch": ("ecsedu.engine.clients.cloudwatch", "CloudWatchClient"),
    "ec2_autoscaling": ("ecsedu.engine.clients.ec2_autoscaling", "Ec2AutoScalingClient"),
    "elbv2": ("ecsedu.engine.clients.elbv2", "Elbv2Client"),
}


class EcsClient(AwsClient):
    """An in-process Amazon ECS, used like ``boto3.client("ecs")``.

    Build one with ``ecsedu.connect()``. ``EcsClient(**engine_options)`` builds an engine with
    those options (``seed``, ``clock``, ``runtime_factory`` ...); ``EcsClient(engine)`` wraps an
    existing one.
    """

    service = "ecs"

    def __init__(
        self,
        engine: core.Engine | None = None,
        *,
        rebuild: Callable[[], core.Engine] | None = None,
        **engine_options: Any,
    ) -> None:
        if engine is None:
            engine = core.Engine(**engine_options)
            if rebuild is None:
                rebuild = _rebuilder(engine_options)
        super().__init__(engine)
        self._rebuild = rebuild
        self._go_live()
        _LIVE.add(self)

    def _go_live(self) -> None:
        if not self.engine.clock.simulated:
            self.engine.start_driver()

    # ======================================================================= sibling clients
    def _sibling(self, name: str) -> Any:
        """The client of another AWS service over the same engine (one per engine)."""
        import importlib

        cache = self.engine.clients
        client = cache.get(name)
        if client is None:
            module_name, class_name = SIBLINGS[name]
            cls = getattr(importlib.import_module(module_name), class_name)
            client = cache[name] = cls(self.engine)
        return client

    @property
    def autoscaling(self) -> Any:
        """An Application Auto Scaling client (``boto3.client("application-autoscaling")``)
        over this account."""
        return self._sibling("autoscaling")

    @property
    def cloudwatch(self) -> Any:
        """A CloudWatch client (``boto3.client("cloudwatch")``) over this account."""
        return self._sibling("cloudwatch")

    @property
    def ec2_autoscaling(self) -> Any:
        """An EC2 Auto Scaling client (``boto3.client("autoscaling")``) over this account: the
        Auto Scaling groups behind capacity providers."""
        return self._sibling("ec2_autoscaling")

    @property
    def elbv2(self) -> Any:
        """An Elastic Load Balancing v2 client (``boto3.client("elbv2")``) over this account."""
        return self._sibling("elbv2")

    def load(
        self,
        cluster: str = "default",
        service: str | None = None,
        *,
        cpu_percent: float | None = None,
        memory_percent: float | None = None,
        rps: float | None = None,
    ) -> dict[str, Any]:
        """Teaching helper (simulated runtime): put a load on a service. ``cpu_percent`` and
        ``memory_percent`` are what its tasks read now, on average; the demand behind them stays
        when tasks are added, so each task's share falls as the service scales out (target
        tracking settles instead of running away). ``rps``: requests per second through its
        load balancer."""
        from ecsedu.engine.controllers import load as load_mod

        return self.engine.run(
            "PutLoad",
            lambda: load_mod.put_load(
                self.engine,
                cluster,
                service,
                cpu_percent=cpu_percent,
                memory_percent=memory_percent,
                rps=rps,
            ),
        )

    # ======================================================================= internals, for tests
    @property
    def store(self) -> store_mod.Store:
        """The engine's state (internal; tests and benchmarks read it)."""
        return self.engine.store

    @property
    def clock(self) -> clock_mod.Clock:
        return self.engine.clock

    @property
    def services(self) -> services.ServiceController:
        return self.engine.services

    @property
    def lifecycle(self) -> lifecycle.Lifecycle:
        return self.engine.lifecycle

    @property
    def seed(self) -> int:
        return self.engine.seed

    @property
    def runtime(self) -> str:
        """``"simulated"`` or ``"docker"``."""
        return self.engine.store.runtime_name

    # ======================================================================= teaching helpers
    def advance(self, seconds: object) -> dict[str, Any]:
        """Let ``seconds`` pass (simulated: instantly). Returns a short summary of the world."""
        if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
            raise errors.UsageError(
                f"advance(seconds) takes a number of seconds, not {type(seconds).__name__} "
                f"{seconds!r}: for example ecs.advance(60)"
            )
        if not 0 <= float(seconds) < float("inf"):
            raise errors.UsageError(
                f"advance(seconds) needs 0 or more (finite) seconds, not {seconds!r}: time only "
                "moves forward"
            )
        self.engine.advance(float(seconds))
        return self.engine.read(
            lambda: {
                "time": describe.timestamp(self.engine.clock.now),
                "events": len(self.engine.store.log),
            }
        )

    def events(self, *, kind: str | None = None, since: int = 0) -> list[snapshot_mod.EventView]:
        """The ordered log of everything that happened (optionally one ``kind``, from ``since``).

        ``kind`` is one of ``EventKind``'s values (case does not matter): TASK_STATE_CHANGE,
        CONTAINER_STATE_CHANGE, SERVICE_EVENT, PLACEMENT, AGENT_CONNECTED, ...
        """
        if kind is not None:
            if not isinstance(kind, str) or kind.upper() not in EVENT_KINDS:
                raise errors.UsageError(
                    f"events(kind=...) must be one of {', '.join(EVENT_KINDS)}, not {kind!r}"
                )
            kind = kind.upper()
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise errors.UsageError(
                f"events(since=...) takes an event number (0 or more), not {since!r}"
            )
        view = self.engine.read(lambda: self.engine.store.event_views(since))
        return [e for e in view if kind is None or e.kind == kind]

    def snapshot(self) -> snapshot_mod.Snapshot:
        """An immutable view of the whole state: what renderers and widgets read."""
        return self.engine.read(lambda: views.snapshot(self.engine.store))

    def add_instances(
        self,
        cluster: str = "default",
        count: int = 2,
        cpu: int = 2048,
        memory: int = 4096,
        attributes: dict[str, str] | None = None,
        gpus: int = 0,
        **runtime_options: Any,
    ) -> list[str]:
        """Teaching helper: register ``count`` container instances; returns their ARNs.

        ``gpus``: GPUs per instance (registered as the ``GPU`` resource, one id each), for task
        definitions whose containers ask for them (``resourceRequirements`` of type GPU)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise errors.UsageError(f"add_instances(count=...) takes 0 or more, not {count!r}")
        if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
            raise errors.UsageError(f"add_instances(gpus=...) takes 0 or more, not {gpus!r}")

        def register() -> list[str]:
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
                if gpus:
                    ids = [f"GPU-{self.engine.store.ids.uuid()}" for _ in range(gpus)]
                    params["totalResources"].append(
                        {"name": "GPU", "type": "STRINGSET", "stringSetValue": ids}
                    )
                validation.check_shape("RegisterContainerInstance", params)
                resp = instances.register_instance(self.engine, params, runtime_options)
                arns.append(resp["containerInstance"]["containerInstanceArn"])
            return arns

        return self.engine.run("RegisterContainerInstance", register)

    def add_image(self, image: str) -> str:
        """Teaching helper: let simulated instances pull ``image`` (``repository[:tag]``, as in
        a container definition); returns its digest. Besides these, they pull the demo images
        and the catalogue of docs/images.md; any other image fails its task with
        ``CannotPullContainerError``. (On Docker, images are the Docker engine's own: this
        only records the name.)"""
        if not isinstance(image, str) or not image.strip() or any(ch.isspace() for ch in image):
            raise errors.UsageError(f"add_image(image) takes an image name, not {image!r}")
        return self.engine.run("AddImage", lambda: self.engine.image_registry().add(image))

    def add_auto_scaling_group(
        self,
        cluster: str = "default",
        name: str = "asg",
        *,
        min_size: int = 0,
        max_size: int = 10,
        desired: int = 0,
        instance_type: str | None = None,
        target_capacity: int = 100,
        managed_termination_protection: bool = True,
    ) -> str:
        """Teaching helper: the three AWS calls behind cluster auto scaling in one go. Creates
        the EC2 Auto Scaling group ``name`` (``instance_type`` from the table in
        ``ecsedu.engine.api.ec2_autoscaling``; default 2048 CPU units, 4096 MiB), a capacity
        provider ``<name>-cp`` over it with managed scaling at ``target_capacity``, and adds
        the provider to ``cluster`` (and to its default strategy when that has none).
        Returns the provider's name. On AWS: ``autoscaling.create_auto_scaling_group``,
        ``ecs.create_capacity_provider``, ``ecs.put_cluster_capacity_providers``."""
        (c,) = self.describe_clusters(clusters=[cluster])["clusters"] or [None]
        if c is None or c["status"] != "ACTIVE":
            raise errors.UsageError(f"add_auto_scaling_group: no cluster {cluster!r}")
        group: dict[str, Any] = {
            "AutoScalingGroupName": name,
            "MinSize": min_size,
            "MaxSize": max_size,
            "DesiredCapacity": desired,
            "NewInstancesProtectedFromScaleIn": managed_termination_protection,
        }
        template = {"LaunchTemplateName": f"{name}-template"}
        if instance_type:
            group["MixedInstancesPolicy"] = {
                "LaunchTemplate": {
                    "LaunchTemplateSpecification": template,
                    "Overrides": [{"InstanceType": instance_type}],
                }
            }
        else:
            group["LaunchTemplate"] = template
        self.ec2_autoscaling.create_auto_scaling_group(**group)
        provider = f"{name}-cp"
        self.create_capacity_provider(
            name=provider,
            autoScalingGroupProvider={
                "autoScalingGroupArn": name,
                "managedScaling": {"status": "ENABLED", "targetCapacity": target_capacity},
                "managedTerminationProtection": (
                    "ENABLED" if managed_termination_protection else "DISABLED"
                ),
            },
        )
        strategy = c["defaultCapacityProviderStrategy"] or [
            {"capacityProvider": provider, "weight": 1}
        ]
        self.put_cluster_capacity_providers(
            cluster=cluster,
            capacityProviders=[*c["capacityProviders"], provider],
            defaultCapacityProviderStrategy=strategy,
        )
        return provider

    def inject(self, fault: str, **target: Any) -> dict[str, Any]:
        """Teaching helper: inject an ECS-like fault. See ``ecsedu.engine.faults``."""
        from ecsedu.engine import faults

        return self.engine.run("InjectFault", lambda: faults.inject(self.engine, fault, **target))

    def save(self, path: str) -> None:
        """Teaching helper: save the whole state as JSON (read back by ``connect(state=path)``)."""
        from ecsedu.engine import persist

        with self.engine.lock:
            persist.save(self.engine, path)

    # ======================================================================= live
    def subscribe(self, callback: Callable[[events_mod.Change], object]) -> core.Subscription:
        """Call ``callback(change)`` after every state-changing call and every clock step.

        Returns a handle: call it (or ``.unsubscribe()``) to stop. The callback may run on a
        background thread (the Docker driver, ``play``); one that raises is logged and ignored.
        """
        return self.engine.subscribe(callback)

    def play(self, speed: object = 10.0) -> None:
        """Simulated runtime: let time flow at ``speed`` times wall time, until ``pause()``."""
        if isinstance(speed, bool) or not isinstance(speed, numbers.Real) or not float(speed) > 0:
            raise errors.UsageError(f"play(speed=...) takes a positive number, not {speed!r}")
        if not self.engine.clock.simulated:
            return  # on Docker time always flows
        self.engine.play(float(speed))

    def pause(self) -> None:
        """Stop ``play``: simulated time stands still again."""
        self.engine.pause()

    @property
    def playing(self) -> bool:
        return self.engine.playing

    def reset(self) -> None:
        """Start over: an empty world with the same seed and runtime. Subscribers stay
        subscribed (and are told); on Docker this connection's containers are removed."""
        if self._rebuild is None:
            raise errors.UsageError("this connection cannot be reset")
        old = self.engine
        subscribers = [s.callback for s in old._subscribers if s.active]
        old.close(cleanup=True)
        self.engine = self._rebuild()
        for callback in subscribers:
            self.engine.subscribe(callback)
        self.engine.run("Reset", lambda: self.engine.store.touch())
        self._go_live()

    def close(self, cleanup: bool = False) -> None:
        """Stop the engine's driver and release runtimes; with ``cleanup`` also remove every
        container this connection created (never another connection's)."""
        self.engine.close(cleanup=cleanup)
        _LIVE.discard(self)

    def __enter__(self) -> EcsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        store = self.engine.store
        return (
            f"<ecsedu ECS ({store.runtime_name} runtime, seed {self.engine.seed}): "
            f"{len(store.clusters)} clusters, {len(store.instances)} instances, "
            f"{len(store.tasks)} tasks, {len(store.services)} services>"
        )

    # ==================================================== the ECS API (ecsedu/engine/api/*.py)
    create_cluster = operation("CreateCluster", clusters.create_cluster)
    delete_cluster = operation("DeleteCluster", clusters.delete_cluster)
    describe_clusters = operation("DescribeClusters", clusters.describe_clusters)
    list_clusters = operation("ListClusters", clusters.list_clusters)
    register_container_instance = operation(
        "RegisterContainerInstance", instances.register_container_instance
    )
    deregister_container_instance = operation(
        "DeregisterContainerInstance", instances.deregister_container_instance
    )
    describe_container_instances = operation(
        "DescribeContainerInstances", instances.describe_container_instances
    )
    list_container_instances = operation(
        "ListContainerInstances", instances.list_container_instances
    )
    update_container_instances_state = operation(
        "UpdateContainerInstancesState", instances.update_container_instances_state
    )
    register_task_definition = operation(
        "RegisterTaskDefinition", task_definitions.register_task_definition
    )
    deregister_task_definition = operation(
        "DeregisterTaskDefinition", task_definitions.deregister_task_definition
    )
    describe_task_definition = operation(
        "DescribeTaskDefinition", task_definitions.describe_task_definition
    )
    list_task_definitions = operation("ListTaskDefinitions", task_definitions.list_task_definitions)
    list_task_definition_families = operation(
        "ListTaskDefinitionFamilies", task_definitions.list_task_definition_families
    )
    run_task = operation("RunTask", tasks.run_task)
    start_task = operation("StartTask", tasks.start_task)
    stop_task = operation("StopTask", tasks.stop_task)
    describe_tasks = operation("DescribeTasks", tasks.describe_tasks)
    list_tasks = operation("ListTasks", tasks.list_tasks)
    create_service = operation("CreateService", services_api.create_service)
    update_service = operation("UpdateService", services_api.update_service)
    delete_service = operation("DeleteService", services_api.delete_service)
    describe_services = operation("DescribeServices", services_api.describe_services)
    list_services = operation("ListServices", services_api.list_services)
    update_task_protection = operation(
        "UpdateTaskProtection", protection_api.update_task_protection
    )
    get_task_protection = operation("GetTaskProtection", protection_api.get_task_protection)
    tag_resource = operation("TagResource", tags.tag_resource)
    create_capacity_provider = operation(
        "CreateCapacityProvider", capacity_providers.create_capacity_provider
    )
    update_capacity_provider = operation(
        "UpdateCapacityProvider", capacity_providers.update_capacity_provider
    )
    delete_capacity_provider = operation(
        "DeleteCapacityProvider", capacity_providers.delete_capacity_provider
    )
    describe_capacity_providers = operation(
        "DescribeCapacityProviders", capacity_providers.describe_capacity_providers
    )
    put_cluster_capacity_providers = operation(
        "PutClusterCapacityProviders", capacity_providers.put_cluster_capacity_providers
    )
    untag_resource = operation("UntagResource", tags.untag_resource)
    list_tags_for_resource = operation("ListTagsForResource", tags.list_tags_for_resource)
    list_service_deployments = operation(
        "ListServiceDeployments", service_deployments.list_service_deployments
    )
    describe_service_deployments = operation(
        "DescribeServiceDeployments", service_deployments.describe_service_deployments
    )
    describe_service_revisions = operation(
        "DescribeServiceRevisions", service_deployments.describe_service_revisions
    )
    stop_service_deployment = operation(
        "StopServiceDeployment", service_deployments.stop_service_deployment
    )
    list_services_by_namespace = operation(
        "ListServicesByNamespace", task_sets.list_services_by_namespace
    )
    create_task_set = operation("CreateTaskSet", task_sets.create_task_set)
    update_task_set = operation("UpdateTaskSet", task_sets.update_task_set)
    delete_task_set = operation("DeleteTaskSet", task_sets.delete_task_set)
    describe_task_sets = operation("DescribeTaskSets", task_sets.describe_task_sets)
    update_service_primary_task_set = operation(
        "UpdateServicePrimaryTaskSet", task_sets.update_service_primary_task_set
    )
    put_attributes = operation("PutAttributes", attributes.put_attributes)
    delete_attributes = operation("DeleteAttributes", attributes.delete_attributes)
    list_attributes = operation("ListAttributes", attributes.list_attributes)
    put_account_setting = operation("PutAccountSetting", account_settings.put_account_setting)
    put_account_setting_default = operation(
        "PutAccountSettingDefault", account_settings.put_account_setting_default
    )
    delete_account_setting = operation(
        "DeleteAccountSetting", account_settings.delete_account_setting
    )
    list_account_settings = operation("ListAccountSettings", account_settings.list_account_settings)
    delete_task_definitions = operation(
        "DeleteTaskDefinitions", task_definitions.delete_task_definitions
    )
    update_cluster = operation("UpdateCluster", clusters.update_cluster)
    update_cluster_settings = operation("UpdateClusterSettings", clusters.update_cluster_settings)
    discover_poll_endpoint = operation(
        "DiscoverPollEndpoint", agent_facing.discover_poll_endpoint, mutating=False
    )
    submit_task_state_change = operation(
        "SubmitTaskStateChange", agent_facing.submit_task_state_change
    )
    submit_container_state_change = operation(
        "SubmitContainerStateChange", agent_facing.submit_container_state_change
    )
    submit_attachment_state_changes = operation(
        "SubmitAttachmentStateChanges", agent_facing.submit_attachment_state_changes
    )
    update_container_agent = operation("UpdateContainerAgent", agent_facing.update_container_agent)


def _rebuilder(options: dict[str, Any]) -> Callable[[], core.Engine]:
    def rebuild() -> core.Engine:
        clock = options.get("clock")
        fresh = clock_mod.SimClock() if clock is None or clock.simulated else clock_mod.WallClock()
        return core.Engine(**{**options, "clock": fresh})

    return rebuild


#: Open connections: their drivers stop when the interpreter exits (a kernel restart leaves no
#: thread behind and no half-applied batch).
_LIVE: weakref.WeakSet[EcsClient] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for client in list(_LIVE):
        with contextlib.suppress(Exception):  # the interpreter is going away
            client.engine._stop_thread()
