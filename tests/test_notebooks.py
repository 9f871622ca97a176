"""Workbook hygiene: every notebook in notebooks/ follows the workbook's conventions.

Running the notebooks is nbval's job (``scripts/test`` passes ``notebooks/ --nbval-lax``); these
tests check what nbval does not: names, the title cell, stripped outputs, a Python kernel.
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped(path: Path) -> None:
    dirty = [
        index
        for index, cell in enumerate(load(path)["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"code cells {dirty} keep outputs or execution counts; clear them before committing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_on_a_python_3_kernel(path: Path) -> None:
    notebook = load(path)
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
