"""Quarterly refresh: `reviewed maya` (owners and admins), the owner's reminder DM with
Still accurate / Needs update / Snooze 14 days / Reassign,
and escalation (30 days overdue: the persona's home channel, naming the owners; no owner at
all: the workspace's admin channel). Owners themselves: `bot.features.ownership`.

Direct messages are sent to `Address(platform, workspace, conversation_id=USER_ID)`; the
Slack adapter posts to a user id as a DM, the Teams adapter creates the 1:1 conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.clock import SweepRun, deliver
from bot.commands import Context, Registry
from bot.deps import Deps
from bot.features.access import is_admin, manage_refused, may_manage
from bot.features.cards import evidence_badge, freshness
from bot.features.gap_render import top_gap_buttons, top_gaps_section
from bot.features.line_health import lines_to_look_at
from bot.features.ownership import CHAT_PLATFORMS, owner_command, sweep_owner_notices
from bot.features.resolve import resolve_persona
from bot.features.survey_render import prediction_badge
from bot.features.surveys import surveys
from bot.messages import Address, Button, Card, Field, Reply, Section, error_reply
from bot.ports import ChatAdapter
from persona_store.gaps.views import GapView
from persona_store.personas.views import PersonaView
from persona_store.scheduling.reviews import ReviewDue, ReviewStore
from persona_store.surveys.repository import PredictionRecord

log = logging.getLogger(__name__)

SNOOZE = timedelta(days=14)
ESCALATE_AFTER_DAYS = 30
MAX_LOOK_LINES = 15  # the card lists this many flagged lines; the text version lists all


def reviews(deps: Deps) -> ReviewStore:
    return deps.repos.reviews


def reminder_reply(
    persona: PersonaView,
    due: ReviewDue,
    now: datetime,
    record: PredictionRecord,
    news: list[str],
    gaps: list[GapView] | None = None,
) -> Reply:
    """The owner's DM (pure); with the most asked gaps when people asked what the profile
    doesn't cover."""
    why = (
        "Its recent predictions were mostly wrong, so it's up for review early."
        if due.flagged
        else f"{persona.name} is due for review (every {persona.review_every_days} days)."
    )
    bullets = tuple(news) if news else ("No new evidence since the last review.",)
    sections = [Section(title="Since the last review", bullets=bullets)]
    # exactly the lines the data no longer backs (bot.features.line_health)
    look = tuple(f"{h.key}: {h.text} \u2014 {h.why()}" for h in lines_to_look_at(persona, now))
    look_shown = look[:MAX_LOOK_LINES] + (
        (f"\u2026 and {len(look) - MAX_LOOK_LINES} more: `show {persona.slug}`",)
        if len(look) > MAX_LOOK_LINES
        else ()
    )
    if look:
        sections.append(Section(title="Lines to look at", bullets=look_shown))
    line = prediction_badge(record)
    if line:
        sections.append(Section(title="Prediction record", text=line))
    slug = persona.slug
    buttons = (
        Button("Still accurate", "review.ok", slug, style="primary"),
        Button("Needs update", "review.update", slug),
        Button("Snooze 14 days", "review.snooze", slug),
        Button("Reassign", "review.reassign", slug),
    )
    uncovered = top_gaps_section(persona, gaps or [])
    text = "\n".join(
        [
            f"Time to review {persona.name}. {why}",
            freshness(persona, now),
            "Since the last review:",
            *(f"  • {b}" for b in bullets),
            *(["Lines to look at:", *(f"  • {b}" for b in look)] if look else []),
            *([line] if line else []),
            *(_section_lines(uncovered) if uncovered else []),
            "Answer: Still accurate / Needs update / Snooze 14 days / Reassign.",
        ]
    )
    gap_cards = (
        (
            Card(
                title=f"People asked {persona.first_name} what the profile doesn't cover",
                sections=(uncovered,),
                buttons=top_gap_buttons(persona, gaps or []),
            ),
        )
        if uncovered
        else ()
    )
    return Reply(
        text=text,
        cards=(
            Card(
                title=f"Time to review {persona.name}",
                subtitle=why,
                fields=(Field("Reviews", f"every {persona.review_every_days} days"),),
                sections=tuple(sections),
                context=(freshness(persona, now), evidence_badge(persona)),
                buttons=buttons,
            ),
            *gap_cards,
        ),
        meta={"persona": slug},
    )


def _section_lines(section: Section) -> list[str]:
    return [section.title or "", *(f"  {line}" for line in (section.text or "").splitlines())]


