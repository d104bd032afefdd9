"""``pantau demo``: the whole product, offline, in one command.

Starts local sites on loopback and a local mail sink, writes a config and a registry
into a temporary folder, then runs the same commands an operator would.
"""

from __future__ import annotations

import shutil
import tempfile
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

from pantau.monitor.board import demo as demo_board
from pantau.monitor.demo.history import build_history, import_at, simulated
from pantau.monitor.demo.server import Site, free_port
from pantau.monitor.demo.sites import SITE_NAMES, site_routes
from pantau.storage.timefmt import utcnow


class MailSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                msg = message_from_bytes(envelope.original_content or envelope.content)
                sink.messages.append((list(envelope.rcpt_tos), msg))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def _write_config(folder: Path, sites: dict[str, Site], smtp_port: int) -> Path:
    cfg = folder / "pantau.toml"
    cfg.write_text(
        f'''# written by `pantau demo`
[database]
path = "pantau.db"

[crawler]
concurrency = 8
timeout_s = 5
retries = 0
allow_private_addresses = true    # the demo sites live on loopback

[platforms.telegram]
preview_url = "{sites["telegram"].url}/s/{{handle}}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "pantau@kominfo.example.go.id"

[[recipients]]
name = "Kepala Dinas Kominfo Kab. Musi Banyuasin"
email = "kadis@mubakab.example.go.id"
regions = ["16.06"]

[[recipients]]
name = "Kepala Dinas Kominfo Prov. Sumatera Selatan"
email = "kadis@sumselprov.example.go.id"
regions = ["16"]

[[recipients]]
name = "Direktorat Jenderal Komunikasi Publik dan Media, Komdigi"
email = "pantau-nasional@komdigi.example.go.id"
regions = ["*"]
language = "en"
''',
        encoding="utf-8",
    )
    return cfg


def _write_registry(folder: Path, sites: dict[str, Site], dead_url: str) -> Path:
    reg = folder / "registry.csv"
    rows = [
        "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note",
        f"Pemerintah Kabupaten Musi Banyuasin,16.06,website,,{sites['portal'].url},,,,portal berita kabupaten",
        f"Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,website,,{sites['wp_active'].url},,,,WordPress",
        f"Dinas Pariwisata Kab. Ogan Komering Ilir,16.02,website,,{sites['wp_dormant'].url},,admin@disparoki.example.go.id,,",
        f"Dinas Perpustakaan Kab. Ogan Komering Ilir,16.02,website,,{sites['wp_close'].url},,,,",
        f"Badan Pendapatan Daerah Kab. Musi Banyuasin,16.06,website,,{dead_url},,,,server tidak menjawab",
        "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,telegram,kominfomuba,https://t.me/kominfomuba,,,,",
        "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,instagram,kominfomuba,https://www.instagram.com/kominfomuba/,,,,",
    ]
    reg.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return reg


def _say(title: str) -> None:
    print(f"\n$ {title}", flush=True)


def run_demo(keep: bool = False, board_seconds: float | None = None) -> int:
    from pantau.monitor.cli import main

    now = utcnow()
    folder = Path(tempfile.mkdtemp(prefix="pantau-demo-"))
    sites: dict[str, Site] = {}
    sink = MailSink().start()
    try:
        for name in SITE_NAMES:
            site = Site().start()
            site.routes = site_routes(name, now, site.url)
            sites[name] = site
        dead_url = f"http://127.0.0.2:{free_port('127.0.0.2')}"  # nothing listens there
        print("pantau demo — local sites on loopback, a local mail server; nothing leaves this machine")
        print(f"folder: {folder}")
        cfg = str(_write_config(folder, sites, sink.port))
        demo_board.configure(Path(cfg))
        reg = str(_write_registry(folder, sites, dead_url))
        _say(f"PANTAU_NOW={import_at(now):%Y-%m-%dT%H:%M}Z pantau registry import registry.csv")
        with simulated(import_at(now)):
            main(["--config", cfg, "registry", "import", reg])
        # Weeks of real checks at earlier moments: the report's chart and "newly dormant" then
        # show something; the dead site is unreachable after its 3rd failed check.
        build_history(cfg, sites, now, _say)
        _say("pantau check --all    # today")
        main(["--config", cfg, "check", "--all"])
        _say("pantau status")
        main(["--config", cfg, "status"])
        _say("pantau status --compromised    # gambling links planted in an abandoned site")
        main(["--config", cfg, "status", "--compromised"])
        _say("pantau alerts send")
        main(["--config", cfg, "alerts", "send"])
        print(f"\nthe local mail server received {len(sink.messages)} mail(s):")
        for rcpts, msg in sink.messages:
            subject = str(make_header(decode_header(msg.get("Subject", ""))))
            print(f"  to {', '.join(rcpts)}: {subject}")
        _say("pantau alerts send    # again: nothing new to send")
        main(["--config", cfg, "alerts", "send"])
        before = len(sink.messages)
        _say("pantau report weekly --out reports --send    # the week that just ended")
        main(["--config", cfg, "report", "weekly", "--out", str(folder / "reports"), "--send"])
        print(f"the local mail server received {len(sink.messages) - before} weekly report(s)")
        demo_board.serve(Path(cfg), sink.messages, board_seconds)
        return 0
    finally:
        for site in sites.values():
            site.stop()
        sink.stop()
        if keep:
            print(f"\nkept {folder} (try: pantau --config {folder}/pantau.toml status --format json)")
        else:
            shutil.rmtree(folder, ignore_errors=True)
