"""The load model: a scriptable demand on a service (``ecs.load(...)``), spread over its tasks.

``ecs.load(cluster="demo", service="web", cpu_percent=95)`` says the service as a whole needs
95 % of one task's CPU reservation (``rps=200``: 200 requests a second through its load
balancer). The demand is spread evenly over the service's RUNNING tasks, so adding tasks lowers
each task's CPU and target tracking settles instead of running away::

    per-task CPU % = IDLE_CPU + cpu_percent / running tasks      (× small noise)

The noise comes from the engine's ``load`` random stream only, so a seed's ids and placements
never depend on it. On Docker the real containers' usage (cgroups) is read instead, and this
model is the fallback where the cgroup files cannot be read (a remote Docker engine).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecsedu import arns, errors
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

__all__ = [
    "IDLE_CPU",
    "IDLE_MEMORY",
    "NOISE",
    "Load",
    "loads",
    "put_load",
    "running_tasks",
    "service_load",
    "task_samples",
]

#: What an idle task uses, in percent of its reservation.
IDLE_CPU = 1.0
IDLE_MEMORY = 10.0
#: Relative noise (one standard deviation) on each sample.
NOISE = 0.02


@dataclass
class Load:
    """One service's demand: totals over the service, in percent of one task's reservation."""

    cpu_percent: float = 0.0
    memory_percent: float = 0.0
    rps: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {
            "cpu_percent": self.cpu_percent,
            "memory_percent": self.memory_percent,
            "rps": self.rps,
        }


def loads(engine: Engine) -> dict[str, Load]:
    """The engine's loads by service ARN (created on first use)."""
    store = engine.store
    found: dict[str, Load] | None = store.extensions.get("loads", None)
    if found is None:
        found = {}
        store.extensions["loads"] = found
    return found


def _number(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.UsageError(f"load({name}=...) takes a number, not {value!r}")
    if not (0 <= float(value) < math.inf):
        raise errors.UsageError(f"load({name}=...) needs 0 or more (finite), not {value!r}")
    return float(value)


def put_load(
    engine: Engine,
    cluster: str,
    service: str | None,
    *,
    cpu_percent: float | None = None,
    memory_percent: float | None = None,
    rps: float | None = None,
) -> dict[str, Any]:
    """Set a service's load (the keywords given; the others keep their values). Under the
    engine's lock (``EcsClient.load`` runs it as one batch). Starts the metrics clock."""
    cpu = _number("cpu_percent", cpu_percent)
    mem = _number("memory_percent", memory_percent)
    req = _number("rps", rps)
    if not isinstance(service, str) or not service:
        raise errors.UsageError(
            "load(cluster, service, ...) needs the service's name: "
            'for example ecs.load(cluster="demo", service="web", cpu_percent=95)'
        )
    svc = engine.service(cluster, service) if not arns.is_arn(service) else None
    if svc is None and arns.is_arn(service):
        svc = engine.store.services.get(service)
    if svc is None or svc.status == service_mod.ServiceStatus.INACTIVE:
        raise errors.UsageError(f"load(): there is no active service {service!r} in {cluster!r}")
    load = loads(engine).setdefault(svc.arn, Load())
    # cpu_percent / memory_percent are what the service's tasks read *now*, on average; the
    # demand behind them (percent of one task's reservation, in total) stays when tasks are
    # added, so each task's share falls as the service scales out.
    now_running = max(1, len(running_tasks(engine, svc.arn)))
    if cpu is not None:
        load.cpu_percent = cpu * now_running
    if mem is not None:
        load.memory_percent = mem * now_running
    if req is not None:
        load.rps = req
    engine.store.touch()
    # start the metrics clock (the autoscaling controller sits above this module: looked up
    # by name, so the two never import each other)
    importlib.import_module("ecsedu.engine.controllers.autoscaling").ensure(engine)
    return {"service": svc.arn, **load.to_json()}


def running_tasks(engine: Engine, service_arn: str) -> list[task_mod.Task]:
    svc = engine.store.services.get(service_arn)
    if svc is None:
        return []
    tasks = engine.store.tasks_of_service(svc.cluster_arn, svc.name).values()
    return [t for t in tasks if t.last_status is task_mod.TaskStatus.RUNNING]


def service_load(engine: Engine, service_arn: str) -> tuple[float, float, float]:
    """The service's load model now: (cpu_percent, memory_percent, rps), totals over the
    service (what ``ecs.load`` set; zeros when none was set). For the load balancer: rps."""
    load = loads(engine).get(service_arn)
    if load is None:
        return (0.0, 0.0, 0.0)
    return (load.cpu_percent, load.memory_percent, load.rps)


def task_samples(engine: Engine, service_arn: str) -> list[tuple[str, float, float]]:
    """One (task ARN, CPU %, memory %) per RUNNING task, from the model, with noise drawn from
    the ``load`` stream (in the tasks' creation order: deterministic)."""
    tasks = running_tasks(engine, service_arn)
    if not tasks:
        return []
    cpu, mem, _ = service_load(engine, service_arn)
    rng = engine.streams["load"]
    out = []
    for t in tasks:
        c = (IDLE_CPU + cpu / len(tasks)) * (1.0 + rng.gauss(0.0, NOISE))
        m = (IDLE_MEMORY + mem / len(tasks)) * (1.0 + rng.gauss(0.0, NOISE))
        out.append((t.arn, max(0.0, c), min(100.0, max(0.0, m))))
    return out
