"""Reply -> HTML (adapters/web/render.py) and the gallery view-models, against golden files
(tests/golden/web/; regenerate with PERSONABOT_UPDATE_GOLDEN=1), plus escaping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from adapters.web.gallery_views import freshness, one_pager, survey_of, tile
from adapters.web.render import (
    badge_level,
    cite_split,
    code_spans,
    heading_is_label,
    reply_from_dict,
    reply_to_dict,
    reply_to_html,
    safe_url,
)
from bot.answering.base import Answer, Reason
from bot.commands import Registry
from bot.features.answer_card import answer_reply, panel_reply
from bot.features.cards import persona_card
from bot.features.help import help_reply
from bot.messages import Button, Card, Choice, Field, Reply, Section, Track, error_reply
from persona_store.personas.views import EvidenceView, LineView, OwnerView, PersonaView
from tests.golden_util import assert_golden

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'


def persona(**changes: object) -> PersonaView:
    base = PersonaView(
        id=1,
        workspace_id=1,
        slug="maya",
        name="Maya Chen",
        kind="primary",
        role="Operations manager <ops> & buyer",
        summary="Runs a 40-person logistics firm's back office.",
        photo_url=None,
        quote="I don't have time to babysit another tool.",
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
            EvidenceView(
                2,
                "survey",
                "Is price still the #1 objection?",
                9,
                date(2026, 10, 1),
                "objection-1",
                {
                    "question": "Is price still the #1 objection?",
                    "options": ["Yes", "No"],
                    "counts": [6, 3],
                    "n": 9,
                },
                NOW,
            ),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


ANSWER = Answer(
    persona_slug="maya",
    stance="oppose",
    summary="A 20% rise collides with a fixed yearly budget.",
    reasons=(Reason("Budget is approved once a year", ("pain-1",)),),
    concerns=(Reason("Per-seat pricing punishes growth", ("objection-1", "pain-1")),),
    win_over=("Ship every order on time",),
    confidence=0.72,
    source="offline",
)

SURVEY = Reply(
    text="Survey",
    cards=(
        Card(
            title="Is price still the #1 objection?",
            subtitle="What do you see with customers like Maya Chen?",
            choices=(Choice("Yes", "7:0", 3), Choice("No", "7:1", 1), Choice("Not sure", "7:2", 0)),
            context=("Survey #7 about Maya Chen · Anonymous: nobody can see who answered",),
        ),
    ),
    track=Track("survey", "7"),
)


def test_answer_card_golden() -> None:
    reply = answer_reply(persona(), ANSWER, "Should we raise prices 20%?", NOW)
    html = reply_to_html(reply, csrf="TOKEN", message_id="42")
    assert_golden("web/answer_reply.html", html)
    assert 'class="stance stance-oppose"' in html
    assert 'href="/personas/maya#pain-1"' in html  # citations link to the profile line
    assert "Operations manager &lt;ops&gt; &amp; buyer" in html


def test_persona_card_golden() -> None:
    reply = Reply(text="Maya", cards=(persona_card(persona(), NOW),))
    assert_golden("web/persona_card.html", reply_to_html(reply, csrf="TOKEN", message_id="1"))


def test_panel_golden() -> None:
    sam = persona(slug="sam", name="Sam Okafor", kind="negative")
    reply = panel_reply(
        "Add a free tier", [(persona(), ANSWER), (sam, replace(ANSWER, stance="support"))], NOW
    )
    assert_golden("web/panel_reply.html", reply_to_html(reply, csrf="TOKEN"))


def test_help_examples_become_clickable() -> None:
    registry = Registry()  # a fixed registry, so new commands elsewhere don't move the golden

    async def noop(ctx: object) -> Reply:
        return Reply(text="")

    registry.command("show", summary="One persona.", usage="show NAME", examples=("show maya",))(
        noop
    )
    registry.command("list", summary="All personas.", usage="list")(noop)
    html = reply_to_html(help_reply(registry), csrf="TOKEN")
    assert_golden("web/help_reply.html", html)
    assert 'class="try" data-fill="show maya"' in html
    # every command heading has the same style, however short its summary
    assert html.count('<h4 class="long">') == 2 and "<h4>" not in html
    assert "Only you see this" in html  # help is ephemeral


def test_survey_choices_have_vote_buttons_and_tally() -> None:
    html = reply_to_html(SURVEY, csrf="TOKEN", message_id="9")
    assert_golden("web/survey_reply.html", html)
    assert html.count('name="action_id" value="survey.vote"') == 3
    assert '<progress max="4" value="3"' in html and "3 · 75%" in html


def test_error_and_text_replies() -> None:
    html = reply_to_html(error_reply("I don't know the command 'x'. Try `help`."))
    assert_golden("web/error_reply.html", html)
    assert 'role="alert"' in html and "<code>help</code>" in html


def test_everything_is_escaped() -> None:
    reply = Reply(
        text=EVIL,
        cards=(
            Card(
                title=EVIL,
                subtitle=EVIL,
                text=f"`{EVIL}` and {EVIL}",
                image_url="javascript:alert(1)",
                initials="<b>",
                fields=(Field(EVIL, EVIL),),
                sections=(Section(EVIL, EVIL, (f"{EVIL} [pain-1]", f"Example: {EVIL}")),),
                choices=(Choice(EVIL, EVIL, 1),),
                context=(EVIL,),
                buttons=(
                    Button(EVIL, EVIL, EVIL),
                    Button("link", "x", url="javascript:alert(1)"),
                    Button("ok link", "y", url="https://example.com/?a=1&b=<2>"),
                ),
            ),
        ),
        meta={"persona": '"><script>'},
    )
    html = reply_to_html(reply, csrf='"><script>', message_id="1")
    assert "<script" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://example.com/?a=1&amp;b=&lt;2&gt;"' in html
    assert "<b>" not in html


def test_reply_round_trips_through_storage() -> None:
    reply = answer_reply(persona(), ANSWER, "Should we raise prices 20%?", NOW)
    assert reply_from_dict(reply_to_dict(reply)) == reply
    assert reply_from_dict(reply_to_dict(SURVEY)).track == Track("survey", "7")


def test_text_helpers() -> None:
    assert code_spans("type `help` now") == [("type ", False), ("help", True), (" now", False)]
    assert code_spans("odd ` tick") == [("odd ` tick", False)]
    assert cite_split("Budget [pain-1, goal-2]")["tail"] == ["pain-1", "goal-2"]
    assert cite_split("pain-1: Budget")["lead"] == ["pain-1"]
    assert cite_split("Example: ask maya x")["example"] == "ask maya x"
    assert cite_split("plain [not a key]")["tail"] == []
    assert badge_level("Last reviewed 3 days ago") == "ok"
    assert badge_level("Last reviewed 200 days ago (review overdue by 110 days)") == "warn"
    assert badge_level("Warning: this proposal appeals most to Sam") == "danger"
    assert heading_is_label("What would win them over") and heading_is_label("Goals")
    assert not heading_is_label("help — What I can do.")
    assert not heading_is_label("Negative persona (not who we build for)")
    assert safe_url("https://x.test/a") == "https://x.test/a"
    assert safe_url("javascript:alert(1)") is None and safe_url("//evil.test") is None


def test_gallery_view_models_golden() -> None:
    p = persona()
    assert_golden("web/persona_one_pager.json", one_pager(p, NOW))
    assert tile(p, NOW)["fresh"] == {"text": "Overdue: reviewed 113 days ago", "level": "warn"}
    fresh = persona(last_reviewed_at=datetime(2026, 11, 10, tzinfo=UTC))
    assert freshness(fresh, NOW) == {"text": "Reviewed 12 days ago", "level": "ok"}
    assert freshness(persona(last_reviewed_at=None), NOW)["text"] == "Never reviewed"


def test_survey_details_shapes() -> None:
    ev = persona().evidence[1]
    rows = survey_of(ev)
    assert rows is not None and [r["pct"] for r in rows["rows"]] == [67, 33]
    as_dict = replace(ev, details={"counts": {"Yes": 1, "No": 1}})
    assert [r["label"] for r in survey_of(as_dict)["rows"]] == ["Yes", "No"]  # type: ignore[index]
    assert survey_of(replace(ev, details={"options": ["a"], "counts": [1, 2]})) is None
    assert survey_of(replace(ev, details=None)) is None


def test_prediction_record_and_survey_prediction() -> None:
    from adapters.web.gallery_views import predictions
    from persona_store.surveys.repository import PredictionRecord

    assert predictions(None) is None
    assert predictions(PredictionRecord(0, 0, ())) is None
    good = predictions(PredictionRecord(3, 4, (True, True, False, True)))
    assert good == {
        "text": "Predictions: 3 of 4 right",
        "level": "info",
        "last": ["right", "right", "wrong", "right"],
        "mostly_wrong": False,
    }
    bad = predictions(PredictionRecord(1, 4, (False, False, True, False)))
    assert bad is not None and bad["mostly_wrong"] and bad["level"] == "warn"
    ev = replace(
        persona().evidence[1],
        details={
            "options": ["Yes", "No"],
            "counts": [6, 3],
            "prediction": 1,
            "prediction_correct": False,
        },
    )
    assert survey_of(ev)["prediction"] == {"label": "No", "verdict": "wrong"}  # type: ignore[index]
    page = one_pager(persona(evidence=(ev,)), NOW, PredictionRecord(0, 1, (False,)))
    assert page["predictions"]["text"] == "Predictions: 0 of 1 right"


def test_one_pager_template_shows_survey_chart_and_predictions() -> None:
    from adapters.web.render import render_template
    from adapters.web.site import load_assets
    from persona_store.surveys.repository import PredictionRecord

    ev = replace(
        persona().evidence[1],
        details={
            "question": "Price #1?",
            "options": ["Yes", "No"],
            "counts": [6, 3],
            "prediction": 0,
            "prediction_correct": True,
        },
    )
    data = one_pager(persona(evidence=(ev,)), NOW, PredictionRecord(1, 2, (True, False)))
    _, assets = load_assets()
    html = render_template(
        "persona.html", assets=assets, csrf="T", answerer="offline", nav="personas", p=data
    )
    assert "Survey results" in html and '<progress max="9" value="6"' in html
    assert "predicted “Yes”" in html and 'class="streak-wrong"' in html
    assert "Predictions: 1 of 2 right" in html


def test_context_lines_show_code_spans_not_backticks() -> None:
    reply = Reply(text="x", cards=(Card(title="Personas", context=("Type `show NAME` <b>",)),))
    html = reply_to_html(reply)
    assert "Type <code>show NAME</code> &lt;b&gt;" in html and "`" not in html
