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

# Who is knocking: a server admin who finds pantau in their logs must reach the office that
# runs it, so the user agent names the operator's contact, not the project's address.
EXAMPLE_CONTACT = "https://kominfo.example.go.id/kontak"
# Domains reserved for examples (RFC 2606) and the project's own address: left there, the
# user agent points nobody at the operator.
_EXAMPLE_DOMAINS = (
    "example.go.id",
    "example.com",
    "example.org",
    "example.net",
    "example",
    "invalid",
    "test",
    "localhost",
)
_PROJECT_ADDRESSES = ("github.com/pantau-id/pantau",)


def user_agent_for(contact: str) -> str:
    """The default user agent: ``pantau/<version> (+<contact>)``."""
    return f"pantau/{VERSION} (+{contact})"


DEFAULT_USER_AGENT = user_agent_for(EXAMPLE_CONTACT)

# The one place the shape of the configuration is written down: key -> default value.
# A nested dict is a table; the type of each default is the type the key must have.
POLICY_KEYS: dict[str, Any] = {
    "warning_after_days": 14,
    "dormant_after_days": 30,
    "close_after_days": 90,
    "unreachable_after_failures": 3,
}

# Graph API version: see docs/platforms.md (Meta's version table) before changing it.
GRAPH_VERSION = "v25.0"

DEFAULTS: dict[str, Any] = {
    "database": {"path": "pantau.db"},
    "crawler": {
        "concurrency": 32,
        "per_host": 2,
        "timeout_s": 20,
        "contact": EXAMPLE_CONTACT,
        "user_agent": "",  # empty: user_agent_for(contact)
        "obey_robots": True,
        "allow_private_addresses": False,
        "max_bytes": 5_000_000,
        "retries": 1,
    },
    # escalate_after_days is not a per-platform threshold (POLICY_KEYS): it times the answer
    # loop, and 0 is allowed (escalate at the next alerts run).
    "policy": dict(POLICY_KEYS, escalate_after_days=14),
    "platforms": {
        "youtube": {
            "feed_url": "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}",
            "api_key_env": "",
            "api_url": "https://www.googleapis.com/youtube/v3",
            # channel pages (…/@handle, …/c/name) are read here, once, to resolve the channel id
            "site_url": "https://www.youtube.com",
        },
        "telegram": {"preview_url": "https://t.me/s/{handle}"},
        "website": {},
        "feed": {},
        "mastodon": {"rss_suffix": ".rss"},
        "facebook": {
            "token_env": "",
            # The one Graph API version pantau calls, for Facebook and Instagram alike; Meta
            # serves each version about two years (v19.0 expired on 2026-05-21).
            "graph_version": GRAPH_VERSION,
            "api_url": "https://graph.facebook.com/{graph_version}",
            "rsshub_route": "/facebook/page/{handle}",
        },
        "instagram": {
            "token_env": "",
            "api_url": "https://graph.facebook.com/{graph_version}",  # [platforms.facebook] graph_version
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
    # The board (`pantau serve`) and the signed links to it in mails.
    "web": {
        "base_url": "",  # empty: http://{host}:{port}
        "host": "127.0.0.1",
        "port": 8080,
        "secret_env": "PANTAU_WEB_SECRET",
        "admin_password_env": "PANTAU_WEB_ADMIN_PASSWORD",
        "link_days": 30,
    },
    # Look for online-gambling injection, cloaking and defacement on every website check.
    "security": {"scan": True},
}

# Every platform may say whether its fetches obey robots.txt (a feed reader for a registered
# account, or a crawler); unset, it follows [crawler] obey_robots (see _platform_defaults).
for _table in DEFAULTS["platforms"].values():
    _table["obey_robots"] = True

RECIPIENT_KEYS: dict[str, Any] = {"name": "", "email": "", "regions": [], "language": "id", "apprise_env": ""}

_DURATION = re.compile(r"^\s*([0-9]{1,12})\s*([smhd])\s*$")
# The longest interval that means anything for a schedule; longer is a typo (and
# "99999999999999999999d" overflowed timedelta in every command).
MAX_DURATION = timedelta(days=365)

# Bounds of every number in the config: (table, key) -> (least, most). Beyond them a value
# is a typo or an attack, and some would overflow (retries = 2**63).
BOUNDS: dict[tuple[str, str], tuple[int, int]] = {
    ("crawler", "concurrency"): (1, 10_000),
    ("crawler", "per_host"): (1, 1_000),
    ("crawler", "timeout_s"): (1, 3_600),
    ("crawler", "max_bytes"): (1, 1_000_000_000),
    ("crawler", "retries"): (0, 10),
    ("smtp", "port"): (1, 65_535),
    ("smtp", "timeout_s"): (1, 600),
}
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "warning_after_days": (1, 36_500),
    "dormant_after_days": (1, 36_500),
    "close_after_days": (1, 36_500),
    "unreachable_after_failures": (1, 1_000),
}
# URL templates and the placeholders each may use.
TEMPLATES: dict[tuple[str, str], frozenset[str]] = {
    ("youtube", "feed_url"): frozenset({"channel_id"}),
    ("telegram", "preview_url"): frozenset({"handle"}),
    **{(name, "rsshub_route"): frozenset({"handle"}) for name in ("facebook", "instagram", "threads", "x", "tiktok")},
}
# Upper case, as environment variable names are by convention (POSIX): a pasted token almost
# always has lower-case letters or punctuation in it, and is then refused without being echoed.
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(ValueError):
    """A configuration problem an operator must fix; the message says where and what."""


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    regions: tuple[str, ...]
    language: str = "id"
    # Names the environment variable holding this recipient's Apprise URLs (Telegram,
    # WhatsApp, …); the URLs carry tokens, so they never sit in the config file.
    apprise_env: str = ""

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
    def web(self) -> dict[str, Any]:
        return self.data["web"]

    @property
    def board_url(self) -> str:
        """Where the board is reached from a mail: ``[web] base_url``, else its own address."""
        base = self.data["web"]["base_url"].strip()
        if base:
            return base.rstrip("/")
        return f"http://{self.data['web']['host']}:{self.data['web']['port']}"

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
            f'{source}: {key} = "{str(text)[:40]}" is not a duration; write it like "90s", "15m", "6h" or "1d"'
        )
    seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise ConfigError(
            f'{source}: {key} = "{text}" is longer than {MAX_DURATION.days} days; write it like "6h" or "1d"'
        )
    return timedelta(seconds=seconds)


