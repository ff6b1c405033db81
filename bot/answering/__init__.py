"""Answering "what would persona X think about ...?": one interface, two answerers."""

from bot.answering.base import Answer, Answerer, Reason
from bot.answering.factory import build_answerer
from bot.answering.offline import OfflineAnswerer

__all__ = ["Answer", "Answerer", "OfflineAnswerer", "Reason", "build_answerer"]
