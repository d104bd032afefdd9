"""Every bad config value is one line naming the key (exit 2), never a traceback in every command."""

from __future__ import annotations

import pytest

SECRET = "EAABwzLixnjYBO7ZC4rahasiaToken9x"
PASSWORD = "Rahasia Sekali 123!"


@pytest.mark.parametrize(
    "toml, key",
    [
        ('[schedule]\ncheck_every = "99999999999999999999d"\n', "schedule.check_every"),
        ('[schedule]\nalerts_every = "999999999d"\n', "schedule.alerts_every"),
        ("[smtp]\ntimeout_s = 0\n", "smtp.timeout_s must be at least 1"),
        ("[smtp]\ntimeout_s = -5\n", "smtp.timeout_s must be at least 1"),
        ("[smtp]\nport = 70000\n", "smtp.port must be at most 65,535"),
        (
            '[smtp]\nsender = "pantau@kominfo.go.id\\r\\nBcc: semua@contoh.go.id"\n',
            "smtp.sender is not an email address",
        ),
        (
            '[[recipients]]\nname = "Kadis"\nemail = "kadis@kominfo.go.id\\r\\nBcc: x@y.go.id"\nregions = ["*"]\n',
            "recipients #1 needs an email address",
        ),
        ("[crawler]\nretries = 9223372036854775807\n", "crawler.retries must be at most 10"),
        ("[crawler]\nconcurrency = 9223372036854775807\n", "crawler.concurrency must be at most 10,000"),
        ("[policy]\ndormant_after_days = 9223372036854775807\n", "policy dormant_after_days must be at most 36,500"),
        (
            '[platforms.telegram]\npreview_url = "https://t.me/s/{user}"\n',
            "platforms.telegram.preview_url uses unknown placeholder {user}; it may use {handle}",
        ),
        (
            '[platforms.instagram]\nrsshub_route = "/instagram/user/{handle"\n',
            "platforms.instagram.rsshub_route is not a valid template",
        ),
        (
            '[platforms.youtube]\nfeed_url = "https://yt.example/{channel_id.__class__}"\n',
            "platforms.youtube.feed_url uses unknown placeholder",
        ),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ('[database]\npath = "/dev/zero"\n', "database.path /dev/zero is not a regular file"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key(project, toml, key):
    project.config.write_text(toml if toml.startswith("[database]") else '[database]\npath = "pantau.db"\n' + toml)

    result = project.run("status")

    # It should stop with exit 2 and one line that names the key, no traceback
    assert result.returncode == 2, result.stderr
    assert key in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_database_path_that_is_a_directory_is_named(project):
    (project.root / "data").mkdir()
    project.config.write_text(project.config.read_text().replace('path = "pantau.db"', 'path = "data"'))

    result = project.run("status")

    # It should say the database path is a directory
    assert result.returncode == 2
    assert result.stderr.strip().endswith("data is a directory; give the path of the SQLite file")


@pytest.mark.parametrize("target", ["dir", "/dev/zero"])
def test_a_config_or_registry_that_is_no_file_is_one_line(project, target):
    (project.root / "dir").mkdir()

    as_config = project.run("--config", target, "status", config=False)
    as_registry = project.run("registry", "import", target)

    # It should refuse both with one line, not a traceback or an endless read
    for result in (as_config, as_registry):
        assert result.returncode == 2
        assert "not a regular file" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "toml, key",
    [
        (f'[platforms.instagram]\ntoken_env = "{SECRET}"\n', "platforms.instagram.token_env"),
        (f'[platforms.youtube]\napi_key_env = "{SECRET}"\n', "platforms.youtube.api_key_env"),
        (f'[smtp]\npassword_env = "{PASSWORD}"\n', "smtp.password_env"),
    ],
)
def test_a_secret_written_where_a_variable_name_belongs_is_refused_unechoed(project, toml, key):
    project.config.write_text(project.config.read_text() + toml)

    result = project.run("status")

    # It should say the key must name an environment variable, and never print the secret
    assert result.returncode == 2
    assert f"{key} must name an environment variable" in result.stderr
    assert SECRET not in result.stderr + result.stdout and PASSWORD not in result.stderr + result.stdout
