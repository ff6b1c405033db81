"""The whole Teams set-up for adapter tests: the real aiohttp app (build_app) with the
TeamsAdapter on 127.0.0.1, a fake Bot Connector on 127.0.0.1 as every activity's serviceUrl,
and builders for activities in the shapes Microsoft documents for Teams."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from adapters.teams.app import TeamsAdapter
from bot.commands import Core
from bot.features import build_registry
from bot.tasks import BackgroundTasks
from persona_store import Store
from tests.conftest import make_deps
from tests.fakes.bot_connector import BotConnector

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = "28:bot-app-id"
USER_ID = "29:1user-alice"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_CONV = "19:team-general@thread.tacv2;messageid=1700000000000"
GROUP_CONV = "19:group-chat@thread.v2"
PERSONAL_CONV = "a:1personal-alice"


@dataclass
class Activities:
    """Activity JSON as Teams sends it (see msteams-docs: bots/how-to/conversations)."""

    service_url: str
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _base(self, kind: str, conv: str, conv_type: str, **extra: Any) -> dict[str, Any]:
        channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
        if conv_type == "channel":
            channel_data["team"] = {"id": TEAM_ID, "name": "Product"}
            channel_data["channel"] = {"id": TEAM_ID, "name": "General"}
        return {
            "type": kind,
            "id": f"in-{next(self._ids)}",
            "timestamp": "2026-11-22T08:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": USER_ID, "name": "Alice Example", "aadObjectId": "aad-alice"},
            "conversation": {
                "id": conv,
                "conversationType": conv_type,
                "tenantId": TENANT,
                "isGroup": conv_type != "personal",
            },
            "recipient": {"id": BOT_ID, "name": "Persona Bot"},
            "channelData": channel_data,
            "locale": "en-US",
            **extra,
        }

    def message(
        self, text: str, *, conv: str = PERSONAL_CONV, conv_type: str = "personal"
    ) -> dict[str, Any]:
        activity = self._base("message", conv, conv_type, text=text, textFormat="plain")
        return activity

    def mention(self, text: str, *, conv: str = CHANNEL_CONV, conv_type: str = "channel") -> dict:
        """A channel message that @mentions the bot: `<at>Persona Bot</at> text`."""
        at = "<at>Persona Bot</at>"
        activity = self._base("message", conv, conv_type, text=f"{at} {text}", textFormat="xml")
        activity["entities"] = [
            {"type": "mention", "text": at, "mentioned": {"id": BOT_ID, "name": "Persona Bot"}},
            {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"},
        ]
        return activity

    def submit(
        self, data: dict[str, Any], *, reply_to: str, conv: str = PERSONAL_CONV,
        conv_type: str = "personal",
    ) -> dict[str, Any]:  # fmt: skip
        """Action.Submit: a message activity with `value` and no text."""
        return self._base("message", conv, conv_type, value=data, replyToId=reply_to)

    def execute(
        self, verb: str, data: dict[str, Any], *, reply_to: str, conv: str = PERSONAL_CONV,
        conv_type: str = "personal",
    ) -> dict[str, Any]:  # fmt: skip
        """Action.Execute: invoke `adaptiveCard/action`."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data},
                 "trigger": "manual"}  # fmt: skip
        return self._base(
            "invoke", conv, conv_type, name="adaptiveCard/action", value=value, replyToId=reply_to
        )

    def members_added(self, *, conv: str = TEAM_ID, conv_type: str = "channel") -> dict:
        """The bot added to a team: the conversation is the team's General channel."""
        activity = self._base("conversationUpdate", conv, conv_type)
        activity["membersAdded"] = [{"id": BOT_ID}]
        activity["channelData"]["eventType"] = "teamMemberAdded"
        return activity

    def installation(self, action: str, *, conv: str = PERSONAL_CONV,
                     conv_type: str = "personal") -> dict:  # fmt: skip
        return self._base("installationUpdate", conv, conv_type, action=action)


@dataclass
class TeamsEnv:
    connector: BotConnector
    adapter: TeamsAdapter
    tasks: BackgroundTasks
    store: Store
    url: str
    session: aiohttp.ClientSession
    activities: Activities
    answerer: Any = None

    async def post(self, activity: dict[str, Any], **headers: str) -> aiohttp.ClientResponse:
        resp = await self.session.post(f"{self.url}/api/messages", json=activity, headers=headers)
        await resp.read()
        return resp

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait for the bot's background work (answers after the HTTP response)."""
        await asyncio.wait_for(self.tasks.drain(timeout=timeout), timeout + 1)


async def teams_env(store: Store, answerer: Any = None, **settings: Any) -> AsyncIterator[TeamsEnv]:
    connector = BotConnector()
    service_url = await connector.start()
    deps = make_deps(store, answerer, **settings)
    core = Core(deps, build_registry())
    tasks = BackgroundTasks()
    adapter = TeamsAdapter.from_settings(deps.settings, core, deps, tasks)
    adapter.delivery.base_delay = 0.01  # retries in tests: milliseconds, not seconds
    server = TestServer(build_app(deps, core, [adapter], tasks), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    try:
        yield TeamsEnv(
            connector,
            adapter,
            tasks,
            store,
            str(server.make_url("")).rstrip("/"),
            session,
            Activities(service_url),
            deps.answerer,
        )
    finally:
        await session.close()
        await server.close()
        await connector.close()
    assert connector.rejected == [], "Teams would have refused these cards"
