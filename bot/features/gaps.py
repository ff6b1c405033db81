"""The gap loop: what people ask that a persona can't answer becomes the next survey.

- Collect: after an answer (`ask`, a panel), a question the profile does not cover (stance
  "unknown", out of scope, nothing cited or only weak matches) is counted as a gap of that
  persona, grouped with its near-duplicates (`bot.answering.topics`); every other answer
  counts as answered from the profile. Who asked is never stored. Recording never breaks or
  holds up the answer: a failure is logged and the answer goes out.
- Show: `gaps maya` (most asked first), "Asked but not covered" on profiles and the gallery,
  the top gaps in the owner's reminder and home screen (`bot.features.gap_render`).
- Close: "Ask the team" drafts a Yes / No / Not sure survey linked to the gap
  (`bot.features.gap_survey`: posted in the persona's home channel), editable first: the
  click answers with the core's form (`bot.features.gap_form`: a Slack modal, a Teams task
  module, a playground form). Its close saves
  the results as evidence linked to the gap, and the clock offers them to the owners
  (`bot.features.gap_sweep`); "Add as pain" / "Add as goal" open the line drafted from the
  gap as a form to reword (`bot.features.gap_line_form`, on every platform; or type
  `gaps maya line N pain "text"`) and turn it into a citable profile line with a revision,
  "Dismiss" (or `gaps maya dismiss N`) takes it off the list. Owners and admins only
  (`bot.features.access`), except asking the team, which anyone may (like any survey).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from bot.answering.base import Answer
from bot.answering.topics import question_terms, topic_label
from bot.commands import Context, Registry
from bot.deps import Deps
from bot.features.access import manage_refused, may_manage
from bot.features.forms import survey_form_personas
from bot.features.gap_form import FIELDS as FORM_FIELDS
from bot.features.gap_form import (
    SUBMIT_ACTION,
    GapSurvey,
    check_gap_survey,
    draft_reply,
    gap_survey_form,
    problems_text,
)
from bot.features.gap_line_form import (
    LINE_ACTION,
    LINE_FIELDS,
    LineDraft,
    check_line,
    line_form,
    line_form_reply,
)
from bot.features.gap_line_form import problems_text as line_problems
from bot.features.gap_render import (
    ASK_ACTION,
    DISMISS_ACTION,
    GOAL_ACTION,
    PAIN_ACTION,
    SURVEY_OPTIONS,
    askable,
    dismissed,
    gaps_reply,
    line_added,
)
from bot.features.gap_survey import open_gap_survey
from bot.features.resolve import resolve_persona
from bot.features.survey_open import DEFAULT_OPEN
from bot.messages import Reply, error_reply
from bot.numbers import is_number
from persona_store.gaps.models import LISTED
from persona_store.gaps.repository import LINE_KINDS, GapError, GapStore
from persona_store.gaps.views import GapHealth, GapSummary, GapView
from persona_store.personas.views import PersonaView

log = logging.getLogger(__name__)

WEAK = 0.2  # an answer citing lines with less confidence than this rests on weak matches
USAGE = 'gaps NAME | gaps NAME ask N | gaps NAME dismiss N | gaps NAME line N pain|goal "text"'


def gaps_of(deps: Deps) -> GapStore:
    return deps.repos.gaps


def is_gap(answer: Answer) -> bool:
    """The profile did not answer it: out of scope, "unknown", nothing cited, or only weak
    matches cited."""
    return (
        answer.out_of_scope
        or answer.stance == "unknown"
        or not answer.cited_keys
        or answer.confidence < WEAK
    )


async def record_answers(
    ctx: Context, question: str, answered: Sequence[tuple[PersonaView, Answer]]
) -> None:
    """Count each persona's answer: a gap, or answered from the profile. Never raises."""
    deps = ctx.deps
    store = gaps_of(deps)
    now = deps.now()
    counted = [(p, a) for p, a in answered if not a.refused]  # a refusal: no gap, no answer
    for persona in [p for p, a in counted if is_gap(a)]:
        names = (persona.name, persona.slug)
        try:
            await deps.db(
                store.record, ctx.workspace_id, persona.id, question,
                terms=question_terms(question, names), topic=topic_label(question, names),
                now=now,
            )  # fmt: skip
        except Exception:  # the answer matters more than its bookkeeping
            log.exception("could not record the answer of %s as a gap", persona.slug)
    from_profile = [p.id for p, a in counted if not is_gap(a)]
    if from_profile:  # a panel's answered personas: one transaction
        try:
            await deps.db(store.count_answered_many, ctx.workspace_id, from_profile, now)
        except Exception:
            log.exception("could not count %d answers from the profile", len(from_profile))


