"""The live engine on the simulated clock: the change feed, cheap snapshots, a bounded log,
controllers, lifecycle gates, random streams, play/pause and calls from several threads."""

from __future__ import annotations

import gc
import logging
import threading
import time
import tracemalloc
from typing import Any

import pytest

import ecsedu
from ecsedu.engine import core, lifecycle
from ecsedu.model import eventlog
from ecsedu.model import task as task_mod
from ecsedu.model.events import Change

C = "demo"
WEB = {
    "family": "web",
    "containerDefinitions": [{"name": "web", "image": "ecsedu/web", "cpu": 128, "memory": 128}],
}


def world(seed: int = 0, instances: int = 2, **kw: Any) -> Any:
    ecs = ecsedu.connect(seed=seed, **kw)
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=instances, cpu=2048, memory=4096)
    ecs.register_task_definition(**WEB)
    return ecs


def recorder(ecs: Any) -> list[Change]:
    seen: list[Change] = []
    ecs.subscribe(seen.append)
    return seen


# ---------------------------------------------------------------------------- the change feed
def test_one_notification_per_state_changing_call() -> None:
    ecs = ecsedu.connect()
    seen = recorder(ecs)
    ecs.create_cluster(clusterName=C)
    assert [c.cause for c in seen] == ["CreateCluster"]
    assert seen[0].clusters == {"arn:aws:ecs:us-east-1:123456789012:cluster/demo"}
    ecs.add_instances(C, count=3)
    assert len(seen) == 2  # three registrations, one helper call, one batch
    assert len(seen[1].instances) == 3
    ecs.register_task_definition(**WEB)
    arns = [t["taskArn"] for t in ecs.run_task(cluster=C, taskDefinition="web", count=2)["tasks"]]
    assert [c.cause for c in seen[2:]] == ["RegisterTaskDefinition", "RunTask"]
    assert seen[-1].tasks >= set(arns)
    versions = [c.version for c in seen]
    assert versions == sorted(set(versions))  # strictly increasing
    assert seen[-1].events.stop == len(ecs.events())
    assert seen[-1].events.start == seen[-2].events.stop  # ranges tile the log


def test_reads_and_failed_calls_notify_nobody() -> None:
    ecs = world()
    ecs.run_task(cluster=C, taskDefinition="web")
    seen = recorder(ecs)
    ecs.describe_clusters(clusters=[C])
    ecs.list_tasks(cluster=C)
    ecs.describe_tasks(cluster=C, tasks=ecs.list_tasks(cluster=C)["taskArns"])
    ecs.list_task_definitions()
    ecs.snapshot()
    ecs.events()
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.run_task(cluster="nope", taskDefinition="web")
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.run_task(cluster=C, taskDefinition="web", count=11)
    assert seen == []


def test_a_state_change_without_an_event_still_notifies() -> None:
    ecs = world()
    seen = recorder(ecs)
    ecs.tag_resource(
        resourceArn="arn:aws:ecs:us-east-1:123456789012:cluster/demo",
        tags=[{"key": "team", "value": "a"}],
    )
    assert [c.cause for c in seen] == ["TagResource"]


def test_one_batch_per_advance_however_many_timers_ran() -> None:
    ecs = world(instances=4)
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=40)
    seen = recorder(ecs)
    ecs.advance(3600)
    assert len(seen) == 1
    assert seen[0].cause == "clock"
    assert len(seen[0].tasks) == 40
    assert ecs.describe_services(cluster=C, services=["web"])["services"][0]["runningCount"] == 40
    ecs.advance(60)  # a quiet minute: the sweep runs, nothing changes
    assert len(seen) == 1


def test_a_waiter_notifies_per_clock_step_not_per_timer() -> None:
    ecs = world()
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=6)
    seen = recorder(ecs)
    ecs.get_waiter("services_stable").wait(cluster=C, services=["web"])
    assert 1 <= len(seen) <= 5  # one per 15 s delay at most, never one per timer
    assert sum(len(c.events) for c in seen) > 30


def test_a_raising_subscriber_is_logged_and_breaks_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ecs = world()
    after: list[Change] = []

    def broken(change: Change) -> None:
        raise RuntimeError("subscriber bug")

    ecs.subscribe(broken)
    ecs.subscribe(after.append)
    with caplog.at_level(logging.ERROR, logger="ecsedu"):
        out = ecs.run_task(cluster=C, taskDefinition="web")
    assert out["tasks"]
    assert not out["failures"]
    assert len(after) == 1  # the next subscriber still heard of it
    assert "subscriber raised" in caplog.text
    ecs.advance(30)
    assert len(after) == 2


