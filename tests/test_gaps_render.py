"""The gap loop's renderings against golden files (Block Kit, Adaptive Card, HTML, and the
gallery's view-models), and its pure rules: what counts as a gap, grouping terms, topics."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

from adapters.slack.forms import form_view
from adapters.slack.render import to_message
from adapters.teams.forms import form_card
from adapters.teams.render import to_adaptive_card
from adapters.web.gallery_views import health, one_pager, tile
from adapters.web.render import reply_from_dict, reply_to_dict, reply_to_html
from bot.answering.base import Answer, Reason
from bot.answering.topics import question_terms, topic_label
from bot.features.gap_form import check_gap_survey, draft_reply, gap_survey_form
from bot.features.gap_render import gaps_reply, not_covered
from bot.features.gaps import is_gap
from bot.features.reminders import reminder_reply
from persona_store.gaps.views import GapHealth, GapSummary, GapView
from persona_store.scheduling.reviews import ReviewDue
from persona_store.surveys.repository import PredictionRecord
from tests.golden_util import assert_golden
from tests.test_core_cards import NOW, persona
from tests.test_teams_render import check_card

FIRST = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GAPS = [
    GapView(1, 1, 1, "Does Maya need SSO? <!here>", "SSO", 4, FIRST, NOW, "open"),
    GapView(
        2, 1, 3, "Would Maya use a mobile app?", "mobile app", 2, FIRST, NOW, "answered",
        survey_id=7, evidence_id=9,
        evidence_summary="Survey: \u201cWould Maya use a mobile app?\u201d — Yes 3, No 1, "
        "Not sure 0 (n=4, 2026-11-20 to 2026-11-27)",
    ),
    GapView(3, 1, 2, "Is *bold* `code` a must?", "bold code", 1, FIRST, FIRST, "asking", 8),
]  # fmt: skip


def test_gaps_list_golden_on_every_platform() -> None:
    reply = gaps_reply(persona(), GAPS)
    assert_golden("core/gaps_reply.json", asdict(reply))
    assert_golden("slack/gaps.json", to_message(reply))
    card = to_adaptive_card(reply)
    check_card(card)
    assert_golden("teams/gaps.json", card)
    assert_golden("web/gaps_reply.html", reply_to_html(reply, csrf="TOKEN", message_id="5"))


def test_buttons_follow_the_gap_state() -> None:
    cards = gaps_reply(persona(), GAPS).cards[1:]
    labels = [[b.label for b in c.buttons] for c in cards]
    assert labels == [
        ["Ask the team", "Dismiss"],
        ["Add as pain", "Add as goal", "Dismiss"],
        ["Dismiss"],
    ]
    ask = cards[0].buttons[0]
    assert (ask.action_id, ask.value, ask.opens_form) == ("gap.ask", "maya:1", True)
    # on every platform the click opens the core's form: nothing drafted in a message box
    assert ask.compose is None


def test_nothing_uncovered_says_so() -> None:
    reply = gaps_reply(persona(), [])
    assert "every question so far was answered" in reply.text and not reply.cards


def test_reminder_lists_the_top_gaps_golden() -> None:
    p = persona()
    due = ReviewDue(p.id, 1, p.slug, p.name, 90, None, NOW, ("slack:U0MAYA",), None, None, False)
    reply = reminder_reply(p, due, NOW, PredictionRecord(0, 0, ()), [], GAPS)
    assert "Does Maya need SSO?" in reply.text
    assert [b.label for b in reply.cards[1].buttons] == ["Ask the team (gap 1)", "Dismiss (gap 1)"]
    assert_golden("slack/reminder_gaps.json", to_message(reply))
    card = to_adaptive_card(reply)
    check_card(card)
    assert_golden("teams/reminder_gaps.json", card)
    # without gaps the reminder is as before: one card
    assert len(reminder_reply(p, due, NOW, PredictionRecord(0, 0, ()), []).cards) == 1


def test_not_covered_line_and_gallery_numbers() -> None:
    assert not_covered(None) is None
    assert not_covered(GapSummary(0, ())) is None
    assert not_covered(GapSummary(2, ("SSO", "mobile app"))) == (
        "Asked but not covered: 2 (SSO, mobile app)"
    )
    assert not_covered(GapSummary(7, ("SSO", "mobile app", "dark mode"))) == (
        "Asked but not covered: 7 (SSO, mobile app, dark mode, …)"
    )
    numbers = GapHealth("2026-Q4", opened=3, closed=1, answered=6, gap_questions=2)
    assert health(numbers) == {
        "quarter": "2026-Q4",
        "text": "2026-Q4: 3 gaps opened · 1 closed · 75% of 8 questions answered from the profile",
        "opened": 3,
        "closed": 1,
        "share": 75,
    }
    assert health(GapHealth("2026-Q4", 0, 0, 0, 0)) is None
    summary = GapSummary(2, ("SSO", "mobile app"))
    older = GapHealth("2026-Q3", opened=2, closed=0, answered=1, gap_questions=3)
    quiet = GapHealth("2026-Q2", 0, 0, 0, 0)
    data = one_pager(persona(), NOW, None, None, summary, [numbers, older, quiet])
    assert [q["quarter"] for q in data["loop"]] == ["2026-Q4", "2026-Q3"]  # quiet ones left out
    assert_golden("web/persona_one_pager_gaps.json", data)
    assert tile(persona(), NOW)["gaps"] is None


def _answer(**changes: object) -> Answer:
    base = Answer("maya", "support", "Yes", (Reason("goal", ("goal-1",)),), confidence=0.6)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_what_counts_as_a_gap() -> None:
    assert not is_gap(_answer())
    assert is_gap(_answer(stance="unknown"))
    assert is_gap(_answer(out_of_scope=True))
    assert is_gap(_answer(reasons=()))  # nothing cited
    assert is_gap(_answer(confidence=0.1))  # only weak matches cited


def test_near_duplicates_share_terms_and_topics_read_as_typed() -> None:
    names = ("Maya Chen", "maya")
    assert question_terms("Does Maya need SSO?", names) == question_terms(
        "does maya chen really need sso", names
    )
    assert question_terms("Would Maya use a mobile app?", names) == question_terms(
        "Does Maya want mobile apps?", names
    )
    assert question_terms("Does Maya need SSO?", names) != question_terms(
        "Does Maya need a mobile app?", names
    )
    assert topic_label("Does Maya need SSO?", names) == "SSO"
    assert topic_label("Would Maya use a mobile app?", names) == "mobile app"
    assert topic_label("Does Maya care about dark mode?", names) == "dark mode"


def test_slack_ask_the_team_opens_the_survey_form_filled_in_golden() -> None:
    """On every platform "Ask the team" is the gap.ask action, whose answer is the core's
    form: on Slack a modal (adapters/slack/forms.py), in Teams a task module, on the
    playground an HTML form."""
    message = to_message(gaps_reply(persona(), GAPS))
    [ask] = [
        e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["text"]["text"] == "Ask the team"
    ]  # fmt: skip
    assert ask["action_id"].split(":")[0] == "gap.ask" and ask["value"] == "maya:1"
    reply = draft_reply(persona(), GAPS[0], PERSONAS)
    assert reply.form is not None
    view = form_view(reply.form, "D0OWNER", None)
    assert_golden("slack/gap_survey_form.json", view)
    card = to_adaptive_card(gaps_reply(persona(), GAPS))
    assert "gap.ask" in json.dumps(card)


PERSONAS = [("maya", "Maya Chen"), ("sam", "Sam Okafor")]


def test_ask_the_team_form_golden_teams_task_module_and_playground() -> None:
    """The drafted survey as the core's form: question from the gap (hostile text stays
    text), Yes / No / Not sure one per line, a week, not anonymous; shown again with the
    problems of a bad submission under their fields."""
    reply = draft_reply(persona(), GAPS[0], PERSONAS)
    assert reply.form is not None and reply.ephemeral
    assert "survey maya" in reply.text  # where no form can be shown: how to type it
    values = {f.name: f.value for f in reply.form.fields}
    assert values == {
        "persona": "maya", "question": "Does Maya need SSO? <!here>",
        "options": "Yes\nNo\nNot sure", "closes": "7d", "anonymous": "",
    }  # fmt: skip
    assert (reply.form.action_id, reply.form.value) == ("gap.survey", "maya:1")
    card = form_card(reply.form)
    check_card(card)
    assert_golden("teams/gap_survey_form.json", card)
    assert reply_from_dict(reply_to_dict(reply)) == reply  # stored in the playground
    assert_golden("web/gap_survey_form.html", reply_to_html(reply, csrf="TOKEN", message_id="9"))

    filled = {"persona": "sam", "question": " ", "options": "Yes", "closes": "99y"}
    problems = check_gap_survey(persona(), filled, NOW)
    assert isinstance(problems, list)
    assert [name for name, _ in problems] == ["question", "options", "persona", "closes"]
    again = gap_survey_form(persona(), GAPS[0], PERSONAS, filled=filled, errors=tuple(problems))
    assert again.fields[1].value == " " and again.fields[2].value == "Yes"  # as typed
    shown = form_card(again)
    check_card(shown)
    assert_golden("teams/gap_survey_form_errors.json", shown)


def test_the_form_is_checked_like_a_typed_survey() -> None:
    filled = {"persona": "maya", "question": 'Is "SSO" a must?', "options": "Yes\n\n No \nMaybe",
              "closes": "48h", "anonymous": "yes"}  # fmt: skip
    checked = check_gap_survey(persona(), filled, NOW)
    assert not isinstance(checked, list)
    assert checked.question == "Is 'SSO' a must?"  # as the typed command would read it
    assert checked.options == ("Yes", "No", "Maybe")
    assert checked.closes_at == NOW + timedelta(hours=48) and checked.anonymous
    too_long = check_gap_survey(persona(), {**filled, "question": "x" * 301}, NOW)
    assert too_long == [("question", "The question is longer than 300 characters.")]
    many = check_gap_survey(persona(), {**filled, "options": "\n".join("abcdefghijk")}, NOW)
    assert isinstance(many, list) and many[0][0] == "options"


def test_the_ask_the_team_form_says_once_and_twice() -> None:
    """The form said "asked 1 time"; it counts like the gap list ("Asked once")."""
    for count, said in ((1, "asked once."), (2, "asked twice."), (4, "asked 4 times.")):
        gap = replace(GAPS[0], count=count)
        form = gap_survey_form(persona(), gap, PERSONAS)
        assert said in form.text, form.text
