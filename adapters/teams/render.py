"""Reply -> Adaptive Card 1.5. Pure functions, golden-tested (tests/golden/teams/).

Every string in a Reply is plain text written by a user or the model. Teams reads a subset
of Markdown in TextBlocks and FactSets and turns `<at>…</at>` into a mention when a matching
entity is sent; we never send mention entities, escape the Markdown characters and break up
`<at>` tags, so no persona text or answer can format itself, forge a link or ping anyone.

Buttons that open a form are `Action.Submit` with `msteams: task/fetch` (a task module,
adapters/teams/forms.py); the others are `Action.Execute` (Universal Actions: an
`adaptiveCard/action` invoke, the card is refreshed from the invoke response) carrying the
core's action id as `verb` and in `data`,
each with an `Action.Submit` fallback for clients without Universal Actions (Teams then
sends a message activity whose `value` is the same `data`). Cards stay under Teams'
recommended 80 KB, counted in UTF-16 as Teams counts it, by shortening text, then dropping
trailing elements.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.messages import Button, Card, Choice, Reply, Section

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_CARD_BYTES = 80 * 1024
MAX_TEXT = 8000  # per TextBlock, before the size budget shrinks it further
MAX_TITLE = 200
MAX_BUTTON_TITLE = 60
MAX_ACTIONS_PER_SET = 5  # Teams shows at most 6 actions in a row; keep one spare
MAX_SUMMARY = 300
TASK_FETCH = {"msteams": {"type": "task/fetch"}}
CHOICE_ACTION_ID = "survey.vote"  # a Choice's click: value is the choice's value ("ID:INDEX")
SHORTENED = "Shortened to fit Teams' limits."
BAR_WIDTH = 20

Element = dict[str, Any]

_MARKDOWN = re.compile(r"([\\`*_~\[\]])")
_AT_TAG = re.compile(r"<(/?)(at)\b", re.IGNORECASE)
_LIST_START = re.compile(r"^(\s*)([-+]|\d+)([.)]?)(\s)", re.MULTILINE)


def neutralise(text: str) -> str:
    """Plain text -> text Teams shows literally: Markdown characters escaped, list markers
    at line starts escaped, `<at>` tags broken with a zero-width space (no mentions)."""
    text = _AT_TAG.sub(lambda m: f"<\u200b{m.group(1)}{m.group(2)}", text)
    text = _MARKDOWN.sub(r"\\\1", text)
    return _LIST_START.sub(_escape_list_marker, text)


def _escape_list_marker(m: re.Match[str]) -> str:
    indent, marker, dot, space = m.groups()
    if marker.isdigit():
        return f"{indent}{marker}\\{dot}{space}" if dot else m.group(0)
    return f"{indent}\\{marker}{dot}{space}"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _cut(text: str, limit: int) -> str:
    """Truncate escaped text without leaving a dangling backslash."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut + "…"


