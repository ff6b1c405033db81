"""Checks on a raw POST /slack/events request before bolt sees it: the signature over the
raw bytes first (401), then that the body is what Slack sends (400). bolt parses the body
before it verifies, so a forged body that is not UTF-8, not JSON or carries a bad
`payload=` used to end in a 500 and a traceback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from slack_bolt.request.internals import parse_body

MAX_SKEW_S = 60 * 5  # Slack's replay window


def signed(secret: str, raw: bytes, headers: Mapping[str, str], now: float | None = None) -> bool:
    """Slack's v0 signature: HMAC-SHA256 of b"v0:{timestamp}:{raw body}", timestamp within
    five minutes. A missing or non-numeric timestamp is simply not signed."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    sig = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not sig:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sig)


def parsed(raw: bytes, content_type: str | None) -> tuple[str, dict[str, Any]] | None:
    """(text, payload) as bolt will read them, or None when the body is not UTF-8, not
    JSON where JSON is due, or not an object."""
    try:
        text = raw.decode("utf-8")
        body = parse_body(text, content_type)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        return None
    return (text, body) if isinstance(body, dict) else None


def is_slash_command(body: Mapping[str, Any]) -> bool:
    return bool(body.get("command")) and "type" not in body


def replay_key(raw: bytes, headers: Mapping[str, str]) -> str:
    """A signed request's identity: its timestamp and bytes (what the signature covers).
    Slack never sends one twice; an attacker replaying a captured request does."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "").encode()
    return "cmd:" + hashlib.sha256(timestamp + b":" + raw).hexdigest()[:60]
