"""The playground: a chat page at `/`, typed text and button clicks become Inbounds.

`POST /playground/send` and `POST /playground/action` answer a browser that asks for
`application/x-ndjson` with a stream of events (the stored user message, the progress
placeholder such as "Asking Maya…", then each reply), and a plain form post (no JavaScript)
with a redirect back to the page. `GET /playground/messages?after=SEQ` returns what changed
since SEQ, so digests and surveys posted by the clock process appear by themselves.
A private reply (an anonymous vote's "Your answer: …") is streamed to the voter only and
never stored, and the `survey vote` they typed is deleted.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from markupsafe import Markup

from adapters.web.render import render_template, reply_from_dict, reply_to_dict, reply_to_html
from adapters.web.site import Site, user_id_of
from bot.commands import MAX_INPUT_CHARS
from bot.features.ask_message import FORM_ACTION, SUBMIT_ACTION
from bot.messages import Address, Inbound, Quoted, Reply
from bot.numbers import MAX_ID, is_number
from bot.turn import run_turn
from persona_store.platforms.web_posts import WebPostView

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
MAX_TEXT = MAX_INPUT_CHARS  # a typed post is shown whole up to what the core reads
FIELD = "field."  # a form's inputs are posted as field.NAME
PAGE_MESSAGES = 60
Emit = Callable[[dict[str, Any]], Awaitable[None]]


def post_html(post: WebPostView, csrf: str) -> str:
    """One stored message as the `<li>` the page shows."""
    return render_template("_message.html", post=_ctx(post, csrf))


def post_event(post: WebPostView, csrf: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": post.id,
        "seq": post.seq,
        "role": post.role,
        "html": post_html(post, csrf),
    }


def examples_for(names: list[tuple[str, str]]) -> list[str]:
    """Clickable examples that work with whatever personas the store holds."""
    out = ["help", "list"]
    if names:
        slug, first = names[0]
        out += [
            f"what would {first} think about raising prices 20%?",
            f"ask {slug} Should we drop the free tier?",
            f"show {slug}",
            "panel Should we add a free tier?",
        ]
    return out


class Playground:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[web.RouteDef]:
        g = self.site.guard
        return [
            web.get("/", g(self.index)),
            web.post("/playground/send", g(self.send)),
            web.post("/playground/action", g(self.action)),
            web.get("/playground/messages", g(self.messages)),
        ]

    # -- storing and delivering --------------------------------------------------------------
    async def deliver(
        self,
        address: Address,
        reply: Reply,
        replaces: str | None = None,
        *,
        private_to: str | None = None,
    ) -> WebPostView:
        """A reply from the core: `replaces` names the message it updates (a survey's live
        tally); anything else is a new message."""
        target = replaces or reply.replaces
        if target and is_number(target):
            site = self.site
            ws = await site.workspace_id(address.workspace)
            post = await site.deps.db(
                site.posts.update, ws, address.conversation_id, int(target), reply_to_dict(reply)
            )
            if post is not None:
                return post
        return await self.store_reply(address, reply, private_to=private_to)

    async def store_reply(
        self, address: Address, reply: Reply, *, private_to: str | None = None
    ) -> WebPostView:
        """Store a bot reply as a new message; `private_to` shows it to that browser only."""
        site = self.site
        ws = await site.workspace_id(address.workspace)
        body = reply_to_dict(reply)
        return await site.deps.db(
            site.posts.add, ws, address.conversation_id, "bot", body, user_id=private_to
        )

    # -- handlers ----------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.Response:
        site = self.site
        token, new = site.session(request)
        ws = await site.workspace_id()
        viewer = None if new else user_id_of(token)
        posts = await site.deps.db(
            site.posts.after, ws, site.conversation, 0, limit=PAGE_MESSAGES, viewer=viewer
        )
        posts.sort(key=lambda p: p.id)  # conversation order; an edited survey stays in place
        personas = await site.deps.db(site.deps.store.list_personas, ws)
        ordered = sorted(personas, key=lambda p: (p.kind != "primary", p.name))
        prefill = request.query.get("text", "")[:MAX_TEXT]
        resp = site.page(
            request,
            "playground.html",
            nav="playground",
            posts=[_ctx(p, token) for p in posts],
            seq=max((p.seq for p in posts), default=0),
            examples=examples_for([(p.slug, p.first_name) for p in ordered]),
            prefill=prefill,
            autofocus=True,
        )
        return resp

    async def messages(self, request: web.Request) -> web.Response:
        site = self.site
        try:
            after = max(0, int(request.query.get("after", "0")))
            if after > 2**31 - 1:  # past the INTEGER seq column
                raise ValueError(after)
        except ValueError:
            return web.json_response({"error": "after must be a number"}, status=400)
        token, new = site.session(request)
        ws = await site.workspace_id()
        viewer = None if new else user_id_of(token)
        posts = await site.deps.db(site.posts.after, ws, site.conversation, after, viewer=viewer)
        seq = max((p.seq for p in posts), default=after)
        return web.json_response(
            {"seq": seq, "messages": [post_event(p, token) for p in posts]},
            headers={"Cache-Control": "no-store"},
        )

    async def send(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        text = str(form.get("text", "")).strip()
        problem = self.site.csrf_problem(request, _token(request, form))
        if problem:
            return web.Response(status=403, text=problem)
        if not text:
            return _see_other("/")
        inbound = Inbound(
            kind="command",
            text=text,  # whole (the body size is capped by aiohttp), so a refusal says its length
            user_id=user_id_of(request.cookies.get("pb_session", "")),
            address=self.site.address,
            user_name="You",
        )
        return await self._converse(request, inbound, typed=text)

    async def action(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        problem = self.site.csrf_problem(request, _token(request, form))
        if problem:
            return web.Response(status=403, text=problem)
        action_id = str(form.get("action_id", "")).strip()[:255]
        if not action_id:
            return web.Response(status=400, text="action_id is required")
        user = user_id_of(request.cookies.get("pb_session", ""))
        value = str(form.get("value", ""))[:2000]
        quoted = None
        if action_id in (FORM_ACTION, SUBMIT_ACTION) and value:
            quoted = await self._quoted(value, user)
            if quoted is None:
                return web.Response(status=404, text="That message is no longer here.")
        message_id = str(form.get("message_id", ""))[:20]
        inbound = Inbound(
            kind="action",
            text="",
            user_id=user,
            address=self.site.address,
            action_id=action_id,
            value=value,
            user_name="You",
            quoted=quoted,
            fields=_form_fields(form),
            message_id=message_id if is_number(message_id) and int(message_id) <= MAX_ID else None,
        )
        return await self._converse(request, inbound, typed=None)

    async def _quoted(self, post_id: str, viewer: str) -> Quoted | None:
        """The message "Ask the personas" was clicked on, as this browser may see it."""
        if not is_number(post_id) or int(post_id) > MAX_ID:
            return None
        site = self.site
        ws = await site.workspace_id()
        post = await site.deps.db(
            site.posts.get, ws, site.conversation, int(post_id), viewer=viewer or None
        )
        return None if post is None else Quoted(_text_of(post))

    async def _converse(
        self, request: web.Request, inbound: Inbound, *, typed: str | None
    ) -> web.StreamResponse:
        site = self.site
        ws = await site.workspace_id()
        token = request.cookies.get("pb_session", "")
        stream = NDJSON in request.headers.get("Accept", "")
        resp: web.StreamResponse | None = None
        if stream:
            resp = web.StreamResponse(headers={"Content-Type": NDJSON})
            site.harden(resp)
            await resp.prepare(request)

        async def emit(event: dict[str, Any]) -> None:
            if resp is not None:
                await resp.write(json.dumps(event).encode() + b"\n")

        user_post: WebPostView | None = None
        if typed is not None:
            user_post = await site.deps.db(
                site.posts.add,
                ws,
                site.conversation,
                "user",
                {"text": typed[:MAX_TEXT]},
                user_id=inbound.user_id,
            )
            await emit(post_event(user_post, token))
        turn = await site.core.prepare(inbound)
        outbox = _PageOutbox(self, emit, token, inbound.user_id)
        if inbound.fields and inbound.message_id:  # a submitted form: its answer replaces it
            outbox.form_post = int(inbound.message_id)
        await run_turn(site.core, turn, outbox)
        if user_post is not None and outbox.private:
            # An anonymous vote: neither the typed `survey vote` nor its answer is kept.
            await site.deps.db(site.posts.remove, ws, site.conversation, user_post.id)
        if resp is None:
            return _see_other("/#end")
        await emit({"type": "done"})
        await resp.write_eof()
        return resp


class _PageOutbox:
    """One playground turn: the placeholder is streamed (not stored); replies are stored,
    then streamed to the browser that asked. Ephemeral replies ("only you see this") are
    stored as that browser's own: no other session, and no client without the cookie, gets
    them."""

    def __init__(self, playground: Playground, emit: Emit, csrf: str, asker: str) -> None:
        self.playground = playground
        self.emit = emit
        self.csrf = csrf
        self.asker = asker
        self.private = False  # a private reply (an anonymous vote's) was shown
        self.form_post: int | None = None  # the form this turn answers (its post id)

    @property
    def address(self) -> Address:
        return self.playground.site.address

    async def show_placeholder(self, reply: Reply) -> str | None:
        await self.emit({"type": "progress", "html": reply_to_html(reply)})
        return None

    async def deliver(self, reply: Reply, *, replaces: str | None, first: bool) -> str | None:
        if reply.private:  # streamed to the voter only, stored nowhere
            self.private = True
            if self.form_post is not None and first and reply.form is None:
                await self._answer_form(self.form_post, reply)  # the form is done: gone
            await self.emit(post_event(unstored(reply), self.csrf))
            return None
        private_to = self.asker if reply.ephemeral else None
        if self.form_post is not None and first:
            replaces = await self._answer_form(self.form_post, reply)
        post = await self.playground.deliver(
            self.playground.site.address, reply, replaces, private_to=private_to
        )
        await self.emit(post_event(post, self.csrf))
        return str(post.id)

    async def _answer_form(self, post_id: int, reply: Reply) -> str | None:
        """The form shown again with its problems (in place), or gone once it is done.
        Only the asker's own form (an ephemeral post is stored as theirs) is touched."""
        site = self.playground.site
        ws = await site.workspace_id()
        posts = site.posts
        if not await site.deps.db(posts.is_private_to, ws, site.conversation, post_id, self.asker):
            return None
        if reply.form is not None:
            return str(post_id)
        if await site.deps.db(posts.remove, ws, site.conversation, post_id):
            await self.emit({"type": "removed", "id": post_id})
        return None


