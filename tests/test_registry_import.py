"""`pantau registry import` / `export`: CSV and YAML, counts, rejected rows, identity, round trips."""

from __future__ import annotations

import csv
import io

import pytest
import yaml

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"

MUBA = HEADER + (
    "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,portal resmi kabupaten\n"
    "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,instagram,,"
    "https://www.instagram.com/kominfomuba/,,admin@diskominfo.mubakab.go.id,,\n"
    "Dinas Kesehatan Kab. Ogan Komering Ilir,16.02,facebook,,https://facebook.com/dinkesoki,,,45,\n"
    "Pemerintah Provinsi Sumatera Selatan,16,website,,https://sumselprov.go.id,"
    "https://sumselprov.go.id/feed/,,,\n"
)

MUBA_YAML = """\
# Registri akun resmi Sumatera Selatan
accounts:
  - institution: Pemerintah Kabupaten Musi Banyuasin
    region: "16.06"
    platform: website
    url: https://mubakab.go.id
    note: portal resmi kabupaten
  - institution: Dinas Komunikasi dan Informatika Kab. Musi Banyuasin
    region: "16.06"
    platform: youtube
    url: https://www.youtube.com/@kominfomuba
  - institution: Dinas Kesehatan Kab. Ogan Komering Ilir
    region: "16.02"
    platform: facebook
    url: https://facebook.com/dinkesoki
    dormant_after_days: 45
"""


def test_a_csv_registry_is_imported_and_counted(project):
    project.write("registry.csv", MUBA)

    result = project.run("registry", "import", "registry.csv")

    # It should print the counts line and store every account
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "added 4, updated 0, unchanged 0, rejected 0"
    stored = {(a["platform"], a["url"]): a for a in project.accounts()}
    assert set(stored) == {
        ("website", "https://mubakab.go.id"),
        ("instagram", "https://instagram.com/kominfomuba"),
        ("facebook", "https://facebook.com/dinkesoki"),
        ("website", "https://sumselprov.go.id"),
    }
    assert stored[("instagram", "https://instagram.com/kominfomuba")]["handle"] == "kominfomuba"
    assert stored[("facebook", "https://facebook.com/dinkesoki")]["dormant_after_days"] == 45
    assert stored[("website", "https://sumselprov.go.id")]["feed_url"] == "https://sumselprov.go.id/feed/"
    assert stored[("website", "https://mubakab.go.id")]["institution"] == "Pemerintah Kabupaten Musi Banyuasin"
    assert stored[("website", "https://mubakab.go.id")]["region"] == "16.06"


def test_a_yaml_registry_is_imported_and_counted(project):
    project.write("registry.yaml", MUBA_YAML)

    result = project.run("registry", "import", "registry.yaml")

    # It should read the same fields from YAML as from CSV
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "added 3, updated 0, unchanged 0, rejected 0"
    stored = {a["platform"]: a for a in project.accounts()}
    assert stored["youtube"]["url"] == "https://youtube.com/@kominfomuba"
    assert stored["youtube"]["handle"] == "kominfomuba"
    assert stored["facebook"]["dormant_after_days"] == 45
    assert stored["website"]["note"] == "portal resmi kabupaten"


def test_a_yaml_registry_may_be_a_bare_list(project):
    bare = yaml.safe_dump(yaml.safe_load(MUBA_YAML)["accounts"], allow_unicode=True)
    project.write("akun.yml", bare)

    result = project.run("registry", "import", "akun.yml")

    # It should accept a plain list of accounts as well as an `accounts:` list
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "added 3, updated 0, unchanged 0, rejected 0"


def test_importing_the_same_file_again_changes_nothing(project):
    project.write("registry.csv", MUBA)
    project.run("registry", "import", "registry.csv")
    before = project.accounts()

    again = project.run("registry", "import", "registry.csv")

    # It should count every row unchanged and leave the stored rows exactly as they were
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "added 0, updated 0, unchanged 4, rejected 0"
    assert project.accounts() == before


def test_a_changed_row_is_updated_in_place(project):
    project.write("registry.csv", MUBA)
    project.run("registry", "import", "registry.csv")
    ids = {a["url"]: a["id"] for a in project.accounts()}
    project.write("registry.csv", MUBA.replace("dinkesoki,,,45,", "dinkesoki,,humas@dinkes.okikab.go.id,60,"))

    result = project.run("registry", "import", "registry.csv")

    # It should update the one account that changed, keeping its id
    assert result.stdout.strip() == "added 0, updated 1, unchanged 3, rejected 0"
    dinkes = next(a for a in project.accounts() if a["platform"] == "facebook")
    assert dinkes["id"] == ids["https://facebook.com/dinkesoki"]
    assert dinkes["dormant_after_days"] == 60
    assert dinkes["owner_email"] == "humas@dinkes.okikab.go.id"


