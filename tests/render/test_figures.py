"""Each figure draws exactly the ECS objects of its situation, and says what it shows."""

from __future__ import annotations

import copy
import re

import pytest

from ecsedu.model.snapshot import AlarmView, ScalingView
from ecsedu.render import figures


def of_kind(nodes, kind: str) -> set[str]:
    return {n for n in nodes if n.startswith(kind + "-")}


def one_service_four_tasks(b):
    b.cluster()
    i1, i2 = b.instance(), b.instance()
    b.taskdef()
    b.service("web", desired=4)
    for inst in (i1, i2, i1, i2):
        b.task(inst, service="web")
    return b.snapshot()


def test_figure6_one_service_four_tasks_across_two_instances(build):
    snap = one_service_four_tasks(build)
    fig = figures.cluster_services(snap, 6)
    tasks = {f"task-{t.id}" for t in snap.tasks}
    instances = {f"instance-{i.id}" for i in snap.instances}
    assert of_kind(fig.nodes, "task") == tasks
    assert of_kind(fig.nodes, "instance") == instances
    assert of_kind(fig.nodes, "service") == {"service-web"}
    assert of_kind(fig.nodes, "agent") == {f"agent-{i.id}" for i in snap.instances}
    assert len(of_kind(fig.nodes, "container")) == 8
    assert {(s, d) for s, d, r in fig.edges if r == "manages"} == {
        ("service-web", t) for t in tasks
    }
    runs_on = [d for _, d, r in fig.edges if r == "runs-on" and _.startswith("task-")]
    assert sorted(runs_on.count(i) for i in instances) == [2, 2]
    assert "An example ECS cluster, with one Service running four Tasks" in fig.title


def test_figure8_draws_three_services_and_their_six_tasks(seed):
    fig = figures.cluster_services(seed.snapshot(), 8)
    assert of_kind(fig.nodes, "service") == {"service-web", "service-api", "service-worker"}
    assert len(of_kind(fig.nodes, "task")) == 6
    assert "cluster-demo" in fig.nodes
    assert ("instance-" + seed.instances[0].id, "cluster-demo", "member-of") in fig.edges
    assert "desired 3" in fig.describe()


def test_figure5_one_instance_eight_tasks_of_several_services(build):
    build.cluster()
    inst = build.instance(cpu=4096, memory=8192)
    build.instance()  # an idle neighbour: figure 5 picks the busy one
    build.taskdef()
    build.taskdef("api", (("api", "ecsedu/api", 256, 256, None),))
    for name, fam, n in (("web", "app", 3), ("api", "api", 3), ("batch", "api", 2)):
        build.service(name, fam, desired=n)
        for _ in range(n):
            build.task(inst, fam, service=name)
    fig = figures.instance_tasks(build.snapshot())
    assert of_kind(fig.nodes, "instance") == {f"instance-{build.instances[0].id}"}
    assert len(of_kind(fig.nodes, "task")) == 8
    assert "runs 8 tasks" in fig.describe()
    assert "3 services" in fig.describe()


def test_figure3_one_task_definition_creates_identical_tasks(build):
    build.cluster()
    inst = build.instance()
    build.taskdef()
    build.taskdef("other", (("x", "ecsedu/x", 128, 128, None),))
    for _ in range(3):
        build.task(inst, "app")
    build.task(inst, "other")
    fig = figures.task_definition_tasks(build.snapshot())
    assert of_kind(fig.nodes, "taskdef") == {"taskdef-app-1"}
    created = {s for s, d, r in fig.edges if r == "created-from"}
    assert len(created) == 3
    assert created == of_kind(fig.nodes, "task")
    assert "3 identical tasks" in fig.describe()


def test_figure4_draws_alarms_that_scale_the_service(seed):
    fig = figures.service_scaling(seed.snapshot())
    assert of_kind(fig.nodes, "alarm") == {"alarm-web-cpu-high", "alarm-web-cpu-low"}
    assert ("alarm-web-cpu-high", "service-web", "scales") in fig.edges
    assert ("service-web", "taskdef-app-1", "uses") in fig.edges
    assert "min 2 · desired 3 · max 6" in fig.dot
    assert "between 2 and 6 tasks" in fig.describe()


def test_figure4_shows_firing_alarm_in_text_and_shape(build):
    build.cluster()
    build.instance()
    build.taskdef()
    build.service(
        "web",
        desired=2,
        scaling=ScalingView(
            1, 4, (AlarmView("hot", "GreaterThanThreshold", 75.0, "CPUUtilization", "ALARM", 91.0),)
        ),
    )
    fig = figures.service_scaling(build.snapshot())
    assert 'class="alarm alarm"' in fig.dot
    assert "⚠ ALARM (now 91)" in fig.dot


def test_figure4_without_scaling_policy_shows_the_bounds(build):
    build.cluster()
    build.instance()
    build.taskdef()
    build.service("web", desired=3)
    fig = figures.service_scaling(build.snapshot())
    assert of_kind(fig.nodes, "alarm") == set()
    assert "min 3 · desired 3 · max 3 (no scaling policy)" in fig.dot
    assert "no scaling policy" in fig.describe()


