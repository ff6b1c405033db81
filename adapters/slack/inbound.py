"""Slack payloads -> Inbound (pure). Shapes as Slack documents them: slash command form
bodies, Events API `event_callback` (app_mention, message.im) and `block_actions`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.messages import Address, Inbound

_ANGLE = re.compile(r"<([^<>]*)>")


def to_plain(text: str, bot_user_id: str | None = None) -> str:
    """Slack's message markup -> plain text: the bot's own mention removed, other mentions
    and links readable, `&amp;`/`&lt;`/`&gt;` unescaped (renderers escape again on the way out)."""

    def replace(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            if bot_user_id and target[1:] == bot_user_id:
                return ""
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target

    text = _ANGLE.sub(replace, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text).strip()


_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")


def mentions_in(text: str, bot_user_id: str | None = None) -> tuple[tuple[str, str], ...]:
    """People mentioned in Slack markup, as (the "@name" `to_plain` leaves, user id), so a
    command like `owner maya @alice` can tell who @alice is."""
    return tuple(
        ("@" + (m.group(2) or m.group(1)), m.group(1))
        for m in _USER.finditer(text)
        if m.group(1) != bot_user_id
    )


def from_slash_command(body: Mapping[str, Any]) -> Inbound:
    team = body.get("team_id") or ""
    raw = str(body.get("text") or "")
    return Inbound(
        kind="command",
        text=to_plain(raw),
        mentions=mentions_in(raw),
        user_id=str(body.get("user_id") or ""),
        user_name=body.get("user_name"),
        address=Address(
            platform="slack", workspace=team, conversation_id=str(body.get("channel_id") or "")
        ),
    )


# Messages with these subtypes are people writing: a file with a question, a thread reply
# also sent to the conversation. Every other subtype (edits, deletions, joins, bot posts…)
# is not something to answer.
ANSWERED_SUBTYPES = frozenset({"file_share", "thread_broadcast"})


def ignored_because(event: Mapping[str, Any], bot_user_id: str | None = None) -> str | None:
    """Why a message event is not a person's message to the bot, or None when it is one
    (app_mention, or a DM, including those with a file or sent to the thread and DM)."""
    subtype = event.get("subtype")
    if event.get("bot_id") or subtype == "bot_message" or event.get("bot_profile"):
        return "a bot's message"
    if bot_user_id and event.get("user") == bot_user_id:
        return "our own message"
    if subtype and subtype not in ANSWERED_SUBTYPES:
        return f"subtype {subtype}"
    if event.get("type") == "app_mention":
        return None
    if event.get("type") == "message" and event.get("channel_type") == "im":
        return None
    return f"not addressed to the bot ({event.get('channel_type') or 'channel'} message)"


def is_user_message(event: Mapping[str, Any], bot_user_id: str | None = None) -> bool:
    """A person's message to the bot: not an edit/join/bot post, not our own echo."""
    return ignored_because(event, bot_user_id) is None


def from_event(body: Mapping[str, Any], bot_user_id: str | None) -> Inbound:
    """app_mention or a direct message. Answers to mentions go in the message's thread; a DM
    is answered in place (or in its thread when it was written in one)."""
    event = body["event"]
    team = team_of(body)
    thread = event.get("thread_ts")
    if event.get("type") == "app_mention" and not thread:
        thread = event.get("ts")
    raw = str(event.get("text") or "")
    return Inbound(
        kind="message",
        text=to_plain(raw, bot_user_id),
        mentions=mentions_in(raw, bot_user_id),
        user_id=str(event.get("user") or ""),
        address=Address(
            platform="slack",
            workspace=team,
            conversation_id=str(event.get("channel") or ""),
            thread_id=thread,
        ),
    )


def team_of(body: Mapping[str, Any]) -> str:
    """The team that installed the app, whose workspace, personas and token a request
    belongs to (as bolt's `extract_team_id` reads it). In a Slack Connect channel the
    envelope's `team_id` is another organisation's when one of its people writes: events
    name the installing team in `authorizations[0].team_id`, views opened there in
    `view.app_installed_team_id`. Never a workspace for the other organisation."""
    view = body.get("view")
    if isinstance(view, Mapping) and view.get("app_installed_team_id"):
        return str(view["app_installed_team_id"])
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations:
        first = authorizations[0]
        if isinstance(first, Mapping) and first.get("team_id"):
            return str(first["team_id"])
    user = body.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    event = body.get("event")
    fallback = event.get("team") if isinstance(event, Mapping) else None
    return str(body.get("team_id") or fallback or "")


def from_block_action(body: Mapping[str, Any], action: Mapping[str, Any]) -> Inbound:
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    message = body.get("message") or {}
    user = body.get("user") or {}
    if not channel:  # a click in the App Home or a modal: answer in a DM with the person
        channel = str(user.get("id") or "")
    return Inbound(
        kind="action",
        text="",
        user_id=str(user.get("id") or ""),
        user_name=user.get("username") or user.get("name"),
        address=Address(
            platform="slack",
            workspace=team_of(body),
            conversation_id=str(channel),
            thread_id=message.get("thread_ts") or container.get("thread_ts"),
        ),
        action_id=str(action.get("action_id") or ""),
        value=str(action.get("value") or ""),
        message_id=container.get("message_ts") or message.get("ts") or None,
    )


def from_home_opened(body: Mapping[str, Any]) -> Inbound:
    """app_home_opened: the person's home screen (the core's hidden `home` command)."""
    event = body["event"]
    user = str(event.get("user") or "")
    return Inbound(
        kind="command",
        text="home",
        user_id=user,
        address=Address(platform="slack", workspace=team_of(body), conversation_id=user),
    )
