"""What happens after bolt verified and parsed a request: ack first, then the core's turn
(`bot.turn`: placeholder, handler, delivery) as a tracked background task. Where each reply
goes is `adapters/slack/outbox.py`; this module decides only *when* (what the ack carries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from adapters.slack.coalesce import UpdateCoalescer
from adapters.slack.delivery import Delivery, ack_body
from adapters.slack.outbox import Origin, SlackOutbox
from adapters.slack.render import MAX_BLOCKS, home_view, to_message
from bot.commands import SORRY, Core, Turn
from bot.deps import Deps
from bot.messages import Address, Form, Inbound, Reply, error_reply
from bot.tasks import AckFirst, BackgroundTasks
from bot.turn import deliver, show_placeholder
from persona_store.platforms.slack import SlackStore

log = logging.getLogger(__name__)

ACK_BUDGET_SECONDS = 0.05  # time to compute the placeholder before acking empty instead
PREPARE_CONCURRENCY = 4
ACTION_CONCURRENCY = 8
# claims a slash command's signed body; False for a replay (see SlackAdapter)
FirstDelivery = Callable[[], Awaitable[bool]]
QUICK_REPLY_SECONDS = 1.5  # a fast command answers in the ack itself; slower ones follow

__all__ = ["Flows", "Origin"]

OpenForm = Callable[[Inbound, str, Form, dict[str, Any]], Awaitable[None]]


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
        # In a burst, acks go first and the turns' work waits for them (bench_slack_ack).
        self.pacing = AckFirst()
        # Opens a core form as a modal (adapters/slack/forms.py), given a click's trigger.
        self.open_form: OpenForm | None = None

    async def workspace(self, team_id: str) -> int:
        return await self.deps.workspace("slack", team_id)

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

    def outbox(self, origin: Origin) -> SlackOutbox:
        return SlackOutbox(origin, self.delivery, self.tallies)

    # -- slash commands ------------------------------------------------------------------
    async def command(
        self,
        ack: Any,
        inbound: Inbound,
        response_url: str,
        first: FirstDelivery | None = None,
    ) -> None:
        """Ack at once. Within ACK_BUDGET the ack carries the placeholder ("Asking Maya…")
        for slow commands, or the answer itself for quick ones; past it (a busy database)
        the ack is empty and everything follows through the response_url, so the HTTP
        response never waits on the database or the answerer for long. In a burst (other
        requests waiting for their ack) it acks empty at once and prepares afterwards.
        `first` is the claim of the signed body: a replay is acked empty and does nothing."""
        if self.pacing.busy():
            await ack()
            self.tasks.spawn(self._paced(inbound, response_url, first), name="slack-cmd-late")
            return
        if first is not None and not await first():
            await ack()
            return
        prepare = asyncio.ensure_future(self._prepare(inbound, response_url))
        done, _ = await asyncio.wait({prepare}, timeout=self.ack_budget)
        if not done:
            await ack()
            self.tasks.spawn(self._late_start(prepare), name="slack-cmd-late")
            return
        try:
            origin, turn = prepare.result()
        except Exception:  # e.g. the database is down: say so instead of a Slack timeout
            log.exception("preparing %r failed", inbound.text[:100])
            await ack(**ack_body(to_message(error_reply(SORRY)), ephemeral=True))
            return
        if turn.placeholder is not None:
            await ack(**ack_body(to_message(turn.placeholder), ephemeral=True))
            origin.placeholder_url = True
            self.tasks.spawn(self.answer(origin, turn), name=f"slack-cmd-{inbound.user_id}")
            return
        work = asyncio.ensure_future(self.core.execute(turn))
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

    async def _prepare(
        self, inbound: Inbound, response_url: str, *, paced: bool = False
    ) -> tuple[Origin, Turn]:
        if paced:
            await self.pacing.quiet()
        async with self._preparing:
            ws = await self.workspace(inbound.address.workspace)
            turn = await self.core.prepare(inbound)
        return Origin(inbound, ws, response_url), turn

    async def _paced(
        self, inbound: Inbound, response_url: str, first: FirstDelivery | None
    ) -> None:
        """Acked empty in a burst: once the acks are out, claim, then prepare."""
        await self.pacing.quiet()
        if first is not None and not await first():
            return
        prepare = asyncio.ensure_future(self._prepare(inbound, response_url, paced=True))
        await self._late_start(prepare)

    async def _late_start(self, prepare: asyncio.Future[tuple[Origin, Turn]]) -> None:
        """The ack went out empty: show the placeholder now, then answer as usual."""
        origin, turn = await prepare
        await show_placeholder(turn, self.outbox(origin))
        await self.answer(origin, turn)

    async def _late(self, origin: Origin, work: asyncio.Future[list[Reply]]) -> None:
        await self.deliver(origin, await work)

    async def answer(self, origin: Origin, turn: Turn, pending: int | None = None) -> None:
        """The slow part, after the ack: answer, then replace the placeholder (once).
        A placeholder is recorded as pending first, so a restart can finish it."""
        await self.pacing.quiet()
        if pending is None and (origin.placeholder_url or origin.placeholder_ts):
            pending = await self._pending(origin, ts=origin.placeholder_ts)
        replies = await self.core.execute(turn)
        if origin.event_id and any(r.private for r in replies):  # a typed anonymous vote
            await self.deps.db(self.state.release_event, origin.ws, origin.event_id)
        if pending is not None and not await self.deps.db(
            self.state.finish_pending, origin.ws, pending
        ):
            log.info("pending answer %s was already completed by a recovery", pending)
            return
        await self.deliver(origin, replies)

    # -- mentions and direct messages ----------------------------------------------------
    async def message(self, inbound: Inbound, event_id: str) -> None:
        ws = await self.workspace(inbound.address.workspace)
        await self.pacing.quiet()
        if event_id and not await self.deps.db(self.state.claim_event, ws, event_id):
            log.info("ignoring a retry of event %s", event_id)
            return
        if not inbound.text:
            inbound = replace(inbound, text="help")
        origin = Origin(inbound, ws, event_id=event_id)
        turn = await self.core.prepare(inbound)
        await show_placeholder(turn, self.outbox(origin))
        await self.answer(origin, turn)

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
            replies = await self.core.handle(inbound)
        form = next((r.form for r in replies if r.form is not None), None)
        if form is not None and self.open_form is not None and body.get("trigger_id"):
            await self.open_form(inbound, str(body["trigger_id"]), form, body)
            replies = [r for r in replies if r.form is None]
        await self.deliver(origin, replies)
        view = body.get("view") or {}
        if container.get("type") == "view" and view.get("type") == "home":
            # a click on the home tab (e.g. "still accurate") changes what it shows
            await self.home(replace(inbound, kind="command", text="home", action_id=None))

    async def home(self, inbound: Inbound) -> None:
        """The App Home tab: the core's `home` screen, published for this person."""
        replies = await self.core.handle(inbound)
        if replies and not replies[0].is_error:
            await self.delivery.publish_home(
                inbound.address.workspace, inbound.user_id, home_view(replies[0])
            )

    async def retry(self, inbound: Inbound, body: dict[str, Any]) -> None:
        """ "Try again" on an apology: ask again, in place of the apology."""
        container = body.get("container") or {}
        ws = await self.workspace(inbound.address.workspace)
        origin = Origin(inbound, ws, str(body.get("response_url") or ""))
        if container.get("is_ephemeral") or not container.get("message_ts"):
            origin.placeholder_url = True  # the apology behind the response_url
        else:
            origin.inbound = replace(inbound, kind="message")
            origin.placeholder_ts = str(container["message_ts"])
        turn = await self.core.prepare(origin.inbound)
        await show_placeholder(turn, self.outbox(origin))
        await self.answer(origin, turn)

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
        await deliver(self.core, replies, self.outbox(origin), origin.placeholder_ts)
