"""Server-side SVG charts for the bureau dashboard: no JavaScript library, no CDN.

Each chart is an <svg role="img"> labelled by its <title> and <desc>; the page also renders the
same figures as a data table, so a screen reader or a printout loses nothing. Text is escaped
here; the result is marked safe only after that."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

NO_DATA = gettext_lazy("暂无数据")

# colour-blind-safe palette (Okabe-Ito, darkened for contrast on white)
PALETTE = ("#1d4e89", "#c8352b", "#2a8a5b", "#d08a00", "#6a3d9a", "#3f8fbf", "#8c564b")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int]


def _num(value) -> float:
    # drawing coordinates only; the figures shown as text are formatted from the Decimals
    return float(value or 0)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    exp = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def _open(title: str, desc: str, width: int, height: int) -> tuple[list[str], str]:
    n = next(_ids)
    tid, did = f"chart-t{n}", f"chart-d{n}"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{tid} {did}" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>',
    ], f"chart{n}"


def _legend(parts: list[str], series: Sequence[Series], x: int, y: int) -> None:
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y}" class="legend">{escape(s.name)}</text>'
        )
        x += 28 + 14 * len(s.name)


def empty_chart(title: str, message: str) -> SafeString:
    parts, _ = _open(title, message, 600, 80)
    parts.append(f'<text x="300" y="45" text-anchor="middle" class="empty">{escape(message)}</text></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def horizontal_bars(
    *,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[Decimal | int], str] = str,
    empty: str = NO_DATA,
    label_w: int = 130,
    bar_w: int = 300,
) -> SafeString:
    """Stacked horizontal bars: one row per category, one segment per series, total at the end.
    The default widths suit a half-width card (the SVG scales to its box; text stays legible)."""
    if not categories:
        return empty_chart(title, empty)
    row_h, top = 30, 34 if len(series) > 1 else 8
    totals = [sum(_num(s.values[i]) for s in series) for i in range(len(categories))]
    scale = bar_w / _nice_max(max(totals))
    height = top + row_h * len(categories) + 10
    parts, _ = _open(title, desc, label_w + bar_w + 70, height)
    if len(series) > 1:
        _legend(parts, series, label_w, 18)
    for i, cat in enumerate(categories):
        y = top + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" class="label">{escape(cat)}</text>')
        x = float(label_w)
        for j, s in enumerate(series):
            w = _num(s.values[i]) * scale
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(cat)} · {escape(s.name)}: '
                    f"{escape(fmt(s.values[i]))}</title></rect>"
                )
                x += w
        total = sum((s.values[i] for s in series), start=type(series[0].values[i])())
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 18}" class="value">{escape(fmt(total))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def vertical_bars(
    *,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[Decimal | int], str] = str,
    axis_fmt: Callable[[float], str] = str,
    empty: str = NO_DATA,
) -> SafeString:
    """Stacked columns: one column per category (a month), one segment per series (a rule)."""
    if not categories:
        return empty_chart(title, empty)
    left, plot_h, top, width = 80, 240, 40, 1000
    slot = (width - left - 10) / len(categories)
    col_w = max(8.0, min(56.0, slot * 0.6))
    totals = [sum(_num(s.values[i]) for s in series) for i in range(len(categories))]
    top_value = _nice_max(max(totals))
    scale = plot_h / top_value
    parts, _ = _open(title, desc, width, top + plot_h + 40)
    _legend(parts, series, left, 18)
    for k in range(5):  # gridlines and axis labels
        v = top_value * k / 4
        y = top + plot_h - v * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{escape(axis_fmt(v))}</text>'
        )
    for i, cat in enumerate(categories):
        x = left + i * slot + (slot - col_w) / 2
        y = float(top + plot_h)
        for j, s in enumerate(series):
            h = _num(s.values[i]) * scale
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(cat)} · {escape(s.name)}: '
                    f"{escape(fmt(s.values[i]))}</title></rect>"
                )
        parts.append(
            f'<text x="{x + col_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'class="label">{escape(cat)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def budget_bars(
    *,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Decimal, Decimal]],
    fmt: Callable[[Decimal], str] = str,
    empty: str = NO_DATA,
) -> SafeString:
    """Per rule: the budget as a pale track, the amount used over it, and the share used."""
    if not rows:
        return empty_chart(title, empty)
    label_w, bar_w, row_h, top = 230, 530, 40, 14
    parts, _ = _open(title, desc, label_w + bar_w + 200, top + row_h * len(rows) + 6)
    for i, (name, used, budget) in enumerate(rows):
        y = top + i * row_h
        share = (used / budget) if budget else Decimal(0)
        w = bar_w * min(1.0, _num(share))
        colour = PALETTE[1] if share > 1 else PALETTE[0]
        pct = f"{share * 100:.1f}%" if budget else "—"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" class="label">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="20" class="track"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="20" fill="{colour}">'
            f"<title>{escape(name)}: {escape(fmt(used))} / {escape(fmt(budget))}</title></rect>"
            f'<text x="{label_w + bar_w + 8}" y="{y + 18}" class="value">{escape(pct)} · {escape(fmt(used))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
