"""Elastic Load Balancing v2 (Application Load Balancers): the operations of ``ecs.elbv2``.

Each function runs on the engine (``fn(engine, **params)``): the request is first validated
against botocore's model of elbv2, then against ELB's own rules, with ELB's error codes
(``TargetGroupNotFound``, ``LoadBalancerNotFound``, ``InvalidConfigurationRequest`` ...). The
state lives in ``ecsedu.engine.controllers.loadbalancing``.

ecsedu's simplifications (documented): only ``application`` load balancers with HTTP
listeners forwarding to one target group; ``Subnets`` may be omitted (the default VPC's
subnets are used); a load balancer is ``active`` as soon as it is created; on Docker its
``DNSName`` is the address of its first listener's real proxy, ``127.0.0.1:<port>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ecsedu import errors
from ecsedu import ids as ids_mod
from ecsedu.engine import describe
from ecsedu.engine.clients.base import check_request
from ecsedu.engine.controllers import loadbalancing as lb_mod

if TYPE_CHECKING:
    from ecsedu.engine.core import Engine

__all__ = [
    "create_listener",
    "create_load_balancer",
    "create_target_group",
    "delete_listener",
    "delete_load_balancer",
    "delete_target_group",
    "deregister_targets",
    "describe_listeners",
    "describe_load_balancers",
    "describe_target_group_attributes",
    "describe_target_groups",
    "describe_target_health",
    "modify_listener",
    "modify_target_group_attributes",
    "register_targets",
]

SERVICE = "elbv2"
#: Route 53 hosted zone of Application Load Balancers in us-east-1.
HOSTED_ZONE = "Z35SXDOTRQ7X7K"
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")


def _error(code: str, message: str, op: str) -> errors.ClientError:
    return errors.service_error(SERVICE, code, message, op)


def _start(engine: Engine, op: str, params: dict[str, Any]) -> lb_mod.LoadBalancing:
    check_request(SERVICE, op, params)
    return lb_mod.of(engine)


def _tg(elb: lb_mod.LoadBalancing, arn: str, op: str) -> lb_mod.TargetGroup:
    tg = elb.target_groups.get(arn)
    if tg is None:
        raise _error("TargetGroupNotFound", "One or more target groups not found", op)
    return tg


def _check_name(name: str, kind: str, op: str) -> None:
    if not _NAME.match(name) or name.startswith("internal-"):
        raise _error(
            "ValidationError",
            f"{kind} name '{name}' cannot be longer than 32 characters, must contain only "
            "alphanumeric characters or hyphens, and must not begin or end with a hyphen",
            op,
        )  # our wording


# =============================================================================== load balancers
def _lb(lb: lb_mod.LoadBalancer) -> dict[str, Any]:
    return {
        "LoadBalancerArn": lb.arn,
        "DNSName": lb.dns_name,
        "CanonicalHostedZoneId": HOSTED_ZONE,
        "CreatedTime": describe.timestamp(lb.created_at),
        "LoadBalancerName": lb.name,
        "Scheme": lb.scheme,
        "VpcId": lb.vpc_id,
        "State": {"Code": "active"},
        "Type": lb.type,
        "AvailabilityZones": [
            {"ZoneName": lb_mod.DEFAULT_SUBNETS[s], "SubnetId": s, "LoadBalancerAddresses": []}
            for s in lb.subnets
        ],
        "SecurityGroups": list(lb.security_groups),
        "IpAddressType": lb.ip_address_type,
    }


def create_load_balancer(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS CreateLoadBalancer (Application Load Balancers)."""
    op = "CreateLoadBalancer"
    elb = _start(engine, op, params)
    name = params["Name"]
    _check_name(name, "Load balancer", op)
    kind = params.get("Type", "application")
    if kind != "application":
        raise _error(
            "ValidationError",
            "ecsedu models Application Load Balancers only (Type 'application')",
            op,
        )  # our wording
    subnets = list(params.get("Subnets") or [])
    subnets += [m["SubnetId"] for m in params.get("SubnetMappings") or [] if "SubnetId" in m]
    if not subnets:
        subnets = list(lb_mod.DEFAULT_SUBNETS)  # ecsedu: the default VPC's subnets
    for s in subnets:
        if s not in lb_mod.DEFAULT_SUBNETS:
            raise _error("SubnetNotFound", f"The subnet ID '{s}' is not valid", op)
    if len({lb_mod.DEFAULT_SUBNETS[s] for s in subnets}) < 2:
        raise _error(
            "ValidationError",
            "At least two subnets in two different Availability Zones must be specified",
            op,
        )
    scheme = params.get("Scheme", "internet-facing")
    for lb in elb.load_balancers.values():
        if lb.name == name:
            if lb.scheme == scheme and sorted(lb.subnets) == sorted(subnets):
                return {"LoadBalancers": [_lb(lb)]}  # ELB: the same request succeeds again
            raise _error(
                "DuplicateLoadBalancerName",
                f"A load balancer with the same name '{name}' exists, but with different settings",
                op,
            )
    lb_id = elb.hex_id("loadbalancer", name)
    number = int(lb_id[:9], 16) % 10**10
    lb = lb_mod.LoadBalancer(
        arn=elb.arn(f"loadbalancer/app/{name}/{lb_id}"),
        name=name,
        dns_name=(
            f"{'internal-' if scheme == 'internal' else ''}{name}-{number}."
            f"{ids_mod.REGION}.elb.amazonaws.com"
        ),
        vpc_id=lb_mod.DEFAULT_VPC,
        subnets=sorted(subnets),
        scheme=scheme,
        type=kind,
        ip_address_type=params.get("IpAddressType", "ipv4"),
        security_groups=list(params.get("SecurityGroups") or ["sg-0ec5ed00000000001"]),
        created_at=elb.now,
        tags=list(params.get("Tags") or []),
    )
    elb.load_balancers[lb.arn] = lb
    engine.store.record(lb_mod.EV.API_CALL, f"load balancer {name} created", subject=None)
    return {"LoadBalancers": [_lb(lb)]}