def _type_name(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a whole number",
        str: "a string",
        list: "a list",
        dict: "a table",
        float: "a number",
    }.get(type(value), type(value).__name__)


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
            # A *_env key may hold a pasted secret: never echo it.
            shown = "something else" if key.endswith("_env") else repr(value)[:80]
            raise ConfigError(f"{source}: {dotted} must be {_type_name(want)}, not {shown}")
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
    if not p.is_file():
        raise ConfigError(f"{p}: not a regular file; give the path of pantau.toml")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except RecursionError:
        # tomllib recurses once per nested array or inline table (5,000 deep is enough).
        raise ConfigError(f"{p}: not valid TOML: arrays or tables nested too deeply") from None
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
    _platform_defaults(data, raw.get("platforms") or {}, source)
    _check_values(data, source, path.parent if path else None)
    recipients = _recipients(recipients_raw, source)
    return Config(path=path, data=data, recipients=recipients)


def _platform_defaults(data: dict, given: dict, source: str) -> None:
    """Fill what each platform inherits: ``obey_robots`` from ``[crawler]`` unless the
    platform's table sets it, and the Graph API version into Meta's ``api_url``."""
    version = data["platforms"]["facebook"]["graph_version"]
    if not re.match(r"^v\d+\.\d+$", version):
        raise ConfigError(f'{source}: platforms.facebook.graph_version must look like "v25.0", not "{version}"')
    for name, table in data["platforms"].items():
        if "obey_robots" not in (given.get(name) or {}):
            table["obey_robots"] = data["crawler"]["obey_robots"]
        if isinstance(table.get("api_url"), str) and "{graph_version}" in table["api_url"]:
            table["api_url"] = table["api_url"].replace("{graph_version}", version)


