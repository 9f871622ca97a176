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
