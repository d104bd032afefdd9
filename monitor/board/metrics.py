"""``GET /metrics``: Prometheus text built with prometheus-client from the database's facts.

The numbers live in the database (shared with the daemon and the CLI), not in this process,
so this is an exporter: a custom collector reads them at each scrape (prometheus-client's
"custom collectors" pattern) into a fresh registry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from pantau.config.vocabulary import Status


class BoardCollector(Collector):
    def __init__(self, db: Any, statuses: Counter, now: datetime) -> None:
        self.db, self.statuses, self.now = db, statuses, now

    def collect(self) -> Iterator[Metric]:
        from pantau.storage.board import check_counts, failure_outcomes
        from pantau.storage.daemon import last_heartbeat
        from pantau.storage.outbox import count_pending
        from pantau.storage.timefmt import from_iso

        by_outcome = check_counts(self.db)
        checks = CounterMetricFamily("pantau_checks", "Checks recorded (observations), by outcome", labels=["outcome"])
        for outcome, n in sorted(by_outcome.items(), key=lambda kv: str(kv[0])):
            checks.add_metric([outcome or "unknown"], n)
        yield checks
        yield CounterMetricFamily(
            "pantau_check_failures",
            "Checks that failed (error or not_found)",
            value=sum(n for o, n in by_outcome.items() if o in failure_outcomes()),
        )
        accounts = GaugeMetricFamily("pantau_accounts", "Accounts by current status", labels=["status"])
        for status in Status:
            accounts.add_metric([status.value], self.statuses.get(status, 0))
        yield accounts
        yield GaugeMetricFamily(
            "pantau_outbox_backlog", "Alert deliveries waiting to be sent", value=count_pending(self.db)
        )
        beat = last_heartbeat(self.db)
        at = from_iso(beat["heartbeat_at"]) if beat else None
        yield GaugeMetricFamily(
            "pantau_daemon_last_heartbeat_timestamp_seconds",
            "When the daemon (pantau run) last reported alive, Unix time (0: never)",
            value=at.timestamp() if at else 0,
        )
        yield GaugeMetricFamily(
            "pantau_daemon_heartbeat_age_seconds",
            "Seconds since the daemon's last heartbeat (-1: never)",
            value=(self.now - at).total_seconds() if at else -1,
        )


def render_metrics(db: Any, statuses: Counter, now: datetime) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BoardCollector(db, statuses, now))
    return generate_latest(registry), CONTENT_TYPE_LATEST
