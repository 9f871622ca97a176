"""The README's "Notebooks" table lists exactly the notebooks that exist (pymc-examples' TOC check)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def notebooks_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Notebooks\s*$(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, 'README.md has no "## Notebooks" section'
    return match.group(1)


def listed_notebooks() -> set[str]:
    rows = [line for line in notebooks_section().splitlines() if line.lstrip().startswith("|")]
    return {name for row in rows for name in re.findall(r"notebooks/([\w.-]+\.ipynb)", row)}


def test_every_notebook_is_listed_in_the_readme_table() -> None:
    present = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
    missing = sorted(present - listed_notebooks())
    assert not missing, f"add these notebooks to README.md's Notebooks table: {missing}"


def test_the_readme_table_lists_only_existing_notebooks() -> None:
    present = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
    stale = sorted(listed_notebooks() - present)
    assert not stale, f"README.md's Notebooks table names notebooks that do not exist: {stale}"


def test_readme_names_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make lab" in text
    assert "make test" in text


def test_the_readme_python_examples_run_and_print_what_they_promise(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ```python block runs as written (simulated runtime); a trailing ``# output`` comment
    after a print is what it prints."""
    monkeypatch.delenv("ECSEDU_RUNTIME", raising=False)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "README.md has no python examples"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 (our own README)
        promised = re.findall(r"^# (\(service .*)$", block, flags=re.MULTILINE)
        printed = capsys.readouterr().out
        for line in promised:
            assert line in printed, f"README promises {line!r}, the example printed {printed!r}"