def test_unsubscribe_stops_the_callback() -> None:
    ecs = world()
    seen: list[Change] = []
    handle = ecs.subscribe(seen.append)
    ecs.run_task(cluster=C, taskDefinition="web")
    handle()
    ecs.run_task(cluster=C, taskDefinition="web")
    ecs.advance(10)
    assert len(seen) == 1
    handle.unsubscribe()  # twice is fine
    with pytest.raises(TypeError):
        ecs.subscribe("not callable")


def test_a_subscriber_may_call_the_client() -> None:
    ecs = world()
    counts: list[int] = []
    ecs.subscribe(lambda change: counts.append(len(ecs.snapshot().tasks)))
    ecs.run_task(cluster=C, taskDefinition="web", count=3)
    assert counts == [3]


# ---------------------------------------------------------------------------- snapshots
def _fill(ecs: Any, events: int) -> None:
    """Grow the log to ``events`` entries with stopped-and-replaced standalone tasks."""
    while len(ecs.store.log) < events:
        ecs.run_task(cluster=C, taskDefinition="web", count=10)
        ecs.advance(30)
        for arn in ecs.list_tasks(cluster=C)["taskArns"]:
            ecs.stop_task(cluster=C, task=arn)
        ecs.advance(4000)  # stopped tasks are forgotten after an hour


