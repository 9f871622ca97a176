"""``Figure``: one drawn diagram of ECS state, with its DOT, SVG, PNG and text description.

A figure is a value: it holds the DOT source and the ids of the ECS objects it draws, and renders
SVG or PNG on demand (cached). In Jupyter it displays itself inline as SVG.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ecsedu.render.layout import Box
from ecsedu.render.svg import finish_svg, run_graphviz

__all__ = ["Figure"]


@dataclass(frozen=True, eq=False)
class Figure:
    """A diagram: ``.dot``, ``.svg()``, ``.png()``, ``.describe()``, ``.nodes`` and ``.edges``.

    ``nodes`` holds the ids of the ECS objects drawn (``task-…``, ``instance-…``); ``edges``
    holds ``(source, target, relation)`` triples from the object graph among them, whether the
    relation is drawn as an arrow or as nesting. ``boxes`` gives every drawn shape's rectangle.
    """

    key: str  # e.g. "fig6-one-service-two-instances"
    title: str
    caption: str
    dot: str
    description: str
    theme: str
    nodes: frozenset[str]
    edges: frozenset[tuple[str, str, str]]
    boxes: dict[str, Box] = field(repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def svg(self) -> str:
        """Self-contained SVG text with ``<title>`` and ``<desc>``."""
        if "svg" not in self._cache:
            raw = run_graphviz(self.dot, "svg").decode("utf-8")
            self._cache["svg"] = finish_svg(raw, self.title, self.description)
        svg: str = self._cache["svg"]
        return svg

    def png(self) -> bytes:
        """PNG bytes, drawn by graphviz from the same DOT."""
        if "png" not in self._cache:
            self._cache["png"] = run_graphviz(self.dot, "png")
        png: bytes = self._cache["png"]
        return png

    def describe(self) -> str:
        """A plain-text description of what the figure shows (its alt text)."""
        return self.description

    def nodes_of(self, kind: str) -> set[str]:
        """The drawn node ids of one kind, by id prefix (``task``, ``instance``...)."""
        return {n for n in self.nodes if n.startswith(kind + "-")}

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        bundle: dict[str, Any] = {"image/svg+xml": self.svg(), "text/plain": repr(self)}
        if include is not None:
            bundle = {k: v for k, v in bundle.items() if k in set(include)}
        if exclude is not None:
            bundle = {k: v for k, v in bundle.items() if k not in set(exclude)}
        return bundle

    def __repr__(self) -> str:
        return f"<Figure {self.key}: {len(self.nodes)} objects, theme {self.theme}>"
