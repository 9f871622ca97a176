"""Figures that explain: unplaced tasks and why, published ports, the runtime, full ids and ARNs
in tooltips, captions that describe the state drawn, and forgiving inputs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

import ecsedu
from ecsedu.model.snapshot import PortBindingView
from ecsedu.render import figures
from ecsedu.render.lookup import UnknownNameError

SVG = "{http://www.w3.org/2000/svg}"
needs_engine = pytest.mark.skipif(not hasattr(ecsedu, "connect"), reason="engine not available")


def groups(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg.encode())
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}


def texts(group: ET.Element) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


def stuck(build, reason: str | None = "memory", desired: int = 10, placed: int = 0):
    """A service scaled past capacity: ``desired`` wanted, ``placed`` running."""
    build.cluster()
    inst = build.instance()
    build.instance(az="us-east-1b")
    build.taskdef()
    build.service("web", desired=desired)
    for _ in range(placed):
        build.task(inst, service="web")
    snap = build.snapshot()
    services = tuple(replace(s, unplaced_reason=reason) for s in snap.services)
    return replace(snap, services=services)


# -- 1. tasks that could not be placed ----------------------------------------------------------
def test_a_service_short_of_tasks_draws_empty_dashed_slots_with_the_reason(build):
    snap = stuck(build, "memory", desired=10, placed=2)
    fig = figures.cluster_services(snap, 6)
    drawn = groups(fig.svg())
    slots = {k: g for k, g in drawn.items() if "unplaced" in (g.get("class") or "").split()}
    assert slots, "no empty slots drawn"
    assert all(g.get("class") == "node unplaced memory" for g in slots.values())
    assert all("not enough memory" in texts(g) for g in slots.values())
    assert "8 tasks of service web could not be placed" in fig.svg()
    assert "+" in texts(slots[max(slots)])
    assert "more not placed" in texts(slots[max(slots)])
    dashed = [line for line in fig.dot.splitlines() if 'class="unplaced memory"' in line]
    assert dashed
    assert all("dashed" in line for line in dashed)
    assert "⚠ 8 not placed: not enough memory" in texts(drawn["service-web"])
    assert "ECS could not place 8 tasks" in fig.describe()
    assert "task not placed (empty)" in fig.dot  # in the legend


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("CPU", "not enough CPU"),
        ("ports", "host port in use"),
        ("attribute", "missing attribute"),
        ("constraint", "placement constraint"),
        ("no instances", "no instances"),
        ("agent", "agent disconnected"),
    ],
)
def test_each_reason_has_its_words(build, reason, words):
    fig = figures.cluster_view(stuck(build, reason, desired=3))
    assert f"✕ {words}" in fig.dot
    assert f'class="unplaced {reason.replace(" ", "-")}"' in fig.dot


def test_no_slots_without_a_placement_failure_or_once_the_shortfall_is_gone(build):
    assert "unplaced" not in figures.cluster_view(stuck(build, None, desired=10)).dot
    build.__init__()
    caught_up = stuck(build, "CPU", desired=2, placed=2)
    assert 'class="unplaced' not in figures.cluster_view(caught_up).dot


def test_figure4_and_the_service_card_show_the_shortfall_too(build):
    from ecsedu.render.cards import service_card

    snap = stuck(build, "CPU", desired=6, placed=1)
    fig = figures.service_scaling(snap)
    assert 'class="unplaced CPU"' in fig.dot
    assert "5 could not be placed" in fig.caption
    assert "⚠ 5 not placed: not enough CPU" in service_card(snap.services[0]).dot


@needs_engine
def test_the_engine_says_why_and_the_figure_draws_it():
    from ecsedu.app import scenarios

    ecs = scenarios.one_service_four_tasks()
    ecs.update_service(cluster="demo", service="web", desiredCount=30)
    ecs.advance(60)
    svc = ecs.snapshot().services[0]
    assert svc.unplaced_reason == "CPU"
    missing = svc.desired_count - svc.running_count - svc.pending_count
    assert missing > 0
    fig = figures.draw(6, ecs)
    assert f"{missing} tasks of service web could not be placed" in fig.svg()
    assert "not enough CPU" in fig.svg()


@needs_engine
@pytest.mark.parametrize(
    ("code", "short"),
    [
        ("RESOURCE:MEMORY", "memory"),
        ("RESOURCE:CPU", "CPU"),
        ("RESOURCE:PORTS", "ports"),
        ("ATTRIBUTE", "attribute"),
        ("AGENT", "agent"),
        ("MemberOf placement constraint unsatisfied.", "constraint"),
        (None, "no instances"),
    ],
)
def test_every_unable_to_place_message_maps_to_a_short_reason(code, short):
    from ecsedu.engine import views
    from ecsedu.engine.services import unable_to_place_message

    message = unable_to_place_message("web", None if code is None else "abc", code)
    assert views._unplaced_reason([message]) == short
    assert views._unplaced_reason(["(service web) has reached a steady state.", message]) is None
    assert views._unplaced_reason([]) is None


# -- 2. ports and the runtime -------------------------------------------------------------------
def test_each_task_shows_its_published_ports(seed):
    snap = seed.snapshot()
    task = snap.tasks[0]
    bound = replace(
        task.containers[0],
        network_bindings=(PortBindingView(80, 32768, "tcp", "127.0.0.2"),),
    )
    tasks = (replace(task, containers=(bound, *task.containers[1:])), *snap.tasks[1:])
    fig = figures.cluster_services(replace(snap, tasks=tasks), 8)
    drawn = groups(fig.svg())
    port = drawn[f"port-{task.id}-app-0"]
    assert "127.0.0.2:32768→80/tcp" in texts(port)
    task_box = fig.boxes[f"task-{task.id}"]
    port_box = fig.boxes[f"port-{task.id}-app-0"]
    assert task_box.y < port_box.y
    assert port_box.bottom <= task_box.bottom


@pytest.mark.parametrize("number", range(1, 9))
def test_every_figure_names_its_runtime(seed, number):
    snap = seed.snapshot()
    assert "simulated runtime" in texts(groups(figures.draw(number, snap).svg())["runtime-badge"])
    docker = figures.draw(number, replace(snap, runtime="docker")).svg()
    assert "Docker runtime" in texts(groups(docker)["runtime-badge"])


# -- 3. full ids and ARNs in every tooltip ------------------------------------------------------
def titles(svg: str) -> dict[str, str]:
    return {k: (g.findtext(f"{SVG}title") or "") for k, g in groups(svg).items()}


def test_every_object_carries_its_full_id_and_arn_in_its_svg_title(seed):
    snap = seed.snapshot()
    shown = titles(figures.cluster_services(snap, 8).svg())
    for task in snap.tasks:
        assert task.id in shown[f"task-{task.id}"]
        assert task.arn in shown[f"task-{task.id}"]
        for c in task.containers:
            assert task.arn in shown[f"container-{task.id}-{c.name}"]
    for inst in snap.instances:
        for node in (f"instance-{inst.id}", f"agent-{inst.id}"):
            assert inst.id in shown[node]
            assert inst.arn in shown[node]
    for svc in snap.services:
        assert svc.arn in shown[f"service-{svc.name}"]
    assert snap.clusters[0].arn in shown["cluster-demo"]
    td = snap.task_definitions[0]
    assert td.arn in titles(figures.task_definition_tasks(snap).svg())["taskdef-app-1"]


def test_the_svg_stays_valid_and_the_link_keeps_the_tooltip(seed):
    svg = figures.cluster_view(seed.snapshot()).svg()
    task = seed.tasks[0]
    link = next(groups(svg)[f"task-{task.id}"].iter(f"{SVG}a"))
    assert task.arn in link.get("{http://www.w3.org/1999/xlink}title")


# -- 4. captions --------------------------------------------------------------------------------
def test_the_article_state_keeps_the_article_caption(build):
    build.cluster()
    i1, i2 = build.instance(), build.instance()
    build.taskdef()
    build.service("web", desired=4)
    for inst in (i1, i2, i1, i2):
        build.task(inst, service="web")
    fig = figures.cluster_services(build.snapshot(), 6)
    assert fig.caption == figures.FIGURES[5].caption


def test_another_state_gets_a_caption_that_describes_it(build):
    build.cluster()
    i1, i2 = build.instance(cpu=8192, memory=16384), build.instance(cpu=8192, memory=16384)
    build.taskdef()
    build.service("web", desired=10)
    for n in range(10):
        build.task((i1, i2)[n % 2], service="web")
    fig = figures.cluster_services(build.snapshot(), 6)
    assert "four Tasks" not in fig.caption
    assert (
        fig.caption == "Cluster demo: 1 Service running 10 Tasks across 2 ECS Container Instances"
    )
    assert fig.caption in fig.svg()


def test_other_figures_describe_a_state_unlike_the_article(build):
    build.cluster()
    inst = build.instance()
    build.taskdef()
    build.service("web", desired=1)
    build.task(inst, service="web")
    snap = build.snapshot()
    assert figures.instance_tasks(snap).caption == (
        "One ECS Container Instance running 1 Task from 1 Service"
    )
    assert figures.task_definition_tasks(snap).caption == (
        "Task Definition app:1 with 1 Task created from it"
    )
    assert figures.cluster_services(snap, 8).caption.startswith("Cluster demo: 1 Service")


@pytest.mark.parametrize("number", range(1, 9))
def test_every_figure_takes_title_and_caption(seed, number):
    fig = figures.draw(number, seed.snapshot(), title="My slide", caption="What we built")
    assert fig.caption == "What we built"
    assert fig.title == "My slide. What we built."
    assert "My slide" in fig.dot
    assert "What we built" in fig.dot
    assert "Figure" not in texts(groups(fig.svg())["figure-heading"])


def test_the_figure_functions_take_title_and_caption(seed):
    snap = seed.snapshot()
    for draw in (
        figures.docker_host,
        figures.ecs_overview,
        figures.task_definition_tasks,
        figures.service_scaling,
        figures.instance_tasks,
        figures.cluster_view,
        lambda s, **kw: figures.cluster_services(s, 7, **kw),
    ):
        fig = draw(snap, title="T", caption="C")
        assert (fig.title, fig.caption) == ("T. C.", "C")


# -- 5. connections and names -------------------------------------------------------------------
class Connection:
    """Anything with a .snapshot() method is drawn like the connection ecsedu.connect() returns."""

    def __init__(self, snap):
        self.snap = snap
        self.services = object()  # not iterable, like the engine's controller

    def snapshot(self):
        return self.snap


@pytest.mark.parametrize("number", range(1, 9))
def test_figures_accept_a_connection(seed, number):
    snap = seed.snapshot()
    assert figures.draw(number, Connection(snap)).dot == figures.draw(number, snap).dot


def test_every_figure_function_accepts_a_connection(seed):
    snap = seed.snapshot()
    conn = Connection(snap)
    assert figures.cluster_view(conn).dot == figures.cluster_view(snap).dot
    for draw in (
        figures.docker_host,
        figures.ecs_overview,
        figures.task_definition_tasks,
        figures.service_scaling,
        figures.instance_tasks,
    ):
        assert draw(conn).dot == draw(snap).dot


def test_something_else_is_refused_clearly():
    with pytest.raises(TypeError, match=r"ecsedu.connect\(\)"):
        figures.cluster_view([1, 2, 3])


@needs_engine
def test_cluster_view_of_the_live_connection():
    from ecsedu.app import scenarios

    ecs = scenarios.three_services()
    assert figures.cluster_view(ecs).svg() == figures.cluster_view(ecs.snapshot()).svg()


@pytest.mark.parametrize(
    "call",
    [
        lambda s: figures.cluster_view(s, cluster="dmeo"),
        lambda s: figures.cluster_services(s, 6, cluster="dmeo"),
        lambda s: figures.ecs_overview(s, cluster="dmeo"),
        lambda s: figures.draw(1, s, cluster="dmeo"),
        lambda s: figures.draw(3, s, cluster="dmeo"),
        lambda s: figures.draw(4, s, cluster="dmeo"),
        lambda s: figures.draw(5, s, cluster="dmeo"),
    ],
)
def test_an_unknown_cluster_lists_the_valid_names(seed, call):
    with pytest.raises(UnknownNameError) as caught:
        call(seed.snapshot())
    assert not isinstance(caught.value, KeyError)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert "'dmeo'" in message
    assert "'demo'" in message
    assert "did you mean 'demo'?" in message


def test_unknown_services_instances_and_task_definitions_list_theirs(seed):
    snap = seed.snapshot()
    with pytest.raises(UnknownNameError, match="did you mean 'web'"):
        figures.service_scaling(snap, service="wbe")
    with pytest.raises(UnknownNameError, match="'app', 'api', 'worker'"):
        figures.task_definition_tasks(snap, task_definition="nope")
    with pytest.raises(UnknownNameError, match="container instances are"):
        figures.instance_tasks(snap, instance="i-nope")


def test_no_clusters_yet_says_so(build):
    with pytest.raises(UnknownNameError, match="there are no clusters yet"):
        figures.cluster_view(build.snapshot(), cluster="demo")
