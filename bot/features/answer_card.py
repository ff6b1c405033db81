"""Pure rendering of an Answer (and a panel of answers) into a platform-neutral Reply."""

from __future__ import annotations

from datetime import datetime

from bot.answering.base import Answer, Reason, confidence_band
from bot.features.cards import evidence_badge, freshness
from bot.messages import Button, Card, Field, Reply, Section, initials
from persona_store.views import PersonaView

STANCE_HEADLINES = {
    "support": "would likely support this",
    "oppose": "would likely push back",
    "mixed": "would have mixed feelings",
    "unknown": "— the profile doesn't say",
}
STANCE_LABELS = {"support": "Support", "oppose": "Oppose", "mixed": "Mixed", "unknown": "Unknown"}


def confidence_label(value: float) -> str:
    return f"{confidence_band(value)} ({round(value * 100)}%)"


def _bullet(reason: Reason) -> str:
    return f"{reason.text} [{', '.join(reason.cites)}]" if reason.cites else reason.text


def source_line(answer: Answer) -> str:
    if answer.fallback_reason:
        return answer.fallback_reason
    if answer.source == "llm":
        model = answer.meta.get("model")
        return f"AI answer ({model}) grounded in the profile" if model else "AI answer"
    return "Offline answer: built only from the profile's own lines"


def headline(persona: PersonaView, answer: Answer) -> str:
    """'Maya Chen would likely push back' for a proposal; for a question ('Does Sam want bulk
    edit?') the summary is the answer, so the headline only says where it comes from."""
    if answer.stance != "unknown" and answer.meta.get("form") in ("yes_no", "open"):
        return f"{persona.name}: what the profile says"
    return f"{persona.name} {STANCE_HEADLINES.get(answer.stance, '')}".strip()


def answer_card(persona: PersonaView, answer: Answer, question: str, now: datetime) -> Card:
    sections = [Section(title="Question", text=question)]
    if answer.reasons:
        sections.append(Section(title="Why", bullets=tuple(_bullet(r) for r in answer.reasons)))
    if answer.concerns:
        sections.append(
            Section(title="Concerns", bullets=tuple(_bullet(r) for r in answer.concerns))
        )
    if answer.win_over:
        sections.append(Section(title="What would win them over", bullets=answer.win_over))
    cited = [persona.line(k) for k in answer.cited_keys]
    sources = tuple(f"{ln.key}: {ln.text}" for ln in cited if ln is not None)
    if sources:
        sections.append(Section(title="Cited from the profile", bullets=sources))
    context = [freshness(persona, now), evidence_badge(persona), source_line(answer)]
    if answer.out_of_scope:
        context.insert(0, "Outside what this profile covers: treat with care")
    return Card(
        title=headline(persona, answer),
        subtitle=persona.role or None,
        text=answer.summary,
        image_url=persona.photo_url,
        initials=initials(persona.name),
        fields=(
            Field("Stance", STANCE_LABELS.get(answer.stance, answer.stance)),
            Field("Confidence", confidence_label(answer.confidence)),
        ),
        sections=tuple(sections),
        context=tuple(context),
        buttons=(
            Button(
                f"Ask {persona.first_name} another question",
                "ask.again",
                persona.slug,
                compose=f"ask {persona.slug} ",
            ),
            Button("Show profile", "persona.show", persona.slug),
        ),
    )


def answer_text(persona: PersonaView, answer: Answer, question: str, now: datetime) -> str:
    """Complete plain-text version (terminal, notifications, screen readers)."""
    out = [
        headline(persona, answer),
        f"Q: {question}",
        f"Stance: {STANCE_LABELS.get(answer.stance, answer.stance)} · "
        f"confidence {confidence_label(answer.confidence)}",
        answer.summary,
    ]
    if answer.reasons:
        out += ["Why:", *(f"  • {_bullet(r)}" for r in answer.reasons)]
    if answer.concerns:
        out += ["Concerns:", *(f"  • {_bullet(r)}" for r in answer.concerns)]
    if answer.win_over:
        out += ["What would win them over:", *(f"  • {w}" for w in answer.win_over)]
    cited = [persona.line(k) for k in answer.cited_keys]
    if any(cited):
        out += ["Cited:", *(f"  [{ln.key}] {ln.text}" for ln in cited if ln is not None)]
    if answer.out_of_scope:
        out.append("Note: outside what this profile covers.")
    out.append(f"{freshness(persona, now)} · {evidence_badge(persona)} · {source_line(answer)}")
    return "\n".join(out)


