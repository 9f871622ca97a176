"""Interactive widgets (ipywidgets) over the engine: the top layer.

Widgets may call the control plane and draw with ``ecsedu.render``; nothing below imports them
(import-linter holds this). The dashboard arrives with the workbook; until then the package only
anchors the layer contract in ``pyproject.toml``.
"""
