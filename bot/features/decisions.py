"""The decision log: `decide`, `decisions`, and the "Log decision" / "Edit" forms.

A "Log decision" button (on answers, panels and closed survey results) carries a reference
to the answer record (`answer:12.<random key>`, or `survey:5`, recorded on the click; a
forged or guessed reference attaches nothing, `bot.features.access`); the form it
opens carries that reference and the id of the message it was clicked on, so the saved
decision keeps the personas, their cited lines and where it was decided (a permalink the
platform gives, `Deps.permalinks`). `decide …` typed in a thread attaches that thread's
latest answer. Only the person who logged a decision may edit it (`bot.features.access`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.commands import Context, Registry
from bot.features.access import decision_edit_refused, may_attach_answer, may_edit_decision
from bot.features.answer_log import answer_key, answer_ref, record
from bot.features.decision_form import (
    SAVE_ACTION,
    UPDATE_ACTION,
    check,
    decision_form,
    parse_typed,
    typed_problem,
    unquote,
)
from bot.features.decision_render import (
    EDIT_ACTION,
    LOG_ACTION,
    decision_reply,
    decisions_reply,
)
from bot.features.resolve import resolve_persona
from bot.messages import Reply, error_reply
from bot.numbers import MAX_ID, is_number
from persona_store.decisions.views import (
    MAX_DECISION,
    AnswerRef,
    Considered,
    DecisionDraft,
    DecisionView,
    Place,
)

log = logging.getLogger(__name__)

PERMALINK_SECONDS = 2.0
LIST_LIMIT = 10
FIELDS = ("decision", "outcome", "note", "link")
DECIDE_USAGE = (
    'decide "DECISION" --outcome adopted|rejected|changed|parked [--note TEXT] [--link URL]'
)
HINT = f"Try: `{DECIDE_USAGE}`"
OPERATOR_NAMES = {"web": "playground", "cli": "terminal"}


# -- what a decision is attached to ---------------------------------------------------------
def attached_line(answer: AnswerRef | None) -> str:
    if answer is None or not answer.personas:
        return "No answer attached: this decision will list no personas."
    names = ", ".join(p.name for p in answer.personas)
    cited = sum(len(p.lines) for p in answer.personas)
    noun = "line" if cited == 1 else "lines"
    return f"Attached: {names} ({cited} cited {noun}) on \u201c{answer.question[:200]}\u201d"


async def _answer(ctx: Context, key: str) -> AnswerRef | None:
    """The answer record a button or form names ("12.<key>", `answer_key`), if this click
    may see it (`may_attach_answer`); else None: the decision is logged without it."""
    answer_id, _, token = key.partition(".")
    if not is_number(answer_id):
        return None
    found = await ctx.deps.db(ctx.deps.repos.decisions.answer, ctx.workspace_id, int(answer_id))
    return found if found is not None and may_attach_answer(ctx, found, token) else None


async def _survey_answer(ctx: Context, survey_id: str) -> AnswerRef | None | Reply:
    """Closed survey results as an answer record: the persona and the line it tested."""
    if not is_number(survey_id) or int(survey_id) > MAX_ID:
        return None
    survey = await ctx.deps.db(ctx.deps.repos.surveys.get, ctx.workspace_id, int(survey_id))
    if survey is None:
        return None
    if survey.is_open:
        return error_reply(f"Survey #{survey.id} is still open: log a decision once it closes.")
    persona = await ctx.deps.db(ctx.deps.store.get, ctx.workspace_id, survey.persona_slug)
    line = persona.line(survey.line_key) if persona and survey.line_key else None
    heard = Considered(
        survey.persona_slug,
        survey.persona_name,
        "",
        ((line.key, line.text),) if line is not None else (),
    )
    key = await record(ctx, "survey", survey.question, [heard], consulted=False)
    answer_id, _, token = key.partition(".")
    return AnswerRef(int(answer_id), "survey", survey.question, (heard,), token)


async def _place(ctx: Context, message_id: str | None) -> Place:
    """Where it was decided: the conversation, the message, and the platform's link to it
    (asked with a time limit; none when the platform can't tell)."""
    address = ctx.inbound.address
    link = None
    fetch = ctx.deps.permalinks.get(address.platform)
    if fetch is not None and message_id:
        try:
            link = await asyncio.wait_for(fetch(address, message_id), PERMALINK_SECONDS)
        except Exception:  # a slow or refusing platform costs the link, not the decision
            log.warning("no permalink for a decision in %s", address.conversation_id)
    return Place(address.platform, address.conversation_id, message_id, link)


def _author_name(ctx: Context) -> str:
    platform = ctx.inbound.address.platform
    return OPERATOR_NAMES.get(platform) or ctx.inbound.user_name or ""


# -- the forms ------------------------------------------------------------------------------
async def log_form(ctx: Context) -> Reply:
    """ "Log decision" clicked: the form, with the answer it is about attached."""
    kind, _, ref = ctx.args.partition(":")
    found: AnswerRef | None | Reply = None
    if kind == "answer":
        found = await _answer(ctx, ref)
    elif kind == "survey":
        found = await _survey_answer(ctx, ref)
    if isinstance(found, Reply):
        return found
    key = answer_key(found.id, found.token or "") if found else ""
    value = f"{key}|{ctx.inbound.message_id or ''}"
    return Reply(
        text=f"Log a decision. {attached_line(found)} By typing: {HINT}",
        form=decision_form(value, intro=attached_line(found)),
        ephemeral=True,
    )


def _filled(ctx: Context) -> dict[str, str]:
    return {name: ctx.inbound.filled(name) for name in FIELDS}


def _form_again(ctx: Context, form_reply: Reply, problems: list[tuple[str, str]]) -> Reply:
    """The same form, with what was typed and each problem next to its field."""
    assert form_reply.form is not None
    form = replace(
        form_reply.form,
        fields=tuple(
            replace(f, value=_filled(ctx).get(f.name, f.value)) for f in form_reply.form.fields
        ),
        errors=tuple(problems),
    )
    text = "Please fix: " + typed_problem(problems)
    return Reply(text=text, form=form, ephemeral=True, is_error=True)


async def save_form(ctx: Context) -> Reply:
    """The "Log a decision" form submitted."""
    key, _, message_id = ctx.args.partition("|")
    answer = await _answer(ctx, key)
    filled = _filled(ctx)
    draft = check(filled["decision"], filled["outcome"], filled["note"], filled["link"])
    if not isinstance(draft, DecisionDraft):
        form = decision_form(ctx.args, intro=attached_line(answer))
        return _form_again(ctx, Reply(text="", form=form), draft)
    return await _log(ctx, draft, answer, message_id or None)


async def _log(
    ctx: Context, draft: DecisionDraft, answer: AnswerRef | None, message_id: str | None
) -> Reply:
    place = await _place(ctx, message_id)
    decision = await ctx.deps.db(
        ctx.deps.repos.decisions.add,
        ctx.workspace_id,
        draft,
        author=ctx.author,
        author_name=_author_name(ctx),
        answer=answer,
        place=place,
    )
    headline = f"Decision #{decision.number} logged."
    if answer is None or not answer.personas:
        # the playground has no threads: there only the button attaches an answer
        web = ctx.inbound.address.platform == "web"
        thread = "" if web else ", or type `decide` in the answer's thread"
        headline += (
            " No answer was attached, so it lists no personas (log it with the Log "
            f"decision button of an answer{thread})."
        )
    return decision_reply(decision, headline=headline)


async def _own(ctx: Context, number: str) -> DecisionView | Reply:
    """Decision `number` of this workspace, if the person may edit it."""
    number = number.strip().lstrip("#")
    if not is_number(number):
        return error_reply(
            "Which decision? Give its number, e.g. `decide edit 3 --outcome parked`."
        )
    found = await ctx.deps.db(ctx.deps.repos.decisions.get, ctx.workspace_id, int(number))
    if found is None:
        return error_reply(f"There is no decision #{number}. Type `decisions` to see them.")
    if not may_edit_decision(ctx, found):
        return decision_edit_refused(found)
    return found


async def edit_form(ctx: Context) -> Reply:
    """ "Edit" on a decision card: the form, filled in, for its author only."""
    found = await _own(ctx, ctx.args)
    if isinstance(found, Reply):
        return found
    return Reply(
        text=f"Edit decision #{found.number}, or type `decide edit {found.number} …`.",
        form=decision_form(str(found.number), current=found),
        ephemeral=True,
    )


async def update_form(ctx: Context) -> Reply:
    found = await _own(ctx, ctx.args)
    if isinstance(found, Reply):
        return found
    filled = _filled(ctx)
    draft = check(filled["decision"], filled["outcome"], filled["note"], filled["link"])
    if not isinstance(draft, DecisionDraft):
        form = decision_form(str(found.number), current=found)
        return _form_again(ctx, Reply(text="", form=form), draft)
    return await _edit(ctx, found, draft)


async def _edit(ctx: Context, found: DecisionView, draft: DecisionDraft) -> Reply:
    edited = await ctx.deps.db(
        ctx.deps.repos.decisions.edit, ctx.workspace_id, found.number, draft, author=ctx.author
    )
    if edited is None:
        return error_reply(f"Decision #{found.number} is gone.")
    if edited.version == found.version:
        return decision_reply(edited, headline=f"Decision #{edited.number}: nothing changed.")
    return decision_reply(
        edited, headline=f"Decision #{edited.number} edited (version {edited.version})."
    )


# -- typed commands -------------------------------------------------------------------------
async def decide(ctx: Context) -> Reply:
    """`decide "Keep the free tier" --outcome adopted [--note …] [--link URL]`, or
    `decide edit N [text] [--outcome …] …`."""
    head, _, rest = ctx.args.partition(" ")
    if head.lower() == "edit":
        if is_number(rest.strip().lstrip("#")[:1]):
            return await _decide_edit(ctx, rest)
        return error_reply(
            "Which decision? `decide edit 3 --outcome parked` (a decision that starts with "
            '"edit" goes in quotes: `decide "Edit the onboarding emails" --outcome adopted`).'
        )
    typed = parse_typed(ctx.args)
    if isinstance(typed, str):
        return error_reply(f"{typed} {HINT}")
    draft = check(typed.text or "", typed.outcome or "", typed.note or "", typed.link or "")
    if not isinstance(draft, DecisionDraft):
        return error_reply(f"{typed_problem(draft)} {HINT}")
    address = ctx.inbound.address
    answer = None
    if address.thread_id:
        answer = await ctx.deps.db(
            ctx.deps.repos.decisions.answer_in_thread,
            ctx.workspace_id,
            address.platform,
            address.conversation_id,
            address.thread_id,
        )
    return await _log(ctx, draft, answer, address.thread_id)


async def _decide_edit(ctx: Context, rest: str) -> Reply:
    number, _, changes = rest.strip().partition(" ")
    found = await _own(ctx, number)
    if isinstance(found, Reply):
        return found
    typed = parse_typed(changes)
    if isinstance(typed, str):
        return error_reply(f"{typed} Try: `decide edit {found.number} --outcome parked`")
    draft = check(
        typed.text if typed.text is not None else found.text,
        typed.outcome if typed.outcome is not None else found.outcome,
        typed.note if typed.note is not None else found.note,
        typed.link if typed.link is not None else (found.link or ""),
    )
    if not isinstance(draft, DecisionDraft):
        return error_reply(typed_problem(draft))
    return await _edit(ctx, found, draft)


async def decisions(ctx: Context) -> Reply:
    """`decisions`, `decisions maya`, `decisions search TEXT`, `decisions 3`."""
    args = ctx.args.strip()
    repo = ctx.deps.repos.decisions
    ws = ctx.workspace_id
    head, _, rest = args.partition(" ")
    if not args:
        found = await ctx.deps.db(repo.recent, ws, limit=LIST_LIMIT)
        return decisions_reply(
            "Latest decisions",
            found,
            "No decisions logged yet. Click Log decision on an answer, or type "
            '`decide "Keep the free tier" --outcome adopted`.',
        )
    if head.lower() == "search":
        term = unquote(rest)
        if not term:
            return error_reply("Search for what? Try: `decisions search free tier`.")
        if len(term) > MAX_DECISION:
            return error_reply(f"Please search for at most {MAX_DECISION} characters.")
        found = await ctx.deps.db(repo.recent, ws, limit=LIST_LIMIT, search=term)
        return decisions_reply(
            f"Decisions mentioning \u201c{term}\u201d",
            found,
            f"No decision mentions \u201c{term}\u201d.",
        )
    if is_number(args.lstrip("#")):
        one = await ctx.deps.db(repo.get, ws, int(args.lstrip("#")) if len(args) < 11 else 0)
        if one is None:
            return error_reply(f"There is no decision #{args.lstrip('#')[:12]}.")
        reply = decision_reply(one)
        return Reply(text=reply.text, cards=reply.cards, ephemeral=True, meta=reply.meta)
    persona = await resolve_persona(ctx, args)
    if isinstance(persona, Reply):
        return persona
    found = await ctx.deps.db(repo.recent, ws, limit=LIST_LIMIT, persona_id=persona.id)
    return decisions_reply(
        f"Decisions that considered {persona.name}",
        found,
        f"No decision has considered {persona.name} yet.",
    )


def register(registry: Registry) -> None:
    registry.command(
        "decide",
        summary="Log a decision; in an answer's thread it keeps the personas and lines cited.",
        usage=DECIDE_USAGE + " | decide edit N [--outcome …] [--note …] [--link URL]",
        examples=(
            'decide "Keep the free tier" --outcome adopted --link https://example.com/spec',
            "decide edit 1 --outcome parked",
        ),
    )(decide)
    registry.command(
        "decisions",
        summary="The decision log: recent decisions, those that considered a persona, search.",
        usage="decisions | decisions NAME | decisions search TEXT | decisions N",
        examples=("decisions", "decisions maya", "decisions search free tier"),
    )(decisions)
    registry.action(LOG_ACTION)(log_form)
    registry.action(SAVE_ACTION)(save_form)
    registry.action(EDIT_ACTION)(edit_form)
    registry.action(UPDATE_ACTION)(update_form)


__all__ = ["answer_ref", "register"]
