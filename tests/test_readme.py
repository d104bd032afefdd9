"""Every command the CLI offers is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pantau.monitor.cli import COMMANDS

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command):
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    # `pantau alerts send`, `pantau --config x run`, or a table cell such as `init [DIR]`.
    words = r"\s+".join(re.escape(w) for w in command.split())
    invoked = re.compile(rf"\bpantau(?:\s+--config[\s=]\S+)?\s+{words}(?![\w-])")
    cell = re.compile(rf"`{words}(?:[\s`])")

    # It should show the operator how to use each command
    assert invoked.search(text) or cell.search(text), f"README.md does not document `pantau {command}`"


def test_ci_runs_the_test_command_the_readme_gives():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    quick = [
        line.strip()
        for line in readme.split("## Quick start", 1)[1].split("##", 1)[0].splitlines()
        if line.startswith("    ") and line.strip()
    ]
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    # It should have exactly two quick-start commands, and CI should run the test one verbatim
    assert len(quick) == 2
    assert "pantau demo" in quick[0]
    assert quick[1] in ci
