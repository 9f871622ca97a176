"""``python -m ecsedu`` / ``ecsedu``: the command line.

Subcommands are thin: each one hands its arguments to a ``main(argv)`` in the module that owns
the work, imported lazily so that ``ecsedu --help`` needs none of the optional dependencies.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "diagrams": ("ecsedu.app.cli.diagrams", "regenerate the article's figures (diagrams/)"),
    "dashboard": ("ecsedu.app.cli.dashboard", "serve notebook 08's live dashboard (Voila)"),
    "images": ("ecsedu.runtimes.docker.images", "build the offline demo images (ecsedu/web, ...)"),
    "cleanup": ("ecsedu.runtimes.docker.cleanup", "remove containers that carry ecsedu's labels"),
    "serve": ("ecsedu.app.cli.serve", "serve ECS's API to a classroom (an account per learner)"),
    "operations": ("ecsedu.app.cli.operations", "the table of ECS operations (README.md)"),
}


def usage() -> str:
    lines = ["usage: python -m ecsedu COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"ecsedu: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    code: int = module.main(rest)
    return code
