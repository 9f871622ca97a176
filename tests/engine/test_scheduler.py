"""The service scheduler's pure decisions: ``plan_replica`` and ``plan_daemon``.

Parameter tables from the ECS developer guide's rolling-update rules: ``maximumPercent`` caps
RUNNING + PENDING at floor(desired × max / 100), ``minimumHealthyPercent`` keeps
ceil(desired × min / 100) healthy while old tasks go.
"""

from __future__ import annotations

import pytest

from ecsedu.engine import scheduler
from ecsedu.engine.scheduler import StopWhy, TaskFacts

OLD, NEW = "ecs-svc/1111111111111111111", "ecs-svc/2222222222222222222"


def old(n: int, *, healthy: bool = True, running: bool = True, on: int = 0) -> list[TaskFacts]:
    return [
        TaskFacts(f"old-{i}", OLD, on, running=running, healthy=healthy and running)
        for i in range(n)
    ]


def new(n: int, *, healthy: bool = True, running: bool = True, start: int = 0) -> list[TaskFacts]:
    return [
        TaskFacts(f"new-{start + i}", NEW, 0, running=running, healthy=healthy and running)
        for i in range(n)
    ]


def plan(
    desired: int, minimum: int, maximum: int, tasks: list[TaskFacts], budget: int = 250
) -> scheduler.ServicePlan:
    return scheduler.plan_replica(
        desired=desired,
        minimum_healthy_percent=minimum,
        maximum_percent=maximum,
        primary_id=NEW,
        tasks=tasks,
        launch_budget=budget,
    )


@pytest.mark.parametrize(
    ("desired", "percent", "expected"),
    [(4, 200, 8), (3, 125, 3), (4, 150, 6), (5, 150, 7), (1, 100, 1), (0, 200, 0)],
)
def test_maximum_percent_rounds_down(desired: int, percent: int, expected: int) -> None:
    assert scheduler.max_tasks(desired, percent) == expected


@pytest.mark.parametrize(
    ("desired", "percent", "expected"),
    [(4, 50, 2), (2, 75, 2), (3, 50, 2), (4, 100, 4), (4, 0, 0), (5, 30, 2)],
)
def test_minimum_healthy_percent_rounds_up(desired: int, percent: int, expected: int) -> None:
    assert scheduler.min_healthy_tasks(desired, percent) == expected


def test_desired_4_min_50_stops_2_old_before_starting_2_new() -> None:
    first = plan(4, 50, 100, old(4))
    assert first.start == 0
    assert sorted(first.stop) == [("old-0", StopWhy.DEPLOYMENT), ("old-1", StopWhy.DEPLOYMENT)]
    # the two stopped tasks are gone: now room for two new ones, and no more old stops
    second = plan(4, 50, 100, old(4)[2:])
    assert second.start == 2
    assert second.stop == ()


def test_desired_4_max_200_starts_4_new_before_stopping() -> None:
    first = plan(4, 100, 200, old(4))
    assert first.start == 4
    assert first.stop == ()
    # new ones running but not yet healthy: nothing old may go yet
    assert plan(4, 100, 200, old(4) + new(4, healthy=False)).stop == ()
    # healthy: all four old ones go
    healthy = plan(4, 100, 200, old(4) + new(4))
    assert sorted(arn for arn, _ in healthy.stop) == [f"old-{i}" for i in range(4)]
    assert healthy.start == 0


def test_min_75_of_2_cannot_stop_any_old_task() -> None:
    p = plan(2, 75, 200, old(2))
    assert p.stop == ()
    assert p.start == 2  # maximumPercent leaves room, so the rollout starts new tasks first
    assert not p.deadlocked


def test_max_125_of_3_cannot_start_and_min_100_cannot_stop_is_a_deadlock() -> None:
    p = plan(3, 100, 125, old(3))
    assert (p.start, p.stop, p.surplus) == (0, (), 0)
    assert p.deadlocked


def test_min_100_max_100_deadlocks_a_rollout() -> None:
    assert plan(2, 100, 100, old(2)).deadlocked


