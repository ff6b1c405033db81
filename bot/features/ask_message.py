"""Ask the personas about any message: a Slack message shortcut, a Teams message action, the
playground's button on a message.

`ask.form` (the message in `Inbound.quoted`, or none from a global shortcut) answers with the
form to show: which personas (every primary one picked; negative ones listed apart), what to
ask, and "Critique as …". Its submission, `ask.message`, answers with the panel (the same
cards, Share, citations and "Log decision" as `panel`) and the critique when one was picked,
or the form again with each problem next to its field. The first 4,000 characters of a
message are read, and the cards say so when there were more.
"""

from __future__ import annotations

from bot.answering.base import MAX_QUESTION_CHARS
from bot.answering.critique import MAX_TEXT_CHARS, has_claims
from bot.commands import Context, Registry
from bot.features.answer_card import panel_reply
from bot.features.answer_log import with_log_button, with_log_button_heard
from bot.features.critique import EXAMPLE_TEXT, critic_of, critique_heard
from bot.features.critique_card import critique_reply, no_claims_reply
from bot.features.panel import run_panel
from bot.features.resolve import clean_question
from bot.messages import Form, FormField, Quoted, Reply, Section, error_reply, text_reply
from persona_store.personas.views import PersonaView

FORM_ACTION = "ask.form"
SUBMIT_ACTION = "ask.message"
DEFAULT_QUESTION = "What would they think of this?"
PREVIEW_CHARS = 300  # of the message, above the form
ECHO_CHARS = 600  # of the message, on the panel's card
NO_CRITIQUE = "-"
MAX_OPTIONS = 100  # Slack's static select
Problem = tuple[str, str]  # (field name, message)


