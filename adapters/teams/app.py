"""The Microsoft Teams adapter: botbuilder's CloudAdapter at POST /api/messages in the shared
aiohttp application, authenticated by ConfigurationBotFrameworkAuthentication from
MICROSOFT_APP_ID / _PASSWORD / _TYPE / _TENANT_ID.

With an app id, a request without a valid Bot Framework token gets 401 and nothing runs.
Without one the adapter runs in local-testing mode (Agents Playground, tests): no inbound
token is checked and no outbound token is fetched, and the log says so where the endpoint is
served (`serve`; the clock uses the adapter only to post).
This module wires botbuilder to the handler and implements the ChatAdapter port (send/update
on stored conversation references); it never decides what to say.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import jwt
import requests
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from adapters.teams import forms
from adapters.teams.config import BotConfig
from adapters.teams.connectors import CachingBotFrameworkAuthentication
from adapters.teams.delivery import Delivery
from adapters.teams.handler import PersonaTeamsBot
from adapters.teams.inbound import (
    THREAD_MARK,
    ReferenceFields,
    reference_fields,
    split_thread,
    tenant_of,
)
from adapters.teams.redelivery import Redeliveries
from adapters.teams.validate import Validated
from bot.commands import Core
from bot.deps import Deps
from bot.messages import Address, Reply
from bot.settings import Settings
from bot.tasks import BackgroundTasks
from persona_store.platforms.teams import TeamsStore
from persona_store.platforms.teams_activities import TeamsActivityLog

log = logging.getLogger(__name__)

MAX_REMEMBERED = 10_000  # conversations whose stored reference this process knows is current


class TeamsAdapter:
    platform = "teams"

    def __init__(
        self,
        core: Core,
        deps: Deps,
        tasks: BackgroundTasks,
        config: BotConfig,
        *,
        state: TeamsStore | None = None,
        retry_base_delay: float | None = None,
    ) -> None:
        self.core = core
        self.deps = deps
        self.tasks = tasks
        self.config = config
        self.state = state or TeamsStore(deps.store.sessions)
        log_store = TeamsActivityLog(deps.store.sessions)
        self.redeliveries = Redeliveries(deps, tasks, self.workspace, log_store)
        self.cloud = CloudAdapter(CachingBotFrameworkAuthentication(config))
        extra = {} if retry_base_delay is None else {"base_delay": retry_base_delay}
        self.delivery = Delivery(
            self.cloud, self.state, deps.db, self.workspace, app_id=config.APP_ID, **extra
        )
        self._stored: dict[tuple[int, str], str] = {}  # (ws, conversation) -> fingerprint
        self._unchanged: dict[tuple[int, str], tuple[str, ...]] = {}  # -> raw_reference_key
        self.delivery.on_inactive = self.forget
        deps.permalinks[self.platform] = forms.permalink  # "where it was decided"
        self.bot = PersonaTeamsBot(
            core,
            tasks,
            send=self.send,
            update=self.update,
            remember=self.remember,
            once=self.redeliveries.once,
            release=self.redeliveries.release,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, core: Core, deps: Deps, tasks: BackgroundTasks
    ) -> TeamsAdapter:
        """Teams is always mounted: with MICROSOFT_APP_ID it authenticates every request;
        without, it is the local-testing endpoint for the Agents Playground."""
        return cls(core, deps, tasks, BotConfig.from_settings(settings))

    # -- web server ----------------------------------------------------------------------
    async def start(self) -> None:
        """Nothing to connect: Bot Framework calls us."""

    async def close(self) -> None:
        """The connector's HTTP sessions are per call."""

    def routes(self) -> list[web.RouteDef]:
        """POST /api/messages. Mounting it is serving it, so its mode is logged here: the
        clock builds this adapter too (to post), serves nothing, and says nothing of it."""
        self._log_endpoint()
        return [web.post("/api/messages", self.handle_request)]

    def _log_endpoint(self) -> None:
        if self.config.authenticated:
            log.info(
                "Teams is on: POST /api/messages (app %s, %s)",
                self.config.APP_ID,
                self.config.APP_TYPE,
            )
        else:
            log.warning(
                "Teams is in LOCAL TESTING MODE: POST /api/messages accepts requests without a "
                "Bot Framework token (for the Agents Playground). Set MICROSOFT_APP_ID and "
                "MICROSOFT_APP_PASSWORD before exposing this server to the internet."
            )

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        if self.config.authenticated and not request.headers.get("Authorization"):
            # CloudAdapter would say the same after reading the body; say it before.
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            response = await self.cloud.process(request, Validated(self.bot))
        except web.HTTPException as exc:
            return web.json_response({"error": exc.reason}, status=exc.status)
        except (PermissionError, jwt.PyJWTError):  # a malformed or forged token
            return web.json_response({"error": "unauthorized"}, status=401)
        except ValueError:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        except requests.RequestException as exc:  # Bot Framework's signing keys unreachable
            log.warning("cannot verify a Teams request now: %s", exc)
            return web.json_response({"error": "cannot verify the token now"}, status=503)
        except Exception:  # logged once, with the activity type, instead of aiohttp's trace
            log.exception("a Teams activity failed")
            return web.json_response({"error": "internal error"}, status=500)
        return response or web.Response(status=201)

    # -- conversation references ---------------------------------------------------------
    async def workspace(self, tenant_id: str) -> int:
        """Tenant id -> workspace, cached for a minute (a `workspaces link` shows within it)."""
        return await self.deps.workspace("teams", tenant_id)

    async def remember(self, turn_context: TurnContext, event: str) -> None:
        """Store the conversation reference. A reference this process already stored
        unchanged is not written again (every click would otherwise be a database write),
        nor even rebuilt: the activity's raw fields are compared first (building the
        reference is msrest serialisation, the costliest step of a click on the loop)."""
        activity = turn_context.activity
        raw = raw_reference_key(activity)
        if event == "seen" and raw is not None:
            ws = await self.workspace(tenant_of(activity))
            if self._unchanged.get((ws, raw[0])) == raw:
                return
        fields = reference_fields(activity)
        if fields is None:
            return
        ws = await self.workspace(fields.tenant_id)
        if event == "removed":
            self.forget(ws, fields.conversation_id)
            await self.deps.db(self.state.deactivate, ws, fields.conversation_id, "uninstalled")
            return
        await self._save(ws, fields, event)
        root, thread = split_thread(fields.conversation_id)
        if thread:  # the channel itself too, so posts can start a new thread there
            conversation = {**(fields.reference.get("conversation") or {}), "id": root}
            reference = {**fields.reference, "conversation": conversation}
            reference.pop("activityId", None)
            channel = replace(fields, conversation_id=root, reference=reference, user_id=None)
            await self._save(ws, channel, event)
        if raw is not None:
            if len(self._unchanged) > MAX_REMEMBERED:
                self._unchanged.clear()
            self._unchanged[(ws, raw[0])] = raw

    async def _save(self, ws: int, fields: ReferenceFields, event: str) -> None:
        key = (ws, fields.conversation_id)
        fingerprint = fields.fingerprint()
        if event == "seen" and self._stored.get(key) == fingerprint:
            return
        await self.deps.db(
            self.state.save,
            ws,
            tenant_id=fields.tenant_id,
            conversation_id=fields.conversation_id,
            service_url=fields.service_url,
            reference=fields.reference,
            conversation_type=fields.conversation_type,
            team_id=fields.team_id,
            channel_id=fields.channel_id,
            bot_id=fields.bot_id,
            user_id=fields.user_id,
        )
        if len(self._stored) > MAX_REMEMBERED:
            self._stored.clear()
        self._stored[key] = fingerprint

    def forget(self, workspace_id: int, conversation_id: str) -> None:
        """The reference changed elsewhere (marked inactive): write it again next time."""
        thread_prefix = conversation_id + THREAD_MARK
        for known in (self._stored, self._unchanged):
            for key in [k for k in known if k[0] == workspace_id]:
                if key[1] == conversation_id or key[1].startswith(thread_prefix):
                    del known[key]

    # -- ChatAdapter (proactive: the clock, survey tallies, placeholders) ----------------
    async def send(self, address: Address, reply: Reply) -> str:
        """A new message; returns its activity id. Raises DeliveryError (permanent for a
        blocked or removed bot, after which the conversation is marked inactive)."""
        return await self.delivery.send(address, reply)

    async def update(self, address: Address, message_id: str, reply: Reply) -> None:
        await self.delivery.update(address, message_id, reply)

    async def members(self, address: Address) -> frozenset[str] | None:
        """Roster: who is in a conversation (None: Teams cannot tell)."""
        return await self.delivery.members(address)


def raw_reference_key(activity: Activity) -> tuple[str, ...] | None:
    """Everything `reference_fields` builds the stored reference from, read off the
    activity as it is (no msrest serialisation): equal keys give equal references. The
    sender counts only in a 1:1 chat (elsewhere it is whoever spoke last), the activity id
    never. None when there is no reference to store."""
    conversation = activity.conversation
    if conversation is None or not activity.service_url:
        return None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else None
    if activity.channel_data is not None and data is None:
        return None  # an object botbuilder built: not compared, the reference is rebuilt
    sender = activity.from_property
    personal = conversation.conversation_type == "personal"
    return (
        str(conversation.id),
        activity.service_url,
        str(activity.channel_id),
        str(activity.locale),
        repr(vars(conversation)),
        repr(vars(activity.recipient)) if activity.recipient else "",
        repr([(data or {}).get(k) for k in ("tenant", "team", "channel")]),
        str(sender.id) if personal and sender else "",
    )