def text_block(text: str, limit: int, **style: Any) -> Element:
    # A blank line between lines: Markdown renderers join single line breaks into one line.
    text = _cut(neutralise(text), limit).replace("\r", "").replace("\n", "\n\n")
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card_size(card: dict[str, Any]) -> int:
    """Bytes of the card's JSON encoded as UTF-16, which is how Teams measures a message
    against its limit (100 KB, 80 KB recommended): plain ASCII counts double."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


def action_data(action_id: str, value: str) -> dict[str, str]:
    return {"action_id": action_id, "value": value}


def action(b: Button) -> Element:
    title = truncate(b.label, MAX_BUTTON_TITLE) or "Open"
    if b.url:
        return {"type": "Action.OpenUrl", "title": title, "url": b.url}
    data = action_data(b.action_id, b.value)
    element: Element
    if b.opens_form:  # a task module (dialog): task/fetch, then task/submit
        element = {"type": "Action.Submit", "title": title, "data": {**data, **TASK_FETCH}}
    else:
        element = {
            "type": "Action.Execute",
            "title": title,
            "verb": b.action_id,
            "data": data,
            "fallback": {"type": "Action.Submit", "title": title, "data": data},
        }
    if b.style == "primary":
        element["style"] = "positive"
    elif b.style == "danger":
        element["style"] = "destructive"
    return element


def action_sets(buttons: list[Button]) -> list[Element]:
    actions = [action(b) for b in buttons]
    return [
        {"type": "ActionSet", "actions": actions[i : i + MAX_ACTIONS_PER_SET]}
        for i in range(0, len(actions), MAX_ACTIONS_PER_SET)
    ]


def _bar(count: int, total: int) -> str:
    filled = round(BAR_WIDTH * count / total) if total else 0
    return "\u2588" * filled + "\u2591" * (BAR_WIDTH - filled)


def _tally(choices: tuple[Choice, ...], limit: int) -> list[Element]:
    if all(c.count is None for c in choices):
        return []
    total = sum(c.count or 0 for c in choices)
    facts = []
    for c in choices:
        n = c.count or 0
        pct = round(100 * n / total) if total else 0
        facts.append(
            {
                "title": _cut(neutralise(c.label), min(limit, MAX_TITLE)),
                "value": f"{_bar(n, total)} {n} ({pct}%)",
            }
        )
    noun = "answer" if total == 1 else "answers"
    return [
        {"type": "FactSet", "facts": facts},
        {"type": "TextBlock", "text": f"{total} {noun}", "isSubtle": True, "wrap": True},
    ]


def _header(card: Card, limit: int) -> list[Element]:
    title = text_block(card.title, MAX_TITLE, size="Large", weight="Bolder", style="heading")
    lines: list[Element] = [title]
    if card.subtitle:
        lines.append(text_block(card.subtitle, limit, isSubtle=True, spacing="None"))
    avatar: Element | None = None
    if card.image_url and card.image_url.startswith("https://"):
        avatar = {
            "type": "Image",
            "url": card.image_url,
            "altText": truncate(card.title, MAX_TITLE),
            "size": "Medium",
            "style": "Person",
        }
    elif card.initials:
        # No photo: the initials stand in for the avatar, as in the web gallery.
        avatar = {
            "type": "TextBlock",
            "text": neutralise(card.initials[:4]),
            "size": "ExtraLarge",
            "weight": "Bolder",
            "color": "Accent",
        }
    if avatar is None:
        return lines
    return [
        {
            "type": "ColumnSet",
            "columns": [
                {"type": "Column", "width": "auto", "items": [avatar]},
                {
                    "type": "Column",
                    "width": "stretch",
                    "verticalContentAlignment": "Center",
                    "items": lines,
                },
            ],
        }
    ]


def _section(section: Section, limit: int) -> list[Element]:
    items: list[Element] = []
    if section.title:
        items.append(text_block(section.title, MAX_TITLE, weight="Bolder", spacing="Medium"))
    if section.text:
        items.append(text_block(section.text, limit))
    for bullet in section.bullets:  # one block each: not every client breaks lines on "\n"
        block = text_block(bullet, limit, spacing="Small")
        items.append({**block, "text": f"• {block['text']}"})
    return items


# Responsive layouts (Microsoft Learn, "Format cards in Microsoft Teams", section "Adaptive
# Card responsive layout"): Teams shows an element only at the card widths its `targetWidth`
# names. Columns at `COLUMNS_FROM[layout]` and wider; below it the same sections stacked, as
# the playground and the gallery stack them on a phone. Teams' widths: veryNarrow (meeting
# chat), narrow (phone, portrait), standard (phone, landscape; tablet, portrait), wide
# (tablet, landscape; desktop chat and channel with `msteams.width: Full`, which we send).
# Two quadrants side by side still read on a landscape phone, six stages do not.
COLUMNS_FROM = {"grid": "standard", "row": "wide"}
_NARROWER = {"standard": "narrow", "wide": "standard"}


def _sections(card: Card, limit: int) -> list[Element]:
    """Stacked sections, or columns: two per row for a grid (an empathy map's quadrants),
    all in one row for a row (a journey's stages), each with its stacked twin for narrower
    cards."""
    stacked = [item for section in card.sections for item in _section(section, limit)]
    if card.layout == "stack" or not stacked:
        return stacked
    per_row = 2 if card.layout == "grid" else max(1, len(card.sections))
    rows = [card.sections[i : i + per_row] for i in range(0, len(card.sections), per_row)]
    wide_from = COLUMNS_FROM[card.layout]
    columns: list[Element] = [
        {
            "type": "ColumnSet",
            "targetWidth": f"atLeast:{wide_from}",
            "spacing": "Medium",
            "columns": [
                {
                    "type": "Column",
                    "width": "stretch",
                    "items": _section(s, limit) or [text_block(" ", 1)],
                }
                for s in row
            ],
        }
        for row in rows
    ]
    narrow = {
        "type": "Container",
        "targetWidth": f"atMost:{_NARROWER[wide_from]}",
        "items": stacked,
    }
    return [*columns, narrow]


def card_body(card: Card, limit: int) -> list[Element]:
    body = _header(card, limit)
    if card.text:
        body.append(text_block(card.text, limit))
    if card.fields:
        facts = [
            {
                "title": _cut(neutralise(f.label), MAX_TITLE),
                "value": _cut(neutralise(f.value), limit),
            }
            for f in card.fields
        ]
        body.append({"type": "FactSet", "facts": facts})
    body += _sections(card, limit)
    body += _tally(card.choices, limit)
    for line in card.context:
        body.append(text_block(line, limit, size="Small", isSubtle=True, spacing="Small"))
    buttons = [Button(c.label, CHOICE_ACTION_ID, c.value) for c in card.choices if c.value]
    body += action_sets(buttons + list(card.buttons))
    return body


def _build(reply: Reply, limit: int) -> dict[str, Any]:
    body: list[Element] = []
    if not reply.cards:
        body.append(text_block(reply.text or " ", limit))
    for i, card in enumerate(reply.cards):
        items = card_body(card, limit)
        if i:
            items[0] = {**items[0], "separator": True, "spacing": "Large"}
        body += items
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }


def _longest_text(reply: Reply) -> int:
    lengths = [len(reply.text)] if not reply.cards else []
    for card in reply.cards:
        lengths += [len(card.text or ""), len(card.subtitle or ""), *map(len, card.context)]
        lengths += [len(f.value) for f in card.fields]
        for section in card.sections:
            lengths += [len(section.text or ""), *map(len, section.bullets)]
    return max(lengths, default=0)


def to_adaptive_card(reply: Reply, *, max_bytes: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """The Adaptive Card for a Reply, under `max_bytes` once serialised."""
    limit = MAX_TEXT
    card = _build(reply, limit)
    if _longest_text(reply) > limit:
        limit -= 1  # some text was cut already: say so below
    while card_size(card) > max_bytes and limit > 200:
        limit //= 2
        card = _build(reply, limit)
    if card_size(card) > max_bytes:
        body = card["body"]
        note = {"type": "TextBlock", "text": SHORTENED, "isSubtle": True, "wrap": True}
        while body and card_size({**card, "body": [*body, note]}) > max_bytes:
            body = body[:-1]
        card = {**card, "body": [*body, note]}
    elif limit < MAX_TEXT:
        card["body"].append(
            {"type": "TextBlock", "text": SHORTENED, "isSubtle": True, "wrap": True}
        )
    return card


def summary(reply: Reply) -> str:
    """The activity's `summary`: what notifications and the chat list show for a card."""
    text = _AT_TAG.sub(lambda m: f"<\u200b{m.group(1)}{m.group(2)}", " ".join(reply.text.split()))
    return truncate(text, MAX_SUMMARY) or "Persona Bot"


def attachment(reply: Reply) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": to_adaptive_card(reply)}


def invoke_card_response(reply: Reply) -> dict[str, Any]:
    """Body of an `adaptiveCard/action` invoke response that replaces the clicked card."""
    return {
        "statusCode": 200,
        "type": CONTENT_TYPE,
        "value": to_adaptive_card(reply),
    }


def invoke_message_response(text: str) -> dict[str, Any]:
    """Body of an `adaptiveCard/action` invoke response that shows a short message to the
    person who clicked (the card stays as it is)."""
    return {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": truncate(text, 1000),
    }
