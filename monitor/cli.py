"""The ``pantau`` command line: it parses and wires; the work lives in the rooms.

Exit status: 0 success, 1 a failure the user must act on, 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pantau.config.cells import neutralise
from pantau.config.settings import Config, ConfigError, load_config
from pantau.config.text import printable
from pantau.config.vocabulary import Status
from pantau.monitor.projection import STATUS_COLUMNS, local_iso, status_rows
from pantau.monitor.setup import ask_contact, warn_contact, write_contact

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXAMPLES = Path(str(files("pantau.config"))) / "examples"
STARTER_REGISTRY = Path(str(files("pantau.config"))) / "data" / "starter-registry.csv"


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL):
        super().__init__(message)
        self.code = code


# --- helpers -------------------------------------------------------------------------
def _now() -> datetime:
    from pantau.config import clock

    try:
        return clock.now()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _operator() -> str:
    """Who is at the command line (the person behind sudo, when there is one), for records."""
    import getpass

    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return "operator"


def _config(args: argparse.Namespace) -> Config:
    try:
        return load_config(args.config)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _db(cfg: Config) -> Any:
    from pantau.storage.db import open_db

    return open_db(cfg.db_path)


def _progress(total: int, desc: str) -> tuple[Callable[[Any], None], Callable[[], None]]:
    """A progress bar on a terminal; quiet when output goes to a file or a pipe."""
    if not sys.stderr.isatty() or total == 0:
        return (lambda _obs: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="akun", file=sys.stderr, dynamic_ncols=True)

    def step(obs: Any) -> None:
        bar.update(1)
        bar.set_postfix_str(obs.outcome, refresh=False)

    return step, bar.close


# --- commands ------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented pantau.toml and an example registry, and create the database.

    With --national the registry is the shipped starter registry: the official websites of the
    provincial and regency/city governments (Wikidata via Govdirectory, CC0).

    Example: pantau init /srv/pantau --contact https://diskominfo.mubakab.go.id/kontak
             pantau init /srv/pantau --national
    """
    target = Path(args.dir or ".")
    target.mkdir(parents=True, exist_ok=True)
    cfg_path = target / "pantau.toml"
    reg_path = target / "registry.csv"
    registry = STARTER_REGISTRY if args.national else EXAMPLES / "registry.csv"
    contact = ask_contact(args.contact) if not cfg_path.exists() else None
    for src, dst in ((EXAMPLES / "pantau.toml", cfg_path), (registry, reg_path)):
        if dst.exists():
            print(f"kept existing {dst}")
        else:
            shutil.copyfile(src, dst)
            if dst == cfg_path and contact:
                write_contact(cfg_path, contact)
            print(f"wrote {dst}")
    cfg = load_config(cfg_path)
    _db(cfg)
    print(f"database ready at {cfg.db_path}")
    print(f"next: edit {cfg_path}, then `pantau --config {cfg_path} registry import {reg_path}`")
    return EXIT_OK


def cmd_registry_import(args: argparse.Namespace) -> int:
    """Load a registry file (.csv, .yaml, .yml); re-importing the same file changes nothing.

    Example: pantau registry import registry.csv
    """
    from pantau.config.registry import RegistryError, iter_registry
    from pantau.storage.accounts import import_accounts

    cfg = _config(args)
    rejected: list[str] = []

    def records(items: Any) -> Any:
        # Streamed: a national registry is imported row by row, never held whole.
        for item in items:
            if isinstance(item, str):
                rejected.append(printable(item))
            else:
                yield dict(item.as_record(), id=item.id)

    try:
        items = iter_registry(args.file)
        counts = import_accounts(_db(cfg), records(items), _now())
    except RegistryError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    counts.rejected = len(rejected)
    for err in rejected:
        print(err, file=sys.stderr)
    print(counts.line())
    return EXIT_USAGE if rejected else EXIT_OK


def cmd_registry_export(args: argparse.Namespace) -> int:
    """Write the registry back out (CSV or YAML), ids included, so a re-import changes nothing.

    Example: pantau registry export --format yaml --out registry.yaml
    """
    from pantau.config.registry import dump_rows
    from pantau.storage.accounts import export_accounts

    cfg = _config(args)
    text = dump_rows(export_accounts(_db(cfg)), args.format)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _selected(db: Any, args: argparse.Namespace, *, due_only: bool, now: datetime) -> list[dict[str, Any]]:
    from pantau.storage.accounts import due_accounts, select_accounts

    if due_only:
        return due_accounts(db, now)
    return select_accounts(
        db, ids=args.account or (), platforms=args.platform or (), regions=args.region or (), include_retired=False
    )


