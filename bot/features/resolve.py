"""Resolving what someone typed to a persona, with a friendly "did you mean" on failure."""

from __future__ import annotations

import re

from bot.commands import Context
from bot.messages import Reply, error_reply
from persona_store.personas.views import PersonaView

MAX_NAME_ECHO = 40
# "Maya and Sam", "Maya, Sam & Priya": several personas asked at once (a panel of them)
NAME_LIST_SPLIT = re.compile(r"\s*(?:,|&|\band\b|\bor\b)\s*", re.IGNORECASE)
# "our personas", "all the personas", "everyone": the whole panel
EVERYONE = re.compile(
    r"(?:(?:all\s+(?:of\s+)?)?(?:our|the|my|these)|all)\s+personas?|every\s*(?:one|body)"
    r"|every\s+persona|all\s+of\s+them",
    re.IGNORECASE,
)


def clean_question(text: str) -> str:
    """The question as typed: outer quotes and surrounding / repeated whitespace dropped."""
    text = text.strip().strip("\u201c\u201d\"'").strip()
    return re.sub(r"\s+", " ", text)


def named_group(name: str) -> list[str] | None:
    """['maya', 'sam'] for "Maya and Sam", [] for "our personas" (all of them), None for one
    name."""
    if EVERYONE.fullmatch(name.strip()):
        return []
    parts = [p for p in NAME_LIST_SPLIT.split(name.strip()) if p]
    return parts if len(parts) >= 2 else None


def _quote(name: str) -> str:
    name = name.strip()
    return name if len(name) <= MAX_NAME_ECHO else name[: MAX_NAME_ECHO - 1] + "…"


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


async def resolve_persona(ctx: Context, name: str) -> PersonaView | Reply:
    """The persona for `name`, or an error Reply that changes nothing."""
    if not name.strip():
        return error_reply("Which persona? Type `list` to see them all.")
    found = await ctx.deps.db(ctx.deps.store.lookup, ctx.workspace_id, name)
    if found.persona is not None:
        return found.persona
    if found.ambiguous:
        return error_reply(
            f"'{_quote(name)}' could be {_join(found.ambiguous)}. Which one did you mean?"
        )
    if found.suggestions:
        return error_reply(
            f"I don't know '{_quote(name)}' — did you mean {_join(found.suggestions)}?"
        )
    personas = await ctx.deps.db(ctx.deps.store.list_personas, ctx.workspace_id)
    if not personas:
        return error_reply(
            "There are no personas in this workspace yet. Import some with "
            "`persona-bot personas import FILE`."
        )
    known = tuple(p.name for p in personas[:8])
    return error_reply(f"I don't know '{_quote(name)}'. Personas here: {_join(known)}.")
