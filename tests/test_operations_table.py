"""README.md's table of ECS operations is what ``python -m ecsedu operations`` generates now.

The generator reads the client itself, so an operation registered (or removed) on
``EcsClient`` without regenerating the README fails here.
"""

from __future__ import annotations

from pathlib import Path

import botocore
import pytest

import ecsedu
from ecsedu import errors
from ecsedu.app.cli import operations

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_the_readme_block_is_what_the_generator_writes() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.find(operations.BEGIN), text.find(operations.END)
    assert 0 <= start < end, f"README.md has no {operations.BEGIN} ... {operations.END} block"
    current = text[start : end + len(operations.END)]
    assert current == operations.block(), (
        f"README.md's operations table is out of date: run `{operations.COMMAND}`"
    )


def test_every_operation_has_one_row_and_the_right_answer() -> None:
    client = ecsedu.connect()
    model = errors.service_model()
    rows = operations.rows()
    assert [r[0] for r in rows] == sorted(model.operation_names)
    for op, method, implemented, note in rows:
        assert method == botocore.xform_name(op)
        assert implemented == hasattr(client, method), op
        assert (note == "") == implemented, op
    left_out = {op: note for op, _, done, note in rows if not done}
    assert left_out.get("CreateDaemon", "").startswith("daemons")
    assert left_out.get("CreateGateway", "").startswith("gateways")
    assert left_out.get("ExecuteCommand", "").startswith("ECS Exec")


def test_the_check_notices_a_stale_block(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(
        f"# x\n\n{operations.BEGIN}\n| `Old` | `old` | yes |\n{operations.END}\n", encoding="utf-8"
    )
    problem = operations.check(stale)
    assert problem is not None
    assert operations.COMMAND in problem
    assert operations.update(stale) is True
    assert operations.check(stale) is None
    assert operations.update(stale) is False
    assert stale.read_text(encoding="utf-8").startswith("# x\n\n")


def test_the_command_line_prints_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    from ecsedu.app.cli import main

    assert main(["operations"]) == 0
    out = capsys.readouterr().out
    assert "| `RunTask` | `run_task` | yes |" in out
    assert main(["operations", "--check"]) == 0
