"""The load model: demand spread over RUNNING tasks, its own random stream, helpers' errors."""

from __future__ import annotations

import pytest

from ecsedu import errors
from ecsedu.engine.controllers import load as load_mod
from tests.engine.test_autoscaling import C, S, world


def test_load_spreads_over_running_tasks_and_uses_the_load_stream_only() -> None:
    ecs = world(desired=4)
    ids_before = ecs.engine.streams["ids"].getstate()
    out = ecs.load(cluster=C, service=S, cpu_percent=50, rps=100)  # 4 tasks at 50 % now
    assert out["cpu_percent"] == 200  # the demand behind it: 200 % of one task
    assert out["rps"] == 100
    arn = out["service"]
    assert load_mod.service_load(ecs.engine, arn) == (200.0, 0.0, 100.0)
    samples = load_mod.task_samples(ecs.engine, arn)
    assert len(samples) == 4
    assert all(48 < cpu < 54 for _, cpu, _ in samples)  # 1 % + 200 % / 4, ±2 % noise
    assert ecs.engine.streams["ids"].getstate() == ids_before
    ecs.update_service(cluster=C, service=S, desiredCount=8)
    ecs.advance(30)
    assert all(24 < cpu < 28 for _, cpu, _ in load_mod.task_samples(ecs.engine, arn))


def test_load_errors() -> None:
    ecs = world()
    with pytest.raises(errors.UsageError):
        ecs.load(cluster=C, service="nope", cpu_percent=10)
    with pytest.raises(errors.UsageError):
        ecs.load(cluster=C, service=S, cpu_percent=-1)
    with pytest.raises(errors.UsageError):
        ecs.load(cluster=C, cpu_percent=10)