def _check_values(data: dict, source: str, base_dir: Path | None = None) -> None:
    c = data["crawler"]
    contact = c["contact"].strip()
    if not _CONTACT.match(contact):
        raise ConfigError(
            f'{source}: crawler.contact = "{c["contact"][:200]}" should be the address of the office that runs '
            'pantau, a URL ("https://diskominfo.example.go.id/kontak") or an e-mail address '
            '("mailto:diskominfo@example.go.id" or "diskominfo@example.go.id")'
        )
    c["contact"] = contact
    if not c["user_agent"].strip():
        c["user_agent"] = user_agent_for(contact)
    for (table, key), (least, most) in BOUNDS.items():
        _bounded(f"{table}.{key}", data[table][key], least, most, source)
    pol = [data["policy"]] + list(data["policy"]["platform"].values())
    for table in pol:
        for key, value in table.items():
            if key in POLICY_BOUNDS:
                _bounded(f"policy {key}", value, *POLICY_BOUNDS[key], source)
    _check_env_names(data, "", source)
    _check_templates(data, source)
    _check_smtp(data["smtp"], source)
    _check_database(data["database"]["path"], base_dir, source)
    _bounded("policy escalate_after_days", data["policy"]["escalate_after_days"], 0, 3650, source)
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
    web = data["web"]
    if not 1 <= web["port"] <= 65535:
        raise ConfigError(f"{source}: web.port must be between 1 and 65535, not {web['port']}")
    if web["link_days"] < 1:
        raise ConfigError(f"{source}: web.link_days must be at least 1, not {web['link_days']}")
    if web["base_url"] and not re.match(r"^https?://[^/\s]+", web["base_url"]):
        raise ConfigError(f'{source}: web.base_url must start with http:// or https://, not "{web["base_url"]}"')


def _bounded(name: str, value: int, least: int, most: int, source: str) -> None:
    if value < least:
        raise ConfigError(f"{source}: {name} must be at least {least}, not {value}")
    if value > most:
        raise ConfigError(f"{source}: {name} must be at most {most:,}, not {str(value)[:30]}")


def _check_env_names(table: dict, where: str, source: str) -> None:
    """Every ``*_env`` key names an environment variable; a pasted secret is refused unseen."""
    for key, value in table.items():
        dotted = f"{where}.{key}" if where else key
        if isinstance(value, dict):
            _check_env_names(value, dotted, source)
        elif key.endswith("_env") and value and not _ENV_NAME.match(value):
            raise ConfigError(
                f"{source}: {dotted} must name an environment variable (upper-case letters, "
                "digits and _, like PANTAU_TOKEN), not hold the secret itself; put the secret "
                "in that variable"
            )


def _check_templates(data: dict, source: str) -> None:
    import string

    for (platform, key), allowed in TEMPLATES.items():
        template = data["platforms"][platform][key]
        dotted = f"platforms.{platform}.{key}"
        try:
            parts = [(f, spec or "") for _, f, spec, _ in string.Formatter().parse(template) if f is not None]
            fields = [f if "{" not in spec else spec for f, spec in parts]
        except ValueError as exc:
            raise ConfigError(f'{source}: {dotted} is not a valid template ({exc}); write "{{" for a brace') from None
        unknown = sorted({f for f in fields if f not in allowed})
        if unknown:
            raise ConfigError(
                f"{source}: {dotted} uses unknown placeholder {{{unknown[0]}}}; it may use "
                + ", ".join(f"{{{a}}}" for a in sorted(allowed))
            )


def _check_smtp(smtp: dict, source: str) -> None:
    from pantau.config.addresses import AddressError, check_email

    if not smtp["host"] or _CONTROL.search(smtp["host"]) or " " in smtp["host"]:
        raise ConfigError(f"{source}: smtp.host must be a host name, without spaces or control characters")
    try:
        check_email(smtp["sender"])
    except AddressError as exc:
        raise ConfigError(f"{source}: smtp.sender is not an email address: {exc}") from None
    if _CONTROL.search(smtp["username"]):
        raise ConfigError(f"{source}: smtp.username holds a control character")


def _check_database(path: str, base_dir: Path | None, source: str) -> None:
    p = Path(path)
    if not path or _CONTROL.search(path):
        raise ConfigError(f"{source}: database.path must be a file name")
    p = p if p.is_absolute() else (base_dir or Path.cwd()) / p
    if p.exists() and not p.is_file():
        raise ConfigError(
            f"{source}: database.path {p} is {'a directory' if p.is_dir() else 'not a regular file'}; "
            "give the path of the SQLite file"
        )


_CONTACT = re.compile(
    r"^(https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?|(?:mailto:)?[^\s@:/]+@[^\s@/]+\.[^\s@/]+)$", re.IGNORECASE
)


