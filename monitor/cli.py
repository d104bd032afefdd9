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

from pantau.config.settings import Config, ConfigError, load_config
from pantau.monitor.projection import STATUS_COLUMNS, local_iso, status_rows

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXAMPLES = Path(str(files("pantau.config"))) / "examples"


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL):
        super().__init__(message)
        self.code = code


# --- helpers -------------------------------------------------------------------------
def _now() -> datetime:
    from pantau.storage.timefmt import utcnow

    # PANTAU_NOW lets the demo and tests look at a fixed moment; operators never set it.
    fixed = os.environ.get("PANTAU_NOW")
    if fixed:
        from pantau.storage.timefmt import from_iso

        return from_iso(fixed)  # type: ignore[return-value]
    return utcnow()


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

    Example: pantau init /srv/pantau
    """
    target = Path(args.dir or ".")
    target.mkdir(parents=True, exist_ok=True)
    cfg_path = target / "pantau.toml"
    reg_path = target / "registry.csv"
    for src, dst in ((EXAMPLES / "pantau.toml", cfg_path), (EXAMPLES / "registry.csv", reg_path)):
        if dst.exists():
            print(f"kept existing {dst}")
        else:
            shutil.copyfile(src, dst)
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
    from pantau.config.registry import RegistryError, parse_registry
    from pantau.storage.accounts import import_accounts

    cfg = _config(args)
    try:
        parsed = parse_registry(args.file)
    except RegistryError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    db = _db(cfg)
    records = [dict(r.as_record(), id=r.id) for r in parsed.rows]
    counts = import_accounts(db, records, _now())
    counts.rejected = len(parsed.errors)
    for err in parsed.errors:
        print(err, file=sys.stderr)
    print(counts.line())
    return EXIT_USAGE if parsed.errors else EXIT_OK


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
    return select_accounts(db, ids=args.account or (), platforms=args.platform or (),
                           regions=args.region or (), include_retired=False)


def cmd_check(args: argparse.Namespace) -> int:
    """Check accounts now and record every observation (default: the accounts that are due).

    Example: pantau check --all          pantau check --platform website --region 16.06
    """
    from pantau.crawler.runner import check_accounts
    from pantau.monitor.evaluate import evaluate_all

    cfg = _config(args)
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
    cols = ("id", "status", "days", "platform", "institution", "evidence", "reason")
    cells = [[str(r["id"]), r["status"], "" if r["days_inactive"] is None else str(r["days_inactive"]),
              r["platform"], r["institution"], r["evidence"] or "-",
              r["reason"] + (f" [{r['compromise']['kind']}: {r['compromise']['url']}]" if r.get("compromise") else "")]
             for r in rows]
    width = shutil.get_terminal_size((160, 20)).columns
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    widths[4] = min(widths[4], 40)
    lines = []
    for row in [list(cols)] + cells:
        parts = [row[i][: widths[i]].ljust(widths[i]) for i in range(len(cols) - 1)]
        line = "  ".join(parts + [row[-1]])
        lines.append(line[:max(width, 100)] if sys.stdout.isatty() else line)
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    """Show the current status of every account (table, json or csv), with filters.

    Example: pantau status --format json --status dormant --status close_recommended
             pantau status --compromised    (sites with gambling injection, cloaking or defacement)
    """
    from pantau.storage.daemon import last_heartbeat

    cfg = _config(args)
    db = _db(cfg)
    rows = status_rows(cfg, db, _now(), statuses=args.status or (), regions=args.region or (),
                       platforms=args.platform or (), compromised=args.compromised)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        buf = io.StringIO()
        # CRLF rows (RFC 4180): the writer then quotes any cell holding a lone CR from the web,
        # which "\n" rows would let split a row in two.
        w = csv.DictWriter(buf, fieldnames=list(STATUS_COLUMNS) + ["last_activity_title"], lineterminator="\r\n",
                           extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        print(_table(rows) if rows else "no accounts (import a registry with `pantau registry import FILE`)")
        beat = last_heartbeat(db)
        if beat:
            print(f"\ndaemon pid {beat['pid']} on {beat['host']}: {beat['state']}, "
                  f"last heartbeat {local_iso(beat['heartbeat_at'], cfg.timezone)}")
    return EXIT_OK


def _account_or_fail(db: Any, account_id: int) -> dict[str, Any]:
    from pantau.storage.accounts import get_account

    account = get_account(db, account_id)
    if not account:
        raise CliError(f"no account with id {account_id}; see `pantau status`", EXIT_USAGE)
    return account


def cmd_attest(args: argparse.Namespace) -> int:
    """Record a last activity seen by a person, for platforms pantau cannot read.

    Example: pantau attest 12 --date 2024-11-20T09:00+07:00 --url https://instagram.com/p/xyz --note "dicek manual"
    """
    from pantau.monitor.evaluate import evaluate_all
    from pantau.storage.accounts import add_attestation

    cfg = _config(args)
    db = _db(cfg)
    _account_or_fail(db, args.account_id)
    try:
        when = datetime.fromisoformat(args.date)
    except ValueError:
        raise CliError(f'--date "{args.date}" is not ISO 8601, e.g. 2024-11-20 or 2024-11-20T09:00+07:00',
                       EXIT_USAGE) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(cfg.timezone))
    now = _now()
    if when > now:
        raise CliError(f"--date {args.date} is in the future", EXIT_USAGE)
    who = os.environ.get("SUDO_USER") or os.environ.get("USER") or "operator"
    add_attestation(db, args.account_id, when, args.url, args.note, who, now)
    evaluate_all(db, cfg, now, ids=[args.account_id])
    print(f"attested account {args.account_id}: last activity {when.isoformat()} (by {who})")
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
            print(f"--- to {p.email}: {p.subject}\n{p.text}\n")
    print(f"{'would send' if args.dry_run else 'sent'} {result.digests} digest(s) covering "
          f"{result.alerts} alert(s); {result.pending} delivery(ies) pending")
    for err in result.errors:
        print(err, file=sys.stderr)
    return EXIT_FAIL if result.errors and not args.dry_run else EXIT_OK


def cmd_report_weekly(args: argparse.Namespace) -> int:
    """Build the weekly dormant-account report for each recipient (and send it with --send).

    Example: pantau report weekly --week 2024-W47 --out reports/ --send
    """
    from pantau.alerts.report import weekly_report

    cfg = _config(args)
    db = _db(cfg)
    try:
        result = weekly_report(db, cfg, _now(), week=args.week, out_dir=Path(args.out) if args.out else None,
                               send=args.send, force=args.force)
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
    try:
        return run_daemon(cfg)
    except AlreadyRunning as exc:
        raise CliError(str(exc), EXIT_FAIL) from None


def cmd_demo(args: argparse.Namespace) -> int:
    """A self-contained offline demonstration: local sites, a local mail sink, real checks.

    Example: pantau demo
    """
    from pantau.monitor.demo.run import run_demo

    return run_demo(keep=args.keep)


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
        sp = parent.add_parser(name, help=doc.splitlines()[0], description=doc,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        sp.set_defaults(func=fn)
        return sp

    sp = add("init", cmd_init)
    sp.add_argument("dir", nargs="?", help="folder to write into (default: here)")

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
    sp.add_argument("--status", action="append", metavar="S",
                    choices=("active", "warning", "dormant", "close_recommended", "unreachable", "unknown", "retired"))
    sp.add_argument("--region", action="append", metavar="CODE")
    sp.add_argument("--platform", action="append", metavar="P")
    sp.add_argument("--compromised", action="store_true",
                    help="only accounts with an unresolved gambling-injection, cloaking or defacement finding")

    sp = add("attest", cmd_attest)
    sp.add_argument("account_id", type=int, metavar="ACCOUNT_ID")
    sp.add_argument("--date", required=True, help="ISO 8601; without an offset, the configured time zone")
    sp.add_argument("--url")
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

    add("run", cmd_run)
    sp = add("demo", cmd_demo)
    sp.add_argument("--keep", action="store_true", help="keep the demo folder afterwards")
    return p


COMMANDS = ("init", "registry import", "registry export", "check", "status", "attest", "retire",
            "alerts send", "report weekly", "run", "demo")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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


if __name__ == "__main__":
    sys.exit(main())
