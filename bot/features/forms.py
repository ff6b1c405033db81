"""Checking what people typed into a platform's form (Slack modals): the core decides what
is valid, with the same rules as typed commands and imports; the adapter only shows each
problem next to its field."""

from __future__ import annotations

from dataclasses import dataclass

from bot.deps import Deps
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
