"""Fargate and awsvpc: tasks with a network interface of their own, and hosts nobody sees.

**Fargate.** AWS runs each Fargate task on a micro-VM of its own (Firecracker), sized to the
task: nobody registers it, lists it or places onto it. ecsedu does the same: ``launch`` gives
each Fargate task a hidden host (a ``ContainerInstance`` record with exactly the task's CPU and
memory, kept in ``Store.fargate_hosts``, never in a cluster's placement index and never listed by
ListContainerInstances / DescribeContainerInstances) with its own container agent and runtime.
The task's ``containerInstanceArn`` is absent; the host is released when the task is STOPPED.
``LATEST`` is platform version ``1.4.0`` (platform family ``Linux``).

**awsvpc.** Every awsvpc task (Fargate, or EC2 with ``networkMode: awsvpc``) gets an elastic
network interface, shown as the task's ``ElasticNetworkInterface`` attachment
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Attachment.html). Its status
walks with the task: ``PRECREATED`` while PROVISIONING (only ``subnetId`` is known),
``ATTACHED`` from PENDING on (``networkInterfaceId``, ``macAddress``, ``privateDnsName``,
``privateIPv4Address``), ``DETACHING`` while DEPROVISIONING and ``DELETED`` once STOPPED (a
stopped task keeps its attachment, with its details, for as long as it stays visible).

**Subnets.** ecsedu has one default VPC, ``vpc-0ecsedu0``, with one subnet per Availability Zone:
``subnet-0ecsedu0`` (us-east-1a), ``subnet-0ecsedu1`` (us-east-1b), ``subnet-0ecsedu2``
(us-east-1c), the same subnets container instances report (``ecs.subnet-id``). Any other subnet
id is accepted as given; its zone is derived from its name (CRC-32 modulo the three zones), so a
given subnet always lies in the same zone. A Fargate task goes to the subnet of the least-used
zone among those given (Fargate spreads tasks across zones), its private address comes from that
subnet's range ``10.0.<16·zone + k>.<n>``.

**ENIs on container instances.** Without ENI trunking an instance attaches a few network
interfaces, one of them its own (c5.large: 3, so 2 awsvpc tasks;
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/eni-trunking.html). ``eni_limit``
models that per instance (``ecsedu.eni-limit`` attribute, else by size); an awsvpc task on a
full instance fails placement with ``RESOURCE:ENI``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Protocol

from ecsedu import arns, errors
from ecsedu import clock as clock_mod
from ecsedu import ids as ids_mod
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import store as store_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod
from ecsedu.runtimes import base


class Engine(Protocol):
    """What a Fargate launch needs of the engine (``engine/core.py``, which this module does
    not import: the lifecycle and the service scheduler below it call ``launch``)."""

    store: store_mod.Store
    clock: clock_mod.Clock
    lifecycle: Any  # engine/lifecycle.py imports this module

    def make_runtime(
        self, cluster: str, instance_id: str, n: int, options: dict[str, Any]
    ) -> base.Runtime: ...

    def on_report(self, report: agent_mod.AgentReport) -> None: ...


__all__ = [
    "AZS",
    "DEFAULT_SUBNETS",
    "LATEST",
    "attach_network",
    "availability_zone",
    "eni_checker",
    "eni_limit",
    "launch",
    "release_host",
]

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
#: The default VPC's subnets, one per zone (as container instances report them).
DEFAULT_SUBNETS = {f"subnet-0ecsedu{n}": az for n, az in enumerate(AZS)}
LATEST = "1.4.0"
PLATFORM_VERSIONS = ("1.4.0", "1.3.0")
PLATFORM_FAMILY = "Linux"
ENI = "ElasticNetworkInterface"
#: The attachment's status for each task status (ECS's Attachment.status values).
ENI_STATUS = {
    task_mod.TaskStatus.PROVISIONING: "PRECREATED",
    task_mod.TaskStatus.PENDING: "ATTACHED",
    task_mod.TaskStatus.DEPROVISIONING: "DETACHING",
    task_mod.TaskStatus.STOPPED: "DELETED",
}
EPHEMERAL_STORAGE_GIB = 20  # Fargate's default ephemeral storage
#: The service scheduler's launch rate on Fargate, tasks per minute per service (EC2: 250).
SERVICE_LAUNCHES_PER_MINUTE = 500


# -- zones and subnets --------------------------------------------------------------------------
def availability_zone(subnet: str) -> str:
    """The zone a subnet lies in: the default VPC's, else derived from its name (stable)."""
    az = DEFAULT_SUBNETS.get(subnet)
    if az is None:
        az = AZS[zlib.crc32(subnet.encode()) % len(AZS)]
    return az


