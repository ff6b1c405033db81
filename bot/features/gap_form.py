"""The "Ask the team" form (pure): a gap's survey drafted (its question, Yes / No / Not sure,
closing after a week) to edit before it goes out, and the check of what was submitted, by
the same rules as a typed `survey … --gap N` (`bot.features.forms.check_survey_form`,
`bot.features.survey_parse.parse_when`).

Every platform shows it as it shows the core's forms (a Slack modal, a Teams task module, a
playground form)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.features.forms import Problem, check_survey_form
from bot.features.gap_render import SURVEY_OPTIONS, survey_command, times
from bot.features.survey_parse import parse_when
from bot.messages import Form, FormField, Reply
from persona_store.gaps.views import GapView
from persona_store.personas.views import PersonaView
from persona_store.surveys.repository import SurveyError
from persona_store.surveys.views import MAX_QUESTION

SUBMIT_ACTION = "gap.survey"
FIELDS = ("persona", "question", "options", "closes", "anonymous")
CLOSES = (("24h", "1 day"), ("48h", "2 days"), ("7d", "1 week"))
DEFAULT_CLOSES = "7d"  # as the typed `gaps maya ask N`: the usual week
ANONYMOUS = "yes"


@dataclass(frozen=True)
class GapSurvey:
    """A checked submission: what `open_gap_survey` needs."""

    question: str
    options: tuple[str, ...]
    closes_at: datetime
    anonymous: bool


def ref(persona: PersonaView, gap: GapView) -> str:
    return f"{persona.slug}:{gap.number}"


def gap_survey_form(
    persona: PersonaView,
    gap: GapView,
    personas: list[tuple[str, str]],
    *,
    filled: dict[str, str] | None = None,
    errors: tuple[Problem, ...] = (),
) -> Form:
    """The draft, or (`filled`, `errors`) what was typed with its problems."""
    given = filled or {
        "persona": persona.slug,
        "question": gap.question,
        "options": "\n".join(SURVEY_OPTIONS),
        "closes": DEFAULT_CLOSES,
        "anonymous": "",
    }
    choices = tuple(personas) or ((persona.slug, persona.name),)
    return Form(
        title="Ask the team",
        action_id=SUBMIT_ACTION,
        value=ref(persona, gap),
        text=f"A survey on gap {gap.number} of {persona.name}, asked {times(gap.count)}. "
        "Its results land on the gap.",
        fields=(
            FormField(
                "persona",
                "About which persona?",
                kind="choice",
                options=choices,
                value=given.get("persona", ""),
            ),
            FormField(
                "question",
                "Question",
                value=given.get("question", ""),
                hint="e.g. Does Maya need SSO?",
                max_length=MAX_QUESTION,
            ),
            FormField(
                "options",
                "Options, one per line",
                kind="multiline",
                value=given.get("options", ""),
                hint="2 to 10 options",
            ),
            FormField(
                "closes",
                "Closes after",
                kind="choice",
                options=CLOSES,
                value=given.get("closes", ""),
            ),
            FormField(
                "anonymous",
                "Privacy",
                kind="choices",
                options=((ANONYMOUS, "Anonymous answers"),),
                value=given.get("anonymous", ""),
                optional=True,
            ),
        ),
        submit_label="Post survey",
        errors=tuple((name or "question", message) for name, message in errors),
    )


def draft_reply(persona: PersonaView, gap: GapView, personas: list[tuple[str, str]]) -> Reply:
    """ "Ask the team" clicked: the form; where there is none, how to do it by typing."""
    return Reply(
        text=f"Ask the team about gap {gap.number} of {persona.name}: edit the survey before "
        f"it goes out, or type `{survey_command(persona, gap)}`.",
        form=gap_survey_form(persona, gap, personas),
        ephemeral=True,
    )


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_gap_survey(
    persona: PersonaView, fields: dict[str, str], now: datetime, tz: str = "UTC"
) -> GapSurvey | list[Problem]:
    """The submitted form as a survey on the gap, or every problem by field."""
    question, options, problems = check_survey_form(
        fields.get("question", ""), lines(fields.get("options", ""))
    )
    if len(question) > MAX_QUESTION:
        problems.append(("question", f"The question is longer than {MAX_QUESTION} characters."))
    if fields.get("persona", persona.slug) != persona.slug:
        problems.append(
            ("persona", f"This gap is {persona.name}'s: a survey on it asks about "
             f"{persona.first_name}. For another persona, type `survey NAME \"…\" Yes | No`."),
        )  # fmt: skip
    closes_at = now
    try:
        closes_at = parse_when(fields.get("closes") or DEFAULT_CLOSES, now, tz)
        if closes_at <= now:
            raise SurveyError("The close time is in the past; pick a time in the future.")
    except SurveyError as exc:
        problems.append(("closes", str(exc)))
    if problems:
        return problems
    anonymous = ANONYMOUS in fields.get("anonymous", "").split(",")
    return GapSurvey(question, tuple(options), closes_at, anonymous)


def problems_text(problems: list[Problem]) -> str:
    return "Please fix: " + " ".join(message for _, message in problems)
