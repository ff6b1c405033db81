"""Pure builders of scheduled and survey messages against golden files (regenerate with
PERSONABOT_UPDATE_GOLDEN=1): live survey, final results with prediction, vote ack, digest
post, review reminder, escalation."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime

from bot.features.digest import digest_reply, period_of, pick_persona
from bot.features.reminders import escalation_reply, reminder_reply
from bot.features.survey_render import bar, results_reply, survey_reply, tally_update, vote_ack
from bot.schedule import parse_schedule
from persona_store.personas.views import EvidenceView, LineView, OwnerView, PersonaView
from persona_store.scheduling.reviews import ReviewDue
from persona_store.surveys.repository import PredictionRecord, SurveyPlace, SurveyView
from tests.golden_util import assert_golden

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

MAYA = PersonaView(
    id=1,
    workspace_id=1,
    slug="maya",
    name="Maya Chen",
    kind="primary",
    role="Operations manager <ops> & buyer",
    summary="",
    photo_url=None,
    quote="<!channel> I don't have time to babysit another tool.",
    segment="SMB",
    review_every_days=90,
    last_reviewed_at=datetime(2026, 8, 1, tzinfo=UTC),
    home_channel="slack:C-personas",
    version=3,
    lines=(
        LineView(1, "goal-1", "goal", "Ship every order on time"),
        LineView(2, "pain-1", "pain", "Price is the first objection"),
    ),
    owners=(OwnerView("slack", "U0123"),),
    evidence=(
        EvidenceView(
            1, "interview", "12 of 15 named onboarding time", 15, date(2026, 7, 10), None, None, NOW
        ),  # fmt: skip
    ),
)

SURVEY = SurveyView(
    id=42,
    workspace_id=1,
    persona_id=1,
    persona_slug="maya",
    persona_name="Maya Chen",
    question="Is price <still> the #1 objection?",
    options=("Yes", "No", "Not sure"),
    anonymous=True,
    status="open",
    created_by="slack:U1",
    created_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    closes_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
    closed_at=None,
    place=SurveyPlace("slack", "T1", "C1"),
    message_id="1700000000.000001",
    counts=(7, 2, 1),
    prediction=1,
)


def test_survey_messages_golden() -> None:
    assert_golden("sched/survey_open.json", asdict(survey_reply(SURVEY)))
    closed = replace(SURVEY, status="closed", prediction_correct=False, evidence_id=9)
    assert_golden("sched/survey_results.json", asdict(results_reply(closed)))
    update = tally_update(SURVEY)
    assert update.replaces == SURVEY.message_id and update.track is None
    assert vote_ack(SURVEY, 0, "changed").text.startswith("Changed your answer to \u201cYes\u201d")
    assert "anonymous" in vote_ack(SURVEY, 0, "new").text
    assert bar(7, 10) == "\u2588" * 7 + "\u2591" * 3 and bar(0, 0) == "\u2591" * 10


def test_open_survey_hides_prediction() -> None:
    reply = survey_reply(SURVEY)
    assert "predict" not in reply.text.lower()
    assert all("predict" not in str(c).lower() for c in reply.cards)


def test_digest_golden_and_rotation() -> None:
    qotw = survey_reply(replace(SURVEY, anonymous=False, counts=(0, 0, 0)))
    reply = digest_reply(
        MAYA, NOW, new_evidence=[("Churn interviews: price named first", 8)],
        survey_results=["Survey \u201cQ?\u201d: Yes 3, No 1 (n=4)"], qotw=qotw,
    )  # fmt: skip
    assert_golden("sched/digest.json", asdict(reply))
    sam = replace(MAYA, id=2, slug="sam", name="Sam Ortiz", kind="secondary")
    ned = replace(MAYA, id=3, slug="ned", name="Ned Neg", kind="negative")
    assert pick_persona([sam, MAYA, ned], {}, False) == MAYA  # primary first
    recent = {1: NOW}
    assert pick_persona([sam, MAYA, ned], recent, False) == sam
    assert pick_persona([MAYA, ned], {1: NOW, 3: NOW.replace(year=2020)}, True) == ned
    assert pick_persona([ned], {}, False) is None


def test_daily_digest_is_titled_by_its_cadence() -> None:
    cadences = {
        "weekly mon 09:00 Europe/Berlin": "week",
        "daily 08:30": "day",
        "weekdays 9am America/New_York": "day",
    }
    for typed, period in cadences.items():
        assert period_of(parse_schedule(typed).cron) == period, typed
    qotw = survey_reply(replace(SURVEY, anonymous=False, counts=(0, 0, 0)))
    reply = digest_reply(MAYA, NOW, new_evidence=[], survey_results=[], qotw=qotw, period="day")
    assert_golden("sched/digest_daily.json", asdict(reply))
    assert reply.cards[0].title == "Persona of the day: Maya Chen"
    assert reply.text.startswith("Persona of the day: Maya Chen — ")
    assert "Question of the day:" in reply.text and "of the week" not in reply.text


def test_reminder_and_escalation_golden() -> None:
    due = ReviewDue(
        persona_id=1, workspace_id=1, slug="maya", name="Maya Chen", review_every_days=90,
        last_reviewed_at=MAYA.last_reviewed_at, due_at=datetime(2026, 10, 30, tzinfo=UTC),
        owners=("slack:U0123",), home_channel="slack:C-personas", snoozed_until=None,
        flagged=False,
    )  # fmt: skip
    record = PredictionRecord(right=2, total=3, last=(True, False, True))
    reply = reminder_reply(MAYA, due, NOW, record, ["Survey: \u201cQ?\u201d — Yes 3 (n=3)"])
    assert_golden("sched/reminder.json", asdict(reply))
    assert_golden("sched/escalation.json", asdict(escalation_reply(MAYA, due, NOW)))
    orphan = escalation_reply(MAYA, replace(due, owners=()), NOW)
    assert "has no owner" in orphan.text


def test_results_without_prediction_keep_the_evidence_line_out_of_the_prediction_section() -> None:
    closed = replace(SURVEY, status="closed", prediction=None, evidence_id=9)
    card = results_reply(closed).cards[0]
    assert [s.title for s in card.sections] == [None, None]
    assert "Saved on Maya Chen's profile as evidence (n=10)." in card.sections[1].text
    with_prediction = replace(SURVEY, status="closed", prediction_correct=True, evidence_id=9)
    titles = [s.title for s in results_reply(with_prediction).cards[0].sections]
    assert titles == [None, "Prediction", None]
