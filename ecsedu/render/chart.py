"""A small metric chart per service: CPU over the last minutes, the target line, the alarms.

Pure SVG, written by hand (no plotting library): the chart reads a snapshot's
``MetricSeriesView`` (one CloudWatch datapoint a minute) and the service's ``ScalingView``
(target tracking's target, each alarm's threshold and state), in the theme every figure uses.
It displays itself in Jupyter (``_repr_svg_``), and the dashboard embeds ``html()``.

>>> chart = metric_chart(ecs, service="web")            # doctest: +SKIP
>>> chart.save("web-cpu.svg")                           # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ecsedu import arns
from ecsedu.model.snapshot import MetricSeriesView, ServiceView, Snapshot
from ecsedu.render.lookup import Drawable, as_snapshot, unknown
from ecsedu.render.style import Theme, get_theme

__all__ = ["MetricChart", "chart_svg", "find_series", "metric_chart"]

#: Alarm names target tracking gives its alarms, shortened for a label.
_SHORT = ("-AlarmHigh-", "-AlarmLow-")


def short_alarm(name: str) -> str:
    """``TargetTracking-service/demo/web-AlarmHigh-<uuid>`` → ``AlarmHigh``; others unchanged."""
    for marker in _SHORT:
        if marker in name:
            return marker.strip("-")
    return name


@dataclass(frozen=True)
class Line:
    """A horizontal line on the chart: the target, or an alarm's threshold."""

    label: str
    value: float
    kind: str  # target | alarm-ok | alarm-alarm | alarm-insufficient_data


@dataclass(frozen=True)
class MetricChart:
    """One drawn chart: ``svg()``, ``html()``, ``save(path)``, ``describe()``."""

    title: str
    svg_text: str
    description: str

    def svg(self) -> str:
        return self.svg_text

    def html(self) -> str:
        svg = self.svg_text.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        return f'<div class="ecsedu-chart">{svg}</div>'

    def describe(self) -> str:
        return self.description

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        if target.suffix.lower() != ".svg":
            raise ValueError(f"a metric chart is SVG only: name it .svg, not {target.name!r}")
        target.write_text(self.svg_text, encoding="utf-8")
        return target

    def _repr_svg_(self) -> str:
        return self.svg_text

    def __repr__(self) -> str:
        return f"<MetricChart {self.title}>"


def find_series(
    snapshot: Snapshot, svc: ServiceView, name: str = "CPUUtilization"
) -> MetricSeriesView | None:
    cluster = arns.resource_id(svc.cluster_arn)
    for series in snapshot.metrics:
        if (
            series.name == name
            and series.service_name == svc.name
            and series.cluster_name in (cluster, svc.cluster_arn)
        ):
            return series
    return None


def lines_for(svc: ServiceView, name: str = "CPUUtilization") -> list[Line]:
    """The target line (target tracking on this metric) and the alarms' thresholds."""
    out: list[Line] = []
    scaling = svc.scaling
    if scaling is None:
        return out
    metric = scaling.metric or ""
    if scaling.target_value is not None and ("CPU" in metric) == ("CPU" in name):
        out.append(Line(f"target {scaling.target_value:g}", scaling.target_value, "target"))
    for alarm in scaling.alarms:
        if alarm.metric == name:
            sign = ">" if "Greater" in alarm.comparison else "<"
            out.append(
                Line(
                    f"{short_alarm(alarm.name)} {sign} {alarm.threshold:g} · {alarm.state}",
                    alarm.threshold,
                    f"alarm-{alarm.state.lower()}",
                )
            )
    return out


def _nice_max(value: float, unit: str) -> float:
    if unit == "Percent":
        return 100.0 if value <= 100 else math.ceil(value / 50) * 50
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover


