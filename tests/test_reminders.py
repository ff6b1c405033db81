"""Quarterly refresh: reminder DMs once per cycle per owner, the four buttons, escalation to
the home channel after 30 days, the admin channel when nobody owns a persona, owner and
reviewed commands, and early review for personas whose predictions are mostly wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from adapters.slack.inbound import mentions_in, to_plain
from bot.features import reminders as reminder_feature
from bot.messages import Address, Inbound
from persona_store import Store
from persona_store.surveys.repository import SurveyPlace, SurveyStore
from tests.sched_helpers import (
    Clock,
    RecordingAdapter,
    click,
    command,
    core_with,
    deps_for,
    seed,
    sweep_once,
)

SLACK = Address(platform="slack", workspace="T1", conversation_id="C-general")
# Reviewed 2026-08-01, every 90 days: due 2026-10-30.
DUE = datetime(2026, 10, 30, tzinfo=UTC)


def adapters() -> dict[str, RecordingAdapter]:
    return {p: RecordingAdapter(platform=p) for p in ("slack", "teams", "web")}


def setup(store: Store, **extra: object) -> None:
    store.workspace_id("slack", "T1")  # link the Slack team to the default workspace
    seed(store, last_reviewed="2026-08-01", **extra)


async def test_reminder_once_per_cycle_and_still_accurate(store: Store) -> None:
    setup(store, owners=["slack:U1", "teams:29:abc", "email:pm@example.com"])
    chat = adapters()
    clock = Clock(DUE - timedelta(days=1))
    deps = deps_for(store, clock)
    assert not (await sweep_once(deps, chat, clock.now)).posted  # not due yet
    clock.now = DUE + timedelta(hours=1)
    await sweep_once(deps, chat, clock.now)
    await sweep_once(deps, chat, clock.now + timedelta(days=1))  # still one per cycle
    [(address, dm, _)] = chat["slack"].sent
    assert address == Address("slack", "T1", "U1")
    assert [b.label for b in dm.cards[0].buttons] == [
        "Still accurate", "Needs update", "Snooze 14 days", "Reassign",
    ]  # fmt: skip
    assert "Time to review Maya Chen" in dm.text
    [(teams_address, _, _)] = chat["teams"].sent
    assert teams_address.conversation_id == "29:abc"
    # The owner clicks "Still accurate": reviewed, a revision written, no more reminders.
    core = core_with(deps, reminder_feature)
    ok = dm.cards[0].buttons[0]
    [reply] = await core.handle(
        click(ok.action_id, ok.value, user="U1", address=Address("slack", "T1", "D1"))
    )
    assert "marked as reviewed" in reply.text
    ws = store.default_workspace_id()
    persona = store.get(ws, "maya")
    assert persona.last_reviewed_at == clock.now
    assert store.revisions(ws, "maya")[-1].note.startswith("reviewed")
    await sweep_once(deps, chat, clock.now + timedelta(days=2))
    assert len(chat["slack"].sent) == 1


async def test_snooze_reminds_again_after_14_days(sqlite_store: Store) -> None:
    setup(sqlite_store, owners=["slack:U1"])
    chat = adapters()
    clock = Clock(DUE + timedelta(hours=1))
    deps = deps_for(sqlite_store, clock)
    await sweep_once(deps, chat, clock.now)
    [(_, dm, _)] = chat["slack"].sent
    snooze = dm.cards[0].buttons[2]
    core = core_with(deps, reminder_feature)
    [reply] = await core.handle(click(snooze.action_id, snooze.value, address=SLACK))
    assert "Snoozed" in reply.text
    await sweep_once(deps, chat, clock.now + timedelta(days=13))
    assert len(chat["slack"].sent) == 1
    await sweep_once(deps, chat, clock.now + timedelta(days=15))
    await sweep_once(deps, chat, clock.now + timedelta(days=16))
    assert len(chat["slack"].sent) == 2


async def test_escalation_after_30_days_names_owners(sqlite_store: Store) -> None:
    setup(sqlite_store, owners=["slack:U1"], home_channel="slack:C-personas")
    chat = adapters()
    deps = deps_for(sqlite_store)
    await sweep_once(deps, chat, DUE + timedelta(days=29))
    assert [a.conversation_id for a, _, _ in chat["slack"].sent] == ["U1"]
    await sweep_once(deps, chat, DUE + timedelta(days=31))
    await sweep_once(deps, chat, DUE + timedelta(days=32))
    sent = [(a.conversation_id, r.text) for a, r, _ in chat["slack"].sent]
    assert [c for c, _ in sent] == ["U1", "C-personas"]
    assert "31 days overdue" in sent[1][1] and "slack:U1" in sent[1][1]


async def test_no_owner_goes_to_admin_channel(sqlite_store: Store) -> None:
    setup(sqlite_store)
    core = core_with(deps_for(sqlite_store), reminder_feature)
    admin = Address(platform="slack", workspace="T1", conversation_id="C-admin")
    [set_reply] = await core.handle(command("admin-channel here", address=admin))
    assert "now gets the reviews" in set_reply.text
    [shown] = await core.handle(command("admin-channel", address=SLACK))
    assert "slack:C-admin" in shown.text
    [typo] = await core.handle(command("admin-channel hre", address=SLACK))
    assert typo.is_error and "admin-channel here" in typo.text
    [still] = await core.handle(command("admin-channel show", address=SLACK))
    assert "slack:C-admin" in still.text  # the typo changed nothing
    chat = adapters()
    deps = deps_for(sqlite_store)
    await sweep_once(deps, chat, DUE + timedelta(hours=2))
    await sweep_once(deps, chat, DUE + timedelta(hours=3))
    [(address, reply, _)] = chat["slack"].sent
    assert address.conversation_id == "C-admin" and "has no owner" in reply.text


def slack_command(raw: str, *, user: str) -> Inbound:
    """A slash command as the Slack adapter hands it over: markup made plain, mentions
    resolved into `Inbound.mentions` (the core never reads `<@U…>`)."""
    return replace(command(to_plain(raw), user=user, address=SLACK), mentions=mentions_in(raw))


async def test_owner_and_reviewed_commands(sqlite_store: Store) -> None:
    setup(sqlite_store)
    core = core_with(deps_for(sqlite_store), reminder_feature)

    async def say(text: str) -> str:
        [reply] = await core.handle(slack_command(text, user="UME"))
        return ("ERROR: " if reply.is_error else "") + reply.text

    # Nobody owns Maya: a member may claim her for themself, not hand her to someone else.
    assert (await say("owner maya <@U1|alice>")).startswith("ERROR: Nobody owns Maya Chen")
    assert "slack:UME" in await say("owner maya me")
    assert "slack:UME, alice (slack:U1)" in await say("owner maya <@U1|alice>")
    assert "slack:UME, slack:U1, email:pm@example.com" in await say("owner maya add pm@example.com")
    assert (await say("owner maya remove <@U1>")).startswith(
        "Maya Chen's owners are now: slack:UME, email:pm@example.com."
    )
    assert (await say("owner maya remove <@U9>")).startswith("ERROR")
    assert (await say("owner maya ???")).startswith("ERROR")
    assert (await say("owner mya @bob")).startswith("ERROR")
    assert "marked as reviewed" in await say("reviewed maya")
    persona = sqlite_store.get(sqlite_store.default_workspace_id(), "maya")
    assert [o.ref for o in persona.owners] == ["slack:UME", "email:pm@example.com"]


async def test_owner_from_a_slack_mention_uses_the_user_id(sqlite_store: Store) -> None:
    setup(sqlite_store)
    core = core_with(deps_for(sqlite_store), reminder_feature)
    await core.handle(command("owner maya me", user="UME", address=SLACK))  # claims Maya
    inbound = replace(
        command("owner maya @alice", user="UME", address=SLACK),
        mentions=(("@alice", "U0ALICE"),),
    )
    [reply] = await core.handle(inbound)
    assert not reply.is_error and "slack:U0ALICE" in reply.text
    [unknown] = await core.handle(command("owner maya @bob", user="UME", address=SLACK))
    assert unknown.is_error  # a bare name Slack didn't resolve is not a user id
    [bare] = await core.handle(slack_command("owner maya <@U0BOB>", user="UME"))
    assert "slack:U0BOB" in bare.text


async def test_owner_in_teams_needs_a_picked_mention(sqlite_store: Store) -> None:
    setup(sqlite_store)
    core = core_with(deps_for(sqlite_store), reminder_feature)
    teams = Address(platform="teams", workspace="tenant-1", conversation_id="19:chan")
    await core.handle(command("owner maya me", user="29:me", address=teams))  # claims Maya
    picked = replace(
        command("owner maya @Alice_Wong", user="29:me", address=teams),
        mentions=(("@Alice_Wong", "29:1alice"),),
    )
    [reply] = await core.handle(picked)
    assert not reply.is_error
    assert "Alice Wong (teams:29:1alice)" in reply.text  # named, and the id that is stored
    [typed] = await core.handle(command("owner maya @bob", user="29:me", address=teams))
    assert typed.is_error and "picking the name from the @ list" in typed.text
    ws = sqlite_store.workspace_id("teams", "tenant-1")
    owners = [o.ref for o in sqlite_store.get(ws, "maya").owners]
    assert owners == ["teams:29:me", "teams:29:1alice"]  # nothing stored for the typed name


async def test_owner_in_the_playground_explains_what_works_there(sqlite_store: Store) -> None:
    setup(sqlite_store)
    core = core_with(deps_for(sqlite_store), reminder_feature)
    web = Address(platform="web", workspace="local", conversation_id="playground")
    [reply] = await core.handle(command("owner maya @alice", user="browser-1", address=web))
    assert reply.is_error and "I can't look up '@alice' here" in reply.text
    assert "owner maya alice@example.com" in reply.text
    assert "Mention them (@alice)" not in reply.text
    [ok] = await core.handle(command("owner maya alice@example.com", user="b", address=web))
    assert not ok.is_error and "email:alice@example.com" in ok.text


async def test_mostly_wrong_predictions_flag_review_early(sqlite_store: Store) -> None:
    setup(sqlite_store, owners=["slack:U1"])
    ws = sqlite_store.default_workspace_id()
    surveys = SurveyStore.of(sqlite_store)
    now = datetime(2026, 9, 1, tzinfo=UTC)  # well before the quarter is up
    for i in range(3):
        sv = surveys.create(
            ws, "maya", f"Question {i}?", ["Yes", "No"], place=SurveyPlace("slack", "T1", "C"),
            created_by="slack:U1", now=now, prediction=0,
        )  # fmt: skip
        surveys.vote(ws, sv.id, 1, platform="slack", user_id="U2", now=now)
        surveys.close(ws, sv.id, now=now + timedelta(hours=i))
    record = surveys.prediction_record(ws, sqlite_store.get(ws, "maya").id)
    assert (record.right, record.total, record.mostly_wrong) == (0, 3, True)
    chat = adapters()
    await sweep_once(deps_for(sqlite_store), chat, now + timedelta(days=1))
    # (the three closes' results posts go to the surveys' channel C)
    [(_, dm, _)] = [sent for sent in chat["slack"].sent if sent[0].conversation_id != "C"]
    assert "mostly wrong" in dm.text and "0/3 right" in dm.text


async def test_needs_update_and_reassign_buttons(sqlite_store: Store) -> None:
    from persona_store.scheduling.models import ReviewState

    setup(sqlite_store, owners=["slack:U1"])
    core = core_with(deps_for(sqlite_store), reminder_feature)
    [update_reply] = await core.handle(click("review.update", "maya", address=SLACK))
    assert "`edit maya`" in update_reply.text and update_reply.ephemeral
    with sqlite_store._sessions() as s:
        [state] = s.query(ReviewState).all()
        assert state.needs_update and "slack:U1" in state.note
    [reassign] = await core.handle(click("review.reassign", "maya", address=SLACK))
    assert "owner maya @new-owner" in reassign.text
    web = Address(platform="web", workspace="local", conversation_id="playground")
    [web_reply] = await core.handle(click("review.update", "maya", address=web))
    # the same words everywhere: `edit maya` opens Slack's form, elsewhere it says how
    assert web_reply.text == update_reply.text
