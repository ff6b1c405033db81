"""Checking what people typed into a platform's form (Slack modals): the core decides what
is valid, with the same rules as typed commands and imports; the adapter only shows each
problem next to its field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.deps import Deps
from bot.features.survey_parse import parse_create
from persona_store.personas.spec import PersonaSpec, SpecError
from persona_store.personas.views import PersonaView
from persona_store.store import spec_of
from persona_store.surveys.repository import SurveyError, validate_options

# (field path such as "goals[2]" or None, message)
Problem = tuple[str | None, str]
# a checked form's result, handed back to `bot.features.edit.save_edit` unopened
EditedPersona = PersonaSpec

EDIT_FIELDS = ("role", "summary", "quote")
EDIT_LISTS = ("goals", "pains", "objections")


@dataclass(frozen=True)
class EditForm:
    """What the "edit persona" form shows, pre-filled from the stored persona: the text
    fields (EDIT_FIELDS) and the lists (EDIT_LISTS, one entry a line)."""

    slug: str
    name: str
    fields: dict[str, str]
    lists: dict[str, list[str]]


def edit_form(target: PersonaView) -> EditForm:
    data = spec_of(target).to_dict()
    return EditForm(
        slug=target.slug,
        name=target.name,
        fields={key: str(data.get(key) or "") for key in EDIT_FIELDS},
        lists={key: [str(v) for v in data.get(key) or []] for key in EDIT_LISTS},
    )


async def survey_form_personas(deps: Deps, workspace_id: int) -> list[tuple[str, str]]:
    """(slug, name) of every persona a survey can be about, for the form's select."""
    personas = await deps.db(deps.store.list_personas, workspace_id)
    return [(p.slug, p.name) for p in personas]


# what a drafted survey may carry through a form besides its fields: the gap it asks about,
# the profile line it tests
KEPT_FLAGS = re.compile(r"^(?:\s*--(?:gap \d{1,9}|line [\w-]{1,32}))*\s*$")


@dataclass(frozen=True)
class SurveyDraft:
    """A `survey …` command a button drafted ("Ask the team"), as a form's initial values."""

    persona: str
    question: str
    options: tuple[str, ...]
    flags: str  # "--gap 3": kept as they are through the form


def survey_draft(text: str) -> SurveyDraft | None:
    """The drafted `survey` command's parts, or None when it is not one."""
    head, _, rest = text.strip().partition(" ")
    if head.lower() != "survey":
        return None
    try:
        parsed = parse_create(rest, datetime.now(UTC))
    except SurveyError:  # not a survey command after all: the form opens empty
        return None
    flags = "".join(
        f" --{name} {value}"
        for name, value in (("gap", parsed["gap"]), ("line", parsed["line_key"]))
        if value is not None
    )
    options = tuple(o.strip() for o in parsed["options"] if o.strip())
    return SurveyDraft(str(parsed["persona"]), str(parsed["question"]), options, flags.strip())


def kept_flags(flags: str) -> str:
    """The draft's flags as a submitted form brings them back: only the ones a draft sets."""
    return flags.strip() if KEPT_FLAGS.match(flags or "") else ""


def draft_moved(drafted: str, chosen: str, flags: str) -> Problem | None:
    """A drafted survey's flags (`--gap 3`, `--line pain-2`) belong to the persona it was
    drafted for: another persona picked in the form would ask about *its* gap 3."""
    if not flags or not drafted or chosen == drafted:
        return None
    return (
        "persona",
        f"This survey was drafted for {drafted} ({flags}): keep {drafted}, or start a new "
        "survey for another persona.",
    )


def check_survey_form(question: str, options: list[str]) -> tuple[str, list[str], list[Problem]]:
    """(question, options) cleaned, and the problems by field ("question", "options")."""
    question = question.strip().replace('"', "'")
    problems: list[Problem] = []
    if not question:
        problems.append(("question", "Please write the question."))
    try:
        options = validate_options(options)
    except SurveyError as exc:
        # the typed command's rule; in a form the options are lines, not `|`-separated
        problems.append(("options", str(exc).replace("separated by `|`", "one per line")))
        options = []
    return question, options, problems


def edited_spec(
    target: PersonaView, fields: dict[str, str], lists: dict[str, list[str]]
) -> EditedPersona | list[Problem]:
    """The persona with the form's fields and lists changed, or every problem found (the
    persona file rules: PersonaSpec)."""
    data = spec_of(target).to_dict()
    data.update({key: value.strip() for key, value in fields.items()})
    data.update(lists)
    try:
        return PersonaSpec.from_dict(data)
    except SpecError as exc:
        return [(problem.field, problem.message) for problem in exc.problems]
