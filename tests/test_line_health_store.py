"""Line health end to end on SQLite and PostgreSQL: a survey made with `--line`, answered and
closed through the core, contests its line; `show`, an answer citing the line, the owner's
review reminder and the persona of the week all say so."""

from __future__ import annotations

from datetime import timedelta

from bot.features import ask as ask_feature
from bot.features import personas as personas_feature
from bot.features import surveys as survey_feature
from bot.features.digest import build_digest
from bot.features.line_health import health_by_key
from bot.features.reminders import reminder_reply
from bot.messages import Reply
from persona_store import Store
from persona_store.scheduling.schedules import DigestStore
from persona_store.surveys.repository import PredictionRecord
from tests.sched_helpers import Clock, FixedAnswerer, command, core_with, deps_for, seed


def section(reply: Reply, title: str) -> tuple[str, ...]:
    return next(s.bullets for s in reply.cards[0].sections if s.title == title)


async def test_a_no_majority_contests_its_line_everywhere(store: Store) -> None:
    seed(store, owners=["slack:U0OWNER"], last_reviewed="2026-01-01")
    clock = Clock()
    deps = deps_for(store, clock, FixedAnswerer(stance="support"))
    core = core_with(deps, survey_feature, personas_feature, ask_feature)
    ws = store.default_workspace_id()
    [created] = await core.handle(
        command('survey maya "Is price still the first objection?" Yes | No | Not sure '
                "--line pain-1", user="OWNER")
    )  # fmt: skip
    survey_id = int(created.meta["survey_id"])
    for user, option in (("U1", 2), ("U2", 2), ("U3", 2), ("U4", 1)):
        await core.handle(command(f"survey vote {survey_id} {option}", user=user))
    await core.handle(command(f"survey close {survey_id}", user="OWNER"))

    persona = store.get(ws, "maya")
    assert persona is not None
    health = health_by_key(persona, clock.now)
    assert health["pain-1"].status == "contested"
    assert (health["pain-1"].evidence_count, health["pain-1"].total_n) == (1, 4)
    assert health["pain-2"].status == "needs data"

    [shown] = await core.handle(command("show maya"))
    pains = section(shown, "Pains")
    assert pains[0] == "\u26a0 contested \u00b7 Price is the first objection [pain-1]"
    assert pains[1].startswith("\u26a0 needs data \u00b7 Budget")
    backing = section(shown, "Line health")
    assert backing[1] == (
        "pain-1: 1 evidence item (n=4), newest 2026-11-20 \u00b7 latest survey: "
        "\u201cNo\u201d won (n=4) \u00b7 \u26a0 contested"
    )
    assert "1 line contested \u00b7 2 lines need data" in shown.cards[0].context
    assert "1 line contested" in shown.text

    # an answer citing a flagged line marks the citation (FixedAnswerer cites the first line)
    [answer] = await core.handle(command("ask maya should we add a cheaper plan?"))
    assert section(answer, "Cited from the profile") == (
        "goal-1: Ship on time \u2014 \u26a0 needs data",
    )

    # the owner's reminder lists exactly the flagged lines, contested first
    due = deps.repos.reviews.due(clock.now)[0]
    dm = reminder_reply(persona, due, clock.now, PredictionRecord(0, 0, ()), [])
    look = section(dm, "Lines to look at")
    assert [b.split(":")[0] for b in look] == ["pain-1", "goal-1", "pain-2"]
    assert look[0].startswith("pain-1: Price is the first objection \u2014 contested: Survey")

    # the persona of the week asks about the contested line
    sub = DigestStore.of(store).subscribe(
        ws, platform="web", ext_workspace="local", conversation_id="C-digest", thread_id=None,
        service_url=None, cron="0 9 * * mon", timezone="UTC", next_run_at=clock.now,
        include_negative=False, created_by="web:OWNER",
    )  # fmt: skip
    digest = await build_digest(deps, sub, clock.now + timedelta(minutes=1))
    assert digest is not None and "Price is the first objection" in digest.text
    why = "The question of the week checks pain-1 (contested: Survey \u201cIs price still"
    assert any(c.startswith(why) for c in digest.cards[0].context), digest.cards[0].context
    question = deps.repos.surveys.get(ws, int(digest.meta["survey_id"]))
    assert question is not None and question.line_key == "pain-1"


async def test_a_yes_majority_backs_the_line_and_the_digest_moves_on(store: Store) -> None:
    seed(store, owners=["slack:U0OWNER"])
    clock = Clock()
    deps = deps_for(store, clock)
    core = core_with(deps, survey_feature, personas_feature)
    ws = store.default_workspace_id()
    [created] = await core.handle(
        command('survey maya "Still true?" Yes | No --line pain-1', user="OWNER")
    )
    survey_id = int(created.meta["survey_id"])
    for user in ("U1", "U2", "U3"):
        await core.handle(command(f"survey vote {survey_id} 1", user=user))
    await core.handle(command(f"survey close {survey_id}", user="OWNER"))
    persona = store.get(ws, "maya")
    assert persona is not None
    assert health_by_key(persona, clock.now)["pain-1"].status == "backed"
    [shown] = await core.handle(command("show maya"))
    assert section(shown, "Pains")[0] == "Price is the first objection [pain-1]"
    sub = DigestStore.of(store).subscribe(
        ws, platform="web", ext_workspace="local", conversation_id="C-digest", thread_id=None,
        service_url=None, cron="0 9 * * mon", timezone="UTC", next_run_at=clock.now,
        include_negative=False, created_by="web:OWNER",
    )  # fmt: skip
    digest = await build_digest(deps, sub, clock.now)
    assert digest is not None
    question = deps.repos.surveys.get(ws, int(digest.meta["survey_id"]))
    assert question is not None and question.line_key == "pain-2"  # the least-backed pain
