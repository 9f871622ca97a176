"""Figure 4 with a scaling policy, its alarms and last activity; the metric chart; the load
balancer in figures 4, 6, 7, 8 and the live view. Hand-built snapshots only (conftest)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from ecsedu.model.snapshot import AlarmView, ScalingView
from ecsedu.render import chart, figures


def of_kind(nodes: frozenset[str], kind: str) -> set[str]:
    return {n for n in nodes if n.startswith(kind + "-")}


def test_figure4_shows_bounds_policy_alarms_and_last_activity(scaled):
    fig = figures.service_scaling(scaled, service="web")
    assert "min 1 · desired 4 · max 6" in fig.dot
    assert "Policy cpu50 · target tracking" in fig.dot
    assert "ECSServiceAverageCPUUtilization = 50" in fig.dot
    # each alarm: its short name, metric, threshold, datapoints, state and current value
    assert "AlarmHigh: CPUUtilization &gt; 50" in fig.dot or "AlarmHigh: CPUUtilization > 50" in (
        fig.dot
    )
    assert "over 3 × 1 min" in fig.dot
    assert "over 15 × 1 min" in fig.dot
    assert "⚠ ALARM (now 91.5)" in fig.dot
    assert "✓ OK (now 91.5)" in fig.dot
    assert len(of_kind(fig.nodes, "alarm")) == 2
    assert 'class="scaling-activity"' in fig.dot
    assert "Last scaling activity (60 s ago) · Successful" in fig.dot
    assert "Setting desired count to 4." in fig.dot
    text = fig.describe()
    assert "Policy cpu50 keeps ECSServiceAverageCPUUtilization near 50." in text
    assert "Last scaling activity (Successful): Setting desired count to 4." in text
    assert "CPU now 91.5 %." in text


@pytest.mark.parametrize("state", ["OK", "ALARM", "INSUFFICIENT_DATA"])
def test_each_alarm_state_has_its_own_look(build, state):
    build.cluster()
    build.instance()
    build.taskdef()
    value = None if state == "INSUFFICIENT_DATA" else 60.0
    build.service(
        "web",
        scaling=ScalingView(
            1, 3, (AlarmView("hot", "GreaterThanThreshold", 75.0, "CPUUtilization", state, value),)
        ),
    )
    fig = figures.service_scaling(build.snapshot())
    assert f'class="alarm {state.lower()}"' in fig.dot
    glyph = {"OK": "✓", "ALARM": "⚠", "INSUFFICIENT_DATA": "?"}[state]
    assert f"{glyph} {state}" in fig.dot
    if value is None:
        assert "(no data yet)" in fig.dot
    assert "Scaling alarms" in fig.dot  # alarms without a named policy


def test_figure4_draws_the_cpu_chart_with_target_and_thresholds(scaled):
    fig = figures.service_scaling(scaled, service="web")
    bars = re.findall(r'class="metric-bar( hot)?"', fig.dot)
    assert len(bars) == 11  # one a minute
    assert sum(1 for b in bars if b) == 6  # above the high alarm's threshold: 70 … 91.5
    assert 'class="metric-line target"' in fig.dot
    assert 'class="metric-line alarm-alarm"' in fig.dot
    assert 'class="metric-line alarm-ok"' in fig.dot
    assert "now 91.5 %" in fig.dot


def test_figure4_without_metrics_or_activity_still_draws(scaled):
    svc = next(s for s in scaled.services if s.name == "web")
    bare = replace(svc, scaling=replace(svc.scaling, last_activity=None))
    snap = replace(
        scaled,
        metrics=(),
        services=tuple(bare if s.name == "web" else s for s in scaled.services),
    )
    fig = figures.service_scaling(snap, service="web")
    assert "metric-bar" not in fig.dot
    assert "Last scaling activity: none yet" in fig.dot


def test_figure4_draws_the_load_balancer_in_front_of_the_tasks(scaled):
    fig = figures.service_scaling(scaled, service="web")
    assert 'class="load-balancer"' in fig.dot
    assert "Load balancer web-lb :80 · 867 requests served" in fig.dot
    assert "2 healthy · 1 initial · 1 draining" in fig.dot
    # one health badge per target task, with its request count
    for state, requests in (("healthy", 412), ("healthy", 398), ("initial", 0), ("draining", 57)):
        assert f"{state} · {requests} req" in fig.dot
    assert len(re.findall(r'class="target-health healthy"', fig.dot)) == 2
    assert len(re.findall(r'class="edge routes"', fig.dot)) == 4
    # the load balancer sits below the task row, arrows go up into the badges
    lb = fig.boxes["lb-web-lb"]
    tasks = [fig.boxes[n] for n in of_kind(fig.nodes, "task")]
    assert all(lb.y > t.bottom for t in tasks)
    assert "Load balancer web-lb routes to 4 targets" in fig.describe()


@pytest.mark.parametrize("number", [6, 7, 8])
def test_cluster_figures_draw_the_load_balancer_above_the_cluster(scaled, number):
    fig = figures.draw(number, scaled)
    assert 'class="load-balancer"' in fig.dot
    lb = fig.boxes["lb-web-lb"]
    assert lb.bottom < fig.boxes["cluster-demo"].y
    assert len(re.findall(r'class="edge routes"', fig.dot)) == 4
    assert len(re.findall(r'class="target-health ', fig.dot)) == 4
    assert "draining · 57 req" in fig.dot


def test_live_view_draws_the_load_balancer(scaled):
    fig = figures.cluster_view(scaled)
    assert 'class="load-balancer"' in fig.dot
    assert "healthy · 412 req" in fig.dot


def test_without_load_balancers_nothing_changes(scaled):
    plain = replace(scaled, load_balancers=())
    for number in (4, 6, 8):
        fig = figures.draw(number, plain)
        assert "load-balancer" not in fig.dot
        assert "target-health" not in fig.dot


def test_figures_render_to_svg_and_png_in_every_theme(scaled):
    for theme in ("light", "dark", "projector"):
        for number in (4, 8):
            fig = figures.draw(number, scaled, theme=theme)
            ET.fromstring(fig.svg())
            assert fig.png()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the metric chart (pure SVG) ------------------------------------------------------------------
def test_metric_chart_is_valid_svg_with_series_target_and_alarms(scaled):
    c = chart.metric_chart(scaled, service="web")
    root = ET.fromstring(c.svg())
    ns = "{http://www.w3.org/2000/svg}"
    (series,) = root.iter(f"{ns}polyline")
    assert len(series.get("points", "").split()) == 11
    classes = [e.get("class") for e in root.iter(f"{ns}line")]
    assert {"target", "alarm-alarm", "alarm-ok"} <= set(classes)
    assert "web · CPUUtilization (%), last 15 min" in c.svg()
    assert c.describe() == (
        "web · CPUUtilization (%), last 15 min: now 91.5, peak 96; target 50; "
        "AlarmHigh > 50 · ALARM; AlarmLow < 45 · OK."
    )
    assert c._repr_svg_() == c.svg()
    assert c.html().startswith('<div class="ecsedu-chart">')


def test_metric_chart_uses_the_theme(scaled):
    light = chart.metric_chart(scaled, service="web", theme="light").svg()
    dark = chart.metric_chart(scaled, service="web", theme="dark").svg()
    assert "#16191D" in dark
    assert "#16191D" not in light


def test_metric_chart_without_data_says_so(build):
    build.cluster()
    build.instance()
    build.taskdef()
    build.service("web")
    c = chart.metric_chart(build.snapshot())
    assert "no datapoints yet" in c.svg()
    ET.fromstring(c.svg())


def test_metric_chart_unknown_service_lists_the_known_ones(scaled):
    with pytest.raises(Exception, match="web"):
        chart.metric_chart(scaled, service="nope")


def test_metric_chart_saves_svg_only(scaled, tmp_path):
    c = chart.metric_chart(scaled)
    assert c.save(tmp_path / "c.svg").read_text().startswith("<svg")
    with pytest.raises(ValueError, match="SVG only"):
        c.save(tmp_path / "c.png")


def test_short_alarm_names():
    assert chart.short_alarm("TargetTracking-service/d/w-AlarmHigh-1234") == "AlarmHigh"
    assert chart.short_alarm("TargetTracking-service/d/w-AlarmLow-1234") == "AlarmLow"
    assert chart.short_alarm("my-alarm") == "my-alarm"
