"""Loading and validating ``pantau.toml``.

Every key INTERFACE.md promises has a default here; an unknown key or a value of the
wrong type is a :class:`ConfigError` that names the key and the file, so an operator's
typo never silently falls back to a default.
"""

from __future__ import annotations

import copy
import importlib.metadata
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pantau.config.platforms import PLATFORMS


def _version() -> str:
    # One version, written once in pyproject.toml and read from the installed metadata.
    try:
        return importlib.metadata.version("pantau")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "0+unknown"


VERSION = _version()

DEFAULT_USER_AGENT = f"pantau/{VERSION} (+https://github.com/pantau-id/pantau)"

# The one place the shape of the configuration is written down: key -> default value.
# A nested dict is a table; the type of each default is the type the key must have.
POLICY_KEYS: dict[str, Any] = {
    "warning_after_days": 14,
    "dormant_after_days": 30,
    "close_after_days": 90,
    "unreachable_after_failures": 3,
}

DEFAULTS: dict[str, Any] = {
    "database": {"path": "pantau.db"},
    "crawler": {
        "concurrency": 32,
        "per_host": 2,
        "timeout_s": 20,
        "user_agent": DEFAULT_USER_AGENT,
        "obey_robots": True,
        "allow_private_addresses": False,
        "max_bytes": 5_000_000,
        "retries": 1,
    },
    "policy": dict(POLICY_KEYS),
    "platforms": {
        "youtube": {
            "feed_url": "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}",
            "api_key_env": "",
            "api_url": "https://www.googleapis.com/youtube/v3",
            # channel pages (…/@handle, …/c/name) are read here, once, to resolve the channel id
            "site_url": "https://www.youtube.com",
        },
        "telegram": {"preview_url": "https://t.me/s/{handle}"},
        "mastodon": {"rss_suffix": ".rss"},
        "facebook": {
            "token_env": "",
            "api_url": "https://graph.facebook.com/v19.0",
            "rsshub_route": "/facebook/page/{handle}",
        },
        "instagram": {
            "token_env": "",
            "api_url": "https://graph.facebook.com/v19.0",
            "business_account_id": "",
            "rsshub_route": "/instagram/user/{handle}",
        },
        "threads": {
            "token_env": "",
            "api_url": "https://graph.threads.net/v1.0",
            "rsshub_route": "/threads/{handle}",
        },
        "x": {"token_env": "", "api_url": "https://api.x.com/2", "rsshub_route": "/twitter/user/{handle}"},
        "tiktok": {
            "token_env": "",
            "api_url": "https://open.tiktokapis.com/v2",
            "rsshub_route": "/tiktok/user/@{handle}",
        },
    },
    "bridges": {"rsshub": ""},
    "smtp": {
        "host": "localhost",
        "port": 25,
        "security": "none",
        "username": "",
        "password_env": "PANTAU_SMTP_PASSWORD",
        "sender": "pantau@example.go.id",
        "timeout_s": 30,
    },
    "schedule": {
        "timezone": "Asia/Jakarta",
        "check_every": "6h",
        "alerts_every": "1h",
        "weekly_report": "mon 07:00",
    },
    "report": {"format": "xlsx"},
    # Look for online-gambling injection, cloaking and defacement on every website check.
    "security": {"scan": True},
}

RECIPIENT_KEYS: dict[str, Any] = {"name": "", "email": "", "regions": [], "language": "id"}

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(ValueError):
    """A configuration problem an operator must fix; the message says where and what."""


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    regions: tuple[str, ...]
    language: str = "id"

    def covers(self, region: str | None) -> bool:
        """``"16"`` covers ``16`` and ``16.06``; ``"*"`` covers everything, even no region."""
        for scope in self.regions:
            if scope == "*":
                return True
            if region and (region == scope or region.startswith(scope + ".")):
                return True
        return False


@dataclass
class Config:
    path: Path | None
    data: dict[str, Any]
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def db_path(self) -> Path:
        p = Path(self.data["database"]["path"])
        return p if p.is_absolute() else self.base_dir / p

    @property
    def crawler(self) -> dict[str, Any]:
        return self.data["crawler"]

    @property
    def smtp(self) -> dict[str, Any]:
        return self.data["smtp"]

    @property
    def schedule(self) -> dict[str, Any]:
        return self.data["schedule"]

    @property
    def timezone(self) -> str:
        return self.data["schedule"]["timezone"]

    def platform(self, name: str) -> dict[str, Any]:
        return self.data["platforms"].get(name, {})

    def policy_for(self, platform: str) -> dict[str, int]:
        """The policy thresholds for a platform: ``[policy]`` overlaid with ``[policy.platform.X]``."""
        merged = {k: self.data["policy"][k] for k in POLICY_KEYS}
        merged.update(self.data["policy"].get("platform", {}).get(platform, {}))
        return merged

    def secret(self, env_name: str) -> str | None:
        """Secrets live in the environment only; the config names the variable."""
        if not env_name:
            return None
        return os.environ.get(env_name) or None


def parse_duration(text: str, key: str = "duration", source: str = "config") -> timedelta:
    m = _DURATION.match(str(text))
    if not m or int(m.group(1)) == 0:
        raise ConfigError(
            f'{source}: {key} = "{text}" is not a duration; write it like "90s", "15m", "6h" or "1d"'
        )
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "a whole number", str: "a string", list: "a list",
            dict: "a table", float: "a number"}.get(type(value), type(value).__name__)


