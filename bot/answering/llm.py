"""The AI answerer: one Chat Completions call per persona through `openai.AsyncOpenAI`, with a
JSON-schema response format so OpenAI, Ollama, vLLM and LM Studio all work.

The reply is checked before anyone sees it: citations must be real profile-line keys
(invented ones are dropped), the stance must be one we know. A timeout, an HTTP error (a 429
after its one retry included) or an unusable reply falls back to the offline answer, with
`fallback_reason` saying so. It never raises for those.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from dataclasses import replace
from typing import Any

import openai

from bot.answering.base import QUESTION_KINDS, STANCES, Answer, Reason
from bot.answering.citable import citable_lines
from bot.answering.llm_prompt import RESPONSE_FORMAT, build_messages
from bot.answering.offline import OfflineAnswerer
from bot.settings import Settings
from persona_store.personas.views import PersonaView

log = logging.getLogger(__name__)

MAX_ITEMS = 5
MAX_TEXT = 400
MAX_SUMMARY = 300

FALLBACK_TIMEOUT = "The AI model timed out; this is the offline answer."
FALLBACK_BUSY = "The AI model is rate-limited right now; this is the offline answer."
FALLBACK_HTTP = "The AI model returned an error ({status}); this is the offline answer."
FALLBACK_UNREACHABLE = "The AI model could not be reached; this is the offline answer."
FALLBACK_INVALID = "The AI model's reply was unusable ({why}); this is the offline answer."
FALLBACK_UNGROUNDED = (
    "The AI model's reply cited nothing from the profile; this is the offline answer."
)


class InvalidReply(ValueError):
    """The model's reply does not fit the answer schema."""


class Refused(InvalidReply):
    """The model refused to answer the question."""


class LLMAnswerer:
    """Answers with an OpenAI-compatible model and falls back to `fallback` (offline)."""

    name = "llm"

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        fallback: OfflineAnswerer | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.client = client
        self.model = model
        self.fallback = fallback or OfflineAnswerer()
        self.timeout = timeout

    @classmethod
    def from_settings(
        cls, settings: Settings, fallback: OfflineAnswerer | None = None
    ) -> LLMAnswerer:
        client = openai.AsyncOpenAI(
            # A local server (Ollama, vLLM, LM Studio) needs no key, but the client wants one.
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout,
            max_retries=1,
        )
        return cls(client, settings.openai_model, fallback, settings.openai_timeout)

    async def aclose(self) -> None:
        """Close the HTTP connection pool (call on shutdown)."""
        await self.client.close()

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        try:
            # Per-request timeout comes from the client; this caps the retry wait as well.
            async with asyncio.timeout(self.timeout * 2 + 5):
                completion = await self.client.chat.completions.create(
                    model=self.model,
                    messages=build_messages(persona, question),  # type: ignore[arg-type]
                    response_format=RESPONSE_FORMAT,  # type: ignore[arg-type]
                )
        except (openai.APITimeoutError, TimeoutError):
            return self._fallback(persona, question, FALLBACK_TIMEOUT)
        except openai.RateLimitError:
            return self._fallback(persona, question, FALLBACK_BUSY)
        except openai.APIStatusError as exc:
            reason = FALLBACK_HTTP.format(status=f"HTTP {exc.status_code}")
            return self._fallback(persona, question, reason)
        except openai.APIConnectionError:
            return self._fallback(persona, question, FALLBACK_UNREACHABLE)
        except openai.OpenAIError as exc:
            why = type(exc).__name__
            return self._fallback(persona, question, FALLBACK_INVALID.format(why=why))
        try:
            content = _content(completion)
            answer = parse_reply(content, persona)
        except InvalidReply as exc:
            answer = self._fallback(persona, question, FALLBACK_INVALID.format(why=exc))
            return replace(answer, refused=isinstance(exc, Refused))
        if answer.stance != "unknown" and not (answer.reasons or answer.concerns):
            return self._fallback(persona, question, FALLBACK_UNGROUNDED)
        meta = {**answer.meta, "model": str(getattr(completion, "model", "") or self.model)}
        return replace(answer, meta=meta)

    def _fallback(self, persona: PersonaView, question: str, reason: str) -> Answer:
        log.warning("LLM answer for %s fell back to offline: %s", persona.slug, reason)
        answer = self.fallback.answer_now(persona, question)
        return replace(answer, fallback_reason=reason)


