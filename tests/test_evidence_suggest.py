"""`evidence suggest maya` and its buttons (issue 13 §1) over real HTTP: signed Slack
requests against the fake Slack API, Bot Framework activities (Action.Execute) against the
fake Bot Connector, and the playground's form posts. Nothing is linked without a click, and
only owners and workspace admins may click (bot/features/access.py)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.commands import Core
from bot.features import build_registry
from bot.features.evidence import suggest, unlinked
from persona_store import Store
from persona_store.evidence.repository import EvidenceStore
from persona_store.evidence.rows import EvidenceRow
from persona_store.models import Evidence
from tests.conftest import make_deps
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.fakes.teams_env import USER_ID, TeamsEnv, teams_env
from tests.test_features import ScriptedAnswerer
from tests.test_teams_http import card_of, executes

PAINS = ["Invoices are wrong after a seat change", "Price rises need board sign-off"]
ROWS = [
    EvidenceRow(
        2,
        "Invoice total still wrong after we removed seats",
        date(2026, 9, 14),
        None,
        "https://acme.zendesk.com/agent/tickets/4811",
        None,
    ),
    EvidenceRow(3, "Loves the new dark theme", date(2026, 9, 15), None, None, None),
]


def seed(store: Store, owner: str) -> None:
    add_persona(store, "Maya Chen", owners=[owner], pains=PAINS, goals=["Ship on time"])
    EvidenceStore(store.sessions).import_rows(
        store.default_workspace_id(), "maya", ROWS, source="support", file_name="zendesk.csv"
    )


def evidence(store: Store) -> dict[str, tuple[str | None, str | None]]:
    """summary -> (linked line, owner's review) of every evidence row of Maya's."""
    with store.sessions() as s:
        rows = s.scalars(select(Evidence)).all()
        return {e.summary: (e.line.key if e.line else None, e.review) for e in rows}


def test_the_best_line_comes_from_the_answerers_matching(sqlite_store: Store) -> None:
    seed(sqlite_store, "slack:U0ALICE")
    maya = sqlite_store.get(sqlite_store.default_workspace_id(), "maya")
    assert maya is not None
    assert unlinked(maya) == [] and maya.imported.unlinked == 2  # rows are not in the view
    rows = EvidenceStore(sqlite_store.sessions).unlinked_imported(maya.workspace_id, "maya", 5)
    found = {s.evidence.summary: s.line for s in suggest(maya, rows)}
    line = found["Invoice total still wrong after we removed seats"]
    assert line is not None and line.key == "pain-1"
    assert found["Loves the new dark theme"] is None  # no line speaks to it: "New line"


# -- Slack ------------------------------------------------------------------------------------


@pytest.fixture
async def slack(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    seed(sqlite_store, "slack:U0ALICE")
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def click(env: SlackEnv, action: str, value: str, user: str, key: str) -> str:
    """A signed click; the text of what the bot answered (privately or in the channel)."""
    posted = len(env.api.of("chat.postMessage"))
    await env.slack.click(action, value, user=user, response_key=key)
    await env.settle()
    answers = env.api.responses(key) + env.api.of("chat.postMessage")[posted:]
    assert answers, f"no answer to {action}"
    return "\n".join(str(a.get("text", "")) for a in answers)


def slack_buttons(message: dict[str, Any]) -> dict[str, str]:
    """label -> 'action_id|value' of every button of a Block Kit message."""
    out = {}
    for block in message.get("blocks", []):
        for el in block.get("elements", []) if block.get("type") == "actions" else []:
            out.setdefault(el["text"]["text"], f"{el['action_id']}|{el.get('value', '')}")
    return out


async def test_slack_owner_links_and_a_stranger_is_refused(slack: SlackEnv) -> None:
    status, body, _ = await slack.slack.command(
        "evidence suggest maya", user="U0ALICE", response_key="sug"
    )
    assert status == 200
    await slack.settle()
    replies = ([json.loads(body)] if body.strip() else []) + slack.api.responses("sug")
    [reply] = [r for r in replies if r.get("blocks")]
    assert "Unlinked evidence of Maya Chen (2)" in reply["text"]
    buttons = slack_buttons(reply)
    assert {"Link to pain-1", "Not related", "New line"} <= set(buttons)
    action, value = buttons["Link to pain-1"].split("|")
    # a member who does not own Maya: refused, nothing linked
    refused = await click(slack, action, value, "U0MALLORY", "no")
    assert "Only Maya Chen's owners (slack:U0ALICE) and workspace admins" in refused
    assert evidence(slack.store)["Invoice total still wrong after we removed seats"] == (None, None)
    linked = await click(slack, action, value, "U0ALICE", "yes")
    assert "Linked evidence" in linked and "pain-1" in linked
    assert evidence(slack.store)["Invoice total still wrong after we removed seats"] == (
        "pain-1",
        None,
    )
    # "New line" on the one no line matches: it is no longer suggested
    status, body, _ = await slack.slack.command(
        "evidence suggest maya", user="U0ALICE", response_key="again"
    )
    await slack.settle()
    again = ([json.loads(body)] if body.strip() else []) + slack.api.responses("again")
    [left] = [r for r in again if r.get("blocks")]
    new_line = slack_buttons(left)["New line"].split("|")
    assert "asks for a new line" in await click(slack, *new_line, "U0ALICE", "nl")
    assert evidence(slack.store)["Loves the new dark theme"] == (None, "new-line")


# -- Teams (Action.Execute) --------------------------------------------------------------------


@pytest.fixture
async def teams(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    seed(sqlite_store, f"teams:{USER_ID}")
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def test_teams_owner_sets_evidence_aside_with_action_execute(teams: TeamsEnv) -> None:
    await teams.post(teams.activities.message("evidence suggest maya"))
    await teams.settle()
    cards = [card_of(p.body) for p in teams.connector.posted if p.body.get("attachments")]
    assert cards, teams.connector.posted
    buttons = [b for card in cards for b in executes(card)]
    assert {"evidence.link", "evidence.unrelated", "evidence.newline"} <= {
        b["verb"] for b in buttons
    }
    unrelated = next(b for b in buttons if b["verb"] == "evidence.unrelated")
    resp = await teams.post(
        teams.activities.execute(unrelated["verb"], unrelated["data"], reply_to="act-1")
    )
    assert resp.status == 200
    await teams.settle()
    reviews = {r for _, r in evidence(teams.store).values()}
    assert reviews == {None, "unrelated"}
    link = next(b for b in buttons if b["verb"] == "evidence.link")
    resp = await teams.post(teams.activities.execute(link["verb"], link["data"], reply_to="act-1"))
    assert resp.status == 200
    await teams.settle()
    assert evidence(teams.store)["Invoice total still wrong after we removed seats"][0] == "pain-1"


async def test_teams_has_no_admins_so_a_non_owner_is_refused(sqlite_store: Store) -> None:
    seed(sqlite_store, "teams:29:someone-else")
    async for env in teams_env(sqlite_store, ScriptedAnswerer()):
        data = {"action_id": "evidence.unrelated", "value": "maya:1"}
        resp = await env.session.post(
            f"{env.url}/api/messages",
            json=env.activities.execute("evidence.unrelated", data, reply_to="a"),
        )
        assert resp.status == 200
        await env.settle()
        said = json.dumps(await resp.json()) + json.dumps([p.body for p in env.connector.posted])
        assert "Only Maya Chen's owners (teams:29:someone-else)" in said
        assert {r for _, r in evidence(env.store).values()} == {None}


# -- playground ----------------------------------------------------------------------------------


async def test_playground_buttons_link_evidence(sqlite_store: Store) -> None:
    seed(sqlite_store, "slack:U0ALICE")
    deps = make_deps(sqlite_store, ScriptedAnswerer())
    core = Core(deps, build_registry())
    adapter = WebAdapter.from_settings(deps.settings, core, deps, None)
    async with TestClient(TestServer(build_app(deps, core, [adapter]), host="127.0.0.1")) as c:
        await c.get("/")
        token = c.session.cookie_jar.filter_cookies(c.make_url("/"))["pb_session"].value
        ndjson = {"Accept": "application/x-ndjson"}
        resp = await c.post(
            "/playground/send",
            headers=ndjson,
            data={"text": "evidence suggest maya", "csrf": token},
        )
        html = "".join(json.loads(x).get("html", "") for x in (await resp.text()).splitlines())
        assert "Link to pain-1" in html and "New line" in html
        values = re.findall(
            r'name="action_id" value="evidence\.link">.*?name="value" value="([^"]+)"', html, re.S
        )
        assert values, html
        resp = await c.post(
            "/playground/action",
            headers=ndjson,
            data={"action_id": "evidence.link", "value": values[0], "csrf": token},
        )
        assert "Linked evidence" in await resp.text()
    assert evidence(sqlite_store)["Invoice total still wrong after we removed seats"][0] == "pain-1"


async def test_slack_show_empathy_is_a_two_column_map(slack: SlackEnv) -> None:
    ws = slack.store.default_workspace_id()
    from persona_store.personas.spec import PersonaSpec

    maya = slack.store.get(ws, "maya")
    assert maya is not None
    data = {
        "name": "Maya Chen",
        "owners": ["slack:U0ALICE"],
        "pains": PAINS,
        "empathy": {"says": ["Show me the price"], "feels": ["Anxious in Q4"]},
    }
    slack.store.upsert(ws, PersonaSpec.from_dict(data), author="test")
    status, body, _ = await slack.slack.command(
        "show maya empathy", user="U0BOB", response_key="emp"
    )
    assert status == 200
    await slack.settle()
    replies = ([json.loads(body)] if body.strip() else []) + slack.api.responses("emp")
    [card] = [r for r in replies if r.get("blocks")]
    [grid] = [b for b in card["blocks"] if "fields" in b]
    assert [f["text"] for f in grid["fields"]] == [
        "*Says*\n• Show me the price [says-1]",
        "*Thinks*\n—",
        "*Does*\n—",
        "*Feels*\n• Anxious in Q4 [feels-1]",
    ]
