"""Slack modals: "new survey" (`/persona survey` with nothing after it) and "edit persona"
(`/persona edit NAME`). Forms the core answers with (`Reply.form`: a gap's drafted survey,
the decision log…) are shown by adapters/slack/forms.py.

Validation errors are shown inside the modal (`response_action: errors`); the core checks the
form (`bot.features.forms`: the same rules as typed commands and persona files). A valid
survey is handed to the core as the equivalent `survey …` command. Who may edit a persona,
the refusals and the "saved" line are the core's (`bot.features.edit`); this module only
adds the Slack facts (users.info: is this person a workspace admin or owner?), opens the
modal and carries the core's replies.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack.flows import Flows, Origin
from adapters.slack.render import truncate
from bot.commands import Context
from bot.features.edit import edit_target, save_edit, submission_target
from bot.features.forms import (
    EDIT_FIELDS,
    EDIT_LISTS,
    EditedPersona,
    EditForm,
    Problem,
    check_survey_form,
    edit_form,
    edited_spec,
    survey_form_personas,
)
from bot.messages import Address, Inbound, Reply

log = logging.getLogger(__name__)

SURVEY_CALLBACK = "slack.survey.new"
EDIT_CALLBACK = "slack.persona.edit"
CLOSES = {"24h": "1 day", "48h": "2 days", "7d": "1 week"}


def _input(block_id: str, label: str, *, multiline: bool = False, initial: str = "",
           optional: bool = False, hint: str | None = None) -> dict[str, Any]:  # fmt: skip
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial[:3000]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def survey_modal(channel: str, personas: list[tuple[str, str]]) -> dict[str, Any]:
    """The "new survey" form of `/persona survey` (a gap's drafted survey is the core's form,
    `bot.features.gap_form`, shown by adapters/slack/forms.py)."""
    options = [
        {"text": {"type": "plain_text", "text": truncate(name, 75)}, "value": slug}
        for slug, name in personas[:100]
    ]
    persona: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options}
    meta: dict[str, str] = {"channel": channel}
    return {
        "type": "modal",
        "callback_id": SURVEY_CALLBACK,
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": "New micro-survey"},
        "submit": {"type": "plain_text", "text": "Post survey"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "persona",
                "label": {"type": "plain_text", "text": "About which persona?"},
                "element": persona,
            },
            _input(
                "question",
                "Question",
                hint="e.g. Is price still the #1 objection?",
            ),
            _input(
                "options",
                "Options, one per line",
                multiline=True,
                hint="2 to 10 options",
            ),
            _input(
                "line",
                "Profile line",
                optional=True,
                hint="e.g. pain-2: the results back (or contest) that line",
            ),
            {
                "type": "input",
                "block_id": "closes",
                "label": {"type": "plain_text", "text": "Closes after"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "initial_option": {
                        "text": {"type": "plain_text", "text": "2 days"},
                        "value": "48h",
                    },
                    "options": [
                        {"text": {"type": "plain_text", "text": label}, "value": value}
                        for value, label in CLOSES.items()
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "anonymous",
                "optional": True,
                "label": {"type": "plain_text", "text": "Privacy"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "Anonymous answers"},
                            "value": "yes",
                        }
                    ],
                },
            },
        ],
    }


def edit_modal(form: EditForm, channel: str) -> dict[str, Any]:
    labels = {"role": "Role", "summary": "Summary", "quote": "Quote"}
    blocks = [
        _input(
            key,
            labels[key],
            multiline=key == "summary",
            initial=form.fields.get(key, ""),
            optional=True,
        )  # fmt: skip
        for key in EDIT_FIELDS
    ]
    for key in EDIT_LISTS:
        blocks.append(
            _input(
                key,
                f"{key.capitalize()}, one per line",
                multiline=True,
                initial="\n".join(form.lists.get(key, [])),
                optional=True,
            )
        )
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": json.dumps({"slug": form.slug, "channel": channel}),
        "title": {"type": "plain_text", "text": truncate(f"Edit {form.name}", 24)},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _value(values: dict[str, Any], block: str) -> Any:
    element = (values.get(block) or {}).get("value") or {}
    if element.get("type") == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if element.get("type") in ("checkboxes", "multi_static_select"):
        return [o.get("value") for o in element.get("selected_options") or []]
    return element.get("value") or ""


def _lines(text: str) -> list[str]:
    return [line.strip(" -•*\t") for line in text.splitlines() if line.strip(" -•*\t")]


class Modals:
    def __init__(self, flows: Flows) -> None:
        self.flows = flows
        self.deps = flows.deps

    # -- opening -------------------------------------------------------------------------
    async def open_survey(self, inbound: Inbound, trigger_id: str) -> None:
        ws = await self.flows.workspace(inbound.address.workspace)
        personas = await survey_form_personas(self.deps, ws)
        view = survey_modal(inbound.address.conversation_id, personas)
        await self._open(inbound, trigger_id, view)

    async def open_edit(
        self, inbound: Inbound, name: str, trigger_id: str, response_url: str
    ) -> None:
        ws = await self.flows.workspace(inbound.address.workspace)
        ctx = Context(inbound, name, self.deps, ws, command="edit")
        target = await edit_target(ctx, partial(self.is_workspace_admin, inbound))
        if isinstance(target, Reply):  # unknown name, or not theirs to edit
            await self.flows.deliver(Origin(inbound, ws, response_url), [target])
            return
        view = edit_modal(edit_form(target), inbound.address.conversation_id)
        await self._open(inbound, trigger_id, view)

    async def _open(self, inbound: Inbound, trigger_id: str, view: dict[str, Any]) -> None:
        await self.flows.delivery.open_view(inbound.address.workspace, trigger_id, view)

    async def is_workspace_admin(self, inbound: Inbound) -> bool:
        return await self.is_admin(inbound.address.workspace, inbound.user_id)

    async def is_admin(self, team_id: str, user_id: str) -> bool:
        """users.info's is_admin / is_owner (a Slack fact; what it allows is the core's)."""
        token = await self.flows.delivery.token_for(team_id)
        try:
            resp = await self.flows.delivery.client.users_info(user=user_id, token=token)
        except SlackApiError:
            return False
        user = resp.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner"))

    # -- submissions (the ack must carry any errors) ---------------------------------------
    async def submit_survey(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        question, options, problems = check_survey_form(
            str(_value(values, "question")), _lines(str(_value(values, "options")))
        )
        meta = json.loads(view.get("private_metadata") or "{}")
        if problems:
            errors = {str(field): message[:150] for field, message in problems}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        user = (body.get("user") or {}).get("id") or ""
        flags = " --anonymous" if "yes" in (_value(values, "anonymous") or []) else ""
        flags += f" --closes {_value(values, 'closes') or '48h'}"
        line = str(_value(values, "line") or "").split()
        if line:  # checked by the core like a typed `--line`
            flags += f" --line {line[0]}"
        text = f'survey {_value(values, "persona")} "{question}" ' + " | ".join(options) + flags
        address = Address("slack", _team(body), str(meta.get("channel") or user))
        inbound = Inbound("command", text, str(user), address)
        self.flows.tasks.spawn(self._create_survey(inbound), name="slack-survey-modal")

    async def _create_survey(self, inbound: Inbound) -> None:
        ws = await self.flows.workspace(inbound.address.workspace)
        replies = await self.flows.core.handle(inbound)
        # No response_url from a modal: errors reach the person privately, surveys the channel.
        origin = Origin(replace(inbound, kind="message"), ws)
        await self.flows.deliver(origin, replies)

    async def submit_edit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        meta = json.loads(view.get("private_metadata") or "{}")
        user = str((body.get("user") or {}).get("id") or "")
        team = _team(body)
        ws = await self.flows.workspace(team)
        inbound = Inbound("command", "", user, Address("slack", team, user))
        slug = str(meta.get("slug") or "")
        admin = partial(self.is_workspace_admin, inbound)
        target = await submission_target(self.deps, ws, slug, f"slack:{user}", admin)
        if isinstance(target, Reply):
            await ack(response_action="errors", errors={"role": target.text[:150]})
            return
        spec = edited_spec(
            target,
            {key: str(_value(values, key)) for key in EDIT_FIELDS},
            {key: _lines(str(_value(values, key))) for key in EDIT_LISTS},
        )
        if isinstance(spec, list):
            await ack(response_action="errors", errors=field_errors(spec))
            return
        await ack()
        channel = str(meta.get("channel") or user)
        origin = Origin(Inbound("message", "", user, Address("slack", team, channel)), ws)
        self.flows.tasks.spawn(self._save(origin, spec), name="slack-edit-save")

    async def _save(self, origin: Origin, spec: EditedPersona) -> None:
        author = f"slack:{origin.inbound.user_id}"
        done = await save_edit(self.deps, origin.ws, spec, author=author, note="edited in Slack")
        await self.flows.deliver(origin, [done])


def field_errors(problems: list[Problem]) -> dict[str, str]:
    """Every problem next to its own form field (the first one per field; Slack shows up to
    150 characters); problems of fields the form doesn't show go under `role`."""
    errors: dict[str, str] = {}
    for field, message in problems:
        block = (field or "").split("[")[0].split(".")[0]
        block = block if block in (*EDIT_FIELDS, *EDIT_LISTS) else "role"
        errors.setdefault(block, message[:150])
    return errors


def _team(body: dict[str, Any]) -> str:
    from adapters.slack.inbound import team_of

    return team_of(body)