def cmd_check(args: argparse.Namespace) -> int:
    """Check accounts now and record every observation (default: the accounts that are due).

    Example: pantau check --all          pantau check --platform website --region 16.06
    """
    from pantau.crawler.runner import check_accounts
    from pantau.monitor.evaluate import evaluate_all

    cfg = _config(args)
    warn_contact(cfg)
    db = _db(cfg)
    now = _now()
    filtered = bool(args.account or args.platform or args.region)
    accounts = _selected(db, args, due_only=not (args.all or filtered), now=now)
    if args.account:
        missing = set(args.account) - {a["id"] for a in accounts}
        if missing:
            raise CliError(f"no such account (or retired): {', '.join(map(str, sorted(missing)))}", EXIT_USAGE)
    if not accounts:
        print("nothing to check (no account is due; use --all to check every account)")
        return EXIT_OK
    step, close = _progress(len(accounts), "memeriksa")
    try:
        summary = check_accounts(cfg, accounts, progress=step)
    finally:
        close()
    changes = evaluate_all(db, cfg, _now(), ids=[a["id"] for a in accounts])
    print(summary.line())
    if changes:
        print("status changes: " + ", ".join(f"{k} {v}" for k, v in sorted(changes.items())))
    return EXIT_OK


def _table(rows: list[dict[str, Any]]) -> str:
    cols = ("id", "status", "days", "platform", "institution", "region", "evidence", "reason")
    # Names come from registry files and reasons may quote the web: no escape sequence
    # may reach the operator's terminal.
    cells = [
        [
            printable(str(c))
            for c in (
                r["id"],
                r["status"],
                "" if r["days_inactive"] is None else r["days_inactive"],
                r["platform"],
                r["institution"],
                r.get("region_name") or r["region"] or "-",
                r["evidence"] or "-",
                r["reason"]
                + (f" [{r['compromise']['kind']}: {r['compromise']['url']}]" if r.get("compromise") else ""),
            )
        ]
        for r in rows
    ]
    width = shutil.get_terminal_size((160, 20)).columns
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    widths[4] = min(widths[4], 40)
    widths[5] = min(widths[5], 32)
    lines = []
    for row in [list(cols)] + cells:
        parts = [row[i][: widths[i]].ljust(widths[i]) for i in range(len(cols) - 1)]
        line = "  ".join(parts + [row[-1]])
        lines.append(line[: max(width, 100)] if sys.stdout.isatty() else line)
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    """Show the current status of every account (table, json or csv), with filters.

    Example: pantau status --format json --status dormant --status close_recommended
             pantau status --compromised    (sites with gambling injection, cloaking or defacement)
    """
    from pantau.storage.daemon import last_heartbeat

    cfg = _config(args)
    db = _db(cfg)
    rows = status_rows(
        cfg,
        db,
        _now(),
        statuses=args.status or (),
        regions=args.region or (),
        platforms=args.platform or (),
        compromised=args.compromised,
    )
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        buf = io.StringIO()
        # CRLF rows (RFC 4180): the writer then quotes any cell holding a lone CR from the web,
        # which "\n" rows would let split a row in two.
        w = csv.DictWriter(
            buf, fieldnames=list(STATUS_COLUMNS) + ["last_activity_title"], lineterminator="\r\n", extrasaction="ignore"
        )  # nested JSON keys (response, …) are not CSV cells
        w.writeheader()
        # Opened in a spreadsheet, a title or name starting with = + - @ must stay text.
        w.writerows({k: neutralise(v) for k, v in r.items()} for r in rows)
        sys.stdout.write(buf.getvalue())
    else:
        print(_table(rows) if rows else "no accounts (import a registry with `pantau registry import FILE`)")
        beat = last_heartbeat(db)
        if beat:
            print(
                f"\ndaemon pid {beat['pid']} on {beat['host']}: {beat['state']}, "
                f"last heartbeat {local_iso(beat['heartbeat_at'], cfg.timezone)}"
            )
    return EXIT_OK


