"""A canvas that writes graphviz DOT with every node pinned where the layout put it.

Each ECS object becomes one DOT node whose ``pos`` (points), ``width`` and ``height`` come from
``layout.py`` (layout units, times the theme's ``scale`` in points; fonts are in points); its
DOT name is its stable id (``task-<id>``), which graphviz copies into the
SVG group's ``id``, and its ``class`` names its kind and status (``task running``), so tests and
stylesheets can find it. Nesting (containers inside tasks, tasks inside container instances) is
drawn by stacking: a node drawn later sits on top of the nodes drawn before it.

Two things graphviz does not do for pinned, fixed-size boxes are done here: a title at the top
of a box (``labelloc=t``) would touch its outline, so short boxes get their label centred and
lifted with trailing line breaks (``top_padding``) and tall frames get their title as a text
node of its own. Shapes drawn by the thousand (tasks, containers) take ``emit``, a fast path with
the style worked out once (``look``). With a ``stream`` the DOT goes to graphviz as it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from ecsedu.render.layout import Box
from ecsedu.render.style import Theme
from ecsedu.render.svg import GraphvizStream

__all__ = ["Canvas", "quote"]


def quote(text: str, align: str = "c") -> str:
    """A DOT double-quoted string; newlines become line breaks, centred or left-aligned (l)."""
    if align == "c" and '"' not in text and "\\" not in text and "\n" not in text:
        return f'"{text}"'
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if align == "l":
        return '"' + escaped.replace("\n", "\\l") + '\\l"'
    return '"' + escaped.replace("\n", "\\n") + '"'


# DejaVu Sans in graphviz, per point of font size: the distance between two text lines and the
# ascent of the first line. An empty line is int(1.2 * size) points high.
_LINE, _ASCENT = 1.1, 0.8


@lru_cache(maxsize=1024)
def top_padding(height: float, size: float, lines: int) -> str:
    """Trailing line breaks that lift a centred label to the top of a (short) fixed-size box.

    graphviz ignores a fixed-size node's margin, so a top-aligned (``labelloc=t``) label touches
    the outline. Centring the label with empty lines below it leaves a gap of about one cap
    height instead. (Each trailing line break after the first lifts the label by half an empty
    line.)
    """
    empty = int(1.2 * size)
    first = height / 2 - lines * _LINE * size / 2 + _ASCENT * size  # first baseline, centred
    extra = max(0, round((first - 1.35 * size) / (empty / 2)))
    while extra and lines * _LINE * size + extra * empty > height:  # must fit in the box
        extra -= 1
    return "\n" * (extra + 1) if extra else ""


_BATCH = 200  # DOT lines sent to a streaming graphviz at a time


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
    _looks: dict[tuple[object, ...], str] = field(default_factory=dict)
    _sizes: dict[tuple[float, float], str] = field(default_factory=dict)
    stream: GraphvizStream | None = None  # graphviz reading the DOT while it is being drawn
    _sent: int = 0  # how many of _lines the stream has had

    def __post_init__(self) -> None:
        if self.stream is not None:
            self.stream.write("\n".join(self._head()) + "\n")

    def _look(
        self,
        fill: str | None,
        stroke: str | None,
        line: str,
        fontcolor: str | None,
        fontsize: float | None,
        labelloc: str,
        rounded: bool,
        penwidth: float | None,
        bold: bool,
        peripheries: int,
    ) -> str:
        """The style attributes of a node (shared by every node that looks the same)."""
        t = self.theme
        style = line
        if fill is not None:
            style += ",filled"
        if rounded:
            style += ",rounded"
        attrs = f'style="{style}" color="{stroke or "transparent"}"'
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
        if peripheries != 1:
            attrs += f" peripheries={peripheries}"
        return attrs

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
        peripheries: int = 1,
        tooltip: str | None = None,
        align: str = "c",
        margin: str | None = None,
    ) -> None:
        """Draw a box (optionally labelled) and, if ``semantic``, record ``node_id`` as drawn."""
        title = ""
        scale = self.theme.scale
        if labelloc == "t" and label:
            points = fontsize if fontsize is not None else self.theme.font_size
            lines = label.count("\n") + 1
            if box.h * scale > (lines + 6) * _LINE * points:  # a frame: its title on its own
                title, label = label, ""
            else:
                label += top_padding(box.h * scale, points, lines)
            labelloc = "c"
        key = (
            fill,
            stroke,
            line,
            fontcolor,
            fontsize,
            labelloc,
            rounded,
            penwidth,
            bold,
            peripheries,
        )
        look = self._looks.get(key)
        if look is None:
            look = self._looks[key] = self._look(*key)
        if margin is not None:
            look += f' margin="{margin}"'
        tip = None if tooltip is None else quote(tooltip)
        self.emit(node_id, box, quote(label, align), cls, look, tip, semantic)
        if title:
            points = fontsize if fontsize is not None else self.theme.font_size
            height = ((title.count("\n") + 1) * _LINE * points + points) / scale
            self.node(
                f"{node_id}-title",
                Box(box.x, box.y + 0.3 * points / scale, box.w, height),
                title,
                cls="title",
                fontcolor=fontcolor,
                fontsize=fontsize,
                bold=bold,
                semantic=False,
                align=align,
            )

    def look(
        self,
        *,
        fill: str | None = None,
        stroke: str | None = None,
        line: str = "solid",
        fontcolor: str | None = None,
        fontsize: float | None = None,
        rounded: bool = False,
        penwidth: float | None = None,
        bold: bool = False,
        peripheries: int = 1,
    ) -> str:
        """The style attributes for ``emit`` (what ``node`` works out on every call)."""
        key = (fill, stroke, line, fontcolor, fontsize, "c", rounded, penwidth, bold, peripheries)
        look = self._looks.get(key)
        if look is None:
            look = self._looks[key] = self._look(*key)
        return look

    def emit(
        self,
        node_id: str,
        box: Box,
        label: str,
        cls: str,
        look: str,
        tooltip: str | None = None,
        semantic: bool = True,
    ) -> None:
        """The fast path of ``node`` for shapes drawn by the thousand (tasks, containers):
        ``label`` and ``tooltip`` are already quoted (``quote``), ``look`` comes from ``look()``.
        """
        x, y, w, h = box
        s = self.theme.scale
        size = self._sizes.get((w, h))
        if size is None:
            size = self._sizes[(w, h)] = f'width="{w * s / 72:.4f}" height="{h * s / 72:.4f}"'
        tip = "" if tooltip is None else f" tooltip={tooltip}"
        self._lines.append(
            f'"{node_id}" [id="{node_id}" class="{cls}" '
            f'pos="{(x + w / 2) * s:.2f},{-(y + h / 2) * s:.2f}" '
            f"{size} label={label} {look}{tip}];"
        )
        if self.stream is not None and len(self._lines) - self._sent >= _BATCH:
            self._send()
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
        headport: str | None = None,
        tailport: str | None = None,
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
        if headport is not None:
            attrs.append(f"headport={headport}")
        if tailport is not None:
            attrs.append(f"tailport={tailport}")
        self._edge_lines.append(f"{quote(src)} -> {quote(dst)} [{' '.join(attrs)}];")
        if semantic:
            self.edges.add((src, dst, relation))

    def _send(self) -> None:
        assert self.stream is not None
        if len(self._lines) > self._sent:
            self.stream.write("\n".join(self._lines[self._sent :]) + "\n")
        self._sent = len(self._lines)

    def close_stream(self) -> Callable[[], bytes] | None:
        """Send graphviz the rest of the DOT; return the wait for its output (if streaming)."""
        if self.stream is None:
            return None
        self._send()
        self.stream.write("\n".join([*self._edge_lines, "}"]) + "\n")
        wait = self.stream.close()
        self.stream = None
        return wait

    def abort_stream(self) -> None:
        if self.stream is not None:
            self.stream.abort()
            self.stream = None

    def _head(self) -> list[str]:
        t = self.theme
        return [
            f"digraph {quote(self.name)} {{",
            f'graph [bgcolor="{t.background}" splines=line pad="0.25" '
            f'fontname="{t.font}" outputorder=nodesfirst];',
            f'node [shape=box fixedsize=true fontname="{t.font}" fontsize={_fmt(t.font_size)} '
            f'fontcolor="{t.foreground}" penwidth={_fmt(t.pen_width)}];',
            f'edge [penwidth={_fmt(t.pen_width)} arrowsize=0.7 fontname="{t.font}" '
            f'fontsize={_fmt(t.font_size - 1)} fontcolor="{t.muted}"];',
        ]

    def to_dot(self) -> str:
        return "\n".join([*self._head(), *self._lines, *self._edge_lines, "}"]) + "\n"
