"""Work a sweep left half done, or owes, picked up by a later one, on SQLite and PostgreSQL.

Final results: a survey's close (results frozen, evidence, the prediction's score and the
results post owed, 'pending') is one transaction. A clock killed at any point of a close
(right after it committed, after the post's claim, mid-send) or a close failing half way
ends, after later sweeps, with the survey closed once, evidence saved once, the prediction
scored once and the results posted once. A results post that failed at close (transient
error, Slack refusing) is posted by a later sweep, once, while the close itself is never
redone; a permanent failure, a post out of attempts and a survey closed long ago are left
alone. `survey close` typed in another conversation than the survey's own gets the results
as its reply, and the survey's channel gets them from the next sweep (with its message
marked closed), once; typed in the survey's own conversation, the clock posts nothing.

Question of the week: a digest run retried after a failed post or a killed clock reuses the
survey its first attempt created (and features the same persona), so the run opens one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.features import surveys as survey_feature
from bot.messages import Address, Reply
from persona_store import Store
from persona_store.scheduling.models import Survey
from persona_store.scheduling.schedules import CLAIM_LEASE, MAX_ATTEMPTS, DeliveryStore, DigestStore
from persona_store.surveys.recovery import RESULTS_RETRY_WINDOW, SurveyRecovery
from persona_store.surveys.repository import SurveyPlace, SurveyStore, SurveyView
from tests.fakes.slack_env import SlackEnv, slack_env
from tests.sched_helpers import (
    Clock,
    FixedAnswerer,
    RecordingAdapter,
    command,
    core_with,
    deps_for,
    kill_clock_after,
    kill_clock_mid_send,
    seed,
    sweep_once,
)

OPENED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CLOSES = OPENED + timedelta(days=2)
MONDAY_0800 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
GENERAL = SurveyPlace("web", "local", "C-general")


def answered_survey(
    store: Store,
    place: SurveyPlace = GENERAL,
    *,
    closes: datetime = CLOSES,
    message: str = "m0",
    created_by: str = "web:U0",
    voters: int = 3,
) -> SurveyView:
    """Maya's survey, posted (as `message`), predicted "Yes", answered "No" by two of three."""
    surveys = SurveyStore.of(store)
    ws = store.default_workspace_id()
    survey = surveys.create(
        ws, "maya", "Is price still the #1 objection?", ["Yes", "No"], place=place,
        created_by=created_by, now=OPENED, closes_at=closes, prediction=0,
    )  # fmt: skip
    surveys.set_message(ws, survey.id, message)
    for user, option in (("U1", 0), ("U2", 1), ("U3", 1))[:voters]:
        surveys.vote(ws, survey.id, option, platform=place.platform, user_id=user, now=OPENED)
    return survey


def finals(adapter: RecordingAdapter) -> list[Reply]:
    return [r for _, r, _ in adapter.sent if r.text.startswith("Final results")]


def closed_once(store: Store, *survey_ids: int) -> None:
    """Each close happened exactly once: one evidence item, one scored prediction each."""
    ws = store.default_workspace_id()
    maya = store.get(ws, "maya")
    assert maya is not None
    for survey_id in survey_ids:
        evidence = [e for e in maya.evidence if (e.details or {}).get("survey_id") == survey_id]
        assert len(evidence) == 1 and evidence[0].n == 3
        survey = SurveyStore.of(store).get(ws, survey_id)
        assert survey.evidence_id == evidence[0].id and survey.prediction_correct is False
    record = SurveyStore.of(store).prediction_record(ws, maya.id)
    assert (record.right, record.total) == (0, len(survey_ids))
    assert len(store.revisions(ws, "maya")) == 1 + len(survey_ids)  # seeded, then evidence


def results_status(store: Store) -> list[str]:
    return [status for *_, status in DeliveryStore.of(store).list("survey-close")]


@dataclass
class CountingAdapter(RecordingAdapter):
    """Counts every send attempt, including the failing ones."""

    attempts: list[str] = field(default_factory=list)

    async def send(self, address: Address, reply: Reply) -> str:
        self.attempts.append(reply.text.split(" —", 1)[0])
        return await super().send(address, reply)


def sweep(store: Store, adapter: object, now: datetime):  # type: ignore[no-untyped-def]
    return asyncio.run(sweep_once(deps_for(store, Clock(now)), [adapter], now))


