"""Platforms pantau has no reader for yet: reported honestly as ``unknown``."""

from __future__ import annotations

from typing import Any

from pantau.spiders.base import AccountSpider


class UnsupportedSpider(AccountSpider):
    name = "unsupported"

    def first_url(self, account: dict[str, Any]) -> str | None:
        return None

    def unsupported_reason(self, account: dict[str, Any]) -> str:
        return f"pantau cannot read {account['platform']} accounts yet; record activity with `pantau attest`"
