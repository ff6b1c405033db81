"""The gap loop in Slack, over real HTTP (signed requests to the app, the fake Slack Web API
behind it, the offline answerer): an unanswerable question creates a gap, the owner's review
reminder lists it, its "Ask the team" button has the clock post a survey in the persona's
home channel, votes and the close land as evidence linked to the gap, and "Add as pain"
adds a citable line that the next identical question is answered from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.answering.offline import OfflineAnswerer
from persona_store import Store
from persona_store.gaps.models import Gap, QuestionTally
from persona_store.gaps.repository import GapStore
from tests.fakes.slack_env import SlackEnv, slack_env
from tests.sched_helpers import Clock, seed, sweep_once
from tests.test_slack_modals import select as picked
from tests.test_slack_modals import submit, text_input

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
QUESTION = "Does Maya need SSO?"


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    seed(
        sqlite_store, last_reviewed="2026-08-01", owners=["slack:U0OWNER"],
        home_channel="slack:C0PERSONAS",
    )  # fmt: skip
    async for e in slack_env(sqlite_store, OfflineAnswerer()):
        e.adapter.deps.now = Clock(NOW)
        yield e


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Button label -> element, over every actions block of a message."""
    return {
        e["text"]["text"]: e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def command(env: SlackEnv, text: str, key: str, **kw: Any) -> dict[str, Any]:
    status, body, _ = await env.slack.command(text, response_key=key, **kw)
    assert status == 200
    await env.settle()
    said = ([json.loads(body)] if body.strip() else []) + env.api.responses(key)
    assert said, f"no answer to {text!r}"
    return said[-1]


async def click(env: SlackEnv, button: dict[str, Any], key: str, **kw: Any) -> list[dict]:
    status, _, _ = await env.slack.click(button["action_id"], button["value"], response_key=key,
                                         **kw)  # fmt: skip
    assert status == 200
    await env.settle()
    return env.api.responses(key)


def gap_rows(store: Store) -> list[Gap]:
    with store.sessions() as s:
        return list(s.scalars(select(Gap)))


async def test_a_gap_from_question_to_citable_line(env: SlackEnv) -> None:
    deps = env.adapter.deps
    ws = env.store.default_workspace_id()
    # 1. Two people ask what Maya's profile doesn't cover: one gap, asked twice.
    first = await command(env, f"ask maya {QUESTION}", "q1")
    assert "I don't know from Maya" in first["text"] or "doesn't" in first["text"]
    await command(env, "ask maya does maya really need sso", "q2", user="U0BOB")
    answered = await command(env, "ask maya Does Maya want to ship on time?", "q3")
    assert "[goal-1]" in json.dumps(answered)
    [gap] = gap_rows(env.store)
    assert (gap.number, gap.count, gap.topic, gap.status) == (1, 2, "SSO", "open")
    stored = " ".join(str(getattr(gap, c.key)) for c in Gap.__table__.columns)
    assert "U0ALICE" not in stored and "U0BOB" not in stored  # the askers are not kept
    with env.store.sessions() as s:
        [tally] = s.scalars(select(QuestionTally)).all()
    assert (tally.answered, tally.gaps) == (1, 2)

    # 2. The owner's review reminder lists it, with its "Ask the team" button.
    await sweep_once(deps, [env.adapter], NOW)
    [reminder] = [m for m in env.api.of("chat.postMessage") if "Time to review" in m["text"]]
    assert QUESTION in reminder["text"] and "asked twice" in reminder["text"]
    ask = buttons(reminder)["Ask the team (gap 1)"]

    # 3. Clicked in the DM: the core's survey form opens as a modal, filled in from the gap;
    # the edited question is submitted and goes to Maya's home channel, posted by the clock.
    await click(env, ask, "a1", user="U0OWNER", channel="D0OWNER")
    [opened] = env.api.of("views.open")
    form = opened["view"]
    assert json.loads(form["private_metadata"])["a"] == "gap.survey"
    blocks = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert blocks["persona"]["initial_option"]["value"] == "maya"
    assert blocks["question"]["initial_value"] == QUESTION
    assert blocks["options"]["initial_value"] == "Yes\nNo\nNot sure"
    edited = {
        "persona": picked("maya"),
        "question": text_input("Does Maya need SSO before a pilot?"),
        "options": text_input("Yes\nNo\nNot sure"),
        "closes": picked("7d"),
    }
    # the gap is Maya's: another persona picked would ask about *its* gap 1, so it is refused
    moved = await submit(env, form, {**edited, "persona": picked("sam")}, user="U0OWNER")
    assert moved["response_action"] == "errors" and "This gap is Maya Chen's" in moved[
        "errors"]["persona"]  # fmt: skip
    assert gap_rows(env.store)[0].status == "open"
    assert await submit(env, form, edited, user="U0OWNER") == {}
    await env.settle()
    [owed] = [m for m in env.api.of("chat.postMessage") if "home channel" in m["text"]]
    assert "home channel (C0PERSONAS)" in owed["text"] and owed["channel"] == "D0OWNER"
    await sweep_once(deps, [env.adapter], NOW + timedelta(minutes=1))
    await sweep_once(deps, [env.adapter], NOW + timedelta(minutes=2))  # posted once
    surveys = [
        m for m in env.api.of("chat.postMessage")
        if m["channel"] == "C0PERSONAS" and "Survey about" in m["text"]
    ]  # fmt: skip
    assert len(surveys) == 1 and "Does Maya need SSO before a pilot?" in surveys[0]["text"]
    options = buttons(surveys[0])
    assert list(options)[:3] == ["Yes", "No", "Not sure"]
    assert gap_rows(env.store)[0].status == "asking"

    # 4. The team votes; the owner closes it in the channel: evidence linked to the gap.
    ts = "1700000000.000002"
    for user, label in (("U0ALICE", "Yes"), ("U0BOB", "Yes"), ("U0CAROL", "No")):
        await click(env, options[label], f"v-{user}", user=user, channel="C0PERSONAS",
                    message_ts=ts)  # fmt: skip
    survey_id = gap_rows(env.store)[0].survey_id
    await command(env, f"survey close {survey_id}", "c1", user="U0OWNER", channel="C0PERSONAS")
    closed = env.api.responses("c1")
    assert any("Yes 2" in json.dumps(m) or "2 (67%)" in json.dumps(m) for m in closed)
    [offer] = [m for m in closed if "Add as pain" in buttons(m)]
    [gap] = gap_rows(env.store)
    assert gap.status == "answered" and gap.evidence_id is not None
    maya = env.store.get(ws, "maya")
    assert maya is not None
    [evidence] = [e for e in maya.evidence if e.id == gap.evidence_id]
    assert evidence.source == "survey" and evidence.n == 3 and evidence.details["gap"] == 1

    # Only owners and admins turn a gap into a line: no form for anyone else.
    [refused] = await click(env, buttons(offer)["Add as pain"], "x1", user="U0ALICE")
    assert "Only Maya Chen's owners" in refused["text"]
    assert gap_rows(env.store)[0].status == "answered"
    assert len(env.api.of("views.open")) == 1  # the survey's form only

    # 5. "Add as pain" opens the line drafted from the gap as a modal, to reword; a bad
    # submission shows its problems and changes nothing; a good one adds the line with a
    # revision, the survey backing it.
    await click(env, buttons(offer)["Add as pain"], "p1", user="U0OWNER", channel="C0PERSONAS")
    view = env.api.of("views.open")[-1]["view"]
    assert json.loads(view["private_metadata"])["a"] == "gap.line"
    drafted = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert drafted["kind"]["initial_option"]["value"] == "pain"
    assert drafted["text"]["initial_value"].startswith("Does Maya need SSO? Team survey: Yes 2")
    version = env.store.get(ws, "maya").version  # type: ignore[union-attr]
    reworded = {"kind": picked("pain"), "text": text_input("Needs SSO before any pilot"),
                "note": text_input("2 of 3 said yes in December")}  # fmt: skip
    bad = await submit(env, view, {**reworded, "text": text_input("  ")}, user="U0OWNER")
    assert bad == {"response_action": "errors", "errors": {
        "text": "Please write the line, e.g. Needs SSO before any pilot."}}  # fmt: skip
    # someone else submitting the owner's modal is refused too (checked again on submit)
    assert await submit(env, view, reworded, user="U0ALICE") == {}
    await env.settle()
    assert gap_rows(env.store)[0].status == "answered"
    assert env.store.get(ws, "maya").version == version  # type: ignore[union-attr]
    assert await submit(env, view, reworded, user="U0OWNER") == {}
    await env.settle()
    [added] = [m for m in env.api.of("chat.postMessage") if "Added to" in m["text"]]
    assert "Added to Maya Chen's profile as pain [pain-3]" in added["text"]  # said in channel
    assert "Needs SSO before any pilot" in added["text"] and added["channel"] == "C0PERSONAS"
    maya = env.store.get(ws, "maya")
    assert maya is not None and maya.line("pain-3").text == "Needs SSO before any pilot"  # type: ignore[union-attr]
    assert [e.line_key for e in maya.evidence if e.id == gap.evidence_id] == ["pain-3"]
    newest = env.store.revisions(ws, "maya")[-1]
    assert newest.author == "slack:U0OWNER" and "2 of 3 said yes in December" in newest.note

    # 6. The next identical question is answered from that line; no new gap.
    again = await command(env, f"ask maya {QUESTION}", "q4", user="U0DAVE")
    assert "[pain-3]" in json.dumps(again)
    assert [g.status for g in gap_rows(env.store)] == ["closed"]
    listed = await command(env, "gaps maya", "g1")
    assert "every question so far was answered" in listed["text"]
    health = GapStore(env.store.sessions).health(ws, maya.id, NOW)
    assert (health.opened, health.closed, health.answered, health.gap_questions) == (1, 1, 2, 2)


async def test_typed_gaps_commands_and_refusals(env: SlackEnv) -> None:
    await command(env, "ask maya Would Maya use a mobile app?", "q1")
    await command(env, "ask maya Does Maya care about dark mode?", "q2")
    listed = await command(env, "gaps maya", "g1")
    assert "1. Would Maya use a mobile app?" in listed["text"]
    assert "Ask the team" in buttons(listed)
    refused = await command(env, "gaps maya dismiss 1", "d0")
    assert "Only Maya Chen's owners" in refused["text"]
    done = await command(env, "gaps maya dismiss 1", "d1", user="U0OWNER")
    assert "Dismissed gap 1" in done["text"]
    line = await command(env, 'gaps maya line 2 goal "Wants dark mode for late shifts"', "l1",
                         user="U0OWNER")  # fmt: skip
    assert "as goal [goal-2]" in line["text"]
    assert "no gap 9" in (await command(env, "gaps maya dismiss 9", "e1", user="U0OWNER"))["text"]
    bad = await command(env, "gaps maya line 2 motto x", "e2", user="U0OWNER")
    assert "already closed" in bad["text"] or "pain or a goal" in bad["text"]
    assert [g.status for g in gap_rows(env.store)] == ["dismissed", "closed"]
    # show: what is still uncovered (nothing now)
    shown = await command(env, "show maya", "s1")
    assert "Asked but not covered" not in shown["text"]


async def test_show_lists_what_is_not_covered_and_asking_in_channel_posts_here(
    env: SlackEnv,
) -> None:
    await command(env, f"ask maya {QUESTION}", "q1")
    shown = await command(env, "show maya", "s1")
    assert "Asked but not covered: 1 (SSO)" in shown["text"]
    # typed in the home channel itself: the survey is posted right there
    status, _, _ = await env.slack.command("gaps maya ask 1", channel="C0PERSONAS")
    assert status == 200
    await env.settle()
    posted = [m for m in env.api.of("chat.postMessage") if "Survey about" in m["text"]]
    assert [m["channel"] for m in posted] == ["C0PERSONAS"]
    again = await command(env, "gaps maya ask 1", "a2", channel="C0PERSONAS")
    assert "already asks the team" in again["text"]


async def test_a_failing_gap_record_never_costs_the_answer(
    env: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """The gaps table gone (a broken database, a half-applied upgrade): the asker still gets
    the answer, and the log says what could not be recorded."""
    with env.store.sessions.begin() as s:
        s.execute(text("DROP TABLE gaps"))
    answer = await command(env, f"ask maya {QUESTION}", "q1")
    assert "nothing in it speaks to this" in json.dumps(answer)
    assert "something went wrong" not in json.dumps(answer).lower()
    assert any("could not record" in r.getMessage() for r in caplog.records)


async def test_the_owners_app_home_lists_the_top_gaps_with_their_buttons(env: SlackEnv) -> None:
    await command(env, f"ask maya {QUESTION}", "q1")
    home = {"type": "app_home_opened", "user": "U0OWNER", "channel": "D0HOME", "tab": "home"}
    status, _, _ = await env.slack.event(home)
    assert status == 200
    await env.settle()
    [published] = env.api.of("views.publish")
    view = json.dumps(published["view"], ensure_ascii=False)
    assert "Asked Maya but not covered" in view and "1. Does Maya need SSO?" in view
    assert "Ask the team (gap 1)" in view
    # someone who owns nothing sees no gaps
    await env.slack.event({**home, "user": "U0ALICE"})
    await env.settle()
    assert "not covered" not in json.dumps(env.api.of("views.publish")[-1]["view"])


async def test_a_gap_survey_closed_by_the_clock_is_offered_to_the_owner_once(
    env: SlackEnv,
) -> None:
    deps = env.adapter.deps
    await command(env, f"ask maya {QUESTION}", "q1")
    status, _, _ = await env.slack.command("gaps maya ask 1", channel="C0PERSONAS")
    assert status == 200
    await env.settle()
    [survey] = [m for m in env.api.of("chat.postMessage") if "Survey about" in m["text"]]
    yes = buttons(survey)["Yes"]
    for user in ("U0ALICE", "U0BOB"):
        await click(env, yes, f"v-{user}", user=user, channel="C0PERSONAS")
    later = NOW + timedelta(days=8)  # past the survey's week: the clock closes it
    await sweep_once(deps, [env.adapter], later)
    await sweep_once(deps, [env.adapter], later + timedelta(minutes=1))
    offers = [m for m in env.api.of("chat.postMessage") if "Survey results saved" in m["text"]]
    assert [m["channel"] for m in offers] == ["D0OWNER"]  # a DM (conversations.open), once
    assert list(buttons(offers[0])) == ["Add as pain", "Add as goal", "Dismiss"]
    await click(env, buttons(offers[0])["Add as goal"], "g1", user="U0OWNER", channel="D0OWNER")
    view = env.api.of("views.open")[-1]["view"]
    goal = {"kind": picked("goal"), "text": text_input("Wants SSO for the whole team")}
    assert await submit(env, view, goal, user="U0OWNER") == {}
    await env.settle()
    [gap] = gap_rows(env.store)
    assert (gap.status, gap.line_key) == ("closed", "goal-2")
