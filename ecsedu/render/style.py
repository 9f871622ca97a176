"""The visual language of ecsedu's diagrams: themes, service colours and status styles.

Every ECS state a learner must tell apart (a task PENDING, RUNNING, STOPPING or STOPPED; a
container instance ACTIVE or DRAINING; its container agent connected or not) is shown three ways
at once: by colour, by line style or glyph, and by text. Colour is never the only signal.

Service colours come from the Okabe-Ito palette, which stays distinguishable for the common forms
of colour blindness. A service keeps its colour for as long as the snapshot lists it, because
colours are handed out in service creation order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from ecsedu.model.snapshot import InstanceView, Snapshot, TaskView

__all__ = [
    "OKABE_ITO",
    "SERVICE_PALETTE",
    "THEMES",
    "THEME_ENV",
    "StatusStyle",
    "Theme",
    "current_theme",
    "get_theme",
    "instance_status",
    "mix",
    "service_colours",
    "set_theme",
    "status_style",
    "task_status",
    "text_on",
]

# Okabe & Ito (2008), ordered so that neighbouring services contrast well. Services take the
# first six; yellow is kept for standalone tasks (RunTask), which are also double-outlined.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
)

SERVICE_PALETTE: tuple[str, ...] = OKABE_ITO[:6]


@dataclass(frozen=True)
class Theme:
    """Colours, fonts and line weights for one output medium."""

    name: str
    background: str
    foreground: str
    muted: str
    frame_fill: str
    frame_stroke: str
    instance_fill: str
    instance_stroke: str
    badge_fill: str
    gauge_track: str
    gauge_fill: str
    ok: str
    warn: str
    standalone: str  # tasks started by RunTask, outside any service (drawn double-outlined)
    standalone_stroke: str
    edge: str
    font: str = "DejaVu Sans"
    font_size: float = 10.0
    pen_width: float = 1.2
    tint: float = 0.78  # how far a task's fill fades its service colour towards the background
    # Points per layout unit: every box is drawn this much larger, so type that grows more
    # than the boxes (font_size / 10 > scale) is larger relative to the picture.
    scale: float = 1.0
    task_w: float = 156.0  # width of a task tile, in layout units (Geometry.task_w)

    def fit_size(self, size: float) -> float:
        """A font size in points as a size in layout units (what ``fit`` measures with)."""
        return size / self.scale


THEMES: dict[str, Theme] = {
    "light": Theme(
        name="light",
        background="#FFFFFF",
        foreground="#1A1A1A",
        muted="#5C5C5C",
        frame_fill="#F4F6F8",
        frame_stroke="#5C6B7A",
        instance_fill="#FFFFFF",
        instance_stroke="#3D4C5C",
        badge_fill="#E8ECF0",
        gauge_track="#FFFFFF",
        gauge_fill="#A9C6E8",
        ok="#007A4D",
        warn="#B00020",
        standalone="#F0E442",
        standalone_stroke="#6B6300",
        edge="#3D4C5C",
    ),
    "dark": Theme(
        name="dark",
        background="#16191D",
        foreground="#ECEFF3",
        muted="#A8B0B9",
        frame_fill="#1F2429",
        frame_stroke="#8C99A6",
        instance_fill="#262C33",
        instance_stroke="#AEB9C4",
        badge_fill="#323A43",
        gauge_track="#262C33",
        gauge_fill="#2F5F8F",
        ok="#4CD6A0",
        warn="#FF7A85",
        standalone="#F0E442",
        standalone_stroke="#F0E442",
        edge="#C8D0D8",
        tint=0.72,
    ),
    # High contrast for washed-out classroom projectors: white ground, black ink, thick lines,
    # type 1.45x the light theme's (boxes grow 1.25x, so text fills more of the picture).
    "projector": Theme(
        name="projector",
        background="#FFFFFF",
        foreground="#000000",
        muted="#000000",
        frame_fill="#FFFFFF",
        frame_stroke="#000000",
        instance_fill="#FFFFFF",
        instance_stroke="#000000",
        badge_fill="#FFFFFF",
        gauge_track="#FFFFFF",
        gauge_fill="#7FB2E5",
        ok="#005C3A",
        warn="#A00000",
        standalone="#F0E442",
        standalone_stroke="#000000",
        edge="#000000",
        font_size=14.5,
        pen_width=2.4,
        tint=0.55,
        scale=1.25,
        task_w=172.0,
    ),
}


THEME_ENV = "ECSEDU_THEME"
_chosen: list[str | Theme] = []  # set_theme's choice (empty: none made)


def set_theme(name: str | Theme | None) -> None:
    """Draw every figure in this theme unless a call passes ``theme=``; ``None`` forgets it.

    >>> set_theme("projector")        # doctest: +SKIP  (slides: large type, thick lines)

    Without a choice, the ``ECSEDU_THEME`` environment variable decides, then ``light``.
    """
    if name is not None:
        get_theme(name)  # refuse an unknown name now, not at the next drawing
    _chosen[:] = [] if name is None else [name]


def current_theme() -> Theme:
    """The theme used when none is passed: ``set_theme``'s, else ``$ECSEDU_THEME``, else light."""
    if _chosen:
        return get_theme(_chosen[0])
    env = os.environ.get(THEME_ENV, "").strip()
    if env:
        try:
            return get_theme(env)
        except ValueError:
            raise ValueError(f"{THEME_ENV}={env!r}: choose one of {', '.join(THEMES)}") from None
    return THEMES["light"]


