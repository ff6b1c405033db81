"""The corpus of recorded platform payloads (tests/payloads/<platform>/*.json).

Each file says where the payload was published (`source`: repository, commit, path and the
value in it, or a documentation URL), what was changed for the replay (`changed`), how it
reaches the bot (`transport`) and what the bot must do with it (`expect`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def corpus(platform: str) -> list[Path]:
    return sorted((HERE / platform).glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc.get("source") and doc.get("changed") and doc.get("expect"), path
    return doc


def with_response_url(payload: Any, url: str) -> Any:
    """Every response_url in a payload pointed at the fake Slack's."""
    if isinstance(payload, dict):
        return {
            k: url if k == "response_url" else with_response_url(v, url) for k, v in payload.items()
        }
    if isinstance(payload, list):
        return [with_response_url(v, url) for v in payload]
    return payload
