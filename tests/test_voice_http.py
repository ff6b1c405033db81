"""Open-text survey answers over real HTTP with the project's fakes: the card's "Answer the
survey" button opens the core's answer form, a Slack modal (views.open on the fake Web API,
then view_submission), a Teams task module (task/fetch, task/submit) or a playground form
(/playground/action). Each answer is saved, once, for the right person; a bad one shows the
form again with the problem under the field and saves nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from persona_store import Store
from persona_store.scheduling.models import Survey
from persona_store.surveys.voice_models import SurveyText
from tests.adaptive_cards import check_card
from tests.anonymity_attack import dump
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.test_decisions_teams import invoke, post_json, task_fetches
from tests.test_decisions_web import act, hidden, send
from tests.test_features import ScriptedAnswerer
from tests.test_slack_modals import select as select_option
from tests.test_slack_modals import submit, text_input
from tests.test_teams_http import card_of
from tests.test_web_app import Env, env  # noqa: F401  (the playground fixture)

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
        if e["action_id"] == "survey.answer.form"
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
    assert view["callback_id"] == "persona.form"
    assert view["blocks"][-1]["element"]["max_length"] == 1000
    assert json.loads(view["private_metadata"])["c"] == "C0GENERAL"
    # an empty answer: the problem under the field, nothing saved
    ack = await submit(slack, view, {"answer": text_input("  ")}, user="U0BOB")
    assert ack["response_action"] == "errors" and "empty" in ack["errors"]["answer"]
    assert answers(slack.store) == []
    values = {"answer": text_input("The per-seat price, honestly")}
    assert await submit(slack, view, values, user="U0BOB") == {}
    await slack.settle()
    assert answers(slack.store) == [("slack:U0BOB", "The per-seat price, honestly")]
    [thanks] = slack.api.of("chat.postEphemeral")
    assert thanks["user"] == "U0BOB" and "saved" in thanks["text"]


async def test_slack_form_of_no_survey_opens_nothing(slack: SlackEnv) -> None:
    await slack.slack.click("survey.answer.form", "999", user="U0BOB", response_key="bob")
    await slack.settle()
    assert slack.api.of("views.open") == []
    assert "no longer matches a survey" in json.dumps(slack.api.responses("bob"))


# -- Teams -------------------------------------------------------------------------------------


@pytest.fixture
async def teams(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def test_teams_answer_in_a_task_module(teams: TeamsEnv) -> None:
    await teams.post(teams.activities.message(QUESTION))
    await teams.settle()
    [survey] = teams.connector.posted
    [button] = [
        a for a in task_fetches(card_of(survey.body))
        if a["data"]["action_id"] == "survey.answer.form"
    ]  # fmt: skip
    fetched = await post_json(teams, invoke(teams, "task/fetch", button["data"], "act-1"))
    assert fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    check_card(form)
    [box] = [e for e in form["body"] if e.get("type") == "Input.Text"]
    assert box["id"] == "answer" and box["maxLength"] == 1000
    submit_data = form["actions"][0]["data"]
    again = await post_json(teams, invoke(teams, "task/submit", {**submit_data, "answer": " "},
                                          "act-1"))  # fmt: skip
    assert again["task"]["type"] == "continue"  # the form again, the problem under the field
    assert "empty" in json.dumps(again["task"]["value"]["card"]["content"])
    assert answers(teams.store) == []
    typed = {**submit_data, "answer": "Setup looked like it would take weeks"}
    done = await post_json(teams, invoke(teams, "task/submit", typed, "act-1"))
    assert done["task"]["type"] == "message" and "saved" in done["task"]["value"]
    await teams.settle()
    [(key, text)] = answers(teams.store)
    assert key.startswith("teams:") and text == "Setup looked like it would take weeks"
    assert len(teams.connector.posted) == 1  # nothing posted for everyone


# -- playground --------------------------------------------------------------------------------


async def test_playground_answer_form(env: Env) -> None:  # noqa: F811
    got = await send(env, QUESTION)
    [survey] = [e for e in got if e["type"] == "message" and e["role"] == "bot"]
    forms = [f for f in survey["html"].split("<form")[1:] if 'value="survey.answer.form"' in f]
    assert len(forms) == 1, "no Answer the survey button"
    button = {k: hidden(forms[0], k) for k in ("action_id", "value", "message_id")}
    [shown] = [e for e in await act(env, button) if e["type"] == "message"]
    assert 'class="card core-form"' in shown["html"] and 'name="field.answer"' in shown["html"]
    form = {k: hidden(shown["html"], k) for k in ("action_id", "value", "message_id")}
    assert form["action_id"] == "survey.answer"
    bad = await act(env, {**form, "field.answer": "   "})
    assert "field-error" in json.dumps(bad) and answers(env.adapter.deps.store) == []
    await act(env, {**form, "field.answer": "Nobody on my team had time to set it up"})
    [(key, text)] = answers(env.adapter.deps.store)
    assert key.startswith("web:") and text == "Nobody on my team had time to set it up"
    token = await env.token()
    forged = {**form, "field.answer": "Forged", "csrf": "forged"}
    resp = await env.client.post("/playground/action", data=forged)
    assert resp.status == 403 and len(answers(env.adapter.deps.store)) == 1 and token


async def test_playground_anonymous_answer_is_kept_nowhere_but_the_survey(
    env: Env,  # noqa: F811
) -> None:
    got = await send(env, QUESTION + " --anonymous")
    [survey] = [e for e in got if e["type"] == "message" and e["role"] == "bot"]
    forms = [f for f in survey["html"].split("<form")[1:] if 'value="survey.answer.form"' in f]
    button = {k: hidden(forms[0], k) for k in ("action_id", "value", "message_id")}
    [shown] = [e for e in await act(env, button) if e["type"] == "message"]
    form = {k: hidden(shown["html"], k) for k in ("action_id", "value", "message_id")}
    secret = "Zulu onboarding took our ops lead three weekends"
    bad = await act(env, {**form, "field.answer": secret + "x" * 1000})
    assert "field-error" in json.dumps(bad)  # shown to the person, stored nowhere
    done = await act(env, {**form, "field.answer": secret})
    assert {"type": "removed", "id": shown["id"]} in done  # the form is gone
    assert "Your answer is saved" in json.dumps(done)
    posts = dump(env.adapter.deps.store.sessions.kw["bind"])["web_posts"]
    assert secret not in json.dumps(posts, default=str)
    assert [text for _, text in answers(env.adapter.deps.store)] == [secret]


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
