"""Malformed bodies on POST /slack/events over real HTTP: the signature is checked before
anything is parsed, so an unsigned or forged body gets 401 whatever it holds, and a signed
body Slack would never send gets 400; never a 500 with a traceback."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, slack_env
from tests.test_features import ScriptedAnswerer

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

MALFORMED: list[tuple[str, bytes, str]] = [
    ("not json", b"{not json", JSON),
    ("json array", b"[1, 2]", JSON),
    ("bad payload=", b"payload=%7Bnot-json", FORM),
    ("payload= not an object", b"payload=%5B%5D", FORM),
    ("not utf-8", b"\xff\xfe\xfa text=\xc3\x28", FORM),
    ("not utf-8 json", b'{"type": "\xff"}', JSON),
]


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def _post(env: SlackEnv, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    async with env.slack.session.post(
        env.slack.bot_url + "/slack/events",
        data=body,
        headers={"Content-Type": content_type, **headers},
    ) as resp:
        text = await resp.text()
        assert "Traceback" not in text
        return resp.status


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_unsigned_malformed_bodies_get_401(
    env: SlackEnv, name: str, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert await _post(env, body, content_type, {}) == 401
    forged = {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v0=00"}
    assert await _post(env, body, content_type, forged) == 401
    assert not [r for r in caplog.records if r.exc_info], "no traceback logged"
    assert env.api.calls == []


@pytest.mark.parametrize("timestamp", ["soon", "", "1e9", "-", "１２３"])
async def test_a_non_numeric_timestamp_gets_401(
    env: SlackEnv, timestamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"text=help"
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"}
    assert await _post(env, body, FORM, headers) == 401
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_signed_malformed_bodies_get_400(
    env: SlackEnv, name: str, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Only someone holding the signing secret can send these: still a clear 400."""
    ts = str(int(time.time()))
    # Slack signs the raw bytes (the fake's helper signs text).
    base = b"v0:" + ts.encode() + b":" + body
    sig = "v0=" + hmac.new(env.slack.secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
    assert await _post(env, body, content_type, headers) == 400
    assert not [r for r in caplog.records if r.exc_info]
    assert env.api.calls == []
