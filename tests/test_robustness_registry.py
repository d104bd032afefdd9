"""Bad registry input never crashes the parser: every row is accepted or rejected at its line.

Property-based (hypothesis): arbitrary CSV cells and arbitrary YAML values, mixed with the
plausible values an operator pastes, so that both outcomes are exercised. An accepted row
must keep its identity through the real export (import into a database, export, parse
again); a rejected one must say ``FILE:LINE: reason`` with the line its row starts on.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pantau.config.platforms import ALIASES, PLATFORMS
from pantau.config.registry import FIELDS, RegistryError, dump_rows, parse_registry
from pantau.storage.accounts import export_accounts, import_accounts
from pantau.storage.db import open_db

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# --- what operators paste, and what they should not ----------------------------------------

_WEB_PLATFORMS = ("website", "feed", "web", "situs", "rss", "atom", "Website", " FEED ")
_SOCIAL_PLATFORMS = (
    "instagram",
    "facebook",
    "x",
    "twitter",
    "tiktok",
    "threads",
    "telegram",
    "youtube",
    "ig",
    "fb",
    "yt",
    "tg",
    "mastodon",
    "Instagram",
    " YouTube ",
)
_PLATFORM = st.one_of(
    st.sampled_from(PLATFORMS + tuple(ALIASES) + ("instagran", "myspace", "")),
    st.sampled_from(_WEB_PLATFORMS + _SOCIAL_PLATFORMS),
)
_HOST = st.one_of(
    st.sampled_from(
        (
            "mubakab.go.id",
            "www.mubakab.go.id",
            "WWW.Sumselprov.GO.ID",
            "diskominfo.oki.go.id.",
            "127.0.0.1",
            "[::1]",
            "[::1",
            "xn--mubakab-9za.go.id",
            "kominfo.mubakab.go.id:8080",
            "mubakab.go.id:80",
            "mubakab.go.id:99999",
            "mubakab.go.id:x",
            "www.www.mubakab.go.id",
            "host name.go.id",
            "user@mubakab.go.id",
            "",
            "dinas.kab.go.id..",
        )
    ),
    st.from_regex(r"[a-zA-Z0-9.\-]{1,20}", fullmatch=True),
)
_PATH = st.one_of(
    st.sampled_from(("", "/", "/feed/", "/feed", "/berita?page=2", "/?", "/a b", "/#top", "/%zz", "//x", "/./")),
    st.from_regex(r"(/[a-zA-Z0-9_.%~\-]{0,6}){0,3}(\?[a-z=&]{0,6})?", fullmatch=True),
)
_WEB_URL = st.builds(
    lambda s, h, p: f"{s}{h}{p}",
    st.sampled_from(("https://", "http://", "HTTP://", "", "//", "ftp://", "mailto:")),
    _HOST,
    _PATH,
)
_SOCIAL_HOSTS = (
    "instagram.com",
    "www.instagram.com",
    "facebook.com",
    "m.facebook.com",
    "twitter.com",
    "x.com",
    "tiktok.com",
    "threads.net",
    "t.me",
    "telegram.me",
    "youtube.com",
    "m.youtube.com",
    "mastodon.go.id",
    "instagram.co",
)
_SEGMENT = st.one_of(
    # Words that are pages of the platform itself, not accounts, and the forms accounts take.
    st.sampled_from(
        (
            "p",
            "reel",
            "i",
            "intent",
            "groups",
            "profile.php",
            "pages",
            "s",
            "joinchat",
            "c",
            "channel",
            "user",
            "watch",
            "shorts",
            "@",
            "@KominfoMuba",
            "KominfoMuba",
            "kominfo.muba",
            "users",
            "123456",
            "UCabc",
            "profile.php?id=123&sk=about",
            "profile.php?id=x",
        )
    ),
    st.from_regex(r"@?[A-Za-z0-9_.\-]{1,12}", fullmatch=True),
)
_SOCIAL_URL = st.builds(
    lambda s, h, segs, slash: s + h + "".join("/" + x for x in segs) + slash,
    st.sampled_from(("https://", "http://", "")),
    st.sampled_from(_SOCIAL_HOSTS),
    st.lists(_SEGMENT, max_size=3),
    st.sampled_from(("", "/")),
)
_HANDLE = st.one_of(
    st.sampled_from(
        (
            "",
            "",
            "@kominfomuba",
            "KominfoMuba",
            "p",
            "s",
            "i",
            "groups",
            "profile.php",
            "watch",
            "@humas@mastodon.go.id",
            "@a@b@c",
            "a b",
            "@",
            "x" * 101,
        )
    ),
    st.from_regex(r"@?[A-Za-z0-9_.\-]{1,10}(@[a-z.]{1,10})?", fullmatch=True),
)
_URL = st.one_of(_WEB_URL, _SOCIAL_URL, _HANDLE)
_REGION = st.sampled_from(("", "16", "16.06", "16.10", "16.06.01", "16.06.01.2001", "1", "16.6", "١٦", "16.06\n"))
_EMAIL = st.sampled_from(("", "humas@mubakab.go.id", "Humas@Mubakab.go.id", "humas@", "a@b", "a b@c.d", "a@b.c,d@e.f"))
_DAYS = st.one_of(
    st.sampled_from(
        (
            "",
            "0",
            "1",
            "30",
            "-5",
            "3.5",
            "²",
            "١٢",
            "30 hari",
            " 45 ",
            "36500",
            "36501",
            "99999999999999999999",
            "9" * 5000,
        )
    ),
    st.integers(min_value=-(10**3), max_value=10**30).map(str),
)
_ID = st.one_of(
    st.just(""),
    st.integers(min_value=0, max_value=10**20).map(str),
    st.sampled_from(("x", "²", "-1", "9223372036854775808", "1" * 5000)),
)
_INSTITUTION = st.sampled_from(
    (
        "Dinas Kominfo Kab. Musi Banyuasin",
        "Pemerintah Provinsi Sumatera Selatan",
        "Dinas <b>Kesehatan</b>",
        'BPBD "Sumsel", bidang 2',
        "",
    )
)

# Anything at all: control characters, quotes, separators, line breaks of every kind.
_JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        (
            "",
            " ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            '"',
            '""',
            ",",
            ";",
            "\x00",
            "\ufeff",
            "\x85",
            "\u2028",
            "\x1c",
            "=cmd|' /C calc'!A0",
            "a\nb",
            "a\rb",
            "'",
            "#",
            "- x",
            "{a: 1}",
        )
    ),
)
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "institution": _INSTITUTION,
    "region": _REGION,
    "platform": _PLATFORM,
    "handle": _HANDLE,
    "url": _URL,
    "feed_url": st.one_of(st.just(""), _WEB_URL),
    "owner_email": _EMAIL,
    "dormant_after_days": _DAYS,
    "note": st.text(max_size=20),
    "id": _ID,
}


@st.composite
def account_cells(draw: st.DrawFn, fields: list[str]) -> dict[str, Any]:
    """One row's values: mostly what belongs in each column, sometimes anything at all.

    The platform and the url are drawn together (a web address for a website, a profile
    address or a handle for a social platform), so that many rows are valid and the
    identity rules are exercised, not only the rejections.
    """
    social = draw(st.booleans())
    coherent = {
        "platform": draw(st.sampled_from(_SOCIAL_PLATFORMS if social else _WEB_PLATFORMS)),
        "url": draw(st.one_of(_SOCIAL_URL, _HANDLE) if social else _WEB_URL),
        "handle": draw(_HANDLE) if social else "",
    }
    values = {}
    for name in fields:
        key = name.strip().lower()
        choice = draw(st.sampled_from(("fit", "fit", "fit", "fit", "plausible", "junk")))
        if choice == "fit" and key in coherent:
            values[name] = coherent[key]
        elif choice == "junk":
            values[name] = draw(_JUNK)
        else:
            values[name] = draw(PLAUSIBLE.get(key, _JUNK))
    return values


# --- counting lines the way each reader does ------------------------------------------------

# csv reads a StringIO(newline=""): universal newlines, nothing else breaks a line.
_CSV_BREAK = re.compile(r"\r\n|\r|\n")
# PyYAML's reader also breaks lines at NEL, LS and PS.
_YAML_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def line_after(text: str, breaks: re.Pattern[str]) -> int:
    """The line number where the next character of a file that starts with ``text`` is."""
    return len(breaks.findall(text)) + 1


def blank(values: list[Any]) -> bool:
    return not any(str(v).strip() for v in values)


# --- checks common to both formats ----------------------------------------------------------


def assert_every_row_accounted_for(path: Path, expected_lines: list[int]) -> Any:
    parsed = parse_registry(path)
    accepted = [r.line for r in parsed.rows]
    rejected = []
    for err in parsed.errors:
        m = re.match(rf"^{re.escape(str(path))}:(\d+): (.+)$", err, re.DOTALL)
        assert m, f"error without FILE:LINE: reason: {err!r}"
        assert m.group(2).strip(), f"error without a reason: {err!r}"
        rejected.append(int(m.group(1)))
    # It should accept or reject each row exactly once, and name the line the row starts on
    assert sorted(accepted + rejected) == sorted(expected_lines), (accepted, rejected, parsed.errors)
    return parsed


def identities(path: Path) -> list[tuple[str, str]]:
    parsed = parse_registry(path)
    # It should read its own export back without a single rejection
    assert parsed.errors == [], parsed.errors
    return [(r.platform, r.url) for r in parsed.rows]


def assert_identity_survives_export(parsed: Any, folder: Path) -> None:
    """Write the accepted rows back out, directly and as `pantau registry export` does, and parse again."""
    if not parsed.rows:
        return
    records = [dict(r.as_record(), id=r.id) for r in parsed.rows]
    db = open_db(":memory:")
    try:
        import_accounts(db, records, NOW)
        exported = export_accounts(db)
    finally:
        db.conn.close()
    for fmt, suffix in (("csv", ".csv"), ("yaml", ".yaml")):
        direct = folder / f"rows{suffix}"
        direct.write_text(dump_rows(records, fmt), encoding="utf-8")
        # It should give each accepted row the same platform and url when read again
        assert identities(direct) == [(r.platform, r.url) for r in parsed.rows], fmt
        again = folder / f"exported{suffix}"
        again.write_text(dump_rows(exported, fmt), encoding="utf-8")
        # It should read every exported account back as the same platform and url
        assert identities(again) == [(a["platform"], a["url"]) for a in exported], fmt


# --- CSV ------------------------------------------------------------------------------------


@st.composite
def csv_registries(draw: st.DrawFn) -> tuple[str, list[int]]:
    optional = draw(
        st.lists(
            st.sampled_from(
                [f for f in FIELDS if f not in ("institution", "platform", "url")] + ["id", "unknown_column"]
            ),
            unique=True,
        )
    )
    header = draw(st.permutations(["institution", "platform", "url", *optional]))
    shown = [draw(st.sampled_from((name, name.upper(), f" {name} "))) for name in header]
    buf = io.StringIO()
    # "\r\n" as the terminator makes csv quote cells holding either character.
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(shown)
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        drawn = draw(account_cells(header))
        cells = [drawn[name] for name in header]
        extra = draw(st.sampled_from((0, 0, 0, 1, -1)))
        if extra > 0:
            cells.append(draw(_JUNK))
        elif extra < 0 and cells:
            cells.pop()
        start = line_after(buf.getvalue(), _CSV_BREAK)
        writer.writerow(cells)
        if cells and not blank(cells):
            lines.append(start)
    return buf.getvalue(), lines


@PROPERTY
@given(csv_registries())
# Found by this test: a handle that names a page of the platform ("p", "s"), a note holding a
# lone carriage return, numbers beyond what the database holds.
@example((("institution,platform,url,handle\r\nA,instagram,,p\r\nB,telegram,t.me/s/s,\r\nC,x,@i,\r\n"), [2, 3, 4]))
@example(('institution,platform,url,note\r\nA,website,https://mubakab.go.id,"0\r0"\r\n', [2]))
@example(
    (
        (
            "institution,platform,url,dormant_after_days,id\r\n"
            "A,website,https://mubakab.go.id,99999999999999999999,99999999999999999999\r\n"
            "B,website,https://oki.go.id,²,²\r\n"
        ),
        [2, 3],
    )
)
def test_any_csv_cell_is_accepted_or_rejected_at_its_line(registry: tuple[str, list[int]]) -> None:
    text, lines = registry
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        path.write_bytes(text.encode("utf-8"))
        parsed = assert_every_row_accounted_for(path, lines)
        assert_identity_survives_export(parsed, Path(tmp))


# --- YAML -----------------------------------------------------------------------------------

_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(),
    st.binary(max_size=8),
)
_ANY_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def yaml_account(draw: st.DrawFn) -> dict[Any, Any]:
    names = draw(
        st.lists(st.sampled_from(list(PLAUSIBLE) + ["unknown_field", "URL", " Platform "]), unique=True, max_size=8)
    )
    names = list(dict.fromkeys(["institution", "platform", "url"] + names)) if draw(st.booleans()) else names
    values = draw(account_cells(names))
    for name in names:
        # Any YAML value at all in place of the text: a number, a date, a list, a mapping…
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            values[name] = draw(_ANY_VALUE)
    return values


@st.composite
def yaml_registries(draw: st.DrawFn) -> tuple[str, list[int]]:
    wrapped = draw(st.booleans())
    text = "# registri\naccounts:\n" if wrapped else ""
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        kind = draw(st.sampled_from(("account", "account", "account", "scalar", "list", "empty")))
        if kind == "account":
            item: Any = draw(yaml_account())
        elif kind == "scalar":
            item = draw(_SCALAR)
        elif kind == "list":
            item = draw(st.lists(_SCALAR, max_size=2))
        else:
            item = {}
        # One item at a time: the sequence's items are the dumps laid one after another,
        # so the line each starts on is known without asking YAML.
        chunk = yaml.safe_dump([item], allow_unicode=True, default_flow_style=False, sort_keys=False)
        if wrapped:
            chunk = "".join("  " + line for line in chunk.splitlines(keepends=True))
        lines.append(line_after(text, _YAML_BREAK))
        text += chunk
    if wrapped and not lines:
        text += "  []\n"
    return text, lines


@PROPERTY
@given(yaml_registries())
def test_any_yaml_value_is_accepted_or_rejected_at_its_line(registry: tuple[str, list[int]]) -> None:
    text, lines = registry
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.yaml"
        path.write_text(text, encoding="utf-8")
        parsed = assert_every_row_accounted_for(path, lines)
        assert_identity_survives_export(parsed, Path(tmp))


# YAML that is well formed but that a safe loader will not turn into plain values: tags it
# does not know, typed scalars that do not parse, keys that cannot be dict keys.
ODD_YAML_VALUES = [
    "!foo bar",
    "!!python/object:os.system echo",
    "!!python/name:os.system ''",
    "!!int abc",
    "!!float abc",
    "!!timestamp 2024-13-45",
    "!!bool maybe",
    "!!binary '%%%'",
    "!!set {a, b}",
    "!!omap [a, b]",
    "&anchor value",
    "[a, {b: c}]",
    "{? [a, b] : c}",
    "'unterminated' extra",
]


@pytest.mark.parametrize("odd", ODD_YAML_VALUES)
def test_an_odd_yaml_value_rejects_only_its_own_row(tmp_path: Path, odd: str) -> None:
    text = (
        "accounts:\n"
        "  - institution: Pemerintah Kabupaten Musi Banyuasin\n"  # line 2
        "    platform: website\n"
        "    url: https://mubakab.go.id\n"
        "  - institution: Dinas Kominfo Kab. Musi Banyuasin\n"  # line 5
        "    platform: website\n"
        f"    note: {odd}\n"
        "    url: https://diskominfo.mubakab.go.id\n"
        "  - institution: Dinas Kesehatan Kab. Musi Banyuasin\n"  # line 9
        "    platform: website\n"
        "    ? [complex, key]\n"
        "    : value\n"
        "    url: https://dinkes.mubakab.go.id\n"
        "  - institution: Dinas Pendidikan Kab. Musi Banyuasin\n"  # line 14
        "    platform: website\n"
        "    url: https://disdik.mubakab.go.id\n"
    )
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        parsed = parse_registry(path)
    except RegistryError as exc:
        # Not YAML at all (the value broke the document): a whole-file error with its line.
        assert re.match(rf"^{re.escape(str(path))}:\d+: not valid YAML", str(exc)), str(exc)
        return

    # It should keep the good rows and reject the odd ones at their own lines, with a reason
    accepted = [r.line for r in parsed.rows]
    assert accepted[0] == 2
    assert accepted[-1] == 14
    assert any(e.startswith(f"{path}:9: ") for e in parsed.errors), parsed.errors
    rejected = [int(re.match(rf"^{re.escape(str(path))}:(\d+): ", e).group(1)) for e in parsed.errors]
    assert sorted(accepted + rejected) == [2, 5, 9, 14]
