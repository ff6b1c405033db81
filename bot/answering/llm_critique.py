"""Critique and rewrite with an OpenAI-compatible model: one Chat Completions call each, with a
JSON-schema response (prompts/critique_*.txt, prompts/rewrite_*.txt). The persona and the
text go in as delimited data, never as instructions; the model gets no tools.

The reply is checked before anyone sees it: citations must be real profile-line keys (a
point or change left citing nothing is dropped), reactions must be ones we know. A timeout,
an HTTP error or an unusable reply falls back to the offline critique, saying why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import replace
from typing import Any

import openai

from bot.answering.citable import citable_lines
from bot.answering.critique import (
    MAX_TEXT_CHARS,
    REACTIONS,
    Change,
    Critique,
    OfflineCritic,
    Point,
    Rewrite,
    critique_summary,
)
from bot.answering.llm import _clean, _key_of
from bot.answering.llm_prompt import neutralise, profile_variables
from persona_store.personas.views import PersonaView
from prompts import load_prompt, render_prompt

log = logging.getLogger(__name__)

MAX_POINTS = 15
MAX_CHANGES = 10
MAX_REWRITE = 6000
FALLBACK = "The AI model's {what} was unusable ({why}); this is the offline critique."

_CITES = {"type": "array", "items": {"type": "string"}}
CRITIQUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "points": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "claim": {"type": "string"},
                    "reaction": {"type": "string", "enum": list(REACTIONS)},
                    "why": {"type": "string"},
                    "cites": _CITES,
                },
                "required": ["claim", "reaction", "why", "cites"],
                "additionalProperties": False,
            },
        },
        "summary": {"type": "string"},
    },
    "required": ["points", "summary"],
    "additionalProperties": False,
}
REWRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rewritten": {"type": "string"},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "what": {"type": "string"},
                    "why": {"type": "string"},
                    "cites": _CITES,
                },
                "required": ["what", "why", "cites"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["rewritten", "changes"],
    "additionalProperties": False,
}


class Unusable(ValueError):
    """The model's reply does not fit the schema, or cites nothing real."""


def messages(kind: str, persona: PersonaView, text: str) -> list[dict[str, str]]:
    """`kind` is "critique" or "rewrite": the fixed system prompt and the data."""
    user = render_prompt(
        f"{kind}_user", **profile_variables(persona), text=neutralise(text.strip())
    )
    return [
        {"role": "system", "content": load_prompt(f"{kind}_system").strip()},
        {"role": "user", "content": user.strip()},
    ]


def response_format(kind: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": f"persona_{kind}", "strict": True, "schema": schema},
    }


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def _object(content: str) -> dict[str, Any]:
    fenced = _FENCE.match(content)
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except ValueError:
        raise Unusable("not JSON") from None
    if not isinstance(data, dict):
        raise Unusable("not a JSON object")
    return data


def _cites(item: dict[str, Any], keys: set[str]) -> tuple[str, ...]:
    cites = item.get("cites")
    if not isinstance(cites, list):
        raise Unusable("cites is not a list")
    real: list[str] = []
    for cite in cites:
        key = _key_of(cite)
        if key in keys and key not in real:
            real.append(key)
    return tuple(real)


def _items(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    items = data.get(field)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Unusable(f"{field} is not a list of objects")
    return items


def _text(item: dict[str, Any], field: str, limit: int) -> str:
    value = item.get(field)
    if not isinstance(value, str):
        raise Unusable(f"{field} is not text")
    return _clean(value, limit)


def parse_critique(content: str, persona: PersonaView) -> Critique:
    data = _object(content)
    keys = {ln.key for ln in citable_lines(persona)}
    points: list[Point] = []
    for item in _items(data, "points"):
        reaction = item.get("reaction")
        if reaction not in REACTIONS:
            raise Unusable(f"unknown reaction {str(reaction)[:20]!r}")
        cites = _cites(item, keys)
        claim, why = _text(item, "claim", 300), _text(item, "why", 400)
        if cites and claim and why:  # an uncited point is not grounded: dropped
            points.append(Point(claim, reaction, why, cites))
    summary = data.get("summary")
    if not isinstance(summary, str):
        raise Unusable("no summary")
    kept = tuple(points[:MAX_POINTS])
    return Critique(
        persona_slug=persona.slug,
        points=kept,
        summary=_clean(summary, 400) or critique_summary(persona.first_name, kept, 0),
        claims=len(kept),
        source="llm",
    )


def parse_rewrite(content: str, persona: PersonaView) -> Rewrite:
    data = _object(content)
    keys = {ln.key for ln in citable_lines(persona)}
    rewritten = data.get("rewritten")
    if not isinstance(rewritten, str) or not rewritten.strip():
        raise Unusable("no rewritten text")
    changes: list[Change] = []
    for item in _items(data, "changes"):
        cites = _cites(item, keys)
        what, why = _text(item, "what", 300), _text(item, "why", 400)
        if cites and what:
            changes.append(Change(what, why, cites))
    if not changes:
        raise Unusable("no change answers a line of the profile")
    text = rewritten.strip()
    if len(text) > MAX_REWRITE:
        text = text[: MAX_REWRITE - 1].rstrip() + "…"
    return Rewrite(persona.slug, text, tuple(changes[:MAX_CHANGES]))


class LLMCritic:
    can_rewrite = True

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        fallback: OfflineCritic,
        timeout: float = 20.0,
    ) -> None:
        self.client = client
        self.model = model
        self.fallback = fallback
        self.timeout = timeout

    async def _call(
        self, kind: str, schema: dict[str, Any], persona: PersonaView, text: str
    ) -> tuple[str, str]:
        """(content, model) of one completion; raises Unusable for any failure."""
        try:
            async with asyncio.timeout(self.timeout * 2 + 5):
                completion = await self.client.chat.completions.create(
                    model=self.model,
                    messages=messages(kind, persona, text[:MAX_TEXT_CHARS]),  # type: ignore[arg-type]
                    response_format=response_format(kind, schema),  # type: ignore[arg-type]
                )
        except (openai.APITimeoutError, TimeoutError):
            raise Unusable("timed out") from None
        except openai.APIStatusError as exc:
            raise Unusable(f"HTTP {exc.status_code}") from None
        except openai.OpenAIError as exc:
            raise Unusable(type(exc).__name__) from None
        choices = getattr(completion, "choices", None) or []
        message = getattr(choices[0], "message", None) if choices else None
        content = getattr(message, "content", None)
        if not isinstance(content, str) or not content.strip():
            raise Unusable("empty reply")
        return content, str(getattr(completion, "model", "") or self.model)

    async def critique(self, persona: PersonaView, text: str) -> Critique:
        try:
            content, model = await self._call("critique", CRITIQUE_SCHEMA, persona, text)
            return replace(parse_critique(content, persona), model=model)
        except Unusable as exc:
            return await self._offline(persona, text, FALLBACK.format(what="critique", why=exc))

    async def rewrite(self, persona: PersonaView, text: str) -> Rewrite | Critique:
        try:
            content, model = await self._call("rewrite", REWRITE_SCHEMA, persona, text)
            return replace(parse_rewrite(content, persona), model=model)
        except Unusable as exc:
            return await self._offline(persona, text, FALLBACK.format(what="rewrite", why=exc))

    async def _offline(self, persona: PersonaView, text: str, reason: str) -> Critique:
        log.warning("LLM critique for %s fell back to offline: %s", persona.slug, reason)
        return replace(await self.fallback.critique(persona, text), fallback_reason=reason)
