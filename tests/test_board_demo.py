"""`pantau demo`'s board: a key and a password for the run, and the board started on loopback."""

from __future__ import annotations

import os
from email.message import EmailMessage

from pantau.alerts.links import open_link, sign_link
from pantau.config.settings import load_config
from pantau.monitor.board import demo


def test_the_demo_signs_its_mails_and_prints_a_working_board_link(tmp_path, monkeypatch, capsys):
    for name in ("PANTAU_DEMO_WEB_SECRET", "PANTAU_DEMO_WEB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # and removed again after the test
    cfg_path = tmp_path / "pantau.toml"
    cfg_path.write_text(
        '[database]\npath = "pantau.db"\n\n[[recipients]]\nemail = "kadis@mubakab.example.go.id"\n'
        'regions = ["16.06"]\n',
        encoding="utf-8",
    )
    demo.configure(cfg_path)
    cfg = load_config(cfg_path)
    from pantau.storage.timefmt import utcnow

    mail = EmailMessage()
    mail.set_content(f"Lihat papan pantau:\n{sign_link(cfg, demo.DEMO_READER, utcnow())}\n")
    demo.serve(cfg_path, [([demo.DEMO_READER], mail)], seconds=0)
    out = capsys.readouterr().out
    link = next(line.strip() for line in out.splitlines() if "/l/" in line)
    # It should print the link from the head of office's mail, on the board's own loopback port
    assert link.startswith(f"http://127.0.0.1:{cfg.web['port']}/l/")
    assert open_link(cfg, link.rsplit("/", 1)[1], utcnow())[0].regions == ("16.06",)
    assert os.environ["PANTAU_DEMO_WEB_PASSWORD"] in out
