"""The workbook's exercises: each one predicts, acts, then reads ECS's real state to check.

Every observation goes through the public, boto3-shaped client (``describe_*``, ``list_*``)
only, exactly as a learner could; nothing here reaches into the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecsedu import arns

__all__ = ["EXERCISES", "Exercise", "Observation"]

Answer = Any
Client = Any


@dataclass(frozen=True)
class Observation:
    """What ECS's state says, or why it cannot say yet (``ready=False``)."""

    value: Any
    text: str
    ready: bool = True


@dataclass(frozen=True)
class Exercise:
    """One predict → act → observe exercise."""

    id: str
    notebook: str
    question: str
    kind: type  # int or str: the type of the prediction
    observe: Callable[[Client, dict[str, Any]], Observation]
    hint: str
    article: str
    solution: str
    why: str
    #: specific hints for common wrong predictions (normalised answer → hint)
    misconceptions: tuple[tuple[Any, str], ...] = ()
    defaults: tuple[tuple[str, Any], ...] = (("cluster", "demo"),)


def _not_ready(text: str) -> Observation:
    return Observation(None, text, ready=False)


def _tasks(ecs: Client, cluster: str, **filters: Any) -> list[dict[str, Any]]:
    arns: list[str] = []
    for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, **filters):
        arns.extend(page["taskArns"])
    tasks: list[dict[str, Any]] = []
    for start in range(0, len(arns), 100):
        tasks.extend(ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + 100])["tasks"])
    return tasks


def _instances(ecs: Client, cluster: str) -> list[dict[str, Any]]:
    arns = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    if not arns:
        return []
    found: list[dict[str, Any]] = ecs.describe_container_instances(
        cluster=cluster, containerInstances=arns
    )["containerInstances"]
    return found


def _attribute(instance: dict[str, Any], name: str) -> str | None:
    for attr in instance.get("attributes", []):
        if attr["name"] == name:
            value: str | None = attr.get("value")
            return value
    return None


