"""Everything the engine knows, in one place, plus the event log.

``Store`` is plain data (dicts of model objects in creation order) with lookups that raise the
ECS error a real endpoint would. The lifecycle, service and API modules all work on one Store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ecsedu import clock as clock_mod
from ecsedu import errors
from ecsedu import ids as ids_mod
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import placement
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import snapshot
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

__all__ = ["Store"]

ARN_PREFIX = f"arn:aws:ecs:{ids_mod.REGION}:{ids_mod.ACCOUNT}:"


def _frozen(value: Any) -> Any:
    """Event details as read-only values: sequences become tuples, mappings read-only dicts
    (so a view is the same whether the log was just written or read back from a file)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass
class Store:
    clock: clock_mod.Clock
    ids: ids_mod.IdFactory
    runtime_name: str = "simulated"
    clusters: dict[str, cluster_mod.Cluster] = field(default_factory=dict)  # by ARN
    indexes: dict[str, placement.ClusterIndex] = field(default_factory=dict)  # by cluster ARN
    instances: dict[str, ci_mod.ContainerInstance] = field(default_factory=dict)
    agents: dict[str, agent_mod.ContainerAgent] = field(default_factory=dict)
    families: dict[str, list[td_mod.TaskDefinition]] = field(default_factory=dict)
    td_requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # by TD ARN
    td_tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    tasks: dict[str, task_mod.Task] = field(default_factory=dict)
    services: dict[str, service_mod.Service] = field(default_factory=dict)
    log: list[tuple[Any, ...]] = field(default_factory=list)  # raw entries; see ``event_views``
    service_tasks: dict[tuple[str, str], dict[str, task_mod.Task]] = field(default_factory=dict)
    explain_limit: int = placement.EXPLAIN_LIMIT

    # -- the event log -------------------------------------------------------------------------
    def record(
        self,
        kind: events_mod.EventKind,
        message: str,
        *,
        cluster_arn: str | None = None,
        subject: str | None = None,
        **detail: object,
    ) -> None:
        """Append to the event log (kept raw: cheap on the hot path, views built on read)."""
        # ``_value_`` (the Enum API's plain attribute) rather than ``.value``: this is the hot path
        self.log.append((self.clock.now, kind._value_, cluster_arn, subject, message, detail))

    def record_placement(
        self,
        who: str,
        decision: placement.PlacementDecision,
        index: placement.ClusterIndex,
        *,
        cluster_arn: str,
        subject: str,
    ) -> None:
        """Log one placement decision (``who`` is e.g. ``service web`` or ``task of app:3``)."""
        chosen = index.instances[decision.instance].id if decision.instance is not None else None
        outcome = f"placed on {chosen}" if chosen else "no container instance met all requirements"
        self.record(
            events_mod.EventKind.PLACEMENT,
            f"{who}: {outcome}",
            cluster_arn=cluster_arn,
            subject=subject,
            instance=chosen,
            candidates=decision.candidates,
            rejected=decision.rejected,
            reasons=decision.reasons,
            strategy=decision.strategy,
        )

    def event_views(self, since: int = 0) -> list[snapshot.EventView]:
        return [
            snapshot.EventView(
                seq=since + n,
                time=t,
                kind=k,
                cluster_arn=c,
                subject=s,
                message=m,
                detail=tuple((key, _frozen(value)) for key, value in d.items()),
            )
            for n, (t, k, c, s, m, d) in enumerate(self.log[since:])
        ]

    def tasks_of_service(self, cluster_arn: str, name: str) -> dict[str, task_mod.Task]:
        return self.service_tasks.setdefault((cluster_arn, name), {})

    # -- lookups that answer like ECS ----------------------------------------------------------
    def cluster(self, ref: str | None, operation: str) -> cluster_mod.Cluster:
        name = ref or "default"
        arn = name if name.startswith(ARN_PREFIX) else f"{ARN_PREFIX}cluster/{name}"
        c = self.clusters.get(arn)
        if c is None or c.status != "ACTIVE":
            raise errors.ecs_error("ClusterNotFoundException", "Cluster not found.", operation)
        return c

    def find_cluster(self, ref: str) -> cluster_mod.Cluster | None:
        arn = ref if ref.startswith(ARN_PREFIX) else f"{ARN_PREFIX}cluster/{ref}"
        return self.clusters.get(arn)

    def instance_arn(self, cluster: cluster_mod.Cluster, ref: str) -> str:
        if ref.startswith(ARN_PREFIX):
            return ref
        return f"{ARN_PREFIX}container-instance/{cluster.name}/{ref}"

    def task_arn(self, cluster: cluster_mod.Cluster, ref: str) -> str:
        if ref.startswith(ARN_PREFIX):
            return ref
        return f"{ARN_PREFIX}task/{cluster.name}/{ref}"

    def service_arn(self, cluster: cluster_mod.Cluster, ref: str) -> str:
        if ref.startswith(ARN_PREFIX):
            return ref
        return f"{ARN_PREFIX}service/{cluster.name}/{ref}"

    def task_definition(
        self, ref: str, operation: str, *, allow_inactive: bool = True
    ) -> td_mod.TaskDefinition | None:
        """Resolve ``family``, ``family:revision`` or an ARN; None if there is no such thing."""
        text = ref.split(":task-definition/", 1)[1] if ":task-definition/" in ref else ref
        family, _, rev = text.partition(":")
        revisions = self.families.get(family)
        if not revisions:
            return None
        if not rev:
            active = [td for td in revisions if td.status == "ACTIVE"]
            return active[-1] if active else None
        if not rev.isdigit() or not 1 <= int(rev) <= len(revisions):
            return None
        return revisions[int(rev) - 1]

    def replace_task_definition(self, td: td_mod.TaskDefinition) -> None:
        self.families[td.family][td.revision - 1] = td

    def tasks_in(self, cluster_arn: str) -> list[task_mod.Task]:
        return [t for t in self.tasks.values() if t.cluster_arn == cluster_arn]
