"""Date accuracy on real pages captured by others (the development set in ../shared).

    python benchmarks/bench_real_pages.py [--misses] [--json OUT]

For every page of ``$PANTAU_SHARED/data/real-pages/manifest.csv`` (default: the ``shared``
folder beside the repository) it runs the page-date function pantau uses on a post's own page
(``pantau.crawler.pagedate.post_date`` with the manifest URL) and htmldate's own ``find_date``
on the same bytes, in the same run, and scores each day against ``expected_published`` (right
when within one day). It also checks the trap that matters most: evaluated long after the
page's date, no page may come out ``active`` from a relative phrase, a comment, an embedded
widget or a sidebar. The pages are read in place, never copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from htmldate import find_date

from pantau.config.settings import from_dict
from pantau.crawler.dates import JAKARTA, newest_credible
from pantau.crawler.extract import parse_page
from pantau.crawler.pagedate import post_date
from pantau.monitor.policy import evaluate

REPO = Path(__file__).resolve().parent.parent
# The robustness run: the same pages without JSON-LD and <meta>, so only bylines, htmldate and
# the URL can date them (many small government sites publish no metadata at all).
METADATA_RE = re.compile(rb"<script[^>]*ld\+json[^>]*>.*?</script>|<meta[^>]*>", re.S | re.I)


def shared_dir() -> Path:
    return Path(os.environ.get("PANTAU_SHARED") or REPO.parent / "shared")


def manifest(shared: Path) -> tuple[Path, list[dict[str, str]]]:
    for folder in (shared / "data" / "real-pages", shared / "real-pages"):
        if (folder / "manifest.csv").exists():
            with open(folder / "manifest.csv", newline="", encoding="utf-8") as fh:
                return folder, list(csv.DictReader(fh))
    sys.exit(f"no real-pages/manifest.csv under {shared} (set PANTAU_SHARED)")


def day_right(got: date | None, expected: date) -> bool:
    return got is not None and abs((got - expected).days) <= 1


def category(where: str) -> str:
    """The kind of place a date was read, for counting misses by cause."""
    for prefix, name in (
        ("jsonld", "JSON-LD"),
        ("meta", "<meta>"),
        ("itemprop", "microdata"),
        ("byline text", "byline text"),
        ("htmldate", "htmldate"),
        ("the post's URL", "URL"),
    ):
        if where.startswith(prefix):
            return name
    return "byline element (<time>/<abbr>/title)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="list every page pantau gets wrong")
    ap.add_argument("--json", help="also write per-page results to this file")
    args = ap.parse_args()
    folder, rows = manifest(shared_dir())

    per_source: dict[str, Counter] = {}
    causes: Counter = Counter()
    by_kind: dict[str, list[int]] = {
        k: [0, 0]
        for k in (
            "JSON-LD",
            "<meta>",
            "microdata",
            "byline element (<time>/<abbr>/title)",
            "byline text",
            "htmldate",
            "URL",
            "none",
        )
    }
    pantau_ok = htmldate_ok = htmldate_orig_ok = bare_ok = bare_hd_ok = 0
    active_traps: list[str] = []
    times_pantau: list[float] = []
    times_htmldate: list[float] = []
    results = []
    misses = []
    policy = from_dict({}, None).policy_for("website")
    # Imports and dateparser's language data load on first use: not a page's cost.
    post_date(b"<html><p class=date>12 Maret 2024</p></html>", "https://x.go.id/a", datetime.now(UTC))
    find_date("<html><p>2024-03-12</p></html>")
    for row in rows:
        body = (folder / row["file"]).read_bytes()
        expected = date.fromisoformat(row["expected_published"])
        source = row["file"].split("/")[0]
        counts = per_source.setdefault(source, Counter())
        counts["pages"] += 1
        # `now` a year after the page: a date read from today's clock would show as activity.
        now = datetime.combine(expected + timedelta(days=365), datetime.min.time(), tzinfo=UTC)

        t = time.perf_counter()
        found = post_date(body, row["url"], now)
        times_pantau.append(time.perf_counter() - t)
        winner = found.winner
        got = winner.at.astimezone(JAKARTA).date() if winner else None
        # The day as the page states it: a UTC midnight value belongs to the day it names.
        if winner and got and not day_right(got, expected):
            alt = winner.at.date()
            got = alt if day_right(alt, expected) else got
        ok = day_right(got, expected)
        kind = category(winner.where) if winner else "none"
        by_kind[kind][0] += 1
        by_kind[kind][1] += ok
        pantau_ok += ok
        counts["pantau"] += ok
        if not ok:
            causes["no date found" if winner is None else f"wrong date from {category(winner.where)}"] += 1
            misses.append((row["file"], expected, got, winner.where if winner else None))

        t = time.perf_counter()
        try:
            hd = find_date(body.decode("utf-8", "replace"), url=row["url"] or None)
        except Exception:  # noqa: BLE001
            hd = None
        times_htmldate.append(time.perf_counter() - t)
        hd_day = date.fromisoformat(hd) if hd else None
        htmldate_ok += day_right(hd_day, expected)
        counts["htmldate"] += day_right(hd_day, expected)
        try:
            hd_orig = find_date(body.decode("utf-8", "replace"), url=row["url"] or None, original_date=True)
        except Exception:  # noqa: BLE001
            hd_orig = None
        right = day_right(date.fromisoformat(hd_orig) if hd_orig else None, expected)
        htmldate_orig_ok += right
        counts["htmldate_orig"] += right

        bare = METADATA_RE.sub(b"", body)
        stripped = post_date(bare, row["url"], now).winner
        bare_ok += stripped is not None and (
            day_right(stripped.at.astimezone(JAKARTA).date(), expected) or day_right(stripped.at.date(), expected)
        )
        try:
            hd_bare = find_date(bare.decode("utf-8", "replace"), url=row["url"] or None, original_date=True)
        except Exception:  # noqa: BLE001
            hd_bare = None
        bare_hd_ok += day_right(date.fromisoformat(hd_bare) if hd_bare else None, expected)

        # A year after the page, nothing on it may make the account active: neither the post's
        # own date nor any date the listing reader (home-page path) would tie to a link on it.
        # On a listing, a relative phrase is evidence only once the post's own page confirms it
        # (spiders/website.py); the check below is what stands when that page gives no date.
        listed = parse_page(body, row["url"] or "https://example.org/", now).candidates
        listing = newest_credible([c for c in listed if c.how != "relative"], now)
        for label, at, where in (
            ("post page", winner.at if winner else None, winner.where if winner else ""),
            ("listing", listing.at if listing else None, listing.how if listing else ""),
        ):
            if at is None:
                continue
            facts = {"last_activity_at": at.isoformat(), "evidence": "page-date", "dormant_after_days": None}
            status = evaluate(facts, [{"outcome": "ok"}], policy, now).status
            if status in ("active", "warning"):  # every page is a year old: dormant at least
                active_traps.append(f"{row['file']} ({label}): {status}: {where} -> {at.isoformat()}")
        results.append(
            {
                "file": row["file"],
                "expected": str(expected),
                "pantau": str(got) if got else None,
                "where": winner.where if winner else None,
                "htmldate": hd,
            }
        )

    n = len(rows)
    print(f"pages: {n}")
    print(f"pantau post_date: {pantau_ok}/{n} = {pantau_ok / n:.1%} day-right (±1 day)")
    print(f"htmldate find_date (defaults): {htmldate_ok}/{n} = {htmldate_ok / n:.1%} day-right (±1 day)")
    print(f"htmldate find_date(original_date=True): {htmldate_orig_ok}/{n} = {htmldate_orig_ok / n:.1%}")
    print(
        f"without the pages' metadata (JSON-LD and <meta> removed): pantau {bare_ok}/{n} = {bare_ok / n:.1%}, "
        f"htmldate(original_date=True) {bare_hd_ok}/{n} = {bare_hd_ok / n:.1%}"
    )
    print(
        "per source (pantau / htmldate / htmldate original_date): "
        + "; ".join(
            f"{s} {c['pantau']}/{c['htmldate']}/{c['htmldate_orig']} of {c['pages']}" for s, c in per_source.items()
        )
    )
    print(
        "pantau's winner by kind (right/pages): " + ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in by_kind.items() if v[0])
    )
    print("pantau misses by cause: " + (", ".join(f"{k} {v}" for k, v in causes.most_common()) or "none"))
    print(
        f"pages judged `active` or `warning` a year after their date (post page or listing reading): "
        f"{len(active_traps)}"
    )
    for line in active_traps:
        print("  " + line)
    print(
        f"time per page: pantau median {statistics.median(times_pantau) * 1000:.1f} ms "
        f"(mean {statistics.mean(times_pantau) * 1000:.1f} ms), htmldate median "
        f"{statistics.median(times_htmldate) * 1000:.1f} ms (mean {statistics.mean(times_htmldate) * 1000:.1f} ms)"
    )
    if args.misses:
        for m in misses:
            print("MISS", *m)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