# -- read by other features and the gallery -------------------------------------------------


async def gap_summaries(
    deps: Deps, workspace_id: int, persona_ids: list[int]
) -> dict[int, GapSummary]:
    try:
        return await deps.db(gaps_of(deps).summaries, workspace_id, persona_ids)
    except Exception:
        log.exception("could not read the gaps of %s", persona_ids)
        return {}


async def gap_health(
    deps: Deps, workspace_id: int, persona_ids: list[int], quarters: int = 1
) -> dict[int, list[GapHealth]]:
    """The loop's numbers per persona, this quarter first (`quarters` of them)."""
    return await deps.db(gaps_of(deps).history, workspace_id, persona_ids, deps.now(), quarters)


async def listed_gaps(deps: Deps, workspace_id: int, persona_id: int) -> list[GapView]:
    return await deps.db(gaps_of(deps).listed, workspace_id, persona_id)


# -- the command -------------------------------------------------------------------------------

# gap numbers stay within an INTEGER column (PostgreSQL refuses bigger ones)
_LINE = re.compile(r"^line\s+#?(\d{1,9})\s+(\w+)\s+(.+)$", re.IGNORECASE | re.DOTALL)
_NUMBERED = re.compile(r"^(dismiss|ask)\s+#?(\d{1,9})\s*$", re.IGNORECASE)
_QUOTES = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}


def _unquote(text: str) -> str:
    for fancy, plain in _QUOTES.items():
        text = text.replace(fancy, plain)
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text.strip()


async def _split(ctx: Context) -> tuple[PersonaView | Reply, str]:
    """(persona, the rest): "maya dismiss 3" or "Maya Chen dismiss 3"."""
    words = ctx.args.strip().split(" ")
    if len(words) >= 2:
        two = " ".join(words[:2]).lower()
        names = await ctx.deps.db(ctx.deps.store.persona_names, ctx.workspace_id)
        if any(name.lower() == two for _, name in names):
            return await resolve_persona(ctx, " ".join(words[:2])), " ".join(words[2:]).strip()
    return await resolve_persona(ctx, words[0]), " ".join(words[1:]).strip()


async def gaps_command(ctx: Context) -> Reply:
    if not ctx.args.strip():
        return error_reply(f"Whose gaps? Usage: `{USAGE}`, e.g. `gaps maya`.")
    persona, rest = await _split(ctx)
    if isinstance(persona, Reply):
        return persona
    if not rest:
        return gaps_reply(persona, await listed_gaps(ctx.deps, ctx.workspace_id, persona.id))
    numbered = _NUMBERED.match(rest)
    if numbered:
        gap = await _gap(ctx, persona, int(numbered.group(2)))
        if isinstance(gap, Reply):
            return gap
        if numbered.group(1).lower() == "ask":
            return await ask_team(ctx, persona, gap)
        return await dismiss(ctx, persona, gap)
    line = _LINE.match(rest)
    if line:
        gap = await _gap(ctx, persona, int(line.group(1)))
        if isinstance(gap, Reply):
            return gap
        return await add_line(ctx, persona, gap, line.group(2).lower(), _unquote(line.group(3)))
    return error_reply(
        _partial_hint(persona, rest)
        or (
            f"I don't know 'gaps {persona.slug} {rest[:40]}'. Usage: `{USAGE}`, e.g. "
            f'`gaps {persona.slug} line 1 pain "Needs SSO before the pilot"`.'
        )
    )


