"""Customer's-voice surveys in the store, on SQLite and PostgreSQL: open-text answers (one per
person, changeable, anonymous ones keyless and timeless once closed), their evidence quotes
at close, nudge opt-ins and who has not answered, and recurring series."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from persona_store import Store
from persona_store.models import Evidence
from persona_store.scheduling.models import Survey
from persona_store.surveys.repository import SurveyError, SurveyPlace, SurveyStore
from persona_store.surveys.voice import MAX_ANSWER, VoiceStore, check_every
from persona_store.surveys.voice_models import SurveyText
from tests.sched_helpers import Clock, seed

PLACE = SurveyPlace("slack", "T1", "C-general")
QUESTION = "What almost stopped you from buying?"


def open_survey(store: Store, clock: Clock, **kw: object):  # type: ignore[no-untyped-def]
    args = {"place": PLACE, "created_by": "slack:U0", "now": clock.now, "open_text": True, **kw}
    return SurveyStore.of(store).create(store.default_workspace_id(), "maya", QUESTION, [], **args)  # type: ignore[arg-type]


def rows(store: Store, survey_id: int) -> list[tuple[str, str, object]]:
    with store.sessions() as s:
        return [
            (r.voter_key, r.text, r.answered_at)
            for r in s.scalars(select(SurveyText).where(SurveyText.survey_id == survey_id))
        ]


def quotes(store: Store, survey_id: int) -> list[Evidence]:
    with store.sessions() as s:
        found = s.scalars(select(Evidence).order_by(Evidence.id)).all()
        return [e for e in found if (e.details or {}).get("survey_id") == survey_id]


def test_answers_one_per_person_changeable_then_quotes_at_close(store: Store) -> None:
    seed(store)
    clock = Clock()
    ws = store.default_workspace_id()
    sv = open_survey(store, clock, line_key="pain-1")
    assert sv.open_text and sv.options == () and sv.prediction is None
    voice = VoiceStore(store.sessions)

    def answer(text: str, user: str) -> str:
        return voice.answer_text(
            ws, sv.id, text, platform="slack", user_id=user, now=clock.now
        ).outcome

    assert answer("  The price   per seat ", "U1") == "new"
    assert answer("The price per seat", "U1") == "same"  # whitespace is not a change
    assert answer("Setup took too long", "U2") == "new"
    assert answer("Setup took weeks", "U2") == "changed"
    got = SurveyStore.of(store).get(ws, sv.id)
    assert got is not None and got.texts == ("Setup took weeks", "The price per seat")
    assert got.total == 2
    assert {k for k, _, when in rows(store, sv.id)} == {"slack:U1", "slack:U2"}

    closed = SurveyStore.of(store).close(ws, sv.id, now=clock.now + timedelta(days=1))
    assert closed is not None and closed.texts == ("Setup took weeks", "The price per seat")
    assert closed.results == {"texts": ["Setup took weeks", "The price per seat"], "n": 2}
    assert rows(store, sv.id) == []  # the answers live on as evidence only
    items = quotes(store, sv.id)
    assert [e.summary for e in items] == [
        "\u201cSetup took weeks\u201d",
        "\u201cThe price per seat\u201d",
    ]
    assert all(e.n == 1 and e.source == "survey" for e in items)
    assert [e.details["by"] for e in items] == ["slack:U2", "slack:U1"]  # named: who said it
    persona = store.get(ws, "maya")
    assert persona is not None
    assert [e.line_key for e in persona.evidence if e.details] == ["pain-1", "pain-1"]
    assert closed.evidence_id == items[0].id
    with pytest.raises(SurveyError, match="closed"):
        answer("Too late", "U3")


def test_anonymous_answers_keep_no_author_time_or_order(store: Store) -> None:
    seed(store)
    clock = Clock()
    ws = store.default_workspace_id()
    sv = open_survey(store, clock, anonymous=True)
    voice = VoiceStore(store.sessions)
    for user, text in (("U1", "Zebra pricing"), ("U2", "Apple onboarding"), ("U3", "Mango")):
        voice.answer_text(ws, sv.id, text, platform="slack", user_id=user, now=clock.now)
    kept = rows(store, sv.id)
    assert all(key.startswith("h:") and when is None for key, _, when in kept)
    assert not any("U1" in key for key, _, _ in kept)
    SurveyStore.of(store).close(ws, sv.id, now=clock.now + timedelta(hours=3))
    assert rows(store, sv.id) == []
    items = quotes(store, sv.id)
    assert [e.summary for e in items] == [
        "\u201cApple onboarding\u201d", "\u201cMango\u201d", "\u201cZebra pricing\u201d",
    ]  # sorted by text: not in the order people answered  # fmt: skip
    assert all("by" not in e.details and e.details["anonymous"] for e in items)
    assert len({e.created_at for e in items}) == 1  # one time for all: the close
    with store.sessions() as s:
        row = s.get(Survey, sv.id)
        assert row is not None and row.salt is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "empty"), ("x" * (MAX_ANSWER + 1), "characters long")],
)
def test_bad_answers_change_nothing(store: Store, text: str, message: str) -> None:
    seed(store)
    clock = Clock()
    sv = open_survey(store, clock)
    voice = VoiceStore(store.sessions)
    with pytest.raises(SurveyError, match=message):
        voice.answer_text(store.default_workspace_id(), sv.id, text, platform="slack",
                          user_id="U1", now=clock.now)  # fmt: skip
    assert rows(store, sv.id) == []


def test_options_and_open_text_do_not_mix(store: Store) -> None:
    seed(store)
    clock = Clock()
    ws = store.default_workspace_id()
    with pytest.raises(SurveyError, match="takes no options"):
        SurveyStore.of(store).create(
            ws, "maya", QUESTION, ["Yes", "No"], place=PLACE, created_by="slack:U0",
            now=clock.now, open_text=True,
        )  # fmt: skip
    choice = SurveyStore.of(store).create(
        ws, "maya", "Still true?", ["Yes", "No"], place=PLACE, created_by="slack:U0", now=clock.now
    )
    with pytest.raises(SurveyError, match="has options"):
        VoiceStore(store.sessions).answer_text(ws, choice.id, "hi", platform="slack",
                                               user_id="U1", now=clock.now)  # fmt: skip
    with pytest.raises(SurveyError, match="no survey"):
        VoiceStore(store.sessions).answer_text(ws, 10**12, "hi", platform="slack",
                                               user_id="U1", now=clock.now)  # fmt: skip


def test_nudge_opt_ins_and_who_has_not_answered(store: Store) -> None:
    seed(store)
    clock = Clock()
    ws = store.default_workspace_id()
    voice = VoiceStore(store.sessions)

    def opt(user: str, on: bool = True, channel: str = "C-general") -> bool:
        return voice.set_nudges(ws, platform="slack", ext_workspace="T1", conversation_id=channel,
                                user_id=user, on=on, now=clock.now)  # fmt: skip

    assert opt("U1") and not opt("U1")  # once
    assert opt("U2") and opt("U3") and opt("U9", channel="C-other")
    assert opt("U3", on=False) and not opt("U3", on=False)
    ss = SurveyStore.of(store)
    for anonymous in (False, True):
        sv = ss.create(ws, "maya", "Still true?", ["Yes", "No"], place=PLACE,
                       created_by="slack:U0", now=clock.now, anonymous=anonymous)  # fmt: skip
        ss.vote(ws, sv.id, 0, platform="slack", user_id="U1", now=clock.now)
        left = voice.unanswered_members(ws, sv.id)
        assert [m.user_id for m in left] == ["U2"]
        assert left[0].ref == ("h:" + left[0].ref[2:] if anonymous else "slack:U2")
        assert left[0].ref.startswith("h:") is anonymous
    text = open_survey(store, clock)
    voice.answer_text(ws, text.id, "It was fine", platform="slack", user_id="U2", now=clock.now)
    assert [m.user_id for m in voice.unanswered_members(ws, text.id)] == ["U1"]
    # only posted surveys a day old, in channels with opt-ins
    assert voice.to_nudge(clock.now + timedelta(days=2), after=timedelta(days=1)) == []
    ss.set_message(ws, text.id, "ts-1")
    later = clock.now + timedelta(days=2)
    assert voice.to_nudge(later, after=timedelta(days=1)) == [(ws, text.id)]
    assert voice.to_nudge(clock.now, after=timedelta(days=1)) == []


def test_recurring_series(store: Store) -> None:
    seed(store)
    clock = Clock()
    ws = store.default_workspace_id()
    ss = SurveyStore.of(store)
    voice = VoiceStore(store.sessions)
    first = open_survey(store, clock, every="month")
    assert first.every == "month" and first.series_id == first.id
    assert voice.repeats_due(clock.now + timedelta(days=40)) == []  # never posted
    ss.set_message(ws, first.id, "ts-1")
    assert voice.repeats_due(clock.now + timedelta(days=29)) == []
    [due] = voice.repeats_due(clock.now + timedelta(days=31))
    assert (due.survey_id, due.series_id, due.period) == (first.id, first.id, "2026-12-20")
    second = open_survey(store, clock, every="month")
    voice.join_series(ws, second.id, first.id)
    assert voice.unposted_next(ws, first.id, first.id) == second.id  # its post failed
    ss.set_message(ws, second.id, "ts-2")
    assert voice.unposted_next(ws, first.id, first.id) is None
    [due] = voice.repeats_due(clock.now + timedelta(days=31))
    assert due.survey_id == second.id
    with store.sessions() as s:
        assert s.scalar(select(func.count(Survey.id)).where(Survey.series_id == first.id)) == 2


def test_every_words() -> None:
    assert check_every("monthly") == "month" and check_every("Week") == "week"
    assert check_every(None) is None
    with pytest.raises(SurveyError, match="every week"):
        check_every("fortnight")


@pytest.mark.parametrize("anonymous", [False, True])
def test_export_of_typed_answers(store: Store, anonymous: bool) -> None:
    """`persona-bot surveys export`: the answers in the option column; an anonymous survey
    with no voter, time or order, a named one with who (and while open, when)."""
    from bot.features.survey_export import export_csv

    seed(store)
    clock = Clock()
    ws = store.default_workspace_id()
    sv = open_survey(store, clock, anonymous=anonymous)
    voice = VoiceStore(store.sessions)
    for user, text in (("U2", "=cmd|' /C calc'!A0"), ("U1", "Alpha pricing")):
        voice.answer_text(ws, sv.id, text, platform="slack", user_id=user, now=clock.now)
    ss = SurveyStore.of(store)
    for closed in (False, True):
        if closed:
            ss.close(ws, sv.id, now=clock.now + timedelta(hours=1))
        rows = ss.answers_for_export(ws, sv.id)
        if anonymous:
            assert rows == [
                ("anonymous", "=cmd|' /C calc'!A0", None), ("anonymous", "Alpha pricing", None)
            ]  # fmt: skip
        else:
            assert {(voter, text) for voter, text, _ in rows} == {
                ("slack:U2", "=cmd|' /C calc'!A0"), ("slack:U1", "Alpha pricing")
            }  # fmt: skip
            assert all((at is None) is closed for _, _, at in rows)
    csv_text = export_csv(store, ws, sv.id)
    assert "\"'=cmd|" in csv_text  # a spreadsheet formula is neutralised
    assert ("U1" in csv_text) is not anonymous
