"""Adaptive Cards checked against Microsoft's official Adaptive Card 1.5 JSON Schema
(tests/schemas/adaptive-card-1.5.json, source in tests/schemas/README.md) plus the Teams rules
the schema does not state: the referee for every Teams golden file (tests/golden_util.py calls
it) and for any test that renders a card.

Teams-only rules: the card's `msteams` extension (which the schema does not know, so it is
checked on its own here), the message size counted in UTF-16 as Teams counts it, at most six
actions in a row, no mention markup, and every `Action.Execute` verb one the bot handles, with
an `Action.Submit` fallback carrying the same data.

`targetWidth` (responsive layout: an element shown only at some card widths) is a Teams
property the 1.5 schema does not list, and the schema forbids unknown properties
(`additionalProperties: false`). Microsoft documents it for Teams on any element, in 1.5 cards
(learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format,
"Adaptive Card responsive layout"): its value is checked against that page's list here, then
it is set aside before the schema check, so nothing else unknown gets through.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, validators
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_PATH = Path(__file__).parent / "schemas" / "adaptive-card-1.5.json"
VERSION = "1.5"
MAX_MESSAGE_BYTES = 80 * 1024  # Teams: 100 KB per message, 80 KB recommended for cards
MAX_ACTIONS_IN_A_ROW = 6  # Teams renders at most six actions of an ActionSet
# "Format cards in Microsoft Teams", "Adaptive Card responsive layout" (Microsoft's pages spell
# them "atLeast:standard" and "atLeast:Standard" alike).
CARD_WIDTHS = ("veryNarrow", "narrow", "standard", "wide")
TARGET_WIDTHS = frozenset(
    w.lower() for base in CARD_WIDTHS for w in (base, f"atLeast:{base}", f"atMost:{base}")
)
# The Teams extension of the top-level card (learn.microsoft.com, "Format cards in Teams").
MSTEAMS_SCHEMA = {
    "type": "object",
    "properties": {
        "width": {"enum": ["Full"]},
        "entities": {"type": "array"},
        "allowExpand": {"type": "boolean"},
    },
    "additionalProperties": False,
}


class AdaptiveCardError(AssertionError):
    """Teams would reject or misrender this card."""


@cache
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    # What makes the shortcut below exact: these definitions accept only their own `type`.
    typed = frozenset(
        name
        for name, definition in schema["definitions"].items()
        if definition.get("properties", {}).get("type", {}).get("enum") == [name]
    )

    def any_of_by_type(checker: Any, any_of: Any, instance: Any, schema: Any) -> Any:
        """The schema's `anyOf` over every element type, trying only the branch named by
        the instance's `type` when there is one: the same verdict, ten times faster, and
        the error says what is wrong inside that element."""
        kind = instance.get("type") if isinstance(instance, dict) else None
        if kind in typed:
            own = [{"$ref": f"#/definitions/{kind}"}]
            for branch in any_of:
                if isinstance(branch, dict) and branch.get("allOf") == own:
                    yield from checker.descend(instance, branch)
                    return
        yield from Draft6Validator.VALIDATORS["anyOf"](checker, any_of, instance, schema)

    return validators.extend(Draft6Validator, {"anyOf": any_of_by_type})(schema)


@cache
def handled_verbs() -> frozenset[str]:
    """The action ids the bot's registry dispatches (the verbs a click can carry)."""
    from bot.features import build_registry

    return frozenset(build_registry().actions)


