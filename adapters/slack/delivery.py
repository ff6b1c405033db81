"""Putting rendered Replies into Slack: chat.postMessage / chat.update / chat.postEphemeral,
conversations.open for DMs, and response_url for slash commands and button clicks (and
conversations.members: whom a channel's messages reach).

The adapter decides only *how* a Reply is shown (visibility, thread, share button), never
what it says.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import (
    delivery_error,
    post_response_url,
    shared_session,
    transport_error,
)
from adapters.slack.render import to_message
from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store.platforms.slack import SlackStore

log = logging.getLogger(__name__)

MAX_MEMBER_PAGES = 20  # of 1,000 members each: a bigger channel is "cannot tell"


def is_dm(channel: str) -> bool:
    return channel.startswith("D")


def is_user(conversation_id: str) -> bool:
    return conversation_id[:1] in ("U", "W")


class Delivery:
    """Sends Replies for one workspace's token (the bot token, or an installation's)."""

    def __init__(
        self,
        client: AsyncWebClient,
        state: SlackStore,
        db: Any,
        tokens: Callable[[str], Awaitable[str | None]] | None = None,
    ) -> None:
        self.client = client
        self.state = state
        self.db = db  # Deps.db: runs blocking store calls in the bounded pool
        # Installed in many workspaces (OAuth): each team's bot token; else the client's own.
        self.tokens = tokens
        # Teams whose static token (SLACK_BOT_TOKEN) was revoked or the app uninstalled.
        self.revoked: set[str] = set()

    def session(self) -> aiohttp.ClientSession:
        """The shared connection pool, created on first use inside the running loop; the
        Web API client (and so bolt) uses it too."""
        if self.client.session is None or self.client.session.closed:
            self.client.session = shared_session(self.client.timeout)
        return self.client.session

    async def post_url(self, response_url: str, body: dict[str, Any]) -> bool:
        return await post_response_url(response_url, body, self.session())

    async def token_for(self, team_id: str, token: str | None = None) -> str | None:
        """The team's token. A team that uninstalled the app or revoked its token (no
        installation left, see revocation.py) gets a permanent DeliveryError, not a call."""
        self.session()
        if team_id in self.revoked or "*" in self.revoked:  # "*": revoked org-wide
            raise DeliveryError("token_revoked", permanent=True)
        if token or self.tokens is None:
            return token
        found = await self.tokens(team_id)
        if found is None:
            raise DeliveryError("not_installed", permanent=True)
        return found

    async def message(self, reply: Reply, workspace_id: int | None) -> dict[str, Any]:
        """Rendered message; shareable replies get a "Share in channel" button backed by a
        stored copy (Slack sends no content with clicks on ephemeral messages)."""
        if reply.shareable and workspace_id is not None:
            token = await self.db(self.state.save_share, workspace_id, to_message(reply))
            return to_message(reply, share_id=token)
        return to_message(reply)

    # -- Web API -------------------------------------------------------------------------
    async def channel_for(self, conversation_id: str, token: str | None = None) -> str:
        """A user id becomes their DM channel (conversations.open)."""
        if not is_user(conversation_id):
            return conversation_id
        try:
            resp = await self.client.conversations_open(users=conversation_id, token=token)
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        return str(resp["channel"]["id"])

    async def post(
        self,
        address: Address,
        body: dict[str, Any],
        *,
        token: str | None = None,
    ) -> str:
        token = await self.token_for(address.workspace, token)
        channel = await self.channel_for(address.conversation_id, token)
        try:
            resp = await self.client.chat_postMessage(
                channel=channel, thread_ts=address.thread_id, token=token, **body
            )
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise transport_error(exc) from exc
        return str(resp["ts"])

    async def update(
        self, address: Address, ts: str, body: dict[str, Any], *, token: str | None = None
    ) -> None:
        token = await self.token_for(address.workspace, token)
        channel = await self.channel_for(address.conversation_id, token)
        body = {k: v for k, v in body.items() if k != "unfurl_media"}
        try:
            await self.client.chat_update(channel=channel, ts=ts, token=token, **body)
        except SlackApiError as exc:
            raise delivery_error(exc) from exc

    async def members(self, address: Address) -> frozenset[str] | None:
        """conversations.members, every page (at most MAX_MEMBER_PAGES); None when Slack
        cannot tell (no channels:read / groups:read scope, a channel gone, a timeout)."""
        try:
            token = await self.token_for(address.workspace)
            found: set[str] = set()
            cursor = ""
            for _ in range(MAX_MEMBER_PAGES):
                resp = await self.client.conversations_members(
                    channel=address.conversation_id, limit=1000, cursor=cursor or None,
                    token=token,
                )  # fmt: skip
                found.update(str(u) for u in resp.get("members") or ())
                cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    return frozenset(found)
            log.warning(
                "members of %s unknown: over %d pages", address.conversation_id, MAX_MEMBER_PAGES
            )
        except (SlackApiError, DeliveryError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("members of %s unknown: %s", address.conversation_id, exc)
        return None

    async def open_view(self, team_id: str, trigger_id: str, view: dict[str, Any]) -> bool:
        """views.open (a modal answering a click or a shortcut). A refusal (an expired
        trigger, a view Slack rejects) is logged and False: the click has no other answer."""
        token = await self.token_for(team_id)
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view, token=token)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            return False
        return True

    async def publish_home(self, team_id: str, user_id: str, view: dict[str, Any]) -> None:
        token = await self.token_for(team_id)
        try:
            await self.client.views_publish(user_id=user_id, view=view, token=token)
        except SlackApiError as exc:
            raise delivery_error(exc) from exc

    async def ephemeral(
        self, address: Address, user_id: str, body: dict[str, Any], *, token: str | None = None
    ) -> None:
        token = await self.token_for(address.workspace, token)
        try:
            await self.client.chat_postEphemeral(
                channel=address.conversation_id,
                user=user_id,
                thread_ts=address.thread_id,
                token=token,
                **body,
            )
        except SlackApiError as exc:
            raise delivery_error(exc) from exc

    async def in_conversation(
        self,
        address: Address,
        user_id: str,
        reply: Reply,
        workspace_id: int | None,
        *,
        replace_ts: str | None = None,
        token: str | None = None,
    ) -> str | None:
        """Reply where a person wrote to the bot (mention or DM). Ephemeral replies in a
        channel go to that person only; a placeholder (`replace_ts`) is replaced in place."""
        body = to_message(reply)
        if replace_ts:
            await self.update(address, replace_ts, body, token=token)
            return replace_ts
        private_chat = is_dm(address.conversation_id) or is_user(address.conversation_id)
        if reply.ephemeral and not private_chat:
            await self.ephemeral(address, user_id, body, token=token)
            return None
        return await self.post(address, body, token=token)

    # -- response_url --------------------------------------------------------------------
    async def respond(
        self,
        response_url: str,
        reply: Reply,
        workspace_id: int | None,
        *,
        replace_original: bool = False,
        original_ephemeral: bool = True,
    ) -> None:
        """Answer through a response_url. Ephemeral and shareable replies are seen only by
        the asker; anything else is posted in the channel."""
        private = reply.ephemeral or reply.shareable
        body = await self.message(reply, workspace_id)
        body["response_type"] = "ephemeral" if private else "in_channel"
        if replace_original and private == original_ephemeral:
            body["replace_original"] = True
        elif replace_original:
            # Visibility cannot change in place: remove the placeholder, then post.
            await self.post_url(response_url, {"delete_original": True})
            body["replace_original"] = False
        else:
            body["replace_original"] = False
        if not await self.post_url(response_url, body):
            raise DeliveryError("response_url_failed", permanent=False)


def ack_body(message: dict[str, Any], *, ephemeral: bool) -> dict[str, Any]:
    """A slash command's immediate HTTP response."""
    return {
        "response_type": "ephemeral" if ephemeral else "in_channel",
        "text": message["text"],
        "blocks": message["blocks"],
    }