def _awsvpc(network_configuration: dict[str, Any] | None) -> dict[str, Any]:
    return dict((network_configuration or {}).get("awsvpcConfiguration") or {})


def check_network_configuration(
    network_configuration: dict[str, Any] | None, launch_type: str, op: str
) -> None:
    """ECS's rules on ``awsvpcConfiguration`` beyond botocore's shape."""
    vpc = _awsvpc(network_configuration)
    if not vpc.get("subnets"):
        raise errors.ecs_error(
            "InvalidParameterException",
            "subnets can not be empty.",  # our wording
            op,
        )
    if len(vpc["subnets"]) > 16:
        raise errors.ecs_error(
            "InvalidParameterException",
            "At most 16 subnets can be specified.",  # our wording
            op,
        )
    if len(vpc.get("securityGroups") or []) > 5:
        raise errors.ecs_error(
            "InvalidParameterException",
            "At most 5 security groups can be specified.",  # our wording
            op,
        )
    if vpc.get("assignPublicIp") == "ENABLED" and launch_type != "FARGATE":
        raise errors.ecs_error(
            "InvalidParameterException",
            # https://github.com/hashicorp/waypoint/issues/643
            "Assign public IP is not supported for this launch type.",
            op,
        )


def check_platform_version(version: str | None, op: str) -> str:
    """``LATEST`` (or nothing) is 1.4.0; an unknown version is refused."""
    if version in (None, "", "LATEST"):
        return LATEST
    assert version is not None
    if version not in PLATFORM_VERSIONS:
        raise errors.ecs_error(
            "InvalidParameterException",
            f"The specified platform version ({version}) does not exist.",  # our wording
            op,
        )
    return version


def _net_ids(store: store_mod.Store) -> ids_mod.IdFactory:
    """Ids of the network (ENIs, MACs, addresses) come from a stream of their own, so that
    awsvpc tasks never shift the task ids of a seed."""
    return ids_mod.IdFactory(store.streams.seed, store.streams["network"])


def _choose_subnet(store: store_mod.Store, cluster_arn: str, subnets: list[str]) -> str:
    """Fargate spreads tasks across zones: the subnet of the least-used zone, first on a tie."""
    if len(subnets) == 1:
        return subnets[0]
    zones = store.fargate_zones
    return min(subnets, key=lambda s: zones.get((cluster_arn, availability_zone(s)), 0))


def _private_ip(store: store_mod.Store, subnet: str) -> str:
    zone = AZS.index(availability_zone(subnet))
    rng = store.streams["network"]
    return f"10.0.{16 * zone + rng.randrange(16)}.{rng.randrange(4, 255)}"


def attach_network(
    store: store_mod.Store,
    task: task_mod.Task,
    network_configuration: dict[str, Any] | None,
    subnet: str | None = None,
) -> None:
    """Give an awsvpc task its ENI attachment (PRECREATED) and its private address."""
    vpc = _awsvpc(network_configuration)
    subnets = [str(s) for s in vpc.get("subnets") or []]
    if subnet is None:
        subnet = subnets[0] if subnets else "subnet-0ecsedu0"
    ids = _net_ids(store)
    ip = _private_ip(store, subnet)
    mac_bits = ids.rng.getrandbits(40)
    mac = "0a:" + ":".join(f"{(mac_bits >> s) & 0xFF:02x}" for s in (32, 24, 16, 8, 0))
    eni = f"eni-{ids.rng.getrandbits(68):017x}"
    task.private_ip = ip
    task.attachments = [
        {
            "id": ids.uuid(),
            "type": ENI,
            "status": ENI_STATUS[task_mod.TaskStatus.PROVISIONING],
            "details": [
                {"name": "subnetId", "value": subnet},
                {"name": "networkInterfaceId", "value": eni},
                {"name": "macAddress", "value": mac},
                {"name": "privateDnsName", "value": f"ip-{ip.replace('.', '-')}.ec2.internal"},
                {"name": "privateIPv4Address", "value": ip},
            ],
        }
    ]


def attachment_status(task: task_mod.Task, status: task_mod.TaskStatus) -> None:
    """The task moved to ``status``: move its ENI attachment along (lifecycle calls this)."""
    new = ENI_STATUS.get(status)
    if new is None:
        return
    for a in task.attachments:
        if a.get("type") == ENI:
            a["status"] = new


