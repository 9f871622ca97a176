"""The same notebooks run real containers: executed with ``ECSEDU_RUNTIME=docker``.

nbval runs every notebook on the simulated runtime; this runs them again against the local
Docker engine, in a namespace of their own, and checks that they leave no container behind.
The cells marked ``# NBVAL_CHECK_OUTPUT`` must print here what nbval compares on the simulated
runtime (the committed outputs, sanitised with notebooks/nbval-sanitize.cfg): the checked cells
show what ECS does, the same on both runtimes.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CHECKED = "# NBVAL_CHECK_OUTPUT"


def _sanitizers() -> list[tuple[re.Pattern[str], str]]:
    config = configparser.ConfigParser()
    config.read(NOTEBOOKS_DIR / "nbval-sanitize.cfg")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def _text(cell: dict[str, Any]) -> str:
    """What nbval compares of a cell, as one sanitised string: streams and text/plain results."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(f"[{output['name']}] " + "".join(output["text"]))
        elif output["output_type"] in ("execute_result", "display_data"):
            parts.append("[result] " + "".join(output["data"].get("text/plain", "")))
        else:
            parts.append(f"[{output['output_type']}]")
    text = "".join(parts)
    for regex, replace in _sanitizers():
        text = regex.sub(replace, text)
    return text


def _checked(cells: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {
        i: c
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and "".join(c["source"]).startswith(CHECKED)
    }


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_real_containers(path: Path, docker_client: Any, tmp_path: Path) -> None:
    namespace = f"nb-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ECSEDU_RUNTIME": "docker", "ECSEDU_NAMESPACE": namespace}
    out = tmp_path / path.name
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=300", str(path), "--output", str(out)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr[-3000:]
        cells = json.loads(out.read_text())["cells"]
        outputs = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
        text = "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")
        assert "runtime: docker" in text
        assert not [o for o in outputs if o["output_type"] == "error"]
        committed = _checked(json.loads(path.read_text())["cells"])
        ran = _checked(cells)
        assert ran.keys() == committed.keys()
        differ = {
            i: (_text(committed[i]), _text(ran[i]))
            for i in committed
            if _text(committed[i]) != _text(ran[i])
        }
        assert not differ, f"checked cells print otherwise on Docker (simulated, docker): {differ}"
    finally:
        left = docker_client.containers.list(
            all=True, filters={"label": f"ecsedu.namespace={namespace}"}
        )
        for container in left:
            container.remove(force=True)
    assert not left, f"the notebook left containers behind: {[c.name for c in left]}"
