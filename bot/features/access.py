"""Who may change what (SECURITY.md, "Who may change what"): the one place that decides.

A persona is managed (owners, reviews, its surveys closed) by its owners and by workspace
admins. Whether someone is a workspace admin is a platform fact: the adapter that knows
(Slack's users.info) registers a check in `Deps.admin_checks`; a platform without one
(Teams) has no admins. The playground and the terminal are the operator's (the playground
answers loopback or password holders only), so their users count as admins.
"""

from __future__ import annotations

import secrets

from bot.commands import Context
from bot.features.edit import is_owner
from bot.messages import Reply, error_reply
from persona_store.decisions.views import AnswerRef, DecisionView
from persona_store.personas.views import PersonaView

OPERATOR_PLATFORMS = ("web", "cli")


async def is_admin(ctx: Context) -> bool:
    """Whether the person is an admin of this workspace, by the platform's word."""
    address = ctx.inbound.address
    if address.platform in OPERATOR_PLATFORMS:
        return True
    check = ctx.deps.admin_checks.get(address.platform)
    if check is None:
        return False
    try:
        return await check(address.workspace, ctx.user_id)
    except Exception:  # the platform could not be asked: not an admin
        return False


async def may_manage(ctx: Context, persona: PersonaView) -> bool:
    """Owners and workspace admins; admin rights are asked only of non-owners."""
    return is_owner(persona, ctx.author) or await is_admin(ctx)


def manage_refused(persona: PersonaView, what: str) -> Reply:
    """`what`: "change its owners", "mark it reviewed" … (nothing was changed)."""
    if persona.owners:
        who = f"{persona.name}'s owners ({', '.join(o.ref for o in persona.owners)})"
        return error_reply(f"Only {who} and workspace admins can {what}.")
    return error_reply(
        f"Nobody owns {persona.name} yet, so only workspace admins can {what}. To look "
        f"after {persona.first_name} yourself, claim it: `owner {persona.slug} @me`."
    )


def may_edit_decision(ctx: Context, decision: DecisionView) -> bool:
    """A logged decision is changed by the person who logged it, and nobody else (its
    revisions name every author)."""
    return decision.author == ctx.author


def decision_edit_refused(decision: DecisionView) -> Reply:
    return error_reply(
        f"Only the person who logged decision #{decision.number} can edit it. You can log "
        "a new decision instead."
    )


def may_attach_answer(ctx: Context, answer: AnswerRef, token: str) -> bool:
    """Whether a click may see and attach an answer record: its button's key must match
    (ids are sequential, and a form's or card's data can be forged: an answer given in a
    private chat must not show elsewhere). A record kept before keys: only from the
    conversation it was given in."""
    if answer.token:
        return secrets.compare_digest(answer.token.encode(), token.encode())
    address = ctx.inbound.address
    place = answer.place
    return place is not None and (place.platform, place.conversation_id) == (
        address.platform,
        address.conversation_id,
    )