def test_results_post_failing_at_close_is_posted_once_by_a_later_sweep(store: Store) -> None:
    seed(store)
    survey = answered_survey(store)
    adapter = RecordingAdapter(transient={"C-general"})
    at_close = CLOSES + timedelta(seconds=30)
    report = sweep(store, adapter, at_close)
    assert report.closed == [survey.id] and not finals(adapter)
    assert results_status(store) == ["failed"]
    # The survey message already shows it closed; only the results post is missing.
    assert [m for _, m, _ in adapter.updated] == ["m0"]
    adapter.transient.clear()  # the platform is back
    report = sweep(store, adapter, at_close + timedelta(minutes=1))
    assert report.closed == [] and len(report.posted) == 1
    [final] = finals(adapter)
    assert "n=3" in final.text and "predicted Yes: wrong" in final.text
    for minutes in (2, 3, 60 * 24):
        sweep(store, adapter, at_close + timedelta(minutes=minutes))
    assert len(finals(adapter)) == 1 and results_status(store) == ["sent"]
    closed_once(store, survey.id)


def test_results_post_out_of_attempts_or_permanent_is_not_retried(store: Store) -> None:
    seed(store)
    flaky = answered_survey(store)
    gone = answered_survey(store, SurveyPlace("web", "local", "C-gone"))
    adapter = CountingAdapter(transient={"C-general"}, fail={"C-gone"})
    at_close = CLOSES + timedelta(seconds=30)
    for minute in range(10):
        sweep(store, adapter, at_close + timedelta(minutes=minute))
    # The transient one was tried MAX_ATTEMPTS times in all, the permanent one once.
    assert adapter.attempts.count("Final results") == MAX_ATTEMPTS + 1
    assert not finals(adapter) and sorted(results_status(store)) == ["dead", "failed"]
    adapter.transient.clear()
    adapter.fail.clear()
    sweep(store, adapter, at_close + timedelta(hours=1))
    assert not finals(adapter)
    closed_once(store, flaky.id, gone.id)


def test_failed_results_post_is_not_retried_after_the_window(sqlite_store: Store) -> None:
    """A clock down for longer than the window after the failure does not post it late,
    and the query does not keep returning the old survey."""
    seed(sqlite_store)
    answered_survey(sqlite_store)
    adapter = RecordingAdapter(transient={"C-general"})
    at_close = CLOSES + timedelta(seconds=30)
    sweep(sqlite_store, adapter, at_close)
    adapter.transient.clear()
    back = at_close + RESULTS_RETRY_WINDOW + timedelta(minutes=1)
    assert SurveyRecovery.of(sqlite_store).results_to_post(back) == []
    sweep(sqlite_store, adapter, back)
    assert not finals(adapter) and results_status(sqlite_store) == ["failed"]


async def test_results_post_left_unfinished_by_a_killed_clock_is_posted_once(
    store: Store,
) -> None:
    seed(store)
    survey = answered_survey(store)
    at_close = CLOSES + timedelta(seconds=30)
    await kill_clock_mid_send(store, at_close)
    assert results_status(store) == ["sending"]
    assert SurveyStore.of(store).get(store.default_workspace_id(), survey.id).status == "closed"
    # Within the lease the claim may be a live clock's: nothing yet.
    adapter = RecordingAdapter()
    soon = at_close + timedelta(minutes=1)
    await sweep_once(deps_for(store, Clock(soon)), [adapter], soon)
    assert not finals(adapter)
    # Past it, two clocks sweep at once: one posts, and updates the survey message, which
    # the killed clock never got to.
    later = at_close + CLAIM_LEASE + timedelta(minutes=1)
    await asyncio.gather(
        sweep_once(deps_for(store, Clock(later)), [adapter], later),
        sweep_once(deps_for(store, Clock(later)), [adapter], later),
    )
    await sweep_once(deps_for(store, Clock(later)), [adapter], later + timedelta(minutes=1))
    assert len(finals(adapter)) == 1 and results_status(store) == ["sent"]
    [(_, message_id, update)] = adapter.updated
    assert message_id == "m0" and update.text.startswith("Final results")
    closed_once(store, survey.id)


async def test_survey_closed_in_its_own_conversation_is_not_posted_again_by_the_clock(
    sqlite_store: Store,
) -> None:
    """`survey close` in the survey's channel answers with the results there itself (and
    the survey message updated); the clock must not post them again."""
    seed(sqlite_store)
    survey = answered_survey(sqlite_store)  # created by web:U0
    deps = deps_for(sqlite_store, Clock(OPENED + timedelta(hours=1)))
    core = core_with(deps, survey_feature)
    [final, update] = await core.handle(command(f"survey close {survey.id}", user="U0"))
    assert final.text.startswith("Final results") and update.replaces == "m0"
    adapter = RecordingAdapter()
    for minutes in (1, 2):
        now = OPENED + timedelta(hours=1, minutes=minutes)
        await sweep_once(deps_for(sqlite_store, Clock(now)), [adapter], now)
    assert not adapter.sent and not adapter.updated and results_status(sqlite_store) == ["sent"]
    closed_once(sqlite_store, survey.id)


