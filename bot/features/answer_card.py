"""Pure rendering of an Answer (and a panel of answers) into a platform-neutral Reply."""

from __future__ import annotations

from datetime import datetime

from bot.answering.base import Answer, Reason, confidence_band
from bot.answering.citable import citable_line
from bot.features.buyers import buyer_warnings
from bot.features.cards import evidence_badge, freshness
from bot.features.line_health import LineHealth, health_by_key
from bot.messages import Button, Card, Field, Reply, Section, initials
from persona_store.personas.views import PersonaView

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


def _marked_bullet(reason: Reason, health: dict[str, LineHealth]) -> str:
    """`_bullet` with the health mark of the first flagged line it cites (the panel shows
    no "Cited from the profile" list, so the mark goes by the reason)."""
    flagged = next((health[k] for k in reason.cites if k in health and health[k].flagged), None)
    return _bullet(reason) + (f" \u2014 {flagged.mark}" if flagged is not None else "")


def source_line(answer: Answer) -> str:
    if answer.fallback_reason:
        return answer.fallback_reason
    if answer.source == "llm":
        model = answer.meta.get("model")
        return f"AI answer ({model}) grounded in the profile" if model else "AI answer"
    return "Offline answer: built only from the profile's own lines"


def is_question(answer: Answer) -> bool:
    return answer.question_kind != "proposal" or answer.meta.get("form") in ("yes_no", "open")


def headline(persona: PersonaView, answer: Answer) -> str:
    """'Maya Chen would likely push back' for a proposal; for a question ('Does Sam want bulk
    edit?', 'Who approves Maya's budget?') the summary is the answer, so the headline only
    says where it comes from."""
    if is_question(answer) and (answer.stance != "unknown" or answer.question_kind == "fact"):
        if answer.out_of_scope:
            return f"{persona.name}: the profile doesn't say"
        return f"{persona.name}: what the profile says"
    return f"{persona.name} {STANCE_HEADLINES.get(answer.stance, '')}".strip()


def verdict_fields(answer: Answer) -> tuple[Field, ...]:
    """Stance and confidence; a factual answer ('Who approves…?') has no stance to show."""
    shown = Field("Confidence", confidence_label(answer.confidence))
    if answer.question_kind == "fact":
        return (shown,)
    return (Field("Stance", STANCE_LABELS.get(answer.stance, answer.stance)), shown)


def verdict_line(answer: Answer) -> str:
    """'Support · high (80%)' for the panel; a fact has only its confidence."""
    conf = confidence_label(answer.confidence)
    if answer.question_kind == "fact":
        return f"Fact · {conf}"
    return f"{STANCE_LABELS.get(answer.stance, answer.stance)} · {conf}"


def cited_lines(persona: PersonaView, answer: Answer, now: datetime) -> tuple[str, ...]:
    """'pain-2: Price rises hurt', with a small mark when the data no longer backs the line
    ('… — ⚠ contested', bot.features.line_health)."""
    health = health_by_key(persona, now)
    out = []
    for key in answer.cited_keys:
        ln = citable_line(persona, key)
        if ln is None:
            continue
        h = health.get(ln.key)
        mark = f" \u2014 {h.mark}" if h is not None and h.flagged else ""
        out.append(f"{ln.key}: {ln.text}{mark}")
    return tuple(out)


def answer_card(persona: PersonaView, answer: Answer, question: str, now: datetime) -> Card:
    sections = [Section(title="Question", text=question, literal=True)]
    if answer.reasons:
        sections.append(Section(title="Why", bullets=tuple(_bullet(r) for r in answer.reasons)))
    if answer.concerns:
        sections.append(
            Section(title="Concerns", bullets=tuple(_bullet(r) for r in answer.concerns))
        )
    if answer.win_over:
        sections.append(Section(title="What would win them over", bullets=answer.win_over))
    sources = cited_lines(persona, answer, now)
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
        fields=verdict_fields(answer),
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
        f"confidence {confidence_label(answer.confidence)}"
        if answer.question_kind != "fact"
        else f"Confidence {confidence_label(answer.confidence)}",
        answer.summary,
    ]
    if answer.reasons:
        out += ["Why:", *(f"  • {_bullet(r)}" for r in answer.reasons)]
    if answer.concerns:
        out += ["Concerns:", *(f"  • {_bullet(r)}" for r in answer.concerns)]
    if answer.win_over:
        out += ["What would win them over:", *(f"  • {w}" for w in answer.win_over)]
    cited = cited_lines(persona, answer, now)
    if cited:
        out += [
            "Cited:",
            *(f"  [{key}] {text}" for key, _, text in (c.partition(": ") for c in cited)),
        ]
    if answer.out_of_scope:
        out.append("Note: outside what this profile covers.")
    out.append(f"{freshness(persona, now)} · {evidence_badge(persona)} · {source_line(answer)}")
    return "\n".join(out)