def use_real_address(task: task_mod.Task, address: str | None) -> None:
    """A runtime with real networking (Docker) reports the task's real address: use it."""
    if not address or address == task.private_ip:
        return
    task.private_ip = address
    for a in task.attachments:
        if a.get("type") != ENI:
            continue
        for d in a["details"]:
            if d["name"] == "privateIPv4Address":
                d["value"] = address
            elif d["name"] == "privateDnsName":
                d["value"] = f"ip-{address.replace('.', '-')}.ec2.internal"
    task.version += 1


# -- ENIs on container instances ------------------------------------------------------------------
#: Network interfaces per instance type (EC2's limits, without ENI trunking), one for the host.
_ENIS_BY_TYPE = {
    "t3.micro": 2,
    "t3.small": 3,
    "t3.medium": 3,
    "t3.large": 3,
    "t3.xlarge": 4,
    "c4.large": 3,
    "c5.large": 3,
    "c5.xlarge": 4,
    "m5.large": 3,
    "m5.xlarge": 4,
}
ENI_LIMIT_ATTRIBUTE = "ecsedu.eni-limit"


def eni_limit(inst: ci_mod.ContainerInstance) -> int:
    """How many awsvpc tasks an instance can take: its interfaces minus its own."""
    given = inst.attributes.get(ENI_LIMIT_ATTRIBUTE)
    if given is not None and given.isdigit():
        return int(given)
    enis = _ENIS_BY_TYPE.get(str(inst.attributes.get("ecs.instance-type") or ""))
    if enis is None:  # by size: 2 vCPU -> 3 interfaces, 4 -> 4, 8 and more -> 8
        vcpus = inst.registered_cpu // 1024
        enis = 2 if vcpus < 2 else 3 if vcpus < 4 else 4 if vcpus < 8 else 8
    return enis - 1


def eni_checker(store: store_mod.Store, cluster_arn: str) -> Callable[[int], bool]:
    """For placement: whether the instance at index ``i`` has a free ENI slot."""
    index = store.indexes[cluster_arn]
    used = store.enis

    def free(i: int) -> bool:
        inst = index.instances[i]
        return used.get(inst.arn, 0) < eni_limit(inst)

    return free


# -- Fargate ---------------------------------------------------------------------------------------
def _host(
    cp: Engine, cluster_arn: str, td: td_mod.TaskDefinition, subnet: str
) -> ci_mod.ContainerInstance:
    """A hidden micro-VM sized to the task, with its own agent and runtime."""
    store = cp.store
    host_id = _net_ids(store).hex32()
    cluster_name = arns.cluster_name(cluster_arn)
    cpu, memory = td.task_cpu or td.reserved_cpu, td.task_memory or td.reserved_memory
    az = availability_zone(subnet)
    host = ci_mod.ContainerInstance(
        arn=arns.container_instance(cluster_name, host_id),
        id=host_id,
        cluster_arn=cluster_arn,
        ec2_instance_id="",
        registered_cpu=cpu,
        registered_memory=memory,
        registered_at=cp.clock.now,
        attributes={"ecs.availability-zone": az, "ecs.subnet-id": subnet},
        remaining_cpu=cpu,
        remaining_memory=memory,
        reserved_ports=(),
    )
    options: dict[str, Any] = {"fargate": True}
    address = store.extensions.get("fargate_address")
    if address:
        options["address"] = address
    runtime = cp.make_runtime(cluster_name, host_id, len(store.fargate_hosts), options)
    host.address = getattr(runtime, "address", None)
    if host.address and not address:
        store.extensions["fargate_address"] = host.address
    add_host(store, host, agent_mod.ContainerAgent(host.arn, runtime, cp.on_report))
    return host


def add_host(
    store: store_mod.Store, host: ci_mod.ContainerInstance, agent: agent_mod.ContainerAgent
) -> None:
    """Keep a hidden host and its agent (a new one, or one read back from a state file)."""
    store.fargate_hosts[host.arn] = host
    store.agents[host.arn] = agent
    key = (host.cluster_arn, host.availability_zone or "")
    store.fargate_zones[key] = store.fargate_zones.get(key, 0) + 1


