"""The gap loop on the playground and in the gallery, through a real aiohttp server: an
uncovered question becomes a gap shown in the gallery, "Ask the team" shows the drafted
survey as a form (a bad submission shows it again with its problems, nothing created; the
edited one is posted, linked to the gap), the vote and close land as evidence linked to
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


async def act(client: TestClient, data: dict[str, str]) -> list[dict]:
    """A button click or a form submitted: the events the playground streams back."""
    resp = await client.post(
        "/playground/action", data={**data, "csrf": await _token(client)},
        headers={"Accept": "application/x-ndjson"},
    )  # fmt: skip
    assert resp.status == 200
    return [json.loads(line) for line in (await resp.text()).splitlines() if line]


async def click(client: TestClient, action_id: str, value: str) -> str:
    events = await act(client, {"action_id": action_id, "value": value})
    return "".join(e["html"] for e in events if e.get("role") == "bot")


def hidden(fragment: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', fragment)
    assert m, f"no {name} in the fragment"
    return html.unescape(m.group(1))


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
    # "Ask the team" shows the drafted survey as a form, to edit before it goes out
    [button] = [f for f in listed.split("<form")[1:] if 'value="gap.ask"' in f]
    clicked = {k: hidden(button, k) for k in ("action_id", "value", "message_id")}
    [shown] = [e for e in await act(client, clicked) if e["type"] == "message"]
    assert 'class="card core-form"' in shown["html"]
    assert "Does Maya need SSO?" in shown["html"] and "Yes\nNo\nNot sure" in shown["html"]
    form = {k: hidden(shown["html"], k) for k in ("action_id", "value", "message_id")}
    assert form == {"action_id": "gap.survey", "value": "maya:1", "message_id": str(shown["id"])}
    bad = await act(client, {**form, "field.persona": "maya", "field.question": "",
                             "field.options": "Yes", "field.closes": "7d"})  # fmt: skip
    [again] = [e for e in bad if e["type"] == "message"]
    assert again["id"] == shown["id"]  # the form, in place, with its problems
    assert "Please write the question." in again["html"]
    assert "at least two options" in again["html"]
    assert "Survey about" not in json.dumps(bad)
    good = await act(
        client,
        {
            **form,
            "field.persona": "maya",
            "field.question": "Does Maya need SSO before a pilot?",
            "field.options": "Yes\r\nNo\r\nNot sure",
            "field.closes": "7d",
        },
    )
    assert {"type": "removed", "id": shown["id"]} in good
    posted = "".join(e["html"] for e in good if e.get("role") == "bot")
    assert "Does Maya need SSO before a pilot?" in posted and "Not sure" in posted
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

    # "Add as pain" shows the line drafted from the gap as a form, to reword from the
    # question into a statement before it is added (one click would make a question a pain)
    assert "data-fill=" not in closed  # no draft in the message box any more
    [add] = [f for f in closed.split("<form")[1:] if 'value="gap.pain"' in f]
    opened = {k: hidden(add, k) for k in ("action_id", "value", "message_id")}
    [drafted] = [e for e in await act(client, opened) if e["type"] == "message"]
    assert 'class="card core-form"' in drafted["html"]
    assert "Does Maya need SSO? Team survey: Yes 1" in html.unescape(drafted["html"])
    assert '<option value="pain" selected>' in drafted["html"]
    line_form = {k: hidden(drafted["html"], k) for k in ("action_id", "value", "message_id")}
    assert line_form == {"action_id": "gap.line", "value": "maya:1",
                         "message_id": str(drafted["id"])}  # fmt: skip
    version = sqlite_store.get(ws, "maya").version  # type: ignore[union-attr]
    bad = await act(client, {**line_form, "field.kind": "pain", "field.text": "ok"})
    [again] = [e for e in bad if e["type"] == "message"]
    assert again["id"] == drafted["id"] and "The line is too short" in again["html"]
    assert sqlite_store.get(ws, "maya").version == version  # nothing changed
    reworded = {"field.kind": "pain", "field.text": "Needs SSO before any pilot", "field.note": ""}
    good = await act(client, {**line_form, **reworded})
    assert {"type": "removed", "id": drafted["id"]} in good
    added = "".join(e["html"] for e in good if e.get("role") == "bot")
    assert "as pain [pain-3]" in added and "Needs SSO before any pilot" in added
    # the typed command still works (nothing left to close here: it says so)
    typed = await say(client, 'gaps maya line 1 pain "Needs SSO before any pilot"')
    assert "Gap 1 is already closed" in typed
    again = await say(client, "ask maya Does Maya need SSO?")
    assert "pain-3" in again
    page = await (await client.get("/personas/maya")).text()
    assert "Asked but not covered" not in page
    assert "1 gaps opened · 1 closed · 50% of questions answered from the profile" in page