def escalation_reply(persona: PersonaView, due: ReviewDue, now: datetime) -> Reply:
    if due.owners:
        owners = ", ".join(due.owners)
        text = (
            f"{persona.name}'s review is {due.days_overdue(now)} days overdue. "
            f"Owners ({owners}): please review it, or type `reviewed {persona.slug}`."
        )
    else:
        text = (
            f"{persona.name} has no owner and is due for review. Claim it with "
            f"`owner {persona.slug} @me`, or (admins) type `reviewed {persona.slug}`."
        )
    return Reply(
        text=text,
        cards=(
            Card(
                title=f"{persona.name} needs a review",
                text=text,
                context=(freshness(persona, now),),
                buttons=(Button("Still accurate", "review.ok", persona.slug, style="primary"),),
            ),
        ),
    )


# -- the sweep ---------------------------------------------------------------------------------

Places = tuple[dict[str, str], dict[str, str | None]]


async def workspace_places(deps: Deps, workspace_id: int) -> Places:
    """The workspace's id on each chat platform ("local" when not linked) and the service
    URL Teams needs, for messages the clock sends to people."""
    store = reviews(deps)
    ext_ids: dict[str, str] = {}
    for platform in CHAT_PLATFORMS:
        found = await deps.db(store.external_id, workspace_id, platform)
        ext_ids[platform] = found or "local"
    urls = {p: await deps.db(store.service_url, workspace_id, p) for p in ("teams",)}
    return ext_ids, urls


def owner_address(owner: str, ext_ids: dict[str, str], urls: dict[str, str | None]) -> Address:
    """A DM to a chat owner (`slack:U1`, `teams:29:x`): the adapter opens the 1:1 chat."""
    platform, user = owner.split(":", 1)
    return Address(platform, ext_ids[platform], user, service_url=urls.get(platform))


Deliver = Callable[..., Awaitable[Any]]


def channel_address(
    ref: str | None, workspace_ext: Callable[[str], str], default_platform: str
) -> Address | None:
    """`slack:C123` / `teams:19:abc` / `C123` (on the default platform) -> Address."""
    if not ref:
        return None
    platform, sep, rest = ref.partition(":")
    if sep and platform in CHAT_PLATFORMS:
        return Address(platform, workspace_ext(platform), rest)
    return Address(default_platform, workspace_ext(default_platform), ref)


async def sweep_reviews(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter],
    now: datetime,
    report: Any,
    deliver: Deliver,
) -> None:
    await sweep_owner_notices(deps, adapters, now, report, deliver)
    store = reviews(deps)
    for due in await deps.db(store.due, now):
        try:
            await _remind(deps, adapters, now, report, deliver, store, due)
        except Exception:
            log.exception("review reminder for persona %s failed", due.slug)


async def _remind(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter],
    now: datetime,
    report: Any,
    deliver: Deliver,
    store: ReviewStore,
    due: ReviewDue,
) -> None:
    persona = await deps.db(deps.store.get, due.workspace_id, due.slug)
    if persona is None:
        return
    ext_ids, urls = await workspace_places(deps, due.workspace_id)
    record = await deps.db(surveys(deps).prediction_record, due.workspace_id, due.persona_id)
    news = await deps.db(store.evidence_since, due.persona_id, due.last_reviewed_at)
    gaps = await deps.db(deps.repos.gaps.listed, due.workspace_id, due.persona_id, 5)
    dm = reminder_reply(persona, due, now, record, news, gaps)

    async def build_dm() -> Reply:
        return dm

    chat_owners = [o for o in due.owners if o.split(":", 1)[0] in CHAT_PLATFORMS]
    for owner in due.owners:
        if owner not in chat_owners:
            log.info("review of %s: owner %s has no chat account; not messaged", due.slug, owner)
            continue
        address = owner_address(owner, ext_ids, urls)
        await deliver(
            deps, adapters, report, kind="review", target=f"persona:{due.persona_id}:{owner}",
            period=due.cycle, address=address, build=build_dm,
        )  # fmt: skip
    default_platform = (
        chat_owners[0].split(":", 1)[0] if chat_owners else next(iter(adapters), "web")
    )
    admin = await deps.db(store.admin_channel, due.workspace_id)
    overdue = due.days_overdue(now) >= ESCALATE_AFTER_DAYS
    if due.owners and not overdue:
        return
    ref = admin if not due.owners else (due.home_channel or admin)
    target = channel_address(ref, lambda p: ext_ids.get(p, "local"), default_platform)
    if target is None:
        log.warning("review of %s: no home or admin channel to escalate to", due.slug)
        report.skipped.append(f"escalate -> persona:{due.persona_id}: no channel")
        return
    target = Address(target.platform, target.workspace, target.conversation_id,
                     service_url=urls.get(target.platform))  # fmt: skip
    escalation = escalation_reply(persona, due, now)

    async def build_escalation() -> Reply:
        return escalation

    await deliver(
        deps, adapters, report, kind="escalate", target=f"persona:{due.persona_id}",
        period=due.cycle, address=target, build=build_escalation,
    )  # fmt: skip