def test_a_bad_row_is_reported_with_file_and_line_while_good_rows_go_in(project):
    project.write(
        "registry.csv",
        HEADER
        + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,\n"
        + "Dinas Kominfo Kab. Musi Banyuasin,16.06,instagran,,https://instagram.com/kominfomuba,,,,\n"
        + "\n"
        + "Dinas Pendidikan Kab. Ogan Komering Ilir,16.02,website,,https://disdik.okikab.go.id,,,,\n"
        + ",16.02,website,,https://bkpsdm.okikab.go.id,,,,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    # It should give FILE:LINE: reason for each bad row (the header is line 1) and exit 2
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'registry.csv:3: unknown platform "instagran" (did you mean "instagram"?)',
        "registry.csv:6: institution is required",
    ]
    assert result.stdout.strip() == "added 2, updated 0, unchanged 0, rejected 2"
    assert sorted(a["url"] for a in project.accounts()) == ["https://disdik.okikab.go.id", "https://mubakab.go.id"]


def test_a_bad_row_with_a_multi_line_note_is_reported_at_the_line_where_it_starts(project):
    project.write(
        "registry.csv",
        HEADER
        + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,\n"
        + 'Kecamatan Sekayu,16.6,website,,https://sekayu.mubakab.go.id,,,,"Jl. Merdeka No. 1\n'
        + 'Sekayu, Musi Banyuasin"\n',
    )

    result = project.run("registry", "import", "registry.csv")

    # It should point the operator at the first line of the row, where its institution is
    assert result.stderr.splitlines() == [
        'registry.csv:3: region "16.6" is not a Kemendagri code like "16", "16.06" or "16.06.01"'
    ]


def test_a_bad_yaml_item_is_reported_at_the_line_of_the_item(project):
    project.write(
        "registry.yaml",
        MUBA_YAML
        + """\
  - institution: Dinas Pariwisata Kab. Musi Banyuasin
    region: "16.06"
    platform: instagran
    url: https://instagram.com/disparmuba
""",
    )

    result = project.run("registry", "import", "registry.yaml")

    # It should report the line where the item starts, and still import the good items
    assert result.returncode == 2
    assert result.stderr.strip() == 'registry.yaml:17: unknown platform "instagran" (did you mean "instagram"?)'
    assert result.stdout.strip() == "added 3, updated 0, unchanged 0, rejected 1"


@pytest.mark.parametrize(
    "alias, platform, url, expected_url",
    [
        ("twitter", "x", "https://twitter.com/SumselProv", "https://x.com/sumselprov"),
        ("Twitter", "x", "https://mobile.twitter.com/sumselprov/", "https://x.com/sumselprov"),
        ("ig", "instagram", "instagram.com/kominfomuba", "https://instagram.com/kominfomuba"),
        ("situs", "website", "https://www.mubakab.go.id/", "https://www.mubakab.go.id"),
        ("rss", "feed", "https://mubakab.go.id/feed/", "https://mubakab.go.id/feed/"),
    ],
)
def test_platform_aliases_are_stored_under_the_platform_name(project, alias, platform, url, expected_url):
    project.write("registry.csv", HEADER + f"Pemerintah Provinsi Sumatera Selatan,16,{alias},,{url},,,,\n")

    result = project.run("registry", "import", "registry.csv")

    # It should store the canonical platform and the normalised url
    assert result.returncode == 0, result.stderr
    [account] = project.accounts()
    assert (account["platform"], account["url"]) == (platform, expected_url)


