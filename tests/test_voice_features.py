"""Customer's-voice surveys through the core and the clock (SQLite and PostgreSQL): an
open-text survey made, answered with the answer box and by typing, its answers grouped by
the profile line each matches; nudges (opt-in, one per person and survey); recurring
surveys re-posted once per period under a delivery key."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import Core
from bot.features import build_registry
from bot.features.voice_render import ANSWER_ACTION, FORM_ACTION
from bot.messages import Address, Inbound, Reply
from persona_store import Store
from persona_store.scheduling.models import Delivery
from tests.sched_helpers import Clock, RecordingAdapter, deps_for, seed, sweep_once

CHANNEL = Address(platform="web", workspace="local", conversation_id="C-general")
PAINS = {
    "pains": [
        "Onboarding time - the last tool took six weeks to roll out",
        "Price increases and per-seat pricing punish her for adding seasonal staff",
    ]
}


def command(text: str, user: str = "U1") -> Inbound:
    return Inbound(kind="command", text=text, user_id=user, address=CHANNEL)


def answer_box(survey_id: int, text: str, user: str) -> Inbound:
    """The answer form submitted (Slack modal, Teams task module, playground form)."""
    return Inbound(kind="action", text="", user_id=user, address=CHANNEL,
                   action_id=ANSWER_ACTION, value=str(survey_id),
                   fields=(("answer", text),))  # fmt: skip


def click(action_id: str, value: str, user: str = "U1") -> Inbound:
    return Inbound(kind="action", text="", user_id=user, address=CHANNEL,
                   action_id=action_id, value=value)  # fmt: skip


async def make(core: Core, text: str) -> tuple[Reply, int]:
    [created] = await core.handle(command(text, user="OWNER"))
    assert not created.is_error, created.text
    survey_id = int(created.meta["survey_id"])
    await core.posted(created, CHANNEL, f"m-{survey_id}")
    return created, survey_id


async def test_open_text_survey_answers_grouped_by_line(store: Store) -> None:
    seed(store, **PAINS)
    clock = Clock()
    deps = deps_for(store, clock)
    core = Core(deps, build_registry())
    created, sid = await make(core, 'survey maya "What almost stopped you from buying?" --open')
    card = created.cards[0]
    [button] = [b for b in card.buttons if b.action_id == FORM_ACTION]
    assert button.opens_form and button.value == str(sid) and not card.choices
    assert f"survey answer {sid}" in created.text
    [opened] = await core.handle(click(FORM_ACTION, str(sid)))
    assert opened.form is not None and opened.ephemeral
    assert (opened.form.action_id, opened.form.value) == (ANSWER_ACTION, str(sid))
    assert [f.name for f in opened.form.fields] == ["answer"]

    [ack] = await core.handle(answer_box(sid, "The per-seat price was too high", "U1"))
    assert ack.ephemeral and not ack.private and "saved" in ack.text
    [ack] = await core.handle(
        command(f"survey answer {sid} It took weeks to onboard the team", "U2")
    )
    assert "saved" in ack.text
    await core.handle(command(f"survey answer {sid} The weather was nice", "U3"))
    [changed] = await core.handle(answer_box(sid, "Our drivers liked it", "U3"))
    assert "updated" in changed.text
    [empty] = await core.handle(answer_box(sid, "   ", "U4"))
    assert empty.is_error and not empty.private and empty.form is not None  # the form again
    assert dict(empty.form.errors)["answer"].startswith("Your answer is empty")
    [long] = await core.handle(answer_box(sid, "x" * 1001, "U4"))
    assert long.form is not None and long.form.fields[0].value == "x" * 1001
    [wrong] = await core.handle(command(f"survey vote {sid} 1", "U4"))
    assert wrong.is_error

    [results] = await core.handle(command(f"survey results {sid}"))
    titles = [s.title for s in results.cards[0].sections]
    assert titles == [
        "pain-1: Onboarding time - the last tool took six weeks to roll out",
        "pain-2: Price increases and per-seat pricing punish her for adding seasonal staff",
        "Not about a profile line",
    ]
    assert results.cards[0].sections[1].bullets == ("\u201cThe per-seat price was too high\u201d",)

    final, _update = await core.handle(command(f"survey close {sid}", user="OWNER"))
    assert (
        "Final answers" in final.text and "Saved on Maya Chen's profile as 3 answers" in final.text
    )
    persona = store.get(store.default_workspace_id(), "maya")
    assert persona is not None
    assert sorted(e.summary for e in persona.evidence if e.source == "survey") == [
        "\u201cIt took weeks to onboard the team\u201d",
        "\u201cOur drivers liked it\u201d",
        "\u201cThe per-seat price was too high\u201d",
    ]


async def test_anonymous_answer_ack_is_private(store: Store) -> None:
    seed(store)
    core = Core(deps_for(store, Clock()), build_registry())
    _, sid = await make(core, 'survey maya "What almost stopped you?" --open --anonymous')
    [ack] = await core.handle(answer_box(sid, "Price", "U1"))
    assert ack.private and ack.ephemeral and "no author is kept" in ack.text
    [again] = await core.handle(answer_box(sid, "x" * 1001, "U2"))
    assert again.form is not None and again.private  # what was typed is kept nowhere


async def test_bad_survey_flags_are_refused(store: Store) -> None:
    seed(store)
    core = Core(deps_for(store, Clock()), build_registry())
    [mixed] = await core.handle(command('survey maya "Why?" Yes | No --open'))
    assert mixed.is_error and "takes no options" in mixed.text
    [every] = await core.handle(command('survey maya "Why?" --open --every fortnight'))
    assert every.is_error and "--every month" in every.text
    [line] = await core.handle(command('survey maya "Still?" Yes | No --line pain-9'))
    assert line.is_error and "pain-9" in line.text
    _, choice = await make(core, 'survey maya "Still true?" Yes | No')
    [not_open] = await core.handle(click(FORM_ACTION, str(choice)))
    assert not_open.is_error and not_open.form is None and "has options" in not_open.text
    [gone] = await core.handle(click(FORM_ACTION, "999"))
    assert gone.is_error and gone.form is None
    [nudge] = await core.handle(command("survey nudge please"))
    assert nudge.is_error and "survey nudge on" in nudge.text
    [answer] = await core.handle(command("survey answer the price"))
    assert answer.is_error and "survey answer ID" in answer.text
    [gone] = await core.handle(command("survey answer 999 The price"))
    assert gone.is_error and "no survey #999" in gone.text


async def test_nudges_once_per_person_and_survey(store: Store) -> None:
    seed(store)
    clock = Clock()
    deps = deps_for(store, clock)
    core = Core(deps, build_registry())
    [on] = await core.handle(command("survey nudge on", "U1"))
    assert on.ephemeral and "one reminder" in on.text
    for user in ("U2", "U3"):
        await core.handle(command("survey nudge on", user))
    [off] = await core.handle(command("survey nudge off", "U3"))
    assert "no more" in off.text
    _, sid = await make(core, 'survey maya "Is price still the #1 objection?" Yes | No')
    await core.handle(command(f"survey vote {sid} 1", "U2"))
    adapter = RecordingAdapter()
    await sweep_once(deps, [adapter], clock.now + timedelta(hours=1))
    assert adapter.sent == []  # not a day old yet
    later = clock.now + timedelta(days=1, minutes=1)
    deps.now = lambda: later
    await sweep_once(deps, [adapter], later)
    await sweep_once(deps, [adapter], later + timedelta(minutes=5))
    nudged = [(a.conversation_id, r.text) for a, r, _ in adapter.sent]
    assert len(nudged) == 1 and nudged[0][0] == "U1"  # a DM to U1 only, once
    assert "Is price still the #1 objection?" in nudged[0][1]
    assert f"survey vote {sid}" in nudged[0][1]


async def test_recurring_survey_reposted_once_per_period(store: Store) -> None:
    seed(store)
    clock = Clock()
    deps = deps_for(store, clock)
    core = Core(deps, build_registry())
    _, first = await make(core, 'survey maya "What almost stopped you?" --open --every week')
    adapter = RecordingAdapter()
    soon = clock.now + timedelta(days=6)
    deps.now = lambda: soon
    await sweep_once(deps, [adapter], soon)
    assert [r for _, r, _ in adapter.sent if "What almost" in r.text] == []
    week = clock.now + timedelta(days=7, minutes=1)
    deps.now = lambda: week
    await sweep_once(deps, [adapter], week)
    await sweep_once(deps, [adapter], week + timedelta(minutes=1))  # a second sweep: no repost
    posts = [(a, r, m) for a, r, m in adapter.sent if "survey_id" in r.meta]
    assert len(posts) == 1
    address, reply, message_id = posts[0]
    assert address.conversation_id == "C-general"
    second = int(reply.meta["survey_id"])
    assert second != first
    survey = deps.repos.surveys.get(store.default_workspace_id(), second)
    assert survey is not None and survey.open_text and survey.every == "week"
    assert survey.series_id == first and survey.message_id == message_id
    with store.sessions() as s:
        keys = [d.period for d in s.query(Delivery).filter(Delivery.kind == "survey-repeat")]
    assert keys == [(clock.now + timedelta(days=7)).date().isoformat()]
