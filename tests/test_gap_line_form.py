"""The "Add as pain" / "Add as goal" form (bot/features/gap_line_form.py): the line drafted
from the gap (its question and the team's answer) to reword, rendered as a Slack modal, a
Teams task module and a playground form (golden files), and the check of a submission."""

from __future__ import annotations

from adapters.slack.forms import form_errors, form_view
from adapters.teams.forms import form_card
from adapters.web.render import reply_from_dict, reply_to_dict, reply_to_html
from bot.features.gap_line_form import LineDraft, check_line, line_form, line_form_reply
from bot.features.gap_render import gap_buttons
from tests.golden_util import assert_golden
from tests.test_core_cards import persona
from tests.test_gaps_render import GAPS
from tests.test_teams_render import check_card

ANSWERED = GAPS[1]  # "Would Maya use a mobile app?", the team said Yes 3, No 1, Not sure 0


def test_add_as_buttons_open_the_form_instead_of_adding_or_drafting() -> None:
    pain, goal, dismiss = gap_buttons(persona(), ANSWERED)
    assert (pain.action_id, goal.action_id) == ("gap.pain", "gap.goal")
    assert pain.opens_form and goal.opens_form and not dismiss.opens_form
    assert pain.compose is None and goal.compose is None  # the form everywhere


def test_the_line_form_is_drafted_from_the_gap_golden() -> None:
    reply = line_form_reply(persona(), ANSWERED, "goal")
    assert reply.form is not None and reply.ephemeral
    # where no form can be shown: the typed command
    assert 'gaps maya line 3 goal "Would Maya use a mobile app? Team survey: Yes 3' in reply.text
    values = {f.name: f.value for f in reply.form.fields}
    assert values == {
        "kind": "goal",
        "text": "Would Maya use a mobile app? Team survey: Yes 3, No 1, Not sure 0 (n=4)",
        "note": "",
    }
    assert (reply.form.action_id, reply.form.value) == ("gap.line", "maya:3")
    assert [f.optional for f in reply.form.fields] == [False, False, True]
    view = form_view(reply.form, "D0OWNER", None)
    assert view["title"]["text"] == "Add to Maya's profile"
    assert_golden("slack/gap_line_form.json", view)
    card = form_card(reply.form)
    check_card(card)
    assert_golden("teams/gap_line_form.json", card)
    assert reply_from_dict(reply_to_dict(reply)) == reply  # stored in the playground
    assert_golden("web/gap_line_form.html", reply_to_html(reply, csrf="TOKEN", message_id="9"))


def test_a_bad_submission_is_shown_again_with_its_problems() -> None:
    filled = {"kind": "motto", "text": "  ", "note": "x" * 301}
    problems = check_line(filled)
    assert isinstance(problems, list)
    assert [name for name, _ in problems] == ["kind", "text", "note"]
    again = line_form(persona(), ANSWERED, "motto", filled=filled, errors=tuple(problems))
    assert [f.value for f in again.fields] == ["motto", "  ", "x" * 301]  # as typed
    assert form_errors(again) == {
        "kind": "Add it as a pain or a goal.",
        "text": "Please write the line, e.g. Needs SSO before any pilot.",
        "note": "The note is 301 characters long; at most 300.",
    }
    shown = form_card(again)
    check_card(shown)
    assert "Please write the line" in str(shown)


def test_the_line_is_one_line_of_a_sensible_length() -> None:
    ok = check_line({"kind": "Pain", "text": "  Needs  SSO before any pilot ", "note": " why\n"})
    assert ok == LineDraft("pain", "Needs SSO before any pilot", "why")
    assert check_line({"kind": "pain", "text": "Two\nlines"}) == [
        ("text", "Write the line on one line (the why goes in the note).")
    ]
    assert check_line({"kind": "pain", "text": "ok"}) == [
        ("text", "The line is too short; at least 3 characters.")
    ]
    assert check_line({"kind": "goal", "text": "x" * 501}) == [
        ("text", "The line is 501 characters long; at most 500.")
    ]
    assert isinstance(check_line({"kind": "goal", "text": "x" * 500}), LineDraft)
