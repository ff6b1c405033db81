"""The decision log in the core (Inbound -> Core -> Reply) on a real SQLite store: the Log
decision button and its form, typed `decide` in an answer's thread, `decisions`, edits by
the author only, bad input refused with nothing stored, workspaces apart."""

from __future__ import annotations

import pytest

from bot.commands import Core
from bot.features import build_registry
from bot.messages import Address, Inbound, Reply
from persona_store import Store
from tests.conftest import make_deps
from tests.test_features import ScriptedAnswerer, add

THREAD = Address("slack", "T1", "C1", thread_id="1700000000.000100")


def inbound(text: str, *, user: str = "U1", address: Address = THREAD, **kw) -> Inbound:  # type: ignore[no-untyped-def]
    return Inbound(kind="command", text=text, user_id=user, address=address, **kw)


def click(action: str, value: str, *, user: str = "U1", address: Address = THREAD, **kw) -> Inbound:  # type: ignore[no-untyped-def]
    return Inbound(kind="action", text="", user_id=user, address=address, action_id=action,
                   value=value, **kw)  # fmt: skip


def log_value(reply: Reply) -> str:
    return next(b.value for b in reply.cards[0].buttons if b.action_id == "decision.log")


@pytest.fixture
def core(sqlite_store: Store) -> Core:
    add(sqlite_store, "Maya Chen", goals=["Ship on time"])
    add(sqlite_store, "Sam Okafor", "secondary")
    return Core(make_deps(sqlite_store, ScriptedAnswerer()), build_registry())


FILLED = (("decision", "Keep the free tier"), ("outcome", "adopted"), ("note", "For now"),
          ("link", "https://example.com/spec"))  # fmt: skip


async def test_button_form_then_submission_logs_the_answer_personas(core: Core) -> None:
    [answer] = await core.handle(inbound("ask maya Should we drop the free tier?"))
    ref = log_value(answer)
    assert ref.startswith("answer:")
    [form_reply] = await core.handle(click("decision.log", ref, message_id="1700000000.000200"))
    form = form_reply.form
    assert form is not None and form.action_id == "decision.save"
    assert [f.name for f in form.fields] == ["decision", "outcome", "note", "link"]
    assert "Maya Chen" in (form.text or "")
    [saved] = await core.handle(click(form.action_id, form.value, fields=FILLED))
    assert not saved.is_error and "Decision #1 logged." in saved.text
    card = saved.cards[0]
    assert card.title == "Decision #1: Keep the free tier"
    assert "Maya Chen · goal-1: Ship on time" in card.sections[-1].bullets
    [listed] = await core.handle(inbound("decisions maya"))
    assert "#1 Keep the free tier: Adopted · Maya Chen" in listed.text
    [none] = await core.handle(inbound("decisions sam"))
    assert "No decision has considered Sam Okafor" in none.text
    [show] = await core.handle(inbound("show maya"))
    assert "Considered in 1 decision:" in show.text


async def test_bad_form_input_is_shown_in_the_form_and_nothing_is_stored(core: Core) -> None:
    [answer] = await core.handle(inbound("panel Drop the free tier"))
    [form_reply] = await core.handle(click("decision.log", log_value(answer)))
    assert form_reply.form is not None
    bad = (("decision", "x" * 201), ("outcome", "maybe"), ("link", "javascript:alert(1)"))
    [again] = await core.handle(click("decision.save", form_reply.form.value, fields=bad))
    assert again.is_error and again.form is not None
    assert {name for name, _ in again.form.errors} == {"decision", "outcome", "link"}
    assert dict((f.name, f.value) for f in again.form.fields)["decision"] == "x" * 201
    [listed] = await core.handle(inbound("decisions"))
    assert "No decisions logged yet" in listed.text


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ('decide "Keep the free tier"', "Pick an outcome"),
        ('decide "Keep it" --outcome maybe', "'maybe' is not an outcome. Pick adopted,"),
        ('decide "Keep it" --outcome adoptd', "not an outcome (did you mean adopted?). Pick"),
        ('decide "Keep it" --outcome adopted --link ftp://x.example', "http:// or https://"),
        ('decide "Keep it" --outcome adopted --colour red', "I don't know --colour"),
        ("decide --outcome adopted", "Please write the decision"),
        ("decide " + "y" * 201 + " --outcome adopted", "at most 200"),
        ("decide edit --outcome parked", "Which decision?"),
        ('decide "Keep it" --outcome adopted --outcome parked', "--outcome is given twice"),
    ],
)
async def test_typed_decide_refuses_bad_input(core: Core, typed: str, problem: str) -> None:
    [reply] = await core.handle(inbound(typed))
    assert reply.is_error and problem in reply.text
    [listed] = await core.handle(inbound("decisions"))
    assert "No decisions logged yet" in listed.text


