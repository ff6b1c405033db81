"""What a decision is made of, typed or filled in, and the form to fill in (pure).

`decide "Keep the free tier" --outcome adopted [--note TEXT] [--link URL]` and the "Log
decision" form are checked by the same rules: the decision is one line of at most 200
characters, the outcome one of adopted / rejected / changed / parked, the link http(s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.messages import Form, FormField
from persona_store.decisions.views import (
    MAX_DECISION,
    MAX_LINK,
    MAX_NOTE,
    OUTCOMES,
    DecisionDraft,
    DecisionView,
)

Problem = tuple[str, str]  # (field name, message)
FLAGS = ("outcome", "note", "link")
FLAG = re.compile(r"(?:^|\s)--([A-Za-z-]+)(?:=|\s+|$)")
QUOTES = "\"'\u201c\u201d\u2018\u2019"
SAVE_ACTION = "decision.save"
UPDATE_ACTION = "decision.update"
OUTCOME_LABELS = {
    "adopted": "Adopted",
    "rejected": "Rejected",
    "changed": "Changed",
    "parked": "Parked",
}


@dataclass(frozen=True)
class Typed:
    """`decide …` split into its parts; None for what was not given."""

    text: str | None
    outcome: str | None = None
    note: str | None = None
    link: str | None = None


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in QUOTES and text[-1] in QUOTES:
        text = text[1:-1]
    return text.strip()


def parse_typed(args: str) -> Typed | str:
    """The decision text (before any flag) and the flags' values, or what is wrong."""
    parts = FLAG.split(args)
    text = unquote(parts[0]) or None
    values: dict[str, str] = {}
    for name, value in zip(parts[1::2], parts[2::2], strict=True):
        key = name.lower()
        if key not in FLAGS:
            return f"I don't know --{name}. Use --outcome, --note or --link."
        if key in values:
            return f"--{key} is given twice."
        values[key] = unquote(value)
    return Typed(text, values.get("outcome"), values.get("note"), values.get("link"))


def link_problem(link: str) -> str | None:
    parts = urlsplit(link)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in link)
    ):
        return "The link must be a web address starting with http:// or https://."
    if len(link) > MAX_LINK:
        return f"The link is {len(link):,} characters long; at most {MAX_LINK:,}."
    return None


def check(text: str, outcome: str, note: str = "", link: str = "") -> DecisionDraft | list[Problem]:
    """A draft the store can keep, or every problem by field ("decision", "outcome",
    "note", "link")."""
    text, outcome, note, link = text.strip(), outcome.strip().lower(), note.strip(), link.strip()
    problems: list[Problem] = []
    if not text:
        problems.append(("decision", "Please write the decision, e.g. Keep the free tier."))
    elif "\n" in text or "\r" in text:
        problems.append(("decision", "Write the decision on one line (details go in the note)."))
    elif len(text) > MAX_DECISION:
        problems.append(
            ("decision", f"The decision is {len(text)} characters long; at most {MAX_DECISION}.")
        )
    if outcome not in OUTCOMES:
        said = f"'{outcome[:20]}' is not an outcome. " if outcome else "Pick an outcome: "
        problems.append(("outcome", said + "adopted, rejected, changed or parked."))
    if len(note) > MAX_NOTE:
        problems.append(
            ("note", f"The note is {len(note):,} characters long; at most {MAX_NOTE:,}.")
        )
    problem = link_problem(link) if link else None
    if problem:
        problems.append(("link", problem))
    if problems:
        return problems
    return DecisionDraft(text=text, outcome=outcome, note=note, link=link or None)


def typed_problem(problems: list[Problem]) -> str:
    """The problems of a typed `decide`, in one message."""
    return " ".join(message for _, message in problems)


def decision_form(
    value: str,
    *,
    intro: str | None = None,
    current: DecisionView | None = None,
    filled: dict[str, str] | None = None,
    errors: tuple[Problem, ...] = (),
) -> Form:
    """ "Log a decision" (or "Edit decision #N" with `current`); `filled` is what was typed
    before an error, shown again."""
    given = filled or {}
    if current is not None and not filled:
        given = {
            "decision": current.text,
            "outcome": current.outcome,
            "note": current.note,
            "link": current.link or "",
        }
    return Form(
        title=f"Edit decision #{current.number}" if current else "Log a decision",
        action_id=UPDATE_ACTION if current else SAVE_ACTION,
        value=value,
        text=intro,
        fields=(
            FormField(
                "decision",
                "Decision",
                value=given.get("decision", ""),
                hint="One line, e.g. Keep the free tier",
                max_length=MAX_DECISION,
            ),
            FormField(
                "outcome",
                "Outcome",
                kind="choice",
                options=tuple(OUTCOME_LABELS.items()),
                value=given.get("outcome", ""),
            ),
            FormField(
                "note",
                "Note",
                kind="multiline",
                value=given.get("note", ""),
                optional=True,
                max_length=MAX_NOTE,
            ),
            FormField(
                "link",
                "Link",
                value=given.get("link", ""),
                optional=True,
                hint="A spec, ticket or doc (http or https)",
            ),
        ),
        submit_label="Save" if current else "Log decision",
        errors=errors,
    )
