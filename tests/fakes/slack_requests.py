"""A fake Slack that sends signed requests to the bot's POST /slack/events, in the shapes
Slack documents: slash command form bodies, Events API `event_callback`, url_verification,
and `payload=` JSON for block_actions / view_submission."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlackApi


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature (as slack_sdk.signature.SignatureVerifier computes it)."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class FakeSlack:
    """Sends signed requests to the bot's POST /slack/events."""

    bot_url: str  # http://127.0.0.1:PORT
    secret: str
    session: aiohttp.ClientSession
    team_id: str = "T0001"
    api: FakeSlackApi | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret or self.secret, ts, body),
            **(headers or {}),
        }
        async with self.session.post(
            self.bot_url + "/slack/events", data=body.encode(), headers=sent
        ) as resp:
            return resp.status, await resp.text(), dict(resp.headers)

    async def command(
        self,
        text: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        response_key: str = "r1",
        **kwargs: Any,
    ) -> tuple[int, str, dict[str, str]]:
        assert self.api is not None
        form = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "alice",
            "command": "/persona",
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(response_key),
            "trigger_id": f"13345224609.738474920.{next(self._ids)}",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    def event_body(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0, **kwargs: Any
    ) -> tuple[int, str, dict[str, str]]:
        headers = {}
        if retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        body = json.dumps(self.event_body(event, event_id=event_id))
        return await self.post(body, "application/json", headers=headers, **kwargs)

    def mention(
        self, text: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL", ts: str = ""
    ) -> dict[str, Any]:
        ts = ts or f"1700000100.{next(self._ids):06d}"
        return {
            "type": "app_mention",
            "user": user,
            "text": f"<@UBOT> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "team": self.team_id,
        }

    def direct_message(self, text: str, *, user: str = "U0ALICE") -> dict[str, Any]:
        ts = f"1700000200.{next(self._ids):06d}"
        return {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": "D0ALICE",
            "event_ts": ts,
            "channel_type": "im",
            "team": self.team_id,
        }

    async def url_verification(self, challenge: str) -> tuple[int, str, dict[str, str]]:
        body = json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"})
        return await self.post(body, "application/json")

    async def interaction(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str, dict]:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        ephemeral: bool = False,
        response_key: str = "a1",
        message_ts: str = "1700000000.000001",
    ) -> tuple[int, str, dict]:
        assert self.api is not None
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": "alice", "name": "alice", "team_id": self.team_id},
            "api_app_id": "A0APP",
            "token": "legacy",
            "container": container,
            "trigger_id": f"13345224609.738474920.{next(self._ids)}",
            "team": {"id": self.team_id, "domain": "fake"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "general"},
            "response_url": self.api.response_url(response_key),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "card0.actions.0",
                    "text": {"type": "plain_text", "text": "Click", "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if not ephemeral:
            payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": []}
        return await self.interaction(payload)