def _content(completion: Any) -> str:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise InvalidReply("no choices")
    message = getattr(choices[0], "message", None)
    if getattr(message, "refusal", None):
        raise Refused("the model refused")
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        raise InvalidReply("empty reply")
    return content


_FENCE_RE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def parse_reply(content: str, persona: PersonaView) -> Answer:
    """Validate a model reply against the schema and the persona's real line keys."""
    fenced = _FENCE_RE.match(content)  # some local models wrap JSON in a code fence anyway
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except (json.JSONDecodeError, ValueError):
        raise InvalidReply("not JSON") from None
    if not isinstance(data, dict):
        raise InvalidReply("not a JSON object")
    stance = data.get("stance")
    if stance not in STANCES:
        raise InvalidReply(f"unknown stance {str(stance)[:20]!r}")
    summary = data.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise InvalidReply("no summary")
    kind = data.get("question_kind", "proposal")  # older local models may leave it out
    if kind not in QUESTION_KINDS:
        raise InvalidReply(f"unknown question kind {str(kind)[:20]!r}")
    if kind == "fact" and stance in ("support", "oppose"):
        stance = "mixed"  # a fact carries no verdict (the card shows none)
    keys = {ln.key for ln in citable_lines(persona)}
    dropped: list[str] = []
    reasons = _reasons(data.get("reasons"), keys, dropped, "reasons")
    concerns = _reasons(data.get("concerns"), keys, dropped, "concerns")
    win_over = data.get("win_over", [])
    if not isinstance(win_over, list) or not all(isinstance(w, str) for w in win_over):
        raise InvalidReply("win_over is not a list of strings")
    confidence = data.get("confidence", 0.5)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise InvalidReply("confidence is not a number")
    if not math.isfinite(confidence):
        raise InvalidReply("confidence is not finite")
    out_of_scope = data.get("out_of_scope", False)
    if not isinstance(out_of_scope, bool):
        raise InvalidReply("out_of_scope is not true/false")
    meta = {"dropped_citations": ",".join(dropped)} if dropped else {}
    return Answer(
        persona_slug=persona.slug,
        stance=stance,
        summary=_clean(summary, MAX_SUMMARY),
        reasons=reasons,
        concerns=concerns,
        win_over=tuple(_clean(w, MAX_TEXT) for w in win_over if w.strip())[:MAX_ITEMS],
        confidence=round(min(1.0, max(0.0, float(confidence))), 2),
        out_of_scope=out_of_scope or (stance == "unknown" and not (reasons or concerns)),
        question_kind=kind,
        source="llm",
        meta=meta,
    )


def _reasons(value: Any, keys: set[str], dropped: list[str], field: str) -> tuple[Reason, ...]:
    """Keep real citations only; a reason left citing nothing is dropped (ungrounded)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidReply(f"{field} is not a list")
    out: list[Reason] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InvalidReply(f"{field} item is not {{text, cites}}")
        cites = item.get("cites", [])
        if not isinstance(cites, list):
            raise InvalidReply(f"{field} cites is not a list")
        real: list[str] = []
        for c in cites:
            key = _key_of(c)
            if key not in keys:
                dropped.append(str(c)[:40])
            elif key not in real:
                real.append(key)
        if real and item["text"].strip():
            out.append(Reason(_clean(item["text"], MAX_TEXT), tuple(real)))
    return tuple(out[:MAX_ITEMS])


_KEY_RE = re.compile(r"[A-Za-z]+-\d+|\b(?:quote|summary|role)\b", re.I)


def _key_of(cite: object) -> str:
    """'pain-2', '[pain-2]', 'Pain-2: Budget…' all mean pain-2; anything else stays as-is."""
    text = str(cite).strip()
    m = _KEY_RE.search(text)
    return m.group(0).lower() if m else text


def _clean(text: str, limit: int) -> str:
    """One line of plain text, bounded."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
