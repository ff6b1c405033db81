"""The web adapter through a real aiohttp server on 127.0.0.1: pages, escaping, the
loopback/basic-auth guard, CSRF, the playground conversation, and send/update."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.commands import Core
from bot.features import build_registry
from bot.messages import Address, Card, Choice, Reply, Track
from bot.ports import DeliveryError
from persona_store import Store
from persona_store.personas.spec import PersonaSpec
from tests.conftest import make_deps
from tests.test_features import ScriptedAnswerer

SCRIPT_QUOTE = "Stop <script>alert('pwned')</script> the madness"
LOCAL = Address(platform="web", workspace="local", conversation_id="playground")


def seed(store: Store) -> None:
    ws = store.default_workspace_id()
    store.upsert(
        ws,
        PersonaSpec.from_dict(
            {
                "name": "Maya Chen",
                "kind": "primary",
                "role": "Operations manager",
                "quote": SCRIPT_QUOTE,
                "goals": ["Ship every order on time"],
                "pains": ["Budget is approved once a year", "Price rises need board sign-off"],
                "objections": ["Per-seat pricing punishes growth"],
                "owners": ["slack:U0123"],
                "last_reviewed": "2026-01-01",
                "evidence": [
                    {"summary": "12 of 15 named onboarding", "source": "interview", "n": 15}
                ],
            }
        ),
        author="test",
    )
    store.upsert(
        ws,
        PersonaSpec.from_dict({"name": "Sam Okafor", "kind": "negative", "pains": ["Paying"]}),
        author="test",
    )


@dataclass
class Env:
    client: TestClient
    adapter: WebAdapter
    core: Core
    posted: list[tuple[str, str]]

    async def token(self) -> str:
        resp = await self.client.get("/")
        assert resp.status == 200
        cookie = self.client.session.cookie_jar.filter_cookies(self.client.make_url("/"))
        return cookie["pb_session"].value


@pytest.fixture
async def env(sqlite_store: Store, request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    opts = getattr(request, "param", {})
    seed(sqlite_store)
    deps = make_deps(sqlite_store, ScriptedAnswerer(), web_password=opts.get("password"))
    registry = build_registry()
    posted: list[tuple[str, str]] = []

    @registry.on_posted("webtest")
    async def remember(deps_, ws, ref, address, message_id) -> None:  # type: ignore[no-untyped-def]
        posted.append((ref, message_id))

    core = Core(deps, registry)
    adapter = WebAdapter.from_settings(deps.settings, core, deps, None)
    app = build_app(deps, core, [adapter])
    if opts.get("remote"):
        # Test only: make every request look as if it came from another machine.
        @web.middleware
        async def from_outside(request: web.Request, handler):  # type: ignore[no-untyped-def]
            return await handler(request.clone(remote=opts["remote"]))

        app.middlewares.append(from_outside)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Env(client, adapter, core, posted)


def events(body: str) -> list[dict]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


# -- pages ---------------------------------------------------------------------------------


async def test_playground_page(env: Env) -> None:
    resp = await env.client.get("/")
    html = await resp.text()
    assert resp.status == 200
    assert "Ask your personas" in html
    assert "what would Maya think about raising prices 20%?" in html  # example chip
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
    assert "pb_session=" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]


async def test_static_assets_are_served_and_cached(env: Env) -> None:
    html = await (await env.client.get("/")).text()
    href = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    resp = await env.client.get(href)
    assert resp.status == 200 and resp.content_type == "text/css"
    assert "immutable" in resp.headers["Cache-Control"]
    assert (await env.client.get("/web-static/../app.py")).status == 404
    assert (await env.client.get("/web-static/nope.css")).status == 404


async def test_gallery_lists_personas_and_escapes_quotes(env: Env) -> None:
    resp = await env.client.get("/personas")
    html = await resp.text()
    assert resp.status == 200
    assert "Maya Chen" in html and "Sam Okafor" in html
    assert 'href="/personas/maya"' in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "Overdue: reviewed" in html


async def test_persona_one_pager(env: Env) -> None:
    resp = await env.client.get("/personas/maya")
    html = await resp.text()
    assert resp.status == 200
    for expected in (
        "Operations manager",
        'id="pain-2"',
        "Price rises need board sign-off",
        "slack:U0123",
        "12 of 15 named onboarding",
        "Ask Maya",
    ):
        assert expected in html
    assert "<script>alert" not in html


async def test_unknown_persona_is_404_with_suggestion(env: Env) -> None:
    resp = await env.client.get("/personas/mya")
    html = await resp.text()
    assert resp.status == 404
    assert "Did you mean" in html and '<a href="/personas/maya">Maya Chen</a>' in html
    nothing = await env.client.get("/personas/zzzzqqq")
    assert nothing.status == 404 and "Did you mean" not in await nothing.text()


async def test_name_or_prefix_redirects_to_the_persona(env: Env) -> None:
    resp = await env.client.get("/personas/Maya%20Chen", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/personas/maya"


# -- the playground conversation -----------------------------------------------------------


async def test_ask_streams_progress_then_answer(env: Env) -> None:
    token = await env.token()
    resp = await env.client.post(
        "/playground/send",
        data={"text": "what would Maya think about raising prices 20%?", "csrf": token},
        headers={"Accept": "application/x-ndjson", "Origin": f"http://127.0.0.1:{env.client.port}"},
    )
    assert resp.status == 200
    got = events(await resp.text())
    kinds = [e["type"] for e in got]
    assert kinds == ["message", "progress", "message", "done"]
    assert got[0]["role"] == "user" and "raising prices 20%" in got[0]["html"]
    assert "Asking Maya" in got[1]["html"]
    answer = got[2]["html"]
    assert got[2]["role"] == "bot" and 'class="card"' in answer
    assert "stance-mixed" in answer and 'class="cite"' in answer
    # A reload shows the same conversation, from the database.
    page = await (await env.client.get("/")).text()
    assert "Maya Chen would have mixed feelings" in page


async def test_form_post_without_javascript_redirects_back(env: Env) -> None:
    token = await env.token()
    resp = await env.client.post(
        "/playground/send", data={"text": "list", "csrf": token}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"].startswith("/")
    page = await (await env.client.get("/")).text()
    assert "Sam Okafor" in page and "msg-user" in page


async def test_buttons_post_actions(env: Env) -> None:
    token = await env.token()
    resp = await env.client.post(
        "/playground/action",
        data={"action_id": "persona.show", "value": "maya", "csrf": token},
        headers={"Accept": "application/x-ndjson"},
    )
    got = events(await resp.text())
    bot = [e for e in got if e["type"] == "message"]
    assert len(bot) == 1 and bot[0]["role"] == "bot" and "Maya Chen" in bot[0]["html"]


async def test_post_without_token_or_from_another_origin_is_refused(env: Env) -> None:
    token = await env.token()
    no_token = await env.client.post("/playground/send", data={"text": "help"})
    assert no_token.status == 403 and "expired" in await no_token.text()
    wrong = await env.client.post("/playground/send", data={"text": "help", "csrf": "x" * 32})
    assert wrong.status == 403
    cross = await env.client.post(
        "/playground/send",
        data={"text": "help", "csrf": token},
        headers={"Origin": "http://evil.example"},
    )
    assert cross.status == 403 and "another site" in await cross.text()
    before = await (await env.client.get("/playground/messages?after=0")).json()
    assert before["messages"] == []  # nothing was handled


# -- proactive posts (send/update) and polling ---------------------------------------------


async def test_send_update_and_poll(env: Env) -> None:
    first = Reply(
        text="Survey",
        cards=(Card(title="Is price the #1 objection?", choices=(Choice("Yes", "1:0", 0),)),),
        track=Track("webtest", "77"),
    )
    msg_id = await env.adapter.send(LOCAL, first)
    assert env.posted == [("77", msg_id)]  # core.posted got the stored message id
    polled = await (await env.client.get("/playground/messages?after=0")).json()
    assert [m["id"] for m in polled["messages"]] == [int(msg_id)]
    assert "Is price the #1 objection?" in polled["messages"][0]["html"]
    seq = polled["seq"]
    assert (await (await env.client.get(f"/playground/messages?after={seq}")).json())[
        "messages"
    ] == []

    await env.adapter.update(
        LOCAL, msg_id, Reply(text="Survey", cards=(Card(title="Closed: 3 answers"),))
    )
    changed = await (await env.client.get(f"/playground/messages?after={seq}")).json()
    assert [m["id"] for m in changed["messages"]] == [int(msg_id)]
    assert "Closed: 3 answers" in changed["messages"][0]["html"]
    assert changed["seq"] > seq

    later = await env.adapter.send(LOCAL, Reply(text="A later post"))
    await env.adapter.update(
        LOCAL, msg_id, Reply(text="Survey", cards=(Card(title="Closed: 4 answers"),))
    )
    page = await (await env.client.get("/")).text()
    assert page.index(f'id="m{msg_id}"') < page.index(f'id="m{later}"')  # edits stay in place

    with pytest.raises(DeliveryError):
        await env.adapter.update(LOCAL, "999999", first)
    with pytest.raises(DeliveryError):
        await env.adapter.update(LOCAL, "not-a-number", first)
    assert (await env.client.get("/playground/messages?after=x")).status == 400
    # past the INTEGER seq column: a 400 like any bad number, not a 500 from the database
    assert (await env.client.get(f"/playground/messages?after={10**20}")).status == 400


# -- who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{"remote": "203.0.113.7"}], indirect=True)
async def test_other_machines_are_refused_without_password(env: Env) -> None:
    for path in ("/", "/personas", "/personas/maya", "/playground/messages?after=0"):
        resp = await env.client.get(path)
        body = await resp.text()
        assert resp.status == 403, path
        assert "PERSONABOT_WEB_PASSWORD" in body and "Maya" not in body
    assert (await env.client.post("/playground/send", data={"text": "list"})).status == 403
    # Routes the web adapter does not own stay as they are.
    assert (await env.client.get("/healthz")).status == 200


async def test_proxied_or_rebound_requests_are_refused(env: Env) -> None:
    proxied = await env.client.get("/personas", headers={"X-Forwarded-For": "198.51.100.1"})
    assert proxied.status == 403
    rebound = await env.client.get("/personas", headers={"Host": "evil.example"})
    assert rebound.status == 403 and "Maya" not in await rebound.text()


@pytest.mark.parametrize(
    "env",
    [{"password": "hunter2"}, {"password": "hunter2", "remote": "203.0.113.7"}],
    indirect=True,
)
async def test_password_requires_basic_auth_on_every_page(env: Env) -> None:
    for path in ("/", "/personas", "/personas/maya"):
        resp = await env.client.get(path)
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic realm=")
        assert "Maya Chen" not in await resp.text()
    bad = "Basic " + base64.b64encode(b"me:wrong").decode()
    assert (await env.client.get("/personas", headers={"Authorization": bad})).status == 401
    good = "Basic " + base64.b64encode(b"anyone:hunter2").decode()
    resp = await env.client.get("/personas", headers={"Authorization": good})
    assert resp.status == 200 and "Maya Chen" in await resp.text()
    assert (await env.client.get("/healthz")).status == 200


async def test_survey_in_the_playground_updates_its_tally_in_place(env: Env) -> None:
    token = await env.token()
    ndjson = {"Accept": "application/x-ndjson"}
    created = events(
        await (
            await env.client.post(
                "/playground/send",
                data={
                    "text": 'survey maya "Is price still the #1 objection?" Yes | No',
                    "csrf": token,
                },
                headers=ndjson,
            )
        ).text()
    )
    survey = [e for e in created if e["type"] == "message" and 'value="survey.vote"' in e["html"]]
    assert len(survey) == 1, created
    html = survey[0]["html"]
    vote_value = html.split('name="action_id" value="survey.vote">', 1)[1]
    vote_value = vote_value.split('name="value" value="', 1)[1].split('"', 1)[0]

    voted = events(
        await (
            await env.client.post(
                "/playground/action",
                data={"action_id": "survey.vote", "value": vote_value, "csrf": token},
                headers=ndjson,
            )
        ).text()
    )
    messages = [e for e in voted if e["type"] == "message"]
    same = [m for m in messages if m["id"] == survey[0]["id"]]
    assert same, messages  # the survey message itself was replaced ...
    assert same[0]["seq"] > survey[0]["seq"]
    assert "1 · 100%" in same[0]["html"]  # ... with the live tally
    page = await (await env.client.get("/")).text()
    assert page.count('name="value" value="' + vote_value + '"') == 1  # one survey, not two


async def test_first_visit_buttons_carry_the_cookie_token(env: Env) -> None:
    """A browser without a cookie gets one token for the cookie and every form on the page,
    including the buttons of messages already in the conversation (a survey posted earlier)."""
    await env.adapter.send(
        LOCAL,
        Reply(text="Survey", cards=(Card(title="Price?", choices=(Choice("Yes", "1:0", 0),)),)),
    )
    resp = await env.client.get("/")
    html = await resp.text()
    cookie = env.client.session.cookie_jar.filter_cookies(env.client.make_url("/"))
    token = cookie["pb_session"].value
    tokens = set(re.findall(r'name="csrf" value="([^"]+)"', html))
    assert tokens == {token}
    assert html.count(f'name="csrf" value="{token}"') >= 3  # chips, composer, the survey button


def test_footer_names_the_answerer_in_words() -> None:
    from adapters.web.site import answerer_label

    assert answerer_label("offline") == "the offline answerer"
    assert answerer_label("llm") == "an LLM"
    assert answerer_label("scripted") == "scripted"


async def test_an_over_long_message_is_refused_with_its_real_length(env: Env) -> None:
    token = await env.token()
    resp = await env.client.post(
        "/playground/send",
        data={"text": "x" * 5000, "csrf": token},
        headers={"Accept": "application/x-ndjson"},
    )
    bot = [e for e in events(await resp.text()) if e.get("role") == "bot"]
    assert len(bot) == 1 and "5,000 characters" in bot[0]["html"]


def test_long_survey_options_wrap_left_aligned_like_short_ones() -> None:
    css = (Path(__file__).parents[1] / "adapters/web/static/style.css").read_text()
    rule = re.search(r"\.btn-choice \{([^}]*)\}", css)
    assert rule and "text-align: left" in rule.group(1)


async def test_only_you_see_this_stays_with_the_browser_that_asked(env: Env) -> None:
    """`list` is marked "Only you see this": another browser session and a client without
    cookies never get it (page or poll); the asker does, after a reload too."""
    token = await env.token()
    origin = {"Origin": f"http://127.0.0.1:{env.client.port}"}
    resp = await env.client.post(
        "/playground/send", data={"text": "list", "csrf": token}, headers=origin
    )
    assert resp.status == 200
    mine = await (await env.client.get("/")).text()
    assert "Only you see this" in mine and "Maya Chen" in mine
    polled = await (await env.client.get("/playground/messages?after=0")).json()
    assert any("Only you see this" in m["html"] for m in polled["messages"])
    url = env.client.make_url("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as bare:
        page = await (await bare.get(url)).text()
        poll = await (await bare.get(url.with_path("/playground/messages"))).json()
    assert "Only you see this" not in page
    assert not any("Only you see this" in m["html"] for m in poll["messages"])
    async with aiohttp.ClientSession() as other:
        await other.get(url)  # a session of its own
        page = await (await other.get(url)).text()
        poll = await (await other.get(url.with_path("/playground/messages"))).json()
    assert "Only you see this" not in page and ">list<" in page  # what was typed is shared
    assert not any("Only you see this" in m["html"] for m in poll["messages"])
