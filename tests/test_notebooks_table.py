"""The README's Notebooks table lists every notebook in notebooks/, in order, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"^\| \[notebooks/([^\]]+\.ipynb)\]\(notebooks/([^)]+\.ipynb)\) \|")


def table_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Notebooks\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        match = LINK.match(line)
        if match:
            assert match.group(1) == match.group(2), f"link text and target differ: {line}"
            rows.append(match.group(1))
    return rows


def test_the_table_lists_every_notebook_in_order() -> None:
    on_disk = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert table_rows() == on_disk, (
        "README.md's Notebooks table and notebooks/ disagree: add or remove rows "
        f"(table: {table_rows()}, notebooks/: {on_disk})"
    )
