"""Figures for slides: a global theme switch, projector type, saving scaled files, and the
diagrams command's --state, --only and --scale."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

import ecsedu
from ecsedu.render import figures, style

SVG = "{http://www.w3.org/2000/svg}"
needs_engine = pytest.mark.skipif(not hasattr(ecsedu, "connect"), reason="engine not available")


@pytest.fixture(autouse=True)
def no_theme_chosen(monkeypatch):
    monkeypatch.delenv(style.THEME_ENV, raising=False)
    style.set_theme(None)
    yield
    style.set_theme(None)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# -- the switch ---------------------------------------------------------------------------------
def test_set_theme_is_used_when_no_theme_is_passed(seed):
    snap = seed.snapshot()
    assert figures.cluster_view(snap).theme == "light"
    ecsedu.set_theme("projector")
    assert figures.cluster_view(snap).theme == "projector"
    assert figures.draw(4, snap).theme == "projector"
    assert figures.cluster_view(snap, theme="dark").theme == "dark"  # an explicit theme wins
    ecsedu.set_theme(None)
    assert figures.cluster_view(snap).theme == "light"


def test_the_environment_variable_chooses_too_but_set_theme_wins(seed, monkeypatch):
    snap = seed.snapshot()
    monkeypatch.setenv("ECSEDU_THEME", "dark")
    assert figures.cluster_view(snap).theme == "dark"
    ecsedu.set_theme("projector")
    assert figures.cluster_view(snap).theme == "projector"
    monkeypatch.setenv("ECSEDU_THEME", "neon")
    ecsedu.set_theme(None)
    with pytest.raises(ValueError, match="ECSEDU_THEME='neon'"):
        figures.cluster_view(snap)


def test_an_unknown_theme_is_refused_at_once():
    with pytest.raises(ValueError, match="unknown theme 'neon'"):
        ecsedu.set_theme("neon")
    assert style.current_theme().name == "light"


def test_cards_and_notebook_displays_follow_the_switch(seed):
    from ecsedu.render.cards import task_card
    from ecsedu.render.html import snapshot_html

    ecsedu.set_theme("dark")
    assert task_card(seed.snapshot().tasks[0]).theme == "dark"
    assert 'fill="#16191d"' in snapshot_html(seed.snapshot())


# -- projector type -----------------------------------------------------------------------------
def font_sizes(svg: str) -> dict[tuple[str, int], float]:
    """Font size of every text, keyed by its node id and position in the node."""
    root = ET.fromstring(svg.encode())
    sizes = {}
    for group in root.iter(f"{SVG}g"):
        if "node" not in (group.get("class") or "").split():
            continue
        for i, text in enumerate(group.iter(f"{SVG}text")):
            sizes[(group.get("id"), i)] = float(text.get("font-size"))
    return sizes


@pytest.mark.parametrize("number", range(1, 9))
def test_projector_type_is_at_least_1_4_times_the_light_themes(seed, number):
    snap = seed.snapshot()
    light = font_sizes(figures.draw(number, snap, theme="light").svg())
    projector = font_sizes(figures.draw(number, snap, theme="projector").svg())
    common = set(light) & set(projector)
    assert len(common) > 10
    small = {k: (light[k], projector[k]) for k in common if projector[k] < 1.4 * light[k]}
    assert not small


def test_projector_labels_still_fit_their_boxes(seed):
    """Bigger type in boxes that grow less: nothing the learner needs is cut short."""
    fig = figures.cluster_services(seed.snapshot(), 8, theme="projector")
    for task in seed.tasks:
        for c in task.containers:
            assert f"{c.name} · {c.image}" in fig.dot
    assert "gauge: reserved / registered" in fig.dot


# -- Figure.save --------------------------------------------------------------------------------
def test_save_writes_svg_or_png_by_suffix_and_scales(seed, tmp_path):
    fig = figures.cluster_services(seed.snapshot(), 6)
    svg = fig.save(tmp_path / "fig.svg")
    assert svg.read_text(encoding="utf-8") == fig.svg()
    one = png_size(fig.save(tmp_path / "fig.png").read_bytes())
    two = png_size(fig.save(tmp_path / "fig@2x.PNG", scale=2).read_bytes())
    assert abs(two[0] - 2 * one[0]) <= 2
    assert abs(two[1] - 2 * one[1]) <= 2
    big = fig.save(tmp_path / "big.svg", scale=2).read_text(encoding="utf-8")
    width = re.search(r'<svg width="([0-9.]+)pt"', fig.svg())
    assert width is not None
    assert f'<svg width="{float(width[1]) * 2:g}pt"' in big
    assert fig.svg().split("viewBox", 1)[1][:40] == big.split("viewBox", 1)[1][:40]
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        fig.save(tmp_path / "fig.gif")
    with pytest.raises(ValueError, match="positive"):
        fig.save(tmp_path / "fig.png", scale=0)


# -- the diagrams command -----------------------------------------------------------------------
@needs_engine
def test_cli_draws_a_saved_state_only_the_figures_asked_for_and_scaled(tmp_path):
    from ecsedu.app import scenarios
    from ecsedu.app.cli import diagrams as cli

    ecs = scenarios.one_service_four_tasks()
    ecs.update_service(cluster="demo", service="web", desiredCount=10)
    ecs.advance(120)
    state = tmp_path / "state.json"
    ecs.save(str(state))
    out = tmp_path / "out"
    args = ["--state", str(state), "--only", "6,4", "--out", str(out), "--scale", "2"]
    assert cli.main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "fig4-service-scaling.png",
        "fig4-service-scaling.svg",
        "fig6-one-service.png",
        "fig6-one-service.svg",
    ]  # no README: the index is for the article's scenarios
    svg = (out / "fig6-one-service.svg").read_text(encoding="utf-8")
    assert "1 Service running 10 Tasks across 2 ECS Container Instances" in svg
    small = figures.draw(6, ecsedu.connect(state=str(state))).png()
    big = png_size((out / "fig6-one-service.png").read_bytes())
    assert abs(big[0] - 2 * png_size(small)[0]) <= 2


@needs_engine
def test_cli_writes_next_to_the_state_file_by_default(tmp_path, monkeypatch):
    from ecsedu.app import scenarios
    from ecsedu.app.cli import diagrams as cli

    state = tmp_path / "lesson.json"
    scenarios.three_services().save(str(state))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--state", str(state), "--only", "8", "--format", "svg"]) == 0
    assert [p.name for p in (tmp_path / "lesson-diagrams").iterdir()] == ["fig8-three-services.svg"]


@pytest.mark.parametrize(
    "args",
    [
        ["--only", "9"],
        ["--only", "six"],
        ["--only", ","],
        ["--scale", "0"],
        ["--state", "no-such-state.json"],
    ],
)
def test_cli_refuses_bad_options(tmp_path, args, capsys):
    from ecsedu.app.cli import diagrams as cli

    assert cli.main(["--out", str(tmp_path / "x"), *args]) == 2
    assert "diagrams:" in capsys.readouterr().out
    assert not (tmp_path / "x").exists()


@needs_engine
def test_cli_reports_an_unknown_cluster(tmp_path, capsys):
    from ecsedu.app.cli import diagrams as cli

    assert cli.main(["--out", str(tmp_path), "--only", "6", "--cluster", "dmeo"]) == 2
    assert "did you mean 'demo'" in capsys.readouterr().out
