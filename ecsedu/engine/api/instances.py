"""Container instances: register, deregister, describe, list, set ACTIVE or DRAINING.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import describe, query, validation
from ecsedu.engine.api.common import AZS, EV, S, api, describe_each, page
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane


@api("RegisterContainerInstance")
def register_container_instance(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    return register_instance(cp, params, {})


def register_instance(
    cp: ControlPlane, params: dict[str, Any], runtime_options: dict[str, Any]
) -> dict[str, Any]:
    op = "RegisterContainerInstance"
    c = cp.store.cluster(params.get("cluster"), op)
    cpu, memory = 2048, 3768
    ports: tuple[str, ...] = ci_mod.DEFAULT_RESERVED_PORTS
    ports_udp: tuple[str, ...] = ()
    gpu_ids: tuple[str, ...] = ()
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
        elif name == "GPU":  # the agent registers its GPUs' ids (ECS_ENABLE_GPU_SUPPORT)
            gpu_ids = tuple(dict.fromkeys(str(g) for g in r.get("stringSetValue", ())))
    if cpu < 0 or memory < 0:
        # our wording
        raise errors.ecs_error("InvalidParameterException", "Resources must be non-negative.", op)
    ids = cp.store.ids
    index = cp.store.indexes[c.arn]
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
    arn = arns_mod.container_instance(c.name, instance_id)
    inst = ci_mod.ContainerInstance(
        arn=arn,
        id=instance_id,
        cluster_arn=c.arn,
        ec2_instance_id=ec2_id,
        registered_cpu=cpu,
        registered_memory=memory,
        registered_at=cp.clock.now,
        attributes=attributes,
        remaining_cpu=cpu,
        remaining_memory=memory,
        reserved_ports=ports,
        reserved_ports_udp=ports_udp,
        gpu_ids=gpu_ids,
        tags=list(params.get("tags", [])),
        docker_host=runtime_options.get("docker_host"),
    )
    runtime = cp.make_runtime(c.name, instance_id, n, runtime_options)
    inst.address = getattr(runtime, "address", None)
    cp.store.instances[arn] = inst
    index.add(inst)
    cp.store.agents[arn] = agent_mod.ContainerAgent(arn, runtime, cp.on_report)
    c.registered_container_instances_count += 1
    cp.store.record(
        EV.AGENT_CONNECTED,
        f"agent on {instance_id} connected (instance registered)",
        cluster_arn=c.arn,
        subject=arn,
    )
    _cluster_changed(cp, c.arn)
    return {"containerInstance": describe.container_instance(inst, tags=True)}


#: The statuses ListContainerInstances shows by default, and UpdateContainerInstancesState sets.
_LISTED = (ci_mod.InstanceStatus.ACTIVE, ci_mod.InstanceStatus.DRAINING)


def _cluster_changed(cp: ControlPlane, cluster_arn: str) -> None:
    for s in cp.store.services.values():
        if s.cluster_arn == cluster_arn and s.status != service_mod.ServiceStatus.INACTIVE:
            cp.services.request(s)


def _instances(
    cp: ControlPlane, c: cluster_mod.Cluster, refs: list[str], op: str
) -> list[ci_mod.ContainerInstance]:
    out = []
    for ref in refs:
        inst = cp.store.instances.get(cp.store.instance_arn(c, ref))
        if inst is None or inst.cluster_arn != c.arn:
            raise errors.ecs_error(
                "InvalidParameterException",
                f"Container instance not found: {ref}",  # our wording
                op,
            )
        out.append(inst)
    return out


@api("DeregisterContainerInstance")
def deregister_container_instance(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DeregisterContainerInstance"
    c = cp.store.cluster(params.get("cluster"), op)
    (inst,) = _instances(cp, c, [params["containerInstance"]], op)
    alive = [
        t
        for t in cp.store.tasks.values()
        if t.container_instance_arn == inst.arn and t.last_status is not S.STOPPED
    ]
    if alive and not params.get("force"):
        raise errors.ecs_error(
            "InvalidParameterException",
            "Found running tasks on the instance.",  # our wording
            op,
        )
    if inst.status != ci_mod.InstanceStatus.INACTIVE:
        c.registered_container_instances_count -= 1
    inst.status = ci_mod.InstanceStatus.INACTIVE
    inst.version += 1
    cp.store.indexes[c.arn].update(inst)
    # ECS orphans the instance's tasks: "no longer monitored or accounted for". Its view of
    # them ends (STOPPED, and the services start replacements elsewhere), but nobody stops
    # their containers: they keep running on the host (on Docker, until the connection's
    # cleanup removes them, as everything carrying its labels).
    for t in alive:
        if t.desired_status == task_mod.DesiredStatus.RUNNING:
            cp.lifecycle.stop(
                t,
                "TaskFailedToStart" if not t.reached_running else "TerminationNotice",
                "Container instance deregistration forced by user",
            )
        cp.lifecycle.force_stopped(
            t,
            t.stop_code or "TerminationNotice",
            "Container instance deregistration forced by user",
        )
    cp.store.record(
        EV.INSTANCE_STATE_CHANGE,
        f"instance {inst.id} INACTIVE (deregistered)",
        cluster_arn=c.arn,
        subject=inst.arn,
        status=ci_mod.InstanceStatus.INACTIVE.value,
    )
    _cluster_changed(cp, c.arn)
    return {"containerInstance": describe.container_instance(inst)}


@api("DescribeContainerInstances")
def describe_container_instances(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    c = cp.store.cluster(params.get("cluster"), "DescribeContainerInstances")
    include = params.get("include", [])
    tags = "TAGS" in include
    health = "CONTAINER_INSTANCE_HEALTH" in include
    out, failures = describe_each(
        params["containerInstances"],
        lambda ref: cp.store.instance_arn(c, ref),
        cp.store.instances.get,
        c.arn,
        lambda inst: describe.container_instance(
            inst, tags=tags, health=health_status(cp, inst) if health else None
        ),
    )
    return {"containerInstances": out, "failures": failures}


def health_status(cp: ControlPlane, inst: ci_mod.ContainerInstance) -> dict[str, Any]:
    """The instance's ``healthStatus`` (``ContainerInstanceHealthStatus``): the agent checks its
    container runtime. OK while the runtime answers; IMPAIRED when it does not (Docker down);
    INSUFFICIENT_DATA while the agent is disconnected (ECS hears nothing from the instance)."""
    agent = cp.store.agents.get(inst.arn)
    if agent is None or agent.lost or not inst.agent_connected:
        status = "INSUFFICIENT_DATA"
    elif not agent.runtime.healthy():
        status = "IMPAIRED"
    else:
        status = "OK"
    now = cp.clock.now
    if status != inst.health_status:
        inst.health_status, inst.health_changed_at = status, now
    changed = inst.health_changed_at if inst.health_changed_at is not None else inst.registered_at
    detail = {
        "type": "CONTAINER_RUNTIME",
        "status": status,
        "lastUpdated": describe.timestamp(now),
        "lastStatusChange": describe.timestamp(changed),
    }
    return {"overallStatus": status, "details": [detail]}


@api("ListContainerInstances")
def list_container_instances(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    c = cp.store.cluster(params.get("cluster"), "ListContainerInstances")
    validation.check_enums("ListContainerInstances", params)
    status = params.get("status")
    expr = params.get("filter")
    q = query.compile_expression(expr, "ListContainerInstances") if expr else None
    arns = [
        i.arn
        for i in cp.store.indexes[c.arn].instances
        if (i.status == status if status else i.status in _LISTED) and (q is None or q.matches(i))
    ]
    return page(arns, params, "containerInstanceArns", "ListContainerInstances")


@api("UpdateContainerInstancesState")
def update_container_instances_state(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "UpdateContainerInstancesState"
    c = cp.store.cluster(params.get("cluster"), op)
    status = params["status"]
    if status not in _LISTED:
        raise errors.ecs_error(
            "InvalidParameterException",
            # our wording
            f"Container instances status should be one of [ACTIVE, DRAINING]. Found: {status}",
            op,
        )
    out, failures = [], []
    for ref in params["containerInstances"]:
        inst = cp.store.instances.get(cp.store.instance_arn(c, ref))
        if (
            inst is None
            or inst.cluster_arn != c.arn
            or inst.status == ci_mod.InstanceStatus.INACTIVE
        ):
            failures.append({"arn": cp.store.instance_arn(c, ref), "reason": "MISSING"})
            continue
        if inst.status != status:
            inst.status = ci_mod.InstanceStatus(status)
            inst.version += 1
            cp.store.indexes[c.arn].update(inst)
            cp.store.record(
                EV.INSTANCE_STATE_CHANGE,
                f"instance {inst.id} {status}",
                cluster_arn=c.arn,
                subject=inst.arn,
                status=status,
            )
            if status == ci_mod.InstanceStatus.DRAINING:
                _drain_pending(cp, inst)
        out.append(describe.container_instance(inst))
    _cluster_changed(cp, c.arn)
    return {"containerInstances": out, "failures": failures}


def _drain_pending(cp: ControlPlane, inst: ci_mod.ContainerInstance) -> None:
    """DRAINING: the service's PENDING tasks on the instance stop at once."""
    for t in list(cp.store.tasks.values()):
        if (
            t.container_instance_arn == inst.arn
            and t.service_name is not None
            and t.alive
            and t.last_status in (S.PROVISIONING, S.PENDING)
        ):
            cp.lifecycle.stop(
                t,
                "ServiceSchedulerInitiated",
                f"Service {t.service_name}: container instance is in DRAINING state",  # our wording
            )


def _instance_type(cpu: int, memory: int) -> str:
    return {
        (1024, 1024): "t3.micro",
        (2048, 4096): "t3.medium",
        (2048, 8192): "t3.large",
        (4096, 16384): "t3.xlarge",
        (2048, 3768): "c4.large",
    }.get((cpu, memory), "ecsedu.custom")
