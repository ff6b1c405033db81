"""Golden-file comparison. Regenerate with PERSONABOT_UPDATE_GOLDEN=1.

A golden under slack/ is first checked by Slack's own Block Kit models (tests/slack_models.py),
one under teams/ by the official Adaptive Card schema and Teams' rules (tests/adaptive_cards.py),
so a new golden gets the platform's referee without asking for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import adaptive_cards, slack_models

GOLDEN_DIR = Path(__file__).parent / "golden"


# golden folder -> what the platform would accept; checked before the file is compared
PLATFORM_CHECKS: dict[str, Callable[[Any], None]] = {
    "slack": slack_models.check_payload,
    "teams": adaptive_cards.check_payload,
}


def assert_golden(name: str, value: Any) -> None:
    platform_check = PLATFORM_CHECKS.get(name.split("/", 1)[0])
    if platform_check is not None:
        platform_check(value)
    path = GOLDEN_DIR / name
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    )
    if os.environ.get("PERSONABOT_UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("PERSONABOT_UPDATE_GOLDEN"):
            return
        raise AssertionError(f"golden file {path} was missing and has been written; re-run")
    assert text == path.read_text(encoding="utf-8"), f"output differs from golden file {path}"
