"""Bot Framework activities -> the core's Inbound and Address, and the conversation
reference fields the adapter stores for proactive sends. Pure functions over botbuilder's
Activity objects (no I/O)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import teams_get_channel_id, teams_get_team_info
from botbuilder.schema import Activity

from adapters.teams.mentions import MentionedText, convert
from bot.messages import Address, Inbound

UNKNOWN_TENANT = "unknown-tenant"  # Agents Playground and old clients may send none


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    if conversation is not None and getattr(conversation, "tenant_id", None):
        return str(conversation.tenant_id)
    data = activity.channel_data or {}
    tenant = data.get("tenant") if isinstance(data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    return UNKNOWN_TENANT


THREAD_MARK = ";messageid="


def split_thread(conversation_id: str) -> tuple[str, str | None]:
    """A channel thread's conversation id is `<channel id>;messageid=<root post id>`."""
    base, mark, message_id = conversation_id.partition(THREAD_MARK)
    return (base, message_id) if mark and message_id else (conversation_id, None)


def join_thread(conversation_id: str, thread_id: str | None) -> str:
    return f"{conversation_id}{THREAD_MARK}{thread_id}" if thread_id else conversation_id


def address_of(activity: Activity) -> Address:
    """Channel threads map to Address.thread_id, like Slack threads: replies go to the
    thread, while posts addressed to the channel alone (digests) start a new post."""
    conversation_id, thread_id = split_thread(
        str(activity.conversation.id if activity.conversation else "")
    )
    return Address(
        platform="teams",
        workspace=tenant_of(activity),
        conversation_id=conversation_id,
        thread_id=thread_id,
        service_url=activity.service_url,
    )


def is_personal(activity: Activity) -> bool:
    """A 1:1 chat with the bot, only when the activity says so. Meeting chats (ids
    `19:meeting_…`) and some channel messages arrive without `conversationType`; taking
    them for personal chats would post a private reply for everyone to see."""
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type == "personal"


def user_of(activity: Activity) -> tuple[str, str | None]:
    sender = activity.from_property
    if sender is None:
        return "", None
    return str(sender.id or ""), sender.name


def _converted(activity: Activity) -> MentionedText:
    bot_id = activity.recipient.id if activity.recipient else None
    return convert(activity.text or "", activity.entities, bot_id)


def message_text(activity: Activity) -> str:
    """The typed text without the bot's own @mention (channels and group chats); other
    people's mentions read "@Alice_Wong" (see adapters/teams/mentions.py)."""
    return _converted(activity).text


def message_inbound(activity: Activity) -> Inbound:
    """A typed message: `message_text`, and the people it mentions from the entities."""
    user, name = user_of(activity)
    converted = _converted(activity)
    return Inbound(
        "message",
        converted.text or "help",
        user,
        address_of(activity),
        user_name=name,
        mentions=converted.mentions,
    )


def action_inbound(activity: Activity, data: dict[str, Any], verb: str = "") -> Inbound | None:
    """An Action.Execute invoke's data, or an Action.Submit message's value."""
    action_id = str(data.get("action_id") or verb or "")
    if not action_id:
        return None
    user, name = user_of(activity)
    value = data.get("value")
    return Inbound(
        "action",
        "",
        user,
        address_of(activity),
        action_id=action_id,
        value="" if value is None else str(value),
        user_name=name,
        message_id=activity.reply_to_id or None,
    )


@dataclass(frozen=True)
class ReferenceFields:
    tenant_id: str
    conversation_id: str
    conversation_type: str | None
    service_url: str
    team_id: str | None
    channel_id: str | None
    bot_id: str | None
    user_id: str | None
    reference: dict[str, Any]

    def fingerprint(self) -> str:
        """What identifies the stored reference, without the per-activity id."""
        # activityId changes every time; `user` is whoever spoke last in a group chat
        ref = {k: v for k, v in self.reference.items() if k not in ("activityId", "user")}
        return json.dumps([ref, self.service_url, self.team_id, self.channel_id, self.user_id],
                          sort_keys=True, default=str)  # fmt: skip


def reference_fields(activity: Activity) -> ReferenceFields | None:
    if activity.conversation is None or not activity.service_url:
        return None
    reference = TurnContext.get_conversation_reference(activity)
    team = teams_get_team_info(activity) if activity.channel_data else None
    conv_type = activity.conversation.conversation_type
    user_id, _ = user_of(activity)
    return ReferenceFields(
        tenant_id=tenant_of(activity),
        conversation_id=str(activity.conversation.id),
        conversation_type=conv_type,
        service_url=activity.service_url,
        team_id=team.id if team else None,
        channel_id=teams_get_channel_id(activity) if activity.channel_data else None,
        bot_id=activity.recipient.id if activity.recipient else None,
        user_id=user_id if conv_type == "personal" and user_id else None,
        reference=reference.serialize(),
    )