def _merge(defaults: dict, given: dict, where: str, source: str) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in given.items():
        dotted = f"{where}.{key}" if where else key
        if key not in defaults:
            hint = _did_you_mean(key, defaults)
            raise ConfigError(f"{source}: unknown key {dotted}{hint}")
        want = defaults[key]
        if isinstance(want, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: [{dotted}] must be a table")
            out[key] = _merge(want, value, dotted, source)
            continue
        ok = isinstance(value, type(want)) and not (isinstance(value, bool) and not isinstance(want, bool))
        if not ok:
            raise ConfigError(
                f"{source}: {dotted} must be {_type_name(want)}, not {value!r}"
            )
        out[key] = value
    return out


def _did_you_mean(key: str, options: dict) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(options), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def load_config(path: str | os.PathLike | None = None, *, must_exist: bool = True) -> Config:
    """Load ``pantau.toml``: ``path``, else ``$PANTAU_CONFIG``, else ``./pantau.toml``."""
    if path is None:
        path = os.environ.get("PANTAU_CONFIG") or "pantau.toml"
    p = Path(path)
    if not p.exists():
        if must_exist:
            raise ConfigError(f"{p}: config file not found; run `pantau init` to write one")
        return from_dict({}, None)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text") from None
    return from_dict(raw, p.resolve())


def from_dict(raw: dict[str, Any], path: Path | None) -> Config:
    source = str(path) if path else "config"
    raw = dict(raw)
    recipients_raw = raw.pop("recipients", [])
    policy_raw = dict(raw.get("policy", {}))
    overrides = policy_raw.pop("platform", {})
    if "policy" in raw:
        raw["policy"] = policy_raw
    data = _merge(DEFAULTS, raw, "", source)
    if not isinstance(overrides, dict):
        raise ConfigError(f"{source}: [policy.platform] must be a table of platforms")
    checked: dict[str, dict[str, int]] = {}
    for platform, table in overrides.items():
        if platform not in PLATFORMS:
            raise ConfigError(
                f"{source}: [policy.platform.{platform}] names an unknown platform"
                f"{_did_you_mean(platform, dict.fromkeys(PLATFORMS))}"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [policy.platform.{platform}] must be a table")
        merged = _merge(POLICY_KEYS, table, f"policy.platform.{platform}", source)
        checked[platform] = {k: merged[k] for k in table}
    data["policy"]["platform"] = checked
    _check_values(data, source)
    recipients = _recipients(recipients_raw, source)
    return Config(path=path, data=data, recipients=recipients)


def _check_values(data: dict, source: str) -> None:
    c = data["crawler"]
    for key in ("concurrency", "per_host", "timeout_s", "max_bytes"):
        if c[key] < 1:
            raise ConfigError(f"{source}: crawler.{key} must be at least 1, not {c[key]}")
    pol = [data["policy"]] + list(data["policy"]["platform"].values())
    for table in pol:
        for key, value in table.items():
            if key in POLICY_KEYS and value < 1:
                raise ConfigError(f"{source}: policy {key} must be at least 1, not {value}")
    sec = data["smtp"]["security"]
    if sec not in ("none", "starttls", "ssl"):
        raise ConfigError(f'{source}: smtp.security must be "none", "starttls" or "ssl", not "{sec}"')
    sched = data["schedule"]
    for key in ("check_every", "alerts_every"):
        parse_duration(sched[key], f"schedule.{key}", source)
    parse_weekly(sched["weekly_report"], source)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(sched["timezone"])
    except Exception:
        raise ConfigError(
            f'{source}: schedule.timezone "{sched["timezone"]}" is not a time zone name such as "Asia/Jakarta"'
        ) from None
    if data["report"]["format"] not in ("xlsx", "csv"):
        raise ConfigError(f'{source}: report.format must be "xlsx" or "csv"')


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(text: str, source: str = "config") -> tuple[str, int, int]:
    """``"mon 07:00"`` → ("mon", 7, 0)."""
    m = re.match(r"^\s*([a-zA-Z]{3})\s+(\d{1,2}):(\d{2})\s*$", str(text))
    if not m or m.group(1).lower() not in _WEEKDAYS or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        raise ConfigError(
            f'{source}: schedule.weekly_report = "{text}" should look like "mon 07:00"'
        )
    return m.group(1).lower(), int(m.group(2)), int(m.group(3))


_REGION = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def valid_region(code: str) -> bool:
    """Kemendagri codes: ``16``, ``16.06``, ``16.06.01``, ``16.06.01.2001``."""
    return bool(_REGION.match(code))


def _recipients(items: Any, source: str) -> list[Recipient]:
    if not isinstance(items, list):
        raise ConfigError(f"{source}: recipients must be written as [[recipients]] tables")
    out = []
    for i, item in enumerate(items, 1):
        where = f"recipients #{i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: {where} must be a table")
        merged = _merge(RECIPIENT_KEYS, item, where, source)
        if "@" not in merged["email"]:
            raise ConfigError(f"{source}: {where} needs an email address, got {merged['email']!r}")
        if not merged["regions"]:
            raise ConfigError(f'{source}: {where} ({merged["email"]}) needs regions, e.g. ["16.06"] or ["*"]')
        for code in merged["regions"]:
            if not isinstance(code, str) or not (code == "*" or valid_region(code)):
                raise ConfigError(
                    f'{source}: {where} region {code!r} is not a Kemendagri code like "16" or "16.06", or "*"'
                )
        if merged["language"] not in ("id", "en"):
            raise ConfigError(f'{source}: {where} language must be "id" or "en"')
        out.append(Recipient(merged["name"], merged["email"], tuple(merged["regions"]), merged["language"]))
    return out
