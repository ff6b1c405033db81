"""Access rules of the playground and gallery as pure functions (adapters/web/security.py)."""

from __future__ import annotations

import base64

import pytest

from adapters.web.security import (
    decide_access,
    is_loopback,
    is_loopback_host,
    origin_ok,
    password_matches,
    token_ok,
)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("192.168.1.20", False),
        ("203.0.113.7", False),
        ("::ffff:203.0.113.7", False),
        ("fe80::1%eth0", False),
        ("", False),
        (None, False),
        ("localhost", False),  # request.remote is an address, never a name
    ],
)
def test_is_loopback(remote: str | None, expected: bool) -> None:
    assert is_loopback(remote) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:3000", True),
        ("localhost:3000", True),
        ("LOCALHOST", True),
        ("app.localhost:8080", True),
        ("[::1]:3000", True),
        ("0.0.0.0:3000", True),
        ("evil.example:3000", False),  # DNS rebinding to 127.0.0.1
        ("localhost.evil.example", False),
        ("10.0.0.2:3000", False),
        (None, False),
    ],
)
def test_is_loopback_host(host: str | None, expected: bool) -> None:
    assert is_loopback_host(host) is expected


def test_password_matches_any_user_and_only_the_password() -> None:
    assert password_matches(basic("alice", "s3cret:with:colons"), "s3cret:with:colons")
    assert password_matches(basic("", "pw"), "pw")
    assert not password_matches(basic("alice", "wrong"), "pw")
    assert not password_matches(basic("pw", ""), "pw")
    assert not password_matches("Bearer pw", "pw")
    assert not password_matches("Basic !!!not-base64", "pw")
    assert not password_matches("Basic " + base64.b64encode(b"no-colon").decode(), "no-colon")
    assert not password_matches(None, "pw")


def test_loopback_only_without_password() -> None:
    local = {"remote": "127.0.0.1", "host": "127.0.0.1:3000", "authorization": None}
    assert decide_access(**local, password=None).verdict == "allow"
    outside = decide_access(
        remote="198.51.100.4", host="bot.example", authorization=None, password=None
    )
    assert outside.verdict == "forbidden"
    assert "PERSONABOT_WEB_PASSWORD" in outside.reason
    proxied = decide_access(**local, headers={"X-Forwarded-For": "198.51.100.4"}, password=None)
    assert proxied.verdict == "forbidden"
    rebound = decide_access(
        remote="127.0.0.1", host="evil.example", authorization=None, password=None
    )
    assert rebound.verdict == "forbidden"


def test_password_applies_everywhere_including_loopback() -> None:
    for remote in ("127.0.0.1", "198.51.100.4"):
        denied = decide_access(remote=remote, host="x", authorization=None, password="pw")
        assert denied.verdict == "unauthorized"
        wrong = decide_access(
            remote=remote, host="x", authorization=basic("a", "nope"), password="pw"
        )
        assert wrong.verdict == "unauthorized"
        ok = decide_access(remote=remote, host="x", authorization=basic("a", "pw"), password="pw")
        assert ok.verdict == "allow"


def test_origin_and_token_checks() -> None:
    assert origin_ok(None, "127.0.0.1:3000")
    assert origin_ok("http://127.0.0.1:3000", "127.0.0.1:3000")
    assert origin_ok("https://bot.example", "bot.example")  # TLS ended at a proxy
    assert not origin_ok("http://evil.example", "127.0.0.1:3000")
    assert not origin_ok("null", "127.0.0.1:3000")
    assert not origin_ok("http://127.0.0.1:3000", None)
    assert token_ok("abc", "abc")
    assert not token_ok("abc", "abd")
    assert not token_ok(None, "abc") and not token_ok("abc", None) and not token_ok("", "")
