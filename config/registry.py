"""Parsing registry files (CSV, YAML) into validated account rows.

A bad row never stops the good ones: each problem comes back as ``FILE:LINE: reason``
(the CSV header is line 1) while every valid row is returned for import.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pantau.config.addresses import AddressError, check_email
from pantau.config.cells import escape, unescape
from pantau.config.platforms import MAX_URL_LENGTH, IdentityError, canonical_platform, normalise_account
from pantau.config.settings import valid_region

FIELDS = (
    "institution",
    "region",
    "platform",
    "handle",
    "url",
    "feed_url",
    "owner_email",
    "dormant_after_days",
    "note",
)
REQUIRED = ("institution", "platform", "url")
MAX_DORMANT_DAYS = 36500


class RegistryError(ValueError):
    """The file as a whole cannot be read (missing, wrong format, no header)."""


@dataclass
class RegistryRow:
    line: int
    institution: str
    platform: str
    url: str
    region: str = ""
    handle: str = ""
    feed_url: str = ""
    owner_email: str = ""
    dormant_after_days: int | None = None
    note: str = ""
    id: int | None = None  # present in exports, so a round trip keeps ids

    def as_record(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FIELDS}


@dataclass
class ParseResult:
    rows: list[RegistryRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_registry(path: str | Path) -> ParseResult:
    """Every row of a registry file, validated; see :func:`iter_registry`."""
    result = ParseResult()
    for item in iter_registry(path):
        if isinstance(item, str):
            result.errors.append(item)
        else:
            result.rows.append(item)
    return result


def iter_registry(path: str | Path) -> Iterator[RegistryRow | str]:
    """The rows of a registry file as they are read: a :class:`RegistryRow`, or ``FILE:LINE: reason``.

    A CSV file is read line by line, so a 100 MB registry never sits in memory whole (YAML
    is composed whole: keep national registries in CSV). A problem of the file itself is a
    :class:`RegistryError`, raised here for what can be seen before reading (missing, not a
    regular file, not UTF-8, unknown format) and at the first row for a bad header.
    """
    p = Path(path)
    if not p.exists():
        raise RegistryError(f"{p}: file not found")
    if not p.is_file():
        # A directory, a device (/dev/zero never ends), a pipe: not a registry file.
        raise RegistryError(f"{p}: not a regular file; give the path of a .csv or .yaml registry")
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise RegistryError(f"{p}: unknown registry format {suffix!r}; use .csv, .yaml or .yml")
    _check_utf8(p)
    if suffix == ".csv":
        return _validated(_csv_file_rows(p), str(p))
    text = p.read_bytes().decode("utf-8-sig")
    return _validated(iter(_yaml_rows(text, str(p))), str(p))


def _check_utf8(p: Path) -> None:
    """Refuse a file that is not UTF-8 before any row is read, naming the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with p.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                byte = max(0, offset + exc.start - len(decoder.getstate()[0]))
                raise RegistryError(f"{p}: not UTF-8 text (byte {byte}); save it as UTF-8") from None
            if not chunk:
                return
            offset += len(chunk)


def _csv_file_rows(p: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # newline="": line breaks are read as written, as csv wants (a quoted cell may hold one).
    with p.open(encoding="utf-8-sig", newline="") as fh:
        yield from _csv_rows(fh, str(p))


def _validated(raw: Iterator[tuple[int, dict[str, Any]]], name: str) -> Iterator[RegistryRow | str]:
    for line, data in raw:
        try:
            yield validate_row(line, data)
        except ValueError as exc:
            yield f"{name}:{line}: {exc}"


class _Lines:
    """A file's lines for ``csv.reader``, able to give back the lines of a row that failed.

    ``csv`` gives up on a row whose cell outgrows its field limit (131,072 characters: one
    stray ``"`` opens a quoted cell that runs on through the following rows) or holds a NUL.
    The row is rejected at its first line and reading starts again on the line after it, so
    the rows that follow are read as what they are.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._back: list[str] = []
        self._taken: list[str] = []
        self.count = 0  # lines handed out so far

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._back.pop() if self._back else next(self._lines)
        self.count += 1
        self._taken.append(line)
        return line

    def start_row(self) -> int:
        """Forget the previous row's lines; return the line number the next row starts on."""
        self._taken = []
        return self.count + 1

    def resume_after_first(self) -> None:
        """Give back every line of the failed row but its first, to be read again."""
        rest = self._taken[1:]
        self.count -= len(rest)
        self._back.extend(reversed(rest))
        self._taken = []


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f'a cell is longer than {csv.field_size_limit():,} characters (a stray " opens a quoted cell '
            "that runs on until the next one; close or remove it)"
        )
    if "NUL" in text:
        return "the row holds a NUL character; save the file as plain UTF-8 text"
    if "unexpected end of data" in text:
        return 'a quote (") opened on this row is never closed; close or remove it'
    if "expected after" in text:
        return 'a quoted cell goes on after its closing quote; put the whole cell in quotes and write "" for a quote'

    return f"cannot read the row as CSV: {text}"


