"""What every playground/gallery handler shares: the access guard, security headers, the
browser session (user id + CSRF token), static assets and page rendering."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.web import security
from adapters.web.render import render_template
from bot.commands import Core
from bot.deps import Deps
from bot.messages import Address
from persona_store.platforms.web_posts import WebPostStore

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
ASSET_KEYS = {"style.css": "css", "app.js": "js", "icon.svg": "icon"}
SESSION_COOKIE = "pb_session"
NEW_SESSION_KEY = web.RequestKey("persona_bot.new_session", str)
LOCAL_WORKSPACE = "local"
PLAYGROUND = "playground"
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https: http:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


ANSWERER_LABELS = {"offline": "the offline answerer", "llm": "an LLM"}


def answerer_label(name: str) -> str:
    """The footer's "answers by …" (answerers are named "offline" and "llm")."""
    return ANSWERER_LABELS.get(name, name)


def load_assets() -> tuple[dict[str, bytes], dict[str, str]]:
    """Static files (read once) and their cache-busting URLs ("style.css?v=1a2b3c4d")."""
    files = {name: (STATIC / name).read_bytes() for name in STATIC_TYPES}
    urls = {
        ASSET_KEYS[name]: f"{name}?v={hashlib.sha256(body).hexdigest()[:10]}"
        for name, body in files.items()
    }
    return files, urls


def user_id_of(session: str) -> str:
    """A stable, non-secret user id for a browser (the session token itself is the CSRF
    token, so it never appears anywhere else)."""
    return "browser-" + hashlib.sha256(session.encode()).hexdigest()[:12]


@dataclass
class Site:
    core: Core
    deps: Deps
    posts: WebPostStore
    password: str | None = None
    conversation: str = PLAYGROUND
    files: dict[str, bytes] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.files:
            self.files, self.assets = load_assets()

    @property
    def address(self) -> Address:
        return Address(platform="web", workspace=LOCAL_WORKSPACE, conversation_id=self.conversation)

    async def workspace_id(self, workspace: str = LOCAL_WORKSPACE) -> int:
        return await self.deps.workspace("web", workspace)

    # -- access ------------------------------------------------------------------------------
    def guard(self, handler: Handler) -> Handler:
        """Loopback-only (or basic auth when a password is set) plus security headers."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            access = security.decide_access(
                remote=request.remote,
                host=request.headers.get("Host"),
                headers=request.headers,  # type: ignore[arg-type]
                authorization=request.headers.get("Authorization"),
                password=self.password,
            )
            if access.verdict == "unauthorized":
                resp: web.StreamResponse = self.error_page(
                    request,
                    401,
                    "Password needed",
                    access.reason + " Use any user name and the PERSONABOT_WEB_PASSWORD.",
                )
                resp.headers["WWW-Authenticate"] = security.www_authenticate()
            elif access.verdict == "forbidden":
                resp = self.error_page(request, 403, "Only from this machine", access.reason)
            else:
                resp = await handler(request)
            if not resp.prepared:
                self.harden(resp)
            return resp

        return guarded

    @staticmethod
    def harden(resp: web.StreamResponse) -> None:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Cache-Control", "no-store")

    # -- session & CSRF ----------------------------------------------------------------------
    @staticmethod
    def session(request: web.Request) -> tuple[str, bool]:
        """(token, is_new). The token doubles as the CSRF token (double-submit cookie).
        A new token is made once per request, so every form on a first visit's page carries
        the same token as the cookie that page sets."""
        token = request.cookies.get(SESSION_COOKIE, "")
        if 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum():
            return token, False
        if NEW_SESSION_KEY not in request:
            request[NEW_SESSION_KEY] = secrets.token_urlsafe(24)
        return request[NEW_SESSION_KEY], True

    @staticmethod
    def remember(request: web.Request, resp: web.StreamResponse, token: str) -> None:
        resp.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="Lax",
            secure=request.secure,
            path="/",
            max_age=180 * 24 * 3600,
        )

    @staticmethod
    def csrf_problem(request: web.Request, given: str | None) -> str | None:
        """None when the POST is same-origin and carries the page's token."""
        if not security.origin_ok(request.headers.get("Origin"), request.headers.get("Host")):
            return "This form was sent from another site, so I ignored it."
        if not security.token_ok(request.cookies.get(SESSION_COOKIE), given):
            return "This page has expired. Reload it and try again."
        return None

    # -- pages -------------------------------------------------------------------------------
    def page(
        self, request: web.Request, template: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        token, new = self.session(request)
        html = render_template(
            template,
            assets=self.assets,
            csrf=token,
            answerer=answerer_label(getattr(self.deps.answerer, "name", "")),
            **context,
        )
        resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
        if new:
            self.remember(request, resp, token)
        return resp

    def error_page(
        self,
        request: web.Request,
        status: int,
        heading: str,
        message: str,
        suggestions: list[dict[str, str]] | None = None,
    ) -> web.Response:
        html = render_template(
            "error.html",
            assets=self.assets,
            answerer="",
            nav="",
            status=status,
            heading=heading,
            message=message,
            suggestions=suggestions or [],
        )
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    async def static(self, request: web.Request) -> web.Response:
        """The CSS, JS and icon. Public (no persona data) so error pages are styled too."""
        name = request.match_info["name"]
        body = self.files.get(name)
        if body is None:
            raise web.HTTPNotFound()
        resp = web.Response(body=body, headers={"Content-Type": STATIC_TYPES[name]})
        resp.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if request.query.get("v") else "no-cache"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp
