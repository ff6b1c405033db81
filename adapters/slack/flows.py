"""What happens after bolt verified and parsed a request: ack, placeholder, answer, deliver.

One rule set for where each Reply goes (`Flows.deliver`):
- `reply.replaces`: replaces that message (a survey's live tally).
- `reply.track`: posted with chat.postMessage so its ts is known, then `core.posted`.
- a mention or DM: answered in the conversation (thread), replacing the placeholder;
  ephemeral replies in a channel reach only the asker (chat.postEphemeral).
- a slash command: answered through its response_url; ephemeral and shareable replies
  privately (shareable with "Share in channel"), others in the channel.
- a button: private replies through the response_url, others in the conversation.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

from adapters.slack.coalesce import UpdateCoalescer
from adapters.slack.delivery import Delivery, ack_body
from adapters.slack.render import MAX_BLOCKS, home_view, to_message
from bot.commands import Core
from bot.deps import Deps
from bot.messages import Address, Inbound, Reply, error_reply
from bot.ports import DeliveryError
from bot.tasks import BackgroundTasks
from persona_store.slack_state import SlackStore

log = logging.getLogger(__name__)

ACK_BUDGET_SECONDS = 0.05  # time to compute the placeholder before acking empty instead
PREPARE_CONCURRENCY = 4
ACTION_CONCURRENCY = 8
QUICK_REPLY_SECONDS = 1.5  # a fast command answers in the ack itself; slower ones follow
SORRY = "Sorry, something went wrong on my side. Please try again."


@dataclass
class Origin:
    """Where a request came from, and so how its replies are shown."""

    inbound: Inbound
    ws: int
    response_url: str = ""
    placeholder_ts: str | None = None  # public placeholder (mention, DM, button) to replace
    placeholder_url: bool = False  # private placeholder behind the response_url to replace
    ephemeral_origin: bool = True  # what the response_url's "original" message is

    @property
    def address(self) -> Address:
        return self.inbound.address


def _has_target(reply: Reply) -> bool:
    return reply.track is not None or reply.replaces is not None


class Flows:
    def __init__(
        self,
        core: Core,
        deps: Deps,
        tasks: BackgroundTasks,
        delivery: Delivery,
        state: SlackStore,
    ) -> None:
        self.core = core
        self.deps = deps
        self.tasks = tasks
        self.delivery = delivery
        self.state = state
        # Preparing placeholders is database work on the bounded pool; letting only a few run
        # at once leaves the event loop (and so every other ack) its share of the GIL.
        self._preparing = asyncio.Semaphore(PREPARE_CONCURRENCY)
        self.ack_budget = ACK_BUDGET_SECONDS
        self.tallies = UpdateCoalescer(interval=1.0)
        # Button clicks arrive in bursts (2,000 voters); handling a few at a time keeps the
        # event loop free to ack the rest within Slack's 3 s.
        self._acting = asyncio.Semaphore(ACTION_CONCURRENCY)

    async def workspace(self, team_id: str) -> int:
        return await self.deps.workspace("slack", team_id)

    async def _handle(self, inbound: Inbound) -> list[Reply]:
        try:
            return await self.core.handle(inbound)
        except Exception:  # the core logs its own failures; this is the last net
            log.exception("handling %r failed", inbound.text[:100])
            return [error_reply(SORRY)]

    async def _pending(self, origin: Origin, *, ts: str | None = None) -> int:
        a = origin.address
        return await self.deps.db(
            self.state.add_pending,
            origin.ws,
            team_id=a.workspace,
            channel=a.conversation_id,
            thread_ts=a.thread_id,
            ts=ts,
            response_url=None if ts else origin.response_url,
            user_id=origin.inbound.user_id,
            kind=origin.inbound.kind,
            text=origin.inbound.text,
        )

    # -- slash commands ------------------------------------------------------------------
    async def command(self, ack: Any, inbound: Inbound, response_url: str) -> None:
        """Ack at once. Within ACK_BUDGET the ack carries the placeholder ("Asking Maya…")
        for slow commands, or the answer itself for quick ones; past it (a busy database)
        the ack is empty and everything follows through the response_url, so the HTTP
        response never waits on the database or the answerer for long."""
        prepare = asyncio.ensure_future(self._prepare(inbound, response_url))
        done, _ = await asyncio.wait({prepare}, timeout=self.ack_budget)
        if not done:
            await ack()
            self.tasks.spawn(self._late_start(prepare), name="slack-cmd-late")
            return
        try:
            origin, progress = prepare.result()
        except Exception:  # e.g. the database is down: say so instead of a Slack timeout
            log.exception("preparing %r failed", inbound.text[:100])
            await ack(**ack_body(to_message(error_reply(SORRY)), ephemeral=True))
            return
        if progress is not None:
            await ack(**ack_body(to_message(progress), ephemeral=True))
            origin.placeholder_url = True
            self.tasks.spawn(self.answer(origin), name=f"slack-cmd-{inbound.user_id}")
            return
        work = asyncio.ensure_future(self._handle(inbound))
        done, _ = await asyncio.wait({work}, timeout=QUICK_REPLY_SECONDS)
        if not done:
            await ack()
            self.tasks.spawn(self._late(origin, work), name="slack-cmd-late")
            return
        replies = work.result()
        if _has_target(replies[0]):
            await ack()
            self.tasks.spawn(self.deliver(origin, replies), name="slack-cmd-deliver")
            return
        first = replies[0]
        message = await self.delivery.message(first, origin.ws)
        await ack(**ack_body(message, ephemeral=first.ephemeral or first.shareable))
        if replies[1:]:
            self.tasks.spawn(self.deliver(origin, replies[1:]), name="slack-cmd-rest")

    async def _prepare(self, inbound: Inbound, response_url: str) -> tuple[Origin, Reply | None]:
        async with self._preparing:
            ws = await self.workspace(inbound.address.workspace)
            progress = await self.core.progress(inbound)
        return Origin(inbound, ws, response_url), progress

    async def _late_start(self, prepare: asyncio.Future[tuple[Origin, Reply | None]]) -> None:
        """The ack went out empty: show the placeholder now, then answer as usual."""
        origin, progress = await prepare
        if progress is None:
            await self.deliver(origin, await self._handle(origin.inbound))
            return
        placeholder = replace(progress, ephemeral=True)
        await self.delivery.respond(origin.response_url, placeholder, origin.ws)
        origin.placeholder_url = True
        await self.answer(origin)

    async def _late(self, origin: Origin, work: asyncio.Future[list[Reply]]) -> None:
        await self.deliver(origin, await work)

    async def answer(self, origin: Origin, pending: int | None = None) -> None:
        """The slow part, after the ack: answer, then replace the placeholder (once).
        A placeholder is recorded as pending first, so a restart can finish it."""
        if pending is None and (origin.placeholder_url or origin.placeholder_ts):
            pending = await self._pending(origin, ts=origin.placeholder_ts)
        replies = await self._handle(origin.inbound)
        if pending is not None and not await self.deps.db(
            self.state.finish_pending, origin.ws, pending
        ):
            log.info("pending answer %s was already completed by a recovery", pending)
            return
        await self.deliver(origin, replies)

    # -- mentions and direct messages ----------------------------------------------------
    async def message(self, inbound: Inbound, event_id: str) -> None:
        ws = await self.workspace(inbound.address.workspace)
        if event_id and not await self.deps.db(self.state.claim_event, ws, event_id):
            log.info("ignoring a retry of event %s", event_id)
            return
        if not inbound.text:
            inbound = replace(inbound, text="help")
        origin = Origin(inbound, ws)
        progress = await self.core.progress(inbound)
        if progress is not None:
            origin.placeholder_ts = await self.delivery.post(inbound.address, to_message(progress))
        await self.answer(origin)

    # -- buttons -------------------------------------------------------------------------
    async def action(self, inbound: Inbound, body: dict[str, Any]) -> None:
        container = body.get("container") or {}
        async with self._acting:
            origin = Origin(
                inbound,
                await self.workspace(inbound.address.workspace),
                str(body.get("response_url") or ""),
                ephemeral_origin=bool(container.get("is_ephemeral")),
            )
            replies = await self._handle(inbound)
        await self.deliver(origin, replies)
        view = body.get("view") or {}
        if container.get("type") == "view" and view.get("type") == "home":
            # a click on the home tab (e.g. "still accurate") changes what it shows
            await self.home(replace(inbound, kind="command", text="home", action_id=None))

    async def home(self, inbound: Inbound) -> None:
        """The App Home tab: the core's `home` screen, published for this person."""
        replies = await self._handle(inbound)
        if replies and not replies[0].is_error:
            await self.delivery.publish_home(
                inbound.address.workspace, inbound.user_id, home_view(replies[0])
            )

    async def retry(self, inbound: Inbound, body: dict[str, Any]) -> None:
        """ "Try again" on an apology: ask again, in place of the apology."""
        container = body.get("container") or {}
        origin = Origin(
            inbound,
            await self.workspace(inbound.address.workspace),
            str(body.get("response_url") or ""),
        )
        progress = await self.core.progress(inbound)
        if container.get("is_ephemeral") or not container.get("message_ts"):
            origin.placeholder_url = True
            if progress is not None:
                placeholder = replace(progress, ephemeral=True)
                await self.delivery.respond(
                    origin.response_url, placeholder, origin.ws, replace_original=True
                )
            await self.answer(origin)
            return
        inbound = replace(inbound, kind="message")
        origin.inbound = inbound
        origin.placeholder_ts = str(container["message_ts"])
        if progress is not None:
            await self.delivery.update(inbound.address, origin.placeholder_ts, to_message(progress))
        await self.answer(origin)

    async def share(self, body: dict[str, Any], token: str, team_id: str) -> None:
        """Post a stored ephemeral answer in the channel, then remove the private copy."""
        ws = await self.workspace(team_id)
        message = await self.deps.db(self.state.get_share, ws, token)
        response_url = str(body.get("response_url") or "")
        user = str((body.get("user") or {}).get("id") or "")
        if message is None:
            if response_url:
                gone = error_reply("That answer can no longer be shared.")
                await self.delivery.respond(response_url, gone, ws)
            return
        shared_by = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user}>"}],
        }
        blocks = message["blocks"]
        if len(blocks) >= MAX_BLOCKS:
            # make room for "Shared by", keeping the last block (the "Shortened" note)
            blocks = [*blocks[: MAX_BLOCKS - 2], blocks[-1]]
        public = {**message, "blocks": [*blocks, shared_by]}
        if response_url:
            out = {**public, "response_type": "in_channel", "replace_original": False}
            if await self.delivery.post_url(response_url, out):
                await self.delivery.post_url(response_url, {"delete_original": True})
                return
        channel = (body.get("channel") or {}).get("id") or ""
        await self.delivery.post(Address("slack", team_id, channel), public)

    # -- delivery ------------------------------------------------------------------------
    async def deliver(self, origin: Origin, replies: list[Reply]) -> None:
        for i, reply in enumerate(replies):
            first = i == 0
            try:
                await self._deliver_one(origin, reply, first)
            except DeliveryError as exc:
                log.warning(
                    "could not deliver a reply in %s: %s", origin.address.conversation_id, exc
                )

    async def _deliver_one(self, origin: Origin, reply: Reply, first: bool) -> None:
        address, user, ws = origin.address, origin.inbound.user_id, origin.ws
        target = reply.replaces
        if target:
            await self.tallies.update(
                (address.conversation_id, target),
                to_message(reply),
                lambda body: self.delivery.update(address, target, body),
            )
            if first and origin.placeholder_url:
                await self.delivery.post_url(origin.response_url, {"delete_original": True})
            return
        if reply.track is not None:
            await self._post_tracked(origin, reply, first)
            return
        replace_ts = origin.placeholder_ts if first else None
        if origin.inbound.kind == "message" or not origin.response_url:
            await self.delivery.in_conversation(address, user, reply, ws, replace_ts=replace_ts)
            return
        private = reply.ephemeral or reply.shareable
        replace_original = first and origin.placeholder_url
        if origin.inbound.kind == "action" and not private and not replace_original:
            await self.delivery.in_conversation(address, user, reply, ws)
            return
        await self.delivery.respond(
            origin.response_url,
            reply,
            ws,
            replace_original=replace_original,
            original_ephemeral=origin.ephemeral_origin,
        )

    async def _post_tracked(self, origin: Origin, reply: Reply, first: bool) -> None:
        """A message the core will update later (live tally): it needs a known ts."""
        message = to_message(reply)
        if first and origin.placeholder_ts:
            ts = origin.placeholder_ts
            await self.delivery.update(origin.address, ts, message)
        else:
            try:
                ts = await self.delivery.post(origin.address, message)
            except DeliveryError as exc:
                if not origin.response_url or exc.reason not in (
                    "not_in_channel",
                    "channel_not_found",
                ):
                    raise
                log.warning(
                    "bot is not in %s: posted without live updates (invite the bot)",
                    origin.address.conversation_id,
                )
                body = {**message, "response_type": "in_channel", "replace_original": False}
                await self.delivery.post_url(origin.response_url, body)
                return
            if first and origin.placeholder_url:
                await self.delivery.post_url(origin.response_url, {"delete_original": True})
        await self.core.posted(reply, origin.address, ts)