def release_host(store: store_mod.Store, task: task_mod.Task) -> None:
    """The task is STOPPED: its micro-VM goes away (its runtime released, nothing listed)."""
    arn = task.fargate_host
    if arn is None:
        return
    host = store.fargate_hosts.pop(arn, None)
    if host is not None:
        key = (host.cluster_arn, host.availability_zone or "")
        store.fargate_zones[key] = max(0, store.fargate_zones.get(key, 0) - 1)
    agent = store.agents.pop(arn, None)
    if agent is not None:
        agent.runtime.notify = None
        agent.runtime.close(cleanup=False)


def launch(
    cp: Engine,
    *,
    cluster_arn: str,
    td: td_mod.TaskDefinition,
    group: str,
    network_configuration: dict[str, Any] | None,
    platform_version: str | None = None,
    capacity_provider: str | None = None,
    started_by: str | None = None,
    service_name: str | None = None,
    deployment_id: str | None = None,
    overrides: dict[str, object] | None = None,
    tags: list[dict[str, str]] | None = None,
) -> task_mod.Task:
    """Start one Fargate task (RunTask, a service, a capacity provider strategy all come here).

    The checks of the request (task definition compatible, network configuration present) are
    the caller's; this creates the hidden host, the task and its ENI.
    """
    store = cp.store
    subnets = [str(s) for s in _awsvpc(network_configuration).get("subnets") or []] or [
        "subnet-0ecsedu0"
    ]
    subnet = _choose_subnet(store, cluster_arn, subnets)
    host = _host(cp, cluster_arn, td, subnet)
    task: task_mod.Task = cp.lifecycle.create(
        cluster_arn=cluster_arn,
        instance=host,
        td=td,
        group=group,
        started_by=started_by,
        service_name=service_name,
        deployment_id=deployment_id,
        overrides=overrides,
        tags=tags,
        launch_type="FARGATE",
        network_configuration=network_configuration,
        subnet=subnet,
    )
    task.platform_version = platform_version if platform_version not in (None, "LATEST") else LATEST
    if capacity_provider is not None:
        task.capacity_provider_name = capacity_provider
    return task


def stop_order(store: store_mod.Store, task_arns: list[str]) -> list[int]:
    """Scale-in order of a Fargate service's running tasks: keep the zones balanced (the zone
    with the most tasks loses one first), newest first within a zone."""
    zones: dict[str | None, int] = {}
    tasks = [store.tasks[a] for a in task_arns]
    for t in tasks:
        zones[t.availability_zone] = zones.get(t.availability_zone, 0) + 1
    order: list[int] = []
    left = list(range(len(tasks)))
    while left:
        busiest = max(zones, key=lambda z: zones[z])
        pick = max(
            (i for i in left if tasks[i].availability_zone == busiest),
            key=lambda i: (tasks[i].created_at, task_arns[i]),
        )
        order.append(pick)
        left.remove(pick)
        zones[busiest] -= 1
    return order


def cluster_statistics(store: store_mod.Store, cluster: Any) -> list[dict[str, str]]:
    """DescribeClusters ``include=["STATISTICS"]``: tasks and services by launch type."""
    pending_states = task_mod.PENDING_COUNTED
    fargate_running = fargate_pending = 0
    for t in store.tasks.values():
        if t.cluster_arn != cluster.arn or t.launch_type != "FARGATE":
            continue
        if t.last_status is task_mod.TaskStatus.RUNNING:
            fargate_running += 1
        elif t.last_status in pending_states:
            fargate_pending += 1
    services = {"ACTIVE": [0, 0], "DRAINING": [0, 0]}
    for s in store.services.values():
        if s.cluster_arn == cluster.arn and s.status._value_ in services:
            services[s.status._value_][s.launch_type == "FARGATE"] += 1
    return [
        {
            "name": "runningEC2TasksCount",
            "value": str(cluster.running_tasks_count - fargate_running),
        },
        {"name": "runningFargateTasksCount", "value": str(fargate_running)},
        {
            "name": "pendingEC2TasksCount",
            "value": str(cluster.pending_tasks_count - fargate_pending),
        },
        {"name": "pendingFargateTasksCount", "value": str(fargate_pending)},
        {"name": "activeEC2ServiceCount", "value": str(services["ACTIVE"][0])},
        {"name": "activeFargateServiceCount", "value": str(services["ACTIVE"][1])},
        {"name": "drainingEC2ServiceCount", "value": str(services["DRAINING"][0])},
        {"name": "drainingFargateServiceCount", "value": str(services["DRAINING"][1])},
    ]


def supports_fargate(td: td_mod.TaskDefinition) -> bool:
    return "FARGATE" in td.compatibilities
