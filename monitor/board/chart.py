"""An account's history as an SVG drawn on the server (no script, no image fetch).

x is time, from the first check kept to now. The line is how many days the account had been
without activity at each check (the newest activity known by then — it only moves forward,
as the account's facts do), so a run account is a low sawtooth and a dormant one a rising
line; dashed lines mark the policy's warning, dormant and close thresholds. Under the plot, one
mark per check: green = read, red = failed, grey = not readable with this configuration.
Status changes are ticks with the new status' colour along the top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pantau.alerts.render import STATUS_COLOURS
from pantau.storage.timefmt import from_iso

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, PLOT_BOTTOM = 48, 12, 22, 180
STRIP_Y = 204


def history_chart(
    history: Mapping[str, Sequence[Mapping[str, Any]]], policy: Mapping[str, int], now: datetime, w: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Geometry of the chart for the template, or None when the account was never checked."""
    timed = [(c, t) for c in history["checks"] if (t := from_iso(c.get("checked_at"))) is not None]
    if not timed:
        return None
    checks = [c for c, _ in timed]
    times = [t for _, t in timed]
    start = min(times)
    end = max(now, max(times))
    span = max(1.0, (end - start).total_seconds())

    def x(t: datetime) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (t - start).total_seconds() / span, 1)

    newest: datetime | None = None
    points = []
    marks = []
    for c, t in zip(checks, times, strict=True):
        found = from_iso(c.get("activity_at"))
        if found and (newest is None or found > newest):
            newest = found
        if newest is not None:
            points.append((t, max(0, (t - newest).days)))
        outcome = c.get("outcome") or ""
        kind = "failed" if outcome in ("error", "not_found") else "ok" if outcome in ("ok", "not_modified") else "other"
        marks.append({"x": x(t), "kind": kind, "label": f"{t:%Y-%m-%d %H:%M} UTC: {outcome}"})
    thresholds = [
        ("warning", policy["warning_after_days"]),
        ("dormant", policy["dormant_after_days"]),
        ("close_recommended", policy["close_after_days"]),
    ]
    top_days = max([d for _, d in points] + [thresholds[-1][1]]) * 1.1
    plot_h = PLOT_BOTTOM - TOP

    def y(days: float) -> float:
        return round(PLOT_BOTTOM - plot_h * days / top_days, 1)

    line = " ".join(f"{x(t)},{y(d)}" for t, d in points)
    changes = []
    for ch in history["changes"]:
        at = from_iso(ch["changed_at"])
        if at is None or at < start:
            continue
        status = ch["new_status"]
        changes.append(
            {
                "x": x(at),
                "colour": STATUS_COLOURS.get(status, "#616161"),
                "label": f"{at:%Y-%m-%d}: {w['statuses'].get(status, status)}",
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": PLOT_BOTTOM,
        "strip_y": STRIP_Y,
        "line": line,
        "dots": [{"x": x(t), "y": y(d), "label": f"{t:%Y-%m-%d}: {d}"} for t, d in points],
        "marks": marks,
        "changes": changes,
        "thresholds": [
            {"y": y(d), "days": d, "colour": STATUS_COLOURS[s], "label": w["statuses"][s]} for s, d in thresholds
        ],
        "max_days": round(top_days),
        "start_label": f"{start:%Y-%m-%d}",
        "end_label": f"{end:%Y-%m-%d}",
        "colours": {
            "ok": STATUS_COLOURS["active"],
            "failed": STATUS_COLOURS["close_recommended"],
            "other": STATUS_COLOURS["unknown"],
        },
    }