async def test_survey_closed_from_another_conversation_is_posted_in_its_own_once(
    store: Store,
) -> None:
    """The command answers where it was typed (a handler cannot send elsewhere); the next
    minute's sweep posts the results in the survey's channel and marks its message closed,
    once, however many clocks sweep."""
    seed(store)
    survey = answered_survey(store)  # in C-general
    unanswered = answered_survey(store, message="m-quiet", voters=0)
    closed_at = OPENED + timedelta(hours=1)
    core = core_with(deps_for(store, Clock(closed_at)), survey_feature)
    elsewhere = Address(platform="web", workspace="local", conversation_id="C-product")
    for sid in (survey.id, unanswered.id):
        [reply] = await core.handle(command(f"survey close {sid}", user="U0", address=elsewhere))
        assert reply.text.startswith("Final results"), reply.text  # and no update of m0 here
    adapter = RecordingAdapter()
    soon = closed_at + timedelta(minutes=1)
    await asyncio.gather(
        sweep_once(deps_for(store, Clock(soon)), [adapter], soon),
        sweep_once(deps_for(store, Clock(soon)), [adapter], soon),
    )
    [(address, final, _)] = adapter.sent
    assert address.conversation_id == "C-general" and final.text.startswith("Final results")
    assert "n=3" in final.text and "predicted Yes: wrong" in final.text
    assert sorted(m for _, m, _ in adapter.updated) == ["m-quiet", "m0"]
    assert all(u.text.startswith("Final results") for *_, u in adapter.updated)
    for minutes in (2, 3, 60):
        later = closed_at + timedelta(minutes=minutes)
        await sweep_once(deps_for(store, Clock(later)), [adapter], later)
    assert len(adapter.sent) == 1 and len(adapter.updated) == 2
    assert sorted(results_status(store)) == ["empty", "sent"]
    closed_once(store, survey.id)


