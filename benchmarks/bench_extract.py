"""How long date extraction takes on a large home page (figures for the notes, no asserts).

python benchmarks/bench_extract.py
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from pantau.crawler.extract import parse_page
from pantau.monitor.demo.sites import portal

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


def main() -> None:
    news = [(f"Kegiatan Pemerintah Daerah ke-{n} bersama masyarakat", n % 300) for n in range(360)]
    body = portal("Pemerintah Kabupaten Musi Banyuasin", NOW, news, "https://mubakab.go.id").encode()
    parse_page(body, "https://mubakab.go.id/", NOW)
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        info = parse_page(body, "https://mubakab.go.id/", NOW)
        runs.append(time.perf_counter() - t)
    print(
        f"parse_page: {len(body) / 1000:.0f} KB, {len(info.candidates)} dated posts, "
        f"median {statistics.median(runs) * 1000:.1f} ms, max {max(runs) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
