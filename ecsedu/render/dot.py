"""A canvas that writes graphviz DOT with every node pinned where the layout put it.

Each ECS object becomes one DOT node whose ``pos`` (points), ``width`` and ``height`` come from
``layout.py``; its DOT name is its stable id (``task-<id>``), which graphviz copies into the
SVG group's ``id``, and its ``class`` names its kind and status (``task running``), so tests and
stylesheets can find it. Nesting (containers inside tasks, tasks inside container instances) is
drawn by stacking: a node drawn later sits on top of the nodes drawn before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecsedu.render.layout import Box
from ecsedu.render.style import Theme

__all__ = ["Canvas", "quote"]


def quote(text: str, align: str = "c") -> str:
    """A DOT double-quoted string; newlines become line breaks, centred or left-aligned (l)."""
    if align == "c" and '"' not in text and "\\" not in text and "\n" not in text:
        return f'"{text}"'
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if align == "l":
        return '"' + escaped.replace("\n", "\\l") + '\\l"'
    return '"' + escaped.replace("\n", "\\n") + '"'


def _fmt(value: float) -> str:
    return f"{value:.2f}"


@dataclass
class Canvas:
    """Collects pinned nodes and edges, then writes them as one DOT digraph."""

    theme: Theme
    name: str = "ecsedu"
    nodes: set[str] = field(default_factory=set)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    boxes: dict[str, Box] = field(default_factory=dict)
    _lines: list[str] = field(default_factory=list)
    _edge_lines: list[str] = field(default_factory=list)

    def node(
        self,
        node_id: str,
        box: Box,
        label: str = "",
        *,
        cls: str,
        fill: str | None = None,
        stroke: str | None = None,
        line: str = "solid",
        fontcolor: str | None = None,
        fontsize: float | None = None,
        labelloc: str = "c",
        semantic: bool = True,
        rounded: bool = False,
        penwidth: float | None = None,
        bold: bool = False,
        tooltip: str | None = None,
        align: str = "c",
        margin: str | None = None,
    ) -> None:
        """Draw a box (optionally labelled) and, if ``semantic``, record ``node_id`` as drawn."""
        t = self.theme
        style = line
        if fill is not None:
            style += ",filled"
        if rounded:
            style += ",rounded"
        attrs = (
            f'id="{node_id}" class="{cls}" pos="{box.cx:.2f},{-box.cy:.2f}" '
            f'width="{box.w / 72:.4f}" height="{box.h / 72:.4f}" label={quote(label, align)} '
            f'style="{style}" color="{stroke or "transparent"}"'
        )
        if fill is not None:
            attrs += f' fillcolor="{fill}"'
        if fontcolor is not None and fontcolor != t.foreground:
            attrs += f' fontcolor="{fontcolor}"'
        if fontsize is not None and fontsize != t.font_size:
            attrs += f" fontsize={_fmt(fontsize)}"
        if labelloc != "c":
            attrs += f" labelloc={labelloc}"
        if penwidth is not None:
            attrs += f" penwidth={_fmt(penwidth)}"
        if bold:
            attrs += f' fontname="{t.font} Bold"'
        if tooltip is not None:
            attrs += f" tooltip={quote(tooltip)}"
        if margin is not None:
            attrs += f' margin="{margin}"'
        self._lines.append(f'"{node_id}" [{attrs}];')
        self.boxes[node_id] = box
        if semantic:
            self.nodes.add(node_id)

    def text(
        self,
        node_id: str,
        box: Box,
        label: str,
        *,
        cls: str = "text",
        fontcolor: str | None = None,
        fontsize: float | None = None,
        bold: bool = False,
        align: str = "c",
    ) -> None:
        """Draw free text (no outline) in ``box``, centred or left-aligned (``align="l"``)."""
        self.node(
            node_id,
            box,
            label,
            cls=cls,
            fontcolor=fontcolor,
            fontsize=fontsize,
            semantic=False,
            bold=bold,
            align=align,
        )

    def edge(
        self,
        src: str,
        dst: str,
        relation: str,
        *,
        label: str = "",
        line: str = "solid",
        colour: str | None = None,
        semantic: bool = True,
    ) -> None:
        """Draw an arrow ``src -> dst`` for ``relation`` (both ends must already be drawn)."""
        attrs = [
            f'id="edge-{relation}-{src}-{dst}"',
            f'class="edge {relation}"',
            f'color="{colour or self.theme.edge}"',
            f'style="{line}"',
        ]
        if label:
            attrs.append(f"label={quote(label)}")
        self._edge_lines.append(f"{quote(src)} -> {quote(dst)} [{' '.join(attrs)}];")
        if semantic:
            self.edges.add((src, dst, relation))

    def to_dot(self) -> str:
        t = self.theme
        head = [
            f"digraph {quote(self.name)} {{",
            f'graph [bgcolor="{t.background}" splines=line pad="0.25" '
            f'fontname="{t.font}" outputorder=nodesfirst];',
            f'node [shape=box fixedsize=true fontname="{t.font}" fontsize={_fmt(t.font_size)} '
            f'fontcolor="{t.foreground}" penwidth={_fmt(t.pen_width)}];',
            f'edge [penwidth={_fmt(t.pen_width)} arrowsize=0.7 fontname="{t.font}" '
            f'fontsize={_fmt(t.font_size - 1)} fontcolor="{t.muted}"];',
        ]
        return "\n".join([*head, *self._lines, *self._edge_lines, "}"]) + "\n"
