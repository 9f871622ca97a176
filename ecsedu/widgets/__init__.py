"""Interactive widgets (ipywidgets) over the engine: the top layer.

``Dashboard(ecs, cluster="demo")`` shows one cluster live, with controls that call the public
ECS API, the events, the tasks, "Why here?" and a history slider. Widgets call only the public
client and draw with ``ecsedu.render``; nothing below imports them (import-linter holds this).
"""

from __future__ import annotations

from ecsedu.widgets.dashboard import Dashboard

__all__ = ["Dashboard"]