def test_figure1_draws_each_container_over_docker_and_the_host(seed):
    fig = figures.docker_host(seed.snapshot())
    # the first instance runs two web pairs and one api task: five containers
    assert len(of_kind(fig.nodes, "container")) == 5
    assert of_kind(fig.nodes, "instance") == {f"instance-{seed.instances[0].id}"}
    for layer in ("bins/libs", "Docker Engine", "Host operating system"):
        assert layer in fig.dot


def test_figure2_shows_the_api_the_agents_and_the_pool(seed):
    fig = figures.ecs_overview(seed.snapshot())
    assert len(of_kind(fig.nodes, "agent")) == 2
    assert "Amazon ECS API" in fig.dot
    assert "Resource pool" in fig.dot
    assert "4096 CPU units" in fig.describe()


def test_status_is_shown_by_text_and_line_style_not_colour_alone(build):
    build.cluster()
    i1 = build.instance()
    build.instance(status="DRAINING")
    build.instance(connected=False)
    build.taskdef()
    build.task(i1, status="PENDING")
    build.task(i1, status="RUNNING", desired="STOPPED")
    build.task(None, status="PENDING")
    fig = figures.cluster_view(build.snapshot())
    dot = fig.dot
    assert 'class="task pending standalone"' in dot
    assert "◔ PENDING" in dot
    assert 'class="task stopping standalone"' in dot
    assert "◐ STOPPING" in dot
    assert 'class="instance draining"' in dot
    assert "▼ DRAINING" in dot
    assert 'class="agent disconnected"' in dot
    assert "DISCONNECTED" in dot
    assert "Waiting for placement" in dot
    pending = next(line for line in dot.splitlines() if 'class="task pending' in line)
    assert "dashed" in pending


def test_standalone_tasks_read_as_runtask_not_as_stopped(build):
    """A RunTask task is double-outlined in its own (non-grey) colour; STOPPED keeps ✕."""
    build.cluster()
    inst = build.instance()
    build.taskdef()
    build.task(inst)  # started by RunTask, running
    build.task(inst, status="STOPPED", desired="STOPPED", stopped_at=build.time - 10)
    fig = figures.cluster_view(build.snapshot())
    lines = fig.dot.splitlines()
    running = next(x for x in lines if 'class="task running standalone"' in x)
    stopped = next(x for x in lines if 'class="task stopped standalone"' in x)
    assert "peripheries=2" in running
    assert "RunTask" in running
    assert "✕ STOPPED" in stopped
    assert "dotted" in stopped
    assert "✕ STOPPED" not in running
    assert "dotted" not in running
    fill = re.search(r'fillcolor="#(..)(..)(..)"', running)
    assert fill is not None
    r, g, b = (int(c, 16) for c in fill.groups())
    assert max(r, g, b) - min(r, g, b) > 24  # a hue, not a grey
    assert "standalone task (RunTask)" in fig.dot


@pytest.mark.parametrize("number", range(1, 9))
def test_every_figure_has_a_legend_and_leaves_the_snapshot_alone(seed, number):
    snap = seed.snapshot()
    before = copy.deepcopy(snap)
    fig = figures.draw(number, snap)
    assert '"legend"' in fig.dot
    assert fig.describe().startswith(f"Figure {number}")
    assert snap == before


@pytest.mark.parametrize("number", range(1, 9))
def test_figures_of_an_empty_snapshot_say_what_is_missing(build, number):
    fig = figures.draw(number, build.snapshot())
    assert "Nothing to draw yet" in fig.describe()
    assert fig.svg().startswith("<?xml")


def test_themes_change_colours_and_unknown_theme_is_refused(seed):
    snap = seed.snapshot()
    assert 'bgcolor="#16191D"' in figures.cluster_view(snap, theme="dark").dot
    projector = figures.cluster_view(snap, theme="projector").dot
    assert "penwidth=2.4" in projector
    with pytest.raises(ValueError, match="unknown theme"):
        figures.cluster_view(snap, theme="neon")


def test_service_colours_are_stable_and_distinct(seed):
    from ecsedu.render.style import service_colours

    first = service_colours(seed.snapshot())
    seed.service("late", "api", desired=0)
    second = service_colours(seed.snapshot())
    assert len(set(first.values())) == 3
    assert {k: second[k] for k in first} == first


def test_a_busy_instance_is_described_by_counts_and_the_live_view_has_no_number(build):
    build.cluster()
    inst = build.instance(cpu=8192, memory=16384)
    build.taskdef()
    build.service("web", desired=9)
    for _ in range(9):
        build.task(inst, service="web")
    build.task(inst)  # one RunTask task
    fig = figures.cluster_view(build.snapshot())
    text = fig.describe()
    assert "runs 10 tasks: 9 of service web (RUNNING), 1 by RunTask (RUNNING)." in text
    assert text.startswith("Cluster view. Live state of the cluster.")
    assert "Figure 0" not in fig.dot