def test_no_deadlock_while_new_tasks_are_starting() -> None:
    p = plan(3, 100, 125, old(2) + new(1, running=False))
    assert not p.deadlocked


def test_steady_service_plans_nothing_twice() -> None:
    tasks = new(3)
    first = plan(3, 100, 200, tasks)
    second = plan(3, 100, 200, tasks)
    assert first.empty
    assert second.empty
    assert first == second


def test_scale_out_and_scale_in() -> None:
    assert plan(5, 100, 200, new(3)).start == 2
    shrink = plan(2, 100, 200, new(5))
    assert (shrink.start, shrink.surplus, shrink.stop) == (0, 3, ())


def test_scale_out_is_capped_by_the_launch_budget() -> None:
    assert plan(10, 100, 200, [], budget=4).start == 4
    assert plan(10, 100, 200, [], budget=0).start == 0


def test_pending_stale_tasks_stop_at_once() -> None:
    p = plan(2, 100, 200, old(2, running=False) + new(2, running=False))
    assert sorted(p.stop) == [("old-0", StopWhy.DEPLOYMENT), ("old-1", StopWhy.DEPLOYMENT)]


def test_tasks_on_draining_instances_are_replaced_within_the_limits() -> None:
    draining = [
        TaskFacts(f"d-{i}", NEW, 1, running=True, healthy=True, on_draining=True) for i in range(2)
    ]
    p = plan(4, 100, 200, new(2) + draining)
    assert p.start == 2
    assert p.stop == ()
    p = plan(4, 50, 100, new(2) + draining)
    assert p.start == 0
    assert sorted(p.stop) == [("d-0", StopWhy.DRAINING), ("d-1", StopWhy.DRAINING)]


def test_unhealthy_tasks_are_stopped_first() -> None:
    sick = TaskFacts("sick", NEW, 0, running=True, healthy=False, unhealthy=True)
    p = plan(3, 100, 100, [*new(2), sick])
    assert p.stop == (("sick", StopWhy.UNHEALTHY),)


# -- DAEMON ------------------------------------------------------------------------------------
def daemon(on: int, deployment: str = NEW, arn: str | None = None) -> TaskFacts:
    return TaskFacts(arn or f"t-{on}-{deployment[-1]}", deployment, on, running=True, healthy=True)


def test_daemon_starts_one_task_per_eligible_instance() -> None:
    p = scheduler.plan_daemon(primary_id=NEW, eligible=[0, 1, 2], draining=[], tasks=[daemon(1)])
    assert p.start_on == (0, 2)
    assert p.stop == ()


def test_daemon_stops_tasks_on_draining_instances_and_places_none_there() -> None:
    p = scheduler.plan_daemon(
        primary_id=NEW, eligible=[0], draining=[1], tasks=[daemon(0), daemon(1)]
    )
    assert p.stop == (("t-1-2", StopWhy.DRAINING),)
    assert p.start_on == ()


def test_daemon_replaces_old_revisions_stop_first() -> None:
    p = scheduler.plan_daemon(primary_id=NEW, eligible=[0], draining=[], tasks=[daemon(0, OLD)])
    assert p.stop == (("t-0-1", StopWhy.DEPLOYMENT),)
    assert p.start_on == ()  # starts once the old task is gone (maximumPercent 100)


def test_daemon_keeps_one_and_stops_extras() -> None:
    tasks = [daemon(0, arn="a"), daemon(0, arn="b")]
    p = scheduler.plan_daemon(primary_id=NEW, eligible=[0], draining=[], tasks=tasks)
    assert p.stop == (("b", StopWhy.DAEMON_EXTRA),)


def test_daemon_steady_plans_nothing() -> None:
    tasks = [daemon(0), daemon(1)]
    p = scheduler.plan_daemon(primary_id=NEW, eligible=[0, 1], draining=[], tasks=tasks)
    assert p.empty


