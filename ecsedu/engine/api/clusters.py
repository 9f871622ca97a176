"""Clusters: CreateCluster, DeleteCluster, DescribeClusters, ListClusters.

Each public function here is a method of ``ControlPlane`` (``control_plane.py`` lists them):
``cp`` is the control plane it runs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors, ids
from ecsedu.engine import describe, fargate, placement, validation
from ecsedu.engine.api import account_settings
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
        settings=list(params.get("settings", []))
        or account_settings.container_insights_default(cp),
    )
    if params.get("settings"):  # containerInsights values checked as UpdateClusterSettings does
        c.settings = _cluster_settings(c, params["settings"], "CreateCluster")
    if params.get("configuration") is not None:  # kept and echoed, as UpdateCluster's
        _execute_command_configuration(params["configuration"], "CreateCluster")
        c.configuration = dict(params["configuration"])
    if params.get("serviceConnectDefaults") is not None:  # checked and echoed as UpdateCluster's
        namespace = _namespace(params["serviceConnectDefaults"]["namespace"], "CreateCluster")
        c.service_connect_defaults = {"namespace": namespace}
    providers = [arns_mod.resource_id(str(n)) for n in params.get("capacityProviders", [])]
    default_strategy = list(params.get("defaultCapacityProviderStrategy", []))
    if providers or default_strategy:
        from ecsedu.engine.api import capacity_providers

        capacity_providers.check_association(cp, c, providers, default_strategy, "CreateCluster")
    cp.store.clusters[arn] = c
    cp.store.indexes[arn] = placement.ClusterIndex()
    if providers or default_strategy:
        capacity_providers.associate(cp, c, providers, default_strategy, "CreateCluster")
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
                describe.cluster(
                    c,
                    statistics="STATISTICS" in include,
                    tags="TAGS" in include,
                    stats=fargate.cluster_statistics(cp.store, c)
                    if "STATISTICS" in include
                    else None,
                    attachments="ATTACHMENTS" in include,
                    configurations="CONFIGURATIONS" in include,
                    settings="SETTINGS" in include,
                )
            )
    return {"clusters": out, "failures": failures}


@api("ListClusters")
def list_clusters(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    arns = [
        c.arn for c in cp.store.clusters.values() if c.status == cluster_mod.ClusterStatus.ACTIVE
    ]
    return page(arns, params, "clusterArns", "ListClusters")


# -- UpdateCluster, UpdateClusterSettings --------------------------------------------------------
#: containerInsights values (botocore ClusterSetting.value documentation).
CONTAINER_INSIGHTS = ("enabled", "disabled", "enhanced")


def _cluster_settings(
    c: cluster_mod.Cluster, settings: list[dict[str, Any]], op: str
) -> list[dict[str, str]]:
    """The cluster's settings with ``settings`` applied (checked first; nothing changes on an
    error)."""
    merged = {s["name"]: s["value"] for s in c.settings if "name" in s and "value" in s}
    for s in settings:
        name, value = s.get("name"), s.get("value")
        if name != "containerInsights" or value not in CONTAINER_INSIGHTS:
            raise errors.ecs_error(
                "InvalidParameterException",
                # our wording
                f"Invalid cluster setting {name}={value}: containerInsights takes enabled, "
                "disabled or enhanced.",
                op,
            )
        merged[name] = value
    return [{"name": n, "value": v} for n, v in merged.items()]


def _execute_command_configuration(config: dict[str, Any], op: str) -> None:
    exec_config = config.get("executeCommandConfiguration")
    if exec_config is None:
        return
    logging = exec_config.get("logging", "DEFAULT")
    if logging not in ("NONE", "DEFAULT", "OVERRIDE"):
        raise errors.ecs_error(
            "InvalidParameterException",
            f"Invalid logging {logging!r}: use NONE, DEFAULT or OVERRIDE.",  # our wording
            op,
        )
    if logging == "OVERRIDE" and not exec_config.get("logConfiguration"):
        raise errors.ecs_error(
            "InvalidParameterException",
            # our wording
            "When logging=OVERRIDE is specified, a logConfiguration must be provided.",
            op,
        )
    if logging != "OVERRIDE" and exec_config.get("logConfiguration"):
        raise errors.ecs_error(
            "InvalidParameterException",
            # our wording
            "A logConfiguration can only be provided when logging=OVERRIDE is specified.",
            op,
        )


def _namespace(value: str, op: str) -> str:
    """ecsedu has no AWS Cloud Map: a namespace is named by its ARN, which ECS echoes."""
    if not value.startswith(f"arn:aws:servicediscovery:{ids.REGION}:"):
        raise errors.ecs_error(
            "NamespaceNotFoundException",
            # our wording (botocore's description of the exception)
            f"The specified namespace wasn't found: {value}",
            op,
        )
    return value


@api("UpdateCluster")
def update_cluster(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Change a cluster's settings, ``configuration`` (ECS Exec logging, managed storage
    keys; kept and echoed, ecsedu has no ECS Exec) and ``serviceConnectDefaults`` (a Cloud Map
    namespace ARN, kept and echoed)."""
    op = "UpdateCluster"
    validation.check_enums(op, params)
    c = cp.store.cluster(params["cluster"], op)
    settings = _cluster_settings(c, params.get("settings", []), op)
    configuration = params.get("configuration")
    if configuration is not None:
        _execute_command_configuration(configuration, op)
    defaults = params.get("serviceConnectDefaults")
    namespace = _namespace(defaults["namespace"], op) if defaults is not None else None
    c.settings = settings
    if configuration is not None:
        c.configuration = {**(c.configuration or {}), **configuration}
    if namespace is not None:
        c.service_connect_defaults = {"namespace": namespace}
    cp.store.record(EV.API_CALL, f"cluster {c.name} updated", cluster_arn=c.arn, subject=c.arn)
    return {"cluster": describe.cluster(c)}


@api("UpdateClusterSettings")
def update_cluster_settings(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    """Turn CloudWatch Container Insights on (``enabled`` / ``enhanced``) or off for a cluster
    (overriding the containerInsights account setting it was created with)."""
    op = "UpdateClusterSettings"
    validation.check_enums(op, params)
    c = cp.store.cluster(params["cluster"], op)
    c.settings = _cluster_settings(c, params["settings"], op)
    cp.store.record(
        EV.API_CALL, f"cluster {c.name} settings updated", cluster_arn=c.arn, subject=c.arn
    )
    return {"cluster": describe.cluster(c)}
