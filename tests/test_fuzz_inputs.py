"""Fuzzing the files an operator hands pantau: no traceback, no hang, whatever is in them.

Registry files (CSV, YAML) and pantau.toml are taken from the shipped examples and mutated
(characters inserted, deleted, repeated; hostile fragments spliced in: quotes, NULs, control
characters, YAML anchors and tags, deep brackets, huge numbers), or written from scratch.
Every input must end in exactly one of the outcomes the command line turns into an exit
status: a clean acceptance, a per-row ``FILE:LINE: reason`` (exit 2), or one file-level
error (exit 2). Each example runs under a hang guard; a few go through the real command.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from conftest import pantau_command
from hangs import deadline
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantau.config.registry import RegistryError, parse_registry
from pantau.config.settings import ConfigError, load_config

EXAMPLES = Path(__file__).resolve().parent.parent / "config" / "examples"
CSV_TEXT = (EXAMPLES / "registry.csv").read_text(encoding="utf-8")
TOML_TEXT = (EXAMPLES / "pantau.toml").read_text(encoding="utf-8")
YAML_TEXT = """accounts:
  - institution: Pemerintah Kabupaten Musi Banyuasin
    region: "16.06"
    platform: website
    url: https://mubakab.go.id
    owner_email: humas@mubakab.go.id
  - institution: Dinas Kominfo Kab. Musi Banyuasin
    platform: instagram
    handle: kominfomuba
    url: https://www.instagram.com/kominfomuba/
    dormant_after_days: 45
"""
FUZZ = settings(
    max_examples=150,
    deadline=3000,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HANG_S = 10

FRAGMENTS = [
    '"',
    "'",
    ",",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\x1b[2J",
    "\t",
    "\ufeff",
    "\u202e",
    ":",
    "- ",
    "&a ",
    "*a",
    "!!binary ",
    "!!python/object:os.system ",
    "{",
    "}",
    "[" * 300,
    "]",
    "=cmd|'/C calc'!A0",
    "@",
    "99999999999999999999",
    "-1",
    "0",
    "1e999",
    "\\",
    "\\u0000",
    "#",
    "[[",
    "]]",
    "= ",
    "x" * 3000,
    "https://",
    "mailto:a@b.c",
    "{handle}",
    "{nope}",
    "é",
    "١٦",
    "\x85",
    "\u2028",
    '"""',
    "'''",
]


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    """``base`` with a few edits: a hostile fragment or random text inserted, a span cut or repeated."""
    text = base
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(("fragment", "fragment", "text", "cut", "repeat")))
        if edit == "fragment":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        elif edit == "text":
            text = text[:at] + draw(st.text(max_size=12)) + text[at:]
        elif edit == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:
            span = text[at : at + draw(st.integers(1, 30))]
            text = text[:at] + span * draw(st.integers(2, 50)) + text[at:]
    return text


def anything(base: str) -> st.SearchStrategy[str]:
    return st.one_of(mutated(base), st.text(max_size=200), st.just(base))


LINE_ERROR = re.compile(r"^(?P<file>.+):(?P<line>[0-9]+): \S")


def parse_outcome(path: Path) -> str:
    """Parse like `registry import` does and name the outcome; anything else escapes as a failure."""
    with deadline(HANG_S):
        try:
            result = parse_registry(path)
        except RegistryError as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc).strip(), str(exc)
            return "file error"
    for error in result.errors:
        m = LINE_ERROR.match(error)
        assert m and m["file"] == str(path), error
    return "rows rejected" if result.errors else "accepted"


@FUZZ
@given(text=anything(CSV_TEXT))
def test_any_csv_registry_is_accepted_or_refused_with_a_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        # It should end in one of the three outcomes, within the hang guard
        assert parse_outcome(path) in ("accepted", "rows rejected", "file error")


@FUZZ
@given(text=anything(YAML_TEXT))
def test_any_yaml_registry_is_accepted_or_refused_with_a_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        # It should end in one of the three outcomes, within the hang guard
        assert parse_outcome(path) in ("accepted", "rows rejected", "file error")


@FUZZ
@given(text=anything(TOML_TEXT))
def test_any_pantau_toml_is_loaded_or_refused_naming_the_problem(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pantau.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with deadline(HANG_S):
            try:
                load_config(path)
            except ConfigError as exc:
                # It should refuse with one line that starts with the file's name
                assert str(exc).startswith(str(path)) and "\n" not in str(exc), str(exc)


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(
    registry=st.one_of(mutated(CSV_TEXT), mutated(YAML_TEXT).map(lambda t: "#yaml\n" + t)),
    config=st.one_of(st.just(TOML_TEXT), mutated(TOML_TEXT)),
)
def test_the_real_command_exits_0_or_2_without_a_traceback(tmp_path, registry, config):
    name = "registry.yaml" if registry.startswith("#yaml") else "registry.csv"
    (tmp_path / name).write_text(registry, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "pantau.toml").write_text(
        config.replace('path = "pantau.db"', 'path = "fuzz.db"', 1), encoding="utf-8", errors="surrogatepass"
    )

    done = subprocess.run(
        pantau_command() + ["--config", str(tmp_path / "pantau.toml"), "registry", "import", str(tmp_path / name)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # It should accept (0) or refuse with reasons (2), never crash
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr
