"""A runaway cell in a CSV registry costs that row, never the file: the rows around it go in."""

from __future__ import annotations

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"


def good(i: int) -> str:
    return f"Dinas {i} Kab. Musi Banyuasin,16.06,website,,https://opd{i}.mubakab.go.id,,,,\n"


def test_a_stray_quote_that_runs_past_the_field_limit_is_one_line_error(project):
    # 3,500 rows after the stray quote: far more than csv's 131,072-character field limit.
    project.write(
        "registry.csv",
        HEADER
        + good(0)
        + 'Dinas Kesehatan,16.06,website,,https://dinkes.mubakab.go.id,,,,"catatan tanpa penutup\n'
        + "".join(good(i) for i in range(1, 3501)),
    )

    result = project.run("registry", "import", "registry.csv")

    # It should reject the row with the stray quote at its line, with no traceback
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'registry.csv:3: a cell is longer than 131,072 characters (a stray " opens a quoted cell that runs on '
        "until the next one; close or remove it)"
    ]
    # It should keep every good row, before and after it
    assert result.stdout.strip() == "added 3501, updated 0, unchanged 0, rejected 1"


def test_a_quote_never_closed_does_not_swallow_the_rows_after_it(project):
    project.write(
        "registry.csv",
        HEADER
        + good(0)
        + 'Dinas Kesehatan,16.06,website,,https://dinkes.mubakab.go.id,,,,"catatan tanpa penutup\n'
        + good(1)
        + good(2),
    )

    result = project.run("registry", "import", "registry.csv")

    # It should reject that row and read the two after it as rows, not as its note
    assert result.returncode == 2
    assert result.stderr.startswith('registry.csv:3: a quote (") opened on this row is never closed')
    assert result.stdout.strip() == "added 3, updated 0, unchanged 0, rejected 1"
