"""Owners: `owner maya @alice`, `owner maya remove @alice`, `owner maya`, and the notices
an ownership change owes.

Policy (SECURITY.md): a persona's owners are changed by its owners and workspace admins
(`bot.features.access`); a persona nobody owns by admins, or by the first person who claims
it for themself. Every change writes a revision and owes a direct message to each previous
owner, and a claim of an ownerless persona a post in the admin channel; the store writes
those notices 'pending' in the change's own transaction and the clock posts them
(`sweep_owner_notices`, through the same exactly-once `deliver` as review reminders).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.commands import Context
from bot.deps import Deps
from bot.features.access import is_admin, manage_refused
from bot.features.edit import is_owner
from bot.features.resolve import resolve_persona
from bot.messages import Address, Reply, error_reply
from bot.ports import ChatAdapter
from persona_store.personas.ownership import (
    ADMIN_CHANNEL,
    OWNERS_KIND,
    OwnerNotice,
    OwnersChanged,
)

log = logging.getLogger(__name__)

CHAT_PLATFORMS = ("slack", "teams", "web")


def parse_owner(token: str, ctx: Context) -> str | None:
    """A person as an owner ref (`slack:U1`, `teams:29:x`, `email:a@b`), or None."""
    token = token.strip().rstrip(",")
    platform = ctx.inbound.address.platform
    if token.lower() in ("me", "myself", "@me"):
        return ctx.author if platform in ("slack", "teams") else None
    if re.fullmatch(r"(slack|teams|email):\S+", token):
        return token
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", token, re.IGNORECASE):
        return f"email:{token.lower()}"
    mentioned = dict(ctx.inbound.mentions)  # resolved by the adapter
    if token in mentioned:
        return f"{platform}:{mentioned[token]}"
    # A Teams name typed without picking it from the @ list carries no user id: refused
    # rather than stored as an owner nobody can message.
    return None


def owner_label(ref: str, ctx: Context) -> str:
    """`Alice Wong (teams:29:1a…)` for someone mentioned in this message, else the ref."""
    platform = ctx.inbound.address.platform
    for token, user_id in ctx.inbound.mentions:
        if f"{platform}:{user_id}" == ref:
            return f"{token.lstrip('@').replace('_', ' ')} ({ref})"
    return ref


def _messageable(ref: str) -> bool:
    return ref.split(":", 1)[0] in CHAT_PLATFORMS


async def owner_command(ctx: Context) -> Reply:
    name, _, rest = ctx.args.strip().partition(" ")
    persona = await resolve_persona(ctx, name)
    if isinstance(persona, Reply):
        return persona
    words = rest.split()
    current = [o.ref for o in persona.owners]
    if not words:
        who = ", ".join(current) or "nobody yet"
        return Reply(text=f"{persona.name}'s owners: {who}.", ephemeral=True)
    remove = words[0].lower() in ("remove", "rm", "delete", "-")
    tokens = words[1:] if remove or words[0].lower() == "add" else words
    refs = [parse_owner(t, ctx) for t in tokens]
    if not tokens or any(r is None for r in refs):
        bad = next((t for t, r in zip(tokens, refs, strict=False) if r is None), "")
        if ctx.inbound.address.platform not in ("slack", "teams"):
            # no user directory here (playground, terminal): '@alice' can't be looked up
            return error_reply(
                f"I can't look up '{bad[:40]}' here. Give an email address or a chat id, "
                f"e.g. `owner {persona.slug} alice@example.com` or `owner {persona.slug} "
                "slack:U0123` (in Slack or Teams, mention them: @alice)."
            )
        return error_reply(
            f"I can't tell who '{bad[:40]}' is. Mention them by picking the name from the @ "
            "list (so I get their user id), or give an email address. "
            f"Usage: owner {persona.slug} @alice | owner {persona.slug} remove @alice"
        )
    wanted = [r for r in refs if r]
    if remove:
        missing = [r for r in wanted if r not in current]
        if missing:
            return error_reply(f"{missing[0]} is not an owner of {persona.name}.")
        owners = [o for o in current if o not in wanted]
    else:
        owners = current + [r for r in wanted if r not in current]
    if owners == current:
        return Reply(text=f"{persona.name}'s owners stay: {', '.join(current)}.", ephemeral=True)
    claim = not current
    if claim:
        # Nobody owns it: admins may hand it to anyone, anybody else only to themself.
        if wanted != [ctx.author] and not await is_admin(ctx):
            return manage_refused(persona, "give it owners other than themselves")
    elif not is_owner(persona, ctx.author) and not await is_admin(ctx):
        return manage_refused(persona, "change its owners")
    deps = ctx.deps
    notify = [o for o in current if _messageable(o) and o != ctx.author]
    if claim and await deps.db(deps.repos.reviews.admin_channel, ctx.workspace_id):
        notify.append(ADMIN_CHANNEL)
    try:
        view = await deps.db(
            deps.repos.ownership.change, ctx.workspace_id, persona.slug, owners,
            expected=current, author=ctx.author, notify=notify, now=deps.now(),
        )  # fmt: skip
    except (OwnersChanged, KeyError):
        return error_reply(
            f"{persona.name}'s owners changed a moment ago. See them with `owner "
            f"{persona.slug}` and try again if it is still needed."
        )
    log.info("owners of %s changed by %s: %s -> %s", persona.slug, ctx.author, current, owners)
    who = ", ".join(owner_label(o.ref, ctx) for o in view.owners) or "nobody"
    told = [o for o in notify if o != ADMIN_CHANNEL]
    said = f"{persona.name}'s owners are now: {who}."
    if told:
        said += f" I'll let the previous owners know ({', '.join(told)})."
    if ADMIN_CHANNEL in notify:
        said += " I'll announce the claim in the admin channel."
    return Reply(text=said)


# -- the notices (the clock) -------------------------------------------------------------------


def notice_reply(notice: OwnerNotice) -> Reply:
    """The text of an owed notice (pure)."""
    before = ", ".join(notice.before) or "nobody"
    after = ", ".join(notice.after) or "nobody"
    if notice.recipient == ADMIN_CHANNEL:
        text = (
            f"{notice.author} claimed {notice.name}, who had no owner: owners are now "
            f"{after}. If that's wrong, a workspace admin can change it with "
            f"`owner {notice.slug} remove …`."
        )
    else:
        text = (
            f"{notice.author} changed the owners of {notice.name}: before {before}, now "
            f"{after}. If that's wrong, ask a workspace admin (`owner {notice.slug}` shows "
            "the owners)."
        )
    return Reply(text=text)


Deliver = Callable[..., Awaitable[Any]]


async def sweep_owner_notices(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: Any, deliver: Deliver
) -> None:
    """Post every ownership notice still owed (see the module)."""
    for notice in await deps.db(deps.repos.ownership.notices_due, now):
        try:
            address = await _notice_address(deps, notice)
            if address is None:
                log.info("owner notice %s: nowhere to post it", notice.target)
                continue
            reply = notice_reply(notice)

            async def build(reply: Reply = reply) -> Reply:
                return reply

            await deliver(
                deps, adapters, report, kind=OWNERS_KIND, target=notice.target,
                period=notice.period, address=address, build=build,
            )  # fmt: skip
        except Exception:
            log.exception("owner notice %s failed", notice.target)


async def _notice_address(deps: Deps, notice: OwnerNotice) -> Address | None:
    reviews = deps.repos.reviews
    ref = notice.recipient
    if ref == ADMIN_CHANNEL:
        ref = await deps.db(reviews.admin_channel, notice.workspace_id) or ""
    platform, sep, conversation = ref.partition(":")
    if not sep or platform not in CHAT_PLATFORMS:
        return None
    ext = await deps.db(reviews.external_id, notice.workspace_id, platform) or "local"
    url = await deps.db(reviews.service_url, notice.workspace_id, platform)
    return Address(platform, ext, conversation, service_url=url)
