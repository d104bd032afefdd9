"""pantau installs as one `pantau` namespace, and declares exactly what it imports."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ROOMS = ("config", "storage", "crawler", "spiders", "monitor", "alerts")


def _dist_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _imports(folders: tuple[str, ...]) -> set[str]:
    """Top-level names of the modules imported by the code in ``folders``."""
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    local = {p.stem for folder in folders for p in (ROOT / folder).glob("*.py")}
    return names - set(sys.stdlib_module_names) - local - {"pantau", "__future__", "tests", "benchmarks"}


def _distributions(imports: set[str], *, installed_only: bool = True) -> set[str]:
    """The distributions providing ``imports``; a module not installed here (a benchmark-only
    one, when only the test extra is installed) stands for the distribution of its own name."""
    by_module = importlib.metadata.packages_distributions()
    out = set()
    for name in imports:
        dists = by_module.get(name)
        assert dists or not installed_only, f"{name} is imported but no installed distribution provides it"
        out.update(d.lower().replace("_", "-") for d in (dists or [name]))
    return out


def test_every_package_installs_under_the_pantau_namespace():
    packages = PYPROJECT["tool"]["setuptools"]["packages"]
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    # It should put nothing generic (config, storage, …) at the top of site-packages
    assert packages and all(p.startswith("pantau.") for p in packages)
    assert {p.split(".")[1] for p in packages} == set(ROOMS)
    for package in packages:
        folder = ROOT / mapping[package]
        assert (folder / "__init__.py").is_file(), f"{package} maps to {folder}, which is not a package"


def test_the_version_is_written_once_and_read_from_the_metadata():
    from pantau.config.settings import VERSION

    # It should report the version pyproject.toml declares, through importlib.metadata
    assert VERSION == PYPROJECT["project"]["version"] == importlib.metadata.version("pantau")


def test_every_runtime_dependency_is_imported_and_every_import_declared():
    declared = {_dist_name(r) for r in PYPROJECT["project"]["dependencies"]}
    used = _distributions(_imports(ROOMS))
    # It should declare what the code imports directly, and import what it declares
    assert used - declared == set(), "imported but not declared"
    assert declared - used == set(), "declared but never imported"


def test_test_and_benchmark_imports_are_declared_in_their_extras():
    extras = PYPROJECT["project"]["optional-dependencies"]
    declared = {_dist_name(r) for r in PYPROJECT["project"]["dependencies"]}
    declared |= {_dist_name(r) for r in extras["test"] + extras.get("bench", [])}
    used = _distributions(_imports(("tests",))) | _distributions(_imports(("benchmarks",)), installed_only=False)
    # It should let a fresh `pip install '.[test]'` (and '.[bench]') run what it ships
    assert used - declared == set()
