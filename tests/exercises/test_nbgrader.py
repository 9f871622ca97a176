"""nbgrader accepts the workbook: valid cell metadata, and its validator grades the exercises.

Static: nbgrader's own metadata validator (schema 3, unique grade ids, points on graded cells).
Executed: ``nbgrader validate`` (its ``Validator`` API) on a notebook as committed, without outputs:
an unanswered prediction makes the check cell fail (ecsedu raises only under nbgrader), and the
right predictions make it pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbgraderformat = pytest.importorskip("nbgrader.nbgraderformat")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: the right prediction for every exercise, as the notebooks set the scene
ANSWERS = {
    "00-scale-out": "8",
    "01-containers": "6",
    "02-revision": "1",
    "03-stop-code": '"EssentialContainerExited"',
    "04-drain": "4",
    "05-agent": "8",
    "06-fifth-task": '"medium"',
    "06-constrained": '"nowhere"',
    "07-rollback": "2",
    "08-whole-drain": "7",
    "09-spot": "3",
}


def graded(nb: Any) -> list[dict[str, Any]]:
    return [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]


def with_answers(nb: Any) -> Any:
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            exercise = meta["grade_id"].removesuffix("-prediction")
            cell.source = f"answer = {ANSWERS[exercise]}"
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbgrader_metadata_is_valid(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbgraderformat.MetadataValidator().validate_nb(nb)  # raises ValidationError when invalid
    for meta in graded(nb):
        assert meta["schema_version"] == 3
        if meta["grade"]:
            assert meta["locked"]
            assert meta["points"] > 0


def test_every_exercise_is_graded_once() -> None:
    ids = [
        m["grade_id"].removesuffix("-check")
        for path in NOTEBOOKS
        for m in graded(nbformat.read(path, as_version=4))
        if m["grade"]
    ]
    assert sorted(ids) == sorted(ANSWERS)


def validate(nb: Any, tmp_path: Path) -> dict[str, Any]:
    from nbgrader.validator import Validator

    target = tmp_path / "submission.ipynb"
    nbformat.write(nb, target)
    result: dict[str, Any] = Validator().validate(str(target))
    return result


@pytest.mark.slow
@pytest.mark.notebook
def test_nbgrader_validate_fails_an_unanswered_notebook(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS_DIR / "04-services.ipynb", as_version=4)
    result = validate(nb, tmp_path)
    assert [f["source"] for f in result.get("failed", [])] == ['check(ecs, "04-drain", answer)']


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize(
    "path",
    [p for p in NOTEBOOKS if graded(nbformat.read(p, as_version=4))],
    ids=lambda p: p.name,
)
def test_nbgrader_validate_passes_the_right_answers(path: Path, tmp_path: Path) -> None:
    nb = with_answers(nbformat.read(path, as_version=4))
    assert validate(nb, tmp_path) == {}