def _csv_rows(source: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = _Lines(iter(source))
    # strict: a quote left open, or text after a closing quote, is an error on its row; the
    # lenient reader would fold the rest of the file into one cell, or rewrite the cell.
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise RegistryError(f"{name}: empty file; the first line must be a header") from None
    except csv.Error as exc:
        raise RegistryError(f"{name}:1: {_csv_problem(exc)}") from None
    header = [h.strip().lower() for h in header]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        # Otherwise the last of the two columns would win, silently.
        raise RegistryError(f"{name}:1: column {twice[0]} appears twice in the header; keep one")
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise RegistryError(f"{name}:1: header lacks required column(s) {', '.join(missing)}")
    while True:
        # A quoted cell may span lines: report the line where the row starts.
        line = lines.start_row()
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield line, {"__error__": _csv_problem(exc)}
            lines.resume_after_first()
            reader = csv.reader(lines, strict=True)
            continue
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            yield line, {"__error__": f"{len(record)} cells but the header has {len(header)}"}
            continue
        # A cell a spreadsheet could take for a formula was exported with one ' in front
        # (pantau.config.cells.escape); take exactly that one off again.
        yield line, dict(zip(header, map(unescape, record), strict=False))


# A registry is a list of flat mappings: four levels deep at most. Deeper is not a registry,
# and PyYAML's composer recurses once per level (20,000 levels: a RecursionError).
MAX_YAML_DEPTH = 16


class _TextLoader(yaml.SafeLoader):
    """Reads numbers as the text written: region ``16.10`` (Ogan Ilir) is a code, not 16.1.

    Anchors and aliases are refused (a 650-byte "billion laughs" file expands to gigabytes
    once its values are read as text), and so is nesting deeper than :data:`MAX_YAML_DEPTH`.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed in a registry; write each value out",
                event.start_mark,
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested deeper than {MAX_YAML_DEPTH} levels; a registry is a list of field: value mappings",
                event.start_mark,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Plain values stay the text written: no numbers (16.10), no YAML 1.1 booleans ("yes", "off"
# would become "True"/"False") and no timestamps (rewritten as "2024-01-01 10:00:00").
_TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:timestamp",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_rows(text: str, name: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        node = yaml.compose(text, Loader=_TextLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        if isinstance(exc, yaml.reader.ReaderError):
            # A character YAML does not allow (a control character): say where, on one line.
            where = f":{text.count(chr(10), 0, exc.position) + 1}"
            problem = (
                f"character U+{ord(exc.character):04X} is not allowed in YAML"
                if isinstance(exc.character, str)
                else exc.reason
            )
        raise RegistryError(f"{name}{where}: not valid YAML: {problem or str(exc).splitlines()[0]}") from None
    if node is None:
        return []
    # Accept both a bare list and {accounts: [...]}.
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "accounts":
                node = value
                break
        else:
            raise RegistryError(f"{name}: expected a list of accounts (or an 'accounts:' list)")
    if not isinstance(node, yaml.SequenceNode):
        raise RegistryError(f"{name}: expected a list of accounts")
    out = []
    for item in node.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            out.append((line, {"__error__": "each account must be a mapping of field: value"}))
            continue
        try:
            # Built from the composed node itself, so a problem's mark is the file's line.
            data = _TextLoader("").construct_document(item)
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors raise anything on junk
            # A well-formed value the safe loader will not build (an unknown tag such as
            # `!foo`, `!!int abc`, `!!bool maybe`, a list used as a key) is this row's
            # problem, not the file's.
            out.append((line, {"__error__": _unreadable(exc)}))
            continue
        out.append((line, data))
    return out


def _unreadable(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" on line {mark.line + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"cannot read the value{where}: {problem} (quote it to keep it as text)"


def validate_rows(raw: list[tuple[int, dict[str, Any]]], name: str) -> ParseResult:
    result = ParseResult()
    for line, data in raw:
        try:
            result.rows.append(validate_row(line, data))
        except ValueError as exc:
            result.errors.append(f"{name}:{line}: {exc}")
    return result


def region_problem(region: str) -> None:
    """Raise when ``region`` is not a code of the shipped Kemendagri table.

    A name typed instead of a code (``Musi Banyuasin``) gets the closest region's code.
    """
    from pantau.config.regions import closest, known, looks_like_name, unknown_region_message

    if valid_region(region):
        if not known(region):
            raise ValueError(unknown_region_message(region))
        return
    if looks_like_name(region) and closest(region):
        raise ValueError(unknown_region_message(region))
    raise ValueError(f'region "{region}" is not a Kemendagri code like "16", "16.06" or "16.06.01"')


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def validate_row(line: int, data: dict[str, Any]) -> RegistryRow:
    if "__error__" in data:
        raise ValueError(data["__error__"])
    data = {str(k).strip().lower(): v for k, v in data.items() if k is not None}
    unknown = [k for k in data if k not in FIELDS and k != "id" and k]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}; fields are {', '.join(FIELDS)}")
    for key, value in data.items():
        # A YAML list, mapping or !!binary would be stored as its Python repr.
        if value is not None and not isinstance(value, (str, int, float)):
            kinds: dict[type, str] = {dict: "a mapping", list: "a list", bytes: "binary data"}
            kind = kinds.get(type(value), type(value).__name__)
            raise ValueError(f"{key} must be text, not {kind}")
    for f in REQUIRED:
        if not _text(data.get(f)):
            if f == "url" and _text(data.get("handle")):
                continue
            raise ValueError(f"{f} is required")
    for key in ("url", "feed_url"):
        size = len(_text(data.get(key)))
        if size > MAX_URL_LENGTH:
            raise ValueError(
                f"{key} is {size:,} characters long; pantau reads addresses of at most "
                f"{MAX_URL_LENGTH:,} characters (Scrapy's URL length limit)"
            )
    try:
        platform = canonical_platform(_text(data.get("platform")))
        url, handle = normalise_account(platform, _text(data.get("url")), _text(data.get("handle")))
    except IdentityError as exc:
        raise ValueError(str(exc)) from None
    region = _text(data.get("region"))
    if region:
        region_problem(region)
    email = _text(data.get("owner_email"))
    if email:
        try:
            check_email(email)
        except AddressError as exc:
            raise ValueError(f'owner_email "{email}" is not an email address: {exc}') from None
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(
            f"url is {len(url):,} characters long once written in full; pantau reads addresses of "
            f"at most {MAX_URL_LENGTH:,} characters (Scrapy's URL length limit)"
        )
    feed_url = _text(data.get("feed_url"))
    if feed_url:
        try:
            from pantau.config.platforms import normalise_web_url

            normalise_web_url(feed_url)
        except IdentityError as exc:
            raise ValueError(f"feed_url: {exc}") from None
    days_raw = _text(data.get("dormant_after_days"))
    days = None
    if days_raw:
        # ASCII and isdecimal, not isdigit: "²" is a digit that int() refuses, and "١٢" one it
        # would silently rewrite as 12. The cap keeps the value
        # inside an SQLite integer (a century is already no deadline at all).
        if (
            not (days_raw.isascii() and days_raw.isdecimal())
            or len(days_raw) > 9
            or not 1 <= int(days_raw) <= MAX_DORMANT_DAYS
        ):
            raise ValueError(
                f'dormant_after_days "{days_raw}" must be a whole number of days, '
                f"at least 1 and at most {MAX_DORMANT_DAYS}"
            )
        days = int(days_raw)
    ident = _text(data.get("id"))
    return RegistryRow(
        line=line,
        institution=_text(data.get("institution")),
        platform=platform,
        url=url,
        region=region,
        handle=handle,
        feed_url=feed_url,
        owner_email=email,
        dormant_after_days=days,
        note=_text(data.get("note")),
        # Ids come from an export; anything that cannot be one (junk, beyond SQLite's
        # integers) is ignored like a missing id.
        id=int(ident) if ident.isdecimal() and len(ident) < 19 else None,
    )


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    # csv quotes a cell holding its line terminator ("\n") but not a lone "\r", which every
    # reader takes for a line break: the exported row would come back split in two.
    if not isinstance(value, str):
        return value
    # Opened in a spreadsheet, "=HYPERLINK(…)" from an office's registry row must stay text;
    # the import takes the ' off again, so the round trip stays exact.
    return escape(value.replace("\r\n", "\n").replace("\r", "\n"))


def dump_rows(records: list[dict[str, Any]], fmt: str) -> str:
    """Write accounts as CSV or YAML, ids first, so a re-import changes nothing."""
    cols = ("id",) + FIELDS
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in records:
            w.writerow({k: _csv_cell(r.get(k)) for k in cols})
        return buf.getvalue()
    if fmt == "yaml":
        items = [{k: r[k] for k in cols if r.get(k) not in (None, "")} for r in records]
        return yaml.safe_dump({"accounts": items}, allow_unicode=True, sort_keys=False)
    raise ValueError(f"unknown format {fmt!r}")
