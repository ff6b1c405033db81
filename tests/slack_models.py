"""Block Kit checked by Slack's own models (slack_sdk.models): the referee for every Slack
golden file (tests/golden_util.py calls it) and for any test that renders blocks or views.

A block passes when slack_sdk parses it into a known model, the model's validators accept it
(lengths, counts, required parts) and it serialises back to exactly the dict we send: a field
the models drop (unknown, empty text, wrong shape) shows up as a difference. The project's
renderer keeps its own truncation rules; this only says whether Slack would accept the result.
Two rules Slack enforces that the models do not check are added below, each by model type.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ImageElement,
    PlainTextObject,
    TextObject,
)
from slack_sdk.models.views import View

_VIEW_TYPES = ("modal", "home")


class BlockKitError(AssertionError):
    """Slack would reject this payload."""


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """Every block parses, validates and round-trips through slack_sdk.models.blocks."""
    if not isinstance(blocks, list) or not blocks:
        raise BlockKitError(f"blocks must be a non-empty list, got {blocks!r:.200}")
    for index, block in enumerate(blocks):
        parsed = Block.parse(block)
        if parsed is None or type(parsed) is Block:
            raise BlockKitError(f"block {index}: unknown block type {block.get('type')!r}")
        _round_trip(parsed, block, f"block {index} ({block.get('type')})")
        _check_gaps(parsed, f"block {index} ({block.get('type')})")


def check_view(view: dict[str, Any]) -> None:
    """A modal or App Home view validates as slack_sdk.models.views.View, blocks included."""
    if view.get("type") not in _VIEW_TYPES:
        raise BlockKitError(f"view type must be one of {_VIEW_TYPES}, got {view.get('type')!r}")
    parsed = View(**view)
    _round_trip(parsed, view, f"{view['type']} view")
    check_blocks(view["blocks"])


def check_message(message: dict[str, Any]) -> None:
    """chat.postMessage / chat.update arguments: a fallback text and valid blocks."""
    if not isinstance(message.get("text"), str) or not message["text"].strip():
        raise BlockKitError("a message needs a non-empty fallback `text`")
    check_blocks(message["blocks"])


def check_payload(value: Any) -> None:
    """Whatever a Slack golden holds: a list of blocks, a message, or a view."""
    if isinstance(value, list):
        check_blocks(value)
    elif isinstance(value, dict) and value.get("type") in _VIEW_TYPES:
        check_view(value)
    elif isinstance(value, dict) and "blocks" in value:
        check_message(value)
    else:
        raise BlockKitError(f"not a Slack payload (blocks, message or view): {value!r:.200}")


def _round_trip(parsed: Any, original: dict[str, Any], where: str) -> None:
    try:
        parsed.validate_json()
        again = parsed.to_dict()  # validates every nested element and text object too
    except Exception as exc:  # SlackObjectFormationError, or a TypeError from a bad shape
        raise BlockKitError(f"{where}: {exc}") from exc
    if again != original:
        raise BlockKitError(
            f"{where}: slack_sdk does not reproduce it (unknown or empty field?)\n"
            f"  sent:   {original}\n  parsed: {again}"
        )


def _check_gaps(parsed: Block, where: str) -> None:
    """Rules from Slack's reference that the models accept anyway."""
    if isinstance(parsed, ContextBlock):
        for element in parsed.elements:
            if not isinstance(element, (TextObject, ImageElement)):
                raise BlockKitError(f"{where}: a context block holds only text and images")
    if isinstance(parsed, ActionsBlock):
        for element in parsed.elements:
            if isinstance(element, ButtonElement) and not isinstance(element.text, PlainTextObject):
                raise BlockKitError(f"{where}: a button's text must be plain_text")
