"""The weekly report's chart of the last weeks: status counts per week, as stacked bars."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pantau.alerts.render import STATUS_COLOURS
from pantau.monitor.policy import STATUSES


def chart(series: Sequence[tuple[str, Counter]], t: dict[str, Any]) -> dict[str, Any]:
    """Geometry of a stacked bar chart (one bar a week) for an inline SVG — no image fetches."""
    width, height, top, bottom, left = 560, 200, 10, 30, 40
    plot_h = height - top - bottom
    biggest = max([sum(c.values()) for _, c in series] + [1])
    step = (width - left - 10) / max(1, len(series))
    bar_w = step * 0.6
    bars = []
    for i, (wk, counts) in enumerate(series):
        x = left + i * step + (step - bar_w) / 2
        y: float = top + plot_h
        rects = []
        for s in STATUSES:
            n = counts.get(s, 0)
            if not n:
                continue
            h = plot_h * n / biggest
            y -= h
            rects.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "colour": STATUS_COLOURS[s],
                    "label": f"{wk}: {t['statuses'][s]} {n}",
                }
            )
        bars.append(
            {
                "week": wk.split("-")[-1],
                "x": round(x + bar_w / 2, 1),
                "rects": rects,
                "total": sum(counts.values()),
                "top": round(y - 3, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "base": top + plot_h,
        "left": left,
        "max": biggest,
        "top": top,
        "bars": bars,
        "label": t["trend"].format(n=len(series)),
    }


def table_chart(series: Sequence[tuple[str, Counter]], t: dict[str, Any]) -> dict[str, Any]:
    """The weekly chart as plain HTML tables: one stacked bar per week, cells as long as the
    counts. Gmail, Outlook and Zimbra drop inline SVG (the board keeps it, see ``chart``);
    every mail client draws a table cell with a width and a background colour."""
    biggest = max([sum(c.values()) for _, c in series] + [1])
    rows = []
    for wk, counts in series:
        total = sum(counts.values())
        parts = [(s, counts.get(s, 0)) for s in STATUSES if counts.get(s, 0)]
        segments = []
        used = 0
        for i, (s, n) in enumerate(parts):
            # Whole percentages that add up to exactly 100, the last segment taking the rest.
            pct = 100 - used if i == len(parts) - 1 else max(1, round(100 * n / total))
            used += pct
            segments.append({"pct": pct, "colour": STATUS_COLOURS[s], "label": f"{t['statuses'][s]} {n}"})
        rows.append(
            {
                "week": wk,
                "total": total,
                "segments": segments,
                "width": max(1, round(100 * total / biggest)) if total else 0,
            }
        )
    return {"label": t["trend"].format(n=len(series)), "rows": rows}
