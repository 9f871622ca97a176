"""Task placement: which container instance gets the next task, and why.

ECS places a task in four steps (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement.html):

1. keep the instances that can take it: ACTIVE, agent connected, enough CPU, memory and GPUs
   (a container's ``resourceRequirements`` of type GPU), its static host ports free;
2. keep those that satisfy the placement constraints (``distinctInstance``, ``memberOf`` with a
   cluster query language expression): constraints are binding;
3. rank what is left by the placement strategies, in order, each one breaking the ties of the
   one before (``spread`` on any field, ``binpack`` on cpu or memory, ``random``);
4. take the best.

Every rejected instance keeps the reason it failed first, in that order (AGENT, RESOURCE:CPU,
RESOURCE:MEMORY, RESOURCE:GPU, RESOURCE:PORTS, then the constraint), which is what RunTask's
``failures`` and the service event's "closest matching" instance report.

``ClusterIndex`` keeps the numbers placement needs as numpy arrays (one slot per instance, in
registration order) so that a decision over a thousand instances is a few vector operations. The
engine updates it whenever it changes an instance; ``place`` itself only reads it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ecsedu.engine import query
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import task_definition as td_mod

__all__ = [
    "ClusterIndex",
    "PlacementDecision",
    "PlacementRequest",
    "place",
    "rank_for_stop",
]

#: Stage at which an instance was rejected; higher means it got further ("closer").
NOT_ACTIVE, AGENT, CPU, MEMORY, GPU, PORTS, ATTRIBUTE, CONSTRAINT, FITS = range(9)
STAGE_REASON = {
    NOT_ACTIVE: "INACTIVE",
    AGENT: "AGENT",
    CPU: "RESOURCE:CPU",
    MEMORY: "RESOURCE:MEMORY",
    GPU: "RESOURCE:GPU",
    PORTS: "RESOURCE:PORTS",
    ATTRIBUTE: "ATTRIBUTE",
}
#: Why an instance outside a ``memberOf`` expression (or a request's ``members``) is rejected.
MEMBER_OF_UNSATISFIED = "MemberOf placement constraint unsatisfied."
#: Default number of instances up to which a decision records every instance's reason.
EXPLAIN_LIMIT = 64
BIG = int(np.iinfo(np.int64).max)

Strategy = tuple[str, str | None]  # (type, field)
Constraint = tuple[str, str | None]  # (type, expression)

SERVICE_DEFAULT_STRATEGY: tuple[Strategy, ...] = (
    ("spread", "attribute:ecs.availability-zone"),
    ("spread", "instanceId"),
)
RUN_TASK_DEFAULT_STRATEGY: tuple[Strategy, ...] = (("random", None),)


@dataclass(frozen=True)
class PlacementRequest:
    """What one task needs from an instance."""

    cpu: int
    memory: int
    group: str
    ports: tuple[str, ...] = ()
    ports_udp: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    strategies: tuple[Strategy, ...] = RUN_TASK_DEFAULT_STRATEGY
    attributes: tuple[str, ...] = ()  # the task definition's requiresAttributes
    operation: str = "RunTask"
    gpus: int = 0  # GPUs the task's containers require (resourceRequirements type GPU)
    #: awsvpc on EC2: whether the instance at an index has a free ENI (``fargate.eni_checker``)
    eni: Callable[[int], bool] | None = None
    #: Only these instances (a mask over the index, as it was when the request was made): a
    #: capacity provider's own instances. Rejected as a ``memberOf`` constraint listed after
    #: ``constraints`` would be, at the cost of one vector operation (``capacity.py``).
    members: npt.NDArray[np.bool_] | None = field(default=None, compare=False)


class PlacementDecision(NamedTuple):
    """The outcome of placing one task.

    ``instance`` is the chosen instance's index in the cluster (None if nothing fits).
    ``rejected`` counts rejections by reason; ``reasons`` maps instance id → reason for every
    instance when the cluster is small enough to explain in full (``EXPLAIN_LIMIT``).
    ``closest`` is (instance index, reason) of the instance that got furthest, for the service
    event "The closest matching (container-instance …)".
    """

    instance: int | None
    candidates: int
    rejected: Mapping[str, int]
    reasons: Mapping[str, str] = MappingProxyType({})  # read-only: shared by decisions
    closest: tuple[int, str] | None = None
    strategy: tuple[Strategy, ...] = ()


class ClusterIndex:
    """Placement's view of one cluster's instances, as arrays indexed by registration order."""

    def __init__(self) -> None:
        self.instances: list[ci_mod.ContainerInstance] = []
        self.cpu: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.mem: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.active: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self.connected: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self.gpu: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # GPUs not assigned
        self.groups: dict[str, npt.NDArray[np.int64]] = {}
        self._attr_codes: dict[str, npt.NDArray[np.int64]] = {}
        self._attr_masks: dict[tuple[str, ...], npt.NDArray[np.bool_]] = {}
        self._provider_masks: dict[tuple[str, int], npt.NDArray[np.bool_]] = {}

    def __len__(self) -> int:
        return len(self.instances)

    def add(self, instance: ci_mod.ContainerInstance) -> None:
        instance.index = len(self.instances)
        self.instances.append(instance)
        self.cpu = np.append(self.cpu, instance.remaining_cpu)
        self.mem = np.append(self.mem, instance.remaining_memory)
        self.active = np.append(self.active, instance.status == ci_mod.InstanceStatus.ACTIVE)
        self.connected = np.append(self.connected, instance.agent_connected)
        self.gpu = np.append(self.gpu, len(instance.remaining_gpus))
        for name, counts in self.groups.items():
            self.groups[name] = np.append(counts, 0)
        self.attributes_changed()

    def update_resources(self, instance: ci_mod.ContainerInstance) -> None:
        """Refresh one instance's CPU and memory (a task was placed there or stopped)."""
        i = instance.index
        self.cpu[i] = instance.remaining_cpu
        self.mem[i] = instance.remaining_memory
        if instance.gpu_ids:
            self.gpu[i] = len(instance.remaining_gpus)

    def update(self, instance: ci_mod.ContainerInstance) -> None:
        """Refresh one instance's numbers after the engine changed it."""
        i = instance.index
        self.cpu[i] = instance.remaining_cpu
        self.mem[i] = instance.remaining_memory
        self.active[i] = instance.status == ci_mod.InstanceStatus.ACTIVE
        self.connected[i] = instance.agent_connected
        self.gpu[i] = len(instance.remaining_gpus)
        self._provider_masks.clear()

    def attributes_changed(self) -> None:
        self._attr_codes.clear()
        self._attr_masks.clear()
        self._provider_masks.clear()

    def launched_by(self, provider: str) -> npt.NDArray[np.bool_]:
        """Which instances the capacity provider ``provider``'s Auto Scaling group launched
        (whatever their status). Read-only; cached until an instance is added or changed: an
        instance's ``capacity_provider_name`` is set as it registers, before anything places
        (``cluster_autoscaling.register``)."""
        key = (provider, len(self.instances))
        mask = self._provider_masks.get(key)
        if mask is None:
            mask = np.fromiter(
                (inst.capacity_provider_name == provider for inst in self.instances),
                dtype=bool,
                count=len(self.instances),
            )
            mask.flags.writeable = False
            self._provider_masks[key] = mask
        return mask

    def has_attributes(self, names: tuple[str, ...]) -> npt.NDArray[np.bool_]:
        """Which instances carry every attribute in ``names`` (cached per set of names)."""
        mask = self._attr_masks.get(names)
        if mask is None:
            mask = np.array(
                [all(inst.has_attribute(a) for a in names) for inst in self.instances], dtype=bool
            )
            self._attr_masks[names] = mask
        return mask

    def group_counts(self, group: str) -> npt.NDArray[np.int64]:
        counts = self.groups.get(group)
        if counts is None:
            counts = np.zeros(len(self.instances), dtype=np.int64)
            self.groups[group] = counts
        return counts

    def count_task(self, group: str, index: int, delta: int) -> None:
        self.group_counts(group)[index] += delta

    def codes(self, field_name: str) -> npt.NDArray[np.int64]:
        """Integer code per instance for a spread field (equal values share a code)."""
        codes = self._attr_codes.get(field_name)
        if codes is None:
            seen: dict[str | None, int] = {}
            values = [field_value(inst, field_name) for inst in self.instances]
            codes = np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)
            self._attr_codes[field_name] = codes
        return codes