def test_two_spellings_of_one_website_are_one_account(project):
    project.write("a.csv", HEADER + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,\n")
    project.write(
        "b.csv", HEADER + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,HTTPS://WWW.MubaKab.GO.ID:443/,,,,\n"
    )
    project.run("registry", "import", "a.csv")

    result = project.run("registry", "import", "b.csv")

    # It should see the same account (scheme/host case, www., default port, trailing slash)
    assert result.stdout.strip() == "added 0, updated 0, unchanged 1, rejected 0"
    assert [a["url"] for a in project.accounts()] == ["https://mubakab.go.id"]


def test_the_same_x_account_pasted_as_handle_and_as_url_is_one_account(project):
    project.write(
        "registry.csv",
        HEADER
        + "Pemerintah Provinsi Sumatera Selatan,16,x,@SumselProv,,,,,\n"
        + "Pemerintah Provinsi Sumatera Selatan,16,twitter,,https://twitter.com/sumselprov,,,,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    # It should keep one row: an operator's two spellings must not become two alerts
    assert result.stdout.strip() == "added 1, updated 0, unchanged 1, rejected 0"
    assert [(a["url"], a["handle"]) for a in project.accounts()] == [("https://x.com/sumselprov", "sumselprov")]


@pytest.mark.parametrize("region", ["16", "16.06", "16.06.01", "16.06.01.2001"])
def test_kemendagri_region_codes_are_accepted(project, region):
    project.write("registry.csv", HEADER + f"Kantor Kecamatan Sekayu,{region},website,,https://sekayu.go.id,,,,\n")

    result = project.run("registry", "import", "registry.csv")

    # It should accept province, regency, district and village codes
    assert result.returncode == 0, result.stderr
    assert project.accounts()[0]["region"] == region


@pytest.mark.parametrize("region", ["16.6", "abc", "1606", "16.06.", "16-06"])
def test_malformed_region_codes_are_rejected(project, region):
    project.write("registry.csv", HEADER + f"Kantor Kecamatan Sekayu,{region},website,,https://sekayu.go.id,,,,\n")

    result = project.run("registry", "import", "registry.csv")

    # It should reject the row and say what a region code looks like
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f'registry.csv:2: region "{region}" is not a Kemendagri code like "16", "16.06" or "16.06.01"'
    )
    assert project.accounts() == []


def test_an_unquoted_yaml_region_code_keeps_its_digits(project):
    # Ogan Ilir is 16.10: YAML reads an unquoted 16.10 as the number 16.1 unless told otherwise.
    project.write(
        "registry.yaml",
        """\
- institution: Pemerintah Kabupaten Ogan Ilir
  region: 16.10
  platform: website
  url: https://ogankab.go.id
- institution: Pemerintah Kabupaten Musi Banyuasin
  region: 16.06
  platform: website
  url: https://mubakab.go.id
""",
    )

    result = project.run("registry", "import", "registry.yaml")

    # It should store the code as written
    assert result.returncode == 0, result.stderr
    assert sorted(a["region"] for a in project.accounts()) == ["16.06", "16.10"]


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Diskominfo Muba,16.06,website,,,,,,", "url is required"),
        ("Diskominfo Muba,16.06,website,,ftp://mubakab.go.id,,,,", "must start with http:// or https://"),
        ("Diskominfo Muba,16.06,instagram,,https://facebook.com/kominfomuba,,,,", "is not a instagram address"),
        (
            "Diskominfo Muba,16.06,website,,https://mubakab.go.id,,admin(at)mubakab.go.id,,",
            'owner_email "admin(at)mubakab.go.id" is not an email address',
        ),
        (
            "Diskominfo Muba,16.06,website,,https://mubakab.go.id,,,tiga puluh,",
            'dormant_after_days "tiga puluh" must be a whole number',
        ),
        ("Diskominfo Muba,16.06,website,,https://mubakab.go.id,,,,,extra", "10 cells but the header has 9"),
    ],
)
def test_a_row_with_a_bad_field_is_rejected_with_the_reason(project, row, reason):
    project.write("registry.csv", HEADER + row + "\n")

    result = project.run("registry", "import", "registry.csv")

    # It should say what is wrong with the row
    assert result.returncode == 2
    assert result.stderr.startswith("registry.csv:2: ")
    assert reason in result.stderr


ROUND_TRIP = HEADER + (
    "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,portal resmi kabupaten\n"
    "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,instagram,kominfomuba,"
    "https://www.instagram.com/kominfomuba/,,admin@diskominfo.mubakab.go.id,,\n"
    "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,youtube,,https://www.youtube.com/@kominfomuba,,,,\n"
    "Dinas Kesehatan Kab. Ogan Komering Ilir,16.02,facebook,,https://facebook.com/dinkesoki,,,45,\n"
    "Pemerintah Provinsi Sumatera Selatan,16,website,,https://sumselprov.go.id,https://sumselprov.go.id/feed/,,,"
    '"Jl. Kapten A. Rivai No. 3, Palembang\n(kantor gubernur)"\n'
    "Kementerian Komunikasi dan Digital,,telegram,,https://t.me/komdigi,,,,\n"
    "Diskominfo Kota Palembang,16.71,mastodon,,https://mastodon.social/@kominfoplg,,,,\n"
    "Pemerintah Kabupaten Ogan Ilir,16.10,website,,https://ogankab.go.id,,,,\n"
)


@pytest.mark.parametrize("fmt", ["csv", "yaml"])
def test_an_export_reimported_into_the_same_database_changes_nothing(project, fmt):
    project.write("registry.csv", ROUND_TRIP)
    project.run("registry", "import", "registry.csv")
    before = project.accounts()

    exported = project.run("registry", "export", "--format", fmt, "--out", f"ekspor.{fmt}")
    again = project.run("registry", "import", f"ekspor.{fmt}")

    # It should count every account unchanged and leave every stored field as it was
    assert exported.returncode == 0, exported.stderr
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "added 0, updated 0, unchanged 8, rejected 0"
    assert project.accounts() == before