def _account_or_fail(db: Any, account_id: int) -> dict[str, Any]:
    from pantau.storage.accounts import get_account

    account = get_account(db, account_id)
    if not account:
        raise CliError(f"no account with id {account_id}; see `pantau status`", EXIT_USAGE)
    return account


def cmd_attest(args: argparse.Namespace) -> int:
    """Record a last activity seen by a person, for platforms pantau cannot read.

    Without --date, an X, TikTok, Instagram or Threads post link dates itself: the time is read
    from the post's id, and the link must be a post of the registered account.

    Example: pantau attest 12 --date 2024-11-20T09:00+07:00 --url https://instagram.com/p/xyz --note "dicek manual"
             pantau attest 14 --url https://x.com/kominfomuba/status/1859123456789012345
    """
    from pantau.crawler.postids import PostLinkError, post_of_account
    from pantau.monitor.evaluate import evaluate_all
    from pantau.storage.accounts import add_attestation

    if not args.date and not args.url:
        args.subparser.error("give --date, or --url with the link of the account's latest post")
    cfg = _config(args)
    db = _db(cfg)
    account = _account_or_fail(db, args.account_id)
    if args.date:
        try:
            when = datetime.fromisoformat(args.date)
        except ValueError:
            raise CliError(
                f'--date "{args.date}" is not ISO 8601, e.g. 2024-11-20 or 2024-11-20T09:00+07:00', EXIT_USAGE
            ) from None
    elif args.url:
        try:
            when = post_of_account(args.url, account).at
        except PostLinkError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(cfg.timezone))
    now = _now()
    if when > now:
        raise CliError(f"--date {args.date} is in the future", EXIT_USAGE)
    who = _operator()
    add_attestation(db, args.account_id, when, args.url, args.note, who, now)
    evaluate_all(db, cfg, now, ids=[args.account_id])
    print(f"attested account {args.account_id}: last activity {when.isoformat()} (by {who})")
    return EXIT_OK


def cmd_respond(args: argparse.Namespace) -> int:
    """Record an office's answer to a finding: it will run the account again, closed it, or keeps it.

    `closed` is verified by the next check: gone -> retired with the answer as reason; still
    online -> the answer stays and the reason says so.

    Example: pantau respond 12 --will-reactivate-by 2025-03-31 --note "admin baru sudah ditunjuk"
             pantau respond 13 --closed --note "akun dihapus 3 Maret"
             pantau respond 14 --exception "akun arsip Pilkada 2024, dibiarkan sesuai SK"
    """
    from datetime import date

    from pantau.monitor.answers import AnswerError, respond
    from pantau.monitor.evaluate import evaluate_all

    cfg = _config(args)
    db = _db(cfg)
    now = _now()
    by = None
    note = args.note
    if args.will_reactivate_by:
        kind = "will_reactivate"
        try:
            by = date.fromisoformat(args.will_reactivate_by)
        except ValueError:
            raise CliError(
                f'--will-reactivate-by "{args.will_reactivate_by}" is not a date like 2025-03-31', EXIT_USAGE
            ) from None
    elif args.closed:
        kind = "closed"
    else:
        kind = "exception"
        note = args.exception if not args.note else f"{args.exception}; {args.note}"
    who = f"cli:{_operator()}"
    try:
        respond(db, cfg, args.account_id, kind, who=who, now=now, by=by, note=note)
    except AnswerError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    evaluate_all(db, cfg, now, ids=[args.account_id])
    print(f"recorded answer {kind}{f' by {by.isoformat()}' if by else ''} for account {args.account_id} (by {who})")
    return EXIT_OK


def cmd_retire(args: argparse.Namespace) -> int:
    """Mark an account closed on purpose: it is no longer checked or alerted.

    Example: pantau retire 12 --reason "akun ditutup sesuai arahan menteri"
    """
    from pantau.monitor.evaluate import evaluate_all
    from pantau.storage.accounts import retire_account

    cfg = _config(args)
    db = _db(cfg)
    _account_or_fail(db, args.account_id)
    retire_account(db, args.account_id, args.reason or "", _now())
    evaluate_all(db, cfg, _now(), ids=[args.account_id])
    print(f"retired account {args.account_id}")
    return EXIT_OK