def required_attributes(td: td_mod.TaskDefinition) -> tuple[str, ...]:
    """The instance attributes a task of ``td`` needs (its ``requiresAttributes``)."""
    return tuple(str(a["name"]) for a in td.document.get("requiresAttributes", []) if a.get("name"))


def container_gpus(td: td_mod.TaskDefinition) -> tuple[int, ...]:
    """GPUs each container of ``td`` requires (``resourceRequirements`` of type GPU), in order."""
    out = []
    for c in td.document.get("containerDefinitions", []):
        n = 0
        for r in c.get("resourceRequirements") or ():
            if r.get("type") == "GPU":
                try:
                    n += int(r.get("value", 0))
                except (TypeError, ValueError):
                    continue
        out.append(n)
    return tuple(out)


def required_gpus(td: td_mod.TaskDefinition) -> int:
    """GPUs a task of ``td`` needs on its instance (the sum over its containers)."""
    return sum(container_gpus(td))


def field_value(instance: ci_mod.ContainerInstance, field_name: str) -> str | None:
    """The value a ``spread`` field takes on an instance."""
    if field_name in ("instanceId", "host"):
        return instance.id
    if field_name.startswith("attribute:"):
        return instance.attribute(field_name[len("attribute:") :])
    return None


def place(
    index: ClusterIndex,
    request: PlacementRequest,
    rng: random.Random,
    *,
    explain_limit: int = EXPLAIN_LIMIT,
) -> PlacementDecision:
    """Choose an instance for one task. Reads ``index``; changes nothing."""
    return _place(index, request, rng, explain_limit)[0]


