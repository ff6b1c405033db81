"""Installing in many workspaces (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET): bolt's OAuth flow at
GET /slack/install and GET /slack/oauth_redirect, with slack_sdk's SQLAlchemy installation
and state stores in the bot's own database (tables made by the migrations, see
persona_store/platforms/slack_oauth.py).

slack_sdk's SQLAlchemy stores are synchronous; here they run in the bounded database pool
(`Deps.db`) behind the async interfaces bolt expects, so the event loop never blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.manifest import BOT_SCOPES

log = logging.getLogger(__name__)

Db = Callable[..., Awaitable[Any]]
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


class PooledInstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemyInstallationStore, run in the database pool."""

    def __init__(self, sync: SQLAlchemyInstallationStore, db: Db) -> None:
        self.sync = sync
        self.db = db

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.db(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.db(self.sync.save_bot, bot)

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        return await self.db(lambda: self.sync.find_bot(**kwargs))

    async def async_find_team_bot(self, team_id: str) -> Bot | None:
        """The newest bot installed in a team, whether or not the team belongs to an
        Enterprise Grid org (sends know the team, not its enterprise id)."""
        return await self.db(self._team_bot, team_id)

    def _team_bot(self, team_id: str) -> Bot | None:
        bots = self.sync.bots
        with self.sync.engine.connect() as conn:
            row = conn.execute(
                sqlalchemy.select(bots.c.enterprise_id)
                .where(bots.c.client_id == self.sync.client_id, bots.c.team_id == team_id)
                .order_by(sqlalchemy.desc(bots.c.installed_at))
                .limit(1)
            ).first()
        if row is None:
            return None
        return self.sync.find_bot(enterprise_id=row.enterprise_id, team_id=team_id)

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        return await self.db(lambda: self.sync.find_installation(**kwargs))

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await self.db(lambda: self.sync.delete_bot(**kwargs))

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await self.db(lambda: self.sync.delete_installation(**kwargs))

    async def async_delete_all(self, **kwargs: Any) -> None:
        await self.db(lambda: self.sync.delete_all(**kwargs))


class PooledStateStore(AsyncOAuthStateStore):
    def __init__(self, sync: SQLAlchemyOAuthStateStore, db: Db) -> None:
        self.sync = sync
        self.db = db

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await self.db(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await self.db(self.sync.consume, state)


def oauth_flow(
    engine: Any, db: Db, client: AsyncWebClient, client_id: str, client_secret: str
) -> tuple[AsyncOAuthFlow, PooledInstallationStore]:
    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine, logger=log)
    # Their tables (slack_sdk's schema) are made by our migrations (0007_slack_oauth), so
    # `persona-bot db upgrade` creates everything and nothing creates tables at start.
    store = PooledInstallationStore(installations, db)
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=PooledStateStore(states, db),
    )
    return AsyncOAuthFlow(client=client, settings=settings), store


def oauth_routes(flow: AsyncOAuthFlow) -> list[web.RouteDef]:
    async def install(request: web.Request) -> web.Response:
        resp = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(resp)

    async def redirect(request: web.Request) -> web.Response:
        resp = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(resp)

    return [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirect)]
