"""`SurveyStore.answer`, the vote behind chat buttons (Slack and Teams): the vote, the counts
after it and the live-tally slot in one store call, on SQLite and PostgreSQL; and many voters
at once get every vote counted once and the slot taken once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from persona_store import Store
from persona_store.surveys.repository import SurveyError, SurveyPlace, SurveyStore
from tests.sched_helpers import Clock, seed

PLACE = SurveyPlace("teams", "tenant", "19:general")


def posted_survey(store: Store, clock: Clock, *, message_id: str | None = "act-1"):  # type: ignore[no-untyped-def]
    seed(store)
    ss = SurveyStore.of(store)
    ws = store.default_workspace_id()
    sv = ss.create(
        ws, "maya", "Is price still the #1 objection?", ["Yes", "No", "Not sure"],
        place=PLACE, created_by="teams:U0", now=clock.now,
    )  # fmt: skip
    if message_id:
        ss.set_message(ws, sv.id, message_id)
    return ss, ws, sv.id


def test_answer_counts_and_tally_slot(store: Store) -> None:
    clock = Clock()
    ss, ws, sid = posted_survey(store, clock)

    first = ss.answer(ws, sid, 0, platform="teams", user_id="U1", now=clock.now)
    assert first.result.outcome == "new" and first.tally is not None
    assert first.tally.counts == (1, 0, 0) and first.tally.persona_name == "Maya Chen"
    assert first.tally.message_id == "act-1" and first.tally.is_open
    # what the acknowledgement needs, without counting the answers
    assert first.survey.options == ("Yes", "No", "Not sure") and not first.survey.anonymous
    assert first.survey.counts == ()

    # Within the interval: counted, acknowledged, no refresh; the message is left for the
    # clock's flush once the interval has passed.
    clock.now += timedelta(seconds=1)
    second = ss.answer(ws, sid, 1, platform="teams", user_id="U2", now=clock.now)
    assert (second.result.outcome, second.tally) == ("new", None)
    assert ss.get(ws, sid).counts == (1, 1, 0)
    assert ss.dirty_tallies(clock.now) == []
    assert ss.dirty_tallies(clock.now + timedelta(seconds=2)) == [(ws, sid)]

    # The same answer again changes nothing and never takes the slot.
    clock.now += timedelta(seconds=5)
    same = ss.answer(ws, sid, 1, platform="teams", user_id="U2", now=clock.now)
    assert (same.result.outcome, same.tally) == ("same", None)

    changed = ss.answer(ws, sid, 2, platform="teams", user_id="U2", now=clock.now)
    assert changed.result.outcome == "changed" and changed.tally is not None
    assert changed.tally.counts == (1, 0, 1)
    assert ss.dirty_tallies(clock.now + timedelta(seconds=10)) == []
    # the clock's flush finds nothing to claim after the voter took the slot
    assert not ss.claim_tally_update(sid, clock.now + timedelta(seconds=10))


def test_answer_before_the_message_id_is_known(store: Store) -> None:
    clock = Clock()
    ss, ws, sid = posted_survey(store, clock, message_id=None)
    answered = ss.answer(ws, sid, 0, platform="slack", user_id="U1", now=clock.now)
    assert (answered.result.outcome, answered.tally) == ("new", None)
    ss.set_message(ws, sid, "ts-1")
    assert ss.dirty_tallies(clock.now) == [(ws, sid)]  # the flush shows it


def test_answer_refused_when_closed_unknown_or_out_of_range(store: Store) -> None:
    clock = Clock()
    ss, ws, sid = posted_survey(store, clock)
    with pytest.raises(SurveyError, match="not part"):
        ss.answer(ws, sid, 3, platform="teams", user_id="U1", now=clock.now)
    with pytest.raises(SurveyError, match="no survey"):
        ss.answer(ws, sid + 1, 0, platform="teams", user_id="U1", now=clock.now)
    ss.close(ws, sid, now=clock.now)
    with pytest.raises(SurveyError, match="closed"):
        ss.answer(ws, sid, 0, platform="teams", user_id="U1", now=clock.now)
    assert ss.get(ws, sid).total == 0


def test_voters_at_once_each_counted_once_and_one_refresh(store: Store) -> None:
    clock = Clock()
    ss, ws, sid = posted_survey(store, clock)
    start = threading.Barrier(40)

    def vote(i: int):  # type: ignore[no-untyped-def]
        start.wait()
        return ss.answer(ws, sid, i % 3, platform="teams", user_id=f"U{i}", now=clock.now)

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(vote, range(40)))
    assert [a.result.outcome for a in answers].count("new") == 40
    [winner] = [a for a in answers if a.tally is not None]
    assert winner.tally is not None and 1 <= winner.tally.total <= 40
    assert ss.get(ws, sid).counts == (14, 13, 13)
    # a vote the refreshed card missed leaves the message for the clock's flush
    later = clock.now + timedelta(seconds=2)
    assert winner.tally.total == 40 or ss.dirty_tallies(later) == [(ws, sid)]
