"""Micro-surveys: store semantics on SQLite and PostgreSQL, the chat flow through the core,
validation, anonymity, live-tally rate limit, and 200 concurrent voters on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.features import personas as personas_feature
from bot.features import surveys as survey_feature
from bot.features.surveys import parse_create, pick_option
from bot.messages import Address, Track
from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.scheduling.models import Survey, SurveyAnswer
from persona_store.scheduling.schedules import DeliveryStore
from persona_store.surveys.repository import SurveyError, SurveyPlace, SurveyStore
from tests.sched_helpers import Clock, FixedAnswerer, core_with, seed
from tests.sched_helpers import click as _click
from tests.sched_helpers import command as _command
from tests.sched_helpers import deps_for as make

PLACE = SurveyPlace("web", "local", "C-general")
CHANNEL = Address(platform="slack", workspace="T1", conversation_id="C-general")


def command(text: str, user: str = "U1"):  # type: ignore[no-untyped-def]
    return _command(text, user, CHANNEL)


def click(action_id: str, value: str, user: str = "U1"):  # type: ignore[no-untyped-def]
    return _click(action_id, value, user, CHANNEL)


def new_survey(store: Store, clock: Clock, **kw: object):  # type: ignore[no-untyped-def]
    ss = SurveyStore.of(store)
    args = {"place": PLACE, "created_by": "web:U0", "now": clock.now, **kw}
    return ss, ss.create(
        store.default_workspace_id(),
        "maya",
        "Is price still the #1 objection?",
        ["Yes", "No", "Not sure"],
        **args,  # type: ignore[arg-type]
    )


def test_vote_change_close_tally(store: Store) -> None:
    seed(store)
    clock = Clock()
    ss, sv = new_survey(store, clock, prediction=0)
    ws = store.default_workspace_id()
    assert ss.vote(ws, sv.id, 0, platform="slack", user_id="U1", now=clock.now).outcome == "new"
    assert ss.vote(ws, sv.id, 0, platform="slack", user_id="U2", now=clock.now).outcome == "new"
    assert ss.vote(ws, sv.id, 1, platform="teams", user_id="U1", now=clock.now).outcome == "new"
    assert ss.get(ws, sv.id).counts == (2, 1, 0)
    # Changing an answer moves the count, answering the same again changes nothing.
    assert ss.vote(ws, sv.id, 2, platform="slack", user_id="U2", now=clock.now).outcome == "changed"
    assert ss.vote(ws, sv.id, 2, platform="slack", user_id="U2", now=clock.now).outcome == "same"
    assert ss.get(ws, sv.id).counts == (1, 1, 1)
    closed = ss.close(ws, sv.id, now=clock.now)
    assert closed is not None and closed.status == "closed"
    assert closed.results == {"counts": [1, 1, 1], "n": 3, "winner": None}
    assert ss.close(ws, sv.id, now=clock.now) is None  # exactly one closer
    with pytest.raises(SurveyError, match="closed"):
        ss.vote(ws, sv.id, 0, platform="slack", user_id="U9", now=clock.now)
    assert ss.get(ws, sv.id).counts == (1, 1, 1)


def test_close_saves_evidence_and_owes_the_results_post_in_one_transaction(store: Store) -> None:
    """One call, one commit: closed, prediction scored, evidence (with its revision) on the
    persona, and the results post owed ('pending', taken by the first claim as a new key).
    A survey never answered nor posted owes nothing."""
    seed(store)
    clock = Clock()
    ss, sv = new_survey(store, clock, prediction=1)
    ws = store.default_workspace_id()
    for user in ("U1", "U2"):
        ss.vote(ws, sv.id, 1, platform="web", user_id=user, now=clock.now)
    closed = ss.close(ws, sv.id, now=clock.now, author="slack:OWNER")
    assert closed is not None and closed.prediction_correct is True
    maya = store.get(ws, "maya")
    [evidence] = [e for e in maya.evidence if e.source == "survey"]
    assert closed.evidence_id == evidence.id and evidence.n == 2
    assert evidence.details["prediction_correct"] is True and "No 2" in evidence.summary
    assert store.revisions(ws, "maya")[-1].author == "slack:OWNER"
    deliveries = DeliveryStore.of(store)
    assert deliveries.list("survey-close") == [
        ("survey-close", f"survey:{sv.id}", "final", "pending")
    ]
    first = deliveries.claim("survey-close", f"survey:{sv.id}", "final", now=clock.now)
    assert (first.state, first.attempt) == ("new", 1)
    assert deliveries.claim("survey-close", f"survey:{sv.id}", "final", now=clock.now).state == (
        "busy"
    )
    _, quiet = new_survey(store, clock)
    assert ss.close(ws, quiet.id, now=clock.now) is not None
    assert len(deliveries.list("survey-close")) == 1


def test_other_workspace_cannot_see_or_vote(store: Store) -> None:
    seed(store)
    clock = Clock()
    ss, sv = new_survey(store, clock)
    other = store.workspace_id("slack", "T-OTHER")
    other2 = store.workspace_id("slack", "T-THIRD")
    assert other2 != store.default_workspace_id()
    assert ss.get(other2, sv.id) is None
    with pytest.raises(SurveyError, match="no survey"):
        ss.vote(other2, sv.id, 0, platform="slack", user_id="U1", now=clock.now)
    assert other is not None


def test_validation_creates_nothing(store: Store) -> None:
    seed(store)
    clock = Clock()
    ss = SurveyStore.of(store)
    ws = store.default_workspace_id()
    base = {"place": PLACE, "created_by": "web:U0", "now": clock.now}
    with pytest.raises(SurveyError, match="at least two"):
        ss.create(ws, "maya", "Q?", ["Only"], **base)  # type: ignore[arg-type]
    with pytest.raises(SurveyError, match="at most 10"):
        ss.create(ws, "maya", "Q?", [str(i) for i in range(11)], **base)  # type: ignore[arg-type]
    with pytest.raises(SurveyError, match="persona"):
        ss.create(ws, "nobody", "Q?", ["A", "B"], **base)  # type: ignore[arg-type]
    with pytest.raises(SurveyError, match="past"):
        ss.create(ws, "maya", "Q?", ["A", "B"], closes_at=clock.now - timedelta(hours=1), **base)  # type: ignore[arg-type]
    with SurveyStore.of(store)._sessions() as s:
        assert s.scalars(select(Survey)).all() == []


def test_anonymous_keys_are_salted_and_unlinkable_after_close(store: Store) -> None:
    seed(store)
    clock = Clock()
    ss, sv = new_survey(store, clock, anonymous=True)
    ws = store.default_workspace_id()
    ss.vote(ws, sv.id, 0, platform="slack", user_id="U1", now=clock.now)
    ss.vote(ws, sv.id, 1, platform="slack", user_id="U1", now=clock.now)  # change still works
    ss.vote(ws, sv.id, 1, platform="slack", user_id="U2", now=clock.now)
    with ss._sessions() as s:
        keys = s.scalars(select(SurveyAnswer.voter_key)).all()
        assert len(keys) == 2
        assert all(k.startswith("h:") and "U1" not in k and "U2" not in k for k in keys)
    assert ss.get(ws, sv.id).counts == (0, 2, 0)
    assert {v for v, _, _ in ss.answers_for_export(ws, sv.id)} == {"anonymous"}
    ss.close(ws, sv.id, now=clock.now)
    with ss._sessions() as s:
        assert s.scalar(select(Survey.salt).where(Survey.id == sv.id)) is None


def test_parse_create() -> None:
    clock = Clock()
    parsed = parse_create(
        "maya \u201cIs price still the #1 objection?\u201d Yes | No | Not sure --anonymous "
        "--closes 48h",
        clock.now,
    )
    assert parsed["persona"] == "maya"
    assert parsed["question"] == "Is price still the #1 objection?"
    assert [o.strip() for o in parsed["options"]] == ["Yes", "No", "Not sure"]
    assert parsed["anonymous"] is True
    assert parsed["closes_at"] == clock.now + timedelta(hours=48)
    unquoted = parse_create("maya Do you use Excel? Daily | Weekly | Never", clock.now)
    assert unquoted["question"] == "Do you use Excel?"
    with pytest.raises(SurveyError, match="close time"):
        parse_create('maya "Q?" A | B --closes soonish', clock.now)
    with pytest.raises(SurveyError, match="--colour"):
        parse_create('maya "Q?" A | B --colour red', clock.now)


def test_pick_option() -> None:
    opts = ("Yes", "No", "Not sure")
    assert pick_option("support", "Yes, price is still the top objection", opts) == 0
    assert pick_option("oppose", "Price matters less now", opts) == 1
    assert pick_option("mixed", "It depends", opts) == 2


async def test_chat_flow_vote_tally_close_evidence(sqlite_store: Store) -> None:
    seed(sqlite_store, owners=["slack:OWNER"])
    clock = Clock()
    deps = make(sqlite_store, clock, FixedAnswerer(stance="support"))
    core = core_with(deps, survey_feature, personas_feature)
    [created] = await core.handle(
        command('survey maya "Is price still the #1 objection?" Yes | No | Not sure --closes 2d')
    )
    assert not created.is_error, created.text
    survey_id = int(created.meta["survey_id"])
    card = created.cards[0]
    assert [c.value for c in card.choices] == [f"{survey_id}:{i}" for i in range(3)]
    assert created.track == Track("survey", str(survey_id))
    # The adapter reports the posted message id back through the core.
    await core.posted(created, CHANNEL, "ts-123")
    ss = SurveyStore.of(sqlite_store)
    ws = sqlite_store.default_workspace_id()
    assert ss.get(ws, survey_id).message_id == "ts-123"
    # First vote: ack + a tally update of the posted message.
    replies = await core.handle(click("survey.vote", f"{survey_id}:0", user="U1"))
    assert replies[0].ephemeral and "Yes" in replies[0].text
    assert replies[1].replaces == "ts-123"
    assert replies[1].cards[0].choices[0].count == 1
    # Second vote within 2 s: no update now (rate limit), message left dirty for the flush.
    clock.now += timedelta(seconds=1)
    replies = await core.handle(click(f"survey.vote:{survey_id}", "1", user="U2"))
    assert len(replies) == 1
    assert ss.dirty_tallies(clock.now) == []
    clock.now += timedelta(seconds=2)
    assert ss.dirty_tallies(clock.now) == [(ws, survey_id)]
    # A number that is no option says which ones there are, and changes nothing.
    [wrong] = await core.handle(command(f"survey vote {survey_id} 9", user="U1"))
    assert wrong.is_error and "choose 1 to 3" in wrong.text
    # Changing the answer by text.
    ack, update = await core.handle(command(f"survey vote {survey_id} 2", user="U1"))
    assert "Changed" in ack.text and update.cards[0].choices[1].count == 2
    assert ss.get(ws, survey_id).counts == (0, 2, 0)
    # Someone else can't close it; the owner can.
    [refused] = await core.handle(command(f"survey close {survey_id}", user="U7"))
    assert refused.is_error
    final, posted = await core.handle(command(f"survey close {survey_id}", user="OWNER"))
    assert posted.replaces == "ts-123" and not posted.cards[0].choices
    assert not final.is_error and "Final results" in final.text and "n=2" in final.text
    assert "predicted Yes: wrong" in final.text
    persona = sqlite_store.get(ws, "maya")
    survey_evidence = [e for e in persona.evidence if e.source == "survey"]
    assert len(survey_evidence) == 1
    ev = survey_evidence[0]
    assert ev.n == 2 and ev.details["counts"] == [0, 2, 0] and "No 2" in ev.summary
    # Answers after close are refused and change nothing.
    [late] = await core.handle(click("survey.vote", f"{survey_id}:0", user="U3"))
    assert late.is_error and "closed" in late.text
    [again] = await core.handle(command(f"survey close {survey_id}", user="OWNER"))
    assert again.is_error
    assert ss.prediction_record(ws, persona.id).total == 1
    [shown] = await core.handle(command("show maya"))
    assert "Prediction record: 0/1 right" in shown.text
    assert "Prediction record: 0/1 right (latest first: \u2717)" in shown.cards[0].context


@pytest.mark.parametrize(
    "text,expected",
    [
        ('survey maya "Q?"', "at least two"),
        ('survey maya "Q?" ' + " | ".join(str(i) for i in range(11)), "at most 10"),
        ('survey mya "Q?" A | B', "did you mean"),
        ('survey maya "Q?" A | B --closes 2020-01-01T00:00', "past"),
        ("survey close 999", "no survey"),
        ("survey close", "Which survey?"),
        ("survey results abc", "survey results 12"),
        ("survey vote", "survey vote 12 2"),
        # Slack shows at most 75 characters on a button: longer options could look the same.
        ('survey maya "Q?" A | ' + "b" * 76, "longer than 75"),
    ],
)
async def test_bad_input_is_refused(sqlite_store: Store, text: str, expected: str) -> None:
    seed(sqlite_store)
    core = core_with(make(sqlite_store), survey_feature)
    [reply] = await core.handle(command(text))
    assert reply.is_error and expected in reply.text, reply.text
    with SurveyStore.of(sqlite_store)._sessions() as s:
        assert s.scalars(select(Survey)).all() == []


@pytest.mark.parametrize("number", [2**31, 10**20])  # past PostgreSQL's and SQLite's INTEGER
async def test_a_survey_number_too_big_for_the_database_is_no_survey(
    store: Store, number: int
) -> None:
    seed(store)
    core = core_with(make(store), survey_feature)
    for text in (f"survey results {number}", f"survey close {number}", f"survey vote {number} 1"):
        [reply] = await core.handle(command(text))
        assert reply.is_error and f"There is no survey #{number}." in reply.text, reply.text
    for action, value in (
        (survey_feature.VOTE_ACTION, f"{number}:0"),
        (survey_feature.RESULTS_ACTION, str(number)),
    ):
        [reply] = await core.handle(click(action, value))
        assert reply.is_error and "went wrong" not in reply.text, reply.text


@pytest.fixture
def pg_store(pg_database: str):  # type: ignore[no-untyped-def]
    engine = create_engine_for(pg_database)
    upgrade(engine)
    from tests.conftest import _truncate

    _truncate(engine)
    yield Store(session_factory(engine))
    engine.dispose()


def test_200_concurrent_voters_postgresql(pg_store: Store) -> None:
    seed(pg_store)
    clock = Clock()
    ss, sv = new_survey(pg_store, clock)
    ws = pg_store.default_workspace_id()

    start = threading.Barrier(200)

    def vote(i: int) -> str:
        start.wait()  # 200 threads released at once (the engine pool queues them)
        return ss.vote(ws, sv.id, i % 3, platform="slack", user_id=f"U{i}", now=clock.now).outcome

    with ThreadPoolExecutor(max_workers=200) as pool:
        outcomes = list(pool.map(vote, range(200)))
    assert outcomes.count("new") == 200
    assert ss.get(ws, sv.id).counts == (67, 67, 66)

    # Everyone at once again: half change their answer to option 0, the rest repeat theirs.
    def revote(i: int) -> str:
        option = 0 if i % 2 == 0 else i % 3
        return ss.vote(ws, sv.id, option, platform="slack", user_id=f"U{i}", now=clock.now).outcome

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(revote, range(200)))
    expected = [0, 0, 0]
    for i in range(200):
        expected[0 if i % 2 == 0 else i % 3] += 1
    assert ss.get(ws, sv.id).counts == tuple(expected)
    assert sum(expected) == 200
    assert outcomes.count("changed") == sum(1 for i in range(0, 200, 2) if i % 3 != 0)
    with ss._sessions() as s:
        assert len(s.scalars(select(SurveyAnswer.id)).all()) == 200


def test_close_races_with_voters_postgresql(pg_store: Store) -> None:
    """Votes and a close at the same time: every accepted vote is in the frozen result."""
    seed(pg_store)
    clock = Clock()
    ss, sv = new_survey(pg_store, clock)
    ws = pg_store.default_workspace_id()
    accepted: list[int] = []

    def vote(i: int) -> None:
        try:
            ss.vote(ws, sv.id, 0, platform="slack", user_id=f"U{i}", now=clock.now)
            accepted.append(i)
        except SurveyError:
            pass

    with ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(vote, i) for i in range(100)]
        closed = pool.submit(ss.close, ws, sv.id, now=clock.now).result()
        for f in futures:
            f.result()
    assert closed is not None
    assert closed.results["n"] == len(accepted) == ss.get(ws, sv.id).total


@pytest.mark.parametrize(
    ("slug", "question", "predicted"),
    [
        # a gap's question: the profile says nothing, so no prediction is scored against
        # the persona (the options' words used to match "answering … calls" and "in one
        # place" and predict Yes or Not sure)
        ("maya", "Does Maya care about weather widgets?", None),
        ("maya", "Does Maya need a dark mode?", None),
        ("sam", "Does Sam want bulk edit?", 0),
        ("maya", "Would Maya accept an annual contract paid upfront?", 1),
    ],
)
async def test_the_offline_prediction_reads_the_question_not_the_options(
    sqlite_store: Store, slug: str, question: str, predicted: int | None
) -> None:
    from bot.answering.offline import OfflineAnswerer
    from bot.features.survey_parse import predict
    from persona_store.personas.files import sample_specs
    from tests.conftest import make_deps

    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, sample_specs(), author="test")
    persona = sqlite_store.get(ws, slug)
    deps = make_deps(sqlite_store, OfflineAnswerer())
    assert await predict(deps, persona, question, ("Yes", "No", "Not sure")) == predicted