async def test_typed_decide_in_the_answer_thread_attaches_it(core: Core) -> None:
    await core.handle(inbound("ask maya Should we drop the free tier?"))
    [logged] = await core.handle(
        inbound('decide \u201cKeep the free tier\u201d --outcome adopted --note "Maya pays"')
    )
    assert "Decision #1 logged." in logged.text and "No answer was attached" not in logged.text
    assert logged.cards[0].fields[1].value == "Maya Chen"
    elsewhere = Address("slack", "T1", "C1", thread_id="other")
    [bare] = await core.handle(
        inbound('decide "Ship dark mode" --outcome parked', address=elsewhere)
    )
    assert "Decision #2 logged. No answer was attached" in bare.text
    assert "or type `decide` in the answer's thread" in bare.text  # Slack has threads
    [found] = await core.handle(inbound("decisions search DARK"))
    assert "#2 Ship dark mode: Parked · no personas" in found.text
    [one] = await core.handle(inbound("decisions 1"))
    assert "Note: Maya pays" in one.text


async def test_only_the_author_edits_and_each_edit_is_a_revision(
    core: Core, sqlite_store: Store
) -> None:
    await core.handle(inbound('decide "Keep the free tier" --outcome adopted'))
    [refused] = await core.handle(inbound("decide edit 1 --outcome rejected", user="U2"))
    assert refused.is_error and "Only the person who logged decision #1" in refused.text
    [form_refused] = await core.handle(click("decision.edit", "1", user="U2"))
    assert form_refused.is_error and form_refused.form is None
    [edited] = await core.handle(inbound("decide edit 1 --outcome changed --note Trial instead"))
    assert "edited (version 2)" in edited.text
    [form_reply] = await core.handle(click("decision.edit", "1"))
    assert form_reply.form is not None and form_reply.form.action_id == "decision.update"
    values = {f.name: f.value for f in form_reply.form.fields}
    assert values == {"decision": "Keep the free tier", "outcome": "changed",
                      "note": "Trial instead", "link": ""}  # fmt: skip
    fields = tuple(replace_value(values, outcome="parked").items())
    [stranger] = await core.handle(click("decision.update", "1", user="U2", fields=fields))
    assert stranger.is_error
    [saved] = await core.handle(click("decision.update", "1", fields=fields))
    assert "edited (version 3)" in saved.text
    ws = sqlite_store.workspace_id("slack", "T1")
    from persona_store.decisions.repository import DecisionStore

    revs = DecisionStore.of(sqlite_store).revisions(ws, 1)
    assert [(v, s["outcome"]) for v, _, s in revs] == [
        (1, "adopted"),
        (2, "changed"),
        (3, "parked"),
    ]


def replace_value(values: dict[str, str], **changes: str) -> dict[str, str]:
    return {**values, **changes}


async def test_another_workspace_never_sees_a_decision(core: Core) -> None:
    await core.handle(inbound('decide "Keep the free tier" --outcome adopted'))
    other = Address("slack", "T2", "C9")
    [listed] = await core.handle(inbound("decisions", address=other))
    assert "No decisions logged yet" in listed.text
    # one runnable example, not "or type: Try: decide "DECISION" --outcome adopted|…"
    assert listed.text.endswith('or type `decide "Keep the free tier" --outcome adopted`.')
    [one] = await core.handle(inbound("decisions 1", address=other))
    assert one.is_error
    [edit] = await core.handle(inbound("decide edit 1 --outcome parked", address=other))
    assert edit.is_error and "no decision #1" in edit.text
    [mine] = await core.handle(inbound('decide "Theirs" --outcome parked', address=other))
    assert "Decision #1 logged." in mine.text  # numbers count per workspace


async def test_a_foreign_answer_reference_attaches_nothing(core: Core) -> None:
    [answer] = await core.handle(inbound("ask maya Should we drop the free tier?"))
    other = Address("slack", "T2", "C9")
    [form_reply] = await core.handle(click("decision.log", log_value(answer), address=other))
    assert form_reply.form is not None
    assert "No answer attached" in (form_reply.form.text or "")


async def test_the_digest_says_how_often_the_persona_was_consulted(
    core: Core, sqlite_store: Store
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.features.digest import build_digest
    from persona_store.scheduling.schedules import DigestStore

    ws = sqlite_store.workspace_id("slack", "T1")
    digests = DigestStore.of(sqlite_store)
    now = datetime.now(UTC)
    sub = digests.subscribe(ws, platform="slack", ext_workspace="T1", conversation_id="C7",
                            thread_id=None, service_url=None, cron="0 9 * * 1", timezone="UTC",
                            next_run_at=now)  # fmt: skip
    # only Maya is in rotation's way: Sam was featured just now
    digests.record_feature(sub.id, ws, "sam", now)
    await core.handle(inbound("ask maya Should we drop the free tier?"))
    await core.handle(inbound("panel Drop the free tier"))
    reply = await build_digest(core.deps, sub, now)
    assert reply is not None and "Maya Chen" in reply.cards[0].title
    assert "Consulted 2 times so far (asks and panels)" in reply.text
    digests.record_feature(sub.id, ws, "maya", now + timedelta(seconds=1))
    digests.record_feature(sub.id, ws, "sam", now + timedelta(seconds=2))
    again = await build_digest(core.deps, sub, now + timedelta(days=7))
    assert again is not None and "Maya Chen" in again.cards[0].title
    assert "Not consulted since last featured here" in again.text
