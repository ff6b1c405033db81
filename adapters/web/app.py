"""The local web adapter: playground at `/`, persona gallery at `/personas`, and `send` /
`update` so the clock process can post digests and surveys to the "web" platform.

Like every adapter it only translates: form posts -> Inbound, Reply -> HTML. Messages live
in the database (persona_store.platforms.web_posts), so posts made by the clock process show
up on the page, and a reload keeps the conversation.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.web.gallery import Gallery
from adapters.web.playground import Playground
from adapters.web.render import reply_to_dict
from adapters.web.site import PLAYGROUND, Site
from bot.commands import Core
from bot.deps import Deps
from bot.messages import Address, Reply
from bot.ports import DeliveryError
from bot.settings import Settings
from persona_store.platforms.web_posts import WebPostStore


class WebAdapter:
    platform = "web"

    def __init__(
        self,
        core: Core,
        deps: Deps,
        tasks: Any = None,
        *,
        password: str | None = None,
        conversation: str = PLAYGROUND,
    ) -> None:
        self.core = core
        self.deps = deps
        self.tasks = tasks
        self.site = Site(
            core=core,
            deps=deps,
            posts=WebPostStore(deps.store.sessions),
            password=password,
            conversation=conversation,
        )
        self.playground = Playground(self.site)
        self.gallery = Gallery(self.site)

    @classmethod
    def from_settings(
        cls, settings: Settings, core: Core, deps: Deps, tasks: Any = None
    ) -> WebAdapter:
        """Always on: without PERSONABOT_WEB_PASSWORD it answers loopback requests only."""
        return cls(core, deps, tasks, password=settings.web_password)

    async def start(self) -> None:
        """Nothing to connect: the playground is served from the database."""

    async def close(self) -> None:
        """Nothing to release."""

    def routes(self) -> list[web.RouteDef]:
        return [
            *self.playground.routes(),
            *self.gallery.routes(),
            web.get("/web-static/{name}", self.site.static),
        ]

    async def send(self, address: Address, reply: Reply) -> str:
        """Post to a playground conversation; returns the stored message id."""
        post = await self.playground.store_reply(address, reply)
        await self.core.posted(reply, address, str(post.id))  # a no-op unless tracked
        return str(post.id)

    async def update(self, address: Address, message_id: str, reply: Reply) -> None:
        try:
            post_id = int(message_id)
        except ValueError as exc:
            raise DeliveryError(f"not a playground message id: {message_id!r}") from exc
        ws = await self.site.workspace_id(address.workspace)
        post = await self.deps.db(
            self.site.posts.update, ws, address.conversation_id, post_id, reply_to_dict(reply)
        )
        if post is None:
            raise DeliveryError(f"playground message {message_id} is gone")
