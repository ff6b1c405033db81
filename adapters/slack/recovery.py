"""Placeholders whose answer never came (the process answering them died) are replaced by
an apology with a "Try again" button: an "Asking Maya…" message never stays forever.

Pending answers live in the database; any web process may recover any of them, and each is
claimed by deleting its row, so exactly one process touches it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from adapters.slack.delivery import Delivery
from adapters.slack.render import button, to_message
from bot.messages import Address, Button, Reply
from bot.ports import DeliveryError
from persona_store.platforms.slack import PendingView, SlackStore

log = logging.getLogger(__name__)

RETRY_ACTION_ID = "slack.retry"
STALE_AFTER = timedelta(minutes=5)  # answers time out well before this (LLM ~20 s + retry)
APOLOGY = "Sorry, I lost track of this answer (the bot restarted). Please try again."


def apology_message(row: PendingView) -> dict[str, Any]:
    message = to_message(Reply(text=APOLOGY))
    if not row.text.strip():  # a form's answer (Ask the personas): nothing typed to retry
        return message
    retry = Button("Try again", RETRY_ACTION_ID, row.text[:1900], style="primary")
    message["blocks"].append(
        {"type": "actions", "block_id": "slack.retry", "elements": [button(retry, RETRY_ACTION_ID)]}
    )
    return message


async def recover_pending(
    state: SlackStore, delivery: Delivery, db: Any, older_than: timedelta = STALE_AFTER
) -> int:
    done = 0
    for row in await db(state.stale_pending, older_than):
        if not await db(state.finish_pending, row.workspace_id, row.id):
            continue  # another process got it first
        message = apology_message(row)
        try:
            if row.ts:
                address = Address("slack", row.team_id, row.channel, row.thread_ts)
                await delivery.update(address, row.ts, message)
            elif row.response_url:
                body = {**message, "response_type": "ephemeral", "replace_original": True}
                await delivery.post_url(row.response_url, body)
            done += 1
        except DeliveryError as exc:
            log.warning("could not replace stuck answer %s: %s", row.id, exc.reason)
    if done:
        log.info("replaced %d stuck placeholder(s) with an apology and a retry button", done)
    return done
