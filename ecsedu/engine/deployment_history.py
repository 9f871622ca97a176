"""The history of a service's rolling deployments: service deployments and service revisions.

The engine half of ``ecsedu/engine/api/service_deployments.py`` (which answers the API): the
service scheduler calls ``track`` after every reconcile (level-based: it reads the ``ecs-svc/…``
deployments' rollout states), and CreateService / UpdateService call ``record``.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html
"""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

from ecsedu import arns as arns_mod
from ecsedu.engine import scheduler
from ecsedu.engine import store as store_mod
from ecsedu.model import events as events_mod
from ecsedu.model import service as service_mod

__all__ = ["record", "track"]

EV = events_mod.EventKind
HISTORY_SECONDS = 90 * 86400.0
MAX_DESCRIBE = 20
LIST_DEFAULT = 20
ONGOING = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
FINISHED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
#: Keys of the service request a service revision captures (besides the task definition).
CAPTURED = (
    "platformVersion",
    "platformFamily",
    "loadBalancers",
    "serviceRegistries",
    "networkConfiguration",
    "serviceConnectConfiguration",
    "volumeConfigurations",
)
SUPERSEDED = "Service deployment stopped: a newer service deployment started."  # our wording
USER_ROLLBACK = "Service deployment rolled back by StopServiceDeployment."  # our wording
CB_TRIGGERED = "Circuit breaker rollback triggered."  # our wording
BAD_CREATED_AT = "createdAt must hold timestamps."  # our wording
ABORT_UNSUPPORTED = "The stopType ABORT is not supported. Use ROLLBACK."  # our wording
#: our wording
NO_SOURCE = "The service deployment has no source service revision to roll back to."


def _now(store: store_mod.Store) -> float:
    return store.clock.now


def _revision_id(deployment_id: str) -> str:
    """A service revision's id: the digits of the deployment that first deployed it."""
    return deployment_id.rsplit("/", 1)[-1]


def _deployment_id(service: service_mod.Service, deployment: service_mod.Deployment) -> str:
    """A service deployment's id: 22 characters of [A-Za-z0-9_-], as ECS spells them. Derived
    from the ``ecs-svc`` deployment (no draw from the id stream: every other id stays as it was)."""
    digest = hashlib.sha256(f"{service.arn} {deployment.id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def _capture(
    store: store_mod.Store, service: service_mod.Service, deployment: service_mod.Deployment
) -> service_mod.ServiceRevision:
    cluster = arns_mod.cluster_name(service.cluster_arn)
    config: dict[str, Any] = {"taskDefinition": deployment.task_definition_arn}
    strategy = copy.deepcopy(service.capacity_provider_strategy)
    if strategy:
        config["capacityProviderStrategy"] = strategy
    else:
        config["launchType"] = service.launch_type
    for key in CAPTURED:
        if service.request.get(key) is not None:
            config[key] = copy.deepcopy(service.request[key])
    # the service's current values (UpdateService changes them) over the CreateService echo
    if service.network_configuration is not None:
        config["networkConfiguration"] = copy.deepcopy(service.network_configuration)
    if service.platform_version is not None:
        config["platformVersion"] = service.platform_version
    td = store.task_definition(deployment.task_definition_arn, "CreateService")
    if td is not None:
        config["containerImages"] = [
            {"containerName": c.name, "image": c.image} for c in td.containers
        ]
    config["guardDutyEnabled"] = False
    return service_mod.ServiceRevision(
        arn=arns_mod.service_revision(cluster, service.name, _revision_id(deployment.id)),
        service_arn=service.arn,
        cluster_arn=service.cluster_arn,
        created_at=_now(store),
        config=config,
    )


def record(
    store: store_mod.Store, service: service_mod.Service, deployment: service_mod.Deployment
) -> service_mod.ServiceDeployment:
    """A new service deployment for ``deployment`` (already PRIMARY): its revision is captured
    now, the revisions of the older deployments are its sources; an ongoing one is STOPPED."""
    now = _now(store)
    revision = _capture(store, service, deployment)
    service.service_revisions.insert(0, revision)
    service.revision_of[deployment.id] = revision.arn
    sources: list[str] = []
    for d in service.deployments[1:]:
        arn = service.revision_of.get(d.id)
        if arn is not None and arn not in sources:
            sources.append(arn)
    for old in service.service_deployments:
        if old.status in ONGOING:
            old.status = "STOPPED"
            old.status_reason = SUPERSEDED
            _finish(service, old, now, stopped=True)
    config = service.request.get("deploymentConfiguration") or {}
    enable = bool((config.get("deploymentCircuitBreaker") or {}).get("enable"))
    cluster = arns_mod.cluster_name(service.cluster_arn)
    sd = service_mod.ServiceDeployment(
        arn=arns_mod.service_deployment(cluster, service.name, _deployment_id(service, deployment)),
        service_arn=service.arn,
        cluster_arn=service.cluster_arn,
        created_at=now,
        deployment_id=deployment.id,
        target_revision_arn=revision.arn,
        source_revision_arns=sources,
        updated_at=now,
        deployment_configuration=_configuration(service),
        circuit_breaker_status="MONITORING" if enable else "DISABLED",
        threshold=scheduler.failure_threshold(service.desired_count) if enable else 0,
    )
    service.service_deployments.insert(0, sd)
    _prune(service, now)
    store.record(
        EV.DEPLOYMENT_STATE_CHANGE,
        f"service deployment {arns_mod.resource_id(sd.arn)} PENDING "
        f"(target revision {arns_mod.resource_id(revision.arn)})",
        cluster_arn=service.cluster_arn,
        subject=service.arn,
    )
    return sd


