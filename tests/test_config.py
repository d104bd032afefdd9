"""Loading pantau.toml: defaults, overrides, and errors that name the key and the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from pantau.config.settings import ConfigError, load_config, parse_duration


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_an_empty_file_gives_every_documented_default(tmp_path):
    cfg = load_config(write(tmp_path / "pantau.toml", "# kosong\n"))

    # It should fill every key INTERFACE.md promises with its documented default
    assert cfg.crawler["concurrency"] == 32
    assert cfg.crawler["per_host"] == 2
    assert cfg.crawler["timeout_s"] == 20
    assert cfg.crawler["user_agent"].startswith("pantau/")
    assert cfg.crawler["obey_robots"] is True
    assert cfg.crawler["allow_private_addresses"] is False
    assert cfg.policy_for("website") == {
        "warning_after_days": 14,
        "dormant_after_days": 30,
        "close_after_days": 90,
        "unreachable_after_failures": 3,
    }
    assert cfg.platform("youtube")["feed_url"] == "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}"
    assert cfg.platform("telegram")["preview_url"] == "https://t.me/s/{handle}"
    assert cfg.data["bridges"]["rsshub"] == ""
    assert cfg.smtp["security"] == "none"
    assert cfg.smtp["password_env"] == "PANTAU_SMTP_PASSWORD"
    assert cfg.timezone == "Asia/Jakarta"
    assert cfg.schedule["check_every"] == "6h"
    assert cfg.schedule["weekly_report"] == "mon 07:00"
    assert cfg.recipients == []


def test_the_database_path_is_relative_to_the_config_file(tmp_path, monkeypatch):
    path = write(tmp_path / "etc" / "pantau.toml", '[database]\npath = "data/pantau.db"\n')
    monkeypatch.chdir(tmp_path)

    cfg = load_config(path)

    # It should resolve the path beside the config file, not beside the working directory
    assert cfg.db_path == (tmp_path / "etc" / "data" / "pantau.db").resolve()


def test_the_shipped_example_config_loads(tmp_path):
    from pantau.monitor.cli import EXAMPLES

    cfg = load_config(EXAMPLES / "pantau.toml")

    # It should accept its own example, recipients and the website override included
    assert cfg.policy_for("website")["dormant_after_days"] == 60
    assert [r.regions for r in cfg.recipients] == [("16.06",), ("16",)]


def test_a_platform_policy_override_merges_over_the_general_policy(tmp_path):
    cfg = load_config(
        write(
            tmp_path / "pantau.toml",
            """
[policy]
dormant_after_days = 45
unreachable_after_failures = 4

[policy.platform.website]
dormant_after_days = 60

[policy.platform.instagram]
warning_after_days = 7
""",
        )
    )

    # It should change only the keys the platform table names and keep the rest from [policy]
    assert cfg.policy_for("website") == {
        "warning_after_days": 14,
        "dormant_after_days": 60,
        "close_after_days": 90,
        "unreachable_after_failures": 4,
    }
    assert cfg.policy_for("instagram") == {
        "warning_after_days": 7,
        "dormant_after_days": 45,
        "close_after_days": 90,
        "unreachable_after_failures": 4,
    }
    assert cfg.policy_for("youtube") == {
        "warning_after_days": 14,
        "dormant_after_days": 45,
        "close_after_days": 90,
        "unreachable_after_failures": 4,
    }


def test_a_platform_source_override_keeps_the_other_keys_of_that_platform(tmp_path):
    cfg = load_config(
        write(
            tmp_path / "pantau.toml",
            """
