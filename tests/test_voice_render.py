"""Golden files of the new renderings (regenerate with PERSONABOT_UPDATE_GOLDEN=1): an
open-text survey card and its answers grouped by line, on every platform (Slack goldens are
checked by Block Kit's models, Teams ones by the Adaptive Card schema), its answer form (a
Slack modal, a Teams task module, a playground form), and a profile card with line-health
marks."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime

from adapters.slack.forms import form_errors, form_view
from adapters.slack.render import to_message
from adapters.teams.forms import form_card
from adapters.teams.render import to_adaptive_card
from adapters.web.render import reply_from_dict, reply_to_dict, reply_to_html
from bot.answering.line_match import group_by_line
from bot.features.cards import persona_card
from bot.features.line_health import health_by_key
from bot.features.survey_render import survey_reply
from bot.features.voice_render import (
    FORM_ACTION,
    answer_form,
    answer_form_reply,
    nudge_reply,
    open_results_reply,
)
from bot.messages import Reply
from persona_store.personas.views import EvidenceView, LineView, PersonaView
from persona_store.surveys.views import SurveyPlace, SurveyView
from tests.golden_util import assert_golden

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

MAYA = PersonaView(
    id=1, workspace_id=1, slug="maya", name="Maya Chen", kind="primary",
    role="Operations manager", summary="", photo_url=None, quote="", segment="SMB",
    review_every_days=90, last_reviewed_at=datetime(2026, 10, 1, tzinfo=UTC),
    home_channel=None, version=3,
    lines=(
        LineView(1, "goal-1", "goal", "Ship every order on time"),
        LineView(2, "pain-1", "pain", "Onboarding time - the last tool took six weeks"),
        LineView(3, "pain-2", "pain", "Per-seat pricing punishes seasonal staff"),
    ),
    evidence=(
        EvidenceView(1, "interview", "12 of 15 named onboarding", 15, date(2026, 11, 1),
                     "pain-1", None, NOW),
        EvidenceView(2, "survey", "Survey", 9, date(2026, 11, 20), "pain-2",
                     {"question": "Still true?", "options": ["Yes", "No"], "counts": [2, 7]},
                     NOW),
    ),
)  # fmt: skip

OPEN = SurveyView(
    id=7, workspace_id=1, persona_id=1, persona_slug="maya", persona_name="Maya Chen",
    question="What almost stopped you from buying? <!here>", options=(), anonymous=True,
    status="open", created_by="slack:U1", created_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    closes_at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC), closed_at=None,
    place=SurveyPlace("slack", "T1", "C1"), message_id="ts-1", open_text=True, every="month",
    texts=("Per-seat price for our drivers", "Setup would take weeks", "The logo"),
)  # fmt: skip


def everywhere(name: str, reply: Reply) -> None:
    assert_golden(f"core/{name}.json", asdict(reply))
    assert_golden(f"slack/{name}.json", to_message(reply))
    assert_golden(f"teams/{name}.json", to_adaptive_card(reply))
    assert_golden(f"web/{name}.html", reply_to_html(reply, csrf="TOKEN", message_id="9"))


def test_open_survey_card_golden() -> None:
    reply = survey_reply(OPEN)
    everywhere("open_survey", reply)
    [button] = [b for b in reply.cards[0].buttons if b.action_id == FORM_ACTION]
    assert button.opens_form and button.value == "7"
    assert "&lt;!here&gt;" in to_message(reply)["text"]  # escaped, no channel ping
    assert reply_from_dict(reply_to_dict(reply)) == reply  # the playground stores it


def test_open_results_grouped_by_line_golden() -> None:
    closed = replace(OPEN, status="closed", closed_at=NOW, evidence_id=5)
    groups = group_by_line(MAYA, closed.texts)
    assert [line.key if line else None for line, _ in groups] == ["pain-1", "pain-2", None]
    everywhere("open_results", open_results_reply(closed, groups))


def test_answer_form_golden_on_every_platform() -> None:
    form = answer_form(OPEN)
    view = form_view(form, "C1", "171.1")
    assert_golden("slack/answer_form_modal.json", view)
    assert view["blocks"][-1]["element"]["max_length"] == 1000
    assert_golden("teams/answer_form.json", form_card(form))
    html = reply_to_html(answer_form_reply(OPEN), csrf="TOKEN", message_id="9")
    assert_golden("web/answer_form.html", html)
    assert 'name="field.answer"' in html and "&lt;!here&gt;" in html
    # shown again with what was typed and the problem under the field
    again = answer_form(OPEN, typed="x" * 5, errors=(("answer", "Too long."),))
    assert form_errors(again) == {"answer": "Too long."}


def test_profile_card_with_line_health_golden() -> None:
    card = persona_card(MAYA, NOW, kinds=("goal", "pain"), health=health_by_key(MAYA, NOW))
    everywhere("persona_card_health", Reply(text="Maya", cards=(card,)))
    assert card.sections[1].bullets == (
        "Onboarding time - the last tool took six weeks [pain-1]",
        "\u26a0 contested \u00b7 Per-seat pricing punishes seasonal staff [pain-2]",
    )


def test_nudge_text() -> None:
    assert "survey answer 7" in nudge_reply(OPEN).text
    assert "survey nudge off" in nudge_reply(OPEN).text