def _allocation(take: Any) -> int:
    """Bytes allocated while ``take()`` runs (tracemalloc: a count, not a time)."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = take()
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return size


def test_snapshot_cost_does_not_grow_with_history() -> None:
    ecs = world(instances=4)
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=20)
    ecs.advance(120)
    log_view = ecs.engine.store.event_views
    _fill(ecs, 6_000)
    n_small = len(ecs.snapshot().events)
    events_small = _allocation(log_view)
    _fill(ecs, 30_000)  # past every bounded structure (a service keeps 100 events)
    whole_small = _allocation(ecs.snapshot)
    _fill(ecs, 60_000)
    assert isinstance(ecs.snapshot().events, eventlog.EventSeq)
    assert len(ecs.snapshot().events) >= 9 * n_small
    events_large = _allocation(log_view)
    whole_large = _allocation(ecs.snapshot)
    # the log is shared, not copied: ten times the history, the same cost
    assert events_large <= 1.2 * events_small + 1024, (events_small, events_large)
    assert events_large < 4096
    assert whole_large <= 1.2 * whole_small, (whole_small, whole_large)


def test_snapshot_events_are_frozen_and_read_lazily() -> None:
    ecs = world()
    ecs.run_task(cluster=C, taskDefinition="web")
    snap = ecs.snapshot()
    n = len(snap.events)
    ecs.advance(60)
    assert len(snap.events) == n  # later events are not in an earlier snapshot
    assert len(ecs.snapshot().events) > n
    assert [e.seq for e in snap.events] == list(range(n))
    assert snap.events[-1] == list(snap.events)[-1] == snap.events[n - 1]
    assert snap.events[1:3] == tuple(list(snap.events)[1:3])
    assert ecs.events(since=n)[0].seq == n


def test_a_service_that_cannot_place_for_a_week_keeps_memory_flat() -> None:
    ecs = world(instances=1)
    big = {
        "family": "big",
        "containerDefinitions": [{"name": "b", "image": "ecsedu/web", "memory": 100_000}],
    }
    ecs.register_task_definition(**big)
    ecs.create_service(cluster=C, serviceName="big", taskDefinition="big", desiredCount=3)
    ecs.advance(86_400)
    day_one_log = len(ecs.store.log)
    day_one_timers = len(ecs.clock._queue)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        ecs.advance(6 * 86_400)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ecs.store.log) == day_one_log  # repeats are counted, not stored again
    assert len(ecs.clock._queue) <= day_one_timers + 5
    assert after - before < 200_000, after - before
    failures = [e for e in ecs.events(kind="PLACEMENT") if e.subject and e.subject.endswith("/big")]
    assert failures
    assert failures[-1].repeats > 6 * 86_400 / 15 - 10
    assert failures[-1].last_time is not None
    assert failures[-1].last_time > failures[-1].time


def test_the_log_is_bounded_and_sequence_numbers_stay_absolute() -> None:
    log = eventlog.EventLog(limit=4096)
    for n in range(20_000):
        log.append((float(n), "API_CALL", None, f"s{n}", "m", {}))
    assert len(log) == 20_000
    view = log.view()
    assert len(view) <= 4096 + eventlog.CHUNK
    assert view[-1].seq == 19_999
    assert view[-1].subject == "s19999"
    assert log.view(since=19_990)[0].seq == 19_990
    assert len(log.view(since=0)) == len(view)  # older entries are gone, not renumbered


# ---------------------------------------------------------------------------- controllers
def test_controllers_run_in_priority_then_name_order() -> None:
    ecs = world()
    calls: list[str] = []

    class Probe:
        def __init__(self, name: str) -> None:
            self.name = name

        def on_task_change(self, task: task_mod.Task) -> None:
            calls.append(self.name)

    ecs.engine.controllers.register(Probe("zeta"), priority=20)
    ecs.engine.controllers.register(Probe("alpha"), priority=20)
    ecs.engine.controllers.register(Probe("first"), priority=5)
    assert ecs.engine.controllers.names() == ["first", "services", "alpha", "zeta"]
    with pytest.raises(ValueError, match="already registered"):
        ecs.engine.controllers.register(Probe("alpha"), priority=1)
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=1)
    ecs.advance(60)
    assert calls[:3] == ["first", "alpha", "zeta"]


def test_set_desired_count_is_an_internal_command_with_a_cause() -> None:
    ecs = world()
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=1)
    ecs.advance(60)
    seen = recorder(ecs)
    arn = "arn:aws:ecs:us-east-1:123456789012:service/demo/web"
    ecs.engine.run(
        "Scale", lambda: ecs.engine.set_desired_count(arn, 3, cause="a scaling activity")
    )
    assert [c.cause for c in seen] == ["Scale"]
    assert arn in seen[0].services
    ecs.advance(60)
    svc = ecs.describe_services(cluster=C, services=["web"])["services"][0]
    assert (svc["desiredCount"], svc["runningCount"]) == (3, 3)
    logged = [e for e in ecs.events(kind="API_CALL") if "desired count 1 -> 3" in e.message]
    assert logged
    assert dict(logged[0].detail)["cause"] == "a scaling activity"
    with pytest.raises(ValueError):
        ecs.engine.set_desired_count(arn, -1, cause="x")


# ---------------------------------------------------------------------------- gates
class Holder:
    """A gate participant that holds every task until told (like a target group)."""

    name = "tg"

    def __init__(self) -> None:
        self.held: list[task_mod.Task] = []

    def hold(self, task: task_mod.Task, gate: str) -> bool:
        self.held.append(task)
        return True


def _status(ecs: Any, arn: str) -> str:
    return str(ecs.describe_tasks(cluster=C, tasks=[arn])["tasks"][0]["lastStatus"])


def test_activating_waits_for_its_participants() -> None:
    ecs = world()
    holder = Holder()
    ecs.lifecycle.register_participant(lifecycle.ACTIVATION, holder)
    arn = ecs.run_task(cluster=C, taskDefinition="web")["tasks"][0]["taskArn"]
    ecs.advance(300)
    assert _status(ecs, arn) == "ACTIVATING"
    assert ecs.lifecycle.holding(holder.held[0]) == {"tg"}
    ecs.engine.run("Release", lambda: ecs.lifecycle.release(holder.held[0], "activation", "tg"))
    assert _status(ecs, arn) == "RUNNING"


def test_deactivating_waits_for_its_participants() -> None:
    ecs = world()
    holder = Holder()
    ecs.lifecycle.register_participant(lifecycle.DEACTIVATION, holder)
    arn = ecs.run_task(cluster=C, taskDefinition="web")["tasks"][0]["taskArn"]
    ecs.advance(60)
    ecs.stop_task(cluster=C, task=arn)
    ecs.advance(300)
    assert _status(ecs, arn) == "DEACTIVATING"
    ecs.engine.run("Drained", lambda: ecs.lifecycle.release(holder.held[0], "deactivation", "tg"))
    ecs.advance(60)
    assert _status(ecs, arn) == "STOPPED"
    with pytest.raises(ValueError, match="unknown gate"):
        ecs.lifecycle.register_participant("nope", holder)


def test_the_lifecycle_is_one_table() -> None:
    statuses = list(lifecycle.LIFECYCLE)
    assert statuses[0] is task_mod.TaskStatus.PROVISIONING
    walk, status = [], task_mod.TaskStatus.PROVISIONING
    while status is not None:
        walk.append(status.value)
        status = lifecycle.LIFECYCLE[status].then
    assert walk == [
        "PROVISIONING",
        "PENDING",
        "ACTIVATING",
        "RUNNING",
        "DEACTIVATING",
        "STOPPING",
        "DEPROVISIONING",
        "STOPPED",
    ]
    gated = {s.value: step.gate for s, step in lifecycle.LIFECYCLE.items() if step.gate}
    assert gated == {"ACTIVATING": "activation", "DEACTIVATING": "deactivation"}


# ---------------------------------------------------------------------------- random streams
def _run(strategy: dict[str, str], extra_draws: int) -> tuple[list[str], list[str]]:
    ecs = world(seed=7, instances=5)
    noise = ecs.engine.streams["load"]
    ids, placed = [], []
    for _ in range(6):
        for _ in range(extra_draws):
            noise.random()  # a new consumer of randomness (a load model, say)
        out = ecs.run_task(cluster=C, taskDefinition="web", count=3, placementStrategy=[strategy])
        ids += [t["taskArn"] for t in out["tasks"]]
        placed += [t["containerInstanceArn"] for t in out["tasks"]]
        ecs.advance(5)
    return ids, placed


def test_a_new_random_consumer_changes_no_id_and_no_placement() -> None:
    assert _run({"type": "random"}, 0) == _run({"type": "random"}, 25)


def test_random_placement_does_not_shift_ids() -> None:
    ids_random, _ = _run({"type": "random"}, 0)
    ids_binpack, _ = _run({"type": "binpack", "field": "memory"}, 0)
    assert ids_random == ids_binpack


def test_streams_survive_a_state_file(tmp_path: Any) -> None:
    ecs = world(seed=3)
    ecs.run_task(cluster=C, taskDefinition="web", placementStrategy=[{"type": "random"}])
    path = str(tmp_path / "s.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    a = ecs.run_task(
        cluster=C, taskDefinition="web", count=4, placementStrategy=[{"type": "random"}]
    )
    b = again.run_task(
        cluster=C, taskDefinition="web", count=4, placementStrategy=[{"type": "random"}]
    )
    assert [t["taskArn"] for t in a["tasks"]] == [t["taskArn"] for t in b["tasks"]]
    assert [t["containerInstanceArn"] for t in a["tasks"]] == [
        t["containerInstanceArn"] for t in b["tasks"]
    ]


# ---------------------------------------------------------------------------- play / pause
def test_nothing_moves_on_the_simulated_clock_by_default() -> None:
    ecs = world()
    start = ecs.clock.now
    time.sleep(0.2)
    ecs.describe_clusters(clusters=[C])
    assert ecs.clock.now == start
    assert not ecs.playing


def test_play_lets_simulated_time_flow_until_pause() -> None:
    ecs = world()
    arn = ecs.run_task(cluster=C, taskDefinition="web")["tasks"][0]["taskArn"]
    seen = recorder(ecs)
    start = ecs.clock.now
    ecs.play(speed=100)
    assert ecs.playing
    deadline = time.monotonic() + 5
    while _status(ecs, arn) != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    ecs.pause()
    assert not ecs.playing
    assert _status(ecs, arn) == "RUNNING"
    assert seen
    assert all(c.cause == "clock" for c in seen)
    stopped_at = ecs.clock.now
    assert stopped_at - start >= 5
    time.sleep(0.3)
    assert ecs.clock.now == stopped_at
    assert not [t for t in threading.enumerate() if t.name == "ecsedu-play"]


@pytest.mark.parametrize("bad", [0, -1, "fast", None, True])
def test_play_rejects_a_bad_speed(bad: Any) -> None:
    ecs = ecsedu.connect()
    with pytest.raises(ecsedu.EcsEduError, match="positive number"):
        ecs.play(speed=bad)


def test_close_stops_play() -> None:
    ecs = world()
    ecs.play(speed=10)
    ecs.close()
    assert not [t for t in threading.enumerate() if t.name == "ecsedu-play"]


# ---------------------------------------------------------------------------- threads
def test_calls_from_two_threads_while_time_plays() -> None:
    ecs = world(instances=4)
    ecs.create_service(cluster=C, serviceName="web", taskDefinition="web", desiredCount=4)
    ecs.play(speed=50)
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            for _ in range(30):
                ecs.run_task(cluster=C, taskDefinition="web")
                ecs.snapshot()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def scaler() -> None:
        try:
            for n in range(30):
                ecs.update_service(cluster=C, service="web", desiredCount=2 + n % 4)
                ecs.describe_services(cluster=C, services=["web"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner), threading.Thread(target=scaler)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    ecs.pause()
    assert not errors
    snap = ecs.snapshot()
    cluster = snap.cluster(C)
    live = [t for t in snap.tasks if t.last_status in ("PENDING", "RUNNING")]
    assert cluster.running_tasks_count + cluster.pending_tasks_count == len(live)
    standalone = [t for t in ecs.store.tasks.values() if t.service_name is None]
    assert len(standalone) == 30


# ---------------------------------------------------------------------------- helpers' arguments
@pytest.mark.parametrize("bad", [-1, "10", None, float("inf")])
def test_advance_rejects_bad_seconds(bad: Any) -> None:
    ecs = ecsedu.connect()
    with pytest.raises(ecsedu.EcsEduError, match="advance"):
        ecs.advance(bad)


def test_events_rejects_an_unknown_kind_and_accepts_any_case() -> None:
    ecs = world()
    ecs.run_task(cluster=C, taskDefinition="web")
    with pytest.raises(ecsedu.EcsEduError, match="TASK_STATE_CHANGE"):
        ecs.events(kind="tasks")
    with pytest.raises(ecsedu.EcsEduError, match="since"):
        ecs.events(since=-1)
    assert ecs.events(kind="placement") == ecs.events(kind="PLACEMENT") != []


def test_reset_starts_over_and_keeps_subscribers() -> None:
    ecs = world(seed=4)
    first = [t["taskArn"] for t in ecs.run_task(cluster=C, taskDefinition="web")["tasks"]]
    seen = recorder(ecs)
    ecs.reset()
    assert ecs.list_clusters()["clusterArns"] == []
    assert seen
    assert seen[-1].cause == "Reset"
    ecs.create_cluster(clusterName=C)
    ecs.add_instances(C, count=2, cpu=2048, memory=4096)
    ecs.register_task_definition(**WEB)
    again = [t["taskArn"] for t in ecs.run_task(cluster=C, taskDefinition="web")["tasks"]]
    assert again == first  # same seed, same world
    assert seen[-1].cause == "RunTask"


def test_engine_is_the_typed_core() -> None:
    ecs = ecsedu.connect()
    assert isinstance(ecs.engine, core.Engine)
    assert type(ecs).__name__ == "EcsClient"


def test_a_subscriber_that_changes_state_does_not_deadlock() -> None:
    ecs = world()
    seen: list[str] = []

    def react(change: Change) -> None:
        seen.append(change.cause)
        if len(seen) == 1:
            ecs.run_task(cluster=C, taskDefinition="web")  # a widget button, say

    ecs.subscribe(react)
    ecs.run_task(cluster=C, taskDefinition="web")
    assert seen == ["RunTask", "RunTask"]
    assert len(ecs.list_tasks(cluster=C)["taskArns"]) >= 2


def test_a_repeated_failure_still_notifies_with_its_cluster() -> None:
    ecs = world(instances=1)
    big = {
        "family": "big",
        "containerDefinitions": [{"name": "b", "image": "ecsedu/web", "memory": 100_000}],
    }
    ecs.register_task_definition(**big)
    seen = recorder(ecs)
    for _ in range(3):
        out = ecs.run_task(cluster=C, taskDefinition="big")
        assert out["failures"]
    assert len(seen) == 3  # the log folds the repeats; the feed still reports each call
    assert all(c.clusters == {"arn:aws:ecs:us-east-1:123456789012:cluster/demo"} for c in seen)


@pytest.mark.parametrize(
    ("fault", "target", "says"),
    [
        ("container_exit", {}, "needs task="),
        ("agent_disconnect", {}, "needs instance="),
        ("oom", {"task": "x", "instanse": "y"}, "not instanse"),
    ],
)
def test_inject_names_what_is_missing(fault: str, target: dict[str, Any], says: str) -> None:
    ecs = world()
    with pytest.raises(ecsedu.EcsEduError, match=says):
        ecs.inject(fault, **target)
