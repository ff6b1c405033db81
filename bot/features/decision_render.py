"""Decisions as cards, lists and exports (pure, golden-tested)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace

from bot import csv_cells
from bot.answering.base import Answer
from bot.answering.citable import citable_line
from bot.features.decision_form import OUTCOME_LABELS
from bot.messages import Button, Card, Field, Reply, Section
from persona_store.decisions.views import Considered, DecisionView
from persona_store.personas.views import PersonaView

LOG_ACTION = "decision.log"
EDIT_ACTION = "decision.edit"
LATEST = 3
EXPORT_HEADER = (
    "number", "date", "decision", "outcome", "note", "link", "personas", "cited_lines",
    "question", "logged_by", "where", "version",
)  # fmt: skip


def considered(persona: PersonaView, answer: Answer) -> Considered:
    """What an answer heard from one persona: its stance and the lines it cited."""
    lines = [citable_line(persona, key) for key in answer.cited_keys]
    return Considered(
        persona.slug,
        persona.name,
        answer.stance,
        tuple((ln.key, ln.text) for ln in lines if ln is not None),
    )


def log_button(ref: str) -> Button:
    """ "Log decision" on an answer, a panel or survey results (`ref`: "answer:12.<key>")."""
    return Button("Log decision", LOG_ACTION, ref, opens_form=True)


def who(d: DecisionView) -> str:
    return d.author_name or d.author


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def summary_line(d: DecisionView) -> str:
    """'#3 Keep the free tier: Adopted · Maya Chen, Sam Okafor · 2026-12-03 · alice'."""
    names = ", ".join(d.persona_names) or "no personas"
    day = d.created_at.date().isoformat()
    return f"#{d.number} {d.text}: {outcome_label(d.outcome)} · {names} · {day} · {who(d)}"


def cited_bullets(personas: Sequence[Considered]) -> tuple[str, ...]:
    return tuple(f"{p.name} · {key}: {text}" for p in personas for key, text in p.lines)


def decision_card(d: DecisionView) -> Card:
    fields = [
        Field("Outcome", outcome_label(d.outcome)),
        Field("Considered", ", ".join(d.persona_names) or "no personas attached"),
        Field("Logged by", who(d)),
    ]
    sections = []
    if d.note:
        sections.append(Section(title="Note", text=d.note, literal=True))
    if d.question:
        sections.append(Section(title="Asked", text=d.question, literal=True))
    cited = cited_bullets(d.personas)
    if cited:
        sections.append(Section(title="Cited from the profiles", bullets=cited))
    context = [f"Logged {d.created_at.date().isoformat()}"]
    if d.version > 1:
        context.append(f"Edited (version {d.version}, {d.updated_at.date().isoformat()})")
    buttons = []
    if d.link:
        buttons.append(Button("Open link", "decision.link", url=d.link))
    if d.place.permalink and d.place.permalink.startswith("https://"):
        buttons.append(Button("Where it was decided", "decision.where", url=d.place.permalink))
    buttons.append(Button("Edit", EDIT_ACTION, str(d.number), opens_form=True))
    return Card(
        title=f"Decision #{d.number}: {d.text}",
        fields=tuple(fields),
        sections=tuple(sections),
        context=tuple(context),
        buttons=tuple(buttons),
    )


def decision_text(d: DecisionView) -> str:
    out = [f"Decision #{d.number}: {d.text}", f"Outcome: {outcome_label(d.outcome)}"]
    out.append(f"Considered: {', '.join(d.persona_names) or 'no personas attached'}")
    out.append(f"Logged by {who(d)} on {d.created_at.date().isoformat()}")
    if d.note:
        out.append(f"Note: {d.note}")
    if d.question:
        out.append(f"Asked: {d.question}")
    out += [f"  • {b}" for b in cited_bullets(d.personas)]
    if d.link:
        out.append(f"Link: {d.link}")
    if d.place.permalink:
        out.append(f"Where: {d.place.permalink}")
    return "\n".join(out)


def decision_reply(d: DecisionView, *, headline: str | None = None) -> Reply:
    """A decision's card; `headline` (e.g. "Decision #3 logged") leads the plain text."""
    text = decision_text(d)
    card = decision_card(d)
    if headline:
        text = f"{headline}\n{text}"
        card = replace(card, text=headline)
    return Reply(text=text, cards=(card,), meta={"decision": str(d.number)})


def decisions_reply(title: str, decisions: Sequence[DecisionView], empty: str) -> Reply:
    """A list of decisions, newest first (`decisions`, `decisions maya`, `search`)."""
    if not decisions:
        return Reply(text=empty, ephemeral=True)
    bullets = tuple(summary_line(d) for d in decisions)
    card = Card(
        title=title,
        sections=(Section(bullets=bullets),),
        context=("Type `decisions N` for one decision, `decisions search TEXT` to search.",),
    )
    text = "\n".join([title, *(f"  • {b}" for b in bullets)])
    return Reply(text=text, cards=(card,), ephemeral=True)


def considered_line(count: int) -> str:
    return f"Considered in {count} decision" + ("" if count == 1 else "s")


def considered_section(count: int, latest: Sequence[DecisionView]) -> Section | None:
    """ "Considered in N decisions" with the latest few (`show maya`)."""
    if not count:
        return None
    bullets = tuple(summary_line(d) for d in latest[:LATEST])
    return Section(title=considered_line(count), bullets=bullets)


def export_csv(decisions: Sequence[DecisionView]) -> str:
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow(EXPORT_HEADER)
    for d in decisions:
        writer.writerow(
            (d.number, d.created_at.date().isoformat(), d.text, d.outcome, d.note,
             d.link or "", "; ".join(d.persona_names),
             "; ".join(f"{p.slug}/{k}: {t}" for p in d.personas for k, t in p.lines),
             d.question, who(d), d.place.permalink or "", d.version)
        )  # fmt: skip
    return out.getvalue()


def _md(text: str) -> str:
    """Plain text in a Markdown table cell or list: nothing a reader's renderer runs."""
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def export_md(decisions: Sequence[DecisionView]) -> str:
    out = ["# Decision log", ""]
    if not decisions:
        out.append("No decisions logged yet.")
    for d in decisions:
        out.append(f"## #{d.number} {_md(d.text)}")
        out.append("")
        out.append(f"- Outcome: {outcome_label(d.outcome)}")
        out.append(f"- Date: {d.created_at.date().isoformat()} · logged by {_md(who(d))}")
        out.append(f"- Considered: {_md(', '.join(d.persona_names)) or 'no personas'}")
        if d.question:
            out.append(f"- Asked: {_md(d.question)}")
        for p in d.personas:
            for key, text in p.lines:
                out.append(f"  - {_md(p.name)} · {_md(key)}: {_md(text)}")
        if d.note:
            out.append(f"- Note: {_md(d.note)}")
        for label, url in (("Link", d.link), ("Where", d.place.permalink)):
            if url:
                out.append(f"- {label}: <{url.replace('>', '%3E').replace(' ', '%20')}>")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
