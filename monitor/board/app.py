"""The board's web application (Starlette; server-rendered with Jinja2, no JavaScript needed).

Routes:

    GET  /                      overview: counts per status per province and regency, worst first
    GET  /regions/{code}        a region's accounts
    GET  /accounts/{id}         an account: status, reason, evidence, history chart, explain, answer form
    POST /accounts/{id}/respond the answer form (CSRF-protected) -> storage.responses.record_response
    GET  /api/v1/accounts       the status JSON (as `pantau status --format json`), scoped
    GET  /metrics               Prometheus text, admin only
    GET  /l/{token}             a mail's signed link -> a session for its scope
    GET  /login, POST /login    the admin password -> the national view
    POST /logout

Every lookup is scoped: an account or region outside the reader's scope answers 404, exactly
as one that does not exist, so a scope never learns what lies outside it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from pantau.alerts.links import LinkError, Scope, open_link, secret_key
from pantau.alerts.render import STATUS_COLOURS, local_time, web_href
from pantau.config.settings import Config
from pantau.config.vocabulary import ResponseKind, reason_text
from pantau.monitor.board import access
from pantau.monitor.board.chart import history_chart
from pantau.monitor.board.data import PROBLEMS, SEVERITY, BoardData, account_order, overview
from pantau.monitor.board.words import words

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
MAX_FORM_BYTES = 16_384
SESSION_COOKIE = "pantau_board"


class BoardError(Exception):
    """A configuration problem that stops the board from starting."""


class SecurityHeaders:
    """Headers every page carries: no framing (clickjacking on the answer form), no content from
    elsewhere (the pages need none: no script, inline styles only), no Referer to the sites the
    board links to, no MIME sniffing."""

    HEADERS = [
        (
            b"content-security-policy",
            b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
            b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def explain_candidates_for(cfg: Config, db: Any, account_id: int) -> list[dict[str, Any]]:
    """The `explain` candidates of the account's latest check, for the account page's
    ``explain_candidates`` block: ``[{"at", "url", "title", "source", "where", "accepted", "why"}]``,
    exactly what `pantau explain` prints."""
    from pantau.monitor.explain import explain_account

    return explain_account(cfg, db, account_id)["candidates"]


def create_app(
    cfg: Config, now: Callable[[], datetime], *, snapshot_max_age: float = 300.0, background_snapshots: bool = True
) -> Starlette:
    key = secret_key(cfg)
    if not key:
        raise BoardError(
            f"the board needs a signing key: set the environment variable {cfg.web['secret_env']} "
            "(see [web] secret_env) to a long random value, e.g. `openssl rand -hex 32`"
        )
    if len(key) < 16:
        raise BoardError(f"the key in {cfg.web['secret_env']} is too short: use at least 16 characters")
    from pantau.storage.db import open_db

    open_db(cfg.db_path).conn.close()  # migrate once, before any request
    data = BoardData(cfg, now, max_age=snapshot_max_age, background=background_snapshots)
    password = access.admin_password(cfg)
    if not password.enabled:
        log.warning(
            "admin sign-in is off: set the environment variable %s (see [web] admin_password_env)",
            cfg.web["admin_password_env"],
        )
    limiter = access.LoginLimiter()
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["href"] = web_href
    secure = cfg.board_url.startswith("https://")

    # --- helpers ----------------------------------------------------------------------------
    def lang_of(request: Request) -> str:
        return request.session.get("lang") or "id"

    def page(request: Request, template: str, scope: Scope | None, status_code: int = 200, **context: Any) -> Response:
        w = words(lang_of(request))
        return templates.TemplateResponse(
            request,
            template,
            {
                "w": w,
                "scope": scope,
                "admin": access.is_admin(scope),
                "csrf": access.csrf_token(request.session),
                "colours": STATUS_COLOURS,
                "severity": SEVERITY,
                "path": request.url.path,
                **context,
            },
            status_code=status_code,
        )

    def login_page(request: Request, message: str | None = None, status_code: int = 200) -> Response:
        w = words(lang_of(request))
        return page(
            request,
            "login.html",
            None,
            status_code,
            message=message,
            disabled=None if password.enabled else w["login_disabled"].format(env=cfg.web["admin_password_env"]),
        )

    def scope_or_login(request: Request) -> Scope | Response:
        scope = access.current_scope(request.session, now())
        if scope is None:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return scope

    def not_found(request: Request, scope: Scope | None) -> Response:
        return page(request, "error.html", scope, 404, message=words(lang_of(request))["not_found"])

    async def form(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413)
        parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def row_view(r: dict[str, Any], lang: str) -> dict[str, Any]:
        return {
            **r,
            "reason_text": reason_text(r["reason"], lang),
            "last_at_text": local_time(r["last_activity_at"], cfg.timezone, lang) if r["last_activity_at"] else "",
            "checked_text": local_time(r["last_checked_at"], cfg.timezone, lang) if r["last_checked_at"] else "",
            "last_href": web_href(r.get("last_activity_url")),
            "href": web_href(r["url"]),
        }

    # --- pages ------------------------------------------------------------------------------
    def home(request: Request) -> Response:
        scope = scope_or_login(request)
        if isinstance(scope, Response):
            return scope
        db = data.connect()
        try:
            ov = data.overview(scope, db)
        finally:
            db.conn.close()
        return page(
            request,
            "overview.html",
            scope,
            ov=ov,
            problems=PROBLEMS,
            compromised=[row_view(r, lang_of(request)) for r in ov.compromised[:200]],
        )

    def region(request: Request) -> Response:
        scope = scope_or_login(request)
        if isinstance(scope, Response):
            return scope
        code = request.path_params["code"]
        db = data.connect()
        try:
            rows = data.fresh(scope, db, regions=[code])
        finally:
            db.conn.close()
        if not rows:
            return not_found(request, scope)
        lang = lang_of(request)
        ov = overview(rows)
        name = next((r.get("region_name") for r in rows if r["region"] == code and r.get("region_name")), None)
        return page(
            request,
            "region.html",
            scope,
            code=code,
            name=name,
            ov=ov,
            rows=[row_view(r, lang) for r in sorted(rows, key=account_order)[:2000]],
            total=len(rows),
        )

    def account(request: Request, message: str | None = None, status_code: int = 200) -> Response:
        scope = scope_or_login(request)
        if isinstance(scope, Response):
            return scope
        from pantau.storage.board import account_history
        from pantau.storage.responses import current_response

        account_id = request.path_params["account_id"]
        lang = lang_of(request)
        db = data.connect()
        try:
            row = data.account(scope, db, account_id)
            if row is None:
                return not_found(request, scope)
            history = account_history(db, account_id)
            answer = current_response(db, account_id)  # the stored record: it says who answered
            candidates = explain_candidates_for(cfg, db, account_id)
        finally:
            db.conn.close()
        chart = history_chart(history, cfg.policy_for(row["platform"]), now(), words(lang))
        return page(
            request,
            "account.html",
            scope,
            status_code,
            a=row_view(row, lang),
            chart=chart,
            answer=answer,
            answer_at=local_time(answer.get("at"), cfg.timezone, lang) if answer else "",
            explain_candidates=candidates,
            message=message,
            kinds=[k.value for k in ResponseKind],
            today=now().date().isoformat(),
        )

    async def respond(request: Request) -> Response:
        scope = scope_or_login(request)
        if isinstance(scope, Response):
            return scope
        fields = await form(request)
        w = words(lang_of(request))
        if not access.csrf_ok(request.session, fields.get("csrf")):
            return PlainTextResponse(w["form_expired"], status_code=403)
        account_id = request.path_params["account_id"]
        kind = fields.get("kind", "")
        note = (fields.get("note") or "").strip()[:2000] or None
        by: date | None = None
        problem = None
        if kind not in {k.value for k in ResponseKind}:
            problem = w["answer_bad_kind"]
        elif kind == ResponseKind.WILL_REACTIVATE:
            try:
                by = date.fromisoformat(fields.get("by") or "")
            except ValueError:
                by = None
            if by is None or by < now().date():
                problem = w["answer_need_date"]
        elif kind == ResponseKind.EXCEPTION and not note:
            problem = w["answer_need_reason"]
        return await _record(request, scope, account_id, kind, by, note, problem)

    async def _record(
        request: Request,
        scope: Scope,
        account_id: int,
        kind: str,
        by: date | None,
        note: str | None,
        problem: str | None,
    ) -> Response:
        from starlette.concurrency import run_in_threadpool

        from pantau.storage.responses import record_response

        def write() -> bool:
            db = data.connect()
            try:
                if data.account(scope, db, account_id) is None:
                    return False
                if problem is None:
                    record_response(db, account_id, kind, who=scope.who, at=now(), by=by, note=note)
                return True
            finally:
                db.conn.close()

        if not await run_in_threadpool(write):
            return not_found(request, scope)
        if problem is not None:
            return await run_in_threadpool(account, request, problem, 400)
        log.info("answer %s on account %s by %s", kind, account_id, scope.who)
        return RedirectResponse(f"/accounts/{account_id}?saved=1", status_code=303)

    def api_accounts(request: Request) -> Response:
        scope = access.current_scope(request.session, now())
        if scope is None:
            return JSONResponse({"error": "sign in or open the link from a pantau mail"}, status_code=401)
        q = request.query_params
        filters = {"regions": q.getlist("region"), "statuses": q.getlist("status"), "platforms": q.getlist("platform")}
        db = data.connect()
        try:
            if scope.national and not any(filters.values()):
                # 100,000 accounts are ~50 MB of JSON: compressed once per snapshot, it leaves
                # in a tenth of the bytes to any client that accepts gzip (curl --compressed, httpx).
                snap = data.national()
                if "gzip" in request.headers.get("accept-encoding", ""):
                    return Response(
                        snap.gzip,
                        media_type="application/json",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
                    )
                return Response(snap.json, media_type="application/json", headers={"Vary": "Accept-Encoding"})
            body = data.api(scope, db, **filters)
        finally:
            db.conn.close()
        return Response(body, media_type="application/json")

    def metrics(request: Request) -> Response:
        scope = access.current_scope(request.session, now())
        if not access.is_admin(scope):
            return PlainTextResponse("admin only: sign in at /login\n", status_code=403)
        from pantau.monitor.board.metrics import render_metrics

        db = data.connect()
        try:
            body, content_type = render_metrics(db, data.national().overview.totals, now())
        finally:
            db.conn.close()
        return Response(body, media_type=content_type)

    # --- access -----------------------------------------------------------------------------
    def open_mail_link(request: Request) -> Response:
        try:
            scope, expires = open_link(cfg, request.path_params["token"], now())
        except LinkError:
            request.session.pop("scope", None)
            return login_page(request, words(lang_of(request))["link_bad"], 403)
        access.start_session(request.session, scope, expires)
        # The board speaks the language the recipient's mails are in, until they switch.
        language = next((r.language for r in cfg.recipients if r.email.lower() == scope.who.lower()), None)
        if language and "lang" not in request.session:
            request.session["lang"] = language
        return RedirectResponse("/", status_code=303)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_page(request)
        fields = await form(request)
        w = words(lang_of(request))
        if not access.csrf_ok(request.session, fields.get("csrf")):
            return login_page(request, w["form_expired"], 403)
        client = request.client.host if request.client else "?"
        if not limiter.allowed(client):
            resp = login_page(request, w["login_limited"], 429)
            resp.headers["Retry-After"] = "900"
            return resp
        from starlette.concurrency import run_in_threadpool

        if not await run_in_threadpool(password.check, fields.get("password") or ""):
            limiter.failed(client)
            log.warning("failed admin login from %s", client)
            return login_page(request, w["login_wrong"], 401)
        access.start_session(request.session, Scope(access.ADMIN, ("*",)), now() + access.ADMIN_SESSION)
        log.info("admin signed in from %s", client)
        nxt = fields.get("next") or "/"
        return RedirectResponse(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/", status_code=303)

    async def logout(request: Request) -> Response:
        fields = await form(request)
        if access.csrf_ok(request.session, fields.get("csrf")):
            request.session.clear()
        return RedirectResponse("/login", status_code=303)

    def language(request: Request) -> Response:
        lang = request.path_params["lang"]
        if lang in ("id", "en"):
            request.session["lang"] = lang
        back = request.query_params.get("next") or "/"
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", status_code=303)

    async def on_404(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("404 not found\n", status_code=404)

    routes = [
        Route("/", home),
        Route("/regions/{code:str}", region),
        Route("/accounts/{account_id:int}", account),
        Route("/accounts/{account_id:int}/respond", respond, methods=["POST"]),
        Route("/api/v1/accounts", api_accounts),
        Route("/metrics", metrics),
        Route("/l/{token:str}", open_mail_link),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang:str}", language),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=key,
            session_cookie=SESSION_COOKIE,
            max_age=int(timedelta(days=cfg.web["link_days"]).total_seconds()),
            same_site="lax",
            https_only=secure,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: on_404})
    app.state.data = data
    return app