def describe_load_balancers(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DescribeLoadBalancers."""
    op = "DescribeLoadBalancers"
    elb = _start(engine, op, params)
    found = list(elb.load_balancers.values())
    if params.get("LoadBalancerArns"):
        wanted = params["LoadBalancerArns"]
        found = [lb for lb in found if lb.arn in wanted]
        if len(found) != len(set(wanted)):
            raise _error("LoadBalancerNotFound", "One or more load balancers not found", op)
    if params.get("Names"):
        wanted = params["Names"]
        found = [lb for lb in found if lb.name in wanted]
        if len(found) != len(set(wanted)):
            raise _error("LoadBalancerNotFound", "One or more load balancers not found", op)
    return {"LoadBalancers": [_lb(lb) for lb in found]}


def delete_load_balancer(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DeleteLoadBalancer (its listeners go with it)."""
    op = "DeleteLoadBalancer"
    elb = _start(engine, op, params)
    lb = elb.load_balancers.pop(params["LoadBalancerArn"], None)
    if lb is None:
        return {}  # ELB: deleting a load balancer that is gone succeeds
    elb.accrue_all()  # the traffic so far went where its listeners sent it
    for listener_arn in lb.listeners:
        listener = elb.listeners.pop(listener_arn)
        elb.close_listener(listener)
        tg = elb.target_groups.get(listener.target_group_arn)
        if tg is not None and lb.arn in tg.lb_arns:
            tg.lb_arns.remove(lb.arn)
    return {}


# =============================================================================== target groups
def _tg_view(tg: lb_mod.TargetGroup) -> dict[str, Any]:
    h = tg.health
    return {
        "TargetGroupArn": tg.arn,
        "TargetGroupName": tg.name,
        "Protocol": tg.protocol,
        "Port": tg.port,
        "VpcId": tg.vpc_id,
        "HealthCheckProtocol": h["HealthCheckProtocol"],
        "HealthCheckPort": h["HealthCheckPort"],
        "HealthCheckEnabled": h["HealthCheckEnabled"],
        "HealthCheckIntervalSeconds": h["HealthCheckIntervalSeconds"],
        "HealthCheckTimeoutSeconds": h["HealthCheckTimeoutSeconds"],
        "HealthyThresholdCount": h["HealthyThresholdCount"],
        "UnhealthyThresholdCount": h["UnhealthyThresholdCount"],
        "HealthCheckPath": h["HealthCheckPath"],
        "Matcher": dict(h["Matcher"]),
        "LoadBalancerArns": list(tg.lb_arns),
        "TargetType": tg.target_type,
        "ProtocolVersion": tg.protocol_version,
        "IpAddressType": "ipv4",
    }


def create_target_group(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS CreateTargetGroup (HTTP, target type instance or ip)."""
    op = "CreateTargetGroup"
    elb = _start(engine, op, params)
    name = params["Name"]
    _check_name(name, "Target group", op)
    target_type = params.get("TargetType", "instance")
    if target_type not in ("instance", "ip"):
        raise _error(
            "ValidationError", "ecsedu models target types 'instance' and 'ip' only", op
        )  # our wording
    protocol = params.get("Protocol")
    port = params.get("Port")
    vpc = params.get("VpcId")
    if protocol is None:
        raise _error("ValidationError", "A protocol must be specified", op)  # our wording
    if protocol not in ("HTTP", "HTTPS"):
        raise _error(
            "ValidationError",
            "ecsedu models HTTP target groups only (Application Load Balancers)",
            op,
        )  # our wording
    if port is None:
        raise _error("ValidationError", "A port must be specified", op)  # our wording
    if not vpc:
        raise _error("ValidationError", "A VPC ID must be specified", op)  # our wording
    if not _VPC.match(vpc):
        raise _error("ValidationError", f"The VPC ID '{vpc}' is not found", op)
    health = dict(lb_mod.HEALTH_DEFAULTS)
    for key in lb_mod.HEALTH_DEFAULTS:
        if key in params:
            health[key] = params[key]
    interval = int(health["HealthCheckIntervalSeconds"])
    timeout = int(health["HealthCheckTimeoutSeconds"])
    for key, lo, hi in (
        ("HealthCheckIntervalSeconds", 5, 300),
        ("HealthCheckTimeoutSeconds", 2, 120),
        ("HealthyThresholdCount", 2, 10),
        ("UnhealthyThresholdCount", 2, 10),
    ):
        if not lo <= int(health[key]) <= hi:
            raise _error(
                "ValidationError",
                f"1 validation error detected: Value '{health[key]}' at '{key[0].lower()}"
                f"{key[1:]}' failed to satisfy constraint: Member must have value less than or "
                f"equal to {hi}"
                if int(health[key]) > hi
                else f"1 validation error detected: Value '{health[key]}' at '{key[0].lower()}"
                f"{key[1:]}' failed to satisfy constraint: Member must have value greater than "
                f"or equal to {lo}",
                op,
            )
    if timeout >= interval:
        raise _error(
            "ValidationError",
            "Health check interval must be greater than the timeout.",
            op,
        )
    try:
        lb_mod.parse_matcher(str(health["Matcher"].get("HttpCode", "200")))
    except ValueError:
        raise _error("ValidationError", "Invalid HttpCode in Matcher", op) from None  # ours
    for tg in elb.target_groups.values():
        if tg.name == name:
            if (tg.protocol, tg.port, tg.vpc_id, tg.health) == (protocol, port, vpc, health):
                return {"TargetGroups": [_tg_view(tg)]}
            raise _error(
                "DuplicateTargetGroupName",
                f"A target group with the same name '{name}' exists, but with different settings",
                op,
            )
    tg = lb_mod.TargetGroup(
        arn=elb.arn(f"targetgroup/{name}/{elb.hex_id('targetgroup', name)}"),
        name=name,
        protocol=protocol,
        port=int(port),
        vpc_id=vpc,
        target_type=target_type,
        health=health,
        attributes={"deregistration_delay.timeout_seconds": str(lb_mod.DEREGISTRATION_DELAY)},
        created_at=elb.now,
        protocol_version=params.get("ProtocolVersion", "HTTP1"),
        tags=list(params.get("Tags") or []),
    )
    elb.target_groups[tg.arn] = tg
    engine.store.record(lb_mod.EV.API_CALL, f"target group {name} created", subject=None)
    return {"TargetGroups": [_tg_view(tg)]}


def describe_target_groups(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DescribeTargetGroups."""
    op = "DescribeTargetGroups"
    elb = _start(engine, op, params)
    found = list(elb.target_groups.values())
    if params.get("LoadBalancerArn"):
        if params["LoadBalancerArn"] not in elb.load_balancers:
            raise _error("LoadBalancerNotFound", "One or more load balancers not found", op)
        found = [tg for tg in found if params["LoadBalancerArn"] in tg.lb_arns]
    for key, attr in (("TargetGroupArns", "arn"), ("Names", "name")):
        if params.get(key):
            wanted = params[key]
            found = [tg for tg in found if getattr(tg, attr) in wanted]
            if len(found) != len(set(wanted)):
                raise _error("TargetGroupNotFound", "One or more target groups not found", op)
    return {"TargetGroups": [_tg_view(tg) for tg in found]}


def delete_target_group(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DeleteTargetGroup (refused while a listener forwards to it)."""
    op = "DeleteTargetGroup"
    elb = _start(engine, op, params)
    tg = elb.target_groups.get(params["TargetGroupArn"])
    if tg is None:
        return {}
    if tg.lb_arns:
        raise _error(
            "ResourceInUse",
            f"Target group '{tg.arn}' is currently in use by a listener or a rule",
            op,
        )
    del elb.target_groups[tg.arn]
    return {}


ATTRIBUTE_DEFAULTS = {
    "stickiness.enabled": "false",
    "stickiness.type": "lb_cookie",
    "load_balancing.algorithm.type": "round_robin",
    "slow_start.duration_seconds": "0",
}


def _attributes(tg: lb_mod.TargetGroup) -> list[dict[str, str]]:
    merged = {**ATTRIBUTE_DEFAULTS, **tg.attributes}
    return [{"Key": k, "Value": v} for k, v in sorted(merged.items())]


def describe_target_group_attributes(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DescribeTargetGroupAttributes."""
    op = "DescribeTargetGroupAttributes"
    elb = _start(engine, op, params)
    return {"Attributes": _attributes(_tg(elb, params["TargetGroupArn"], op))}


def modify_target_group_attributes(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS ModifyTargetGroupAttributes (``deregistration_delay.timeout_seconds`` 0-3600 ...)."""
    op = "ModifyTargetGroupAttributes"
    elb = _start(engine, op, params)
    tg = _tg(elb, params["TargetGroupArn"], op)
    changes: dict[str, str] = {}
    for attr in params["Attributes"]:
        key, value = attr.get("Key"), str(attr.get("Value", ""))
        if key == "deregistration_delay.timeout_seconds":
            if not value.isdigit() or not 0 <= int(value) <= 3600:
                raise _error(
                    "ValidationError",
                    f"'{value}' must be an integer between 0 and 3600",
                    op,
                )  # our wording
        elif key not in ATTRIBUTE_DEFAULTS:
            raise _error(
                "ValidationError", f"Target group attribute key '{key}' is not recognized", op
            )
        changes[str(key)] = value
    tg.attributes.update(changes)
    return {"Attributes": _attributes(tg)}


# =============================================================================== listeners
def _listener(li: lb_mod.Listener) -> dict[str, Any]:
    return {
        "ListenerArn": li.arn,
        "LoadBalancerArn": li.lb_arn,
        "Port": li.port,
        "Protocol": li.protocol,
        "DefaultActions": [dict(a) for a in li.default_actions],
    }


def _check_protocol(protocol: str, params: dict[str, Any], op: str) -> None:
    """An Application Load Balancer's listener protocol (ecsedu: HTTP only)."""
    if protocol not in ("HTTP", "HTTPS"):
        # https://github.com/alphagov/gsp/pull/351
        raise _error(
            "ValidationError", f"Listener protocol '{protocol}' must be one of 'HTTP, HTTPS'", op
        )
    if protocol == "HTTPS" and not params.get("Certificates"):
        # https://github.com/pulumi/pulumi/issues/15712
        raise _error("ValidationError", "A certificate must be specified for HTTPS listeners", op)
    if protocol != "HTTP" or params.get("Certificates") or params.get("SslPolicy"):
        raise _error(
            "ValidationError", "ecsedu models HTTP listeners only (no certificates)", op
        )  # our wording


def _check_port(port: int, op: str) -> None:
    if port > 65535:  # botocore checks the minimum (1) before sending, not the maximum
        raise _error(
            "ValidationError",
            f"1 validation error detected: Value '{port}' at 'port' failed to satisfy "
            "constraint: Member must have value less than or equal to 65535",
            op,
        )


def _forward(
    elb: lb_mod.LoadBalancing, lb: lb_mod.LoadBalancer, actions: list[dict[str, Any]], op: str
) -> tuple[lb_mod.TargetGroup, list[dict[str, Any]]]:
    """The one target group ``actions`` forward to, and the default actions as ELB echoes them.

    ecsedu models one ``forward`` action to one target group (``TargetGroupArn``, or a
    ``ForwardConfig`` naming that one group); weighted forwarding to several target groups,
    redirects, fixed responses and authentication are refused.
    """
    forward = [a for a in actions if a.get("Type") == "forward"]
    if len(forward) != 1 or len(actions) != 1:
        raise _error(
            "ValidationError",
            "ecsedu models one default action of type 'forward' to one target group",
            op,
        )  # our wording
    action = forward[0]
    tg_arns = [action["TargetGroupArn"]] if action.get("TargetGroupArn") else []
    tg_arns += [
        t["TargetGroupArn"] for t in action.get("ForwardConfig", {}).get("TargetGroups", [])
    ]
    tg_arns = list(dict.fromkeys(tg_arns))
    if len(tg_arns) != 1:
        raise _error(
            "ValidationError", "ecsedu models a forward action to exactly one target group", op
        )  # our wording
    tg = elb.target_groups.get(tg_arns[0])
    if tg is None:
        raise _error("TargetGroupNotFound", f"Target groups '{tg_arns[0]}' not found", op)
    if tg.vpc_id != lb.vpc_id:
        raise _error(
            "InvalidConfigurationRequest",
            f"Target group '{tg.arn}' is in a different VPC than load balancer '{lb.arn}'",
            op,
        )
    if any(arn != lb.arn for arn in tg.lb_arns):
        # https://github.com/hashicorp/terraform-provider-aws/issues/22005 (up to the colon)
        raise _error(
            "TargetGroupAssociationLimit",
            "The following target groups cannot be associated with more than one load "
            f"balancer: {tg.arn}",  # our wording: the list after the colon
            op,
        )
    echoed = [
        {
            "Type": "forward",
            "TargetGroupArn": tg.arn,
            **{k: v for k, v in action.items() if k not in ("Type", "TargetGroupArn")},
        }
    ]
    return tg, echoed


def _check_port_free(
    elb: lb_mod.LoadBalancing, lb: lb_mod.LoadBalancer, port: int, op: str, skip: str = ""
) -> None:
    for arn in lb.listeners:
        if arn != skip and elb.listeners[arn].port == port:
            raise _error(
                "DuplicateListener",
                f"A listener already exists on this port for this load balancer '{lb.arn}'",
                op,
            )


def _forget_target_group(elb: lb_mod.LoadBalancing, lb: lb_mod.LoadBalancer, tg_arn: str) -> None:
    """``lb`` no longer forwards to ``tg_arn`` once none of its listeners does."""
    still = any(elb.listeners[a].target_group_arn == tg_arn for a in lb.listeners)
    tg = elb.target_groups.get(tg_arn)
    if tg is not None and not still and lb.arn in tg.lb_arns:
        tg.lb_arns.remove(lb.arn)


def create_listener(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS CreateListener: HTTP, default action ``forward`` to one target group."""
    op = "CreateListener"
    elb = _start(engine, op, params)
    lb = elb.load_balancers.get(params["LoadBalancerArn"])
    if lb is None:
        raise _error("LoadBalancerNotFound", "One or more load balancers not found", op)
    protocol = params.get("Protocol", "HTTP")
    _check_protocol(protocol, params, op)
    port = int(params.get("Port", 80))
    _check_port(port, op)
    tg, actions = _forward(elb, lb, params["DefaultActions"], op)
    _check_port_free(elb, lb, port, op)
    elb.accrue_all()  # the traffic so far went where the listeners sent it
    listener = lb_mod.Listener(
        arn=elb.arn(
            f"listener/app/{lb.name}/{lb.arn.rsplit('/', 1)[1]}/{elb.hex_id('listener', lb.name)}"
        ),
        lb_arn=lb.arn,
        port=port,
        protocol=protocol,
        target_group_arn=tg.arn,
        default_actions=actions,
    )
    elb.listeners[listener.arn] = listener
    lb.listeners.append(listener.arn)
    if lb.arn not in tg.lb_arns:
        tg.lb_arns.append(lb.arn)
    elb.open_listener(listener)
    engine.store.record(
        lb_mod.EV.API_CALL, f"listener :{port} of {lb.name} forwards to {tg.name}", subject=None
    )
    return {"Listeners": [_listener(listener)]}


def modify_listener(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS ModifyListener: a new default action (forward to another target group), port or
    protocol; what is not given stays as it was.

    The switch of a blue/green deployment by hand: the production listener forwards to the
    green target group from now on (on Docker its proxy keeps running and sends the next
    request to green; on another port the listener gets a new proxy).
    """
    op = "ModifyListener"
    elb = _start(engine, op, params)
    listener = elb.listeners.get(params["ListenerArn"])
    if listener is None:
        raise _error("ListenerNotFound", "One or more listeners not found", op)
    lb = elb.load_balancers[listener.lb_arn]
    protocol = params.get("Protocol", listener.protocol)
    _check_protocol(protocol, params, op)
    port = int(params.get("Port", listener.port))
    _check_port(port, op)
    tg = elb.target_groups[listener.target_group_arn]
    actions = listener.default_actions
    if params.get("DefaultActions") is not None:
        tg, actions = _forward(elb, lb, params["DefaultActions"], op)
    _check_port_free(elb, lb, port, op, skip=listener.arn)
    elb.accrue_all()  # the traffic so far is counted where the old target group sent it
    old_port, old_tg = listener.port, listener.target_group_arn
    listener.port, listener.protocol = port, protocol
    listener.target_group_arn, listener.default_actions = tg.arn, actions
    if lb.arn not in tg.lb_arns:
        tg.lb_arns.append(lb.arn)
    if old_tg != tg.arn:
        _forget_target_group(elb, lb, old_tg)
    elb.listener_changed(listener, old_port)
    engine.store.record(
        lb_mod.EV.API_CALL, f"listener :{port} of {lb.name} forwards to {tg.name}", subject=None
    )
    return {"Listeners": [_listener(listener)]}


def describe_listeners(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DescribeListeners."""
    op = "DescribeListeners"
    elb = _start(engine, op, params)
    found = list(elb.listeners.values())
    if params.get("LoadBalancerArn"):
        if params["LoadBalancerArn"] not in elb.load_balancers:
            raise _error("LoadBalancerNotFound", "One or more load balancers not found", op)
        found = [li for li in found if li.lb_arn == params["LoadBalancerArn"]]
    if params.get("ListenerArns"):
        wanted = params["ListenerArns"]
        found = [li for li in found if li.arn in wanted]
        if len(found) != len(set(wanted)):
            raise _error("ListenerNotFound", "One or more listeners not found", op)
    return {"Listeners": [_listener(li) for li in found]}


def delete_listener(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DeleteListener."""
    op = "DeleteListener"
    elb = _start(engine, op, params)
    listener = elb.listeners.get(params["ListenerArn"])
    if listener is None:
        raise _error("ListenerNotFound", "One or more listeners not found", op)
    elb.accrue_all()  # the traffic so far went where this listener sent it
    del elb.listeners[listener.arn]
    elb.close_listener(listener)
    lb = elb.load_balancers.get(listener.lb_arn)
    if lb is not None:
        lb.listeners.remove(listener.arn)
        _forget_target_group(elb, lb, listener.target_group_arn)
    return {}


# =============================================================================== targets
def _instance_by_ec2(engine: Engine, target_id: str) -> Any:
    for inst in engine.store.instances.values():
        if inst.ec2_instance_id == target_id:
            return inst
    return None


def register_targets(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS RegisterTargets (ECS does this for a service's tasks)."""
    op = "RegisterTargets"
    elb = _start(engine, op, params)
    tg = _tg(elb, params["TargetGroupArn"], op)
    resolved = []
    for t in params["Targets"]:
        target_id, port = t["Id"], int(t.get("Port", tg.port))
        address = None
        if tg.target_type == "instance":
            inst = _instance_by_ec2(engine, target_id)
            if inst is None or getattr(inst.status, "value", inst.status) == "INACTIVE":
                raise _error(
                    "InvalidTarget",
                    f"The following targets are not in a running state and cannot be "
                    f"registered: '{target_id}'",
                    op,
                )
            if tg.vpc_id != lb_mod.DEFAULT_VPC:
                raise _error(
                    "InvalidTarget",
                    f"The following targets are not in the target group VPC '{tg.vpc_id}': "
                    f"'{target_id}'",
                    op,
                )  # wording unverified
            address = f"{getattr(inst, 'address', None) or '127.0.0.1'}:{port}"
        resolved.append((target_id, port, address))
    for target_id, port, address in resolved:
        existing = tg.targets.get((target_id, port))
        if existing is not None and existing.state != "draining":
            continue  # registering a registered target again changes nothing
        elb.register(tg, target_id, port, address)
    return {}


def deregister_targets(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DeregisterTargets: the targets drain for the deregistration delay."""
    op = "DeregisterTargets"
    elb = _start(engine, op, params)
    tg = _tg(elb, params["TargetGroupArn"], op)
    for t in params["Targets"]:
        target = tg.targets.get((t["Id"], int(t.get("Port", tg.port))))
        if target is None:
            matches = [x for x in tg.targets.values() if x.id == t["Id"]]
            target = matches[0] if len(matches) == 1 and "Port" not in t else None
        if target is not None and target.state != "draining":
            elb.deregister(tg, target, hold_task=False)  # unknown targets: success (ELB)
    return {}


def _health(
    target: lb_mod.Target | None, tg: lb_mod.TargetGroup, key: tuple[str, int]
) -> dict[str, Any]:
    out: dict[str, Any] = {"Target": {"Id": key[0], "Port": key[1]}}
    if target is None:
        out["TargetHealth"] = {
            "State": "unused",
            "Reason": "Target.NotRegistered",
            "Description": lb_mod.DESCRIPTIONS["Target.NotRegistered"],
        }
        return out
    out["HealthCheckPort"] = str(key[1])
    if not tg.lb_arns and target.state != "draining":
        out["TargetHealth"] = {
            "State": "unused",
            "Reason": "Target.NotInUse",
            "Description": lb_mod.DESCRIPTIONS["Target.NotInUse"],
        }
        return out
    health: dict[str, Any] = {"State": target.state}
    if target.reason is not None:
        health["Reason"] = target.reason
        health["Description"] = target.description
    out["TargetHealth"] = health
    return out


def describe_target_health(engine: Engine, **params: Any) -> dict[str, Any]:
    """AWS DescribeTargetHealth: each target's state, reason code and description."""
    op = "DescribeTargetHealth"
    elb = _start(engine, op, params)
    tg = _tg(elb, params["TargetGroupArn"], op)
    elb.accrue(tg)
    if params.get("Targets"):
        out = []
        for t in params["Targets"]:
            key = (t["Id"], int(t.get("Port", tg.port)))
            target = tg.targets.get(key)
            if target is None and "Port" not in t:
                matches = [x for x in tg.targets.values() if x.id == t["Id"]]
                target = matches[0] if matches else None
                key = target.key if target is not None else key
            out.append(_health(target, tg, key))
        return {"TargetHealthDescriptions": out}
    return {"TargetHealthDescriptions": [_health(t, tg, t.key) for t in tg.targets.values()]}
