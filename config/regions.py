"""The Kemendagri region table shipped with pantau: codes to names, and names back to codes.

The table (``config/data/wilayah.csv``, provinces, regencies/cities and districts) is a copy of
the official list, never edited by hand (see ``config/data/README.md`` for its source, decree
and licence). It is read once, on first use: most commands never need it.

Villages (``16.06.01.2001``) are left out of the table on purpose (83,762 rows); a village
code is accepted when its district is in the table.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib.resources import files

DECREE = "Kepmendagri 300.2.2-2138/2025 as amended by 300.2.2-2430/2025"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: int  # 1 provinsi, 2 kabupaten/kota, 3 kecamatan


@functools.cache
def table() -> dict[str, Region]:
    """Every region by code, read from the shipped CSV once per process."""
    text = (files("pantau.config") / "data" / "wilayah.csv").read_text(encoding="utf-8")
    return {
        row["kode"]: Region(row["kode"], row["nama"], int(row["level"])) for row in csv.DictReader(text.splitlines())
    }


def known(code: str) -> bool:
    """True when ``code`` is in the table (a village code: when its district is)."""
    regions = table()
    if code in regions:
        return True
    parts = code.split(".")
    return len(parts) == 4 and ".".join(parts[:3]) in regions


def region_name(code: str | None) -> str | None:
    """``"16.06"`` → ``"Kabupaten Musi Banyuasin"``; None for no region or an unknown code.

    A village code has no row of its own: it is named after its district.
    """
    if not code:
        return None
    regions = table()
    found = regions.get(code)
    if found is None and code.count(".") == 3:
        found = regions.get(code.rsplit(".", 1)[0])
    return found.name if found else None


def province_of(code: str | None) -> str | None:
    """The province code of any region code (``16.06.01`` → ``16``)."""
    return code.split(".")[0] if code else None


def regency_of(code: str | None) -> str | None:
    """The regency/city code of a level-2-or-deeper code (``16.06.01`` → ``16.06``), else None."""
    if not code or "." not in code:
        return None
    return ".".join(code.split(".")[:2])


# Words an operator types before a region's name that the table does not (or writes otherwise).
_PREFIXES = (
    "pemerintah",
    "pemprov",
    "pemkab",
    "pemkot",
    "provinsi",
    "prov",
    "kabupaten",
    "kab",
    "kota administrasi",
    "kabupaten administrasi",
    "kota",
    "kotamadya",
    "daerah istimewa",
    "daerah khusus ibukota",
    "daerah khusus",
)


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = " ".join(text.split())
    changed = True
    while changed:
        changed = False
        for p in sorted(_PREFIXES, key=len, reverse=True):
            if text.startswith(p + " "):
                text, changed = text[len(p) + 1 :], True
    return text.replace(" ", "")


@functools.cache
def _by_key() -> dict[str, list[Region]]:
    out: dict[str, list[Region]] = {}
    for r in table().values():
        out.setdefault(_key(r.name), []).append(r)
    return out


def looks_like_name(value: str) -> bool:
    return any(ch.isalpha() for ch in value)


def closest(value: str) -> list[Region]:
    """Regions whose name is closest to ``value`` (provinces and regencies before districts).

    ``Musi Banyuasin`` → [16.06]; ``Bandung`` → [Kabupaten Bandung, Kota Bandung].
    """
    key = _key(value)
    if not key:
        return []
    index = _by_key()
    hits = index.get(key)
    if not hits:
        near = difflib.get_close_matches(key, list(index), n=3, cutoff=0.8)
        hits = [r for k in near[:1] for r in index[k]]
    # A typed "Bandung" means the regency or the city, not a district that shares the name.
    upper = [r for r in hits if r.level < 3]
    if upper and re.search(r"\b(kab|kabupaten|pemkab)\b", value.lower()):
        upper = [r for r in upper if r.name.startswith("Kabupaten")] or upper
    elif upper and re.search(r"\b(kota|pemkot)\b", value.lower()):
        upper = [r for r in upper if r.name.startswith("Kota")] or upper
    return sorted(upper or hits, key=lambda r: r.code)[:3]


def unknown_region_message(value: str) -> str:
    """``region "16.99" is not in the Kemendagri table (…)``, naming the closest region by name
    when the value looks like a name rather than a code."""
    hint = f'{DECREE}; codes look like "16" or "16.06"'
    if looks_like_name(value):
        near = closest(value)
        if near:
            hint = "did you mean " + " or ".join(f'"{r.code}" ({r.name})' for r in near) + "?"
    else:
        # Name the deepest region that does exist: the operator mistyped the part after it.
        parts = value.split(".")
        parents = [table().get(".".join(parts[:n])) for n in range(len(parts) - 1, 0, -1)]
        parent = next((p for p in parents if p is not None), None)
        if parent is not None:
            hint = f"{DECREE}; {parent.code} is {parent.name}, but it has no {value}"
    return f'region "{value}" is not in the Kemendagri table ({hint})'


@functools.cache
def candidate_accounts() -> dict[tuple[str, str], dict[str, str]]:
    """Social accounts Wikidata records for regions and ministries (shipped, CC0), by
    (platform, normalised url): candidates that ``pantau discover`` confirms when an official
    website links them."""
    text = (files("pantau.config") / "data" / "candidate-accounts.csv").read_text(encoding="utf-8")
    return {(row["platform"], row["url"]): row for row in csv.DictReader(text.splitlines())}
