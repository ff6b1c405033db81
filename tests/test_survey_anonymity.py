"""Anonymous surveys, attacked with full database access and the logs (tests/anonymity_attack):
votes over the real HTTP interfaces (Slack buttons and slash command, Teams Action.Execute,
Action.Submit and a typed message, the playground's button and typed `survey vote`), on
SQLite and PostgreSQL. Before close the attacker may only use the survey's salt (the one
link the design keeps so people can change their answer); after close, nothing."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from alembic import command
from sqlalchemy import select, text
from yarl import URL

from adapters.server import build_app
from adapters.web.app import WebAdapter
from adapters.web.site import user_id_of
from bot.commands import Core
from bot.features import build_registry
from persona_store import Store
from persona_store.migrate import alembic_config
from persona_store.platforms.web_posts import WebPostStore
from persona_store.scheduling.models import Survey
from persona_store.surveys.repository import SurveyPlace, SurveyStore
from tests.anonymity_attack import Ballot, Voter, dump, links
from tests.conftest import make_deps
from tests.fakes.slack_env import add_persona, slack_env
from tests.fakes.teams_env import CHANNEL_CONV, teams_env
from tests.test_features import ScriptedAnswerer

LABELS = ("Optalpha", "Optbravo", "Optcharlie")
QUESTION = f'survey maya "Which one?" {" | ".join(LABELS)} --anonymous'


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.DEBUG)
    return caplog.records


def latest_survey(store: Store) -> int:
    with store._sessions() as s:
        sv = s.scalars(select(Survey).order_by(Survey.id.desc())).first()
        assert sv is not None and sv.anonymous
        return sv.id


def attack(store: Store, logs: list[logging.LogRecord], ballot: Ballot) -> None:
    engine = store._sessions.kw["bind"]
    before = links(dump(engine), logs, ballot, closed=False)
    assert before == [], "\n".join(before)
    SurveyStore.of(store).close(
        store.default_workspace_id(), ballot.survey_id, now=datetime.now(UTC)
    )
    after = links(dump(engine), logs, ballot, closed=True)
    assert after == [], "\n".join(after)
    closed = SurveyStore.of(store).get(store.default_workspace_id(), ballot.survey_id)
    assert closed is not None and closed.status == "closed"
    expected = [sum(v.final == i for v in ballot.voters) for i in range(len(LABELS))]
    assert list(closed.counts) == expected  # the results survive


async def test_slack_votes_cannot_be_linked(store: Store, logs: list[logging.LogRecord]) -> None:
    add_persona(store, "Maya Chen")
    async for env in slack_env(store, ScriptedAnswerer()):
        status, _, _ = await env.slack.command(QUESTION, user="U0OWNER")
        assert status == 200
        await env.settle()
        sid = latest_survey(store)
        voters = [Voter("slack", (f"U0VOTER{i}",)) for i in range(5)]
        ballot = Ballot(sid, LABELS, voters)
        for voter, option in ((voters[0], 2), (voters[1], 0), (voters[2], 1), (voters[0], 1)):
            value = f"{sid}:{option}"
            status, _, _ = await env.slack.click("survey.vote", value, user=voter.ids[0])
            assert status == 200
            await env.settle()
            ballot.cast(voter, option)
        status, _, _ = await env.slack.command(f"survey vote {sid} 1", user=voters[3].ids[0])
        assert status == 200
        await env.settle()
        ballot.cast(voters[3], 0)
        mention = env.slack.mention(f"survey vote {sid} 3", user=voters[4].ids[0])
        status, _, _ = await env.slack.event(mention, event_id="EvTYPEDVOTE")
        assert status == 200
        await env.settle()
        ballot.cast(voters[4], 2)
        events = dump(store._sessions.kw["bind"])["slack_events"]
        assert [e for e in events if e["event_id"] == "EvTYPEDVOTE"] == []  # no dated row
        attack(store, logs, ballot)


async def test_teams_votes_cannot_be_linked(store: Store, logs: list[logging.LogRecord]) -> None:
    add_persona(store, "Maya Chen")
    async for env in teams_env(store, ScriptedAnswerer()):
        await env.post(env.activities.mention(QUESTION))
        await env.settle()
        sid = latest_survey(store)
        card_id = env.connector.posted[0].activity_id or "act-1"
        voters = [Voter("teams", (f"29:1voter-{i}", f"aad-voter-{i}")) for i in range(4)]
        ballot = Ballot(sid, LABELS, voters)
        acts = env.activities
        data = {"action_id": "survey.vote", "value": ""}
        plan = [
            (voters[0], 1, "execute"),
            (voters[1], 2, "submit"),
            (voters[2], 0, "execute"),
            (voters[1], 0, "execute"),
            (voters[3], 2, "typed"),
        ]
        vote_ids = []
        for voter, option, how in plan:
            vote = {**data, "value": f"{sid}:{option}"}
            if how == "execute":
                activity = acts.execute("survey.vote", vote, reply_to=card_id, conv=CHANNEL_CONV,
                                        conv_type="channel")  # fmt: skip
            elif how == "submit":
                activity = acts.submit(vote, reply_to=card_id, conv=CHANNEL_CONV,
                                       conv_type="channel")  # fmt: skip
            else:
                activity = acts.message(f"survey vote {sid} {option + 1}",
                                        conv=f"a:1personal-{voter.ids[0]}")  # fmt: skip
            activity["from"] = {"id": voter.ids[0], "name": "Voter", "aadObjectId": voter.ids[1]}
            vote_ids.append(activity["id"])
            resp = await env.post(activity)
            assert resp.status in (200, 201), await resp.text()
            await env.settle()
            ballot.cast(voter, option)
        claims = {r["activity_id"] for r in dump(store._sessions.kw["bind"])["teams_activities"]}
        assert claims.isdisjoint(vote_ids)  # no activity-log row of a vote
        attack(store, logs, ballot)


class Browser:
    """One person in the playground: their own cookie jar, so their own session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.token = ""

    async def open(self) -> str:
        async with self.session.get(self.url + "/") as resp:
            assert resp.status == 200
        self.token = self.session.cookie_jar.filter_cookies(URL(self.url))["pb_session"].value
        return user_id_of(self.token)

    async def post(self, path: str, **form: str) -> str:
        data = {**form, "csrf": self.token}
        headers = {"Accept": "application/x-ndjson"}
        async with self.session.post(self.url + path, data=data, headers=headers) as resp:
            assert resp.status == 200
            return await resp.text()


