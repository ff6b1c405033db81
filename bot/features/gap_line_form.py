"""The "Add as pain" / "Add as goal" form (pure): a gap the team answered, drafted as a
profile line to reword before it is added, and the check of what was submitted.

The draft is `gap_render.suggested_line()` (the gap's question and the team's answer): a
question makes a poor pain, so the form is where it becomes a statement. Every platform
shows it (a Slack modal, a Teams task module, a playground form); the typed
`gaps maya line N pain "text"` does the same without it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.gap_render import line_command, suggested_line
from bot.messages import Form, FormField, Reply
from persona_store.gaps.repository import LINE_KINDS, MAX_LINE_CHARS
from persona_store.gaps.views import GapView
from persona_store.personas.views import PersonaView

LINE_ACTION = "gap.line"
LINE_FIELDS = ("kind", "text", "note")
KIND_LABELS = {"pain": "Pain", "goal": "Goal"}
MIN_LINE_CHARS = 3  # "ok" is no profile line
MAX_NOTE_CHARS = 300  # goes with the revision ("why"), not into the profile

Problem = tuple[str, str]  # (field name, message)


@dataclass(frozen=True)
class LineDraft:
    """A checked submission: what `GapStore.add_line` needs."""

    kind: str
    text: str
    note: str


def line_form(
    persona: PersonaView,
    gap: GapView,
    kind: str,
    *,
    filled: dict[str, str] | None = None,
    errors: tuple[Problem, ...] = (),
) -> Form:
    """The draft line of `kind`, or (`filled`, `errors`) what was typed with its problems."""
    given = filled or {"kind": kind, "text": suggested_line(gap), "note": ""}
    return Form(
        title=f"Add to {persona.first_name}'s profile",
        action_id=LINE_ACTION,
        value=f"{persona.slug}:{gap.number}",
        text=f"Gap {gap.number} of {persona.name}: \u201c{gap.question}\u201d. Reword it as "
        f"a statement about {persona.first_name}; it is added with a revision, backed by "
        "the team's answer.",
        fields=(
            FormField(
                "kind",
                "Pain or goal",
                kind="choice",
                options=tuple((k, KIND_LABELS[k]) for k in LINE_KINDS),
                value=given.get("kind", ""),
            ),
            FormField(
                "text",
                "Line",
                value=given.get("text", ""),
                hint="e.g. Needs SSO before any pilot",
                max_length=MAX_LINE_CHARS,
            ),
            FormField(
                "note",
                "Note for the revision",
                kind="multiline",
                value=given.get("note", ""),
                optional=True,
                hint="why, or where it comes from",
                max_length=MAX_NOTE_CHARS,
            ),
        ),
        submit_label="Add line",
        errors=errors,
    )


def line_form_reply(persona: PersonaView, gap: GapView, kind: str) -> Reply:
    """ "Add as pain" clicked: the form; where there is none, how to do it by typing."""
    return Reply(
        text=f"Add gap {gap.number} of {persona.name} to the profile: reword the line, or "
        f"type `{line_command(persona, gap, kind)}`.",
        form=line_form(persona, gap, kind),
        ephemeral=True,
    )


def check_line(fields: dict[str, str]) -> LineDraft | list[Problem]:
    """The submitted form as a line, or every problem by field."""
    kind = fields.get("kind", "").strip().lower()
    raw = fields.get("text", "")
    text = " ".join(raw.split())
    note = " ".join(fields.get("note", "").split())
    problems: list[Problem] = []
    if kind not in LINE_KINDS:
        problems.append(("kind", "Add it as a pain or a goal."))
    if not text:
        problems.append(("text", "Please write the line, e.g. Needs SSO before any pilot."))
    elif "\n" in raw.strip() or "\r" in raw.strip():
        problems.append(("text", "Write the line on one line (the why goes in the note)."))
    elif len(text) < MIN_LINE_CHARS:
        problems.append(("text", f"The line is too short; at least {MIN_LINE_CHARS} characters."))
    elif len(text) > MAX_LINE_CHARS:
        problems.append(
            ("text", f"The line is {len(text)} characters long; at most {MAX_LINE_CHARS}.")
        )
    if len(note) > MAX_NOTE_CHARS:
        problems.append(
            ("note", f"The note is {len(note)} characters long; at most {MAX_NOTE_CHARS}.")
        )
    return problems or LineDraft(kind, text, note)


def problems_text(problems: list[Problem]) -> str:
    return "Please fix: " + " ".join(message for _, message in problems)
