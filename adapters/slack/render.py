"""Reply -> Block Kit. Pure functions, golden-tested (tests/golden/slack/).

Every string in a Reply is plain text written by a user or the model, so everything that goes
into `mrkdwn` is escaped (`&`, `<`, `>`) and marked `verbatim` (no auto-linking or mention
parsing): no persona text or answer can ping `@channel` or forge a link. Slack's limits are
respected by truncating or splitting, never by a rejected message.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Button, Card, Choice, Reply, Section

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # modals and the App Home tab
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
MAX_ACTIONS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = (
    3900  # chat.postMessage truncates `text` beyond 40,000; keep notifications short
)
MAX_ALT_TEXT = 2000
MAX_URL = 3000

SHARE_ACTION_ID = "slack.share"
CHOICE_ACTION_ID = "survey.vote"  # a Choice's click: value is the choice's value ("ID:INDEX")
BAR_WIDTH = 20

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape plain text for mrkdwn: the three characters Slack gives control meaning."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_escaped(text: str, limit: int) -> str:
    """Truncate already-escaped mrkdwn without splitting an entity like `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def mrkdwn(text: str) -> dict[str, Any]:
    """An mrkdwn text object from *already escaped* text."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Split escaped mrkdwn into chunks of at most `limit`, preferring line breaks."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut <= limit // 2:
            cut = limit
            amp = text.rfind("&", cut - 6, cut)
            if amp != -1 and ";" not in text[amp:cut]:
                cut = amp
        chunk = text[:cut].rstrip()
        if chunk:  # a run of blank lines or spaces must not become an empty section
            chunks.append(chunk)
        text = text[cut:].lstrip("\n ")
    if text.strip():
        chunks.append(text)
    return chunks


def sections_of(text: str) -> list[Block]:
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(text)]


def _section_text(section: Section) -> str:
    parts: list[str] = []
    if section.title:
        parts.append(f"*{escape(section.title)}*")
    if section.text:
        parts.append(escape(section.text))
    parts += [f"• {escape(b)}" for b in section.bullets]
    return "\n".join(parts)


def _bar(count: int, total: int) -> str:
    filled = round(BAR_WIDTH * count / total) if total else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _choices_text(choices: tuple[Choice, ...]) -> str | None:
    if all(c.count is None for c in choices):
        return None
    total = sum(c.count or 0 for c in choices)
    lines = []
    for c in choices:
        n = c.count or 0
        pct = round(100 * n / total) if total else 0
        lines.append(f"{escape(c.label)}\n`{_bar(n, total)}` {n} ({pct}%)")
    lines.append(f"_{total} answer{'s' if total != 1 else ''}_")
    return "\n".join(lines)


def button(b: Button, action_id: str) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(b.label, MAX_BUTTON_TEXT),
        "action_id": truncate(action_id, MAX_ID),
    }
    if b.url:
        element["url"] = b.url[:MAX_URL]
    if b.value:
        element["value"] = b.value[:MAX_BUTTON_VALUE]
    if b.style:
        element["style"] = b.style
    return element


def actions_blocks(buttons: list[Button], prefix: str) -> list[Block]:
    """Buttons in actions blocks of at most 25; action_ids made unique within the message by a
    `:n` suffix (the core routes `id:anything` to `id`)."""
    blocks: list[Block] = []
    seen: set[str] = set()
    elements: list[Block] = []
    for b in buttons:
        action_id = truncate(b.action_id, MAX_ID - 6)
        n = 1
        unique = action_id
        while unique in seen:
            n += 1
            unique = f"{action_id}:{n}"
        seen.add(unique)
        elements.append(button(b, unique))
    for i in range(0, len(elements), MAX_ACTIONS):
        blocks.append(
            {
                "type": "actions",
                "block_id": truncate(f"{prefix}.actions.{i // MAX_ACTIONS}", MAX_ID),
                "elements": elements[i : i + MAX_ACTIONS],
            }
        )
    return blocks


def card_blocks(card: Card, index: int) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(card.title, MAX_HEADER)}]
    intro = []
    if card.subtitle:
        intro.append(f"_{escape(card.subtitle)}_")
    if card.text:
        intro.append(escape(card.text))
    intro_blocks = sections_of("\n".join(intro)) if intro else []
    if card.image_url and card.image_url.startswith(("https://", "http://")):
        image = {
            "type": "image",
            "image_url": card.image_url[:MAX_URL],
            "alt_text": truncate(card.title, MAX_ALT_TEXT),
        }
        if intro_blocks:
            intro_blocks[0]["accessory"] = image
        else:
            blocks.append({"type": "context", "elements": [image, plain(card.title, 2000)]})
    elif card.initials:
        # No photo: the initials stand in for the avatar, as in the web gallery.
        blocks.append({"type": "context", "elements": [mrkdwn(f"*{escape(card.initials[:4])}*")]})
    blocks += intro_blocks
    fields = [
        mrkdwn(_cut_escaped(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD_TEXT))
        for f in card.fields
    ]
    for i in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[i : i + MAX_FIELDS]})
    if card.layout != "stack":  # quadrants / stages: section fields, two columns in Slack
        cells = [mrkdwn(_cut_escaped(_section_text(s), MAX_FIELD_TEXT)) for s in card.sections]
        for i in range(0, len(cells), MAX_FIELDS):
            blocks.append({"type": "section", "fields": cells[i : i + MAX_FIELDS]})
    for section in card.sections if card.layout == "stack" else ():
        if section.literal and section.text:
            # mrkdwn has no escape for a backtick: someone's own words go out as plain_text
            if section.title:
                blocks += sections_of(_section_text(Section(section.title)))
            literal = {**plain(section.text, MAX_SECTION_TEXT), "emoji": False}
            blocks.append({"type": "section", "text": literal})
            rest = Section(bullets=section.bullets)
            blocks += sections_of(_section_text(rest)) if section.bullets else []
            continue
        text = _section_text(section)
        if text:
            blocks += sections_of(text)
    tally = _choices_text(card.choices)
    if tally:
        blocks += sections_of(tally)
    # Slack rejects an empty text object, so a blank line of small print is left out
    lines = [c for c in card.context if c.strip()]
    if lines:
        elements = [mrkdwn(_cut_escaped(escape(c), MAX_SECTION_TEXT)) for c in lines]
        for i in range(0, len(elements), MAX_CONTEXT_ELEMENTS):
            blocks.append({"type": "context", "elements": elements[i : i + MAX_CONTEXT_ELEMENTS]})
    buttons = [Button(c.label, CHOICE_ACTION_ID, c.value) for c in card.choices if c.value]
    buttons += list(card.buttons)
    blocks += actions_blocks(buttons, f"card{index}")
    return blocks


def to_blocks(
    reply: Reply, *, share_id: str | None = None, max_blocks: int = MAX_BLOCKS
) -> list[Block]:
    """Block Kit for a Reply. With `share_id`, a "Share in channel" button is added (the
    adapter stores the message and puts its id in the button's value)."""
    blocks: list[Block] = []
    if not reply.cards:
        blocks += sections_of(escape(reply.text) or " ")
    for i, card in enumerate(reply.cards):
        if i:
            blocks.append({"type": "divider"})
        blocks += card_blocks(card, i)
    tail: list[Block] = []
    if share_id is not None:
        tail = [
            {
                "type": "actions",
                "block_id": "slack.share",
                "elements": [
                    button(Button("Share in channel", SHARE_ACTION_ID, share_id), SHARE_ACTION_ID)
                ],
            }
        ]
    room = max_blocks - len(tail)
    if len(blocks) > room:
        blocks = blocks[: room - 1] + [
            {
                "type": "context",
                "elements": [mrkdwn("_Shortened to fit Slack’s limits._")],
            }
        ]
    return blocks + tail


def fallback_text(reply: Reply) -> str:
    """The top-level `text`: notifications, screen readers, clients without Block Kit."""
    return _cut_escaped(escape(reply.text), MAX_FALLBACK_TEXT) or " "


def to_message(reply: Reply, *, share_id: str | None = None) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.update / response_url (without channel/ts)."""
    return {
        "text": fallback_text(reply),
        "blocks": to_blocks(reply, share_id=share_id),
        "unfurl_links": False,
        "unfurl_media": False,
    }


def home_view(reply: Reply) -> dict[str, Any]:
    """An App Home tab (views.publish) showing a Reply; home views allow 100 blocks."""
    return {"type": "home", "blocks": to_blocks(reply, max_blocks=MAX_VIEW_BLOCKS)}
