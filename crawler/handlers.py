"""The HTTP download handler: Scrapy's HTTP/1.1 one, keeping idle connections only briefly."""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

# A check's follow-up requests (home page → feed → sitemap) reuse the connection within
# milliseconds; the next check of that host is hours away. Twisted keeps an idle connection
# 240 s by default, so a pass over thousands of sites held one open socket per site checked
# in the last four minutes — thousands of descriptors, past the usual 1024 limit.
IDLE_CONNECTION_S = 5


class HTTPDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._pool.cachedConnectionTimeout = IDLE_CONNECTION_S