def cmd_alerts_send(args: argparse.Namespace) -> int:
    """Evaluate statuses and deliver pending alerts: one digest mail per recipient.

    Example: pantau alerts send --dry-run
    """
    from pantau.alerts.send import send_pending
    from pantau.monitor.evaluate import evaluate_all

    cfg = _config(args)
    db = _db(cfg)
    now = _now()
    if not args.dry_run:
        evaluate_all(db, cfg, now)
    result = send_pending(db, cfg, now, dry_run=args.dry_run)
    if args.dry_run:
        for p in result.previews:
            print(printable(f"--- to {p.email}: {p.subject}\n{p.text}\n", keep_newlines=True))
    print(
        f"{'would send' if args.dry_run else 'sent'} {result.digests} digest(s) covering "
        f"{result.alerts} alert(s); {result.pending} delivery(ies) pending"
    )
    for err in result.errors:
        print(printable(err), file=sys.stderr)
    return EXIT_FAIL if result.errors and not args.dry_run else EXIT_OK


def cmd_report_weekly(args: argparse.Namespace) -> int:
    """Build the weekly dormant-account report for each recipient (and send it with --send).

    Example: pantau report weekly --week 2024-W47 --out reports/ --send
    """
    from pantau.alerts.report import weekly_report

    cfg = _config(args)
    db = _db(cfg)
    try:
        result = weekly_report(
            db,
            cfg,
            _now(),
            week=args.week,
            out_dir=Path(args.out) if args.out else None,
            send=args.send,
            force=args.force,
        )
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    for f in result.files:
        print(f"wrote {f}")
    for email in result.sent:
        print(f"sent week {result.week} to {email}")
    for email in result.skipped:
        print(f"week {result.week} was already sent to {email} (use --force to send again)")
    for err in result.errors:
        print(err, file=sys.stderr)
    return EXIT_FAIL if result.errors else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon: scheduled checks, alerts and weekly reports until SIGTERM/SIGINT.

    Example: pantau --config /etc/pantau/pantau.toml run
    """
    from pantau.monitor.daemon import AlreadyRunning, run_daemon

    cfg = _config(args)
    warn_contact(cfg)
    try:
        return run_daemon(cfg)
    except AlreadyRunning as exc:
        raise CliError(str(exc), EXIT_FAIL) from None


def cmd_discover(args: argparse.Namespace) -> int:
    """Read the registered websites for links to their social accounts; report new and unlinked ones.

    Prints `found N, registered N, new N, unlinked N`; unlinked accounts and dead links on stderr;
    --out writes the new accounts as a registry file (.csv or .yaml) ready for `registry import`.

    Example: pantau discover --out ditemukan.csv          pantau discover --account 12 --out akun.yaml
    """
    from pantau.monitor.discover import discover, write_rows

    cfg = _config(args)
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".yaml", ".yml"):
        raise CliError(f"{args.out}: unknown registry format; use .csv, .yaml or .yml", EXIT_USAGE)
    try:
        report = discover(cfg, _db(cfg), args.account or [])
    except LookupError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    for line in report.messages():
        print(line, file=sys.stderr)
    if args.out:
        write_rows(report.new, args.out)
    print(report.line())
    return EXIT_OK


def cmd_health(args: argparse.Namespace) -> int:
    """Show each platform's and bridge's state in its latest pass of checks: ok, degraded or down.

    Example: pantau health --format json
    """
    from pantau.monitor.health import HEALTH_KEYS, health_rows, health_table

    cfg = _config(args)
    rows = health_rows(_db(cfg), cfg)
    if args.format == "json":
        print(json.dumps([{k: r[k] for k in HEALTH_KEYS} for r in rows], ensure_ascii=False, indent=2))
    else:
        print(health_table(rows) if rows else "no accounts (import a registry with `pantau registry import FILE`)")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web board (overview, regions, accounts, answers, API, metrics) until SIGTERM.

    Example: PANTAU_WEB_SECRET=$(openssl rand -hex 32) pantau serve --port 8080
    """
    from pantau.monitor.board.app import BoardError
    from pantau.monitor.board.serve import serve

    cfg = _config(args)
    logging.getLogger().setLevel(logging.INFO)
    try:
        return serve(cfg, _now, args.host, args.port)
    except BoardError as exc:
        raise CliError(str(exc), EXIT_FAIL) from None