def check_card(card: dict[str, Any], *, verbs: Collection[str] | None = None) -> None:
    """The official schema, then the Teams rules. With `verbs`, every Action.Execute verb
    (before any `:suffix`) must be one of them."""
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        raise AdaptiveCardError(f"not an AdaptiveCard: {card!r:.200}")
    if card.get("version") != VERSION:
        raise AdaptiveCardError(f"card version {card.get('version')!r}, expected {VERSION!r}")
    teams = {k: v for k, v in card.items() if k == "msteams"}
    portable = without_target_width({k: v for k, v in card.items() if k != "msteams"})
    _schema_error(validator(), portable, "Adaptive Card 1.5 schema")
    _schema_error(Draft6Validator(MSTEAMS_SCHEMA), teams.get("msteams", {}), "msteams")
    size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))
    if size > MAX_MESSAGE_BYTES:
        raise AdaptiveCardError(f"card is {size} bytes in UTF-16, over {MAX_MESSAGE_BYTES}")
    for action_set in walk(card, "ActionSet"):
        if len(action_set["actions"]) > MAX_ACTIONS_IN_A_ROW:
            raise AdaptiveCardError(f"{len(action_set['actions'])} actions in one ActionSet")
    for execute in walk(card, "Action.Execute"):
        _check_execute(execute, verbs)
    if "<at>" in json.dumps(card, ensure_ascii=False).lower() and not card.get("msteams", {}).get(
        "entities"
    ):
        raise AdaptiveCardError("mention markup <at> without a mention entity")


def without_target_width(node: Any) -> Any:
    """A copy of the card without the Teams `targetWidth` of its elements, each checked."""
    if isinstance(node, list):
        return [without_target_width(v) for v in node]
    if not isinstance(node, dict):
        return node
    if "targetWidth" in node:
        width = node["targetWidth"]
        if node.get("type") == "AdaptiveCard" or "type" not in node:
            raise AdaptiveCardError(f"targetWidth {width!r} outside an element")
        if not isinstance(width, str) or width.lower() not in TARGET_WIDTHS:
            raise AdaptiveCardError(f"targetWidth {width!r} is not a Teams card width")
    return {k: without_target_width(v) for k, v in node.items() if k != "targetWidth"}


def check_payload(value: Any) -> None:
    """Whatever a Teams golden holds: a card (or an invoke response wrapping one), whose
    Action.Execute verbs must be ones the bot's registry handles."""
    if isinstance(value, dict) and value.get("type") == "application/vnd.microsoft.card.adaptive":
        value = value.get("value")
    check_card(value, verbs=handled_verbs())


def _check_execute(execute: dict[str, Any], verbs: Collection[str] | None) -> None:
    verb = execute.get("verb") or ""
    data = execute.get("data")
    if not isinstance(data, dict) or data.get("action_id") != verb:
        raise AdaptiveCardError(f"Action.Execute {verb!r}: data.action_id must repeat the verb")
    if verbs is not None and verb.split(":", 1)[0] not in verbs:
        raise AdaptiveCardError(f"Action.Execute verb {verb!r} is not an action the bot handles")
    fallback = execute.get("fallback")
    if fallback != {"type": "Action.Submit", "title": execute.get("title"), "data": data}:
        raise AdaptiveCardError(
            f"Action.Execute {verb!r}: needs an Action.Submit fallback with the same title "
            f"and data, for clients without Universal Actions"
        )


def _schema_error(checker: Draft6Validator, instance: Any, what: str) -> None:
    error = best_match(checker.iter_errors(instance))
    if error is None:
        return
    deepest = _narrow(error)
    raise AdaptiveCardError(f"{what}: at {deepest.json_path}: {deepest.message[:300]}")


def _narrow(error: ValidationError) -> ValidationError:
    """The schema tries every element type (anyOf): follow the branch for the element's own
    `type`, so the message names what is wrong with it, not that it is no ActionSet."""
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        own = [
            subs
            for subs in branches.values()
            if not any(e.validator == "enum" and list(e.relative_path) == ["type"] for e in subs)
        ]
        if len(own) != 1:
            return error  # no branch (an unknown type) or no single one: this error says it
        error = best_match(own[0]) or error
    return error


def walk(node: Any, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.values():
            found += walk(value, kind)
    elif isinstance(node, list):
        for value in node:
            found += walk(value, kind)
    return found
