"""Clusters: CreateCluster, DeleteCluster, DescribeClusters, ListClusters.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import describe, placement, validation
from ecsedu.engine.api.common import EV, S, api, page
from ecsedu.model import cluster as cluster_mod
from ecsedu.model import container_instance as ci_mod
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane


@api("CreateCluster")
def create_cluster(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    name = params.get("clusterName") or "default"
    if not validation.NAME_RE.match(name) or len(name) > 255:
        raise errors.ecs_error(
            "InvalidParameterException",
            # our wording
            "Cluster name can have up to 255 characters: letters, numbers, hyphens and "
            "underscores.",
            "CreateCluster",
        )
    arn = arns_mod.cluster(name)
    existing = cp.store.clusters.get(arn)
    if existing is not None and existing.status == cluster_mod.ClusterStatus.ACTIVE:
        return {"cluster": describe.cluster(existing, tags=True)}
    c = cluster_mod.Cluster(
        arn=arn,
        name=name,
        created_at=cp.clock.now,
        tags=list(params.get("tags", [])),
        settings=list(params.get("settings", [])),
    )
    cp.store.clusters[arn] = c
    cp.store.indexes[arn] = placement.ClusterIndex()
    cp.services.start_sweeps()
    cp.store.record(EV.API_CALL, f"cluster {name} created", cluster_arn=arn, subject=arn)
    return {"cluster": describe.cluster(c, tags=True)}


@api("DeleteCluster")
def delete_cluster(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    c = cp.store.cluster(params["cluster"], "DeleteCluster")
    if any(
        i.cluster_arn == c.arn
        and i.status in (ci_mod.InstanceStatus.ACTIVE, ci_mod.InstanceStatus.DRAINING)
        for i in cp.store.instances.values()
    ):
        raise errors.ecs_error(
            "ClusterContainsContainerInstancesException",
            "The Cluster cannot be deleted while Container Instances are active or draining.",
            "DeleteCluster",
        )
    if any(
        s.cluster_arn == c.arn
        and s.status in (service_mod.ServiceStatus.ACTIVE, service_mod.ServiceStatus.DRAINING)
        for s in cp.store.services.values()
    ):
        raise errors.ecs_error(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
            "DeleteCluster",
        )
    if any(
        t.cluster_arn == c.arn and t.last_status is not S.STOPPED for t in cp.store.tasks.values()
    ):
        raise errors.ecs_error(
            "ClusterContainsTasksException",
            "The Cluster cannot be deleted while Tasks are active.",
            "DeleteCluster",
        )
    c.status = cluster_mod.ClusterStatus.INACTIVE
    cp.store.record(EV.API_CALL, f"cluster {c.name} deleted", cluster_arn=c.arn, subject=c.arn)
    return {"cluster": describe.cluster(c)}


@api("DescribeClusters")
def describe_clusters(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    include = set(params.get("include", []))
    out, failures = [], []
    for ref in params.get("clusters") or ["default"]:
        c = cp.store.find_cluster(ref)
        if c is None:
            arn = ref if arns_mod.is_arn(ref) else arns_mod.cluster(ref)
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            out.append(
                describe.cluster(c, statistics="STATISTICS" in include, tags="TAGS" in include)
            )
    return {"clusters": out, "failures": failures}


@api("ListClusters")
def list_clusters(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    arns = [
        c.arn for c in cp.store.clusters.values() if c.status == cluster_mod.ClusterStatus.ACTIVE
    ]
    return page(arns, params, "clusterArns", "ListClusters")