def _partial_hint(persona: PersonaView, rest: str) -> str | None:
    """What a started `ask`, `dismiss` or `line` still lacks, said plainly."""
    words = rest.split()
    verb = words[0].lower()
    slug = persona.slug
    listed = f"Type `gaps {slug}` to see the gaps numbered."
    if verb in ("ask", "dismiss") and len(words) == 1:
        return f"Which gap? e.g. `gaps {slug} {verb} 1`. {listed}"
    if verb != "line":
        return None
    if len(words) == 1 or not is_number(words[1].lstrip("#")):
        return f'Which gap? e.g. `gaps {slug} line 1 pain "Needs SSO before the pilot"`. {listed}'
    number, kind = words[1].lstrip("#"), (words[2].lower() if len(words) > 2 else "")
    if kind in LINE_KINDS:
        return (
            f"Write the new {kind} line after `{kind}`, in your words, e.g. "
            f'`gaps {slug} line {number} {kind} "Needs SSO before the pilot"`.'
        )
    return (
        f"Add gap {number} as a pain or a goal, in your words, e.g. "
        f'`gaps {slug} line {number} pain "Needs SSO before the pilot"`.'
    )


async def _gap(ctx: Context, persona: PersonaView, number: int) -> GapView | Reply:
    gap = await ctx.deps.db(gaps_of(ctx.deps).get, ctx.workspace_id, persona.id, number)
    if gap is None:
        return error_reply(
            f"{persona.name} has no gap {number}. Type `gaps {persona.slug}` for the list."
        )
    return gap


# -- closing a gap -----------------------------------------------------------------------------


async def ask_team(ctx: Context, persona: PersonaView, gap: GapView) -> Reply:
    """A Yes / No / Not sure survey on the gap, closing after the usual week."""
    closes_at = ctx.deps.now() + DEFAULT_OPEN
    return await open_gap_survey(
        ctx, persona, gap, gap.question, SURVEY_OPTIONS, closes_at=closes_at
    )


async def dismiss(ctx: Context, persona: PersonaView, gap: GapView) -> Reply:
    if not await may_manage(ctx, persona):
        return manage_refused(persona, "dismiss its gaps")
    try:
        done = await ctx.deps.db(
            gaps_of(ctx.deps).dismiss, ctx.workspace_id, gap.id, by=ctx.author, now=ctx.deps.now()
        )
    except GapError as exc:
        return error_reply(str(exc))
    return dismissed(persona, done)


async def add_line(ctx: Context, persona: PersonaView, gap: GapView, kind: str, text: str) -> Reply:
    if not await may_manage(ctx, persona):
        return manage_refused(persona, "add lines to its profile")
    try:
        _, key = await ctx.deps.db(
            gaps_of(ctx.deps).add_line, ctx.workspace_id, gap.id, kind, text,
            by=ctx.author, now=ctx.deps.now(),
        )  # fmt: skip
    except GapError as exc:
        return error_reply(str(exc))
    log.info("gap %s of %s closed as %s", gap.number, persona.slug, key)
    return line_added(persona, gap, kind, key, " ".join(text.split()))


# -- buttons -----------------------------------------------------------------------------------


async def _target(ctx: Context) -> tuple[PersonaView, GapView] | Reply:
    """A gap button's value: "maya:3"."""
    slug, _, number = ctx.args.strip().rpartition(":")
    if not slug or not is_number(number) or len(number) > 9:
        return error_reply("That button no longer matches a gap.")
    persona = await resolve_persona(ctx, slug)
    if isinstance(persona, Reply):
        return persona
    gap = await _gap(ctx, persona, int(number))
    return gap if isinstance(gap, Reply) else (persona, gap)


async def ask_action(ctx: Context) -> Reply:
    """ "Ask the team" clicked: the drafted survey as a form to edit (Teams, playground)."""
    found = await _target(ctx)
    if isinstance(found, Reply):
        return found
    persona, gap = found
    problem = askable(persona, gap)
    if problem:
        return problem
    personas = await survey_form_personas(ctx.deps, ctx.workspace_id)
    return draft_reply(persona, gap, personas)


