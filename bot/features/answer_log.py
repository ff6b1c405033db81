"""Keeping what an answer said, so a decision can cite it: each answer, panel (and, on a
click, closed survey results) gets an answer record and a "Log decision" button carrying
its id. Asks and panels count one consultation per persona; nothing about who asked is
kept."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import replace

from bot.answering.base import Answer
from bot.commands import Context
from bot.features.decision_render import considered, log_button
from bot.messages import Reply
from persona_store.decisions.views import Considered, Place
from persona_store.personas.views import PersonaView

log = logging.getLogger(__name__)

TOKEN_BYTES = 12  # 16 characters of URL-safe base64 (the column holds 32)


def answer_key(answer_id: int, token: str) -> str:
    """What a form or button carries to name an answer record: "12.<random key>"."""
    return f"{answer_id}.{token}"


def answer_ref(key: str) -> str:
    return f"answer:{key}"


async def record(
    ctx: Context, kind: str, question: str, heard: Sequence[Considered], *, consulted: bool = True
) -> str:
    """Record the answer; returns its key (`answer_key`). The random part is what makes a
    guessed or forged id name nothing (`bot.features.access.may_attach_answer`)."""
    address = ctx.inbound.address
    place = Place(address.platform, address.conversation_id, address.thread_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    answer_id = await ctx.deps.db(
        ctx.deps.repos.decisions.record_answer,
        ctx.workspace_id,
        kind,
        question,
        list(heard),
        place=place,
        consulted=consulted,
        token=token,
    )
    return answer_key(answer_id, token)


async def with_log_button(
    ctx: Context,
    reply: Reply,
    kind: str,
    question: str,
    pairs: Sequence[tuple[PersonaView, Answer]],
) -> Reply:
    """`reply` with "Log decision" on its first card, once the answer is recorded. A
    record that cannot be written costs the button, never the answer."""
    return await with_log_button_heard(
        ctx, reply, kind, question, [considered(p, a) for p, a in pairs]
    )


async def with_log_button_heard(
    ctx: Context, reply: Reply, kind: str, question: str, heard: Sequence[Considered]
) -> Reply:
    """`with_log_button` for what was heard some other way (a critique's cited lines)."""
    if not reply.cards:
        return reply
    try:
        key = await record(ctx, kind, question, heard)
    except Exception:
        log.exception("could not record a %s answer for the decision log", kind)
        return reply
    first = reply.cards[0]
    first = replace(first, buttons=(*first.buttons, log_button(answer_ref(key))))
    return replace(reply, cards=(first, *reply.cards[1:]))
