"""The gap loop on the playground and in the gallery, through a real aiohttp server: an
uncovered question becomes a gap shown in the gallery, "Ask the team" drafts the survey in
the message box (editable before sending), the vote and close land as evidence linked to
the gap, "Add as pain" adds a citable line, and the gallery shows the quarter's numbers."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.answering.offline import OfflineAnswerer
from bot.commands import Core
from bot.features import build_registry
from persona_store import Store
from persona_store.gaps.repository import GapStore
from tests.conftest import make_deps
from tests.sched_helpers import Clock, seed

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
async def client(sqlite_store: Store) -> AsyncIterator[TestClient]:
    seed(sqlite_store, last_reviewed="2026-11-01", owners=["slack:U0OWNER"])
    deps = make_deps(sqlite_store, OfflineAnswerer())
    deps.now = Clock(NOW)
    core = Core(deps, build_registry())
    adapter = WebAdapter.from_settings(deps.settings, core, deps, None)
    async with TestClient(TestServer(build_app(deps, core, [adapter]), host="127.0.0.1")) as c:
        yield c


async def _token(client: TestClient) -> str:
    await client.get("/")
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["pb_session"].value


async def say(client: TestClient, text: str) -> str:
    """The bot's replies to typed text, as HTML."""
    resp = await client.post(
        "/playground/send", data={"text": text, "csrf": await _token(client)},
        headers={"Accept": "application/x-ndjson"},
    )  # fmt: skip
    assert resp.status == 200
    events = [json.loads(line) for line in (await resp.text()).splitlines() if line]
    return "".join(e["html"] for e in events if e.get("role") == "bot")


async def click(client: TestClient, action_id: str, value: str) -> str:
    resp = await client.post(
        "/playground/action",
        data={"action_id": action_id, "value": value, "csrf": await _token(client)},
        headers={"Accept": "application/x-ndjson"},
    )
    assert resp.status == 200
    events = [json.loads(line) for line in (await resp.text()).splitlines() if line]
    return "".join(e["html"] for e in events if e.get("role") == "bot")


async def test_the_gap_loop_on_the_playground_and_gallery(
    client: TestClient, sqlite_store: Store
) -> None:
    answer = await say(client, "ask maya Does Maya need SSO?")
    assert "nothing in it speaks to this" in answer
    gallery = await (await client.get("/personas")).text()
    assert "Asked but not covered: 1 (SSO)" in gallery
    assert "0% of 1 question answered from the profile" in gallery

    listed = await say(client, "gaps maya")
    assert "1. Does Maya need SSO?" in listed
    # "Ask the team" drafts the survey in the message box: a link that fills it
    [draft] = re.findall(r'data-fill="([^"]*--gap 1)"', listed)
    draft = html.unescape(draft)
    assert draft == 'survey maya "Does Maya need SSO?" Yes | No | Not sure --gap 1'
    [href] = re.findall(r'href="(/\?text=[^"]*)"[^>]*data-fill="[^"]*--gap 1"', listed)
    box = await (await client.get(html.unescape(href))).text()
    assert "Does Maya need SSO?" in box.split('id="composer"', 1)[1]  # prefilled, editable
    edited = draft.replace("Does Maya need SSO?", "Does Maya need SSO before a pilot?")
    posted = await say(client, edited)
    assert "Does Maya need SSO before a pilot?" in posted
    gaps = GapStore(sqlite_store.sessions)
    ws = sqlite_store.default_workspace_id()
    maya = sqlite_store.get(ws, "maya")
    assert maya is not None
    [gap] = gaps.listed(ws, maya.id)
    assert gap.status == "asking" and gap.survey_id is not None

    await click(client, "survey.vote", f"{gap.survey_id}:0")
    closed = await say(client, f"survey close {gap.survey_id}")
    assert "Add as pain" in closed and "Saved on Maya Chen" in closed
    answered = gaps.get(ws, maya.id, 1)
    assert answered is not None and answered.status == "answered"

    added = await click(client, "gap.pain", "maya:1")
    assert "as pain [pain-3]" in added
    again = await say(client, "ask maya Does Maya need SSO?")
    assert "pain-3" in again
    page = await (await client.get("/personas/maya")).text()
    assert "Asked but not covered" not in page
    assert "1 gaps opened · 1 closed · 50% of questions answered from the profile" in page