[platforms.telegram]
preview_url = "https://tg.kominfo.example.go.id/s/{handle}"
[bridges]
rsshub = "http://rsshub.internal:1200"
""",
        )
    )

    # It should override the one key and leave the platform's other defaults in place
    assert cfg.platform("telegram")["preview_url"] == "https://tg.kominfo.example.go.id/s/{handle}"
    assert cfg.platform("youtube")["feed_url"].startswith("https://www.youtube.com/feeds/")
    assert cfg.data["bridges"]["rsshub"] == "http://rsshub.internal:1200"


def test_an_unknown_key_names_the_key_the_file_and_the_likely_intended_key(tmp_path):
    path = write(tmp_path / "pantau.toml", "[crawler]\ntimeout = 10\n")

    message = config_error(path)

    # It should never silently fall back to a default: the operator learns where and what
    assert str(path.resolve()) in message
    assert "crawler.timeout" in message
    assert 'did you mean "timeout_s"' in message


def test_an_unknown_table_is_an_error_with_a_suggestion(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", "[polcy]\ndormant_after_days = 30\n"))

    # It should name the misspelt table and suggest the real one
    assert "unknown key polcy" in message
    assert 'did you mean "policy"' in message


def test_an_unknown_key_in_a_platform_override_is_named_in_full(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", "[policy.platform.website]\ndormant_days = 60\n"))

    # It should give the dotted path of the key inside the override table
    assert "policy.platform.website.dormant_days" in message
    assert 'did you mean "dormant_after_days"' in message


def test_an_override_for_an_unknown_platform_is_an_error(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", "[policy.platform.instagran]\ndormant_after_days = 60\n"))

    # It should name the platform and suggest the one meant
    assert "policy.platform.instagran" in message
    assert 'did you mean "instagram"' in message


@pytest.mark.parametrize(
    "line, key, wanted",
    [
        ('[crawler]\ntimeout_s = "20"', "crawler.timeout_s", "a whole number"),
        ('[crawler]\nobey_robots = "yes"', "crawler.obey_robots", "true/false"),
        ("[crawler]\nconcurrency = true", "crawler.concurrency", "a whole number"),
        ("[policy]\ndormant_after_days = 30.5", "policy.dormant_after_days", "a whole number"),
        ('[smtp]\nport = "25"', "smtp.port", "a whole number"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_key_and_the_expected_type(tmp_path, line, key, wanted):
    path = write(tmp_path / "pantau.toml", line + "\n")

    message = config_error(path)

    # It should say which key, in which file, and what kind of value it needs
    assert key in message
    assert wanted in message
    assert str(path.resolve()) in message


def test_a_table_written_as_a_value_is_an_error(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", 'crawler = "cepat"\n'))

    # It should say the key must be a table
    assert "[crawler] must be a table" in message


def test_a_threshold_below_one_day_is_an_error(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", "[policy]\nwarning_after_days = 0\n"))

    # It should refuse a threshold that would flag every account at once
    assert "warning_after_days must be at least 1" in message


@pytest.mark.parametrize("value", ["6 jam", "6", "0h", "1w", ""])
def test_a_bad_duration_names_the_key_and_shows_the_accepted_forms(tmp_path, value):
    path = write(tmp_path / "pantau.toml", f'[schedule]\ncheck_every = "{value}"\n')

    message = config_error(path)

    # It should name the key and show the forms that work
    assert "schedule.check_every" in message
    assert '"90s", "15m", "6h" or "1d"' in message
    assert str(path.resolve()) in message


def test_durations_in_seconds_minutes_hours_and_days_are_read():
    # It should read each documented unit
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("6h") == timedelta(hours=6)
    assert parse_duration("1d") == timedelta(days=1)


def test_a_bad_weekly_report_time_is_an_error(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", '[schedule]\nweekly_report = "senin 07:00"\n'))

    # It should show the expected shape
    assert 'should look like "mon 07:00"' in message


def test_a_bad_time_zone_is_an_error(tmp_path):
    message = config_error(write(tmp_path / "pantau.toml", '[schedule]\ntimezone = "Asia/Jakart"\n'))

    # It should name the value and give an example of a real zone
    assert "schedule.timezone" in message
    assert '"Asia/Jakart"' in message
    assert "Asia/Jakarta" in message


def test_other_indonesian_time_zones_are_accepted(tmp_path):
    cfg = load_config(write(tmp_path / "pantau.toml", '[schedule]\ntimezone = "Asia/Makassar"\n'))

    # It should accept WITA (and any IANA zone)
    assert cfg.timezone == "Asia/Makassar"


def test_invalid_toml_is_an_error_naming_the_file(tmp_path):
    path = write(tmp_path / "pantau.toml", "[crawler\ntimeout_s = 5\n")

    message = config_error(path)

    # It should name the file and say it is not TOML
    assert str(path) in message
    assert "not valid TOML" in message


RECIPIENT = """
[[recipients]]
name = "Kepala Dinas Kominfo Kab. Musi Banyuasin"
email = "{email}"
regions = {regions}
language = "{language}"
"""


def recipient(email="kadis@mubakab.example.go.id", regions='["16.06"]', language="id") -> str:
    return RECIPIENT.format(email=email, regions=regions, language=language)


def test_recipients_are_read_with_their_regions_and_language(tmp_path):
    cfg = load_config(
        write(tmp_path / "pantau.toml", recipient() + recipient("menteri@komdigi.example.go.id", '["*"]', "en"))
    )

    # It should keep each recipient's scope; "16.06" covers its villages, "*" covers everything
    kadis, nasional = cfg.recipients
    assert kadis.covers("16.06") and kadis.covers("16.06.01")
    assert not kadis.covers("16.02") and not kadis.covers("16") and not kadis.covers(None)
    assert nasional.language == "en"
    assert nasional.covers("93.01") and nasional.covers(None)


@pytest.mark.parametrize(
    "text, expected",
    [
        (recipient(email="kadis.mubakab.go.id"), "needs an email address"),
        (recipient(regions="[]"), 'needs regions, e.g. ["16.06"] or ["*"]'),
        (recipient(regions='["16.6"]'), "region '16.6' is not a Kemendagri code"),
        (recipient(regions='["Sumsel"]'), "region 'Sumsel' is not a Kemendagri code"),
        (recipient(regions="[16]"), "region 16 is not a Kemendagri code"),
        (recipient(language="jv"), 'language must be "id" or "en"'),
        (recipient().replace("email =", "emial ="), 'did you mean "email"'),
        ('recipients = "kadis@mubakab.example.go.id"\n', "must be written as [[recipients]] tables"),
    ],
)
def test_a_bad_recipient_is_an_error_saying_which_and_why(tmp_path, text, expected):
    path = write(tmp_path / "pantau.toml", text)

    message = config_error(path)

    # It should point at the recipient and the problem
    assert expected in message
    assert str(path.resolve()) in message


def test_a_missing_file_is_an_error_that_says_how_to_make_one(tmp_path):
    message = config_error(tmp_path / "tidak-ada.toml")

    # It should name the file and the command that writes one
    assert "tidak-ada.toml" in message
    assert "pantau init" in message


# --- which file the CLI reads ------------------------------------------------------------


def pantau() -> list[str]:
    found = shutil.which("pantau", path=str(Path(sys.executable).parent)) or shutil.which("pantau")
    return [found] if found else [sys.executable, "-m", "pantau.monitor.cli"]


def run_cli(args: list[str], cwd: Path, env_config: Path | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PANTAU_CONFIG"}
    if env_config is not None:
        env["PANTAU_CONFIG"] = str(env_config)
    return subprocess.run(pantau() + args, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def three_configs(tmp_path):
    """Three configs, each with its own database, in three folders."""
    made = {}
    for name in ("flag", "env", "cwd"):
        made[name] = write(tmp_path / name / "pantau.toml", f'[database]\npath = "{name}.db"\n')
    return made


def used_database(result: subprocess.CompletedProcess, tmp_path: Path) -> list[str]:
    assert result.returncode == 0, result.stderr
    return sorted(p.name for p in tmp_path.glob("*/*.db"))


def test_the_config_flag_wins_over_the_environment(tmp_path, three_configs):
    result = run_cli(
        ["--config", str(three_configs["flag"]), "status"], three_configs["cwd"].parent, three_configs["env"]
    )

    # It should read the file given with --config
    assert used_database(result, tmp_path) == ["flag.db"]


def test_the_environment_wins_over_the_working_directory(tmp_path, three_configs):
    result = run_cli(["status"], three_configs["cwd"].parent, three_configs["env"])

    # It should read $PANTAU_CONFIG when --config is not given
    assert used_database(result, tmp_path) == ["env.db"]


def test_without_flag_or_environment_the_working_directory_config_is_read(tmp_path, three_configs):
    result = run_cli(["status"], three_configs["cwd"].parent, None)

    # It should fall back to ./pantau.toml
    assert used_database(result, tmp_path) == ["cwd.db"]


def test_a_broken_config_named_by_the_environment_is_not_read_when_the_flag_is_given(tmp_path, three_configs):
    write(three_configs["env"], "[crawler]\ntimeot_s = 5\n")

    with_flag = run_cli(["--config", str(three_configs["flag"]), "status"], tmp_path, three_configs["env"])
    without = run_cli(["status"], tmp_path, three_configs["env"])

    # It should ignore $PANTAU_CONFIG entirely when --config is given, and otherwise report it
    assert with_flag.returncode == 0, with_flag.stderr
    assert without.returncode == 2
    assert "crawler.timeot_s" in without.stderr and str(three_configs["env"]) in without.stderr