def contact_warning(cfg: Config) -> str | None:
    """Why the user agent does not tell a server admin who runs this pantau, if it does not."""
    c = cfg.crawler
    ua = c["user_agent"]
    contact = c["contact"]
    if ua != user_agent_for(contact):  # the operator wrote their own user agent
        return f'crawler.user_agent "{ua}" names no contact of the operator' if _points_nowhere(ua) else None
    if _points_nowhere(contact):
        where = f" in {cfg.path}" if cfg.path else ""
        return (
            f'crawler.contact is still the example "{contact}"{where}: set it to your office\'s '
            "web page or e-mail address, so a server admin who sees pantau in their logs can "
            "reach you (it is part of the user agent) / isi crawler.contact dengan alamat kantor Anda"
        )
    return None


def _points_nowhere(text: str) -> bool:
    """No host in ``text``, or only example ones (or the project's own address)."""
    low = text.lower()
    if any(p in low for p in _PROJECT_ADDRESSES):
        return True
    hosts = [h.rstrip(".") for h in re.findall(r"(?:https?://|@)([a-z0-9.-]+)", low)]

    def example(host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in _EXAMPLE_DOMAINS)

    return not hosts or all(example(h) for h in hosts)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(text: str, source: str = "config") -> tuple[str, int, int]:
    """``"mon 07:00"`` → ("mon", 7, 0)."""
    m = re.match(r"^\s*([a-zA-Z]{3})\s+([0-9]{1,2}):([0-9]{2})\s*$", str(text))
    if not m or m.group(1).lower() not in _WEEKDAYS or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        raise ConfigError(f'{source}: schedule.weekly_report = "{text}" should look like "mon 07:00"')
    return m.group(1).lower(), int(m.group(2)), int(m.group(3))


# ASCII digits only: "١٦" (Arabic-Indic) is a digit to Python's \\d but no Kemendagri code.
_REGION = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")


def valid_region(code: str) -> bool:
    """Kemendagri codes: ``16``, ``16.06``, ``16.06.01``, ``16.06.01.2001``."""
    return bool(_REGION.match(code))


def _unknown_region(code: str) -> str | None:
    """Why a recipient's region is not in the shipped table (a well-formed code that does not
    exist, or a name with a close match), else None."""
    from pantau.config.regions import closest, known, looks_like_name, unknown_region_message

    if valid_region(code):
        return None if known(code) else unknown_region_message(code)
    if looks_like_name(code) and closest(code):
        return unknown_region_message(code)
    return None


def _recipients(items: Any, source: str) -> list[Recipient]:
    from pantau.config.addresses import AddressError, check_email

    if not isinstance(items, list):
        raise ConfigError(f"{source}: recipients must be written as [[recipients]] tables")
    out = []
    for i, item in enumerate(items, 1):
        where = f"recipients #{i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: {where} must be a table")
        merged = _merge(RECIPIENT_KEYS, item, where, source)
        try:
            check_email(merged["email"])
        except AddressError as exc:
            raise ConfigError(f"{source}: {where} needs an email address, got {merged['email']!r}: {exc}") from None
        if _CONTROL.search(merged["name"]):
            raise ConfigError(f"{source}: {where} name holds a control character")
        if not merged["regions"]:
            raise ConfigError(f'{source}: {where} ({merged["email"]}) needs regions, e.g. ["16.06"] or ["*"]')
        for code in merged["regions"]:
            if isinstance(code, str) and code != "*" and _unknown_region(code):
                raise ConfigError(f"{source}: {where} ({merged['email']}) {_unknown_region(code)}")
            if not isinstance(code, str) or not (code == "*" or valid_region(code)):
                raise ConfigError(
                    f'{source}: {where} region {code!r} is not a Kemendagri code like "16" or "16.06", or "*"'
                )
        if merged["language"] not in ("id", "en"):
            raise ConfigError(f'{source}: {where} language must be "id" or "en"')
        env = merged["apprise_env"]
        if env and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", env):
            raise ConfigError(
                f"{source}: {where} apprise_env must name an environment variable "
                f'(e.g. "PANTAU_APPRISE_KADIS"), not {env!r}'
            )
        out.append(Recipient(merged["name"], merged["email"], tuple(merged["regions"]), merged["language"], env))
    return out
