"""``python -m ecsedu dashboard``: serve notebook 08's live dashboard as an app (Voila).

Voila runs ``notebooks/08-the-whole-model.ipynb`` without its code, showing the figures and the
dashboard, in the projector theme (``ECSEDU_THEME=projector``: high contrast for classrooms), on
the loopback only. ``ECSEDU_RUNTIME=docker`` makes it drive real containers.

usage: python -m ecsedu dashboard [--port 8866] [--theme projector|light|dark] [--notebook PATH]
                                  [--open]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ecsedu.render.style import THEMES

__all__ = ["main", "voila_command"]

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "08-the-whole-model.ipynb"
HOST = "127.0.0.1"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ecsedu dashboard",
        description="Serve notebook 08's live dashboard with Voila on 127.0.0.1.",
    )
    p.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    p.add_argument("--theme", default="projector", choices=sorted(THEMES))
    p.add_argument("--notebook", default=str(NOTEBOOK), help="the notebook to serve")
    p.add_argument("--open", action="store_true", help="open a browser as well")
    return p


def voila_command(notebook: str, port: int, *, open_browser: bool = False) -> list[str]:
    """The Voila command line: loopback only, no tracebacks shown to the audience."""
    command = [
        sys.executable,
        "-m",
        "voila",
        notebook,
        f"--Voila.ip={HOST}",
        f"--port={port}",
        "--theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
    ]
    if not open_browser:
        command.append("--no-browser")
    return command


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    notebook = Path(args.notebook)
    if not notebook.is_file():
        print(f"ecsedu dashboard: no notebook at {notebook}", file=sys.stderr)
        return 2
    import importlib.util

    if importlib.util.find_spec("voila") is None:
        print(
            "ecsedu dashboard: Voila is not installed (pip install -r requirements-dev.txt)",
            file=sys.stderr,
        )
        return 2
    env = {**os.environ, "ECSEDU_THEME": args.theme}
    print(f"ecsedu dashboard: serving {notebook.name} on http://{HOST}:{args.port}/ (Ctrl+C stops)")
    try:
        return subprocess.call(
            voila_command(str(notebook), args.port, open_browser=args.open),
            env=env,
            cwd=str(notebook.parent),
        )
    except KeyboardInterrupt:
        return 0
