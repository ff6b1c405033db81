"""Pure builders of what the gap loop shows: the `gaps maya` list (one card per gap, with
its buttons), the "Asked but not covered" line of a profile, and the top gaps in an
owner's reminder or home screen."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from bot.messages import Button, Card, Reply, Section, error_reply
from persona_store.gaps.views import GapSummary, GapView
from persona_store.personas.views import PersonaView

_DATES = re.compile(r", \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\)")

ASK_ACTION = "gap.ask"
PAIN_ACTION = "gap.pain"
GOAL_ACTION = "gap.goal"
DISMISS_ACTION = "gap.dismiss"
SURVEY_OPTIONS = ("Yes", "No", "Not sure")
MAX_CARDS = 8  # a list in chat, not an export: the rest are counted
STATUS = {
    "open": "open",
    "asking": "asking the team",
    "answered": "the team answered: add it to the profile or dismiss it",
}


def _date(when: datetime) -> str:
    return when.date().isoformat()


def times(count: int) -> str:
    """'once', 'twice', '4 times'."""
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def survey_command(persona: PersonaView, gap: GapView) -> str:
    """The typed survey a gap drafts: editable before it is sent (the playground's box)."""
    question = gap.question.replace('"', "'")
    return f'survey {persona.slug} "{question}" {" | ".join(SURVEY_OPTIONS)} --gap {gap.number}'


def suggested_line(gap: GapView) -> str:
    """The line a button adds: the question, and what the team said when a survey ran."""
    said = ""
    if gap.evidence_summary and " — " in gap.evidence_summary:
        counts = gap.evidence_summary.split(" — ", 1)[1]
        said = " Team survey: " + _DATES.sub(")", counts)
    return (gap.question.strip() + said)[:500]


def line_command(persona: PersonaView, gap: GapView, kind: str) -> str:
    """The typed `gaps maya line N pain "…"` of an *Add as* button, for where no form can be
    shown: the line is reworded into a statement before it is added, rather than a question
    landing in the profile as a pain."""
    text = suggested_line(gap).replace('"', "'")
    return f'gaps {persona.slug} line {gap.number} {kind} "{text}"'


def gap_buttons(persona: PersonaView, gap: GapView) -> tuple[Button, ...]:
    ref = f"{persona.slug}:{gap.number}"
    dismiss = Button("Dismiss", DISMISS_ACTION, ref)
    if gap.status == "open":
        # the click opens the drafted survey as the core's form on every platform (gap_form)
        ask = Button("Ask the team", ASK_ACTION, ref, style="primary", opens_form=True)
        return (ask, dismiss)
    if gap.status == "answered":
        # the click opens the line as a form to reword (`gap_line_form`) on every platform
        return (
            Button("Add as pain", PAIN_ACTION, ref, style="primary", opens_form=True),
            Button("Add as goal", GOAL_ACTION, ref, opens_form=True),
            dismiss,
        )
    return (dismiss,)


def gap_line(gap: GapView) -> str:
    """One gap as plain text: "3. Does Maya need SSO? (asked 4 times, last 2026-12-01)"."""
    last = _date(gap.last_asked_at)
    return f"{gap.number}. {gap.question} (asked {times(gap.count)}, last {last})"


def gap_card(persona: PersonaView, gap: GapView) -> Card:
    sections: list[Section] = []
    if gap.status == "asking" and gap.survey_id:
        sections.append(Section(text=f"Survey #{gap.survey_id} is out; its results land here."))
    if gap.evidence_summary:
        sections.append(
            Section(title="What the team said", text=gap.evidence_summary, literal=True)
        )
    return Card(
        title=f"{gap.number}. {gap.question}",
        subtitle=(
            f"Asked {times(gap.count)} · first {_date(gap.first_asked_at)} · "
            f"last {_date(gap.last_asked_at)}"
        ),
        sections=tuple(sections),
        context=(f"Gap {gap.number} of {persona.name}: {STATUS.get(gap.status, gap.status)}",),
        buttons=gap_buttons(persona, gap),
    )


def gaps_reply(persona: PersonaView, gaps: list[GapView]) -> Reply:
    """`gaps maya`: the open gaps, most asked first, each with what can be done about it."""
    if not gaps:
        return Reply(
            text=f"Nothing asked about {persona.name} is uncovered: every question so far "
            "was answered from the profile.",
            ephemeral=True,
        )
    shown = gaps[:MAX_CARDS]
    head = (
        f"Asked about {persona.name} but not covered by the profile ({len(gaps)}), "
        "most asked first:"
    )
    how = (
        f"Ask the team with a survey, or close one yourself: `gaps {persona.slug} line N pain "
        f'"text"` / `gaps {persona.slug} dismiss N`.'
    )
    lines = [head, *(gap_line(g) for g in gaps), how]
    cards = [
        Card(title=f"{persona.name}: asked but not covered", text=head, context=(how,)),
        *(gap_card(persona, g) for g in shown),
    ]
    if len(gaps) > len(shown):
        cards.append(Card(title=f"…and {len(gaps) - len(shown)} more", text="\n".join(
            gap_line(g) for g in gaps[len(shown):]
        )))  # fmt: skip
    return Reply(text="\n".join(lines), cards=tuple(cards), ephemeral=True,
                 meta={"persona": persona.slug})  # fmt: skip


def not_covered(summary: GapSummary | None) -> str | None:
    """ "Asked but not covered: 7 (SSO, mobile app, …)" — None when nothing is."""
    if summary is None or not summary.open:
        return None
    topics = list(summary.topics)
    more = ", …" if summary.open > len(topics) else ""
    listed = f" ({', '.join(topics)}{more})" if topics else ""
    return f"Asked but not covered: {summary.open}{listed}"


def top_gaps_section(persona: PersonaView, gaps: list[GapView], limit: int = 3) -> Section | None:
    """The most asked gaps, for the owner's reminder and home screen."""
    if not gaps:
        return None
    more = len(gaps) - limit
    tail = f" (+{more} more)" if more > 0 else ""
    return Section(
        title=f"Asked but not covered{tail}: `gaps {persona.slug}` to close them",
        # people's own questions, shown as typed (no *bold* or `code` of theirs applies)
        text="\n".join(f"\u2022 {gap_line(g)}" for g in gaps[:limit]),
        literal=True,
    )


def top_gap_buttons(persona: PersonaView, gaps: list[GapView]) -> tuple[Button, ...]:
    """The buttons of the most asked gap (a reminder has room for one gap's)."""
    if not gaps:
        return ()
    return tuple(
        replace(b, label=f"{b.label} (gap {gaps[0].number})") for b in gap_buttons(persona, gaps[0])
    )


def askable(persona: PersonaView, gap: GapView) -> Reply | None:
    """Why the team can't be asked about this gap (None: it can)."""
    if gap.status == "asking":
        return error_reply(
            f"Survey #{gap.survey_id} already asks the team about gap {gap.number} of "
            f"{persona.name}."
        )
    if gap.status != "open":
        return error_reply(f"Gap {gap.number} of {persona.name} is {gap.status} already.")
    return None


def survey_owed(persona: PersonaView, gap: GapView, survey_id: int, channel: str) -> Reply:
    """ "Ask the team" clicked outside the persona's home channel: the survey goes there."""
    return Reply(
        text=f"Survey #{survey_id} on gap {gap.number} (“{gap.question}”) goes to "
        f"{persona.name}'s home channel ({channel}) within a minute. Its results land on "
        f"the gap: `gaps {persona.slug}`.",
        ephemeral=True,
        meta={"survey_id": str(survey_id)},
    )


def line_added(persona: PersonaView, gap: GapView, kind: str, key: str, text: str) -> Reply:
    return Reply(
        text=f"Added to {persona.name}'s profile as {kind} [{key}]: \u201c{text}\u201d. Gap "
        f"{gap.number} is closed; the next time someone asks, {persona.first_name} answers "
        "from it.",
    )


def dismissed(persona: PersonaView, gap: GapView) -> Reply:
    return Reply(
        text=f"Dismissed gap {gap.number} of {persona.name} (\u201c{gap.question}\u201d). "
        "It stays off the list; askers still get the honest \u201cthe profile doesn't say\u201d.",
        ephemeral=True,
    )


def closed_survey_card(persona: PersonaView, gap: GapView) -> Reply:
    """After a gap's survey closed: what the owner can do with the result."""
    return Reply(
        text=f"Survey results saved for gap {gap.number} of {persona.name}. Add it to the "
        f'profile: `gaps {persona.slug} line {gap.number} pain "…"` (or goal), or '
        f"`gaps {persona.slug} dismiss {gap.number}`.",
        cards=(gap_card(persona, gap),),
        ephemeral=True,
    )