def _preview(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ask_form(
    personas: list[PersonaView],
    quoted: Quoted | None,
    value: str = "",
    *,
    filled: dict[str, str] | None = None,
    errors: tuple[Problem, ...] = (),
) -> Form:
    """The form, with what the person picks by default (or what they sent before an
    error, and the errors)."""
    given = filled or {}
    ours = [p for p in personas if p.kind != "negative"][:MAX_OPTIONS]
    negative = [p for p in personas if p.kind == "negative"][:MAX_OPTIONS]
    fields: list[FormField] = []
    if quoted is None:  # a global shortcut: the text is pasted into the form
        fields.append(
            FormField(
                "message",
                "Message or text",
                "multiline",
                value=given.get("message", ""),
                hint="Paste the proposal, email or spec the personas should read.",
                max_length=MAX_TEXT_CHARS,
            )
        )
    if ours:
        primary = ",".join(p.slug for p in ours if p.kind == "primary")
        fields.append(
            FormField(
                "personas",
                "Which personas?",
                "choices",
                tuple((p.slug, f"{p.name} ({p.kind})") for p in ours),
                value=given.get("personas", primary),
                optional=True,
            )
        )
    if negative:
        fields.append(
            FormField(
                "negative",
                "Negative personas (who we don't build for)",
                "choices",
                tuple((p.slug, p.name) for p in negative),
                value=given.get("negative", ""),
                optional=True,
                hint="Add one to check the message doesn't suit them best.",
            )
        )
    fields.append(
        FormField(
            "question",
            "What to ask",
            value=given.get("question", DEFAULT_QUESTION),
            max_length=MAX_QUESTION_CHARS,
        )
    )
    critics = tuple((p.slug, f"Critique as {p.name}") for p in personas[: MAX_OPTIONS - 1])
    fields.append(
        FormField(
            "critique",
            "Critique as …",
            "choice",
            ((NO_CRITIQUE, "No critique"), *critics),
            value=given.get("critique", NO_CRITIQUE),
            optional=True,
            hint="What that persona would object to or welcome, claim by claim.",
        )
    )
    intro = None
    if quoted is not None:
        intro = f"About this message: \u201c{_preview(quoted.text, PREVIEW_CHARS)}\u201d"
    return Form(
        title="Ask the personas",
        action_id=SUBMIT_ACTION,
        value=value,
        fields=tuple(fields),
        text=intro,
        submit_label="Ask",
        errors=errors,
    )


async def _all_personas(ctx: Context) -> list[PersonaView]:
    return await ctx.deps.db(ctx.deps.store.list_personas, ctx.workspace_id)


async def open_form(ctx: Context) -> Reply:
    quoted = ctx.inbound.quoted
    if quoted is not None and not quoted.text.strip():
        return error_reply("That message has no text the personas could read.")
    personas = await _all_personas(ctx)
    if not personas:
        return error_reply("There are no personas in this workspace yet.")
    form = ask_form(personas, quoted, ctx.inbound.value or "")
    text = "Ask the personas about this message (or type `panel` and the text)."
    return Reply(text=text, form=form, ephemeral=True)


def _slugs(value: str) -> list[str]:
    return [s for s in (v.strip() for v in value.split(",")) if s and s != NO_CRITIQUE]


def _subject(ctx: Context) -> tuple[str, int]:
    """(the text read, the whole message's length)."""
    quoted = ctx.inbound.quoted
    if quoted is not None:
        return quoted.text.strip(), quoted.full_length
    text = ctx.inbound.filled("message").strip()
    return text, len(text)


def check_form(ctx: Context) -> tuple[str, list[str], str] | list[Problem]:
    """(question, persona slugs, critique slug), or every problem by field."""
    problems: list[Problem] = []
    text, _ = _subject(ctx)
    if not text:
        problems.append(("message", "There is no text to ask about: paste it into the form."))
    question = clean_question(ctx.inbound.filled("question")) or DEFAULT_QUESTION
    if len(question) > MAX_QUESTION_CHARS:
        problems.append(
            (
                "question",
                f"That question is {len(question):,} characters long. Please keep it to "
                f"{MAX_QUESTION_CHARS:,} characters or fewer.",
            )
        )
    slugs = _slugs(ctx.inbound.filled("personas")) + _slugs(ctx.inbound.filled("negative"))
    critic = next(iter(_slugs(ctx.inbound.filled("critique"))), "")
    if not slugs and not critic:
        problems.append(("personas", "Pick at least one persona, or one to critique as."))
    if problems:
        return problems
    return question, list(dict.fromkeys(slugs)), critic


async def _form_again(ctx: Context, problems: list[Problem]) -> Reply:
    """The same form, with what was sent and each problem next to its field."""
    filled = dict(ctx.inbound.fields)
    form = ask_form(
        await _all_personas(ctx),
        ctx.inbound.quoted,
        ctx.inbound.value or "",
        filled=filled,
        errors=tuple(problems),
    )
    text = "Please fix: " + " ".join(message for _, message in problems)
    return Reply(text=text, form=form, ephemeral=True, is_error=True)


async def _personas(ctx: Context, slugs: list[str]) -> list[PersonaView]:
    """The picked personas still in this workspace (one deleted meanwhile is left out)."""
    found = [await ctx.deps.db(ctx.deps.store.get, ctx.workspace_id, s) for s in slugs]
    return [p for p in found if p is not None]


def asked(question: str, text: str) -> str:
    """What each persona is asked: the message itself is the proposal for the default
    question; any other question is asked about the message."""
    if question == DEFAULT_QUESTION:
        return text
    return f"{question}\n\nThe message:\n{text}"


def length_note(used: int, full: int) -> tuple[str, ...]:
    if full <= used:
        return ()
    return (f"Only the first {used:,} of {full:,} characters of the message were read.",)


def answer_follows(in_thread: bool) -> str:
    """What a dialog that closes says (a Teams message action): where the panel will be."""
    where = "the message's thread" if in_thread else "this chat"
    return f"Asking the personas: their answer follows in {where}."


async def ask_progress(ctx: Context) -> Reply | None:
    checked = check_form(ctx)
    if isinstance(checked, list):
        return None
    _, slugs, _ = checked
    if not slugs:
        return text_reply("Reading it…")
    count = f"{len(slugs)} persona" + ("" if len(slugs) == 1 else "s")
    return text_reply(f"Asking the panel ({count})…")


async def ask_about_message(ctx: Context) -> list[Reply]:
    checked = check_form(ctx)
    if isinstance(checked, list):
        return [await _form_again(ctx, checked)]
    question, slugs, critic_slug = checked
    text, full = _subject(ctx)
    used = text[:MAX_TEXT_CHARS]
    notes = length_note(len(used), full)
    now = ctx.deps.now()
    replies: list[Reply] = []
    personas = await _personas(ctx, slugs)
    if personas:
        answers = await run_panel(ctx, personas, asked(question, used))
        about = (
            Section(title="Question", text=question, literal=True),
            Section(title="Message", text=_preview(used, ECHO_CHARS), literal=True),
        )
        pairs = list(zip(personas, answers, strict=True))
        reply = panel_reply(used, pairs, now, about=about, notes=notes)
        logged = f"{question} {_preview(used, ECHO_CHARS)}"
        replies.append(await with_log_button(ctx, reply, "panel", logged, pairs))
    critic = (await _personas(ctx, [critic_slug]) or [None])[0] if critic_slug else None
    if critic is not None and not has_claims(used):  # "Hi team!": nothing to critique
        replies.append(no_claims_reply(critic, f"critique {critic.slug} {EXAMPLE_TEXT}"))
    elif critic is not None:
        result = await critic_of(ctx).critique(critic, used)
        reply = critique_reply(critic, result, now, notes=notes)
        heard = [critique_heard(critic, result)]
        logged = f"Critique: {_preview(used, ECHO_CHARS)}"
        replies.append(await with_log_button_heard(ctx, reply, "critique", logged, heard))
    return replies or [error_reply("Those personas are no longer here. Type `list`.")]


def register(registry: Registry) -> None:
    registry.action(FORM_ACTION)(open_form)
    registry.action(SUBMIT_ACTION, progress=ask_progress)(ask_about_message)