def _place(
    index: ClusterIndex, request: PlacementRequest, rng: random.Random, explain_limit: int
) -> tuple[PlacementDecision, npt.NDArray[np.bool_] | None]:
    """``place``, also handing back the mask of fitting instances on the big-cluster path."""
    n = len(index)
    if n == 0:
        return PlacementDecision(None, 0, {}), None
    live = index.active & index.connected
    cpu_ok = index.cpu >= request.cpu
    live_cpu = live & cpu_ok
    ok = live_cpu & (index.mem >= request.memory)
    gpu_fail: list[int] = []
    if request.gpus:
        short = ok & (index.gpu < request.gpus)
        if short.any():
            gpu_fail = np.flatnonzero(short).tolist()
            ok &= ~short
    constraint_reason: dict[int, str] = {}
    port_fail: list[int] = []
    if (request.ports or request.ports_udp) and ok.any():
        for i in np.flatnonzero(ok).tolist():
            if _ports_clash(index.instances[i], request):
                port_fail.append(i)
                ok[i] = False
    attr_fail: list[int] = []
    if request.attributes:
        missing = ok & ~index.has_attributes(request.attributes)
        if missing.any():
            attr_fail = np.flatnonzero(missing).tolist()
            ok &= ~missing
    if request.eni is not None and ok.any():  # RESOURCE:ENI, reported like a constraint
        for i in np.flatnonzero(ok).tolist():
            if not request.eni(i):
                constraint_reason[i] = "RESOURCE:ENI"
                ok[i] = False
    if request.constraints and ok.any():
        for i in np.flatnonzero(ok).tolist():
            why = constraint_failure(index, i, request)
            if why is not None:
                constraint_reason[i] = why
                ok[i] = False
    if request.members is not None and ok.any():
        outside = ok & ~request.members
        if outside.any():
            for i in np.flatnonzero(outside).tolist():
                constraint_reason[i] = MEMBER_OF_UNSATISFIED
            ok &= request.members
    candidates = int(np.count_nonzero(ok))
    if candidates and n > explain_limit:
        # The fast path for big clusters: counts per reason, no per-instance story.
        n_active = int(np.count_nonzero(index.active))
        n_live = int(np.count_nonzero(live))
        n_live_cpu = int(np.count_nonzero(live_cpu))
        counts = {
            "INACTIVE": n - n_active,
            "AGENT": n_active - n_live,
            "RESOURCE:CPU": n_live - n_live_cpu,
            "RESOURCE:MEMORY": n_live_cpu
            - candidates
            - len(gpu_fail)
            - len(port_fail)
            - len(attr_fail)
            - len(constraint_reason),
            "RESOURCE:GPU": len(gpu_fail),
            "RESOURCE:PORTS": len(port_fail),
            "ATTRIBUTE": len(attr_fail),
        }
        for why in constraint_reason.values():
            counts[why] = counts.get(why, 0) + 1
        chosen = rank(index, ok, request, rng)
        summary = {k: v for k, v in counts.items() if v}
        return PlacementDecision(chosen, candidates, summary, {}, None, request.strategies), ok
    stage = _stages(index, request, live, cpu_ok, gpu_fail, port_fail, attr_fail, constraint_reason)

    def reason_of(i: int) -> str:
        s = int(stage[i])
        return constraint_reason[i] if s == CONSTRAINT else STAGE_REASON.get(s, "FITS")

    rejected: dict[str, int] = {}
    for i in range(n) if n <= explain_limit else ():
        if stage[i] != FITS:
            rejected[reason_of(i)] = rejected.get(reason_of(i), 0) + 1
    if n > explain_limit:
        for s_, name in STAGE_REASON.items():
            c = int(np.count_nonzero(stage == s_))
            if c:
                rejected[name] = c
        for why in constraint_reason.values():
            rejected[why] = rejected.get(why, 0) + 1
    reasons = {index.instances[i].id: reason_of(i) for i in range(n)} if n <= explain_limit else {}
    if not candidates:
        eligible = stage > NOT_ACTIVE
        closest = None
        if eligible.any():
            best = int(np.argmax(np.where(eligible, stage, -1)))
            closest = (best, reason_of(best))
        return PlacementDecision(None, 0, rejected, reasons, closest, request.strategies), None
    chosen = rank(index, ok, request, rng)
    return PlacementDecision(chosen, candidates, rejected, reasons, None, request.strategies), None