async def test_clock_killed_at_any_point_of_a_close_ends_with_one_close_and_one_post(
    store: Store,
) -> None:
    """Killed right after the close committed (before its results post was even claimed),
    right after the claim, and mid-send: later sweeps post each survey's results once (the
    one killed after its close within the next minute), mark its message closed, and never
    close anything twice."""
    seed(store)
    adapter = RecordingAdapter()
    ids = []
    for hour, step in enumerate(("close", "claim", "send")):
        closes = CLOSES + timedelta(hours=hour)
        survey = answered_survey(store, closes=closes, message=f"m-{step}")
        ids.append(survey.id)
        at_close = closes + timedelta(seconds=30)
        if step == "send":
            await kill_clock_mid_send(store, at_close)
        else:
            await kill_clock_after(store, at_close, step)
        ws = store.default_workspace_id()
        assert SurveyStore.of(store).get(ws, survey.id).status == "closed", step
        next_minute = at_close + timedelta(minutes=1)
        await sweep_once(deps_for(store, Clock(next_minute)), [adapter], next_minute)
        assert len(finals(adapter)) == (hour + 1 if step == "close" else hour), step
        for minutes in (2, CLAIM_LEASE // timedelta(minutes=1) + 1, 30):
            now = at_close + timedelta(minutes=minutes)
            await sweep_once(deps_for(store, Clock(now)), [adapter], now)
        assert len(finals(adapter)) == hour + 1, step
    assert sorted(m for _, m, _ in adapter.updated) == ["m-claim", "m-close", "m-send"]
    assert results_status(store) == ["sent"] * 3
    closed_once(store, *ids)


async def test_close_failing_half_way_leaves_the_survey_open_for_the_next_sweep(
    store: Store,
) -> None:
    """The database refuses the evidence write (disk full, a lock timeout): nothing of the
    close is kept, and the next sweep closes the survey, saves the evidence and posts."""
    seed(store)
    survey = answered_survey(store)
    adapter = RecordingAdapter()
    at_close = CLOSES + timedelta(seconds=30)
    with refused_inserts(store, "evidence"):
        report = await sweep_once(deps_for(store, Clock(at_close)), [adapter], at_close)
    assert report.closed == [] and not adapter.sent and results_status(store) == []
    ws = store.default_workspace_id()
    assert SurveyStore.of(store).get(ws, survey.id).status == "open"
    later = at_close + timedelta(minutes=1)
    report = await sweep_once(deps_for(store, Clock(later)), [adapter], later)
    assert report.closed == [survey.id] and len(finals(adapter)) == 1
    closed_once(store, survey.id)


@contextmanager
def refused_inserts(store: Store, table: str) -> Iterator[None]:
    """The database refuses every INSERT into `table` (a trigger raising an error)."""
    engine = store._sessions.kw["bind"]
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(f"DROP TRIGGER refuse_{table}")
            else:
                conn.exec_driver_sql(f"DROP TRIGGER refuse_{table} ON {table}")
                conn.exec_driver_sql("DROP FUNCTION refuse()")


def test_results_to_post_finds_only_unfinished_recent_posts(store: Store) -> None:
    seed(store)
    surveys, deliveries = SurveyStore.of(store), DeliveryStore.of(store)
    ws = store.default_workspace_id()
    ids = [answered_survey(store).id for _ in range(8)]
    old = ids.pop()
    surveys.close(ws, old, now=CLOSES - RESULTS_RETRY_WINDOW - timedelta(minutes=1))
    for survey_id in ids:
        surveys.close(ws, survey_id, now=CLOSES)

    def ended(survey_id: int, *statuses: str) -> None:
        for i, status in enumerate(statuses):
            at = CLOSES + timedelta(minutes=i)
            claim = deliveries.claim("survey-close", f"survey:{survey_id}", "final", now=at)
            assert claim, (survey_id, status)
            if status != "sending":
                deliveries.finish("survey-close", f"survey:{survey_id}", "final",
                                  status=status, attempt=claim.attempt)  # fmt: skip

    # the last one is still pending: closed from chat elsewhere, or its clock died after
    # the close
    failed, exhausted, sending, sent, dead, empty, pending = ids
    ended(failed, "failed")
    ended(exhausted, *["failed"] * MAX_ATTEMPTS)
    ended(sending, "sending")
    ended(sent, "failed", "sent")
    ended(dead, "dead")
    ended(empty, "empty")
    ended(old, "failed")
    recovery = SurveyRecovery.of(store)
    soon = CLOSES + timedelta(minutes=5)
    assert recovery.results_to_post(soon) == [(ws, failed), (ws, pending)]
    later = CLOSES + CLAIM_LEASE + timedelta(minutes=1)
    assert recovery.results_to_post(later) == [(ws, failed), (ws, sending), (ws, pending)]
    # Only the platforms this clock can post to (the surveys are all on "web").
    assert recovery.results_to_post(later, platforms=("slack",)) == []
    assert len(recovery.results_to_post(later, platforms=("slack", "web"))) == 3


# -- through Slack -------------------------------------------------------------------------


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    seed(sqlite_store)
    async for e in slack_env(sqlite_store, FixedAnswerer()):
        yield e


async def test_survey_closed_from_another_slack_channel_is_posted_in_its_own(
    env: SlackEnv,
) -> None:
    """`/persona survey close` typed in #product: the answer (the ack) goes there; the
    next sweep posts the results in #general, where the survey is, and updates its message."""
    ts = "1700000000.000100"
    survey = answered_survey(
        env.store, SurveyPlace("slack", "T0001", "C0GENERAL"), message=ts,
        created_by="slack:U0ALICE",
    )  # fmt: skip
    deps = env.adapter.deps
    deps.now = clock = Clock(OPENED + timedelta(hours=1))
    status, body, _ = await env.slack.command(f"survey close {survey.id}", channel="C0PRODUCT")
    await env.settle()
    assert status == 200 and json.loads(body)["text"].startswith("Final results")
    assert not env.api.of("chat.postMessage") and not env.api.of("chat.update")
    await sweep_once(deps, [env.adapter], clock.now + timedelta(minutes=1))
    await sweep_once(deps, [env.adapter], clock.now + timedelta(minutes=2))
    [final] = env.api.of("chat.postMessage")
    assert final["channel"] == "C0GENERAL" and final["text"].startswith("Final results")
    [update] = env.api.of("chat.update")
    assert update["channel"] == "C0GENERAL" and update["ts"] == ts
    assert update["text"].startswith("Final results")
    closed_once(env.store, survey.id)


async def test_results_post_refused_by_slack_is_posted_by_the_next_sweep(env: SlackEnv) -> None:
    survey = answered_survey(env.store, SurveyPlace("slack", "T0001", "C0GENERAL"))
    deps = env.adapter.deps
    deps.now = clock = Clock(CLOSES + timedelta(seconds=30))
    env.api.fail("chat.postMessage", error="internal_error")  # transient
    report = await sweep_once(deps, [env.adapter], clock.now)
    assert report.closed == [survey.id] and len(report.failed) == 1
    assert env.api.attempts["chat.postMessage"] == 1 and not env.api.of("chat.postMessage")
    for minutes in (1, 2):
        await sweep_once(deps, [env.adapter], clock.now + timedelta(minutes=minutes))
    [final] = env.api.of("chat.postMessage")
    assert final["channel"] == "C0GENERAL" and final["text"].startswith("Final results")
    assert env.api.attempts["chat.postMessage"] == 2
    closed_once(env.store, survey.id)


# -- the digest's question of the week ------------------------------------------------------


def subscribe(store: Store, channel: str) -> None:
    DigestStore.of(store).subscribe(
        store.default_workspace_id(), platform="web", ext_workspace="local",
        conversation_id=channel, thread_id=None, service_url=None, cron="0 9 * * mon",
        timezone="Europe/Berlin", next_run_at=MONDAY_0800,
    )  # fmt: skip


def surveys_in(store: Store) -> list[tuple[int, str, str]]:
    """(id, status, persona slug) of every survey in the database."""
    ws = store.default_workspace_id()
    with store._sessions() as s:
        ids = s.scalars(select(Survey.id).order_by(Survey.id)).all()
    views = [SurveyStore.of(store).get(ws, i) for i in ids]
    return [(v.id, v.status, v.persona_slug) for v in views if v is not None]


def two_personas(store: Store) -> None:
    """Maya first in the rotation, Sam next."""
    seed(store)
    seed(store, "Sam Secondary", kind="secondary")


def test_retried_digest_reuses_its_question_and_persona(store: Store) -> None:
    two_personas(store)
    subscribe(store, "C-flaky")
    adapter = RecordingAdapter(transient={"C-flaky"})
    first = MONDAY_0800 + timedelta(seconds=20)
    sweep(store, adapter, first)
    [(created, _, slug)] = surveys_in(store)
    assert slug == "maya"
    adapter.transient.clear()
    sweep(store, adapter, first + timedelta(minutes=1))
    [(_, digest, message_id)] = adapter.sent
    assert digest.text.startswith("Persona of the week: Maya Chen")
    assert digest.meta["survey_id"] == str(created)
    assert surveys_in(store) == [(created, "open", "maya")]
    assert SurveyStore.of(store).get(store.default_workspace_id(), created).message_id == message_id
    # The rotation moved on once, with the post: next week is Sam's.
    sweep(store, adapter, MONDAY_0800 + timedelta(days=7, seconds=20))
    assert adapter.sent[-1][1].text.startswith("Persona of the week: Sam Secondary")
    assert len(surveys_in(store)) == 2


async def test_digest_resumed_after_a_killed_clock_opens_one_survey(store: Store) -> None:
    two_personas(store)
    subscribe(store, "C1")
    await kill_clock_mid_send(store, MONDAY_0800 + timedelta(seconds=5))
    [(created, status, slug)] = surveys_in(store)
    assert (status, slug) == ("open", "maya")
    adapter = RecordingAdapter()
    later = MONDAY_0800 + CLAIM_LEASE + timedelta(minutes=1)
    await sweep_once(deps_for(store, Clock(later)), [adapter], later)
    [(_, digest, message_id)] = adapter.sent
    assert digest.text.startswith("Persona of the week: Maya Chen")
    assert digest.meta["survey_id"] == str(created)
    assert surveys_in(store) == [(created, "open", "maya")]
    assert SurveyStore.of(store).get(store.default_workspace_id(), created).message_id == message_id


def test_digest_refused_for_good_drops_its_question(sqlite_store: Store) -> None:
    seed(sqlite_store)
    subscribe(sqlite_store, "C-gone")
    sweep(sqlite_store, RecordingAdapter(fail={"C-gone"}), MONDAY_0800 + timedelta(seconds=5))
    assert surveys_in(sqlite_store) == []


def test_a_later_run_does_not_reuse_an_earlier_runs_question(sqlite_store: Store) -> None:
    """A question left unposted by last week's run (out of attempts) is not this week's."""
    seed(sqlite_store)
    subscribe(sqlite_store, "C-flaky")
    adapter = RecordingAdapter(transient={"C-flaky"})
    for minute in range(MAX_ATTEMPTS + 1):
        sweep(sqlite_store, adapter, MONDAY_0800 + timedelta(minutes=minute, seconds=5))
    [(old, status, _)] = surveys_in(sqlite_store)
    assert status == "open"
    adapter.transient.clear()
    sweep(sqlite_store, adapter, MONDAY_0800 + timedelta(days=7, seconds=5))
    [(_, digest, _)] = adapter.sent
    assert digest.meta["survey_id"] != str(old)
    with sqlite_store._sessions() as s:
        assert s.scalar(select(func.count(Survey.id))) == 2
