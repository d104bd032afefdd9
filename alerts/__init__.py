"""Telling people: the alert digest, the weekly report, and the channels they go through.

- ``send``: route pending alerts, claim them, mail one digest per recipient (and chat texts).
- ``report``: the weekly report per recipient, built, written to files and mailed.
- ``view``: one account as the mails and the report show it (``account_view``), and the
  report's exported account row (``account_row``).
- ``compose``: the one MIME composer both mails go through (headers, 7-bit bodies, sealing).
- ``sheets``: CSV and XLSX through the one formula guard (``pantau.config.cells``).
- ``weeks``: ISO-week bounds in local time. ``chart``: the report's trend chart.
- ``render``: words in Indonesian and English, Jinja templates (``templates/``, the shared
  account row in ``macros.html``/``macros.txt``), and the text helpers that keep web data inert.
- ``routing``, ``channels``, ``links``: who gets what, how it leaves, the board's signed links.
"""
