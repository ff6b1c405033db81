"""Pure builders of survey messages: the live survey card, the final results, the ack.

Renderer convention (Slack/Teams/web): every `Choice` of a card is a vote button with
`action_id = "survey.vote"` and `value = choice.value` ("<survey id>:<option index>");
`count` (when not None) is drawn as a tally bar next to it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.features.decision_render import log_button
from bot.features.voice_render import open_results_reply, open_survey_reply
from bot.messages import Button, Card, Choice, Reply, Section, Track
from persona_store.surveys.repository import PredictionRecord, SurveyView

VOTE_ACTION = "survey.vote"
RESULTS_ACTION = "survey.results"
BAR_WIDTH = 10
TRACK_KIND = "survey"


def bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * count / total) if total else 0
    return "\u2588" * filled + "\u2591" * (width - filled)


def pct(count: int, total: int) -> str:
    return f"{round(100 * count / total)}%" if total else "0%"


def result_lines(survey: SurveyView) -> tuple[str, ...]:
    total = survey.total
    return tuple(
        f"{label}  {bar(n, total)}  {n} ({pct(n, total)})"
        for label, n in zip(survey.options, survey.counts, strict=False)
    )


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _context(survey: SurveyView) -> tuple[str, ...]:
    parts = [f"Survey #{survey.id} about {survey.persona_name}"]
    parts.append(
        "Anonymous: nobody can see who answered"
        if survey.anonymous
        else "Answers are not anonymous"
    )
    if survey.is_open and survey.closes_at:
        parts.append(f"Closes {_when(survey.closes_at)}")
    return (" · ".join(parts),)


def survey_reply(survey: SurveyView) -> Reply:
    """The survey message in the channel: one button per option and a live tally."""
    if survey.open_text:  # typed answers (voice_render)
        return open_survey_reply(survey)
    if not survey.is_open:
        return results_reply(survey)
    total = survey.total
    choices = tuple(
        Choice(label=label, value=f"{survey.id}:{i}", count=survey.counts[i] if total else 0)
        for i, label in enumerate(survey.options)
    )
    noun = "answer" if total == 1 else "answers"
    text_lines = [
        f"Survey about {survey.persona_name}: {survey.question}",
        *(f"  {i + 1}. {line}" for i, line in enumerate(result_lines(survey))),
        f"{total} {noun} so far. Answer with the buttons "
        f"(or type `survey vote {survey.id} NUMBER`).",
    ]
    if survey.closes_at:
        text_lines.append(f"Survey #{survey.id} closes {_when(survey.closes_at)}.")
    return Reply(
        text="\n".join(text_lines),
        cards=(
            Card(
                title=survey.question,
                subtitle=f"What do you see with customers like {survey.persona_name}?",
                choices=choices,
                context=(*_context(survey), f"{total} {noun} so far"),
            ),
        ),
        track=Track(TRACK_KIND, str(survey.id)),
        meta={"survey_id": str(survey.id)},
    )


def results_reply(survey: SurveyView) -> Reply:
    """Final (or current, for `survey results`) results, with the prediction once closed."""
    if survey.open_text:  # ungrouped; grouped by line: bot.features.voice.results_for
        return open_results_reply(survey, [(None, survey.texts)])
    total = survey.total
    state = "Final results" if not survey.is_open else "Results so far"
    lines = result_lines(survey)
    extra: list[str] = []
    if not survey.is_open and survey.prediction is not None:
        predicted = survey.options[survey.prediction]
        if survey.prediction_correct is None:
            extra.append(
                f"{survey.persona_name}'s predicted answer: {predicted} (no answers "
                "to compare with)."
            )
        else:
            verdict = "right" if survey.prediction_correct else "wrong"
            extra.append(f"{survey.persona_name}'s persona predicted {predicted}: {verdict}.")
    saved = (
        f"Saved on {survey.persona_name}'s profile as evidence (n={total})."
        if not survey.is_open and survey.evidence_id
        else None
    )
    text = "\n".join(
        [
            f"{state} — {survey.question} (n={total})",
            *(f"  {line}" for line in lines),
            *extra,
            *((saved,) if saved else ()),
        ]
    )
    return Reply(
        text=text,
        cards=(
            Card(
                title=survey.question,
                subtitle=f"{state} · n={total}",
                sections=(Section(title=None, bullets=lines),)
                + ((Section(title="Prediction", text=" ".join(extra)),) if extra else ())
                + ((Section(title=None, text=saved),) if saved else ()),
                context=_context(survey),
                buttons=() if survey.is_open else (log_button(f"survey:{survey.id}"),),
            ),
        ),
        meta={"survey_id": str(survey.id)},
    )


def tally_update(survey: SurveyView) -> Reply:
    """The survey message re-rendered, to replace the posted one (`adapter.update`)."""
    reply = survey_reply(survey)
    return replace(reply, track=None, replaces=survey.message_id or None)


def vote_ack(survey: SurveyView, option: int, outcome: str) -> Reply:
    label = survey.options[option]
    if outcome == "changed":
        text = f"Changed your answer to \u201c{label}\u201d."
    elif outcome == "same":
        text = f"Your answer is already \u201c{label}\u201d."
    else:
        text = f"Thanks! Your answer: \u201c{label}\u201d."
    text += " You can change it until the survey closes."
    if survey.anonymous:
        text += " This survey is anonymous: nobody can see who answered what."
    return Reply(text=text, ephemeral=True, private=survey.anonymous)


def results_button(survey_id: int) -> Button:
    return Button("See results", RESULTS_ACTION, str(survey_id))


def prediction_badge(record: PredictionRecord) -> str | None:
    """The persona's prediction record for cards, the gallery and reminders; None before
    any linked survey has closed with answers."""
    if not record.total:
        return None
    marks = "".join("\u2713" if ok else "\u2717" for ok in record.last)
    line = f"Prediction record: {record.right}/{record.total} right (latest first: {marks})"
    return line + (" — mostly wrong lately" if record.mostly_wrong else "")
