"""Open-text survey answers over real HTTP with the project's fakes: Slack (the card's
"Answer the survey" button opens a modal through views.open on the fake Web API, the
view_submission carries the answer), Teams (Input.Text on the card, Action.Execute invoke
with the typed text in its data) and the playground (the card's form posted to
/playground/action). Each answer is saved, once, for the right person."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.commands import Core
from bot.features import build_registry
from persona_store import Store
from persona_store.scheduling.models import Survey
from persona_store.surveys.voice_models import SurveyText
from tests.anonymity_attack import dump
from tests.conftest import make_deps
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.test_features import ScriptedAnswerer
from tests.test_slack_modals import select as select_option
from tests.test_slack_modals import submit, text_input
from tests.test_teams_http import card_of, executes

QUESTION = 'survey maya "What almost stopped you from buying?" --open'


def answers(store: Store) -> list[tuple[str, str]]:
    with store.sessions() as s:
        return [
            (r.voter_key, r.text) for r in s.scalars(select(SurveyText).order_by(SurveyText.id))
        ]


# -- Slack -------------------------------------------------------------------------------------


@pytest.fixture
async def slack(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", owners=["slack:U0ALICE"], goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


def form_button(post: dict[str, Any]) -> dict[str, Any]:
    [button] = [
        e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"].startswith("slack.form")
    ]  # fmt: skip
    return button


async def test_slack_answer_in_a_modal(slack: SlackEnv) -> None:
    await slack.slack.command(QUESTION)
    await slack.settle()
    [post] = slack.api.of("chat.postMessage")
    button = form_button(post)
    assert button["text"]["text"] == "Answer the survey"
    await slack.slack.click(button["action_id"], button["value"], user="U0BOB")
    await slack.settle()
    [opened] = slack.api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == "slack.form.submit"
    assert view["blocks"][0]["element"]["max_length"] == 1000
    assert json.loads(view["private_metadata"])["c"] == "C0GENERAL"
    values = {"answer": text_input("The per-seat price, honestly")}
    assert await submit(slack, view, values, user="U0BOB") == {}
    await slack.settle()
    assert answers(slack.store) == [("slack:U0BOB", "The per-seat price, honestly")]
    [thanks] = slack.api.of("chat.postEphemeral")
    assert thanks["user"] == "U0BOB" and "saved" in thanks["text"]
    # an empty answer changes nothing and says why, to the person only
    assert await submit(slack, view, {"answer": text_input("  ")}, user="U0CAROL") == {}
    await slack.settle()
    assert len(answers(slack.store)) == 1
    refusal = slack.api.of("chat.postEphemeral")[-1]
    assert refusal["user"] == "U0CAROL" and "empty" in refusal["text"]


async def test_slack_forged_form_button_opens_nothing(slack: SlackEnv) -> None:
    await slack.slack.click("slack.form", "{not json", user="U0BOB")
    await slack.settle()
    assert slack.api.of("views.open") == []


# -- Teams -------------------------------------------------------------------------------------


@pytest.fixture
async def teams(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def test_teams_answer_typed_on_the_card(teams: TeamsEnv) -> None:
    await teams.post(teams.activities.message(QUESTION))
    await teams.settle()
    [survey] = teams.connector.posted
    card = card_of(survey.body)
    [box] = [e for e in card["body"] if e.get("type") == "Input.Text"]
    assert box["id"] == "answer" and box["isRequired"] and box["maxLength"] == 1000
    [send] = [b for b in executes(card) if b["verb"] == "survey.answer"]
    assert send["associatedInputs"] == "auto"
    data = {**send["data"], "answer": "Setup looked like it would take weeks"}
    resp = await teams.session.post(
        f"{teams.url}/api/messages",
        json=teams.activities.execute(send["verb"], data, reply_to="act-1"),
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"  # to the clicker only
    assert "saved" in body["value"]
    await teams.settle()
    [(key, text)] = answers(teams.store)
    assert key.startswith("teams:") and text == "Setup looked like it would take weeks"
    assert len(teams.connector.posted) == 1  # nothing posted for everyone


# -- playground --------------------------------------------------------------------------------


async def test_playground_answer_form(sqlite_store: Store) -> None:

    from tests.test_web_app import env as web_env  # noqa: F401  (fixture body reused below)

    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    deps = make_deps(sqlite_store, ScriptedAnswerer())
    core = Core(deps, build_registry())
    adapter = WebAdapter.from_settings(deps.settings, core, deps, None)
    async with TestClient(TestServer(build_app(deps, core, [adapter]), host="127.0.0.1")) as client:
        page = await client.get("/")
        token = client.session.cookie_jar.filter_cookies(client.make_url("/"))["pb_session"].value
        assert page.status == 200
        resp = await client.post("/playground/send", data={"csrf": token, "text": QUESTION})
        assert resp.status in (200, 303)
        html = await (await client.get("/")).text()
        assert 'class="answer-form"' in html and 'name="answer"' in html
        with sqlite_store.sessions() as s:
            survey_id = s.scalars(select(Survey.id)).one()
        form = {"csrf": token, "action_id": "survey.answer", "value": str(survey_id),
                "message_id": "", "answer": "Nobody on my team had time to set it up"}  # fmt: skip
        resp = await client.post("/playground/action", data=form)
        assert resp.status in (200, 303)
        [(key, text)] = answers(sqlite_store)
        assert key.startswith("web:") and text == "Nobody on my team had time to set it up"
        bad = await client.post("/playground/action", data={**form, "csrf": "forged"})
        assert bad.status == 403 and len(answers(sqlite_store)) == 1


async def test_slack_anonymous_answers_leave_no_author(
    slack: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """An anonymous open-text survey answered in Slack's modal by two people, then closed:
    no row, log line or evidence item ties a person to their words (tests/anonymity_attack
    dumps every table with its hidden row ids)."""
    caplog.set_level(logging.DEBUG)
    await slack.slack.command(QUESTION + " --anonymous")
    await slack.settle()
    [post] = slack.api.of("chat.postMessage")
    button = form_button(post)
    said = {"U0BOB": "Zulu per-seat pricing", "U0CAROL": "Alpha onboarding weeks"}
    for user, text in said.items():
        await slack.slack.click(button["action_id"], button["value"], user=user)
        await slack.settle()
        view = slack.api.of("views.open")[-1]["view"]
        assert await submit(slack, view, {"answer": text_input(text)}, user=user) == {}
        await slack.settle()
    assert all(key.startswith("h:") for key, _ in answers(slack.store))
    with slack.store.sessions() as s:
        survey_id = s.scalars(select(Survey.id)).one()
    ws = slack.store.default_workspace_id()
    assert slack.adapter.deps.repos.surveys.close(ws, survey_id, now=datetime.now(UTC))
    rows = dump(slack.store.sessions.kw["bind"])
    assert rows["survey_texts"] == []
    for table, found in rows.items():
        for row in found:
            blob = json.dumps(row, default=str)
            for user, text in said.items():
                assert not (user in blob and text in blob), f"{table} links {user} to an answer"
    quotes = [r for r in rows["evidence"] if "per-seat" in str(r["summary"])]
    assert quotes and "U0BOB" not in json.dumps(quotes, default=str)
    for record in caplog.records:
        message = record.getMessage()
        assert not any(text in message for text in said.values()), message


async def test_slack_survey_modal_links_a_profile_line(slack: SlackEnv) -> None:
    await slack.slack.command("survey")
    await slack.settle()
    [opened] = slack.api.of("views.open")
    view = opened["view"]
    form = {
        "persona": select_option("maya"),
        "question": text_input("Is the yearly budget still a blocker?"),
        "options": text_input("Yes\nNo"),
        "closes": select_option("48h"),
    }
    assert await submit(slack, view, {**form, "line": text_input("pain-9")}) == {}
    await slack.settle()
    assert slack.api.of("chat.postMessage") == []
    assert "no profile line 'pain-9'" in slack.api.of("chat.postEphemeral")[-1]["text"]
    assert await submit(slack, view, {**form, "line": text_input(" pain-1 ")}) == {}
    await slack.settle()
    [post] = slack.api.of("chat.postMessage")
    with slack.store.sessions() as s:
        survey = s.scalars(select(Survey)).one()
        assert survey.line_key == "pain-1" and survey.message_id == post.get(
            "ts", survey.message_id
        )
