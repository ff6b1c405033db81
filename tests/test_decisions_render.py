"""Golden files of the decision log's renderings: the decision card, the list, the form (a
Slack modal, a Teams task module card, a playground form), the gallery's decision list,
and the exports (CSV cells neutralised, Markdown escaped). Hostile text (mentions, markup,
formulas) stays plain text everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from adapters.slack.forms import form_errors, form_view
from adapters.slack.render import to_message
from adapters.teams.forms import form_card
from adapters.teams.render import to_adaptive_card
from adapters.web.gallery_views import considered_in
from adapters.web.render import reply_from_dict, reply_to_dict, reply_to_html
from bot.features.decision_form import decision_form
from bot.features.decision_render import (
    decision_reply,
    decisions_reply,
    export_csv,
    export_md,
)
from persona_store.decisions.views import Considered, DecisionView, Place
from tests.golden_util import assert_golden

WHEN = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
HOSTILE = '<!channel> *bold* =HYPERLINK("https://evil.example") <script>x</script>'


def decision(number: int = 3, **changes: object) -> DecisionView:
    data: dict[str, object] = {
        "id": number,
        "number": number,
        "text": "Keep the free tier",
        "outcome": "adopted",
        "note": "Maya needs to try before she buys. " + HOSTILE,
        "link": "https://example.com/pricing-spec",
        "author": "slack:U0ALICE",
        "author_name": "alice",
        "question": "Should we drop the free tier?",
        "personas": (
            Considered(
                "maya",
                "Maya Chen",
                "oppose",
                (("pain-1", "Budget is approved once a year"), ("goal-2", "Try first")),
            ),
            Considered("sam", "Sam Okafor", "support", ()),
        ),  # fmt: skip
        "place": Place(
            "slack",
            "C0GENERAL",
            "1700000000.000200",
            "https://fake.slack.com/archives/C0GENERAL/p1700000000000200",
        ),  # fmt: skip
        "version": 2,
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    data.update(changes)
    return DecisionView(**data)  # type: ignore[arg-type]


FORM = decision_form(
    "12|1700000000.000200",
    intro="Attached: Maya Chen, Sam Okafor (2 cited lines) on \u201cDrop the free tier?\u201d",
    filled={"decision": "Keep the free tier", "outcome": "maybe", "note": "", "link": "ftp://x"},
    errors=(("outcome", "'maybe' is not an outcome."), ("link", "The link must be http(s).")),
)


def test_decision_card_golden_on_every_platform() -> None:
    reply = decision_reply(decision(), headline="Decision #3 logged.")
    message = to_message(reply)
    assert_golden("slack/decision.json", message)
    # the note is shown as typed: plain_text, which Slack never reads as a mention
    [note] = [b for b in message["blocks"] if "<!channel>" in json.dumps(b)]
    assert note["text"]["type"] == "plain_text"
    assert_golden("teams/decision.json", to_adaptive_card(reply))
    html = reply_to_html(reply, csrf="TOKEN", message_id="7")
    assert_golden("web/decision_reply.html", html)
    assert "<script>x" not in html
    assert 'href="https://fake.slack.com/archives/C0GENERAL/p1700000000000200"' in html


def test_decision_list_golden() -> None:
    listed = decisions_reply(
        "Decisions that considered Maya Chen",
        [decision(4, text="Ship dark mode", outcome="parked", personas=()), decision()],
        "none",
    )
    assert_golden("slack/decisions_list.json", to_message(listed))
    assert_golden("teams/decisions_list.json", to_adaptive_card(listed))
    assert_golden("web/decisions_list.html", reply_to_html(listed, csrf="TOKEN"))


def test_form_golden_on_every_platform() -> None:
    view = form_view(FORM, "C0GENERAL", "1700000000.000200")
    assert_golden("slack/decision_form_modal.json", view)
    assert json.loads(view["private_metadata"]) == {
        "a": "decision.save", "v": "12|1700000000.000200", "c": "C0GENERAL",
        "t": "1700000000.000200",
    }  # fmt: skip
    assert form_errors(FORM) == {
        "outcome": "'maybe' is not an outcome.",
        "link": "The link must be http(s).",
    }
    assert_golden("teams/decision_form.json", form_card(FORM))
    from bot.messages import Reply

    reply = Reply(text="Log a decision", form=FORM, ephemeral=True)
    assert reply_from_dict(reply_to_dict(reply)) == reply  # stored in the playground
    html = reply_to_html(reply, csrf="TOKEN", message_id="9")
    assert_golden("web/decision_form.html", html)
    assert 'aria-invalid="true"' in html and 'name="field.decision"' in html


def test_gallery_decisions_and_exports_golden() -> None:
    assert_golden("web/gallery_decisions.json", considered_in((2, [decision()])))
    assert considered_in((0, [])) is None
    csv_text = export_csv([decision(), decision(4, text="=1+1", note="@SUM(A1)", link=None)])
    assert_golden("files/decisions.csv", csv_text)
    assert '"\'=1+1"' in csv_text and '"\'@SUM(A1)"' in csv_text
    md = export_md([decision()])
    assert_golden("files/decisions.md", md)
    assert "<script>" not in md and "\\*bold\\*" in md
