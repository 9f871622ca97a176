"""Rich Jupyter displays: registered with a real IPython shell, deterministic, with thumbnails."""

from __future__ import annotations

import re
import sys

import pytest

import ecsedu
from ecsedu.app import jupyter
from ecsedu.render import html

InteractiveShell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell

ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


@pytest.fixture
def shell():
    sh = InteractiveShell.instance()
    html_formatter = sh.display_formatter.formatters["text/html"]
    saved = (dict(html_formatter.type_printers), dict(html_formatter.deferred_printers))
    yield sh
    html_formatter.type_printers.clear()
    html_formatter.type_printers.update(saved[0])
    html_formatter.deferred_printers.clear()
    html_formatter.deferred_printers.update(saved[1])


def shown(sh, obj) -> str:
    data, _ = sh.display_formatter.format(obj)
    return data.get("text/html", "")


def test_without_ipython_registering_is_a_no_op(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert jupyter.register_formatters() is False


def test_snapshot_views_display_a_table_and_a_thumbnail(shell, seed):
    assert jupyter.register_formatters(shell) is True
    snap = seed.snapshot()
    pages = {
        "snapshot": shown(shell, snap),
        "cluster": shown(shell, snap.clusters[0]),
        "instance": shown(shell, snap.instances[0]),
        "service": shown(shell, snap.services[0]),
        "task": shown(shell, snap.tasks[0]),
    }
    for name, page in pages.items():
        assert "<table" in page, name
        assert "<svg" in page, name
        assert not ADDRESS.search(page), name
    assert "Cluster demo: services" in pages["snapshot"]
    assert "Service <b>web</b>" in pages["service"]
    assert "node task running" in pages["task"]
    assert "node agent connected" in pages["instance"]
    assert "desired 3" in pages["service"]
    assert "node capacity running" in pages["service"]


def test_displays_are_deterministic_and_carry_no_wall_clock_time(shell, seed):
    jupyter.register_formatters(shell)
    snap = seed.snapshot()
    first, again = shown(shell, snap), shown(shell, snap)
    assert first == again
    assert "(simulated clock)" in first
    docker = type(snap)(**{**snap.__dict__, "runtime": "docker", "time": 1_790_000_123.4})
    page = shown(shell, docker)
    assert "1790000123" not in page
    assert "2026-" not in page
    assert "docker runtime" in page


def test_a_huge_cluster_is_summarised_not_inlined(seed):
    b = seed
    inst = b.instance()
    for _ in range(html.MAX_THUMBNAIL_TASKS):
        b.task(inst, "worker", service="worker")
    page = html.snapshot_html(b.snapshot())
    assert "<svg" not in page
    assert "not inlined" in page


@pytest.mark.skipif(not hasattr(ecsedu, "connect"), reason="engine not available")
def test_connect_registers_the_control_plane_display(shell):
    from ecsedu.app import scenarios

    formatter = shell.display_formatter.formatters["text/html"]
    formatter.deferred_printers.pop(("ecsedu.engine.control_plane", "ControlPlane"), None)
    ecs = scenarios.three_services()  # ecsedu.connect() inside, with IPython loaded
    page = shown(shell, ecs)
    assert "ecsedu ECS (simulated runtime, seed 0)" in page
    # clusters, instances, task definitions, services, tasks, running
    assert "<td>1</td><td>2</td><td>3</td><td>3</td><td>6</td><td>6</td>" in page
    assert 'id="cluster&#45;demo" class="node cluster active"' in page  # live cluster view
    assert not ADDRESS.search(page)
    assert shown(shell, ecs) == page


def test_the_event_log_displays_as_a_table_newest_last(shell):
    from ecsedu.model.snapshot import EventView

    jupyter.register_formatters(shell)
    task = "arn:aws:ecs:us-east-1:123456789012:task/demo/a0116be5ab0c1681c8f8e3d0d3290a4c"
    events = [
        EventView(1, 1_767_225_600.0, "TASK_STATE", None, task, "task a0116be5 PENDING"),
        EventView(
            2,
            1_767_225_612.5,
            "SERVICE_EVENT",
            None,
            "arn:aws:ecs:us-east-1:1:service/demo/web",
            "(service web) has reached a steady state.",
            (("deployment", "ecs-svc/1"),),
        ),
    ]
    page = shown(shell, events)
    assert "<table" in page
    assert "EventView(" not in page
    assert "<th>time (UTC)</th><th>kind</th><th>subject</th><th>message</th>" in page
    assert page.index("TASK_STATE") < page.index("SERVICE_EVENT")  # newest last
    assert ">00:00:12<" in page
    assert ">task a0116be5<" in page
    assert f'title="{task}"' in page
    assert ">service web<" in page
    assert "deployment=ecs-svc/1" in page  # details on hover
    assert not ADDRESS.search(page)
    assert "TASK_STATE" in shown(shell, events[0])  # one event alone
    assert shown(shell, [1, 2, 3]) == ""  # other lists keep their plain display
    assert shown(shell, []) == ""


def test_a_long_event_log_shows_its_newest_rows(shell):
    from ecsedu.model.snapshot import EventView

    events = [EventView(i, 1_767_225_600.0 + i, "X", None, None, f"m{i}") for i in range(500)]
    page = html.events_html(events, limit=50)
    assert "450 earlier events not shown" in page
    assert ">m499<" in page
    assert ">m449<" not in page


@pytest.mark.skipif(not hasattr(ecsedu, "connect"), reason="engine not available")
def test_ecs_events_from_the_engine_display_as_a_table(shell):
    from ecsedu.app import scenarios

    jupyter.register_formatters(shell)
    ecs = scenarios.one_service_four_tasks()
    page = shown(shell, ecs.events())
    assert page.count("<tr>") == min(len(ecs.events()), html.MAX_EVENT_ROWS) + 1
    assert ">service web<" in page