def cmd_demo(args: argparse.Namespace) -> int:
    """A self-contained offline demonstration: local sites, a local mail sink, real checks.

    Example: pantau demo
    """
    from pantau.monitor.demo.run import run_demo

    seconds = args.board_seconds
    if seconds is None and not sys.stdin.isatty():
        seconds = 0.0  # in a script: show the board's link, do not wait for a Ctrl-C nobody will type
    return run_demo(keep=args.keep, board_seconds=seconds)


def cmd_explain(args: argparse.Namespace) -> int:
    """Show every dated candidate the account's last check considered: where each was found and
    why it was taken or refused (the winner is the account's last activity).

    Example: pantau explain 12          pantau explain 12 --format json
    """
    from pantau.monitor.explain import explain_account, render_text

    cfg = _config(args)
    db = _db(cfg)
    _account_or_fail(db, args.account_id)
    doc = explain_account(cfg, db, args.account_id)
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.format == "json" else render_text(doc))
    return EXIT_OK


def cmd_probe(args: argparse.Namespace) -> int:
    """Check any address once without registering it, and explain what was found; writes nothing.

    Example: pantau probe https://mubakab.go.id          pantau probe https://t.me/kominfomuba --format json
    """
    from pantau.config.platforms import IdentityError, canonical_platform
    from pantau.monitor.explain import probe_url, render_text

    cfg = _config(args)
    try:
        platform = canonical_platform(args.platform) if args.platform else None
        doc = probe_url(cfg, args.url, platform, _now())
    except IdentityError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.format == "json" else render_text(doc))
    return EXIT_OK


