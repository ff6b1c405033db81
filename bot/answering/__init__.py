"""Answering "what would persona X think about ...?": one interface, two answerers."""

from bot.answering.base import Answer, Answerer, Reason

__all__ = ["Answer", "Answerer", "Reason"]