@pytest.mark.parametrize("fmt", ["csv", "yaml"])
def test_an_export_imported_into_a_fresh_database_keeps_the_ids(tmp_path, project, new_project, fmt):
    project.write("registry.csv", ROUND_TRIP)
    project.run("registry", "import", "registry.csv")
    exported = project.run("registry", "export", "--format", fmt).stdout
    # An operator sorts the file by institution before handing it to another server.
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(exported)))
        rows.sort(key=lambda r: r["institution"], reverse=True)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    else:
        data = yaml.safe_load(exported)
        data["accounts"].sort(key=lambda r: r["institution"], reverse=True)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    other = new_project(tmp_path / "server-provinsi", db="provinsi.db")
    other.write(f"registry.{fmt}", text)

    result = other.run("registry", "import", f"registry.{fmt}")

    # It should give every account the id it had, whatever the order of the file
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "added 8, updated 0, unchanged 0, rejected 0"
    fields = (
        "id",
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
    assert [{k: a[k] for k in fields} for a in other.accounts()] == [
        {k: a[k] for k in fields} for a in project.accounts()
    ]


def test_export_writes_to_stdout_by_default(project):
    project.write("registry.csv", MUBA)
    project.run("registry", "import", "registry.csv")

    result = project.run("registry", "export")

    # It should print CSV with the ids first
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "id," + HEADER.strip()
    assert len(result.stdout.splitlines()) == 5


def test_a_missing_registry_file_exits_2_with_a_reason(project):
    result = project.run("registry", "import", "tidak-ada.csv")

    # It should fail as bad input, naming the file
    assert result.returncode == 2
    assert result.stderr.strip() == "pantau: tidak-ada.csv: file not found"


def test_a_registry_that_is_not_utf8_exits_2_with_a_reason(project):
    project.write(
        "registry.csv",
        (
            HEADER + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,"
            "https://mubakab.go.id,,,,Kantor Bupati Sekayu \u2013 lantai 2\n"
        ).encode("cp1252"),
    )

    result = project.run("registry", "import", "registry.csv")

    # It should say it is not UTF-8 and how to fix it, and import nothing
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr and "save it as UTF-8" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_registry_of_an_unknown_format_exits_2(project):
    project.write("registry.xlsx", b"PK\x03\x04")

    result = project.run("registry", "import", "registry.xlsx")

    # It should name the formats it reads
    assert result.returncode == 2
    assert "use .csv, .yaml or .yml" in result.stderr


def test_a_csv_without_the_required_columns_exits_2(project):
    project.write("registry.csv", "nama,akun\nDiskominfo Muba,https://mubakab.go.id\n")

    result = project.run("registry", "import", "registry.csv")

    # It should say which columns the header lacks, on line 1
    assert result.returncode == 2
    assert "registry.csv:1: header lacks required column(s) institution, platform, url" in result.stderr


def test_a_yaml_file_with_a_syntax_error_exits_2_with_its_line(project):
    project.write("registry.yaml", "accounts:\n  - institution: Diskominfo Muba\n    platform: [website\n")

    result = project.run("registry", "import", "registry.yaml")

    # It should say where the YAML breaks
    assert result.returncode == 2
    assert "registry.yaml:" in result.stderr and "not valid YAML" in result.stderr


def test_the_shipped_example_registry_imports_cleanly(project):
    from pantau.monitor.cli import EXAMPLES

    result = project.run("registry", "import", str(EXAMPLES / "registry.csv"))

    # It should import every example row, so `pantau init` leaves a working start
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "added 9, updated 0, unchanged 0, rejected 0"


def test_the_www_spelling_an_operator_gave_is_kept_for_fetching(project):
    project.write(
        "a.csv", HEADER + "Pemerintah Kabupaten Ogan Komering Ilir,16.02,website,,https://www.kaboki.go.id/,,,,\n"
    )
    project.write("b.csv", HEADER + "Pemerintah Kabupaten Ogan Komering Ilir,16.02,website,,https://kaboki.go.id,,,,\n")
    project.run("registry", "import", "a.csv")

    result = project.run("registry", "import", "b.csv")

    # It should treat both spellings as one account, and keep fetching the name that answers
    assert result.stdout.strip() == "added 0, updated 0, unchanged 1, rejected 0"
    assert [a["url"] for a in project.accounts()] == ["https://www.kaboki.go.id"]
