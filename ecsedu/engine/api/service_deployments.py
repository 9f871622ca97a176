"""Service deployments and service revisions: the history of a service's rolling deployments.

Every deployment of a service (CreateService is the first; every UpdateService that changes the
task definition, the placement or forces a new deployment is another) is recorded as a *service
deployment* that deploys a *target service revision* (the workload configuration captured at
that moment: task definition, launch type or capacity provider strategy, platform version, load
balancers, network configuration, Service Connect ...) over the *source service revisions*
(what was deployed before). A rollback makes no new revision: it deploys the source one again.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html

Statuses: ``PENDING`` (created, the scheduler has not acted yet) → ``IN_PROGRESS`` →
``SUCCESSFUL`` (the rollout COMPLETED); with the circuit breaker, a failed rollout is
``STOPPED`` (no rollback) or ``ROLLBACK_IN_PROGRESS`` → ``ROLLBACK_SUCCESSFUL`` /
``ROLLBACK_FAILED``. ``StopServiceDeployment`` (stop type ``ROLLBACK``) moves a ``PENDING`` or
``IN_PROGRESS`` one to ``ROLLBACK_REQUESTED`` and the scheduler rolls the service back to the
source revision, exactly as the circuit breaker does. Deployments older than 90 days are no
longer listed; a deleted (INACTIVE) service has none.

``track`` is called by the service scheduler after every reconcile (level-based: it reads the
``ecs-svc/…`` deployments' rollout states); ``record`` by CreateService / UpdateService.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from ecsedu import arns as arns_mod
from ecsedu import errors
from ecsedu.engine import describe, validation
from ecsedu.engine.api.common import EV, api, page
from ecsedu.engine.deployment_history import (  # noqa: F401 (record/track: re-exported)
    ABORT_UNSUPPORTED,
    BAD_CREATED_AT,
    CAPTURED,
    CB_TRIGGERED,
    FINISHED,
    HISTORY_SECONDS,
    LIST_DEFAULT,
    MAX_DESCRIBE,
    NO_SOURCE,
    ONGOING,
    SUPERSEDED,
    USER_ROLLBACK,
    _counts,
    _now,
    record,
    track,
)
from ecsedu.model import service as service_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine as ControlPlane

__all__ = [
    "describe_service_deployments",
    "describe_service_revisions",
    "list_service_deployments",
    "record",
    "track",
    "stop_service_deployment",
]


# =========================================================================== reads
def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _visible(cp: ControlPlane, service: service_mod.Service) -> list[service_mod.ServiceDeployment]:
    if service.status == service_mod.ServiceStatus.INACTIVE:
        return []  # "When you delete a service, Amazon ECS deletes the corresponding ..."
    now = cp.clock.now
    return [
        sd
        for sd in service.service_deployments
        if sd.status in ONGOING or now - sd.created_at <= HISTORY_SECONDS
    ]


def _service_of(cp: ControlPlane, arn: str) -> service_mod.Service | None:
    try:
        parsed = arns_mod.parse(arn)
    except ValueError:
        return None
    if parsed.cluster is None or parsed.service is None:
        return None
    return cp.store.services.get(arns_mod.service(parsed.cluster, parsed.service))


def _seconds(value: Any) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return float(value.timestamp())
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return float(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return float(value)


@api("ListServiceDeployments")
def list_service_deployments(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "ListServiceDeployments"
    validation.check_enums(op, params)
    c = cp.store.cluster(params.get("cluster"), op)
    s = cp.store.services.get(cp.store.service_arn(c, params["service"]))
    if s is None or s.cluster_arn != c.arn:
        raise errors.ecs_error("ServiceNotFoundException", "Service not found.", op)
    statuses = params.get("status") or []
    window = params.get("createdAt") or {}
    try:
        after = _seconds(window["after"]) if window.get("after") is not None else None
        before = _seconds(window["before"]) if window.get("before") is not None else None
    except (ValueError, TypeError, OverflowError):
        raise errors.ecs_error("InvalidParameterException", BAD_CREATED_AT, op) from None
    out = []
    for sd in _visible(cp, s):
        if statuses and sd.status not in statuses:
            continue
        if after is not None and sd.created_at < after:
            continue
        if before is not None and sd.created_at > before:
            continue
        out.append(_brief(sd))
    if params.get("maxResults") is None:  # "returns up to 20 results" without maxResults
        params = {**params, "maxResults": LIST_DEFAULT}
    return page(out, params, "serviceDeployments", op)


def _brief(sd: service_mod.ServiceDeployment) -> dict[str, Any]:
    return _drop_none(
        {
            "serviceDeploymentArn": sd.arn,
            "serviceArn": sd.service_arn,
            "clusterArn": sd.cluster_arn,
            "startedAt": describe.timestamp(sd.started_at),
            "createdAt": describe.timestamp(sd.created_at),
            "finishedAt": describe.timestamp(sd.finished_at),
            "targetServiceRevisionArn": sd.target_revision_arn,
            "status": sd.status,
            "statusReason": sd.status_reason,
        }
    )


def _summary(arn: str, counts: dict[str, list[int]]) -> dict[str, Any]:
    requested, running, pending = counts.get(arn, [0, 0, 0])
    return {
        "arn": arn,
        "requestedTaskCount": requested,
        "runningTaskCount": running,
        "pendingTaskCount": pending,
    }


def _deployment(service: service_mod.Service, sd: service_mod.ServiceDeployment) -> dict[str, Any]:
    counts = sd.counts if sd.counts is not None else _counts(service)
    config = sd.deployment_configuration
    alarms: dict[str, Any] = {"status": "DISABLED"}
    if (config.get("alarms") or {}).get("enable"):
        alarms = {
            "status": "MONITORING" if sd.status in ONGOING else "MONITORING_COMPLETE",
            "alarmNames": list(config["alarms"].get("alarmNames") or []),
            "triggeredAlarmNames": [],
        }
    out: dict[str, Any] = {
        "serviceDeploymentArn": sd.arn,
        "serviceArn": sd.service_arn,
        "clusterArn": sd.cluster_arn,
        "createdAt": describe.timestamp(sd.created_at),
        "startedAt": describe.timestamp(sd.started_at),
        "finishedAt": describe.timestamp(sd.finished_at),
        "stoppedAt": describe.timestamp(sd.stopped_at),
        "updatedAt": describe.timestamp(sd.updated_at),
        "sourceServiceRevisions": [_summary(a, counts) for a in sd.source_revision_arns],
        "targetServiceRevision": _summary(sd.target_revision_arn, counts),
        "status": sd.status,
        "statusReason": sd.status_reason,
        "deploymentConfiguration": copy.deepcopy(config),
        "deploymentCircuitBreaker": {
            "status": sd.circuit_breaker_status,
            "failureCount": sd.failure_count,
            "threshold": sd.threshold,
        },
        "alarms": alarms,
    }
    if sd.rollback is not None:
        out["rollback"] = {
            "reason": sd.rollback["reason"],
            "startedAt": describe.timestamp(sd.rollback["startedAt"]),
            "serviceRevisionArn": sd.rollback["serviceRevisionArn"],
        }
    return _drop_none(out)


def _check_count(arns: list[str], op: str) -> None:
    if len(arns) > MAX_DESCRIBE:
        raise errors.ecs_error(
            "InvalidParameterException",
            f"You can specify a maximum of {MAX_DESCRIBE} ARNs.",  # our wording
            op,
        )


@api("DescribeServiceDeployments")
def describe_service_deployments(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DescribeServiceDeployments"
    refs = list(params["serviceDeploymentArns"])
    _check_count(refs, op)
    out, failures = [], []
    for arn in refs:
        s = _service_of(cp, arn)
        found = None
        if s is not None:
            found = next((sd for sd in _visible(cp, s) if sd.arn == arn), None)
        if s is None or found is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            out.append(_deployment(s, found))
    return {"serviceDeployments": out, "failures": failures}


def _revision(r: service_mod.ServiceRevision) -> dict[str, Any]:
    return {
        "serviceRevisionArn": r.arn,
        "serviceArn": r.service_arn,
        "clusterArn": r.cluster_arn,
        **copy.deepcopy(r.config),
        "createdAt": describe.timestamp(r.created_at),
    }


@api("DescribeServiceRevisions")
def describe_service_revisions(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "DescribeServiceRevisions"
    refs = list(params["serviceRevisionArns"])
    _check_count(refs, op)
    out, failures = [], []
    for arn in refs:
        s = _service_of(cp, arn)
        found = None
        if s is not None and s.status != service_mod.ServiceStatus.INACTIVE:
            found = next((r for r in s.service_revisions if r.arn == arn), None)
        if s is None or found is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            out.append(_revision(found))
    return {"serviceRevisions": out, "failures": failures}


# =========================================================================== stop
@api("StopServiceDeployment")
def stop_service_deployment(cp: ControlPlane, **params: Any) -> dict[str, Any]:
    op = "StopServiceDeployment"
    validation.check_enums(op, params)
    arn = params["serviceDeploymentArn"]
    stop_type = params.get("stopType") or "ROLLBACK"
    s = _service_of(cp, arn)
    sd = None
    if s is not None:
        sd = next((x for x in _visible(cp, s) if x.arn == arn), None)
    if s is None or sd is None:
        raise errors.ecs_error(
            "ServiceDeploymentNotFoundException",
            "The service deployment does not exist.",  # our wording
            op,
        )
    if stop_type != "ROLLBACK":
        raise errors.ecs_error("InvalidParameterException", ABORT_UNSUPPORTED, op)
    if sd.status in ("STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"):
        return {"serviceDeploymentArn": sd.arn}  # "continues the rollback operation"
    if sd.status not in ("PENDING", "IN_PROGRESS"):
        raise errors.ecs_error(
            "ConflictException",
            f"The service deployment is {sd.status} and can't be stopped.",  # our wording
            op,
        )
    if not sd.source_revision_arns or s.status != service_mod.ServiceStatus.ACTIVE:
        raise errors.ecs_error("InvalidParameterException", NO_SOURCE, op)
    source = sd.source_revision_arns[0]
    revision = next((r for r in s.service_revisions if r.arn == source), None)
    td_arn = str(revision.config["taskDefinition"]) if revision is not None else ""
    # -- nothing can fail below this line --
    now = cp.clock.now
    target = next((d for d in s.deployments if d.id == sd.deployment_id), None)
    if target is not None and target.rollout_state == service_mod.RolloutState.IN_PROGRESS:
        target.rollout_state = service_mod.RolloutState.FAILED
        target.rollout_state_reason = USER_ROLLBACK
        target.updated_at = now
    source_deployment = next(
        (k for k, v in s.revision_of.items() if v == source),
        f"ecs-svc/{arns_mod.resource_id(source)}",
    )
    back = cp.services.start_rollback(
        s,
        source_deployment,
        td_arn,
        f"ECS deployment {sd.deployment_id} rolling back.",  # our wording
    )
    s.revision_of[back.id] = source
    sd.status = "ROLLBACK_REQUESTED"
    sd.status_reason = USER_ROLLBACK
    sd.updated_at = now
    sd.stopped_at = now  # "stops when ... a user manually stops the deployment" (stoppedAt)
    sd.rollback_deployment_id = back.id
    sd.rollback = {"reason": USER_ROLLBACK, "startedAt": now, "serviceRevisionArn": source}
    revision_id = arns_mod.resource_id(source)
    # our wording (the circuit breaker's is "(service S) rolling back to deployment ecs-svc/…")
    cp.services.event(s, f"(service {s.name}) rolling back to service revision {revision_id}.")
    cp.store.record(
        EV.API_CALL,
        f"service deployment {arns_mod.resource_id(sd.arn)} ROLLBACK_REQUESTED",
        cluster_arn=s.cluster_arn,
        subject=s.arn,
    )
    return {"serviceDeploymentArn": sd.arn}