def answer_reply(persona: PersonaView, answer: Answer, question: str, now: datetime) -> Reply:
    return Reply(
        text=answer_text(persona, answer, question, now),
        cards=(answer_card(persona, answer, question, now),),
        shareable=True,
        meta={"persona": persona.slug, "stance": answer.stance},
    )


STANCE_SCORE = {"support": 1.0, "mixed": 0.25, "unknown": 0.0, "oppose": -1.0}


def appeal(answer: Answer) -> float:
    """How much a persona likes a proposal, for ranking a panel."""
    return STANCE_SCORE.get(answer.stance, 0.0) * max(answer.confidence, 0.1)


def negative_warning(panel: list[tuple[PersonaView, Answer]]) -> str | None:
    """Warn when a negative persona likes the proposal most (and actually likes it)."""
    if not panel:
        return None
    best = max(panel, key=lambda pa: appeal(pa[1]))
    persona, answer = best
    if persona.kind == "negative" and answer.stance in ("support", "mixed") and appeal(answer) > 0:
        others = [appeal(a) for p, a in panel if p.slug != persona.slug]
        if not others or appeal(answer) > max(others):
            return (
                f"Warning: this proposal appeals most to {persona.name}, a negative persona "
                "(someone we deliberately don't build for)."
            )
    return None


def panel_reply(proposal: str, panel: list[tuple[PersonaView, Answer]], now: datetime) -> Reply:
    warning = negative_warning(panel)
    kind_order = {"primary": 0, "secondary": 1, "negative": 2}
    ordered = sorted(panel, key=lambda pa: (kind_order.get(pa[0].kind, 3), pa[0].name))
    header = Card(
        title="Persona panel",
        text=proposal,
        fields=tuple(
            Field(
                p.name,
                f"{STANCE_LABELS.get(a.stance, a.stance)} · {confidence_label(a.confidence)}",
            )
            for p, a in ordered
        ),
        context=((warning,) if warning else ())
        + ("Each persona was asked on its own, from its own profile.",),
    )
    cards = [header]
    lines = ["Persona panel", f"Proposal: {proposal}"]
    if warning:
        lines.append(warning)
    for persona, answer in ordered:
        # the line that explains the stance; mixed: one for each side
        if answer.stance == "mixed" and answer.reasons and answer.concerns:
            top = (answer.reasons[0], answer.concerns[0])
        elif answer.stance == "oppose":  # lead with what they object to
            top = (answer.concerns or answer.reasons)[:1]
        else:
            top = (answer.reasons or answer.concerns)[:1]
        bullets = tuple(_bullet(r) for r in top)
        cards.append(
            Card(
                title=f"{persona.name}: {STANCE_LABELS.get(answer.stance, answer.stance)}",
                subtitle=persona.role or None,
                text=answer.summary,
                image_url=persona.photo_url,
                initials=initials(persona.name),
                sections=(Section(bullets=bullets),) if bullets else (),
                context=(freshness(persona, now), source_line(answer)),
                buttons=(Button(f"Ask {persona.first_name}", "ask.again", persona.slug),),
            )
        )
        lines.append(
            f"- {persona.name} ({persona.kind}): {STANCE_LABELS.get(answer.stance, answer.stance)}"
            f", {confidence_label(answer.confidence)} — {answer.summary}"
        )
    return Reply(text="\n".join(lines), cards=tuple(cards), shareable=True)
