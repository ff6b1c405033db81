"""Pure reply builders (answer card, persona card, panel) against golden files."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime

from bot.answering.base import Answer, Reason
from bot.features.answer_card import answer_reply, negative_warning, panel_reply
from bot.features.cards import freshness, persona_card
from persona_store.personas.views import EvidenceView, LineView, OwnerView, PersonaView
from tests.golden_util import assert_golden

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def persona(slug: str = "maya", name: str = "Maya Chen", kind: str = "primary") -> PersonaView:
    return PersonaView(
        id=1,
        workspace_id=1,
        slug=slug,
        name=name,
        kind=kind,
        role="Operations manager <ops> & buyer",
        summary="",
        photo_url=None,
        quote="<!channel> I don't have time to babysit another tool.",
        segment="SMB",
        review_every_days=90,
        last_reviewed_at=datetime(2026, 8, 1, tzinfo=UTC),
        home_channel=None,
        version=3,
        lines=(
            LineView(1, "goal-1", "goal", "Ship every order on time"),
            LineView(2, "pain-1", "pain", "Budget is approved once a year"),
            LineView(3, "objection-1", "objection", "Per-seat pricing punishes growth"),
        ),
        owners=(OwnerView("slack", "U0123"),),
        evidence=(
            EvidenceView(
                1,
                "interview",
                "12 of 15 named onboarding time",
                15,
                date(2026, 7, 10),
                None,
                None,
                NOW,
            ),
        ),
    )


ANSWER = Answer(
    persona_slug="maya",
    stance="oppose",
    summary="A 20% rise collides with a fixed yearly budget.",
    reasons=(Reason("Budget is approved once a year", ("pain-1",)),),
    concerns=(Reason("Per-seat pricing punishes growth", ("objection-1", "pain-1")),),
    win_over=("Ship every order on time",),
    confidence=0.72,
)


def test_answer_reply_golden() -> None:
    reply = answer_reply(persona(), ANSWER, "Should we raise prices 20%?", NOW)
    assert_golden("core/answer_reply.json", asdict(reply))


def test_a_question_is_headed_by_its_source_not_by_a_reaction() -> None:
    question = replace(ANSWER, meta={"form": "yes_no"}, summary="No — it's one of her pains.")
    reply = answer_reply(persona(), question, "Is budget a problem for Maya?", NOW)
    assert reply.cards[0].title == "Maya Chen: what the profile says"
    assert reply.text.splitlines()[0] == "Maya Chen: what the profile says"
    proposal = answer_reply(persona(), ANSWER, "Should we raise prices 20%?", NOW)
    assert proposal.cards[0].title == "Maya Chen would likely push back"
    unknown = replace(ANSWER, stance="unknown", meta={"form": "open"})
    assert "the profile doesn't say" in answer_reply(persona(), unknown, "Who?", NOW).cards[0].title


def test_persona_card_golden() -> None:
    assert_golden("core/persona_card.json", asdict(persona_card(persona(), NOW)))


def test_freshness_badge() -> None:
    assert freshness(persona(), NOW) == "Last reviewed 113 days ago (review overdue by 23 days)"
    assert freshness(persona(), datetime(2026, 8, 2, tzinfo=UTC)) == ("Last reviewed 1 day ago")


def test_panel_golden_and_negative_warning() -> None:
    neg = persona("marcus", "Marcus Bell", "negative")
    support = Answer(persona_slug="marcus", stance="support", summary="Love it", confidence=0.9)
    panel = [(persona(), ANSWER), (neg, support)]
    assert negative_warning(panel) is not None
    assert_golden("core/panel_reply.json", asdict(panel_reply("Custom contracts", panel, NOW)))
    assert negative_warning([(persona(), support), (neg, ANSWER)]) is None


def test_panel_card_of_a_mixed_persona_shows_both_sides() -> None:
    mixed = Answer(
        persona_slug="maya",
        stance="mixed",
        summary="Torn.",
        reasons=(Reason("Ship every order on time", ("goal-1",)),),
        concerns=(Reason("Per-seat pricing punishes growth", ("objection-1",)),),
        confidence=0.5,
    )
    reply = panel_reply("Audit logs", [(persona(), mixed)], NOW)
    [section] = reply.cards[1].sections
    # no evidence backs these lines: each reason carries the line-health mark
    assert section.bullets == (
        "Ship every order on time [goal-1] \u2014 \u26a0 needs data",
        "Per-seat pricing punishes growth [objection-1] \u2014 \u26a0 needs data",
    )
    opposed = panel_reply("Audit logs", [(persona(), ANSWER)], NOW)  # oppose: the concern
    assert opposed.cards[1].sections[0].bullets == (
        "Per-seat pricing punishes growth [objection-1, pain-1] \u2014 \u26a0 needs data",
    )
    unflagged = Answer(
        persona_slug="maya",
        stance="support",
        summary="Yes.",
        reasons=(Reason("From her quote", ("quote",)),),  # not a profile line: no health
        confidence=0.5,
    )
    [plain] = panel_reply("Audit logs", [(persona(), unflagged)], NOW).cards[1].sections
    assert plain.bullets == ("From her quote [quote]",)
