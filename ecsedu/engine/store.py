"""Everything the engine knows, in one place, plus the event log.

``Store`` is plain data (dicts of model objects in creation order) with lookups that raise the
ECS error a real endpoint would. The lifecycle, service and API modules all work on one Store.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ecsedu import arns, errors
from ecsedu import clock as clock_mod
from ecsedu import ids as ids_mod
from ecsedu.agent import agent as agent_mod
from ecsedu.engine import placement
from ecsedu.model import capacity_provider as cp_mod
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import eventlog
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod
from ecsedu.model import task as task_mod
from ecsedu.model import task_definition as td_mod

__all__ = ["Store"]


@dataclass
class Dirty:
    """ARNs touched without a new log entry since the change feed last looked (the subjects
    of new entries are read from the log itself)."""

    clusters: set[str] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)


@dataclass
class Store:
    clock: clock_mod.Clock
    ids: ids_mod.IdFactory
    streams: ids_mod.RandomStreams = field(default_factory=ids_mod.RandomStreams)
    runtime_name: str = "simulated"
    clusters: dict[str, cluster_mod.Cluster] = field(default_factory=dict)  # by ARN
    indexes: dict[str, placement.ClusterIndex] = field(default_factory=dict)  # by cluster ARN
    instances: dict[str, ci_mod.ContainerInstance] = field(default_factory=dict)
    #: Agents of container instances and of hidden Fargate hosts, by their ARN.
    agents: dict[str, agent_mod.ContainerAgent] = field(default_factory=dict)
    #: Fargate: the hidden micro-VM of each Fargate task, by its ARN (never listed or placed on).
    fargate_hosts: dict[str, ci_mod.ContainerInstance] = field(default_factory=dict)
    #: awsvpc on EC2: task ENIs attached to each container instance, by instance ARN.
    enis: dict[str, int] = field(default_factory=dict)
    #: Fargate hosts alive per (cluster ARN, Availability Zone): Fargate spreads over zones.
    fargate_zones: dict[tuple[str, str], int] = field(default_factory=dict)
    families: dict[str, list[td_mod.TaskDefinition]] = field(default_factory=dict)
    td_requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # by TD ARN
    td_tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    tasks: dict[str, task_mod.Task] = field(default_factory=dict)
    services: dict[str, service_mod.Service] = field(default_factory=dict)
    log: eventlog.EventLog = field(default_factory=eventlog.EventLog)
    service_tasks: dict[tuple[str, str], dict[str, task_mod.Task]] = field(default_factory=dict)
    #: Capacity providers by name (FARGATE and FARGATE_SPOT are built in, never stored) and
    #: EC2 Auto Scaling groups by name.
    capacity_providers: dict[str, cp_mod.CapacityProvider] = field(default_factory=dict)
    auto_scaling_groups: dict[str, cp_mod.AutoScalingGroup] = field(default_factory=dict)
    explain_limit: int = placement.EXPLAIN_LIMIT
    #: The state of controllers beyond ECS itself, by name ("scaling", "cloudwatch", "loads",
    #: "elb"): created by each controller on first use.
    extensions: dict[str, Any] = field(default_factory=dict)
    #: Views of tasks as the last snapshot drew them: (task, version, view), by task ARN.
    task_views: dict[str, tuple[Any, int, Any]] = field(default_factory=dict, repr=False)
    #: The change counter and what changed since the last ``take_changes`` (the change feed).
    version: int = 0
    dirty: Dirty = field(default_factory=lambda: Dirty())

    @property
    def placement_rng(self) -> random.Random:
        """The random placement strategy's own stream (ids draw from another)."""
        return self.streams["placement"]

    # -- the event log -------------------------------------------------------------------------
    def record(
        self,
        kind: events_mod.EventKind,
        message: str,
        *,
        cluster_arn: str | None = None,
        subject: str | None = None,
        collapse: bool = False,
        **detail: object,
    ) -> None:
        """Append to the event log (kept raw: cheap on the hot path, views built on read).

        ``collapse``: a repeat of the latest entry of this kind and subject is counted instead
        of stored again (failed placements retried for hours, for example).
        """
        # ``_value_`` (the Enum API's plain attribute) rather than ``.value``: this is the hot path
        entry = (self.clock.now, kind._value_, cluster_arn, subject, message, detail)
        log = self.log
        if collapse or log._latest:
            log.append(entry, collapse)
        else:  # the hot path, inlined: EventLog.append with nothing to fold
            log._open.append(entry)
            log._next += 1
            if len(log._open) >= eventlog.CHUNK:
                log.seal()
        self.version += 1
        if collapse:  # a folded repeat adds no entry for the change feed to read back
            if subject is not None:
                self.dirty.subjects.add(subject)
            if cluster_arn is not None:
                self.dirty.clusters.add(cluster_arn)

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
            collapse=chosen is None,  # a service retrying for hours is one entry, counted
            instance=chosen,
            candidates=decision.candidates,
            rejected=decision.rejected,
            reasons=decision.reasons,
            strategy=decision.strategy,
        )

    def event_views(self, since: int = 0) -> eventlog.EventSeq:
        return self.log.view(since)

    def touch(self, *arns: str) -> None:
        """Mark state as changed without an event (the change feed still reports it)."""
        self.version += 1
        for arn in arns:
            self.dirty.subjects.add(arn)

    def tasks_of_service(self, cluster_arn: str, name: str) -> dict[str, task_mod.Task]:
        return self.service_tasks.setdefault((cluster_arn, name), {})

    # -- lookups that answer like ECS ----------------------------------------------------------
    def cluster(self, ref: str | None, operation: str) -> cluster_mod.Cluster:
        name = ref or "default"
        arn = name if arns.is_arn(name) else arns.cluster(name)
        c = self.clusters.get(arn)
        if c is None or c.status != cluster_mod.ClusterStatus.ACTIVE:
            raise errors.ecs_error("ClusterNotFoundException", "Cluster not found.", operation)
        return c

    def find_cluster(self, ref: str) -> cluster_mod.Cluster | None:
        arn = ref if arns.is_arn(ref) else arns.cluster(ref)
        return self.clusters.get(arn)

    def instance_arn(self, cluster: cluster_mod.Cluster, ref: str) -> str:
        return ref if arns.is_arn(ref) else arns.container_instance(cluster.name, ref)

    def task_arn(self, cluster: cluster_mod.Cluster, ref: str) -> str:
        return ref if arns.is_arn(ref) else arns.task(cluster.name, ref)

    def service_arn(self, cluster: cluster_mod.Cluster, ref: str) -> str:
        return ref if arns.is_arn(ref) else arns.service(cluster.name, ref)

    def task_definition(
        self, ref: str, operation: str, *, allow_inactive: bool = True
    ) -> td_mod.TaskDefinition | None:
        """Resolve ``family``, ``family:revision`` or an ARN; None if there is no such thing."""
        family, _, rev = arns.task_definition_ref(ref).partition(":")
        revisions = self.families.get(family)
        if not revisions:
            return None
        if not rev:
            active = [td for td in revisions if td.status == td_mod.TaskDefinitionStatus.ACTIVE]
            return active[-1] if active else None
        if not rev.isdigit() or not 1 <= int(rev) <= len(revisions):
            return None
        return revisions[int(rev) - 1]

    def replace_task_definition(self, td: td_mod.TaskDefinition) -> None:
        self.families[td.family][td.revision - 1] = td

    def tasks_in(self, cluster_arn: str) -> list[task_mod.Task]:
        return [t for t in self.tasks.values() if t.cluster_arn == cluster_arn]