def unstored(reply: Reply) -> WebPostView:
    """A reply shown to the one person who asked and kept nowhere (an anonymous vote's
    "Your answer: …"); its page id cannot clash with a stored message's."""
    return WebPostView(
        id=-1 - secrets.randbelow(2**31),
        conversation_id="",
        seq=0,
        role="bot",
        user_id=None,
        body=reply_to_dict(reply),
        created_at=datetime.now(UTC),
    )


def _form_fields(form: Any) -> tuple[tuple[str, str], ...]:
    """A submitted core form's inputs, posted as `field.NAME` (several checked boxes of one
    field joined by ",", as the core reads them)."""
    names = dict.fromkeys(str(k) for k in form if str(k).startswith(FIELD))
    return tuple(
        (name.removeprefix(FIELD), ",".join(str(v) for v in form.getall(name))[:MAX_TEXT])
        for name in names
    )[:20]


def _token(request: web.Request, form: Any) -> str | None:
    return request.headers.get("X-CSRF-Token") or (
        str(form.get("csrf")) if form.get("csrf") else None
    )


def _ctx(post: WebPostView, csrf: str) -> dict[str, Any]:
    # every message with text can be put to the personas, except the bot's forms and refusals
    askable = post.id > 0 and not post.body.get("form") and not post.body.get("is_error")
    base = {
        "id": post.id,
        "seq": post.seq,
        "csrf": csrf,
        "ask_action": FORM_ACTION if askable and _text_of(post).strip() else "",
    }
    if post.role == "user":
        return {**base, "role": "user", "text": str(post.body.get("text", ""))}
    html = reply_to_html(reply_from_dict(post.body), csrf=csrf, message_id=str(post.id))
    return {**base, "role": "bot", "html": Markup(html)}


def _text_of(post: WebPostView) -> str:
    """A message's plain text (what someone typed, or a reply's complete text version)."""
    return str(post.body.get("text", ""))


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})