# --- parser --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pantau",
        description="Watches official government websites and social accounts; flags dormant ones.",
    )
    p.add_argument("--config", help="config file (default: $PANTAU_CONFIG, then ./pantau.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name: str, fn: Callable[[argparse.Namespace], int], parent: Any = sub) -> argparse.ArgumentParser:
        doc = (fn.__doc__ or "").strip()
        sp = parent.add_parser(
            name, help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        sp.set_defaults(func=fn)
        return sp

    sp = add("init", cmd_init)
    sp.add_argument("dir", nargs="?", help="folder to write into (default: here)")
    sp.add_argument(
        "--national",
        action="store_true",
        help="write the starter registry of provincial and regency/city government websites",
    )
    sp.add_argument(
        "--contact",
        help="your office's web page or e-mail address, named in pantau's user "
        "agent (asked for on a terminal when not given)",
    )

    reg = sub.add_parser("registry", help="import or export the registry of accounts")
    rsub = reg.add_subparsers(dest="registry_command", metavar="ACTION")
    rsub.required = True
    sp = add("import", cmd_registry_import, rsub)
    sp.add_argument("file")
    sp = add("export", cmd_registry_export, rsub)
    sp.add_argument("--format", choices=("csv", "yaml"), default="csv")
    sp.add_argument("--out")

    sp = add("check", cmd_check)
    sp.add_argument("--all", action="store_true", help="every account, not only those due")
    sp.add_argument("--account", type=int, action="append", metavar="ID")
    sp.add_argument("--platform", action="append", metavar="P")
    sp.add_argument("--region", action="append", metavar="CODE")

    sp = add("status", cmd_status)
    sp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    sp.add_argument("--status", action="append", metavar="S", choices=[s.value for s in Status])
    sp.add_argument("--region", action="append", metavar="CODE")
    sp.add_argument("--platform", action="append", metavar="P")
    sp.add_argument(
        "--compromised",
        action="store_true",
        help="only accounts with an unresolved gambling-injection, cloaking or defacement finding",
    )

    sp = add("attest", cmd_attest)
    sp.add_argument("account_id", type=int, metavar="ACCOUNT_ID")
    sp.set_defaults(subparser=sp)  # attest needs --date or --url: a usage error otherwise
    sp.add_argument(
        "--date",
        help="ISO 8601; without an offset, the configured time zone (default: read "
        "from the --url of an X, TikTok, Instagram or Threads post)",
    )
    sp.add_argument("--url")
    sp.add_argument("--note")

    sp = add("respond", cmd_respond)
    sp.add_argument("account_id", type=int, metavar="ACCOUNT_ID")
    answer = sp.add_mutually_exclusive_group(required=True)
    answer.add_argument("--will-reactivate-by", metavar="DATE", help="the account runs again by this date")
    answer.add_argument("--closed", action="store_true", help="the account was closed (verified by the next check)")
    answer.add_argument("--exception", metavar="TEXT", help="kept idle on purpose, for this reason")
    sp.add_argument("--note")

    sp = add("retire", cmd_retire)
    sp.add_argument("account_id", type=int, metavar="ACCOUNT_ID")
    sp.add_argument("--reason")

    al = sub.add_parser("alerts", help="deliver pending alerts")
    asub = al.add_subparsers(dest="alerts_command", metavar="ACTION")
    asub.required = True
    sp = add("send", cmd_alerts_send, asub)
    sp.add_argument("--dry-run", action="store_true")

    rep = sub.add_parser("report", help="reports")
    repsub = rep.add_subparsers(dest="report_command", metavar="KIND")
    repsub.required = True
    sp = add("weekly", cmd_report_weekly, repsub)
    sp.add_argument("--week", help="ISO week YYYY-Www (default: the week that just ended)")
    sp.add_argument("--out", help="also write the files into this folder")
    sp.add_argument("--send", action="store_true", help="mail each recipient its report")
    sp.add_argument("--force", action="store_true", help="send again even if this week was sent")

    sp = add("discover", cmd_discover)
    sp.add_argument(
        "--account",
        type=int,
        action="append",
        metavar="ID",
        help="only this website (or the websites of this account's institution)",
    )
    sp.add_argument("--out", metavar="FILE", help="write the new accounts here (.csv, .yaml or .yml)")
    sp = add("explain", cmd_explain)
    sp.add_argument("account_id", type=int, metavar="ACCOUNT_ID")
    sp.add_argument("--format", choices=("text", "json"), default="text")
    sp = add("probe", cmd_probe)
    sp.add_argument("url", metavar="URL")
    sp.add_argument("--platform", metavar="P", help="platform of the address (default: inferred from it)")
    sp.add_argument("--format", choices=("text", "json"), default="text")

    add("run", cmd_run)
    sp = add("health", cmd_health)
    sp.add_argument("--format", choices=("table", "json"), default="table")
    sp = add("serve", cmd_serve)
    sp.add_argument("--host", metavar="H", help="address to listen on (default: [web] host, 127.0.0.1)")
    sp.add_argument("--port", metavar="P", type=int, help="port (default: [web] port, 8080)")
    sp = add("demo", cmd_demo)
    sp.add_argument("--keep", action="store_true", help="keep the demo folder afterwards")
    sp.add_argument(
        "--board-seconds",
        type=float,
        metavar="N",
        help="serve the board N seconds at the end (default: until Ctrl-C on a terminal)",
    )
    return p


COMMANDS = (
    "init",
    "registry import",
    "registry export",
    "check",
    "status",
    "attest",
    "respond",
    "retire",
    "alerts send",
    "report weekly",
    "run",
    "serve",
    "demo",
    "discover",
    "health",
    "explain",
    "probe",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # Every failed download is already an observation with its error; Scrapy's own
        # tracebacks for them would only bury the summary.
        for name in ("scrapy", "twisted", "py.warnings"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"pantau: {exc}", file=sys.stderr)
        return exc.code
    except ConfigError as exc:
        print(f"pantau: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pantau: interrupted", file=sys.stderr)
        return EXIT_FAIL
    except BrokenPipeError:
        # `pantau status | head`: the reader left; that is not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        from pantau.storage.errors import is_disk_full, is_disk_io_error

        if is_disk_io_error(exc):
            print(
                f"pantau: the database could not be written ({exc}): is the disk full or failing? Nothing was saved",
                file=sys.stderr,
            )
            return EXIT_FAIL
        if not is_disk_full(exc):
            raise
        # One line, exit 1, and nothing printed as done: the work was not saved.
        where = getattr(exc, "filename", None)
        print(
            f"pantau: disk full{f' writing {where}' if where else ''}: nothing was saved; "
            "free some space and run the command again",
            file=sys.stderr,
        )
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
