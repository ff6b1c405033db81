"""A card's text box on Slack: the form button's click opens the modal (views.open, within
the click's trigger_id), and the submitted answer goes to the core as the input's action
(`Inbound.text` = the answer). Pure parts: adapters/slack/form_view.py."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack.flows import Flows, Origin
from adapters.slack.form_view import form_modal, spec_of, submitted
from adapters.slack.inbound import team_of
from bot.messages import Address, Inbound

log = logging.getLogger(__name__)


class AnswerForms:
    def __init__(self, flows: Flows) -> None:
        self.flows = flows

    async def open(self, inbound: Inbound, body: dict[str, Any]) -> None:
        spec = spec_of(inbound.value or "")
        trigger = str(body.get("trigger_id") or "")
        if spec is None or not trigger:
            log.warning("a form button without a form (or a trigger): ignored")
            return
        address = inbound.address
        view = form_modal(spec, address.conversation_id, address.thread_id)
        token = await self.flows.delivery.token_for(address.workspace)
        try:
            await self.flows.delivery.client.views_open(trigger_id=trigger, view=view, token=token)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    async def submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()  # the answer is checked by the core; a refusal reaches the person privately
        got = submitted(view)
        user = str((body.get("user") or {}).get("id") or "")
        if got is None or not user:
            log.warning("a form submission without its routing: ignored")
            return
        action_id, value, channel, thread, answer = got
        address = Address("slack", team_of(body), channel or user, thread)
        inbound = Inbound("action", answer, user, address, action_id=action_id, value=value)
        self.flows.tasks.spawn(self._answer(inbound), name="slack-form-answer")

    async def _answer(self, inbound: Inbound) -> None:
        ws = await self.flows.workspace(inbound.address.workspace)
        replies = await self.flows.core.handle(inbound)
        # No response_url from a modal: private replies go to the person as ephemerals.
        await self.flows.deliver(Origin(replace(inbound, kind="message"), ws), replies)
