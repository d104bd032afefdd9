"""A registry value pantau cannot take as written is rejected at its line, never rewritten."""

from __future__ import annotations

import pytest

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
GOOD = "Dinas Kominfo,16.06,website,,https://mubakab.go.id,,,,\n"


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Dinas A,16.06,website,,mailto:humas@mubakab.go.id,,,,", "must start with http:// or https://"),
        ("Dinas A,16.06,website,,http:/dinkes.mubakab.go.id,,,,", "must start with http:// or https://"),
        ('Dinas A,16.06,website,,"https://dinkes.mubakab.go.id/\nberita",,,,', "holds a space, tab or line break"),
        ("Dinas A,16.06,website,,https://admin@dinkes.mubakab.go.id,,,,", "holds a user name before the host"),
        ("Dinas A,16.06,telegram,..,,,,,", "telegram account needs a url or a handle"),
        ("Dinas A,16.06,instagram,,https://www.instagram.com/../,,,,", "does not name a instagram account"),
        ("Dinas A,١٦.٠٦,website,,https://dinkes.mubakab.go.id,,,,", "is not a Kemendagri code"),
        ("Dinas A,16.06,website,,https://dinkes.mubakab.go.id,,,٤٥,", 'dormant_after_days "٤٥" must be a whole number'),
    ],
)
def test_a_value_that_would_be_rewritten_is_rejected(project, row, reason):
    project.write("registry.csv", HEADER + GOOD + row + "\n")

    result = project.run("registry", "import", "registry.csv")

    # It should reject the row at its line, say why, and keep the good row
    assert result.returncode == 2
    assert result.stderr.startswith("registry.csv:3: ") and reason in result.stderr
    assert "added 1," in result.stdout
    assert [a["url"] for a in project.accounts()] == ["https://mubakab.go.id"]


def test_a_column_given_twice_is_refused_instead_of_the_last_winning(project):
    project.write("registry.csv", "institution,platform,url,url\nDinas A,website,https://a.go.id,https://b.go.id\n")

    result = project.run("registry", "import", "registry.csv")

    # It should name the column and import nothing
    assert result.returncode == 2
    assert "registry.csv:1: column url appears twice in the header" in result.stderr
    assert project.accounts() == []


@pytest.mark.parametrize(
    "value, kind", [("!!binary aGVsbG8=", "binary data"), ("{kepala: Budi}", "a mapping"), ("[a, b]", "a list")]
)
def test_a_yaml_value_that_is_not_text_is_rejected(project, value, kind):
    project.write(
        "registry.yaml",
        f"- institution: Dinas Kominfo\n  platform: website\n  url: https://mubakab.go.id\n  note: {value}\n",
    )

    result = project.run("registry", "import", "registry.yaml")

    # It should say the field must be text instead of storing a Python repr
    assert result.returncode == 2
    assert f"registry.yaml:1: note must be text, not {kind}" in result.stderr


def test_yaml_words_and_dates_are_kept_as_written(project):
    project.write(
        "registry.yaml",
        "- institution: Dinas Kominfo\n  platform: website\n  url: https://mubakab.go.id\n"
        "  note: yes\n- institution: Dinas Kesehatan\n  platform: website\n"
        "  url: https://dinkes.mubakab.go.id\n  note: 2024-01-01T10:00:00\n",
    )

    result = project.run("registry", "import", "registry.yaml")

    # It should store "yes" and the date as the text written, not True or a reformatted date
    assert result.returncode == 0, result.stderr
    assert sorted(a["note"] for a in project.accounts()) == ["2024-01-01T10:00:00", "yes"]
