"""Workbook hygiene: every notebook in notebooks/ follows the workbook's conventions.

Running the notebooks is nbval's job (``scripts/test`` passes ``notebooks/ --nbval-lax``); these
tests check what nbval does not: names, the title cell, outputs committed only where nbval
compares them, a Python kernel, an exercise and a link onwards at the end of every lesson.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
NAME = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")
CHECKED = "# NBVAL_CHECK_OUTPUT"
#: notebooks that teach no lesson: no exercise, no checked cell
REFERENCE = {"99-glossary.ipynb"}
LESSONS = [p for p in NOTEBOOKS if p.name not in REFERENCE]


def load(path: Path) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def test_there_is_a_workbook() -> None:
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_name_is_numbered_kebab_case(path: Path) -> None:
    assert NAME.match(path.name), f"{path.name}: expected NN-kebab-case-topic.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_is_a_title_with_covers_and_you_will_see(path: Path) -> None:
    first = load(path)["cells"][0]
    text = source(first)
    assert first["cell_type"] == "markdown"
    assert text.startswith("# "), "the first cell starts with a level-1 title"
    assert "Covers" in text, "the title cell says what the notebook covers"
    assert "You will see" in text, "the title cell says what the learner will see"


def checked(cell: dict[str, Any]) -> bool:
    return cell["cell_type"] == "code" and source(cell).startswith(CHECKED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_committed_only_on_checked_cells(path: Path) -> None:
    """nbval (lax) compares the cells marked ``# NBVAL_CHECK_OUTPUT``: only they keep outputs."""
    cells = load(path)["cells"]
    stale = [
        index
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "code" and cell.get("outputs") and not checked(cell)
    ]
    assert not stale, (
        f"code cells {stale} keep outputs but are not marked {CHECKED!r}: stale outputs, "
        "clear them before committing"
    )
    counted = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and c.get("execution_count") and not checked(c)
    ]
    assert not counted, f"code cells {counted} keep execution counts; clear them"
    unrun = [i for i, c in enumerate(cells) if checked(c) and not c.get("execution_count")]
    assert not unrun, f"checked cells {unrun} need their execution count (nbval skips unrun cells)"
    empty = [i for i, c in enumerate(cells) if checked(c) and not c.get("outputs")]
    assert not empty, f"checked cells {empty} have no committed output to compare with"
    errors = [
        i
        for i, c in enumerate(cells)
        if checked(c)
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert not errors, f"checked cells {errors} committed an error"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_lesson_has_a_checked_cell(path: Path) -> None:
    marked = [c for c in load(path)["cells"] if checked(c)]
    assert marked, f"{path.name}: no cell is marked {CHECKED!r}, so nbval compares no output"


def _graded(cell: dict[str, Any]) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and "check(ecs," in source(cell)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_lesson_ends_with_an_exercise_and_a_link_onwards(path: Path) -> None:
    cells = load(path)["cells"]
    graded = [i for i, c in enumerate(cells) if _graded(c)]
    assert graded, f"{path.name}: no auto-checked exercise (a graded check(ecs, ...) cell)"
    links = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown"
        and source(c).startswith("**Next:**")
        and re.search(r"\]\(\d\d-[a-z0-9-]+\.ipynb\)", source(c))
    ]
    assert links, f"{path.name}: no '**Next:**' link to another notebook"
    assert links[-1] > graded[-1], f"{path.name}: the link onwards comes after the last exercise"
    after = [c for c in cells[links[-1] + 1 :] if c["cell_type"] == "code"]
    assert all("ecs.close" in source(c) for c in after), (
        f"{path.name}: after the link onwards only the clean-up cell may follow"
    )
    for target in re.findall(r"\]\((\d\d-[a-z0-9-]+\.ipynb)\)", source(cells[links[-1]])):
        assert (NOTEBOOKS_DIR / target).exists(), f"{path.name} links to missing {target}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_on_a_python_3_kernel(path: Path) -> None:
    notebook = load(path)
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
