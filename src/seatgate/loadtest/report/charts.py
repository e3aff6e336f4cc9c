"""Line charts as standalone SVG: no plotting library, byte-identical for equal inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 34, 40


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: tuple[float | None, ...]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * magnitude >= value:
            return step * magnitude
    return 10.0 * magnitude


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 100 or value == int(value) else f"{value:.3g}"


def _path(xs: tuple[int, ...], values: tuple[float | None, ...], x_max: int, y_max: float) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    commands, pen_down = [], False
    for x, y in zip(xs, values, strict=True):
        if y is None:
            pen_down = False
            continue
        px = LEFT + plot_w * (x / x_max if x_max else 0)
        py = TOP + plot_h * (1 - min(y, y_max) / y_max)
        commands.append(f"{'L' if pen_down else 'M'}{px:.1f},{py:.1f}")
        pen_down = True
    return " ".join(commands)


def line_chart(title: str, x_label: str, xs: tuple[int, ...], series: tuple[Series, ...]) -> str:
    """An SVG line chart of `series` over `xs` (seconds since the start)."""
    x_max = max(xs) if xs else 1
    peak = max((v for s in series for v in s.values if v is not None), default=0.0)
    y_max = _nice_max(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for step in range(5):
        value = y_max * step / 4
        y = TOP + plot_h * (1 - step / 4)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    for step in range(5):
        x = LEFT + plot_w * step / 4
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{_fmt(x_max * step / 4)}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'fill="#555555">{escape(x_label)}</text>'
    )
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="#999999"/>'
    )
    for index, line in enumerate(series):
        path = _path(xs, line.values, x_max, y_max)
        if path:
            parts.append(f'<path d="{path}" fill="none" stroke="{line.color}" stroke-width="1.8"/>')
        legend_x = WIDTH - RIGHT - 110 * (len(series) - index)
        parts.append(
            f'<rect x="{legend_x}" y="9" width="12" height="4" fill="{line.color}"/>'
            f'<text x="{legend_x + 16}" y="15">{escape(line.name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