def answer_reply(persona: PersonaView, answer: Answer, question: str, now: datetime) -> Reply:
    return Reply(
        text=answer_text(persona, answer, question, now),
        cards=(answer_card(persona, answer, question, now),),
        shareable=True,
        meta={"persona": persona.slug, "stance": answer.stance, "kind": answer.question_kind},
    )


STANCE_SCORE = {"support": 1.0, "mixed": 0.25, "unknown": 0.0, "oppose": -1.0}


def appeal(answer: Answer) -> float:
    """How much a persona likes a proposal, for ranking a panel."""
    return STANCE_SCORE.get(answer.stance, 0.0) * max(answer.confidence, 0.1)


CLEAR_SUPPORT = 0.4  # a negative persona's support counts from medium confidence up


def negative_warning(panel: list[tuple[PersonaView, Answer]]) -> str | None:
    """Warn when a negative persona clearly supports the proposal (never on Mixed) and more
    strongly than every primary persona (every other persona when there is no primary)."""
    negatives = [
        (p, a)
        for p, a in panel
        if p.kind == "negative" and a.stance == "support" and a.confidence >= CLEAR_SUPPORT
    ]
    if not negatives:
        return None
    persona, answer = max(negatives, key=lambda pa: appeal(pa[1]))
    rivals = [a for p, a in panel if p.kind == "primary"] or [
        a for p, a in panel if p.kind != "negative"
    ]
    if any(appeal(a) >= appeal(answer) for a in rivals):
        return None
    return (
        f"Warning: this proposal appeals most to {persona.name}, a negative persona "
        "(someone we deliberately don't build for)."
    )


def panel_reply(
    proposal: str,
    panel: list[tuple[PersonaView, Answer]],
    now: datetime,
    *,
    about: tuple[Section, ...] | None = None,
    notes: tuple[str, ...] = (),
) -> Reply:
    """The panel: a header with every verdict, then one card per persona. `about` replaces
    the "Proposal" section (a message the panel was asked about, and the question), `notes`
    go in the header's small print (e.g. that only part of a long message was read)."""
    warning = negative_warning(panel)
    buyers = buyer_warnings(panel)
    kind_order = {"primary": 0, "secondary": 1, "negative": 2}
    ordered = sorted(panel, key=lambda pa: (kind_order.get(pa[0].kind, 3), pa[0].name))
    sections = about or (Section(title="Proposal", text=proposal, literal=True),)
    header = Card(
        title="Persona panel",
        fields=tuple(Field(p.name, verdict_line(a)) for p, a in ordered),
        sections=sections,
        context=((warning,) if warning else ())
        + tuple(buyers)
        + notes
        + ("Each persona was asked on its own, from its own profile.",),
    )
    cards = [header]
    lines = ["Persona panel"]
    lines += [f"{s.title}: {s.text}" for s in sections if s.title and s.text]
    lines += list(notes)
    if warning:
        lines.append(warning)
    lines += buyers
    for persona, answer in ordered:
        # the line that explains the stance; mixed: one for each side
        if answer.stance == "mixed" and answer.reasons and answer.concerns:
            top = (answer.reasons[0], answer.concerns[0])
        elif answer.stance == "oppose":  # lead with what they object to
            top = (answer.concerns or answer.reasons)[:1]
        else:
            top = (answer.reasons or answer.concerns)[:1]
        health = health_by_key(persona, now)
        bullets = tuple(_marked_bullet(r, health) for r in top)
        cards.append(
            Card(
                title=f"{persona.name}: {verdict_line(answer).split(' · ')[0]}",
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
            f"- {persona.name} ({persona.kind}): {verdict_line(answer).replace(' · ', ', ')}"
            f" — {answer.summary}"
        )
    return Reply(text="\n".join(lines), cards=tuple(cards), shareable=True)
