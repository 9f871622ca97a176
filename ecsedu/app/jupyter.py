"""Rich displays in Jupyter for ECS state: the control plane, snapshots, clusters, services,
container instances and tasks show a small table and a thumbnail instead of a dataclass repr.

The snapshot views live in the model layer, which must never import the render layer (see the
import-linter contracts), so they cannot carry ``_repr_html_`` themselves. This module sits above
the layers, like ``ecsedu/app/connect.py``, and registers ``text/html`` formatters with IPython
from the outside. ``ecsedu.connect()`` calls ``register_formatters()``; outside IPython it does
nothing.

Registration is by module and class name (``for_type_by_name``), so it imports neither the engine
nor graphviz-related code until something is actually displayed.

``ecs.events()`` returns a plain list of ``EventView``: a formatter for ``list`` shows such a list
as a table of time, kind, subject and message (newest last, as the log is ordered) and declines
every other list (IPython then shows its usual text).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

__all__ = ["FORMATTERS", "register_formatters"]


def _snapshot(obj: Any) -> str:
    from ecsedu.render.html import snapshot_html

    return snapshot_html(obj)


def _cluster(obj: Any) -> str:
    from ecsedu.render.html import cluster_html

    return cluster_html(obj)


def _instance(obj: Any) -> str:
    from ecsedu.render.html import instance_html

    return instance_html(obj)


def _service(obj: Any) -> str:
    from ecsedu.render.html import service_html

    return service_html(obj)


def _task(obj: Any) -> str:
    from ecsedu.render.html import task_html

    return task_html(obj)


def _event(obj: Any) -> str:
    from ecsedu.render.html import event_html

    return event_html(obj)


def _event_list(obj: Any) -> str | None:
    """A non-empty list of ``EventView`` (``ecs.events()``) as a table; None for other lists."""
    from ecsedu.model.snapshot import EventView

    if not obj or not all(isinstance(e, EventView) for e in obj):
        return None
    from ecsedu.render.html import events_html

    return events_html(obj)


def _control_plane(obj: Any) -> str:
    """``ecs`` itself: its counts and the live view of its first cluster."""
    from ecsedu.render.html import control_plane_html

    snapshot = obj.snapshot()
    name = f"ecsedu ECS ({snapshot.runtime} runtime, seed {obj.seed})"
    return control_plane_html(snapshot, name)


_MODEL = "ecsedu.model.snapshot"

# (module, class name, formatter): what is displayed how.
FORMATTERS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    (_MODEL, "Snapshot", _snapshot),
    (_MODEL, "ClusterView", _cluster),
    (_MODEL, "InstanceView", _instance),
    (_MODEL, "ServiceView", _service),
    (_MODEL, "TaskView", _task),
    ("ecsedu.engine.control_plane", "ControlPlane", _control_plane),
    ("ecsedu.engine.clients.ecs", "EcsClient", _control_plane),
)


def _running_shell() -> Any:
    if "IPython" not in sys.modules:  # IPython is not running, so nothing displays HTML
        return None
    from IPython import get_ipython

    return get_ipython()


def register_formatters(shell: Any = None) -> bool:
    """Register the ``text/html`` displays with IPython's shell (default: the running one).

    Returns True if they were registered, False when no IPython shell is running. Calling it
    again is harmless: each registration replaces the previous one.
    """
    shell = shell if shell is not None else _running_shell()
    if shell is None:
        return False
    html = shell.display_formatter.formatters["text/html"]
    for module, name, formatter in FORMATTERS:
        html.for_type_by_name(module, name, formatter)
    from ecsedu.model.snapshot import EventView  # the model only: cheap, and wherever it lives

    html.for_type(EventView, _event)
    html.for_type(list, _event_list)
    return True