def _stages(
    index: ClusterIndex,
    request: PlacementRequest,
    live: npt.NDArray[np.bool_],
    cpu_ok: npt.NDArray[np.bool_],
    gpu_fail: list[int],
    port_fail: list[int],
    attr_fail: list[int],
    constraint_reason: dict[int, str],
) -> npt.NDArray[np.int64]:
    """The stage at which each instance was rejected (FITS if it was not)."""
    stage = np.full(len(index), FITS, dtype=np.int64)
    stage[live & cpu_ok & (index.mem < request.memory)] = MEMORY
    stage[live & ~cpu_ok] = CPU
    stage[index.active & ~index.connected] = AGENT
    stage[~index.active] = NOT_ACTIVE
    for i in gpu_fail:
        stage[i] = GPU
    for i in port_fail:
        stage[i] = PORTS
    for i in attr_fail:
        stage[i] = ATTRIBUTE
    for i in constraint_reason:
        stage[i] = CONSTRAINT
    return stage


def rank(
    index: ClusterIndex,
    ok: npt.NDArray[np.bool_],
    request: PlacementRequest,
    rng: random.Random,
) -> int:
    """Apply the strategies in order as tie-breakers; the first candidate left wins."""
    big = BIG
    last = len(request.strategies) - 1
    for position, (kind, field_name) in enumerate(request.strategies):
        if kind == "random":
            cands = np.flatnonzero(ok)
            return int(cands[rng.randrange(len(cands))])
        if kind == "binpack":
            values = index.cpu if field_name == "cpu" else index.mem
        elif kind == "spread" and field_name:
            counts = index.group_counts(request.group)
            if field_name in ("instanceId", "host"):
                values = counts
            else:
                codes = index.codes(field_name)
                live = index.active & index.connected
                per_value = np.bincount(
                    codes[live], weights=counts[live], minlength=int(codes.max()) + 1
                ).astype(np.int64)
                values = per_value[codes]
        else:
            continue
        masked = np.where(ok, values, big)
        if position == last:  # the first of the best: no need to narrow the tie any further
            return int(np.argmin(masked))
        ok = ok & (masked == masked.min())
    return int(np.argmax(ok))


def _ports_clash(inst: ci_mod.ContainerInstance, request: PlacementRequest) -> bool:
    if request.ports:
        used = inst.used_ports("tcp")
        if any(p in used for p in request.ports):
            return True
    if request.ports_udp:
        used = inst.used_ports("udp")
        if any(p in used for p in request.ports_udp):
            return True
    return False


def constraint_failure(index: ClusterIndex, i: int, request: PlacementRequest) -> str | None:
    inst = index.instances[i]
    for kind, expression in request.constraints:
        if kind == "distinctInstance" and index.group_counts(request.group)[i] > 0:
            return "DistinctInstance placement constraint unsatisfied."
        if (
            kind == "memberOf"
            and expression
            and not query.compile_expression(expression, request.operation).matches(inst)
        ):
            return MEMBER_OF_UNSATISFIED
    return None


def rank_for_stop(
    index: ClusterIndex,
    tasks: Sequence[tuple[int, str]],
    group: str,
    strategies: Sequence[Strategy],
    rng: random.Random,
) -> list[int]:
    """Order tasks (given as (instance index, task id)) for scale-in, best to stop first.

    spread: the instance whose field value has the most tasks of the group goes first;
    binpack: the instance with the most remaining of the resource goes first (keeps the
    cluster packed); random: seeded shuffle. Returns positions into ``tasks``.
    """
    counts = index.group_counts(group)
    keys: list[list[float]] = [[] for _ in tasks]
    order = list(range(len(tasks)))
    for kind, field_name in strategies:
        if kind == "random":
            shuffled = order[:]
            rng.shuffle(shuffled)
            for rank_, pos in enumerate(shuffled):
                keys[pos].append(rank_)
            continue
        for pos, (i, _tid) in enumerate(tasks):
            if kind == "binpack":
                keys[pos].append(-float((index.cpu if field_name == "cpu" else index.mem)[i]))
            elif kind == "spread" and field_name in ("instanceId", "host"):
                keys[pos].append(-float(counts[i]))
            elif kind == "spread" and field_name:
                codes = index.codes(field_name)
                keys[pos].append(-float(counts[codes == codes[i]].sum()))
    return sorted(order, key=lambda pos: (keys[pos], tasks[pos][1]))


