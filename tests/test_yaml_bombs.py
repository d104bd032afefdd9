"""A YAML registry cannot make pantau expand aliases into gigabytes or recurse itself to death."""

from __future__ import annotations


def laughs(levels: int, width: int = 10) -> str:
    """The "billion laughs" shape: each level is ``width`` aliases of the one below."""
    lines = ['a0: &a0 "ha"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_it_refuses_a_registry_with_aliases_instead_of_expanding_them(project):
    # Small enough to be harmless if it were expanded (100,000 "ha"), the same shape as the
    # 650-byte file that grows to gigabytes.
    project.write(
        "registry.yaml",
        "accounts:\n"
        + "  - institution: *a5\n    platform: website\n    url: https://mubakab.go.id\n"
        + "x:\n"
        + "".join("  " + line + "\n" for line in laughs(5).splitlines()),
    )

    result = project.run("registry", "import", "registry.yaml")

    # It should stop with one line naming aliases, import nothing, and show no traceback
    assert result.returncode == 2
    assert "anchors and aliases (&name, *name) are not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert project.accounts() == []


def test_it_refuses_yaml_nested_twenty_thousand_deep_with_a_line_error(project):
    project.write("registry.yaml", "accounts:\n  - institution: " + "[" * 20_000 + "]" * 20_000 + "\n")

    result = project.run("registry", "import", "registry.yaml")

    # It should say the file is nested too deep, not crash with a RecursionError
    assert result.returncode == 2
    assert result.stderr.startswith("pantau: registry.yaml:2: not valid YAML: nested deeper than 16 levels")
    assert "Traceback" not in result.stderr
