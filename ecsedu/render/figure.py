"""``Figure``: one drawn diagram of ECS state, with its DOT, SVG, PNG and text description.

A figure is a value: it holds the DOT source and the ids of the ECS objects it draws, and renders
SVG or PNG on demand (cached). In Jupyter it displays itself inline as SVG. ``save("fig.png",
scale=2)`` writes a file, SVG or PNG by its suffix (a PNG for slides at twice the pixels).

Only what the drawing needs is computed up front. The plain-text description and the object
graph behind ``edges`` are built on first use. A figure drawn with ``stream=True`` had graphviz
reading its DOT while it was being drawn (``svg_job``); ``svg()`` then writes the ``<desc>``
while graphviz finishes, and waits.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecsedu.render.layout import Box
from ecsedu.render.svg import finish_svg, run_graphviz

__all__ = ["Edge", "Figure"]

Edge = tuple[str, str, str]

_SVG_SIZE = re.compile(r'(<svg\b[^>]*?\swidth=")([0-9.]+)(pt"\s+height=")([0-9.]+)(pt")')


@dataclass(frozen=True, eq=False)
class Figure:
    """A diagram: ``.dot``, ``.svg()``, ``.png()``, ``.describe()``, ``.nodes`` and ``.edges``.

    ``nodes`` holds the ids of the ECS objects drawn (``task-…``, ``instance-…``); ``edges``
    holds ``(source, target, relation)`` triples from the object graph among them, whether the
    relation is drawn as an arrow or as nesting. ``boxes`` gives every drawn shape's rectangle.
    ``describe_with`` and ``edges_with`` compute the description and the edges when first asked.
    """

    key: str  # e.g. "fig6-one-service"
    title: str
    caption: str
    dot: str
    theme: str
    nodes: frozenset[str]
    boxes: dict[str, Box] = field(repr=False)
    describe_with: Callable[[], str] = field(repr=False)
    edges_with: Callable[[], frozenset[Edge]] = field(repr=False)
    svg_job: Callable[[], bytes] | None = field(default=None, repr=False)  # graphviz, streamed
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def description(self) -> str:
        """The plain-text description (built once, on first use)."""
        if "description" not in self._cache:
            self._cache["description"] = self.describe_with()
        text: str = self._cache["description"]
        return text

    @property
    def edges(self) -> frozenset[Edge]:
        """Relations of the object graph between drawn objects (built once, on first use)."""
        if "edges" not in self._cache:
            self._cache["edges"] = self.edges_with()
        edges: frozenset[Edge] = self._cache["edges"]
        return edges

    def svg(self) -> str:
        """Self-contained SVG text with ``<title>`` and ``<desc>``."""
        if "svg" not in self._cache:
            if self.svg_job is None:
                raw = run_graphviz(self.dot, "svg")
            else:  # graphviz has been reading the DOT since the drawing began
                self.description  # noqa: B018 (built while graphviz finishes)
                raw = self.svg_job()
            self._cache["svg"] = finish_svg(raw, self.title, self.description)
        svg: str = self._cache["svg"]
        return svg

    def png(self, scale: float = 1.0) -> bytes:
        """PNG bytes, drawn by graphviz from the same DOT (``scale=2``: twice the pixels)."""
        key = "png" if scale == 1.0 else f"png@{scale:g}"
        if key not in self._cache:
            self._cache[key] = run_graphviz(self.dot, "png", scale=scale)
        png: bytes = self._cache[key]
        return png

    def save(self, path: str | os.PathLike[str], *, scale: float = 1.0) -> Path:
        """Write the figure to ``path``: SVG or PNG by its suffix. Returns the path.

        ``scale`` enlarges it: a PNG gets ``scale`` times the pixels in each direction, an SVG
        a ``scale`` times larger display size (its drawing is the same).
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if scale <= 0:
            raise ValueError(f"scale must be positive, not {scale}")
        if suffix == ".svg":
            svg = self.svg()
            if scale != 1.0:
                svg = _SVG_SIZE.sub(
                    lambda m: f"{m[1]}{float(m[2]) * scale:g}{m[3]}{float(m[4]) * scale:g}{m[5]}",
                    svg,
                    count=1,
                )
            target.write_text(svg, encoding="utf-8")
        elif suffix == ".png":
            target.write_bytes(self.png(scale))
        else:
            raise ValueError(f"cannot save {target.name!r}: name it .svg or .png")
        return target

    def describe(self) -> str:
        """A plain-text description of what the figure shows (its alt text)."""
        return self.description

    def nodes_of(self, kind: str) -> set[str]:
        """The drawn node ids of one kind, by id prefix (``task``, ``instance``...)."""
        return {n for n in self.nodes if n.startswith(kind + "-")}

    def html(self) -> str:
        """The SVG inline in HTML, scaled down to the width of a notebook (never cropped).

        Inline, the SVG keeps its ids, classes and tooltips live in the page; title and desc ids
        get a suffix derived from the content, so several figures on one page stay distinct.
        """
        svg = self.svg()
        svg = svg[svg.index("<svg") :]
        suffix = hashlib.sha1(svg.encode()).hexdigest()[:8]
        svg = svg.replace("figure-title", f"figure-title-{suffix}").replace(
            "figure-desc", f"figure-desc-{suffix}"
        )
        svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        return f'<div class="ecsedu-figure" style="overflow-x:auto">{svg}</div>'

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        bundle: dict[str, Any] = {
            "text/html": self.html(),
            "image/svg+xml": self.svg(),
            "text/plain": repr(self),
        }
        if include is not None:
            bundle = {k: v for k, v in bundle.items() if k in set(include)}
        if exclude is not None:
            bundle = {k: v for k, v in bundle.items() if k not in set(exclude)}
        return bundle

    def __repr__(self) -> str:
        return f"<Figure {self.key}: {len(self.nodes)} objects, theme {self.theme}>"
