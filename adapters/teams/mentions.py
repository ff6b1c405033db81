"""`<at>…</at>` mentions in a Teams message -> plain text plus who was mentioned (pure).

Teams puts each mention in the text as `<at>Alice Wong</at>` and lists it in `entities`
(`{"type": "mention", "mentioned": {"id": "29:…", "name": "Alice Wong"}, "text": "<at>…</at>"}`).
The id comes from the entity, never from the text (the sender can edit the text). Mentions
of the bot itself are removed; a person becomes one "@Alice_Wong" word (the core splits
commands on spaces) paired with their Bot Framework user id in `Inbound.mentions`, the id
the Teams delivery path opens a 1:1 chat with. Tags, channels and other bots stay as their
plain name: nobody to DM. The new Teams client may split one name into several adjacent
`<at>` tags with the same id (microsoft/botframework-sdk#6617); they are joined again.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

_AT = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
USER_PREFIX = "29:"  # Bot Framework ids of Teams users; 28: is a bot, 19: a conversation


@dataclass(frozen=True)
class Mention:
    id: str
    name: str
    text: str
    kind: str = ""  # "tag" for tag mentions; usually absent

    @property
    def is_person(self) -> bool:
        return self.id.startswith(USER_PREFIX) and self.kind.lower() != "tag"


@dataclass(frozen=True)
class MentionedText:
    text: str
    mentions: tuple[tuple[str, str], ...] = ()  # ("@Alice_Wong" as in text, "29:…")


def _field(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    value = getattr(obj, key, None)
    if value is None:
        value = (getattr(obj, "additional_properties", None) or {}).get(key)
    return value


def mention_entities(entities: list[Any] | None) -> list[Mention]:
    """The `mention` entities, from botbuilder's Entity/Mention objects or plain dicts."""
    found = []
    for entity in entities or []:
        if str(_field(entity, "type") or "").lower() != "mention":
            continue
        mentioned = _field(entity, "mentioned")
        user_id = str(_field(mentioned, "id") or "") if mentioned is not None else ""
        if not user_id:
            continue
        found.append(
            Mention(
                id=user_id,
                name=str(_field(mentioned, "name") or ""),
                text=str(_field(entity, "text") or ""),
                kind=str(_field(mentioned, "type") or ""),
            )
        )
    return found


def _norm(name: str) -> str:
    inner = _AT.fullmatch(name.strip())
    name = html.unescape(inner.group(1) if inner else name)
    return " ".join(name.split()).lstrip("@").strip().casefold()


def _matches(tag: re.Match[str], mention: Mention) -> bool:
    if mention.text and mention.text == tag.group(0):
        return True
    inner = _norm(tag.group(1))
    return bool(inner) and inner in (_norm(mention.text), _norm(mention.name))


def _handle(name: str) -> str:
    return "@" + "_".join(name.split()).strip(",")


def convert(text: str, entities: list[Any] | None, bot_id: str | None) -> MentionedText:
    """The message text with mentions resolved (see the module docstring)."""
    pending = mention_entities(entities)
    parts: list[str] = []  # text between tags, and each tag's replacement
    people: list[tuple[int, str, str]] = []  # (index in parts, user id, name)
    removed_bot = False
    last_end = 0
    for tag in _AT.finditer(text):
        between = text[last_end : tag.start()]
        last_end = tag.end()
        mention = next((m for m in pending if _matches(tag, m)), None)
        inner = " ".join(html.unescape(tag.group(1)).split()).lstrip("@")
        if mention is not None:
            pending.remove(mention)  # in order: two people may share a display name
        if mention is not None and bot_id and mention.id == bot_id:
            removed_bot = True
            parts += [between, ""]
            continue
        if mention is None or not mention.is_person:
            parts += [between, (mention.name if mention else "") or inner]
            continue
        name = inner or mention.name
        if people and people[-1][1] == mention.id and not between.strip():
            index, user, first = people[-1]  # a name split into several tags
            people[-1] = (index, user, f"{first} {name}")
            parts += ["", ""]  # and the space between the parts
            continue
        parts += [between, ""]
        people.append((len(parts) - 1, mention.id, name))
    parts.append(text[last_end:])
    mentions: list[tuple[str, str]] = []
    for index, user, name in people:
        handle = _handle(name) if name.strip() else "@" + user
        taken = {h for h, u in mentions if u != user}
        unique, n = handle, 2
        while unique in taken:
            unique, n = f"{handle}_{n}", n + 1
        parts[index] = unique
        if (unique, user) not in mentions:
            mentions.append((unique, user))
    plain = " ".join("".join(parts).replace("\u00a0", " ").split())
    if bot_id and not removed_bot:
        plain = _without_bare_name(plain, [m for m in pending if m.id == bot_id])
    return MentionedText(plain, tuple(mentions))


def _without_bare_name(text: str, own: list[Mention]) -> str:
    """The bot's name leading the text without an <at> tag (what botbuilder's
    remove_recipient_mention also strips)."""
    for mention in own:
        for name in (_norm(mention.text), _norm(mention.name)):
            head, rest = text[: len(name)], text[len(name) :]
            if name and head.casefold() == name and rest[:1] in ("", " "):
                return rest.strip()
    return text
