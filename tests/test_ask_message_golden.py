"""Golden files of the new renderings: a critique, a rewrite, the panel about a message and
the "Ask the personas" form, in the core (Reply) and on each platform (Block Kit modal and
message, Adaptive Card task module and card, playground HTML). Each platform's golden is
checked by its referee first (tests/golden_util.py)."""

from __future__ import annotations

from dataclasses import asdict

from adapters.slack.forms import form_view
from adapters.slack.message_text import unpack_metadata
from adapters.slack.render import to_message
from adapters.teams.message_action import task_module
from adapters.teams.render import to_adaptive_card
from adapters.web.render import reply_from_dict, reply_to_dict, reply_to_html
from bot.answering.critique import Change, Critique, Point, Rewrite
from bot.features.answer_card import panel_reply
from bot.features.ask_message import ECHO_CHARS, ask_form
from bot.features.critique_card import critique_reply, rewrite_reply
from bot.messages import Quoted, Reply, Section
from tests.golden_util import assert_golden
from tests.test_core_cards import ANSWER, NOW, persona

MESSAGE = (
    "Launch note <!here>: we're raising prices 20% next month. Every plan gets SSO.\n"
    "`Annual billing only` *from May*."
)
CRITIQUE = Critique(
    persona_slug="maya",
    points=(
        Point(
            "we're raising prices 20% next month.",
            "object",
            "Budget is approved once a year",
            ("pain-1",),
        ),
        Point("Every plan gets SSO.", "welcome", "Ship every order on time", ("goal-1",)),
        Point(
            "`Annual billing only` *from May*.",
            "mixed",
            "Per-seat pricing punishes growth; but Ship every order on time",
            ("objection-1", "goal-1"),
        ),
    ),
    summary="Maya would object to 1 point, welcome 1 point and have mixed feelings about 1 point.",
    claims=4,
    unaddressed=1,
)
REWRITE = Rewrite(
    persona_slug="maya",
    text="Every plan now ships on time with SSO. Prices change in May; budget it once a year.",
    changes=(
        Change("Led with on-time shipping", "It is her first goal.", ("goal-1",)),
        Change("Named the month of the change", "Her budget is yearly.", ("pain-1",)),
    ),
    model="gpt-test",
)


def critique() -> Reply:
    notes = ("Only the first 4,000 of 5,210 characters of the message were read.",)
    return critique_reply(persona(), CRITIQUE, NOW, notes=notes)


def message_panel() -> Reply:
    about = (
        Section(title="Question", text="What would they think of this?", literal=True),
        Section(title="Message", text=MESSAGE[:ECHO_CHARS], literal=True),
    )
    return panel_reply(MESSAGE, [(persona(), ANSWER)], NOW, about=about)


def form() -> Reply:
    personas = [persona(), persona("gordon", "Gordon Pryce", "negative")]
    return Reply(text="Ask the personas", form=ask_form(personas, Quoted(MESSAGE), "7"))


def test_core_goldens() -> None:
    assert_golden("core/critique_reply.json", asdict(critique()))
    assert_golden(
        "core/rewrite_reply.json", asdict(rewrite_reply(persona(), MESSAGE, REWRITE, NOW))
    )
    assert_golden("core/message_panel_reply.json", asdict(message_panel()))
    assert_golden("core/ask_form.json", asdict(form()))


def test_slack_goldens() -> None:
    assert_golden("slack/critique.json", to_message(critique(), share_id="abc123"))
    assert_golden("slack/message_panel.json", to_message(message_panel()))
    reply = form()
    assert reply.form is not None
    view = form_view(reply.form, "C1", "1.2", Quoted(MESSAGE))
    assert_golden("slack/ask_modal.json", view)
    meta, quoted = unpack_metadata(view["private_metadata"])
    assert meta == {"a": "ask.message", "v": "7", "c": "C1", "t": "1.2"}
    assert quoted is not None and quoted.text == MESSAGE and quoted.full_length == len(MESSAGE)


def test_teams_goldens() -> None:
    assert_golden("teams/critique.json", to_adaptive_card(critique()))
    assert_golden(
        "teams/rewrite.json", to_adaptive_card(rewrite_reply(persona(), MESSAGE, REWRITE, NOW))
    )
    reply = form()
    assert reply.form is not None
    task = task_module(reply.form, Quoted(MESSAGE))["task"]
    card = task["value"]["card"]["content"]
    assert_golden("teams/ask_task_card.json", card)
    assert card["actions"][0]["data"]["quoted"] == MESSAGE


def test_web_goldens() -> None:
    html = reply_to_html(critique(), csrf="TOKEN", message_id="42")
    assert_golden("web/critique_reply.html", html)
    assert 'href="/personas/maya#pain-1"' in html
    stored = reply_from_dict(reply_to_dict(form()))  # the form survives being stored
    assert stored == form()
    html = reply_to_html(stored, csrf="TOKEN", message_id="43")
    assert_golden("web/ask_form.html", html)
    assert 'name="value" value="7"' in html and "&lt;!here&gt;" in html
    assert 'type="checkbox" name="field.personas" value="maya" checked' in html