def _configuration(service: service_mod.Service) -> dict[str, Any]:
    config = service.request.get("deploymentConfiguration") or {}
    out: dict[str, Any] = {
        "deploymentCircuitBreaker": copy.deepcopy(
            config.get("deploymentCircuitBreaker") or {"enable": False, "rollback": False}
        ),
        "maximumPercent": service.maximum_percent,
        "minimumHealthyPercent": service.minimum_healthy_percent,
    }
    if config.get("alarms"):
        out["alarms"] = copy.deepcopy(config["alarms"])
    return out


def _prune(service: service_mod.Service, now: float) -> None:
    """The 90-day history: older service deployments go, and revisions nobody refers to."""
    service.service_deployments = [
        sd
        for sd in service.service_deployments
        if sd.status in ONGOING or now - sd.created_at <= HISTORY_SECONDS
    ]
    used = set(
        service.revision_of[d.id] for d in service.deployments if d.id in service.revision_of
    )
    for sd in service.service_deployments:
        used.add(sd.target_revision_arn)
        used.update(sd.source_revision_arns)
        if sd.rollback:
            used.add(sd.rollback["serviceRevisionArn"])
    service.service_revisions = [r for r in service.service_revisions if r.arn in used]
    live = {d.id for d in service.deployments}
    service.revision_of = {k: v for k, v in service.revision_of.items() if k in live or v in used}


def _counts(service: service_mod.Service) -> dict[str, list[int]]:
    """Service revision ARN -> [requested, running, pending] tasks, from the live deployments."""
    out: dict[str, list[int]] = {}
    for d in service.deployments:
        arn = service.revision_of.get(d.id)
        if arn is None:
            continue
        row = out.setdefault(arn, [0, 0, 0])
        row[0] += d.desired_count
        row[1] += d.running_count
        row[2] += d.pending_count
    return out


def _finish(
    service: service_mod.Service, sd: service_mod.ServiceDeployment, now: float, *, stopped: bool
) -> None:
    sd.finished_at = now
    sd.updated_at = now
    if stopped and sd.stopped_at is None:
        sd.stopped_at = now
    if sd.started_at is None:
        sd.started_at = now
    if sd.circuit_breaker_status == "MONITORING":
        sd.circuit_breaker_status = "MONITORING_COMPLETE"
    sd.counts = _counts(service)


def track(store: store_mod.Store, service: service_mod.Service) -> None:
    """Move the service's ongoing service deployments along (after each reconcile)."""
    now = _now(store)
    by_id = {d.id: d for d in service.deployments}
    for sd in service.service_deployments:
        if sd.status not in ONGOING:
            continue
        before = sd.status
        target = by_id.get(sd.deployment_id)
        if sd.status == "PENDING":
            sd.status = "IN_PROGRESS"
            sd.started_at = now
        if sd.status == "ROLLBACK_REQUESTED":
            sd.status = "ROLLBACK_IN_PROGRESS"
        if target is not None and sd.circuit_breaker_status == "MONITORING":
            sd.failure_count = target.failed_tasks
        if sd.status == "IN_PROGRESS" and target is not None:
            if target.rollout_state == service_mod.RolloutState.COMPLETED:
                sd.status = "SUCCESSFUL"
                _finish(service, sd, now, stopped=False)
            elif target.rollout_state == service_mod.RolloutState.FAILED:
                sd.circuit_breaker_status = "TRIGGERED"
                sd.failure_count = target.failed_tasks
                back = service.primary
                if back is not target and back.created_at >= target.updated_at:
                    sd.status = "ROLLBACK_IN_PROGRESS"
                    sd.rollback_deployment_id = back.id
                    sd.rollback = {
                        "reason": CB_TRIGGERED,
                        "startedAt": now,
                        "serviceRevisionArn": service.revision_of.get(back.id, ""),
                    }
                else:
                    sd.status = "STOPPED"
                    sd.status_reason = target.rollout_state_reason
                    _finish(service, sd, now, stopped=True)
        if sd.status == "ROLLBACK_IN_PROGRESS":
            back_d = by_id.get(sd.rollback_deployment_id or "")
            if back_d is not None and back_d.rollout_state == service_mod.RolloutState.COMPLETED:
                sd.status = "ROLLBACK_SUCCESSFUL"
                _finish(service, sd, now, stopped=False)
            elif back_d is not None and back_d.rollout_state == service_mod.RolloutState.FAILED:
                sd.status = "ROLLBACK_FAILED"
                sd.status_reason = back_d.rollout_state_reason
                _finish(service, sd, now, stopped=False)
        if sd.status != before:
            sd.updated_at = now
            store.record(
                EV.DEPLOYMENT_STATE_CHANGE,
                f"service deployment {arns_mod.resource_id(sd.arn)} {sd.status}",
                cluster_arn=service.cluster_arn,
                subject=service.arn,
            )
