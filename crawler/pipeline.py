"""The item pipeline: every Observation goes into storage as soon as it is made."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pantau.crawler.items import Observation
from pantau.storage.db import open_db
from pantau.storage.explanations import record_candidates
from pantau.storage.findings import save_scan
from pantau.storage.observations import record_observation
from pantau.storage.sites import save_site


class ObservationPipeline:
    def __init__(self, db_path: str, check_every_s: int):
        self.db_path = db_path
        self.interval = timedelta(seconds=check_every_s)
        self.db: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ObservationPipeline:
        return cls(crawler.settings.get("PANTAU_DB"), crawler.settings.getint("PANTAU_CHECK_EVERY_S"))

    def open_spider(self, spider: Any = None) -> None:
        self.db = open_db(self.db_path, migrate=False)

    def close_spider(self, spider: Any = None) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, Observation):
            return item
        # One transaction per observation: a crash mid-run loses at most the checks in
        # flight, never half of one.
        record_observation(
            self.db,
            item.row(),
            next_check_at=item.checked_at + self.interval,
            validators=item.validators,
            resolved_id=item.resolved_id,
        )
        record_candidates(
            self.db, item.account_id, item.checked_at, item.considered, confirmed_post=item.confirmed_post
        )
        if item.site is not None:
            save_site(self.db, item.account_id, item.site)
        if item.scan_scopes is not None or item.cloak_checked:
            # The compromise scan's findings, and the alert that opens or closes an episode.
            save_scan(
                self.db,
                item.account_id,
                item.findings,
                item.scan_scopes or (),
                item.checked_at,
                cloak_checked=item.cloak_checked,
                cloak_allowed=item.cloak_allowed,
            )
        return item