# -- 00 ----------------------------------------------------------------------------------------
def _observe_scale_out(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster, service = ctx["cluster"], ctx["service"]
    instances = _instances(ecs, cluster)
    drained = {i["containerInstanceArn"] for i in instances if i["status"] == "DRAINING"}
    if not drained:
        return _not_ready("No container instance is DRAINING yet: run the act cell first.")
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    if not described:
        return _not_ready(f"There is no service {service!r} in cluster {cluster!r}.")
    running = [t for t in _tasks(ecs, cluster, serviceName=service) if t["lastStatus"] == "RUNNING"]
    left = sum(1 for t in running if t.get("containerInstanceArn") in drained)
    active = len(running) - left
    return Observation(
        active,
        f"{active} tasks of service {service} are RUNNING on the ACTIVE instance, {left} on the "
        f"DRAINING one (desiredCount {described[0]['desiredCount']})",
    )


# -- 01 ----------------------------------------------------------------------------------------
def _observe_containers(ecs: Client, ctx: dict[str, Any]) -> Observation:
    running = [t for t in _tasks(ecs, ctx["cluster"]) if t["lastStatus"] == "RUNNING"]
    if not running:
        return _not_ready("No task is RUNNING yet: run the act cell (and its waiter) first.")
    containers = sum(len(t["containers"]) for t in running)
    return Observation(
        containers,
        f"{len(running)} RUNNING tasks × {containers // len(running)} containers each = "
        f"{containers} containers on the Docker host",
    )


# -- 02 ----------------------------------------------------------------------------------------
def _observe_revision(ecs: Client, ctx: dict[str, Any]) -> Observation:
    family = ctx["family"]
    inactive = ecs.list_task_definitions(familyPrefix=family, status="INACTIVE")
    active = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")

    def revisions(listing: dict[str, Any]) -> list[int]:
        parsed = [arns.parse(arn) for arn in listing["taskDefinitionArns"]]
        return [int(p.revision or 0) for p in parsed if p.name == family]

    gone, alive = revisions(inactive), revisions(active)
    if not alive:
        return _not_ready(f"The family {family!r} has no ACTIVE revision: run the notebook first.")
    if not gone or max(gone) < max(alive):
        return _not_ready(
            f"The newest revision of {family!r} is still ACTIVE: deregister it in the act cell."
        )
    shown = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    return Observation(
        shown["revision"],
        f"revisions {sorted(gone)} are INACTIVE, {sorted(alive)} ACTIVE; "
        f"describe_task_definition(taskDefinition={family!r}) returned "
        f"{family}:{shown['revision']}",
    )


# -- 03 ----------------------------------------------------------------------------------------
def _observe_stop_code(ecs: Client, ctx: dict[str, Any]) -> Observation:
    stopped = [
        t
        for t in _tasks(ecs, ctx["cluster"], startedBy=ctx["started_by"], desiredStatus="STOPPED")
        if t["lastStatus"] == "STOPPED"
    ]
    if not stopped:
        return _not_ready(
            f"No task started by {ctx['started_by']!r} has STOPPED yet: run the act cell first."
        )
    task = max(stopped, key=lambda t: (t.get("stoppedAt") or 0, t["taskArn"]))
    return Observation(
        task.get("stopCode"),
        f"task {arns.resource_id(task['taskArn'])} stopped with stopCode "
        f"{task.get('stopCode')!r}, stoppedReason {task.get('stoppedReason')!r}",
    )


# -- 04 ----------------------------------------------------------------------------------------
def _observe_drain(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster, service = ctx["cluster"], ctx["service"]
    draining = [i for i in _instances(ecs, cluster) if i["status"] == "DRAINING"]
    if not draining:
        return _not_ready("No container instance is DRAINING yet: run the act cell first.")
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    if not described:
        return _not_ready(f"There is no service {service!r} in cluster {cluster!r}.")
    running = [t for t in _tasks(ecs, cluster, serviceName=service) if t["lastStatus"] == "RUNNING"]
    drained = {i["containerInstanceArn"] for i in draining}
    left = sum(1 for t in running if t.get("containerInstanceArn") in drained)
    return Observation(
        len(running),
        f"{len(running)} tasks of service {service} are RUNNING (desiredCount "
        f"{described[0]['desiredCount']}), {left} of them on the DRAINING instance",
    )


# -- 05 ----------------------------------------------------------------------------------------
def _observe_agent(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster = ctx["cluster"]
    lost = [i for i in _instances(ecs, cluster) if not i["agentConnected"]]
    if not lost:
        return _not_ready("Every agent is connected: disconnect one in the act cell first.")
    instance = lost[0]
    tasks = _tasks(ecs, cluster, containerInstance=instance["containerInstanceArn"])
    running = sum(1 for t in tasks if t["lastStatus"] == "RUNNING")
    return Observation(
        running,
        f"the instance with the disconnected agent still reports {running} RUNNING tasks "
        f"(agentConnected={instance['agentConnected']})",
    )


# -- 06 ----------------------------------------------------------------------------------------
def _size_of(ecs: Client, cluster: str, arn: str | None) -> str:
    if arn is None:
        return "nowhere"
    found = ecs.describe_container_instances(cluster=cluster, containerInstances=[arn])
    return _attribute(found["containerInstances"][0], "size") or arns.resource_id(arn)


def _observe_fifth(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster, prefix = ctx["cluster"], ctx["started_by"]
    where: list[str] = []
    for n in range(1, 6):  # the notebook starts task n with startedBy="exercise-<n>"
        tasks = _tasks(ecs, cluster, startedBy=f"{prefix}-{n}")
        tasks += _tasks(ecs, cluster, startedBy=f"{prefix}-{n}", desiredStatus="STOPPED")
        if not tasks:
            return _not_ready(
                f"No task was started by {prefix}-{n!r} yet: run the act cell (tasks 1 to 5)."
            )
        where.append(_size_of(ecs, cluster, tasks[0].get("containerInstanceArn")))
    return Observation(
        where[4], f"the five tasks went to: {', '.join(where)}; the 5th to {where[4]}"
    )


def _observe_constrained(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster = ctx["cluster"]
    outcome = ctx.get("response")
    if not isinstance(outcome, dict):
        return _not_ready("Pass the run_task response: check(ecs, ..., answer, response=response).")
    if outcome.get("tasks"):
        size = _size_of(ecs, cluster, outcome["tasks"][0].get("containerInstanceArn"))
        return Observation(size, f"the task was placed on the {size} instance")
    reasons = [
        f"{_size_of(ecs, cluster, f['arn'])}: {f['reason']}" for f in outcome.get("failures", [])
    ]
    return Observation(
        "nowhere", "RunTask placed nothing; failures per instance: " + "; ".join(reasons)
    )


# -- 07 ----------------------------------------------------------------------------------------
def _observe_rollback(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster, service = ctx["cluster"], ctx["service"]
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    if not described:
        return _not_ready(f"There is no service {service!r} in cluster {cluster!r}.")
    svc = described[0]
    if not any("rolling back to deployment" in e["message"] for e in svc.get("events", [])):
        return _not_ready(
            "No rollback has happened yet: deploy the broken revision with the circuit breaker "
            "on (the act cell), then check again."
        )
    deployments = svc["deployments"]
    primary = deployments[0]
    if len(deployments) > 1 or primary.get("rolloutState") != "COMPLETED":
        return _not_ready(
            f"The deployment is still {primary.get('rolloutState')} "
            f"({primary.get('rolloutStateReason', '')}): run the act cell to the end first."
        )
    revisions = sorted(
        {
            int(arns.parse(t["taskDefinitionArn"]).revision or 0)
            for t in _tasks(ecs, cluster, serviceName=service)
        }
    )
    if len(revisions) != 1:
        return _not_ready(f"Tasks of several revisions are still running: {revisions}.")
    return Observation(
        revisions[0],
        f"the tasks of {service} run revision {revisions[0]} "
        f"({primary.get('rolloutStateReason', '')})",
    )


# -- 08 ----------------------------------------------------------------------------------------
def _observe_whole_drain(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster = ctx["cluster"]
    instances = _instances(ecs, cluster)
    drained = {i["containerInstanceArn"] for i in instances if i["status"] == "DRAINING"}
    if not drained:
        return _not_ready("No container instance is DRAINING yet: run the act cell first.")
    running = [t for t in _tasks(ecs, cluster) if t["lastStatus"] == "RUNNING"]
    left = sum(1 for t in running if t.get("containerInstanceArn") in drained)
    if left:
        return _not_ready(
            f"The DRAINING instance still runs {left} tasks: let the services become stable "
            "(the act cell waits for them), then check again."
        )
    groups: dict[str, int] = {}
    for t in running:
        group = str(t.get("group", "")).removeprefix("service:")
        groups[group] = groups.get(group, 0) + 1
    shown = ", ".join(f"{n} of {g}" for g, n in sorted(groups.items()))
    return Observation(
        len(running),
        f"{len(running)} tasks are RUNNING on the ACTIVE instance ({shown}), none on the "
        "DRAINING one",
    )


# -- 09 ----------------------------------------------------------------------------------------
def _observe_spot(ecs: Client, ctx: dict[str, Any]) -> Observation:
    cluster, service = ctx["cluster"], ctx["service"]
    stopped = _tasks(ecs, cluster, serviceName=service, desiredStatus="STOPPED")
    if not any(t.get("stopCode") == "SpotInterruption" for t in stopped):
        return _not_ready(
            "No task of the service was interrupted yet: run the act cell (it injects the "
            "spot interruption), then check again."
        )
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    if not described or described[0]["runningCount"] != described[0]["desiredCount"]:
        return _not_ready("The service is not stable yet: let the act cell wait for it.")
    running = [t for t in _tasks(ecs, cluster, serviceName=service) if t["lastStatus"] == "RUNNING"]
    spot = sum(1 for t in running if t.get("capacityProviderName") == "FARGATE_SPOT")
    return Observation(
        spot,
        f"{spot} of the {len(running)} RUNNING tasks of {service} run on FARGATE_SPOT, "
        f"{len(running) - spot} on FARGATE",
    )


EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in [
        Exercise(
            id="00-scale-out",
            notebook="00-welcome",
            question="Service 'web' runs 4 tasks on 2 container instances. You set one instance "
            "to DRAINING and raise the desired count of 'web' to 8. Once the service is stable, "
            "how many tasks of 'web' run on the instance that is still ACTIVE?",
            kind=int,
            observe=_observe_scale_out,
            hint="A DRAINING instance gets no new tasks and gives its service tasks away; the "
            "service still keeps its (new) desired count, wherever there is room.",
            article="'Service': it defines how many tasks of one task definition run at any "
            "given time; 'ECS container instance': one instance can run many tasks.",
            solution="8",
            why="The service scheduler moves the draining instance's tasks and starts the new "
            "ones on the only ACTIVE instance, which has room for all eight pairs "
            "(8 × 384 MiB = 3 GiB of its 4 GiB).",
            misconceptions=(
                (4, "4 was the old desired count; the service now keeps 8 running."),
                (
                    6,
                    "Draining does not keep tasks where they are: the DRAINING instance ends "
                    "with none, so all 8 run on the ACTIVE one.",
                ),
            ),
            defaults=(("cluster", "demo"), ("service", "web")),
        ),
        Exercise(
            id="01-containers",
            notebook="01-docker-containers",
            question="You run 3 tasks of the app + metrics task definition on one container "
            "instance. How many containers does Docker run on that host?",
            kind=int,
            observe=_observe_containers,
            hint="A task runs every container its task definition describes: here a pair, "
            "the main application and the metrics container.",
            article="'Terms and architecture': the running example is an application in two "
            "Docker containers, and under heavy traffic several pairs run.",
            solution="6",
            why="Each task is one pair (app + metrics), so 3 tasks are 3 × 2 = 6 containers.",
            misconceptions=(
                (3, "3 counts tasks, not containers: each task is a whole pair."),
                (2, "2 is one task's containers; you ran three tasks."),
            ),
        ),
        Exercise(
            id="02-revision",
            notebook="02-task-definitions",
            question="You deregister the newest revision of 'app'. Which revision number does "
            "describe_task_definition(taskDefinition='app') return afterwards?",
            kind=int,
            observe=_observe_revision,
            hint="With a family and no revision, ECS describes the latest ACTIVE revision; "
            "a deregistered revision is INACTIVE.",
            article="'Task definition': the blueprint; each register_task_definition call adds "
            "a revision to the family.",
            solution="the newest revision minus one",
            why="Deregistering makes that revision INACTIVE. 'app' alone means the latest "
            "ACTIVE revision, which is now the one before it.",
            defaults=(("cluster", "demo"), ("family", "app")),
        ),
        Exercise(
            id="03-stop-code",
            notebook="03-tasks",
            question="The essential 'app' container of a running task exits with code 1. "
            "What stopCode does ECS give the task?",
            kind=str,
            observe=_observe_stop_code,
            hint="Nobody called StopTask; a container marked essential stopped, so ECS stops "
            "the whole task and says why in stopCode.",
            article="'Task': an instance of the task definition, running the containers "
            "detailed in it; both containers are needed for the application to work.",
            solution="EssentialContainerExited",
            why="When an essential container exits, ECS stops every other container of the "
            "task and records stopCode EssentialContainerExited.",
            misconceptions=(
                ("userinitiated", "UserInitiated is for a StopTask call; here a container exited."),
                ("taskfailedtostart", "The task had started: it was RUNNING when the app exited."),
            ),
            defaults=(("cluster", "demo"), ("started_by", "exercise")),
        ),
        Exercise(
            id="04-drain",
            notebook="04-services",
            question="Service 'web' runs 4 tasks on 2 container instances. You set one "
            "instance to DRAINING. How many tasks of 'web' are RUNNING once the service is "
            "stable again?",
            kind=int,
            observe=_observe_drain,
            hint="A service keeps its desired count: draining moves tasks, it does not "
            "remove them, as long as another instance has room.",
            article="'Service': it defines how many tasks of one task definition run at any "
            "given time.",
            solution="4",
            why="The service scheduler replaces the tasks on the DRAINING instance with tasks "
            "on the other instance, staying above minimumHealthyPercent, so 4 still run.",
            misconceptions=(
                (
                    2,
                    "2 is what would be left if draining just killed tasks; the service "
                    "replaces them on the instance that is still ACTIVE.",
                ),
                (0, "Only the draining instance empties; the service keeps its desired count."),
            ),
            defaults=(("cluster", "demo"), ("service", "web")),
        ),
        Exercise(
            id="05-agent",
            notebook="05-container-instances-and-agents",
            question="The container agent on the busy instance disconnects. How many of "
            "the tasks it runs are still RUNNING a few seconds later?",
            kind=int,
            observe=_observe_agent,
            hint="The agent is the messenger between ECS and the instance; losing the "
            "messenger does not stop the containers.",
            article="'ECS container instance and ECS container agent': the agent reports the "
            "status of running containers and manages new ones.",
            solution="all of them: as many as before",
            why="A disconnected agent gets no new tasks, but its containers keep running: "
            "ECS still shows the last status the agent reported, RUNNING.",
            misconceptions=(
                (0, "0 assumes the tasks die with the agent; Docker keeps running them."),
            ),
        ),
        Exercise(
            id="06-fifth-task",
            notebook="06-clusters-and-placement",
            question="Three instances (small 2 GiB, medium 3 GiB, large 4 GiB). You run five "
            "512 MiB tasks one by one with binpack on memory. Where does the 5th task go? "
            "Answer 'small', 'medium' or 'large'.",
            kind=str,
            observe=_observe_fifth,
            hint="binpack picks the instance with the LEAST memory left that still fits the "
            "task; the small one holds exactly four 512 MiB tasks.",
            article="'Cluster': ECS finds the best place for each task based on your CPU and "
            "memory needs.",
            solution="medium",
            why="binpack fills the small instance first (4 × 512 MiB = 2 GiB); then the medium "
            "instance has the least memory left that fits.",
            misconceptions=(
                ("small", "The small instance is full after four tasks: 4 × 512 MiB = 2 GiB."),
                (
                    "large",
                    "'large' is what spread or 'most free memory' would pick; binpack "
                    "packs tightly.",
                ),
            ),
            defaults=(("cluster", "demo"), ("started_by", "exercise")),
        ),
        Exercise(
            id="06-constrained",
            notebook="06-clusters-and-placement",
            question="Now run one more 512 MiB task with the constraint memberOf "
            "'attribute:size == small'. Where does it go? Answer 'small', 'medium', 'large' "
            "or 'nowhere'.",
            kind=str,
            observe=_observe_constrained,
            hint="Constraints are filters: an instance that fails one is never a candidate, "
            "however much room it has. Look at the failures, one reason per instance.",
            article="'Cluster': ECS places each task based on your needs; constraints are "
            "needs that the strategy may not bend.",
            solution="nowhere",
            why="Only the small instance satisfies the constraint, and it is full "
            "(RESOURCE:MEMORY); the others fail 'MemberOf placement constraint unsatisfied.'",
            misconceptions=(
                ("medium", "A constraint never spills over: medium is not size == small."),
                ("small", "small satisfies the constraint but has no memory left."),
            ),
        ),
        Exercise(
            id="07-rollback",
            notebook="07-scaling-and-load-balancing",
            question="Service 'web' runs revision 2 of task definition 'web'. You deploy "
            "revision 3, whose container exits 5 seconds after it starts, with the deployment "
            "circuit breaker on (enable and rollback). Once the service is stable again, which "
            "revision (a number) do its tasks run?",
            kind=int,
            observe=_observe_rollback,
            hint="The circuit breaker counts the new deployment's failed tasks; at its "
            "threshold the rollout is FAILED, and with rollback ECS deploys the last "
            "COMPLETED deployment again.",
            article="'Service': ECS keeps the desired number of tasks of one task definition "
            "running; a deployment that cannot do so is stopped and undone.",
            solution="2",
            why="Revision 3's tasks keep stopping: after 3 failed tasks (0.5 × desired count, "
            "at least 3) the circuit breaker marks the deployment FAILED ('ECS deployment "
            "circuit breaker: tasks failed to start.') and rolls back to the last COMPLETED "
            "deployment, which runs revision 2.",
            misconceptions=(
                (3, "Revision 3 never reaches a steady state: its tasks exit after 5 seconds."),
                (
                    1,
                    "The rollback goes to the last COMPLETED deployment (revision 2), not to "
                    "the service's first revision.",
                ),
            ),
            defaults=(("cluster", "demo"), ("service", "web")),
        ),
        Exercise(
            id="08-whole-drain",
            notebook="08-the-whole-model",
            question="Services 'web' (4 tasks), 'api' (2) and 'worker' (1) run on two container "
            "instances. You drain the instance that runs most of the 'web' tasks. Once all three "
            "services are stable, how many tasks (of all services) run on the other instance?",
            kind=int,
            observe=_observe_whole_drain,
            hint="Draining concerns the instance, not one service: every service with a task "
            "there replaces it elsewhere, and each keeps its own desired count.",
            article="'Cluster': ECS handles the scheduling of the tasks of every service on the "
            "cluster's container instances; figure 8, three services on two instances.",
            solution="7",
            why="Each service keeps its desired count (4 + 2 + 1 = 7) and the DRAINING instance "
            "gets no task, so all seven run on the other instance, which has room for them "
            "(7 × 256 CPU units of 2048, 7 × 256 MiB of 4096).",
            misconceptions=(
                (4, "Not only 'web' moves: 'api' and 'worker' tasks leave the instance too."),
                (
                    3,
                    "Draining moves tasks instead of removing them: the services keep all "
                    "their tasks, now on the other instance.",
                ),
            ),
        ),
        Exercise(
            id="09-spot",
            notebook="09-fargate-and-capacity-providers",
            question="Service 'api' runs 5 tasks with the capacity provider strategy FARGATE "
            "(base 1, weight 1) and FARGATE_SPOT (weight 3): 2 on FARGATE, 3 on FARGATE_SPOT. "
            "AWS interrupts one of the FARGATE_SPOT tasks. Once the service is stable again, "
            "how many of its tasks run on FARGATE_SPOT?",
            kind=int,
            observe=_observe_spot,
            hint="The service replaces the interrupted task like any stopped task: it places "
            "the new one by the service's capacity provider strategy.",
            article="'Service': ECS keeps the desired number of tasks running; where each runs "
            "is the scheduler's job, here by the capacity provider strategy.",
            solution="3",
            why="The interrupted task stops with stopCode SpotInterruption and the service "
            "starts a replacement. The strategy still says: the first task (base 1) on FARGATE, "
            "the rest 1 : 3 between FARGATE and FARGATE_SPOT, so the replacement goes to "
            "FARGATE_SPOT again: 3 Spot tasks, 2 regular ones.",
            misconceptions=(
                (
                    2,
                    "The replacement is not moved to FARGATE: the strategy, not the "
                    "interruption, decides where it runs.",
                ),
                (5, "The base task stays on FARGATE: base 1 is always placed there first."),
            ),
            defaults=(("cluster", "demo"), ("service", "api")),
        ),
    ]
}