async def survey_action(ctx: Context) -> Reply:
    """The "Ask the team" form submitted: problems show it again (nothing is created),
    else the survey on the gap, as `survey … --gap N` makes it."""
    found = await _target(ctx)
    if isinstance(found, Reply):
        return found
    persona, gap = found
    filled = {name: ctx.inbound.filled(name) for name in FORM_FIELDS}
    checked = check_gap_survey(persona, filled, ctx.deps.now(), ctx.deps.settings.timezone)
    if not isinstance(checked, GapSurvey):
        personas = await survey_form_personas(ctx.deps, ctx.workspace_id)
        form = gap_survey_form(persona, gap, personas, filled=filled, errors=tuple(checked))
        return Reply(text=problems_text(checked), form=form, ephemeral=True, is_error=True)
    return await open_gap_survey(
        ctx, persona, gap, checked.question, checked.options,
        closes_at=checked.closes_at, anonymous=checked.anonymous,
    )  # fmt: skip


async def dismiss_action(ctx: Context) -> Reply:
    found = await _target(ctx)
    return found if isinstance(found, Reply) else await dismiss(ctx, *found)


async def _closable(ctx: Context) -> tuple[PersonaView, GapView] | Reply:
    """The button's gap, if the clicker may add a line for it (owners and admins) and it is
    still listed (a closed or dismissed gap has nothing to add)."""
    found = await _target(ctx)
    if isinstance(found, Reply):
        return found
    persona, gap = found
    if not await may_manage(ctx, persona):
        return manage_refused(persona, "add lines to its profile")
    if gap.status not in LISTED:
        return error_reply(f"Gap {gap.number} of {persona.name} is {gap.status} already.")
    return found


async def _line_form(ctx: Context, kind: str) -> Reply:
    """ "Add as pain" / "Add as goal" clicked: the line drafted from the gap, as a form to
    reword."""
    found = await _closable(ctx)
    return found if isinstance(found, Reply) else line_form_reply(*found, kind)


async def pain_action(ctx: Context) -> Reply:
    return await _line_form(ctx, "pain")


async def goal_action(ctx: Context) -> Reply:
    return await _line_form(ctx, "goal")


async def line_action(ctx: Context) -> Reply:
    """The "Add to profile" form submitted: problems show it again (nothing changes), else
    the line is added as `gaps maya line N pain "text"` adds it."""
    found = await _closable(ctx)
    if isinstance(found, Reply):
        return found
    persona, gap = found
    filled = {name: ctx.inbound.filled(name) for name in LINE_FIELDS}
    checked = check_line(filled)
    if isinstance(checked, LineDraft):
        try:
            _, key = await ctx.deps.db(
                gaps_of(ctx.deps).add_line, ctx.workspace_id, gap.id, checked.kind,
                checked.text, by=ctx.author, now=ctx.deps.now(), note=checked.note,
            )  # fmt: skip
        except GapError as exc:  # e.g. the same pain already there, or closed meanwhile
            checked = [("text", str(exc))]
        else:
            log.info("gap %s of %s closed as %s (form)", gap.number, persona.slug, key)
            return line_added(persona, gap, checked.kind, key, checked.text)
    form = line_form(persona, gap, filled.get("kind", ""), filled=filled, errors=tuple(checked))
    return Reply(text=line_problems(checked), form=form, ephemeral=True, is_error=True)


def register(registry: Registry) -> None:
    registry.command(
        "gaps",
        summary="What people asked a persona that its profile doesn't cover, and closing "
        "those gaps (a team survey, a new line, or dismiss).",
        usage=USAGE,
        examples=(
            "gaps maya",
            "gaps maya ask 1",
            'gaps maya line 1 pain "Needs SSO before any pilot"',
            "gaps maya dismiss 1",
        ),
    )(gaps_command)
    registry.action(ASK_ACTION)(ask_action)
    registry.action(SUBMIT_ACTION)(survey_action)
    registry.action(DISMISS_ACTION)(dismiss_action)
    registry.action(PAIN_ACTION)(pain_action)
    registry.action(GOAL_ACTION)(goal_action)
    registry.action(LINE_ACTION)(line_action)
