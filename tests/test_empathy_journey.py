"""Empathy map and journey (issue 13 §2): the file format on SQLite and PostgreSQL (stable
citation ids, round trip, problems by line), answers to stage and quadrant questions, the
panel's buyer-vs-user note, and `show NAME empathy|journey` rendered natively (golden files
checked by Slack's Block Kit models and the Adaptive Card schema)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.slack.render import to_message
from adapters.teams.render import to_adaptive_card
from adapters.web.gallery_views import one_pager
from adapters.web.render import reply_to_html
from bot.answering.base import Answer
from bot.answering.offline import OfflineAnswerer
from bot.answering.stages import stage_answer
from bot.features.answer_card import panel_reply
from bot.features.cards import persona_card
from bot.features.persona_maps import empathy_card, journey_card, split_view
from bot.messages import Reply
from persona_store import Store
from persona_store.personas import files
from persona_store.personas.files import PersonaFileError, sample_specs
from persona_store.personas.spec import PersonaSpec
from persona_store.personas.views import PersonaView
from tests.golden_util import assert_golden

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
FILE = """\
personas:
  - name: Maya Chen
    pains: [Price rises need board sign-off]
    empathy:
      says: ["Show me the all-in price."]
      thinks: ["The free tier is a teaser"]
      feels: ["Anxious in peak season", "Relieved when the phone app just works"]
      does: ["Sets tools up herself on Sunday evenings"]
    journey:
      - stage: onboarding
        pains: [Drivers refuse another app]
      - stage: decision
        pains: [The owner's sign-off can take weeks]
        questions: [What happens to our price if we outgrow the free tier?]
        goals: [A monthly price without an annual contract]
    buyer_of: sam
    evidence:
      - summary: 9 of 12 owners took over a month to approve
        source: interview
        n: 12
        line: decision-pain-1
  - name: Sam Okafor
    goals: [Fast keyboard shortcuts]
    user_of: [maya]
"""


def stored(store: Store, text: str, tmp_path: Path) -> PersonaView:
    path = tmp_path / "personas.yaml"
    path.write_text(text)
    store.import_specs(store.default_workspace_id(), files.load_file(path), author="test")
    maya = store.get(store.default_workspace_id(), "maya")
    assert maya is not None
    return maya


def test_entries_are_lines_with_stable_ids_and_round_trip(store: Store, tmp_path: Path) -> None:
    maya = stored(store, FILE, tmp_path)
    keys = {ln.key: ln.text for ln in maya.lines}
    assert keys["feels-2"] == "Relieved when the phone app just works"
    assert keys["decision-pain-1"] == "The owner's sign-off can take weeks"
    assert keys["decision-question-1"].startswith("What happens to our price")
    assert keys["onboarding-pain-1"] == "Drivers refuse another app"
    assert [e.line_key for e in maya.evidence] == ["decision-pain-1"]
    assert maya.buyer_of == ("sam",)
    # the export reads back to the same personas: nothing changes
    ws = store.default_workspace_id()
    for dump in (files.dump_yaml, files.dump_json):
        path = tmp_path / f"export.{'json' if dump is files.dump_json else 'yaml'}"
        path.write_text(dump(store.list_personas(ws)))
        result = store.import_specs(ws, files.load_file(path), author="again")
        assert result.updated == () and set(result.unchanged) == {"maya", "sam"}
    md = files.dump_markdown(store.list_personas(ws))
    assert "## Empathy map" in md and "Anxious in peak season `[feels-1]`" in md
    assert "### Decision" in md and "`[decision-pain-1]`" in md and "Buys for: sam" in md
    # a new feeling at the front: the old ones keep their ids, the new one gets feels-3
    edited = FILE.replace('feels: ["Anxious', 'feels: ["Worried about Q4", "Anxious')
    maya = stored(store, edited, tmp_path)
    feels = {ln.text: ln.key for ln in maya.lines_of("feels")}
    assert feels == {
        "Worried about Q4": "feels-3",
        "Anxious in peak season": "feels-1",
        "Relieved when the phone app just works": "feels-2",
    }


def test_problems_name_their_line_and_nothing_changes(store: Store, tmp_path: Path) -> None:
    bad = FILE.replace("- stage: onboarding", "- stage: onbording").replace(
        "      - stage: decision\n", "      - stage: decision\n        touchpoint: [x]\n"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(bad + "    journey: [{stage: decision}, {stage: decision}]\n")
    with pytest.raises(PersonaFileError) as info:
        files.load_file(path)
    report = info.value.report()
    assert "bad.yaml:10: personas[0].journey[0].stage (Maya Chen): 'onbording' is not one of" in (
        report
    )
    assert "did you mean onboarding?" in report
    assert "personas[0].journey[1].touchpoint (Maya Chen): unknown field (did you mean " in report
    assert "personas[1].journey[1].stage (Sam Okafor): decision is listed twice" in report
    assert store.count(store.default_workspace_id()) == 0


def test_stage_and_quadrant_questions_are_answered_from_those_lines(
    sqlite_store: Store,
) -> None:
    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, sample_specs(), author="test")
    maya, sam = sqlite_store.get(ws, "maya"), sqlite_store.get(ws, "sam")
    assert maya is not None and sam is not None
    answerer = OfflineAnswerer()
    worry = answerer.answer_now(maya, "What does Maya worry about when deciding?")
    assert worry.cited_keys == ("decision-pain-1",) and worry.question_kind == "fact"
    assert "decision stage" in worry.summary
    onboarding = answerer.answer_now(sam, "What does Sam feel during onboarding?")
    assert set(onboarding.cited_keys) == {"onboarding-goal-1", "onboarding-pain-1"}
    feels = answerer.answer_now(maya, "How does Maya feel?")
    assert set(feels.cited_keys) == {"feels-1", "feels-2"}
    # a proposal is not a stage question; the journey's lines still count as what they are
    assert stage_answer(maya, "Should we drop the annual contract at decision time?") is None
    contract = answerer.answer_now(maya, "Should we require an annual contract?")
    assert "decision-goal-1" in contract.cited_keys, contract


def answer(slug: str, stance: str) -> Answer:
    return Answer(persona_slug=slug, stance=stance, summary=f"{slug} {stance}")  # type: ignore[arg-type]


def test_the_panel_says_when_the_user_is_pleased_but_not_the_buyer(
    store: Store, tmp_path: Path
) -> None:
    stored(store, FILE, tmp_path)
    ws = store.default_workspace_id()
    maya, sam = store.get(ws, "maya"), store.get(ws, "sam")
    assert maya is not None and sam is not None
    note = "Pleases the user, not the buyer: Sam Okafor would welcome this, but Maya Chen"
    reply = panel_reply(
        "Add power-user macros",
        [(maya, answer("maya", "oppose")), (sam, answer("sam", "support"))],
        NOW,
    )
    assert note in reply.text and "would push back" in reply.text
    assert any(note in c for c in reply.cards[0].context)
    for buyer in ("support", "unknown"):  # the buyer likes it, or cannot tell: no note
        quiet = panel_reply(
            "x", [(maya, answer("maya", buyer)), (sam, answer("sam", "support"))], NOW
        )
        assert "Pleases the user" not in quiet.text


def test_show_view_words() -> None:
    assert split_view("maya empathy") == ("maya", "empathy")
    assert split_view("Maya Chen journey") == ("Maya Chen", "journey")
    assert split_view("journey") == ("journey", None)  # a persona called Journey


def test_show_empathy_and_journey_render_natively_golden(sqlite_store: Store) -> None:
    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, sample_specs(), author="test")
    maya = sqlite_store.get(ws, "maya")
    assert maya is not None
    for which, card in (("empathy", empathy_card(maya)), ("journey", journey_card(maya))):
        reply = Reply(text=f"Maya: {which}", cards=(card,))
        slack = to_message(reply)
        assert_golden(f"slack/persona_{which}.json", slack)
        teams = to_adaptive_card(reply)
        assert_golden(f"teams/persona_{which}.json", teams)
        html = reply_to_html(reply, csrf="TOKEN", message_id="7")
        assert_golden(f"web/persona_{which}.html", html)
    # the map's shape: four quadrants two by two; the journey: one column per stage
    slack_fields = [
        b for b in to_message(Reply("m", cards=(empathy_card(maya),)))["blocks"] if "fields" in b
    ]
    assert [f["text"].split("\n")[0] for f in slack_fields[0]["fields"]] == [
        "*Says*",
        "*Thinks*",
        "*Does*",
        "*Feels*",
    ]
    teams_rows = [
        e
        for e in to_adaptive_card(Reply("j", cards=(journey_card(maya),)))["body"]
        if e["type"] == "ColumnSet"
    ]
    assert [len(r["columns"]) for r in teams_rows] == [6]
    page = one_pager(maya, NOW)
    assert [q["title"] for q in page["empathy"]] == ["Says", "Thinks", "Does", "Feels"]
    assert [s["stage"] for s in page["journey"]] == [
        "awareness",
        "consideration",
        "decision",
        "onboarding",
        "retention",
        "advocacy",
    ]
    # map and journey entries are profile lines: they carry their health mark on the page
    # (sample Maya's evidence is older than her review interval: every line needs data)
    feels = page["empathy"][3]["lines"][0]
    assert feels["key"].startswith("feels-") and feels["status"] == "needs data"
    assert feels["mark"] == "\u26a0 needs data"
    stage_line = page["journey"][2]["parts"][0]["lines"][0]
    assert stage_line["key"].startswith("decision-") and stage_line["status"] == "needs data"


def test_teams_maps_stack_on_phones_and_pass_the_schema(sqlite_store: Store) -> None:
    """Teams' responsive layout (targetWidth): the columns only where they fit, the same
    sections stacked on narrower cards, and the card still passes the 1.5 schema check."""
    from tests.adaptive_cards import AdaptiveCardError, check_card

    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, sample_specs(), author="test")
    maya = sqlite_store.get(ws, "maya")
    assert maya is not None
    expected = {
        "journey": (journey_card(maya), "atLeast:wide", "atMost:standard", 6),
        "empathy": (empathy_card(maya), "atLeast:standard", "atMost:narrow", 2),
    }
    for which, (card, wide, narrow, per_row) in expected.items():
        teams = to_adaptive_card(Reply(which, cards=(card,)))
        check_card(teams)
        rows = [e for e in teams["body"] if e["type"] == "ColumnSet" and "targetWidth" in e]
        stacks = [e for e in teams["body"] if e["type"] == "Container"]
        assert rows and {r["targetWidth"] for r in rows} == {wide}, which
        assert {len(r["columns"]) for r in rows} == {per_row}, which
        assert [s["targetWidth"] for s in stacks] == [narrow], which
        # the same titles in the same order, one under another
        row_titles = [c["items"][0]["text"] for r in rows for c in r["columns"]]
        bold = [i["text"] for i in stacks[0]["items"] if i.get("weight") == "Bolder"]
        assert bold == row_titles == [s.title for s in card.sections], which
        # the schema alone forbids targetWidth; only Microsoft's documented values pass
        with pytest.raises(AdaptiveCardError, match="not a Teams card width"):
            check_card({**teams, "body": [{**stacks[0], "targetWidth": "atMost:phone"}]})
    # a stacked card (the profile) has no width variants
    profile = to_adaptive_card(Reply("p", cards=(persona_card(maya, NOW),)))
    assert "targetWidth" not in json.dumps(profile)


def test_spec_from_dict_accepts_one_slug_or_a_list() -> None:
    one = PersonaSpec.from_dict({"name": "Maya", "buyer_of": "sam"})
    many = PersonaSpec.from_dict({"name": "Maya", "buyer_of": ["sam", "lee", "sam"]})
    assert one.buyer_of == ("sam",) and many.buyer_of == ("sam", "lee")


async def test_teams_journey_button_posts_a_card_teams_accepts(sqlite_store: Store) -> None:
    from tests.fakes.teams_env import teams_env
    from tests.test_teams_http import card_of, executes

    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, sample_specs(), author="test")
    async for env in teams_env(sqlite_store):
        await env.post(env.activities.message("show sam"))
        await env.settle()
        [profile] = env.connector.posted
        buttons = {b["title"]: b for b in executes(card_of(profile.body))}
        assert {"Empathy map", "Journey"} <= set(buttons)
        journey = buttons["Journey"]
        resp = await env.session.post(
            f"{env.url}/api/messages",
            json=env.activities.execute(journey["verb"], journey["data"], reply_to="act-1"),
        )
        assert resp.status == 200
        await env.settle()
        posted = [card_of(p.body) for p in env.connector.posted[1:] if p.body.get("attachments")]
        body = json.dumps(await resp.json()) + json.dumps(posted)
        assert "Sam Okafor: journey" in body and "onboarding-pain-1" in body
        assert '"ColumnSet"' in body
    # teams_env asserts the fake Bot Connector refused no card


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("show maya empathi", "Did you mean `show maya empathy`?"),
        ("show Maya Chen journeys", "Did you mean `show maya journey`?"),
        ("show maya timeline", "Maya Chen has no view 'timeline'. Try `show maya`"),
        ("show mya empathi", "I don't know 'mya empathi'"),  # no persona: as before
    ],
)
async def test_show_with_a_mistyped_view_names_the_views(
    sqlite_store: Store, typed: str, expected: str
) -> None:
    from bot.commands import Core
    from bot.features import build_registry
    from bot.messages import Address, Inbound
    from tests.conftest import make_deps

    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, sample_specs(), author="test")
    core = Core(make_deps(sqlite_store), build_registry())
    [reply] = await core.handle(Inbound("command", typed, "U1", Address("web", "local", "pg")))
    assert reply.is_error and expected in reply.text, reply.text
