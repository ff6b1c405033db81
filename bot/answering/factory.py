"""Pick the answerer the settings ask for: the AI model when configured, else offline."""

from __future__ import annotations

from bot.answering.base import Answerer
from bot.answering.offline import OfflineAnswerer
from bot.settings import Settings


def build_answerer(settings: Settings) -> Answerer:
    """LLM answerer (with the offline one as its fallback) when OPENAI_API_KEY or
    OPENAI_BASE_URL is set; the offline grounded answerer otherwise."""
    offline = OfflineAnswerer()
    if not settings.llm_enabled:
        return offline
    from bot.answering.llm import LLMAnswerer

    return LLMAnswerer.from_settings(settings, fallback=offline)
