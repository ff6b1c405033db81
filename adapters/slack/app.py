"""The Slack adapter: slack-bolt's AsyncApp mounted at POST /slack/events in the shared
aiohttp application (events, slash commands and interactivity on one URL).

Pipeline (bolt's): verify the signature and timestamp (else 401), ack within 3 s, then work.
Slow work (LLM answers) runs in the web process's tracked BackgroundTasks after the ack and
replaces the "Asking Maya…" placeholder. This module translates and transports only; the
core decides what to say.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from adapters.slack.client import post_response_url, web_client
from adapters.slack.delivery import Delivery, ack_body
from adapters.slack.inbound import (
    from_block_action,
    from_event,
    from_slash_command,
    is_user_message,
    team_of,
)
from adapters.slack.render import SHARE_ACTION_ID, button, to_message
from bot.commands import Core
from bot.deps import Deps
from bot.messages import Address, Button, Inbound, Reply, error_reply
from bot.ports import DeliveryError
from bot.settings import Settings
from bot.tasks import BackgroundTasks
from persona_store.slack_state import PendingView, SlackStore

log = logging.getLogger(__name__)

RETRY_ACTION_ID = "slack.retry"
QUICK_REPLY_SECONDS = 2.0  # a fast command answers in the ack itself; slower ones follow
STALE_AFTER = timedelta(minutes=5)  # an answer still pending after this lost its process


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        core: Core,
        deps: Deps,
        tasks: BackgroundTasks,
        *,
        signing_secret: str,
        token: str | None,
        api_url: str = "https://slack.com/api/",
        state: SlackStore | None = None,
        recovery_interval: float = 60.0,
    ) -> None:
        self.core = core
        self.deps = deps
        self.tasks = tasks
        self.token = token
        self.client = web_client(api_url, token)
        self.state = state or SlackStore.for_store(deps.store)
        self.delivery = Delivery(self.client, self.state, deps.db)
        self.recovery_interval = recovery_interval
        self._recovery: asyncio.Task[None] | None = None
        self.bolt = AsyncApp(
            signing_secret=signing_secret,
            client=self.client,  # carries the token and SLACK_API_URL
            logger=logging.getLogger("slack_bolt"),
        )
        self._register()

    @classmethod
    def from_settings(
        cls, settings: Settings, core: Core, deps: Deps, tasks: BackgroundTasks
    ) -> SlackAdapter | None:
        """The adapter the settings describe, or None (logged) when Slack is not configured."""
        if not settings.slack_signing_secret or not settings.slack_bot_token:
            log.info("Slack is off (set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to turn it on)")
            return None
        log.info("Slack is on: POST /slack/events (Web API at %s)", settings.slack_api_url)
        return cls(
            core,
            deps,
            tasks,
            signing_secret=settings.slack_signing_secret,
            token=settings.slack_bot_token,
            api_url=settings.slack_api_url,
        )

    # -- web server ----------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post("/slack/events", self.handle_request)]

    async def handle_request(self, request: web.Request) -> web.Response:
        bolt_response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def start(self) -> None:
        self._recovery = asyncio.get_running_loop().create_task(
            self._recovery_loop(), name="slack-pending-recovery"
        )

    async def close(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
        await self.client.session.close() if self.client.session else None

    # -- ChatAdapter (proactive: the clock, survey tallies) ------------------------------
    async def send(self, address: Address, reply: Reply) -> str:
        return await self.delivery.post(address, to_message(reply))

    async def update(self, address: Address, message_id: str, reply: Reply) -> None:
        await self.delivery.update(address, message_id, to_message(reply))

    # -- bolt listeners ------------------------------------------------------------------
    def _register(self) -> None:
        self.bolt.command(re.compile(r"^/"))(self._on_command)
        self.bolt.event("app_mention")(self._on_event)
        self.bolt.event("message")(self._on_event)
        self.bolt.action(re.compile(r".*"))(self._on_action)

    async def _workspace(self, team_id: str) -> int:
        return await self.deps.db(self.deps.workspace_id, "slack", team_id)

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        inbound = from_slash_command(body)
        response_url = str(body.get("response_url") or "")
        await self._command(ack, inbound, response_url)

    async def _command(self, ack: Any, inbound: Inbound, response_url: str) -> None:
        """Ack at once: with the placeholder for slow commands, with the answer itself for
        quick ones, or empty when a "quick" one turns out slow (it follows by response_url)."""
        ws = await self._workspace(inbound.address.workspace)
        progress = await self.core.progress(inbound)
        if progress is not None:
            await ack(**ack_body(to_message(progress), ephemeral=True))
            pending = await self.deps.db(
                self.state.add_pending,
                ws,
                team_id=inbound.address.workspace,
                channel=inbound.address.conversation_id,
                user_id=inbound.user_id,
                kind=inbound.kind,
                text=inbound.text,
                response_url=response_url,
            )
            self.tasks.spawn(
                self._answer_by_url(inbound, response_url, ws, pending, replace=True),
                name=f"slack-command-{inbound.user_id}",
            )
            return
        work = asyncio.ensure_future(self.core.handle(inbound))
        done, _ = await asyncio.wait({work}, timeout=QUICK_REPLY_SECONDS)
        if not done:
            await ack()
            self.tasks.spawn(
                self._deliver_by_url(work, response_url, ws), name="slack-command-late"
            )
            return
        replies = work.result()
        first, rest = replies[0], replies[1:]
        message = await self.delivery.message(first, ws)
        await ack(**ack_body(message, ephemeral=first.ephemeral or first.shareable))
        if rest:
            self.tasks.spawn(self._respond_all(rest, response_url, ws), name="slack-rest")

    async def _answer_by_url(
        self, inbound: Inbound, response_url: str, ws: int, pending: int, *, replace: bool
    ) -> None:
        try:
            replies = await self.core.handle(inbound)
        except Exception:  # the core logs; the asker still gets an answer
            log.exception("answering %r failed", inbound.text[:100])
            replies = [error_reply("Sorry, something went wrong on my side. Please try again.")]
        if not await self.deps.db(self.state.finish_pending, ws, pending):
            log.info("pending answer %s was already completed elsewhere", pending)
            return
        for i, reply in enumerate(replies):
            await self.delivery.respond(
                response_url, reply, ws, replace_original=replace and i == 0
            )

    async def _deliver_by_url(self, work: asyncio.Future[list[Reply]], url: str, ws: int) -> None:
        await self._respond_all(await work, url, ws)

    async def _respond_all(self, replies: list[Reply], response_url: str, ws: int) -> None:
        for reply in replies:
            await self.delivery.respond(response_url, reply, ws)

    async def _on_event(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        """Events are acked by bolt before this runs; the work is tracked by our tasks."""
        if not is_user_message(event):
            return
        inbound = from_event(body, context.bot_user_id)
        event_id = str(body.get("event_id") or "")
        self.tasks.spawn(self._message(inbound, event_id), name=f"slack-event-{event_id}")

    async def _message(self, inbound: Inbound, event_id: str) -> None:
        ws = await self._workspace(inbound.address.workspace)
        if event_id and not await self.deps.db(self.state.claim_event, ws, event_id):
            log.info("ignoring a retry of event %s", event_id)
            return
        if not inbound.text:
            inbound = replace(inbound, text="help")
        progress = await self.core.progress(inbound)
        placeholder: str | None = None
        pending: int | None = None
        if progress is not None:
            placeholder = await self.delivery.post(inbound.address, to_message(progress))
            pending = await self.deps.db(
                self.state.add_pending,
                ws,
                team_id=inbound.address.workspace,
                channel=inbound.address.conversation_id,
                thread_ts=inbound.address.thread_id,
                ts=placeholder,
                user_id=inbound.user_id,
                kind=inbound.kind,
                text=inbound.text,
            )
        replies = await self.core.handle(inbound)
        if pending is not None and not await self.deps.db(self.state.finish_pending, ws, pending):
            return
        for i, reply in enumerate(replies):
            await self.delivery.in_conversation(
                inbound.address,
                inbound.user_id,
                reply,
                ws,
                replace_ts=placeholder if i == 0 else None,
            )

    async def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        action_id = str(action.get("action_id") or "")
        if action_id == SHARE_ACTION_ID:
            self.tasks.spawn(self._share(body, action), name="slack-share")
            return
        inbound = from_block_action(body, action)
        response_url = str(body.get("response_url") or "")
        if action_id.startswith(RETRY_ACTION_ID):
            retried = Inbound(
                kind="command",
                text=inbound.value or "",
                user_id=inbound.user_id,
                address=inbound.address,
            )
            self.tasks.spawn(self._retry(retried, body, response_url), name="slack-retry")
            return
        self.tasks.spawn(self._action(inbound, body, response_url), name=f"slack-{action_id}")

    async def _action(self, inbound: Inbound, body: dict[str, Any], response_url: str) -> None:
        ws = await self._workspace(inbound.address.workspace)
        replies = await self.core.handle(inbound)
        ephemeral_origin = bool((body.get("container") or {}).get("is_ephemeral"))
        for reply in replies:
            replace = reply.meta.get("replace") == "original"
            if response_url and (reply.ephemeral or reply.shareable or replace):
                await self.delivery.respond(
                    response_url,
                    reply,
                    ws,
                    replace_original=replace,
                    original_ephemeral=ephemeral_origin,
                )
            else:
                await self.delivery.in_conversation(inbound.address, inbound.user_id, reply, ws)

    async def _retry(self, inbound: Inbound, body: dict[str, Any], response_url: str) -> None:
        """ "Try again" on an apology: answer again where the apology is (in place)."""
        ws = await self._workspace(inbound.address.workspace)
        container = body.get("container") or {}
        if container.get("is_ephemeral") or not container.get("message_ts"):
            pending = await self.deps.db(
                self.state.add_pending,
                ws,
                team_id=inbound.address.workspace,
                channel=inbound.address.conversation_id,
                user_id=inbound.user_id,
                kind=inbound.kind,
                text=inbound.text,
                response_url=response_url,
            )
            progress = await self.core.progress(inbound)
            if progress is not None:
                progress = replace(progress, ephemeral=True)
                await self.delivery.respond(response_url, progress, ws, replace_original=True)
            await self._answer_by_url(inbound, response_url, ws, pending, replace=True)
            return
        ts = str(container["message_ts"])
        progress = await self.core.progress(inbound)
        if progress is not None:
            await self.delivery.in_conversation(
                inbound.address, inbound.user_id, progress, ws, replace_ts=ts
            )
        for i, reply in enumerate(await self.core.handle(inbound)):
            await self.delivery.in_conversation(
                inbound.address, inbound.user_id, reply, ws, replace_ts=ts if i == 0 else None
            )

    async def _share(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Post a stored ephemeral answer in the channel, then remove the private copy."""
        team = team_of(body)
        ws = await self._workspace(team)
        message = await self.deps.db(self.state.get_share, ws, str(action.get("value") or ""))
        response_url = str(body.get("response_url") or "")
        user = str((body.get("user") or {}).get("id") or "")
        if message is None:
            if response_url:
                await self.delivery.respond(
                    response_url, error_reply("That answer can no longer be shared."), ws
                )
            return
        shared_by = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user}>"}],
        }
        public = {**message, "blocks": [*message["blocks"], shared_by][:50]}
        if response_url:
            body_out = {**public, "response_type": "in_channel", "replace_original": False}
            if await post_response_url(response_url, body_out):
                await post_response_url(response_url, {"delete_original": True})
                return
        channel = (body.get("channel") or {}).get("id") or ""
        await self.delivery.post(Address("slack", team, channel), public)

    # -- pending answers left behind by a dead process -----------------------------------
    async def _recovery_loop(self) -> None:
        while True:
            try:
                await self.recover_pending()
            except Exception:
                log.exception("recovering pending Slack answers failed")
            await asyncio.sleep(self.recovery_interval)

    async def recover_pending(self, older_than: timedelta = STALE_AFTER) -> int:
        """Replace placeholders whose answer never came with an apology and a retry button.
        Each row is claimed by deleting it, so only one process touches it."""
        done = 0
        for row in await self.deps.db(self.state.stale_pending, older_than):
            if not await self.deps.db(self.state.finish_pending, row.workspace_id, row.id):
                continue
            try:
                await self._apologise(row)
                done += 1
            except DeliveryError as exc:
                log.warning("could not replace stuck answer %s: %s", row.id, exc.reason)
        return done

    async def _apologise(self, row: PendingView) -> None:
        reply = Reply(
            text="Sorry, I lost track of this answer (the bot restarted). Please try again.",
            cards=(),
            ephemeral=row.response_url is not None,
        )
        retry = Button("Try again", RETRY_ACTION_ID, row.text[:1900], style="primary")
        message = to_message(reply)
        message["blocks"].append(
            {
                "type": "actions",
                "block_id": "slack.retry",
                "elements": [button(retry, RETRY_ACTION_ID)],
            }
        )
        if row.ts:
            address = Address("slack", row.team_id, row.channel, row.thread_ts)
            await self.delivery.update(address, row.ts, message)
        elif row.response_url:
            await post_response_url(
                row.response_url,
                {**message, "response_type": "ephemeral", "replace_original": True},
            )


__all__ = ["SlackAdapter"]
