"""The same notebooks run real containers: executed with ``ECSEDU_RUNTIME=docker``.

nbval runs every notebook on the simulated runtime; this runs them again against the local
Docker engine, in a namespace of their own, and checks that they leave no container behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


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
    finally:
        left = docker_client.containers.list(
            all=True, filters={"label": f"ecsedu.namespace={namespace}"}
        )
        for container in left:
            container.remove(force=True)
    assert not left, f"the notebook left containers behind: {[c.name for c in left]}"