# -- a deadlock is the configuration's doing only ---------------------------------------------
@pytest.mark.parametrize(("minimum", "maximum"), [(50, 100), (75, 100)])
def test_waiting_for_new_tasks_to_count_as_healthy_is_not_a_deadlock(
    minimum: int, maximum: int
) -> None:
    # desired 4: the first old tasks went, their replacements are RUNNING but not yet healthy
    stopped = 4 - scheduler.min_healthy_tasks(4, minimum)
    tasks = old(4 - stopped) + new(stopped, healthy=False)
    p = plan(4, minimum, maximum, tasks)
    assert (p.start, p.stop, p.surplus) == (0, (), 0)  # nothing to do until they are healthy
    assert not p.deadlocked
    # once they are healthy the rollout goes on: more old tasks stop
    p = plan(4, minimum, maximum, old(4 - stopped) + new(stopped))
    assert p.stop
    assert not p.deadlocked


def test_old_tasks_still_warming_up_are_not_a_deadlock() -> None:
    p = plan(3, 100, 125, old(3, healthy=False))
    assert not p.deadlocked
    assert plan(3, 100, 125, old(3)).deadlocked


# -- task scale-in protection ------------------------------------------------------------------
def protect(tasks: list[TaskFacts]) -> list[TaskFacts]:
    return [t._replace(protected=True) for t in tasks]


def test_scale_in_never_picks_a_protected_task() -> None:
    p = plan(2, 100, 200, protect(new(3)) + new(2, start=3))
    assert p.surplus == 2  # only the two unprotected ones can go
    p = plan(1, 100, 200, protect(new(3)) + new(1, start=3))
    assert p.surplus == 1  # three extra, one of them unprotected
    assert plan(1, 100, 200, protect(new(3))).surplus == 0


def test_a_deployment_does_not_stop_protected_old_tasks() -> None:
    p = plan(2, 0, 100, protect(old(2)))
    assert p.stop == ()
    assert not p.deadlocked  # waiting for protection to end is not the configuration's fault
    free = TaskFacts("old-free", OLD, 1, running=True, healthy=True)
    p = plan(2, 0, 100, [*protect(old(1)), free])
    assert p.stop == (("old-free", StopWhy.DEPLOYMENT),)
    pending = protect(old(1, running=False))
    assert plan(1, 0, 200, pending + new(1)).stop == ()


# -- DAEMON: stop first, start once STOPPED; drained last --------------------------------------
def test_daemon_starts_the_new_task_only_once_the_old_one_has_stopped() -> None:
    # the old task was stopped and is still on its way down (DEACTIVATING / STOPPING)
    p = scheduler.plan_daemon(primary_id=NEW, eligible=[0], draining=[], tasks=[], stopping=[0])
    assert p.start_on == ()
    p = scheduler.plan_daemon(primary_id=NEW, eligible=[0], draining=[], tasks=[])
    assert p.start_on == (0,)


def test_daemon_minimum_healthy_percent_bounds_instances_replaced_at_once() -> None:
    tasks = [daemon(i, OLD) for i in range(4)]
    everything = scheduler.plan_daemon(
        primary_id=NEW, eligible=[0, 1, 2, 3], draining=[], tasks=tasks
    )
    assert len(everything.stop) == 4  # minimumHealthyPercent 0: every instance at once
    half = scheduler.plan_daemon(
        primary_id=NEW,
        eligible=[0, 1, 2, 3],
        draining=[],
        tasks=tasks,
        minimum_healthy_percent=50,
    )
    assert len(half.stop) == 2


def test_daemon_task_on_a_draining_instance_waits_for_replica_tasks() -> None:
    p = scheduler.plan_daemon(
        primary_id=NEW, eligible=[0], draining=[1], tasks=[daemon(0), daemon(1)], replicas_on=[1]
    )
    assert p.stop == ()
    p = scheduler.plan_daemon(
        primary_id=NEW, eligible=[0], draining=[1], tasks=[daemon(0), daemon(1)], replicas_on=[]
    )
    assert p.stop == (("t-1-2", StopWhy.DRAINING),)
