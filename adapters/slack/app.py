"""The Slack adapter: slack-bolt's AsyncApp mounted at POST /slack/events in the shared
aiohttp application (events, slash commands and interactivity on one URL).

Pipeline (bolt's): verify the signature and timestamp (else 401), ack within 3 s, then work.
Slow work (LLM answers) runs in the web process's tracked BackgroundTasks after the ack and
replaces the "Asking Maya…" placeholder (see flows.py). This module wires bolt to the flows
and implements the ChatAdapter port for proactive sends; it never decides what to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
from collections.abc import Coroutine, Iterator, Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.client import web_client
from adapters.slack.delivery import Delivery
from adapters.slack.flows import FirstDelivery, Flows
from adapters.slack.forms import FORM_CALLBACK, GLOBAL_SHORTCUT, MESSAGE_SHORTCUT, SlackForms
from adapters.slack.inbound import (
    from_block_action,
    from_event,
    from_home_opened,
    from_slash_command,
    ignored_because,
    team_of,
)
from adapters.slack.modals import EDIT_CALLBACK, SURVEY_CALLBACK, Modals
from adapters.slack.oauth import oauth_flow, oauth_routes
from adapters.slack.recovery import RETRY_ACTION_ID, STALE_AFTER, recover_pending
from adapters.slack.render import SHARE_ACTION_ID, to_message
from adapters.slack.revocation import Revocations
from adapters.slack.shortcuts import Shortcuts
from adapters.slack.verify import is_slash_command, parsed, replay_key, signed
from bot.commands import Core, strip_command_prefix
from bot.deps import Deps
from bot.messages import Address, Inbound, Reply
from bot.settings import Settings
from bot.tasks import BackgroundTasks
from persona_store.platforms.slack import SlackStore

log = logging.getLogger(__name__)

# bolt context key: the claim of a slash command's signed body (False for a replay)
FIRST_DELIVERY = "persona_bot_first_delivery"


async def _once(first: FirstDelivery | None, work: Coroutine[Any, Any, None]) -> None:
    """Run `work` unless the command it serves is a replay (then it is never started)."""
    if first is not None and not await first():
        work.close()
        return
    await work


_BOLT_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@contextlib.contextmanager
def _bolt_ignores_environment() -> Iterator[None]:
    """bolt reads SLACK_* variables itself (and with SLACK_CLIENT_ID set, silently switches to
    its own OAuth flow with a file store, ignoring the bot token). Our Settings are the one
    source of configuration, so bolt is built with those variables hidden (startup only)."""
    saved = {name: os.environ.pop(name) for name in _BOLT_ENV if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        core: Core,
        deps: Deps,
        tasks: BackgroundTasks,
        *,
        signing_secret: str | None,
        token: str | None,
        app_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_url: str = "https://slack.com/api/",
        state: SlackStore | None = None,
        recovery_interval: float = 60.0,
    ) -> None:
        self.core = core
        self.deps = deps
        self.tasks = tasks
        self.client = web_client(api_url, token)
        self.signing_secret = signing_secret
        self.state = state or SlackStore(deps.store.sessions)
        self.oauth: AsyncOAuthFlow | None = None
        tokens = None
        installs = None
        if client_id and client_secret and not token:
            engine = SlackStore.engine_of(deps.store)
            self.oauth, installs = oauth_flow(
                engine, deps.db, self.client, client_id, client_secret
            )

            async def tokens(team_id: str) -> str | None:
                # the installing team (team_of), also in a Grid org or a Slack Connect channel
                bot = await installs.async_find_team_bot(team_id)
                return bot.bot_token if bot else None

        self.delivery = Delivery(self.client, self.state, deps.db, tokens)
        self.revocations = Revocations(installs, self.delivery.revoked, tasks)
        self.flows = Flows(core, deps, tasks, self.delivery, self.state)
        self.modals = Modals(self.flows)
        self.shortcuts = Shortcuts(self.flows)
        deps.admin_checks[self.platform] = self.modals.is_admin  # who the core may trust
        self.forms = SlackForms(self.flows)
        self.flows.open_form = self.forms.open
        deps.permalinks[self.platform] = self.forms.permalink
        self.recovery_interval = recovery_interval
        self._recovery: asyncio.Task[None] | None = None
        self._serving = False
        with _bolt_ignores_environment():
            self.bolt = AsyncApp(
                signing_secret=signing_secret,
                client=self.client,  # carries the token and SLACK_API_URL
                logger=logging.getLogger("slack_bolt"),
                # Socket Mode needs no signing secret (the WebSocket is authenticated by the app
                # token) and then no HTTP route is mounted; over HTTP verification is always on.
                request_verification_enabled=app_token is None,
                oauth_flow=self.oauth,
            )
        self.socket: AsyncSocketModeHandler | None = None
        if app_token:
            self.socket = AsyncSocketModeHandler(self.bolt, app_token, web_client=self.client)
        self._register()

    @classmethod
    def from_settings(
        cls, settings: Settings, core: Core, deps: Deps, tasks: BackgroundTasks
    ) -> SlackAdapter | None:
        """The adapter the settings describe, or None (logged) when Slack is not configured.

        SLACK_BOT_TOKEN plus SLACK_SIGNING_SECRET: events over HTTP at POST /slack/events.
        SLACK_BOT_TOKEN plus SLACK_APP_TOKEN: Socket Mode (no public URL needed)."""
        token, secret, app_token = (
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
        )
        oauth = bool(settings.slack_client_id and settings.slack_client_secret and secret)
        if not (token or oauth) or not (secret or app_token):
            log.info(
                "Slack is off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN "
                "for Socket Mode, to turn it on)"
            )
            return None
        if oauth and not token:
            log.info("Slack is on: many workspaces, install at GET /slack/install")
        elif app_token:
            log.info("Slack is on: Socket Mode (Web API at %s)", settings.slack_api_url)
        else:
            log.info("Slack is on: POST /slack/events (Web API at %s)", settings.slack_api_url)
        return cls(
            core,
            deps,
            tasks,
            signing_secret=secret,
            token=token,
            app_token=app_token,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            api_url=settings.slack_api_url,
        )

    # -- web server ----------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        self._serving = True  # mounted in the web process (see start)
        if self.socket is not None:
            return []  # Socket Mode: nothing reaches us over HTTP
        routes = [web.post("/slack/events", self.handle_request)]
        if self.oauth is not None:
            routes += oauth_routes(self.oauth)
        return routes

    async def handle_request(self, request: web.Request) -> web.Response:
        """Signature first (401), then the body's shape (400); only then bolt."""
        raw = await request.read()
        if not self.signing_secret or not signed(self.signing_secret, raw, request.headers):
            return web.Response(status=401, text="invalid signature")
        found = parsed(raw, request.content_type)
        if found is None:
            log.warning("signed Slack request with a malformed body (%d bytes)", len(raw))
            return web.Response(status=400, text="malformed body")
        context: dict[str, Any] = {}
        if is_slash_command(found[1]):
            # Claimed by the listener: in a burst after the ack, so no ack waits on the
            # database (nor shares the interpreter with its worker threads).
            context[FIRST_DELIVERY] = functools.partial(
                self._first_delivery, raw, dict(request.headers), found[1]
            )
        bolt_request = AsyncBoltRequest(
            body=found[0], query=request.query_string, headers=request.headers, context=context
        )
        self.flows.pacing.enter()
        try:
            bolt_response = await self.bolt.async_dispatch(bolt_request)
            return await to_aiohttp_response(bolt_response)
        finally:
            self.flows.pacing.leave()

    async def _first_delivery(
        self, raw: bytes, headers: Mapping[str, str], body: dict[str, Any]
    ) -> bool:
        """False when this very signed command (same timestamp, same bytes) was acted on
        before: a replay within the signature's 5-minute window. The claim shares the
        workspace's event de-duplication table (pruned after two days)."""
        try:
            ws = await self.deps.workspace("slack", str(body.get("team_id") or ""))
            first = await self.deps.db(self.state.claim_event, ws, replay_key(raw, headers))
        except Exception:  # the database is down: the command's own error net says so
            log.warning("could not record a slash command claim", exc_info=True)
            return True
        if not first:
            log.warning("ignored a replayed slash command from team %s", body.get("team_id"))
        return first

    async def start(self) -> None:
        """In the web process: connect Socket Mode and recover stuck placeholders. The clock
        process also starts its adapters, but only sends; it never mounts our routes, and so
        never takes Socket Mode events or recovery work from the web processes."""
        if not self._serving:
            return
        if self.socket is not None:
            await self.socket.connect_async()
            log.info("Slack Socket Mode connected")
        self._recovery = asyncio.get_running_loop().create_task(
            self._recovery_loop(), name="slack-pending-recovery"
        )

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
        if self.client.session is not None:
            await self.client.session.close()

    # -- ChatAdapter (proactive: the clock, survey tallies) ------------------------------
    async def send(self, address: Address, reply: Reply) -> str:
        """chat.postMessage (a user id as conversation opens a DM). Raises DeliveryError;
        `permanent` for channel_not_found / not_in_channel / is_archived and the like."""
        return await self.delivery.post(address, to_message(reply))

    async def update(self, address: Address, message_id: str, reply: Reply) -> None:
        await self.delivery.update(address, message_id, to_message(reply))

    async def members(self, address: Address) -> frozenset[str] | None:
        """Roster: who is in a channel (None: Slack cannot tell)."""
        return await self.delivery.members(address)

    # -- bolt listeners ------------------------------------------------------------------
    def _register(self) -> None:
        self.bolt.command(re.compile(r"^/"))(self._on_command)
        self.bolt.event("app_mention")(self._on_event)
        self.bolt.event("message")(self._on_event)
        self.bolt.event("app_home_opened")(self._on_home_opened)
        self.bolt.event("app_uninstalled")(self.revocations.on_app_uninstalled)
        self.bolt.event("tokens_revoked")(self.revocations.on_tokens_revoked)
        self.bolt.action(re.compile(r".*"))(self._on_action)
        self.bolt.view(SURVEY_CALLBACK)(self.modals.submit_survey)
        self.bolt.view(EDIT_CALLBACK)(self.modals.submit_edit)
        self.bolt.shortcut({"type": "message_action", "callback_id": MESSAGE_SHORTCUT})(
            self._on_shortcut
        )
        self.bolt.shortcut({"type": "shortcut", "callback_id": GLOBAL_SHORTCUT})(self._on_shortcut)
        self.bolt.view(FORM_CALLBACK)(self.forms.submit)
        # Last: whatever else Slack sends (reactions, a closed modal…) is acknowledged with
        # a 200 and a debug line, not bolt's 404 (which Slack retries, then reports).
        self.bolt.event(re.compile(r".*"))(self._on_other)
        self.bolt.view(re.compile(r".*"))(self._on_other_view)
        self.bolt.view_closed(re.compile(r".*"))(self._on_other_view)

    async def _on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        """ "Ask the personas" on a message, or from the shortcuts menu: a modal follows."""
        await ack()
        self.tasks.spawn(self.shortcuts.open(body), name="slack-shortcut")

    async def _on_other(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        log.debug("ignoring a Slack %s event (nothing to do)", event.get("type"))

    async def _on_other_view(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        view = body.get("view") or {}
        log.debug("ignoring a Slack %s of %r", body.get("type"), view.get("callback_id"))

    async def _on_command(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        inbound = from_slash_command(body)
        response_url = str(body.get("response_url") or "")
        trigger = str(body.get("trigger_id") or "")
        first: FirstDelivery | None = context.get(FIRST_DELIVERY)
        # Two forms only Slack has: `survey` alone opens the "new survey" modal, `edit NAME`
        # the "edit persona" modal. Everything else is the core's.
        head, _, rest = strip_command_prefix(inbound.text).partition(" ")
        if trigger and head.lower() == "survey" and not rest.strip():
            await ack()
            opening = self.modals.open_survey(inbound, trigger)
            self.tasks.spawn(_once(first, opening), name="slack-modal")
            return
        if trigger and head.lower() == "edit" and rest.strip():
            await ack()
            opening = self.modals.open_edit(inbound, rest.strip(), trigger, response_url)
            self.tasks.spawn(_once(first, opening), name="slack-modal")
            return
        await self.flows.command(ack, inbound, response_url, first=first)

    async def _on_event(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        """Events are acked by bolt before this runs; the work is tracked by our tasks."""
        why = ignored_because(event, context.bot_user_id)
        if why is not None:
            log.debug("ignoring a Slack %s event: %s", event.get("type"), why)
            return
        inbound = from_event(body, context.bot_user_id)
        event_id = str(body.get("event_id") or "")
        self.tasks.spawn(self.flows.message(inbound, event_id), name=f"slack-event-{event_id}")

    async def _on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        inbound = from_home_opened(body)
        self.tasks.spawn(self.flows.home(inbound), name=f"slack-home-{inbound.user_id}")

    async def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        action_id = str(action.get("action_id") or "")
        value = str(action.get("value") or "")
        if action_id == SHARE_ACTION_ID:
            self.tasks.spawn(self.flows.share(body, value, team_of(body)), name="slack-share")
            return
        inbound = from_block_action(body, action)
        if action_id == RETRY_ACTION_ID:
            again = Inbound("command", value, inbound.user_id, inbound.address)
            self.tasks.spawn(self.flows.retry(again, body), name="slack-retry")
            return
        self.tasks.spawn(self.flows.action(inbound, body), name=f"slack-action-{action_id}")

    # -- pending answers left behind by a dead process -----------------------------------
    async def _recovery_loop(self) -> None:
        while True:
            try:
                await self.recover_pending()
                await self.deps.db(self.state.prune_events)  # retries stop within hours
            except Exception:
                log.exception("recovering pending Slack answers failed")
            await asyncio.sleep(self.recovery_interval)

    async def recover_pending(self, older_than: timedelta = STALE_AFTER) -> int:
        return await recover_pending(self.state, self.delivery, self.deps.db, older_than)