def chart_svg(
    points: Sequence[tuple[float, float]],
    *,
    now: float,
    lines: Sequence[Line] = (),
    theme: Theme,
    title: str,
    unit: str = "Percent",
    minutes: int = 15,
    width: int = 360,
    height: int = 150,
) -> str:
    """The chart as SVG text: the last ``minutes`` of ``points`` (time, value), one a minute."""
    t = theme
    f = t.font_size * 0.95
    left, right, top, bottom = 34.0, 118.0, 26.0, 22.0
    pw, ph = width - left - right, height - top - bottom
    start = now - minutes * 60.0
    shown = [(x, v) for x, v in points if start - 1e-6 <= x <= now + 1e-6]
    peak = max([v for _, v in shown] + [ln.value for ln in lines] + [0.0])
    ymax = _nice_max(peak, unit)

    def px(x: float) -> float:
        return left + (x - start) / (minutes * 60.0) * pw

    def py(v: float) -> float:
        return top + ph - max(0.0, min(v, ymax)) / ymax * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="ecsedu-metric-chart" role="img" '
        f'font-family="{escape(t.font)}" font-size="{f:g}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{t.background}"/>',
        f'<text x="{left}" y="{top - 8}" fill="{t.foreground}" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<rect class="plot" x="{left}" y="{top}" width="{pw:.1f}" height="{ph:.1f}" '
        f'fill="{t.frame_fill}" stroke="{t.frame_stroke}" stroke-width="{t.pen_width * 0.6:g}"/>',
    ]
    for k in range(5):  # y grid and labels: 0, 25 %, 50 %, 75 %, 100 % of the axis
        v = ymax * k / 4
        y = py(v)
        if 0 < k < 4:
            out.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw:.1f}" y2="{y:.1f}" '
                f'stroke="{t.gauge_track if t.name != "light" else "#DDE3E9"}" stroke-width="0.8"/>'
            )
        out.append(
            f'<text x="{left - 4}" y="{y + f / 3:.1f}" text-anchor="end" fill="{t.muted}">'
            f"{v:g}</text>"
        )
    for m in range(0, minutes + 1, 5):  # x labels: minutes ago
        x = px(start + m * 60.0)
        label = "now" if m == minutes else f"-{minutes - m}m"
        out.append(
            f'<text x="{x:.1f}" y="{top + ph + f + 4:.1f}" text-anchor="middle" '
            f'fill="{t.muted}">{label}</text>'
        )
    colours = {
        "target": t.ok,
        "alarm-alarm": t.warn,
        "alarm-ok": t.muted,
        "alarm-insufficient_data": t.muted,
    }
    used: list[float] = []
    for ln in sorted(lines, key=lambda ln: -ln.value):
        y = py(ln.value)
        colour = colours.get(ln.kind, t.muted)
        dash = "" if ln.kind == "target" else ' stroke-dasharray="5 3"'
        out.append(
            f'<line class="{ln.kind}" x1="{left}" y1="{y:.1f}" x2="{left + pw:.1f}" '
            f'y2="{y:.1f}" stroke="{colour}" stroke-width="{t.pen_width * 1.1:g}"{dash}/>'
        )
        ly = y + f / 3
        while any(abs(ly - u) < f + 1 for u in used):  # labels never overlap
            ly += f + 1
        used.append(ly)
        out.append(
            f'<text x="{left + pw + 4:.1f}" y="{ly:.1f}" fill="{colour}" '
            f'font-size="{f * 0.9:.1f}">{escape(ln.label)}</text>'
        )
    if shown:
        path = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in shown)
        out.append(
            f'<polyline class="series" points="{path}" fill="none" stroke="{t.edge}" '
            f'stroke-width="{t.pen_width * 1.6:g}" stroke-linejoin="round"/>'
        )
        for x, v in shown:
            over = any(
                ln.kind == "alarm-alarm" and v > ln.value for ln in lines if "AlarmHigh" in ln.label
            )
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(v):.1f}" r="2.4" '
                f'fill="{t.warn if over else t.edge}"><title>{v:g}</title></circle>'
            )
        x, v = shown[-1]
        vy = py(v) - 6 if py(v) - 6 > top + f else py(v) + f + 4
        out.append(
            f'<text x="{px(x) - 4:.1f}" y="{vy:.1f}" text-anchor="end" '
            f'fill="{t.foreground}" font-weight="bold">{v:g}</text>'
        )
    else:
        out.append(
            f'<text x="{left + pw / 2:.1f}" y="{top + ph / 2:.1f}" text-anchor="middle" '
            f'fill="{t.muted}">no datapoints yet (one a minute)</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def metric_chart(
    snapshot: Drawable,
    *,
    service: str | None = None,
    cluster: str | None = None,
    metric: str = "CPUUtilization",
    minutes: int = 15,
    theme: str | Theme | None = None,
    width: int = 360,
    height: int = 150,
) -> MetricChart:
    """The chart of ``metric`` for one service (default: the first with a scaling policy)."""
    snap = as_snapshot(snapshot)
    services = [s for s in snap.services if s.status != "INACTIVE"]
    if cluster is not None:
        services = [s for s in services if cluster in (s.cluster_arn, s.cluster_arn.split("/")[-1])]
    if service is not None:
        chosen = [s for s in services if service in (s.name, s.arn)]
        if not chosen:
            raise unknown("service", service, (s.name for s in services))
        svc: ServiceView | None = chosen[0]
    else:
        svc = next((s for s in services if s.scaling is not None), None) or next(
            iter(services), None
        )
    th = get_theme(theme)
    if svc is None:
        title = f"{metric}: no service yet"
        return MetricChart(
            title,
            chart_svg((), now=snap.time, theme=th, title=title, width=width, height=height),
            f"{title}.",
        )
    series = find_series(snap, svc, metric)
    unit = series.unit if series is not None else "Percent"
    lines = lines_for(svc, metric)
    title = f"{svc.name} · {metric} ({'%' if unit == 'Percent' else unit}), last {minutes} min"
    points = series.points if series is not None else ()
    svg = chart_svg(
        points,
        now=snap.time,
        lines=lines,
        theme=th,
        title=title,
        unit=unit,
        minutes=minutes,
        width=width,
        height=height,
    )
    if points:
        text = f"{title}: now {points[-1][1]:g}"
        text += f", peak {max(v for _, v in points):g}" if len(points) > 1 else ""
    else:
        text = f"{title}: no datapoints yet"
    if lines:
        text += "; " + "; ".join(ln.label for ln in lines)
    return MetricChart(title, svg, text + ".")
