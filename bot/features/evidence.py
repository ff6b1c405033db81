"""`evidence suggest maya`: the persona's unlinked evidence with the profile line the
answerer's matching finds best for each, and buttons for the owners to confirm ("Link to
pain-2"), dismiss ("Not related") or ask for a line the profile lacks ("New line"). Nothing
is linked without a click; who may click is `bot.features.access`'s call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from bot.answering.offline import OfflineAnswerer
from bot.commands import Context, Registry
from bot.features.access import manage_refused, may_manage
from bot.features.resolve import resolve_persona
from bot.messages import Button, Card, Reply, Section, error_reply
from bot.numbers import id_of
from persona_store.evidence.repository import EvidenceNotFound
from persona_store.personas.views import EvidenceView, LineView, PersonaView

SHOWN = 5  # suggestions per reply: each is a card with three buttons
LINK, UNRELATED, NEW_LINE = "evidence.link", "evidence.unrelated", "evidence.newline"
USAGE = "Usage: `evidence suggest NAME`, e.g. `evidence suggest maya`."


@dataclass(frozen=True)
class Suggestion:
    evidence: EvidenceView
    line: LineView | None  # None: no line of the profile speaks to it


def unlinked(persona: PersonaView) -> list[EvidenceView]:
    """Evidence of the view (files', the bot's) no line cites and no owner has set aside,
    newest first; imported rows are read separately (`unlinked_imported`)."""
    items = [e for e in persona.evidence if e.line_key is None and e.review is None]
    return sorted(items, key=_newest, reverse=True)


def _newest(e: EvidenceView) -> tuple[date, int]:
    return (e.collected_at or e.created_at.date(), e.id)


def suggest(persona: PersonaView, items: list[EvidenceView]) -> list[Suggestion]:
    """The best line for each item by the offline answerer's matching (BM25 over the
    profile's lines with its term folding), the persona's evidence left out of the index."""
    answerer = OfflineAnswerer(cache_size=1, semantic=False)  # words only: fast, as documented
    lines_only = replace(persona, evidence=())
    keys = {line.key for line in persona.lines}
    out = []
    for e in items:
        found, _ = answerer.matches(lines_only, e.summary)
        best = next((m.line for m in found if m.line.key in keys), None)
        out.append(Suggestion(e, best))
    return out


def _where(e: EvidenceView) -> str:
    parts = [e.source]
    if e.collected_at:
        parts.append(e.collected_at.isoformat())
    if e.n:
        parts.append(f"n={e.n}")
    if e.source_file:
        parts.append(f"{e.source_file} row {e.source_row}" if e.source_row else e.source_file)
    return " · ".join(parts)


def _header(persona: PersonaView, total: int, rest: int) -> Card:
    """Whose evidence the cards below are, how many there are and who confirms them: the
    cards alone were a list of "Evidence #15" with buttons and no word of what they are."""
    context = [
        "Owners and workspace admins confirm each one: Link to the line, Not related, or "
        "New line (it asks for a line the profile lacks)."
    ]
    if rest > 0:
        context.insert(0, f"… and {rest:,} more: confirm these, then ask again.")
    return Card(
        title=f"{persona.name}: unlinked evidence",
        text=f"{total:,} not linked to a profile line yet, newest first, each with the "
        "line that matches it best:",
        context=tuple(context),
    )


def _card(persona: PersonaView, s: Suggestion) -> Card:
    e, value = s.evidence, f"{persona.slug}:{s.evidence.id}"
    buttons = []
    if s.line is not None:
        best = f"Best line: {s.line.key} \u201c{s.line.text}\u201d"
        buttons.append(Button(f"Link to {s.line.key}", LINK, f"{value}:{s.line.key}", "primary"))
    else:
        best = "No line of the profile matches it."
    buttons += [Button("Not related", UNRELATED, value), Button("New line", NEW_LINE, value)]
    return Card(
        title=f"Evidence #{e.id}",
        subtitle=_where(e),
        sections=(Section(text=e.summary, literal=True), Section(text=best)),
        buttons=tuple(buttons),
    )


async def suggest_command(ctx: Context) -> Reply:
    word, _, name = ctx.args.strip().partition(" ")
    if word.lower() != "suggest":
        return error_reply(USAGE)
    persona = await resolve_persona(ctx, name)
    if isinstance(persona, Reply):
        return persona
    items = unlinked(persona)
    total = len(items) + persona.imported.unlinked
    if persona.imported.unlinked:  # newest first across both: a fresh import shows at once
        repo = ctx.deps.repos.evidence
        more = await ctx.deps.db(repo.unlinked_imported, ctx.workspace_id, persona.slug, SHOWN)
        items = sorted(items + more, key=_newest, reverse=True)
    if not items:
        return Reply(
            text=f"All of {persona.name}'s evidence is linked to a line (or set aside).",
            ephemeral=True,
        )
    found = await asyncio.to_thread(suggest, persona, items[:SHOWN])
    rest = total - len(found)
    text = [f"Unlinked evidence of {persona.name} ({total:,}), best line for each:"]
    for s in found:
        best = f"{s.line.key} \u201c{s.line.text}\u201d" if s.line else "no matching line"
        text.append(f"  • #{s.evidence.id} {s.evidence.summary} ({_where(s.evidence)}) → {best}")
    if rest > 0:
        text.append(f"… and {rest:,} more: confirm these, then ask again.")
    text.append("Owners confirm each one: Link / Not related / New line.")
    cards = (_header(persona, total, rest), *(_card(persona, s) for s in found))
    return Reply(text="\n".join(text), cards=cards, ephemeral=True, meta={"persona": persona.slug})


async def _target(ctx: Context, what: str) -> tuple[PersonaView, int, str] | Reply:
    """(persona, evidence id, rest of the value) of a click, or the refusal."""
    slug, _, rest = ctx.args.partition(":")
    number, _, tail = rest.partition(":")
    evidence_id = id_of(number)
    if evidence_id is None:
        return error_reply("That button no longer does anything. Try `evidence suggest NAME`.")
    persona = await resolve_persona(ctx, slug)
    if isinstance(persona, Reply):
        return persona
    if not await may_manage(ctx, persona):
        return manage_refused(persona, what)
    return persona, evidence_id, tail


def _gone(persona: PersonaView) -> Reply:
    return error_reply(
        f"That evidence or line is no longer {persona.name}'s. Type "
        f"`evidence suggest {persona.slug}` for the current list."
    )


async def _click(
    ctx: Context, what: str, write: Callable[[int, str, int, str], str]
) -> tuple[PersonaView, int, str, str] | Reply:
    """Check the click, then `write(workspace, slug, evidence id, rest of the value)`."""
    found = await _target(ctx, what)
    if isinstance(found, Reply):
        return found
    persona, evidence_id, tail = found
    try:
        result = await ctx.deps.db(write, ctx.workspace_id, persona.slug, evidence_id, tail)
    except EvidenceNotFound:
        return _gone(persona)
    return persona, evidence_id, tail, result


async def link(ctx: Context) -> Reply:
    done = await _click(ctx, "link its evidence", ctx.deps.repos.evidence.link)
    if isinstance(done, Reply):
        return done
    _, evidence_id, key, text = done
    return Reply(text=f"Linked evidence #{evidence_id} to {key} \u201c{text}\u201d.")


async def _review(ctx: Context, review: str) -> Reply:
    repo = ctx.deps.repos.evidence

    def write(ws: int, slug: str, evidence_id: int, _: str) -> str:
        return repo.set_review(ws, slug, evidence_id, review)

    done = await _click(ctx, "set its evidence aside", write)
    if isinstance(done, Reply):
        return done
    persona, evidence_id, _, summary = done
    if review == "unrelated":
        return Reply(text=f"Evidence #{evidence_id} is set aside as not related to a line.")
    return Reply(
        text=(
            f"Evidence #{evidence_id} asks for a new line of {persona.name}: "
            f"\u201c{summary}\u201d. Add the line to the profile (`edit {persona.slug}` in "
            "Slack, or the persona file); this item is no longer suggested meanwhile."
        )
    )


async def unrelated(ctx: Context) -> Reply:
    return await _review(ctx, "unrelated")


async def new_line(ctx: Context) -> Reply:
    return await _review(ctx, "new-line")


def register(registry: Registry) -> None:
    registry.command(
        "evidence",
        summary="Unlinked evidence with the best profile line for each, to confirm.",
        usage="evidence suggest NAME",
        examples=("evidence suggest maya",),
    )(suggest_command)
    registry.action(LINK)(link)
    registry.action(UNRELATED)(unrelated)
    registry.action(NEW_LINE)(new_line)
