"""The clock's sweeps on SQLite and PostgreSQL: exactly-once delivery (same sweep twice, two
threads at once), the grace window, failing targets, a post left unfinished by a killed
clock (resumed once, or skipped past the grace window), and the end-to-end digest -> vote ->
close -> evidence flow through a recording ChatAdapter."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta

from bot.clock import run_clock_async
from bot.deps import Deps
from bot.features import digest as digest_feature
from bot.features import personas as personas_feature
from bot.features import surveys as survey_feature
from bot.messages import Address
from bot.schedule import DEFAULT_GRACE, first_fire
from persona_store import Store
from persona_store.scheduling.schedules import CLAIM_LEASE, DeliveryStore, DigestStore
from persona_store.surveys.repository import SurveyStore
from tests.sched_helpers import (
    Clock,
    FixedAnswerer,
    RecordingAdapter,
    click,
    clock_jobs,
    command,
    core_with,
    deps_for,
    flush_tallies,
    seed,
    sweep_once,
)
from tests.sched_helpers import kill_clock_mid_send as kill_clock_in_send

MONDAY_0800 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def subscribe(store: Store, channel: str, *, next_run: datetime = MONDAY_0800) -> int:
    sub = DigestStore.of(store).subscribe(
        store.default_workspace_id(),
        platform="web",
        ext_workspace="local",
        conversation_id=channel,
        thread_id=None,
        service_url=None,
        cron="0 9 * * mon",
        timezone="Europe/Berlin",
        next_run_at=next_run,
    )
    return sub.id


def test_same_sweep_twice_posts_once(store: Store) -> None:
    seed(store)
    subscribe(store, "C1")
    adapter = RecordingAdapter()
    now = MONDAY_0800 + timedelta(seconds=20)
    deps = deps_for(store, Clock(now))
    first = asyncio.run(sweep_once(deps, {"web": adapter}, now))
    second = asyncio.run(sweep_once(deps, [adapter], now + timedelta(minutes=1)))
    assert len(adapter.sent) == 1 and first.posted and not second.posted
    # Even with the stored next run forced back (a crash before it was saved), the delivery
    # key still stops a second post.
    sub_id = DigestStore.of(store).due(MONDAY_0800 + timedelta(days=30))[0].id
    DigestStore.of(store).advance(sub_id, MONDAY_0800)
    third = asyncio.run(sweep_once(deps, [adapter], now + timedelta(minutes=2)))
    assert len(adapter.sent) == 1
    assert any("already delivered" in s for s in third.skipped)
    assert DeliveryStore.of(store).list("digest") == [
        ("digest", "web:local:C1", "2026-W48", "sent")
    ]


def test_changed_schedule_never_posts_twice_in_one_week(sqlite_store: Store) -> None:
    seed(sqlite_store)
    subscribe(sqlite_store, "C1")
    adapter = RecordingAdapter()
    deps = deps_for(sqlite_store)
    asyncio.run(sweep_once(deps, [adapter], MONDAY_0800))
    # Someone moves the digest to 10:00 the same Monday: nothing more this week.
    DigestStore.of(sqlite_store).subscribe(
        sqlite_store.default_workspace_id(), platform="web", ext_workspace="local",
        conversation_id="C1", thread_id=None, service_url=None, cron="0 10 * * mon",
        timezone="Europe/Berlin", next_run_at=MONDAY_0800 + timedelta(hours=1),
    )  # fmt: skip
    report = asyncio.run(sweep_once(deps, [adapter], MONDAY_0800 + timedelta(hours=1)))
    assert len(adapter.sent) == 1 and any("already delivered" in s for s in report.skipped)
    asyncio.run(sweep_once(deps, [adapter], MONDAY_0800 + timedelta(days=7, hours=1)))
    assert len(adapter.sent) == 2


def test_two_clocks_at_once_post_once(store: Store) -> None:
    seed(store)
    for i in range(5):
        subscribe(store, f"C{i}")
    adapter = RecordingAdapter()
    now = MONDAY_0800 + timedelta(seconds=5)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def clock() -> None:
        try:
            deps = deps_for(store, Clock(now))
            barrier.wait()
            asyncio.run(sweep_once(deps, [adapter], now))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    channels = sorted(a.conversation_id for a, _, _ in adapter.sent)
    assert channels == [f"C{i}" for i in range(5)]


def test_missed_run_caught_up_within_grace_older_skipped(sqlite_store: Store, caplog) -> None:  # type: ignore[no-untyped-def]
    seed(sqlite_store)
    subscribe(sqlite_store, "C-recent")
    subscribe(sqlite_store, "C-old", next_run=MONDAY_0800 - timedelta(days=7))
    adapter = RecordingAdapter()
    now = MONDAY_0800 + timedelta(hours=2)  # the clock was down for two hours
    caplog.set_level(logging.INFO)
    report = asyncio.run(sweep_once(deps_for(sqlite_store, Clock(now)), [adapter], now))
    # C-recent: this week's run caught up once. C-old: last week's run is skipped (logged),
    # but this week's is within the window.
    assert sorted(a.conversation_id for a, _, _ in adapter.sent) == ["C-old", "C-recent"]
    assert any("2026-11-16T08:00Z" in s and "too late" in s for s in report.skipped)
    assert "missed by more than" in caplog.text
    later = MONDAY_0800 + timedelta(days=7, hours=7)  # down for 7 h on the next run
    report = asyncio.run(sweep_once(deps_for(sqlite_store, Clock(later)), [adapter], later))
    assert len(adapter.sent) == 2 and not report.posted
    due = DigestStore.of(sqlite_store).due(MONDAY_0800 + timedelta(days=14))
    assert {s.next_run_at for s in due} == {MONDAY_0800 + timedelta(days=14)}


def test_failing_target_does_not_stop_the_sweep(store: Store) -> None:
    seed(store)
    for name in ("C-a", "C-gone", "C-flaky", "C-b"):
        subscribe(store, name)
    adapter = RecordingAdapter(fail={"C-gone"}, transient={"C-flaky"})
    now = MONDAY_0800 + timedelta(seconds=1)
    deps = deps_for(store, Clock(now))
    report = asyncio.run(sweep_once(deps, [adapter], now))
    assert sorted(a.conversation_id for a, _, _ in adapter.sent) == ["C-a", "C-b"]
    assert len(report.failed) == 2
    digests = DigestStore.of(store)
    gone = digests.for_channel(store.default_workspace_id(), "web", "C-gone")
    assert gone is not None and not gone.enabled and "channel_not_found" in gone.disabled_reason
    # The transient failure is retried by the next sweep and then delivered once.
    adapter.transient.clear()
    later = now + timedelta(minutes=1)
    asyncio.run(sweep_once(deps_for(store, Clock(later)), [adapter], later))
    asyncio.run(sweep_once(deps_for(store, Clock(later)), [adapter], later + timedelta(minutes=1)))
    assert sorted(a.conversation_id for a, _, _ in adapter.sent) == ["C-a", "C-b", "C-flaky"]


def test_no_adapter_for_platform_is_skipped(sqlite_store: Store) -> None:
    seed(sqlite_store)
    subscribe(sqlite_store, "C1")
    now = MONDAY_0800
    report = asyncio.run(sweep_once(deps_for(sqlite_store, Clock(now)), {}, now))
    assert any("no adapter" in s for s in report.skipped) and not report.posted


class BrokenAnswerer:
    name = "broken"

    async def answer(self, persona: object, question: str) -> object:
        raise RuntimeError("LLM down")


def test_question_of_the_week_records_a_hidden_prediction(store: Store) -> None:
    """The digest's survey goes through the same prediction path as `survey`: the persona's
    own answer is stored at creation, hidden in the post, and scored when the clock closes it."""
    seed(store)
    subscribe(store, "C1")
    answerer = FixedAnswerer(stance="support", summary="Yes, still true")
    now = MONDAY_0800 + timedelta(seconds=20)
    deps = deps_for(store, Clock(now), answerer)
    adapter = RecordingAdapter()
    asyncio.run(sweep_once(deps, [adapter], now))
    [(_, digest, _)] = adapter.sent
    survey_id = int(digest.meta["survey_id"])
    ws = store.default_workspace_id()
    surveys = SurveyStore.of(store)
    survey = surveys.get(ws, survey_id)
    assert survey.prediction == 0 and survey.options[0] == "Yes, still true"
    [asked] = answerer.questions
    assert asked.startswith("Is this still true for Maya") and "Not any more" in asked
    assert "predict" not in digest.text.lower()
    assert all("predict" not in repr(card).lower() for card in digest.cards)
    # The channel disagrees with the persona: two of three say "Less than before".
    for i, user in enumerate(("U1", "U2", "U3")):
        surveys.vote(ws, survey_id, 1 if i else 0, platform="web", user_id=user, now=now)
    persona_id = store.get(ws, "maya").id
    assert surveys.prediction_record(ws, persona_id).total == 0
    later = now + timedelta(days=7)
    report = asyncio.run(sweep_once(deps_for(store, Clock(later), answerer), [adapter], later))
    assert report.closed == [survey_id]
    [final] = [r for _, r, _ in adapter.sent if r.text.startswith("Final results")]
    assert "predicted Yes, still true: wrong" in final.text
    record = surveys.prediction_record(ws, persona_id)
    assert (record.right, record.total, record.last) == (0, 1, (False,))
    [evidence] = [e for e in store.get(ws, "maya").evidence if e.source == "survey"]
    assert evidence.details["prediction"] == 0 and evidence.details["prediction_correct"] is False
    [shown] = asyncio.run(core_with(deps, personas_feature).handle(command("show maya")))
    assert "Prediction record: 0/1 right" in shown.text


def test_question_of_the_week_without_a_prediction_when_the_answerer_fails(
    sqlite_store: Store,
) -> None:
    seed(sqlite_store)
    subscribe(sqlite_store, "C1")
    now = MONDAY_0800 + timedelta(seconds=20)
    adapter = RecordingAdapter()
    asyncio.run(sweep_once(deps_for(sqlite_store, Clock(now), BrokenAnswerer()), [adapter], now))
    [(_, digest, _)] = adapter.sent
    survey = SurveyStore.of(sqlite_store).get(
        sqlite_store.default_workspace_id(), int(digest.meta["survey_id"])
    )
    assert survey is not None and survey.is_open and survey.prediction is None


async def test_end_to_end_subscribe_digest_vote_close(sqlite_store: Store) -> None:
    seed(sqlite_store, owners=["slack:OWNER"])
    seed(sqlite_store, "Ned Negative", kind="negative")
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    deps = deps_for(sqlite_store, clock)
    core = core_with(deps, survey_feature, digest_feature)
    channel = Address(platform="web", workspace="local", conversation_id="C-product")
    adapter = RecordingAdapter()

    [reply] = await core.handle(command("digest weekly mon 09:00 Europe/Berlin", address=channel))
    assert "weekly on Mon at 09:00 Europe/Berlin" in reply.text and "23 Nov 2026" in reply.text
    [shown] = await core.handle(command("digest show", address=channel))
    assert "Next post: Mon 23 Nov 2026 09:00" in shown.text
    assert "gets a persona-of-the-week post weekly on Mon" in shown.text  # reads as a sentence

    # Nothing before the time; at 09:00 Berlin exactly one digest.
    assert not (await sweep_once(deps, [adapter], clock.now)).posted
    clock.now = first_fire("0 9 * * mon", "Europe/Berlin", clock.now) + timedelta(seconds=3)
    await sweep_once(deps, [adapter], clock.now)
    await sweep_once(deps, [adapter], clock.now + timedelta(minutes=1))
    [(address, digest, message_id)] = adapter.sent
    assert address == channel
    assert digest.text.startswith("Persona of the week: Maya Chen")  # negative one not chosen
    survey_card = digest.cards[-1]
    assert survey_card.choices and "Is this still true for Maya" in survey_card.title
    survey_id = int(digest.meta["survey_id"])
    ws = sqlite_store.default_workspace_id()
    surveys = SurveyStore.of(sqlite_store)
    assert surveys.get(ws, survey_id).message_id == message_id

    # Votes: the first updates the message at once, the next ones are coalesced and flushed.
    first, update = await core.handle(
        click("survey.vote", survey_card.choices[0].value, user="U1", address=channel)
    )
    assert update.replaces == message_id
    for user in ("U2", "U3"):
        await core.handle(click("survey.vote", survey_card.choices[1].value, user=user,
                                address=channel))  # fmt: skip
    assert await flush_tallies(deps, [adapter], clock.now) == 0  # within 2 s of the last one
    clock.now += timedelta(seconds=3)
    assert await flush_tallies(deps, [adapter], clock.now) == 1
    (_, updated_id, tally) = adapter.updated[-1]
    assert updated_id == message_id
    assert [c.count for c in tally.cards[0].choices] == [1, 2, 0]

    # A week later the clock closes the survey, posts the results, writes evidence.
    clock.now += timedelta(days=7)
    report = await sweep_once(deps, [adapter], clock.now)
    assert report.closed == [survey_id]
    finals = [r for _, r, _ in adapter.sent if r.text.startswith("Final results")]
    assert len(finals) == 1 and "n=3" in finals[0].text
    persona = sqlite_store.get(ws, "maya")
    [evidence] = [e for e in persona.evidence if e.source == "survey"]
    assert evidence.n == 3 and evidence.details["counts"] == [1, 2, 0]
    assert evidence.line_key == "pain-1"
    # The next digest names the new survey result and features the next persona in turn.
    report = await sweep_once(deps, [adapter], clock.now + timedelta(minutes=1))
    assert report.closed == []


async def test_clock_starts_and_stops_cleanly(sqlite_store: Store) -> None:
    seed(sqlite_store)
    subscribe(sqlite_store, "C1", next_run=datetime.now(UTC) - timedelta(minutes=1))
    adapter = RecordingAdapter()
    deps = deps_for(sqlite_store, Clock(datetime.now(UTC)))
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_clock_async(deps, [adapter], jobs=clock_jobs(), stop=stop, tally_seconds=0.05)
    )
    for _ in range(200):
        if adapter.sent:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(adapter.sent) == 1


async def test_end_to_end_through_the_playground_adapter(sqlite_store: Store) -> None:
    """The real WebAdapter: the clock's digest lands in the playground conversation, a vote
    updates the stored message through the tally flush, the close writes evidence."""
    from adapters.web.app import WebAdapter
    from bot.commands import Core
    from bot.features import build_registry
    from persona_store.platforms.web_posts import WebPostStore

    seed(sqlite_store)
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    deps = deps_for(sqlite_store, clock)
    core = Core(deps, build_registry())
    web_adapter = WebAdapter(core, deps)
    playground = Address(platform="web", workspace="local", conversation_id="playground")
    [subscribed] = await core.handle(command("digest daily 09:00 UTC", address=playground))
    assert not subscribed.is_error, subscribed.text
    assert "gets a persona-of-the-day post daily at 09:00 UTC" in subscribed.text
    clock.now = datetime(2026, 11, 21, 9, 0, 30, tzinfo=UTC)
    report = await sweep_once(deps, {"web": web_adapter}, clock.now)
    assert len(report.posted) == 1
    ws = sqlite_store.default_workspace_id()
    posts = WebPostStore.of(sqlite_store)
    [post] = posts.after(ws, "playground")
    # A daily schedule titles its post by its cadence, card and text alike.
    assert post.body["text"].startswith("Persona of the day: Maya Chen")
    assert "Question of the day:" in post.body["text"] and "of the week" not in post.body["text"]
    assert post.body["cards"][0]["title"] == "Persona of the day: Maya Chen"
    survey_id = int(post.body["meta"]["survey_id"])
    survey = SurveyStore.of(sqlite_store).get(ws, survey_id)
    assert survey.message_id == str(post.id)
    await core.handle(click("survey.vote", f"{survey_id}:2", user="U1", address=playground))
    await core.handle(click("survey.vote", f"{survey_id}:2", user="U2", address=playground))
    clock.now += timedelta(seconds=5)
    assert await flush_tallies(deps, {"web": web_adapter}, clock.now) == 1
    [updated] = posts.after(ws, "playground")
    assert "2 answers so far" in updated.body["text"]
    clock.now += timedelta(days=8)
    report = await sweep_once(deps, {"web": web_adapter}, clock.now)
    assert survey_id in report.closed
    [evidence] = [e for e in sqlite_store.get(ws, "maya").evidence if e.source == "survey"]
    assert evidence.n == 2 and "Not any more 2" in evidence.summary


async def test_frozen_time_daily_digest_follows_berlin_across_dst(sqlite_store: Store) -> None:
    """Real clock reads (deps.now = utc_now) under time-machine: 09:00 Berlin is 07:00 UTC
    in summer time and 08:00 UTC after the switch on 2026-10-25."""
    import time_machine

    from bot.deps import utc_now

    seed(sqlite_store)
    deps = deps_for(sqlite_store)
    deps.now = utc_now
    core = core_with(deps, digest_feature, survey_feature)
    adapter = RecordingAdapter()
    channel = Address(platform="web", workspace="local", conversation_id="C-berlin")
    with time_machine.travel(datetime(2026, 10, 24, 6, 59, tzinfo=UTC), tick=False):
        [reply] = await core.handle(command("digest daily 09:00 Europe/Berlin", address=channel))
        assert "Next post: Sat 24 Oct 2026 09:00" in reply.text
    for moment, expected in [
        (datetime(2026, 10, 24, 7, 0, 20, tzinfo=UTC), 1),  # 09:00 CEST
        (datetime(2026, 10, 25, 7, 0, 20, tzinfo=UTC), 1),  # 08:00 CET: not yet
        (datetime(2026, 10, 25, 8, 0, 20, tzinfo=UTC), 2),  # 09:00 CET
        (datetime(2026, 10, 25, 8, 1, 20, tzinfo=UTC), 2),  # the next minute's sweep
    ]:
        with time_machine.travel(moment, tick=False):
            await sweep_once(deps, [adapter])
        assert len(adapter.sent) == expected, moment


async def kill_clock_mid_send(store: Store, now: datetime) -> None:
    await kill_clock_in_send(store, now)
    assert DeliveryStore.of(store).list("digest") == [
        ("digest", "web:local:playground", "2026-W48", "sending")
    ]


async def test_post_left_unfinished_by_a_killed_clock_is_posted_once(store: Store, caplog) -> None:  # type: ignore[no-untyped-def]
    """The clock dies between claim and finish (Heroku restarts dynos daily). The restarted
    clock keeps the digest due while the claim may still be live, then takes it over once,
    even with a second clock sweeping at the same moment, through the playground adapter."""
    from adapters.web.app import WebAdapter
    from bot.commands import Core
    from bot.features import build_registry
    from persona_store.platforms.web_posts import WebPostStore

    seed(store)
    subscribe(store, "playground")
    crashed_at = MONDAY_0800 + timedelta(seconds=5)
    await kill_clock_mid_send(store, crashed_at)

    def restarted_clock(now: datetime) -> tuple[Deps, WebAdapter]:
        deps = deps_for(store, Clock(now))
        return deps, WebAdapter(Core(deps, build_registry()), deps)

    # Restarted a minute later: the claim is younger than the lease, so it could still be
    # a live clock's. Nothing is posted and the run stays due.
    soon = crashed_at + timedelta(minutes=1)
    deps, web = restarted_clock(soon)
    report = await sweep_once(deps, {"web": web}, soon)
    assert not report.posted and any("being delivered" in s for s in report.skipped)
    [sub] = DigestStore.of(store).due(soon)
    assert sub.next_run_at == MONDAY_0800
    # Past the lease: two clocks sweep at once; exactly one resumes the post.
    later = crashed_at + CLAIM_LEASE + timedelta(minutes=1)
    caplog.set_level(logging.WARNING, logger="bot.clock")
    (deps1, web1), (deps2, web2) = restarted_clock(later), restarted_clock(later)
    reports = await asyncio.gather(
        sweep_once(deps1, {"web": web1}, later), sweep_once(deps2, {"web": web2}, later)
    )
    assert sum(len(r.posted) for r in reports) == 1
    assert "resuming a delivery left unfinished at 2026-11-23 08:00:05Z" in caplog.text
    next_minute = later + timedelta(minutes=1)
    report = await sweep_once(deps1, {"web": web1}, next_minute)
    assert not report.posted and not DigestStore.of(store).due(next_minute)
    ws = store.default_workspace_id()
    [post] = WebPostStore.of(store).after(ws, "playground")
    assert "Persona of the week: Maya Chen" in post.body["text"]
    assert DeliveryStore.of(store).list("digest") == [
        ("digest", "web:local:playground", "2026-W48", "sent")
    ]


async def test_post_left_unfinished_is_not_posted_after_the_grace_window(
    sqlite_store: Store,
) -> None:
    """Down for longer than the grace window after dying mid-send: that run is skipped like
    any other missed run, not posted late; next week's goes out as usual."""
    seed(sqlite_store)
    subscribe(sqlite_store, "playground")
    await kill_clock_mid_send(sqlite_store, MONDAY_0800 + timedelta(seconds=5))
    adapter = RecordingAdapter()
    back = MONDAY_0800 + DEFAULT_GRACE + timedelta(minutes=30)
    report = await sweep_once(deps_for(sqlite_store, Clock(back)), [adapter], back)
    assert not adapter.sent and any("too late" in s for s in report.skipped)
    next_week = MONDAY_0800 + timedelta(days=7, seconds=5)
    await sweep_once(deps_for(sqlite_store, Clock(next_week)), [adapter], next_week)
    assert [a.conversation_id for a, _, _ in adapter.sent] == ["playground"]


async def test_daily_digest_is_turned_off_as_a_daily_digest(sqlite_store: Store) -> None:
    """`digest off` on a daily digest, and a bad `digest daily …`, speak of the daily digest
    (not only the weekly one); the usage shown on a mistake lists daily and weekdays."""
    seed(sqlite_store)
    core = core_with(deps_for(sqlite_store), digest_feature)
    channel = Address(platform="web", workspace="local", conversation_id="C-daily")
    [bad] = await core.handle(command("digest daily 25:00", address=channel))
    assert "digest daily 08:30" in bad.text and "digest weekdays" in bad.text
    await core.handle(command("digest daily 08:30", address=channel))
    [off] = await core.handle(command("digest off", address=channel))
    assert "persona-of-the-day" in off.text and "week" not in off.text
    [again] = await core.handle(command("digest off", address=channel))
    assert "week" not in again.text and "no digest" in again.text