# -- commands and buttons ----------------------------------------------------------------------


async def reviewed(ctx: Context) -> Reply:
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    if not await may_manage(ctx, persona):
        return manage_refused(persona, "mark it reviewed")
    deps = ctx.deps
    now = deps.now()
    await deps.db(deps.store.mark_reviewed, ctx.workspace_id, persona.slug, author=ctx.author,
                  at=now)  # fmt: skip
    await deps.db(reviews(deps).clear, ctx.workspace_id, persona.slug)
    nxt = (now + timedelta(days=persona.review_every_days)).date().isoformat()
    return Reply(text=f"Thanks! {persona.name} is marked as reviewed (still accurate). "
                 f"Next review due {nxt}.")  # fmt: skip


async def needs_update(ctx: Context) -> Reply:
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    if not await may_manage(ctx, persona):
        return manage_refused(persona, "flag it for an update")
    await ctx.deps.db(reviews(ctx.deps).flag_needs_update, ctx.workspace_id, persona.slug,
                      f"flagged by {ctx.author}")  # fmt: skip
    return Reply(
        text=(
            f"Noted: {persona.name} needs an update. Type `edit {persona.slug}` to change it "
            f"(a revision is kept). When done, type `reviewed {persona.slug}`."
        ),
        ephemeral=True,
    )


async def snooze(ctx: Context) -> Reply:
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    if not await may_manage(ctx, persona):
        return manage_refused(persona, "snooze its review")
    until = ctx.deps.now() + SNOOZE
    await ctx.deps.db(reviews(ctx.deps).snooze, ctx.workspace_id, persona.slug, until)
    return Reply(
        text=f"Snoozed: I'll remind you about {persona.name} again on {until.date().isoformat()}.",
        ephemeral=True,
    )


async def reassign(ctx: Context) -> Reply:
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    return Reply(
        text=(
            f"To hand {persona.name} over, type `owner {persona.slug} @new-owner`, then "
            f"`owner {persona.slug} remove @you`."
        ),
        ephemeral=True,
    )


async def admin_channel(ctx: Context) -> Reply:
    """`admin-channel here | off | show`: where reviews of ownerless personas are posted."""
    word = (ctx.args.strip().split() or ["show"])[0].lower()
    store = reviews(ctx.deps)
    address = ctx.inbound.address
    current = await ctx.deps.db(store.admin_channel, ctx.workspace_id)
    if word in ("here", "off") and (current or word == "off") and not await is_admin(ctx):
        # While none is set anyone may pick one (the reply is posted there); moving it or
        # turning it off is an admin's call.
        return error_reply(
            f"Only workspace admins can move or turn off the admin channel (now {current})."
            if current
            else "Only workspace admins can turn off the admin channel."
        )
    if word == "here":
        ref = f"{address.platform}:{address.conversation_id}"
        await ctx.deps.db(store.set_admin_channel, ctx.workspace_id, ref)
        return Reply(text="This channel now gets the reviews of personas nobody owns.")
    if word == "off":
        await ctx.deps.db(store.set_admin_channel, ctx.workspace_id, None)
        return Reply(text="No admin channel any more: ownerless personas are not announced.")
    if word != "show":
        return error_reply(
            f"I don't know 'admin-channel {word[:30]}'. Usage: `admin-channel here` (this "
            "channel), `admin-channel off`, or `admin-channel` to see the current one."
        )
    return Reply(
        text=f"Admin channel: {current or 'none (type `admin-channel here` in one)'}.",
        ephemeral=True,
    )


def register(registry: Registry) -> None:
    registry.command(
        "owner",
        summary="Who keeps a persona fresh: add or remove owners (they get review reminders).",
        usage="owner NAME @person | owner NAME remove @person | owner NAME",
        # an email works everywhere (the playground has no @ list); in Slack/Teams, @alice
        examples=("owner maya alice@example.com", "owner maya"),
        aliases=("owners",),
    )(owner_command)
    registry.command(
        "reviewed",
        summary="Mark a persona as reviewed (still accurate) by hand.",
        usage="reviewed NAME",
        examples=("reviewed maya",),
    )(reviewed)
    registry.command(
        "admin-channel",
        summary="Where reviews of personas without owners are posted.",
        usage="admin-channel here | admin-channel off | admin-channel",
        examples=("admin-channel here",),
    )(admin_channel)
    registry.action("review.ok")(reviewed)
    registry.action("review.update")(needs_update)
    registry.action("review.snooze")(snooze)
    registry.action("review.reassign")(reassign)

    async def sweep(run: SweepRun) -> None:
        await sweep_reviews(run.deps, run.adapters, run.now, run.report, deliver)

    registry.clock.sweep("reminders", order=30)(sweep)
