"""Faults a learner can inject, each one behaving the way ECS does.

=====================  =====================================================================
fault                  what happens
=====================  =====================================================================
``container_exit``     a container of a task exits (``task=``, ``container=``, ``exit_code=``):
                       an essential one stops the task (``EssentialContainerExited``), a
                       service starts a replacement
``oom``                a container is killed for using too much memory (exit 137,
                       ``OutOfMemoryError: Container killed due to memory usage``)
``agent_disconnect``   the instance's agent loses its connection (``instance=``; optional
                       ``duration=`` seconds, then it reconnects): no new placements there,
                       its tasks keep running and are not rescheduled
``agent_reconnect``    the agent comes back and reports what happened meanwhile
``instance_lost``      the host is terminated (``instance=``): its tasks stop, the instance is
                       deregistered, services replace their tasks elsewhere
``spot_interruption``  AWS reclaims a FARGATE_SPOT task's capacity (``task=``): the two-minute
                       warning stops the task at once with stopCode ``SpotInterruption``
                       (its containers get SIGTERM, then SIGKILL after their stopTimeout, at
                       most 120 s), and a service starts a replacement by its strategy
=====================  =====================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import errors
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = ["FAULTS", "inject"]

EV = events_mod.EventKind
FAULTS = (
    "container_exit",
    "oom",
    "agent_disconnect",
    "agent_reconnect",
    "instance_lost",
    "spot_interruption",
)
#: stoppedReason of an interrupted Fargate Spot task (the task state change event AWS's
#: knowledge center article on Fargate Spot termination notices shows, as we recall it).
SPOT_REASON = "Your Spot Task was interrupted."


def _task(cp: ControlPlane, ref: str) -> task_mod.Task:
    for t in cp.store.tasks.values():
        if ref in (t.arn, t.id):
            return t
    raise errors.EcsEduError(f"inject: no task {ref!r}")


def _instance_arn(cp: ControlPlane, ref: str) -> str:
    for i in cp.store.instances.values():
        if ref in (i.arn, i.id, i.ec2_instance_id):
            return i.arn
    raise errors.EcsEduError(f"inject: no container instance {ref!r}")


#: The target each fault needs, and what else it takes.
TARGETS = {
    "container_exit": ("task", ("container", "exit_code")),
    "oom": ("task", ("container", "exit_code")),
    "agent_disconnect": ("instance", ("duration",)),
    "agent_reconnect": ("instance", ()),
    "instance_lost": ("instance", ()),
    "spot_interruption": ("task", ()),
}


def inject(cp: ControlPlane, fault: str, **target: Any) -> dict[str, Any]:
    store = cp.store
    if fault not in FAULTS:
        raise errors.UsageError(
            f"inject: unknown fault {fault!r}; choose one of {', '.join(FAULTS)}"
        )
    needed, optional = TARGETS[fault]
    if target.get(needed) is None:
        raise errors.UsageError(
            f"inject({fault!r}) needs {needed}=... (an ARN or id), for example "
            f"ecs.inject({fault!r}, {needed}=...)"
        )
    unknown = sorted(set(target) - {needed, *optional})
    if unknown:
        raise errors.UsageError(
            f"inject({fault!r}) takes {', '.join((needed, *optional))}, not {', '.join(unknown)}"
        )
    if fault == "spot_interruption":
        task = _task(cp, str(target["task"]))
        if task.capacity_provider_name != "FARGATE_SPOT":
            raise errors.UsageError(
                f"inject('spot_interruption') interrupts FARGATE_SPOT tasks; task {task.id} runs "
                f"on {task.capacity_provider_name or task.launch_type}"
            )
        if task.desired_status != task_mod.DesiredStatus.RUNNING:
            raise errors.UsageError(f"inject: task {task.id} is already stopping")
        store.record(
            EV.FAULT_INJECTED,
            f"spot_interruption: task {task.id} (two-minute warning)",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
        )
        cp.lifecycle.stop(task, "SpotInterruption", SPOT_REASON)
        return {"task": task.arn, "stopCode": "SpotInterruption"}
    if fault in ("container_exit", "oom"):
        task = _task(cp, str(target["task"]))
        name = target.get("container") or task.containers[0].name
        if task.container(name) is None:
            raise errors.EcsEduError(f"inject: task {task.id} has no container {name!r}")
        agent = store.agents[task.host_arn]
        store.record(
            EV.FAULT_INJECTED,
            f"{fault}: container {name} of task {task.id}",
            cluster_arn=task.cluster_arn,
            subject=task.arn,
            container=name,
        )
        agent.runtime.kill_container(
            task.arn, name, int(target.get("exit_code", 1)), oom=fault == "oom"
        )
        return {"task": task.arn, "container": name}
    arn = _instance_arn(cp, str(target["instance"]))
    inst = store.instances[arn]
    agent = store.agents[arn]
    index = store.indexes[inst.cluster_arn]
    store.record(
        EV.FAULT_INJECTED, f"{fault}: instance {inst.id}", cluster_arn=inst.cluster_arn, subject=arn
    )
    if fault == "agent_disconnect":
        agent.disconnect()
        inst.agent_connected = False
        inst.version += 1
        index.update(inst)
        store.record(
            EV.AGENT_DISCONNECTED,
            f"agent on {inst.id} disconnected",
            cluster_arn=inst.cluster_arn,
            subject=arn,
        )
        duration = target.get("duration")
        if duration is not None:
            cp.clock.schedule(float(duration), lambda: reconnect(cp, arn))
    elif fault == "agent_reconnect":
        reconnect(cp, arn)
    else:  # instance_lost
        agent.terminate()
        inst.agent_connected = False
        cluster = store.clusters[inst.cluster_arn]
        if inst.status != ci_mod.InstanceStatus.INACTIVE:
            cluster.registered_container_instances_count -= 1
        inst.status = ci_mod.InstanceStatus.INACTIVE
        inst.version += 1
        index.update(inst)
        store.record(
            EV.INSTANCE_STATE_CHANGE,
            f"instance {inst.id} lost (host terminated)",
            cluster_arn=inst.cluster_arn,
            subject=arn,
            status=ci_mod.InstanceStatus.INACTIVE.value,
        )
        for t in list(store.tasks.values()):
            if t.container_instance_arn == arn and t.last_status is not task_mod.TaskStatus.STOPPED:
                cp.lifecycle.force_stopped(
                    t,
                    "TerminationNotice",
                    f"Host EC2 (instance {inst.ec2_instance_id}) terminated.",
                )
    for s in store.services.values():
        if s.cluster_arn == inst.cluster_arn and s.status != service_mod.ServiceStatus.INACTIVE:
            cp.services.request(s)
    return {"containerInstance": arn}


def reconnect(cp: ControlPlane, arn: str) -> None:
    store = cp.store
    inst = store.instances[arn]
    agent = store.agents[arn]
    if agent.lost or agent.connected:
        return
    inst.agent_connected = True
    inst.version += 1
    store.indexes[inst.cluster_arn].update(inst)
    store.record(
        EV.AGENT_CONNECTED,
        f"agent on {inst.id} reconnected",
        cluster_arn=inst.cluster_arn,
        subject=arn,
    )
    agent.connect()