def get_theme(name: str | Theme | None = None) -> Theme:
    """Return the theme called ``name`` (light, dark or projector); None: ``current_theme()``."""
    if name is None:
        return current_theme()
    if isinstance(name, Theme):
        return name
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@lru_cache(maxsize=1024)
def mix(colour: str, other: str, amount: float) -> str:
    """Blend ``colour`` towards ``other`` by ``amount`` (0 keeps colour, 1 gives other)."""
    a, b = _rgb(colour), _rgb(other)
    parts = (round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{p:02X}" for p in parts)


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else float(((s + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@lru_cache(maxsize=1024)
def text_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (WCAG contrast)."""
    lum = _luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"


def service_colours(snapshot: Snapshot) -> dict[str, str]:
    """Service name -> colour, handed out in creation order so a service keeps its colour."""
    colours: dict[str, str] = {}
    for service in snapshot.services:
        if service.name not in colours:
            colours[service.name] = SERVICE_PALETTE[len(colours) % len(SERVICE_PALETTE)]
    for task in snapshot.tasks:  # services deleted since, but whose tasks are still listed
        if task.service_name and task.service_name not in colours:
            colours[task.service_name] = SERVICE_PALETTE[len(colours) % len(SERVICE_PALETTE)]
    return colours


@dataclass(frozen=True)
class StatusStyle:
    """How one status looks: a glyph and a word for the text, a line style for the shape."""

    word: str
    glyph: str
    line: str  # graphviz style keyword: solid | dashed | dotted | bold
    faded: bool = False

    @property
    def text(self) -> str:
        return f"{self.glyph} {self.word}"


_STATUS: dict[str, StatusStyle] = {
    "PENDING": StatusStyle("PENDING", "◔", "dashed"),
    "RUNNING": StatusStyle("RUNNING", "●", "solid"),
    "STOPPING": StatusStyle("STOPPING", "◐", "dotted"),
    "STOPPED": StatusStyle("STOPPED", "✕", "dotted", faded=True),
    "ACTIVE": StatusStyle("ACTIVE", "●", "solid"),
    "DRAINING": StatusStyle("DRAINING", "▼", "dashed"),
    "INACTIVE": StatusStyle("INACTIVE", "✕", "dotted", faded=True),
    "DISCONNECTED": StatusStyle("agent disconnected", "⚠", "dashed"),
}

_PENDING_LIKE = {"PROVISIONING", "PENDING", "ACTIVATING"}
_STOPPING_LIKE = {"DEACTIVATING", "STOPPING", "DEPROVISIONING"}


def task_status(task: TaskView) -> str:
    """The status a learner should see: a RUNNING task told to stop is shown as STOPPING."""
    last = task.last_status
    if last in _PENDING_LIKE:
        return "STOPPING" if task.desired_status == "STOPPED" else "PENDING"
    if last in _STOPPING_LIKE or (last == "RUNNING" and task.desired_status == "STOPPED"):
        return "STOPPING"
    return last if last in _STATUS else "PENDING"


def instance_status(instance: InstanceView) -> str:
    """ACTIVE, DRAINING or INACTIVE; DISCONNECTED when the container agent is not connected."""
    if not instance.agent_connected and instance.status != "INACTIVE":
        return "DISCONNECTED"
    return instance.status if instance.status in _STATUS else "ACTIVE"


def status_style(status: str) -> StatusStyle:
    """The style for a status word (see the module docstring)."""
    return _STATUS.get(status, StatusStyle(status, "?", "solid"))
