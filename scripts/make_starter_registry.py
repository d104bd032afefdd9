"""Build the shipped starter registry and the candidate accounts from the shared reference data.

    python scripts/make_starter_registry.py [SHARED_DATA_DIR]     # default: ../shared/data

reads ``pemda-websites.csv`` and ``official-accounts.csv`` (Wikidata via Govdirectory, CC0; see
the shared README) and writes ``config/data/starter-registry.csv`` (a registry file for
``pantau init --national``) and ``config/data/candidate-accounts.csv`` (accounts ``pantau
discover`` can confirm). The URLs are the ones the source states, normalised by the registry's
own identity rules, so importing the file stores exactly what is written here.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from pantau.config.platforms import IdentityError, canonical_platform, normalise_account
from pantau.config.registry import FIELDS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "config" / "data"
# The platforms Wikidata records that pantau does not watch.
SKIPPED_PLATFORMS = {"linkedin", "linktree"}


def _source_note(source: str) -> str:
    # "govdirectory/website@f65ddc736e28 indonesia/Q1823 (Wikidata Q1823, data 2026-04-06)"
    m = re.search(r"Wikidata (Q\d+), data ([\d-]+)", source)
    qid, day = (m.group(1), m.group(2)) if m else ("?", "?")
    commit = source.split("@", 1)[-1].split()[0] if "@" in source else "?"
    return f"Wikidata {qid} via Govdirectory (govdirectory/website@{commit}, data {day}), CC0"


def build_registry(websites: Path) -> list[dict[str, str]]:
    rows = []
    seen: dict[str, str] = {}
    with websites.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            url, _ = normalise_account("website", rec["url"])
            if url in seen:
                raise SystemExit(f"{rec['kode']}: {url} is already the website of {seen[url]}")
            seen[url] = rec["kode"]
            rows.append(
                {
                    "institution": rec["institution"],
                    "region": rec["kode"],
                    "platform": "website",
                    "url": url,
                    "note": _source_note(rec["source"]),
                }
            )
    return rows


def build_candidates(accounts: Path) -> tuple[list[dict[str, str]], list[str]]:
    rows, skipped = [], []
    with accounts.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            name = rec["platform"].strip().lower()
            if name in SKIPPED_PLATFORMS:
                skipped.append(f"{rec['url']}: {rec['platform']} is not a platform pantau watches")
                continue
            try:
                platform = canonical_platform(name)
                url, handle = normalise_account(platform, rec["url"])
            except IdentityError as exc:
                skipped.append(f"{rec['url']}: {exc}")
                continue
            rows.append(
                {
                    "region": rec["kode"],
                    "wikidata": rec["wikidata"],
                    "institution": rec["institution"],
                    "platform": platform,
                    "url": url,
                    "handle": handle,
                }
            )
    return rows, skipped


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data"
    registry = build_registry(shared / "pemda-websites.csv")
    with (OUT / "starter-registry.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n", restval="")
        w.writeheader()
        w.writerows(registry)
    candidates, skipped = build_candidates(shared / "official-accounts.csv")
    with (OUT / "candidate-accounts.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(
            fh, fieldnames=("region", "wikidata", "institution", "platform", "url", "handle"), lineterminator="\n"
        )
        w.writeheader()
        w.writerows(candidates)
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(f"starter registry: {len(registry)} websites; candidate accounts: {len(candidates)} ({len(skipped)} skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
