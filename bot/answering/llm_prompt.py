"""What the AI model is sent: a fixed system prompt, the persona and question as delimited
data in the user message, and the JSON schema the reply must follow."""

from __future__ import annotations

import re
from typing import Any

from bot.answering.base import QUESTION_KINDS, STANCES
from bot.answering.citable import extra_lines
from persona_store.personas.views import PersonaView
from prompts import load_prompt, render_prompt

SYSTEM_PROMPT = "answer_system"
USER_PROMPT = "answer_user"

# Anything that looks like a markup tag (<question>, </persona_profile>, <system>, …) in user
# text is defanged so it cannot close or open a data block. "<10 seats" is left alone.
_TAG_RE = re.compile(r"<(\s*/?\s*[A-Za-z_!?][^<>]*)>")


def neutralise(text: str) -> str:
    """User-written text made safe to place inside the data delimiters."""
    text = _TAG_RE.sub(lambda m: "‹" + m.group(1) + "›", text)
    # Unclosed tag openers ("</question" at the end of a line) are defanged too.
    return re.sub(r"<(\s*/?\s*[A-Za-z_])", r"‹\1", text)


def _one_line(text: str) -> str:
    return " ".join(neutralise(text).split())


def _reason_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "cites": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["text", "cites"],
        "additionalProperties": False,
    }


ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "question_kind": {"type": "string", "enum": list(QUESTION_KINDS)},
        "stance": {"type": "string", "enum": list(STANCES)},
        "summary": {"type": "string"},
        "reasons": {"type": "array", "items": _reason_schema()},
        "concerns": {"type": "array", "items": _reason_schema()},
        "win_over": {"type": "array", "items": {"type": "string"}},
        "confidence": {"type": "number"},
        "out_of_scope": {"type": "boolean"},
    },
    "required": [
        "question_kind",
        "stance",
        "summary",
        "reasons",
        "concerns",
        "win_over",
        "confidence",
        "out_of_scope",
    ],
    "additionalProperties": False,
}

RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": "persona_answer", "strict": True, "schema": ANSWER_SCHEMA},
}


def system_prompt() -> str:
    return load_prompt(SYSTEM_PROMPT).strip()


def profile_variables(persona: PersonaView) -> dict[str, str]:
    """The persona's profile for a prompt's <persona_profile> block, every value defanged."""
    lines = "\n".join(f"[{ln.key}] ({ln.kind}) {_one_line(ln.text)}" for ln in persona.lines)
    evidence = "\n".join(
        f"- ({e.source}{f', n={e.n}' if e.n else ''}"
        f"{f', {e.collected_at.isoformat()}' if e.collected_at else ''}"
        f"{f', about [{e.line_key}]' if e.line_key else ''}) {_one_line(e.summary)}"
        for e in persona.evidence
    )
    return {
        "name": _one_line(persona.name),
        "first_name": _one_line(persona.first_name),
        "kind": persona.kind,
        "role": _one_line(persona.role) or "(not given)",
        "segment": _one_line(persona.segment) or "(not given)",
        "summary": _one_line(persona.summary) or "(not given)",
        "quote": _one_line(persona.quote) or "(not given)",
        "extra_keys": ", ".join(f"[{ln.key}]" for ln in extra_lines(persona)) or "(none)",
        "lines": lines or "(none)",
        "evidence": evidence or "(none)",
    }


def user_prompt(persona: PersonaView, question: str) -> str:
    return render_prompt(
        USER_PROMPT, **profile_variables(persona), question=neutralise(question.strip())
    ).strip()


def build_messages(persona: PersonaView, question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": user_prompt(persona, question)},
    ]
