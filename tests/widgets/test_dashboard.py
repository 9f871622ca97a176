"""The dashboard without a browser: redraws follow changes (not a timer), controls call the
public API, errors are shown as ECS's text, the history slider redraws the past."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("ipywidgets")

import ecsedu  # noqa: E402
from ecsedu.widgets import Dashboard  # noqa: E402
from ecsedu.widgets.feed import Coalescer  # noqa: E402
from ecsedu.widgets.history import what_changed  # noqa: E402


@pytest.fixture
def ecs() -> Iterator[Any]:
    client = ecsedu.connect("simulated", seed=0)
    client.create_cluster(clusterName="demo")
    client.add_instances("demo", count=2, cpu=2048, memory=4096)
    client.register_task_definition(
        family="app",
        containerDefinitions=[
            {"name": "app", "image": "ecsedu/web", "cpu": 256, "memory": 256,
             "portMappings": [{"containerPort": 80, "hostPort": 0}]},
        ],
    )  # fmt: skip
    yield client
    client.close()


@pytest.fixture
def dash(ecs: Any) -> Iterator[Dashboard]:
    board = Dashboard(ecs, "demo", interval=0.05)
    assert board.wait_idle()
    yield board
    board.close()


def task_nodes(board: Dashboard) -> int:
    count: int = board.figure.value.count('class="node task')
    return count


def test_first_draw_shows_the_cluster_with_its_description(dash: Dashboard) -> None:
    assert dash.redraws == 1
    assert "<svg" in dash.figure.value
    assert "ecsedu-figure-description" in dash.figure.value  # the text twin for screen readers
    assert 'role="figure"' in dash.figure.value
    assert "simulated runtime" in dash.header.value


def test_redraws_once_per_change_and_never_on_a_timer(dash: Dashboard, ecs: Any) -> None:
    time.sleep(0.4)
    assert dash.redraws == 1, "redrew with nothing changed"
    ecs.run_task(cluster="demo", taskDefinition="app")
    assert dash.wait_idle()
    assert dash.redraws == 2
    time.sleep(0.4)
    assert dash.redraws == 2


def test_a_burst_of_changes_is_coalesced(ecs: Any) -> None:
    board = Dashboard(ecs, "demo", interval=0.3)
    try:
        board.wait_idle()
        before = board.redraws
        for _ in range(20):
            ecs.run_task(cluster="demo", taskDefinition="app")
        board.wait_idle()
        assert 1 <= board.redraws - before <= 3, board.redraws - before
        assert len(board.history) >= 20  # every step is still kept for the history slider
    finally:
        board.close()


def test_time_passing_with_nothing_to_do_draws_nothing(dash: Dashboard, ecs: Any) -> None:
    ecs.advance(60)
    dash.wait_idle()
    assert dash.redraws == 1


def test_changes_in_another_cluster_do_not_redraw(dash: Dashboard, ecs: Any) -> None:
    ecs.create_cluster(clusterName="other")
    dash.wait_idle()
    before = dash.redraws
    ecs.add_instances("other", count=1)
    dash.wait_idle()
    assert dash.redraws == before


def test_desired_count_slider_calls_update_service(dash: Dashboard, ecs: Any) -> None:
    dash.service_name.value = "web"
    dash.desired.value = 2
    dash.create.click()
    ecs.advance(10)
    dash.wait_idle()
    assert task_nodes(dash) == 2
    dash.desired.value = 5
    assert (
        ecs.describe_services(cluster="demo", services=["web"])["services"][0]["desiredCount"] == 5
    )
    ecs.advance(10)
    dash.wait_idle()
    assert task_nodes(dash) == 5
    assert "desired count 5" in dash.status.value


def test_register_run_kill_and_step(dash: Dashboard, ecs: Any) -> None:
    dash.family.value = "small"
    dash.register.click()
    assert "Registered task definition small:1" in dash.status.value
    dash.count.value = 2
    dash.run.click()
    assert "RunTask started 2 tasks" in dash.status.value
    dash.wait_idle()
    assert len(dash.task.options) == 2
    victim = dash.task.value
    assert dash.arn.value == victim
    assert victim.startswith("arn:aws:ecs:")
    dash.kill.click()
    dash.step.click()
    stopped = ecs.describe_tasks(cluster="demo", tasks=[victim])["tasks"][0]
    assert stopped["lastStatus"] == "STOPPED"
    assert not dash.errors


def test_instances_drain_and_disconnect(dash: Dashboard, ecs: Any) -> None:
    dash.add.click()
    dash.wait_idle()
    assert len(dash.instance.options) == 3
    arn = dash.instance.value
    dash.drain.click()
    dash.disconnect.click()
    described = ecs.describe_container_instances(cluster="demo", containerInstances=[arn])
    instance = described["containerInstances"][0]
    assert instance["status"] == "DRAINING"
    assert instance["agentConnected"] is False
    assert not dash.errors


def test_errors_are_shown_as_ecs_text_not_tracebacks(dash: Dashboard) -> None:
    dash.td_json.value = (
        '{"family": "bad", "containerDefinitions": [{"name": "a", "image": "x", "memory": 0}]}'
    )
    dash.register.click()
    assert "ClientException: Invalid &#x27;memory&#x27; setting" in dash.status.value
    assert "Traceback" not in dash.status.value
    dash.td_json.value = "{not json"
    dash.register.click()
    assert "The JSON is not valid" in dash.status.value
    dash.td_json.value = ""
    dash.service_name.value = "web"
    dash.create.click()
    dash.create.click()  # the same service again, differently: ECS refuses
    dash.desired.value = 3
    dash.service_name.value = "web"
    dash.create.click()
    assert 'role="alert"' in dash.status.value
    assert dash.errors


def test_why_here_shows_rejected_instances_and_their_reason(dash: Dashboard, ecs: Any) -> None:
    dash.family.value = "big"
    dash.mem.value = 3000
    dash.register.click()
    dash.count.value = 2
    dash.run.click()  # the first fits on one instance, the second on the other
    dash.run.click()  # now nothing fits: RESOURCE:MEMORY everywhere
    dash.wait_idle()
    assert "not placed: RESOURCE:MEMORY" in dash.status.value
    assert "not enough memory" in dash.why.value
    assert "ecsedu-rejected" in dash.why.value


def test_history_scrubs_back_and_forward(dash: Dashboard, ecs: Any) -> None:
    ecs.run_task(cluster="demo", taskDefinition="app")
    ecs.advance(5)
    ecs.run_task(cluster="demo", taskDefinition="app", count=3)
    ecs.advance(5)
    dash.wait_idle()
    live = task_nodes(dash)
    assert live == 4
    last = dash.scrub.max
    assert dash.scrub.value == last
    dash.scrub.value = last - 2  # after the first run_task and its 5 s
    dash.wait_idle()
    assert task_nodes(dash) == 1
    assert "History: step" in dash.figure.value
    assert "What changed" in dash.changed.value
    dash.scrub.value = last
    dash.wait_idle()
    assert task_nodes(dash) == 4
    assert "History: step" not in dash.figure.value


def test_what_changed_says_what_moved(ecs: Any) -> None:
    before = ecs.snapshot()
    ecs.run_task(cluster="demo", taskDefinition="app")
    ecs.advance(5)
    line = what_changed(before, ecs.snapshot(), before.clusters[0].arn)
    assert "5 s passed" in line
    assert "1 new task" in line


def test_what_changed_rounds_wall_clock_time(ecs: Any) -> None:
    """On Docker the snapshot time is the wall clock: a few ms is not worth a line, and a
    longer gap is rounded (it read "0.000342607 s passed" in the browser)."""
    import dataclasses

    before = ecs.snapshot()
    arn = before.clusters[0].arn
    line = what_changed(before, dataclasses.replace(before, time=before.time + 0.000342607), arn)
    assert "passed" not in line
    line = what_changed(before, dataclasses.replace(before, time=before.time + 2.34567), arn)
    assert "2.3 s passed" in line


def test_every_control_has_a_description_or_tooltip(dash: Dashboard) -> None:
    import ipywidgets as w

    def walk(widget: Any) -> Iterator[Any]:
        yield widget
        for child in getattr(widget, "children", ()):
            yield from walk(child)

    controls = [
        x
        for x in walk(dash.widget)
        if isinstance(x, (w.Button, w.ValueWidget)) and not isinstance(x, w.HTML)
    ]
    assert len(controls) >= 20
    missing = [x for x in controls if not (x.description and x.tooltip)]
    assert not missing, missing


def test_coalescer_draws_nothing_until_poked() -> None:
    calls: list[float] = []
    worker = Coalescer(lambda: calls.append(time.monotonic()), interval=0.05)
    try:
        time.sleep(0.2)
        assert calls == []
        for _ in range(50):
            worker.poke()
        assert worker.wait_idle()
        assert 1 <= len(calls) <= 2
    finally:
        worker.close()


def test_desired_slider_follows_the_service_when_a_notebook_call_scales_it(
    dash: Dashboard, ecs: Any
) -> None:
    """Regression: the slider kept the count it had when the service was chosen, so after
    ``update_service`` from a cell, arrow keys on it set a count the learner did not expect."""
    ecs.create_service(cluster="demo", serviceName="web", taskDefinition="app", desiredCount=2)
    assert dash.wait_idle()
    assert dash.service.value == "web"
    assert dash.desired.value == 2
    ecs.update_service(cluster="demo", service="web", desiredCount=4)  # as a notebook cell would
    assert dash.wait_idle()
    assert dash.desired.value == 4
    dash.desired.set_state({"value": 5})  # what the browser sends for one ArrowRight
    assert dash.wait_idle()
    assert (
        ecs.describe_services(cluster="demo", services=["web"])["services"][0]["desiredCount"] == 5
    )
    assert dash.desired.value == 5
    dash.desired.set_state({"value": 6})  # a second move still reaches the API
    assert dash.wait_idle()
    assert "desired count 6" in dash.status.value
    assert "desired 5 → 6" in dash.changed.value
    assert not dash.errors


def test_fargate_tasks_and_cluster_auto_scaling_on_the_dashboard() -> None:
    """A cluster with Fargate tasks and an Auto Scaling group provider: the figure draws the
    Fargate area and the group, the tasks table says where each task runs, and the chart
    panel adds the provider's CapacityProviderReservation."""
    ecs = ecsedu.connect("simulated", seed=0)
    asg = ecs.ec2_autoscaling
    asg.create_auto_scaling_group(
        AutoScalingGroupName="asg-1",
        MinSize=0,
        MaxSize=3,
        DesiredCapacity=0,
        NewInstancesProtectedFromScaleIn=True,
        LaunchTemplate={"LaunchTemplateName": "node", "Version": "$Latest"},
    )
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["asg-1"])
    ecs.create_capacity_provider(
        name="cp-1",
        autoScalingGroupProvider={
            "autoScalingGroupArn": group["AutoScalingGroups"][0]["AutoScalingGroupARN"],
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
            "managedTerminationProtection": "ENABLED",
        },
    )
    ecs.create_cluster(clusterName="demo", capacityProviders=["cp-1", "FARGATE"])
    ecs.register_task_definition(
        family="api",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "api", "image": "ecsedu/web"}],
    )
    ecs.run_task(
        cluster="demo",
        taskDefinition="api",
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0ecsedu0"]}},
    )
    ecs.advance(120)
    board = Dashboard(ecs, "demo", interval=0.05)
    try:
        assert board.wait_idle()
        (task,) = ecs.snapshot().tasks
        assert 'id="fargate&#45;demo"' in board.figure.value  # (graphviz writes - as &#45;)
        assert 'id="provider&#45;cp&#45;1"' in board.figure.value
        assert f"Fargate us-east-1a {task.private_ip}" in board.tasks.value
        assert "waiting for placement" not in board.tasks.value
        assert "cp-1 · CapacityProviderReservation (%)" in board.chart.value
    finally:
        board.close()
        ecs.close()
