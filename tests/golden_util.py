"""Golden-file comparison. Regenerate with PERSONABOT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).parent / "golden"


def assert_golden(name: str, value: Any) -> None:
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
