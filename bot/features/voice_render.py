"""Pure builders of open-text survey messages (`survey … --open`): the survey card with its
"Answer the survey" button, the answer form it opens (a `Form`: Slack modal, Teams task
module, playground form), the answers grouped by the profile line each matches, the thanks,
and the one nudge a person who opted in gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.messages import Button, Card, Form, FormField, Reply, Section, Track
from persona_store.personas.views import LineView
from persona_store.surveys.views import SurveyView

ANSWER_ACTION = "survey.answer"  # the form submitted: value = survey id, field "answer"
FORM_ACTION = "survey.answer.form"  # the card's button: the form, for one survey
ANSWER_FIELD = "answer"
MAX_ANSWER = 1000
RESULTS_ACTION = "survey.results"
TRACK_KIND = "survey"
MAX_SHOWN = 40  # answers listed in a results card (the rest are counted)

Groups = Sequence[tuple[LineView | None, Sequence[str]]]


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _about(survey: SurveyView) -> str:
    parts = [f"Survey #{survey.id} about {survey.persona_name}", "open question"]
    parts.append(
        "Anonymous: no author is kept" if survey.anonymous else "Answers are not anonymous"
    )
    if survey.every:
        parts.append(f"asked every {survey.every}")
    if survey.is_open and survey.closes_at:
        parts.append(f"Closes {_when(survey.closes_at)}")
    return " · ".join(parts)


def _noun(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


def answer_form(
    survey: SurveyView, *, typed: str = "", errors: tuple[tuple[str, str], ...] = ()
) -> Form:
    """The form an answer is typed in (shown again, with what was typed, on a problem)."""
    return Form(
        title="Answer the survey",
        action_id=ANSWER_ACTION,
        value=str(survey.id),
        text=f"{survey.question} (survey #{survey.id} about {survey.persona_name}"
        + (", anonymous: no author is kept)" if survey.anonymous else ")"),
        fields=(
            FormField(
                ANSWER_FIELD,
                "Your answer",
                kind="multiline",
                value=typed,
                hint="In the customer's own words, as you heard them",
                max_length=MAX_ANSWER,
            ),
        ),
        submit_label="Send answer",
        errors=errors,
    )


def answer_form_reply(survey: SurveyView) -> Reply:
    """The card's button clicked: the form (platforms without forms show the text)."""
    return Reply(
        text=f"{survey.question} Type `survey answer {survey.id} YOUR ANSWER`.",
        form=answer_form(survey),
        ephemeral=True,
    )


def open_survey_reply(survey: SurveyView) -> Reply:
    """The open-text survey in the channel: the question, the button that opens the answer
    form, how many answered."""
    if not survey.is_open:
        return open_results_reply(survey, [(None, survey.texts)])
    n = _noun(survey.total)
    text = [
        f"Survey about {survey.persona_name}: {survey.question}",
        f"{n} so far. Answer with \u201cAnswer the survey\u201d "
        f"(or type `survey answer {survey.id} YOUR ANSWER`).",
    ]
    if survey.closes_at:
        text.append(f"Survey #{survey.id} closes {_when(survey.closes_at)}.")
    return Reply(
        text="\n".join(text),
        cards=(
            Card(
                title=survey.question,
                subtitle=f"What do customers like {survey.persona_name} tell you? "
                "Answers are saved as evidence quotes.",
                context=(_about(survey), f"{n} so far"),
                buttons=(
                    Button(
                        "Answer the survey",
                        FORM_ACTION,
                        str(survey.id),
                        style="primary",
                        opens_form=True,
                    ),
                    Button("See answers", RESULTS_ACTION, str(survey.id)),
                ),
            ),
        ),
        track=Track(TRACK_KIND, str(survey.id)),
        meta={"survey_id": str(survey.id)},
    )


def open_results_reply(survey: SurveyView, groups: Groups) -> Reply:
    """The answers grouped by the profile line each matches (bot.answering.line_match);
    final once the survey is closed."""
    state = "Answers so far" if survey.is_open else "Final answers"
    sections: list[Section] = []
    lines = [f"{state} — {survey.question} ({_noun(survey.total)})"]
    shown = 0
    for line, texts in groups:
        if not texts:
            continue
        title = f"{line.key}: {line.text}" if line is not None else "Not about a profile line"
        room = max(0, MAX_SHOWN - shown)
        quotes = tuple(f"\u201c{t}\u201d" for t in texts[:room])
        shown += len(quotes)
        if not quotes:
            continue
        sections.append(Section(title=title, bullets=quotes))
        lines += [f"{title}:", *(f"  • {q}" for q in quotes)]
    if survey.total > shown:
        more = f"… and {survey.total - shown} more"
        sections.append(Section(text=more))
        lines.append(more)
    if not survey.total:
        lines.append("No answers yet.")
    saved = (
        f"Saved on {survey.persona_name}'s profile as {_noun(survey.total)} (evidence quotes)."
        if not survey.is_open and survey.evidence_id
        else None
    )
    if saved:
        sections.append(Section(text=saved))
        lines.append(saved)
    return Reply(
        text="\n".join(lines),
        cards=(
            Card(
                title=survey.question,
                subtitle=f"{state} · {_noun(survey.total)}",
                sections=tuple(sections) or (Section(text="No answers yet."),),
                context=(_about(survey),),
            ),
        ),
        meta={"survey_id": str(survey.id)},
    )


def answer_ack(survey_id: int, outcome: str, anonymous: bool) -> Reply:
    """The thanks, to the person only (never stored or logged for an anonymous survey)."""
    text = {
        "changed": "Your answer is updated.",
        "same": "That is already your answer.",
    }.get(outcome, "Thanks! Your answer is saved.")
    text += f" You can change it until survey #{survey_id} closes."
    if anonymous:
        text += " This survey is anonymous: no author is kept with your answer."
    return Reply(text=text, ephemeral=True, private=anonymous)


def open_tally_update(survey: SurveyView) -> Reply:
    """The posted open-text survey re-rendered (answer count, or closed)."""
    return replace(open_survey_reply(survey), track=None, replaces=survey.message_id or None)


def nudge_reply(survey: SurveyView) -> Reply:
    """The one reminder a person who opted in gets about a survey they have not answered."""
    how = (
        f"type `survey answer {survey.id} YOUR ANSWER`"
        if survey.open_text
        else f"type `survey vote {survey.id} NUMBER`"
    )
    text = (
        f"A survey about {survey.persona_name} is waiting for your answer: "
        f"\u201c{survey.question}\u201d. Answer it in the channel, or {how}. "
        "(You get one reminder per survey; `survey nudge off` stops them.)"
    )
    return Reply(text=text, meta={"survey_id": str(survey.id)})