@pytest.fixture
async def playground(store: Store) -> AsyncIterator[str]:
    add_persona(store, "Maya Chen")
    deps = make_deps(store, ScriptedAnswerer())
    core = Core(deps, build_registry())
    adapter = WebAdapter.from_settings(deps.settings, core, deps, None)
    server = TestServer(build_app(deps, core, [adapter]), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_playground_votes_cannot_be_linked(
    store: Store, playground: str, logs: list[logging.LogRecord]
) -> None:
    owner = Browser(playground)
    browsers = [Browser(playground) for _ in range(3)]
    try:
        await owner.open()
        created = await owner.post("/playground/send", text=QUESTION)
        sid = latest_survey(store)
        assert re.search(rf"{sid}:0", created)
        voters = [Voter("web", (await b.open(),)) for b in browsers]
        ballot = Ballot(sid, LABELS, voters)
        plan = [(0, 2, "typed"), (1, 0, "button"), (2, 1, "typed"), (0, 1, "button")]
        for who, option, how in plan:
            b = browsers[who]
            if how == "typed":
                body = await b.post("/playground/send", text=f"survey vote {sid} {option + 1}")
            else:
                value = f"{sid}:{option}"
                body = await b.post("/playground/action", action_id="survey.vote", value=value)
            assert LABELS[option] in body  # the voter sees their answer
            ballot.cast(voters[who], option)
        attack(store, logs, ballot)
    finally:
        for b in [owner, *browsers]:
            await b.session.close()


def test_upgrade_forgets_what_older_versions_kept(store: Store) -> None:
    """0010 on data written before it: a closed anonymous survey's answers go (its counts
    stay), an open one's answers lose their times, and typed votes leave the playground."""
    add_persona(store, "Maya Chen")
    ws = store.default_workspace_id()
    surveys, now = SurveyStore.of(store), datetime.now(UTC)
    place = SurveyPlace("web", "local", "playground", None, None)
    kw = {"place": place, "created_by": "web:owner", "now": now, "anonymous": True}
    closed = surveys.create(ws, "maya", "Q1?", LABELS, **kw)  # type: ignore[arg-type]
    opened = surveys.create(ws, "maya", "Q2?", LABELS, **kw)  # type: ignore[arg-type]
    for sv in (closed, opened):
        surveys.vote(ws, sv.id, 1, platform="web", user_id="browser-a", now=now)
    surveys.close(ws, closed.id, now=now)
    posts = WebPostStore.of(store)
    typed = posts.add(ws, "playground", "user", {"text": f"survey vote {opened.id} 2"},
                      user_id="browser-a")  # fmt: skip
    other = posts.add(ws, "playground", "user", {"text": "ask maya about prices"})
    engine = store._sessions.kw["bind"]
    with engine.begin() as conn:  # what older versions stored
        conn.execute(
            text("INSERT INTO survey_answers (survey_id, voter_key, option, answered_at) "
                 "VALUES (:s, 'h:old', 2, :t)"), {"s": closed.id, "t": now},
        )  # fmt: skip
        conn.execute(
            text("UPDATE survey_answers SET answered_at = :t, changed_at = :t "
                 "WHERE survey_id = :s"), {"s": opened.id, "t": datetime(2026, 1, 2, tzinfo=UTC)},
        )  # fmt: skip
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010_anonymous_answers-1")
        command.upgrade(cfg, "heads")
    db = dump(engine)
    assert [r for r in db["survey_answers"] if r["survey_id"] == closed.id] == []
    [kept] = [r for r in db["survey_answers"] if r["survey_id"] == opened.id]
    assert kept["changed_at"] is None and kept["answered_at"] != datetime(2026, 1, 2)
    assert {r["id"] for r in db["web_posts"]} == {other.id} and typed.id != other.id
    assert list(surveys.get(ws, closed.id).counts) == [0, 1, 0]  # type: ignore[union-attr]