def fits(index: ClusterIndex, i: int, request: PlacementRequest) -> str | None:
    """Why instance ``i`` cannot take the task (None if it can). Used for DAEMON services."""
    inst = index.instances[i]
    if not index.active[i]:
        return "INACTIVE"
    if not index.connected[i]:
        return "AGENT"
    if index.cpu[i] < request.cpu:
        return "RESOURCE:CPU"
    if index.mem[i] < request.memory:
        return "RESOURCE:MEMORY"
    if request.gpus and index.gpu[i] < request.gpus:
        return "RESOURCE:GPU"
    if _ports_clash(inst, request):
        return "RESOURCE:PORTS"
    if request.attributes and not index.has_attributes(request.attributes)[i]:
        return "ATTRIBUTE"
    if request.eni is not None and not request.eni(i):
        return "RESOURCE:ENI"
    why = constraint_failure(index, i, request)
    if why is None and request.members is not None and not request.members[i]:
        return MEMBER_OF_UNSATISFIED
    return why


class Batch:
    """Place several copies of one task (RunTask ``count``, a service scaling out).

    The first decision filters every instance; after that, only the instance that took the last
    task can have changed, so only it is checked again (``placed``). Decisions are identical to
    calling ``place`` each time, at a fraction of the cost on big clusters.
    """

    def __init__(
        self,
        index: ClusterIndex,
        request: PlacementRequest,
        rng: random.Random,
        *,
        explain_limit: int = EXPLAIN_LIMIT,
    ) -> None:
        self.index = index
        self.request = request
        self.rng = rng
        self.explain_limit = explain_limit
        self.small = len(index) <= explain_limit  # (no instance joins during one batch)
        self.ok: npt.NDArray[np.bool_] | None = None
        self.rejected: Mapping[str, int] = MappingProxyType({})  # replaced, never mutated
        self.candidates = 0
        # a lone binpack strategy: the scores to minimise, kept up to date instance by instance
        self.scores: npt.NDArray[np.int64] | None = None
        self.values: npt.NDArray[np.int64] | None = None
        self.best: int | None = None  # argmin of ``scores``, while known
        if len(request.strategies) == 1 and request.strategies[0][0] == "binpack":
            self.values = index.cpu if request.strategies[0][1] == "cpu" else index.mem

    def next(self) -> PlacementDecision:
        index, request = self.index, self.request
        if self.small or self.ok is None or not self.candidates:
            decision, ok = _place(index, request, self.rng, self.explain_limit)
            if decision.instance is not None and ok is not None:
                self.ok = ok
                self.rejected = MappingProxyType(dict(decision.rejected))
                self.candidates = decision.candidates
                if self.values is not None:
                    self.scores = np.where(self.ok, self.values, BIG)
                    self.best = None
            return decision
        if self.scores is not None:
            if self.best is None:  # the first of the fullest, as ``rank`` picks
                self.best = int(self.scores.argmin())
            chosen = self.best
        else:
            chosen = rank(index, self.ok, request, self.rng)
        return PlacementDecision(
            chosen, self.candidates, self.rejected, {}, None, request.strategies
        )

    def placed(self, i: int) -> None:
        """The caller reserved a task on instance ``i``: re-check that instance only."""
        if self.ok is None or not self.ok[i]:
            return
        inst, request = self.index.instances[i], self.request
        if inst.remaining_cpu < request.cpu:
            why: str | None = "RESOURCE:CPU"
        elif inst.remaining_memory < request.memory:
            why = "RESOURCE:MEMORY"
        elif request.gpus and len(inst.remaining_gpus) < request.gpus:
            why = "RESOURCE:GPU"
        elif request.ports or request.ports_udp or request.constraints or request.eni:
            why = fits(self.index, i, request)
        else:  # attributes and agent cannot change by placing a task
            why = None
        if why is not None:
            self.ok[i] = False
            self.candidates -= 1
            self.rejected = MappingProxyType({**self.rejected, why: self.rejected.get(why, 0) + 1})
        if self.scores is not None and self.values is not None:
            old = self.scores[i]
            new = self.values[i] if why is None else BIG
            self.scores[i] = new
            # the first of the minimum took a task and got no emptier: still the first of the
            # minimum (every other score was already higher, or as high further on)
            if i != self.best or new > old:
                self.best = None
