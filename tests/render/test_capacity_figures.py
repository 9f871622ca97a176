"""Where tasks get their capacity, drawn: the AWS Fargate area of a cluster, its container
instances grouped by the Auto Scaling group capacity provider that launched them, and the
cluster auto scaling figure. Hand-built snapshots (conftest); SVG and PNG by real graphviz."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import pytest

from ecsedu.model.snapshot import EventView, MetricSeriesView, Snapshot, StrategyItemView
from ecsedu.render import UnknownNameError, figures
from ecsedu.render.layout import Box, SlotMemory

SVG = "{http://www.w3.org/2000/svg}"


def inside(inner: Box, outer: Box) -> bool:
    return (
        outer.x <= inner.x
        and outer.y <= inner.y
        and inner.right <= outer.right
        and inner.bottom <= outer.bottom
    )


def mixed(b: Any) -> Any:
    """An Auto Scaling group provider with two instances running four web tasks (one more
    waits), and three api tasks on Fargate (one on FARGATE_SPOT), plus a RunTask Fargate task
    still provisioning its network interface."""
    b.provider("cp-1", group="asg-1", reservation=150.0, size=(0, 2, 5))
    b.provider("FARGATE")
    b.provider("FARGATE_SPOT")
    b.cluster("demo", ("cp-1", "FARGATE", "FARGATE_SPOT"))
    i1 = b.instance(provider="cp-1")
    i2 = b.instance(provider="cp-1", az="us-east-1b")
    b.taskdef("app")
    b.taskdef("api", (("api", "ecsedu/api", 256, 256, None),))
    b.service("web", "app", desired=5)
    b.service("api", "api", desired=3)
    for inst in (i1, i2, i1, i2):
        b.task(inst, "app", service="web")
    b.task(None, "app", service="web", status="PROVISIONING", provider="cp-1")
    b.task(None, "api", service="api", fargate="FARGATE")
    b.task(None, "api", service="api", fargate="FARGATE")
    b.task(None, "api", service="api", fargate="FARGATE_SPOT")
    b.task(None, "api", fargate="FARGATE", status="PROVISIONING")
    return b


@pytest.fixture
def world(build: Any) -> Snapshot:
    return mixed(build).snapshot()


def test_fargate_tasks_sit_in_the_fargate_area_each_in_a_box_of_its_own(world):
    fig = figures.cluster_services(world, 7)
    area = fig.boxes["fargate-demo"]
    fargate = [t for t in world.tasks if t.fargate]
    ec2 = [t for t in world.tasks if not t.fargate]
    assert len(fargate) == 4
    for t in fargate:
        tile = fig.boxes[f"task-{t.id}"]
        own = fig.boxes[f"fargate-task-{t.id}"]
        assert inside(tile, own)
        assert inside(own, area)
        assert (f"task-{t.id}", "fargate-demo", "runs-on") in fig.edges
    for t in ec2:
        assert not inside(fig.boxes[f"task-{t.id}"], area)
        assert f"fargate-task-{t.id}" not in fig.boxes
    # each Fargate task carries its address and network interface; the provisioning one not yet
    for t in fargate[:3]:
        assert f"{t.private_ip}" in fig.dot
        assert f"{t.eni_id}" in fig.dot
    assert "Fargate · no IP yet" in fig.dot
    assert "ENI being attached" in fig.dot
    assert "⚡ Spot · " + fargate[2].private_ip in fig.dot  # type: ignore[operator]
    assert 'class="fargate-task spot"' in fig.dot
    assert fig.dot.count('class="fargate-task"') == 3
    assert "AWS Fargate · capacity AWS manages (no container instances)" in fig.dot
    assert "3 tasks on FARGATE, 1 on FARGATE_SPOT" in fig.dot
    # no container instance is drawn for them
    assert len(fig.nodes_of("instance")) == 2


def test_instances_are_grouped_by_their_auto_scaling_group(world):
    fig = figures.cluster_services(world, 7)
    group = fig.boxes["provider-cp-1"]
    assert "provider-cp-1" in fig.nodes
    for inst in world.instances:
        assert inside(fig.boxes[f"instance-{inst.id}"], group)
        assert (f"instance-{inst.id}", "provider-cp-1", "member-of") in fig.edges
    assert ("provider-cp-1", "cluster-demo", "member-of") in fig.edges
    assert "Auto Scaling group asg-1 · capacity provider cp-1" in fig.dot
    assert (
        "▲ 2 of max 5 instances (min 0, desired 2) · managed scaling: target 100 %, "
        "reservation 150 %" in fig.dot
    )
    # the task waiting for the group's capacity is drawn in the group, under its instances
    waiting = next(t for t in world.tasks if t.last_status == "PROVISIONING" and not t.fargate)
    assert inside(fig.boxes[f"task-{waiting.id}"], group)
    assert "Waiting for capacity (PROVISIONING): cp-1 must launch instances" in fig.dot
    # the two areas do not overlap, and both sit in the cluster
    area, frame = fig.boxes["fargate-demo"], fig.boxes["cluster-demo"]
    assert group.bottom < area.y
    assert inside(group, frame)
    assert inside(area, frame)


def test_the_mixed_cluster_says_what_it_draws(world):
    fig = figures.cluster_services(world, 7)
    assert fig.caption == (
        "Cluster demo: 2 Services and 9 Tasks (1 standalone) across 2 ECS Container Instances "
        "and AWS Fargate (4)"
    )
    assert "Cluster demo · 2 container instances · 4 on Fargate" in fig.dot
    text = fig.describe()
    assert (
        "Auto Scaling group asg-1 · capacity provider cp-1: 2 of max 5 instances (min 0, "
        "desired 2) · managed scaling: target 100 %, reservation 150 %." in text
    )
    assert "AWS Fargate runs 4 tasks: task " in text
    assert "(api, FARGATE_SPOT) at 10.0." in text
    for key in ("legend-asg", "legend-fargate", "legend-fargate-spot"):
        assert f'"{key}-swatch"' in fig.dot


def test_a_pure_ec2_cluster_keeps_the_article_look(seed):
    fig = figures.cluster_services(seed.snapshot(), 8)
    assert not fig.nodes_of("provider")
    assert not fig.nodes_of("fargate")
    assert "Fargate" not in fig.dot
    assert "Auto Scaling group" not in fig.dot
    assert "legend-asg" not in fig.dot
    assert fig.caption.startswith("A Cluster running 3 Services")  # the article's caption
    # the instances sit right under the service cards, as before
    tops = {round(fig.boxes[f"instance-{i.id}"].y) for i in seed.snapshot().instances}
    assert tops == {34 + 58 + 12}


def test_hand_registered_instances_get_their_own_frame_next_to_a_group(build):
    build.provider("cp-1", group="asg-1", managed=False, size=(1, 1, 3))
    build.cluster("demo", ("cp-1",))
    launched = build.instance(provider="cp-1")
    by_hand = build.instance()
    snap = build.snapshot()
    fig = figures.cluster_view(snap)
    ids = {arn: f"instance-{i.id}" for i in snap.instances for arn in [i.arn]}
    assert inside(fig.boxes[ids[launched]], fig.boxes["provider-cp-1"])
    assert inside(fig.boxes[ids[by_hand]], fig.boxes["provider-none"])
    assert not inside(fig.boxes[ids[by_hand]], fig.boxes["provider-cp-1"])
    assert "1 of max 3 instances (min 1, desired 1) · managed scaling off" in fig.dot
    assert "Container instances registered without a capacity provider" in fig.dot


def test_an_empty_group_says_it_has_no_instances_yet(build):
    build.provider("cp-1", group="asg-1", reservation=None)
    build.cluster("demo", ("cp-1",))
    fig = figures.cluster_view(build.snapshot())
    assert "No instances yet: the group launches them when tasks need room" in fig.dot
    assert "0 of max 5 instances" in fig.dot
    assert "reservation not computed yet" in fig.dot
    assert not fig.nodes_of("instance")


def test_a_fargate_only_cluster_has_no_instances_and_says_so(build):
    build.cluster("demo")
    build.taskdef("api", (("api", "ecsedu/api", 256, 512, None),))
    build.service("api", "api", desired=2)
    for _ in range(2):
        build.task(None, "api", service="api", fargate="FARGATE")
    fig = figures.cluster_services(build.snapshot(), 6)
    assert fig.caption == "Cluster demo: 1 Service running 2 Tasks on AWS Fargate"
    assert "No container instances registered" not in fig.dot
    assert len(fig.nodes_of("task")) == 2
    assert {e for e in fig.edges if e[2] == "runs-on"} == {
        (f"task-{t.id}", "fargate-demo", "runs-on") for t in build.tasks
    }


def test_a_stopped_ec2_instance_of_a_group_leaves_the_drawing(build):
    build.provider("cp-1", group="asg-1")
    build.cluster("demo", ("cp-1",))
    build.instance(provider="cp-1")
    gone = build.instance(provider="cp-1", status="INACTIVE")
    fig = figures.cluster_view(build.snapshot())
    assert f"instance-{gone.rsplit('/', 1)[-1]}" not in fig.nodes
    assert len(fig.nodes_of("instance")) == 1


@pytest.mark.parametrize("theme", ["light", "dark", "projector"])
def test_the_mixed_cluster_renders_in_every_theme(world, theme):
    fig = figures.cluster_services(world, 7, theme=theme)
    root = ET.fromstring(fig.svg().split("?>", 1)[-1])
    ids = {el.get("id") for el in root.iter(f"{SVG}g")}
    assert {"fargate-demo", "provider-cp-1"} <= ids
    assert {f"fargate-task-{t.id}" for t in world.tasks if t.fargate} <= ids
    assert fig.png().startswith(b"\x89PNG")


# -- cluster auto scaling --------------------------------------------------------------------
@pytest.fixture
def grown(build: Any) -> Snapshot:
    """A group that grew from 1 to 2 instances; the reservation now 150 % (one more needed)."""
    b = build
    b.time = 3000.0
    b.provider("cp-1", group="asg-1", reservation=150.0, size=(0, 3, 5))
    b.cluster("demo", ("cp-1",))
    b.taskdef("app")
    b.service("web", "app", desired=6)
    i1 = b.instance(provider="cp-1")
    i2 = b.instance(provider="cp-1", az="us-east-1b")
    for inst in (i1, i2, i1, i2):
        b.task(inst, "app", service="web")
    snap = b.snapshot()
    first, second = snap.instances
    instances = (replace(first, registered_at=1200.0), replace(second, registered_at=2400.0))
    values = [200, 200, 100, 100, 100, 100, 100, 100, 100, 100, 100, 150, 150]
    points = tuple((3000.0 - 60 * (len(values) - 1 - k), float(v)) for k, v in enumerate(values))
    series = MetricSeriesView(
        "AWS/ECS/ManagedScaling",
        "CapacityProviderReservation",
        "demo",
        "",
        points,
        capacity_provider_name="cp-1",
    )
    return replace(
        snap,
        instances=instances,
        metrics=(series,),
        services=(replace(snap.services[0], unplaced_reason="CPU"),),
        capacity_providers=(replace(snap.capacity_providers[0], launching=1),),
    )


def test_cluster_auto_scaling_charts_the_reservation_against_the_target(grown):
    snap = grown
    fig = figures.cluster_auto_scaling(snap)
    bars = [b for b in fig.boxes if b.startswith("reservation-cp-1-bar")]
    assert len(bars) == 13
    assert fig.dot.count('class="metric-bar hot"') == 4  # 200, 200, 150, 150 are above 100
    assert "target 100 %" in fig.dot
    assert "now 150 % with 2 instances" in fig.dot
    # under each bar, how many instances the group had when the datapoint was computed (at
    # the end of the minute it is stamped with): 1 before 2400, then 2
    counts = [
        fig.dot.split(f'"reservation-cp-1-count{i}"', 1)[1].split("label=", 1)[1].split(" ", 1)[0]
        for i in range(13)
    ]
    assert counts == ['"1"'] + ['"2"'] * 12
    # the newest bar is the rightmost, the target line crosses the whole plot
    assert fig.boxes["reservation-cp-1-bar12"].x > fig.boxes["reservation-cp-1-bar0"].x
    line = fig.boxes["reservation-cp-1-target"]
    assert line.x < fig.boxes["reservation-cp-1-bar0"].x


def test_cluster_auto_scaling_works_the_reservation_out(grown):
    fig = figures.cluster_auto_scaling(grown)
    assert "CapacityProviderReservation = M / N × 100" in fig.dot
    assert "N = 2 instances in service, M = 3 the tasks need" in fig.dot
    assert "above target → scale out: more instances" in fig.dot
    assert "managed scaling ON · target capacity 100 %" in fig.dot
    assert "one cell per instance: 2 registered · 1 launching · room up to max 5" in fig.dot
    assert fig.dot.count('class="asg-cell registered"') == 2
    assert fig.dot.count('class="asg-cell launching"') == 1
    assert fig.dot.count('class="asg-cell room-up-to-max"') == 2
    assert "⚠ service web: 2 tasks waiting for room (not enough CPU)" in fig.dot
    assert fig.caption == (
        "Capacity provider cp-1: 2 instances of max 5, reservation 150 %, target 100 %"
    )
    text = fig.describe()
    assert "the reservation went from 200 % to 150 % and the group from 1 instance to 2" in text
    assert "Service web has 2 tasks waiting for room." in text
    assert fig.png().startswith(b"\x89PNG")


def test_the_instance_count_follows_deregistrations(grown):
    snap = grown
    first = snap.instances[0]
    gone = EventView(
        1,
        2900.0,
        "INSTANCE_STATE_CHANGE",
        first.cluster_arn,
        first.arn,
        "instance deregistered",
        (("status", "INACTIVE"),),
    )
    snap = replace(
        snap,
        instances=(replace(first, status="INACTIVE"), snap.instances[1]),
        events=(gone,),
    )
    fig = figures.cluster_auto_scaling(snap)
    last = fig.dot.split('"reservation-cp-1-count12"', 1)[1].split("label=", 1)[1]
    assert last.startswith('"1"')  # deregistered at 2900: one instance at 3000
    assert "now 150 % with 1 instance" in fig.dot


def test_cluster_auto_scaling_without_datapoints_or_provider(build):
    build.provider("cp-1", group="asg-1")
    build.cluster("demo", ("cp-1",))
    fig = figures.cluster_auto_scaling(build.snapshot())
    assert "no datapoints yet" in fig.dot
    assert "not computed yet (once a minute)" in fig.dot
    with pytest.raises(UnknownNameError):
        figures.cluster_auto_scaling(build.snapshot(), provider="nope")
    empty = replace(build.snapshot(), capacity_providers=())
    fig = figures.cluster_auto_scaling(empty)
    assert "Nothing to draw yet: create an Auto Scaling group capacity provider" in fig.dot


def test_fargate_tasks_keep_their_place_when_one_goes(build):
    build.cluster("demo")
    build.taskdef("api", (("api", "ecsedu/api", 256, 512, None),))
    arns = [build.task(None, "api", fargate="FARGATE") for _ in range(3)]
    memory = SlotMemory()
    before = figures.cluster_view(build.snapshot(), memory=memory)
    build.remove_task(arns[0])
    after = figures.cluster_view(build.snapshot(), memory=memory)
    for arn in arns[1:]:
        node = f"task-{arn.rsplit('/', 1)[-1]}"
        assert after.boxes[node] == before.boxes[node]
    new = build.task(None, "api", fargate="FARGATE")
    again = figures.cluster_view(build.snapshot(), memory=memory)
    first = f"task-{arns[0].rsplit('/', 1)[-1]}"
    assert again.boxes[f"task-{new.rsplit('/', 1)[-1]}"] == before.boxes[first]  # the gap


def test_tasks_waiting_for_a_growing_group_say_so(build):
    build.provider("cp-1", group="asg-1", reservation=300.0, size=(0, 3, 5))
    build.cluster("demo", ("cp-1",))
    inst = build.instance(provider="cp-1")
    build.taskdef("worker", (("worker", "ecsedu/worker", 1024, 512, None),))
    build.service("worker", "worker", desired=6)
    build.task(inst, "worker", service="worker")
    build.task(inst, "worker", service="worker")
    snap = build.snapshot()
    strategy = (StrategyItemView("cp-1", 1, 0),)
    svc = replace(snap.services[0], unplaced_reason="constraint")
    waiting = replace(snap, services=(replace(svc, capacity_provider_strategy=strategy),))
    fig = figures.cluster_view(waiting)
    assert (
        "⚠ 4 tasks of service worker could not be placed: they wait for capacity provider "
        "cp-1 to launch instances" in fig.dot
    )
    assert "⚠ 4 not placed: cp-1 scaling out" in fig.dot
    assert fig.dot.count("✕ cp-1 scaling out") == 4
    # without a strategy naming the provider, the engine's reason stands
    fig = figures.cluster_view(replace(snap, services=(svc,)))
    assert "cp-1 scaling out" not in fig.dot
    assert "⚠ 4 not placed: placement constraint" in fig.dot
