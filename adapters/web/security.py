"""Who may see the playground and gallery (persona data is internal), and CSRF checks.

Rules, as pure functions of the request's parts so they are easy to test:

* Without a password (`PERSONABOT_WEB_PASSWORD`), only loopback clients are served. A
  request that came through a proxy (it carries `Forwarded`/`X-Forwarded-For`/`X-Real-IP`)
  is not trusted as loopback, and the `Host` must be a loopback name, so a local reverse
  proxy or a DNS-rebinding page cannot turn an outside visitor into "localhost".
* With a password, every page needs HTTP basic auth (any user name, that password),
  compared in constant time, from anywhere.
* POSTs must carry the page's CSRF token (double-submit cookie) and, when the browser sends
  an `Origin`, it must be this site's origin.

Only the web adapter's own routes use these checks; /slack/events, /api/messages and
/healthz are protected by their platforms (or public by design).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from dataclasses import dataclass
from typing import Literal

PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
REALM = "Persona Bot"


@dataclass(frozen=True)
class Access:
    verdict: Literal["allow", "forbidden", "unauthorized"]
    reason: str = ""


def is_loopback(remote: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (also IPv4-mapped ::ffff:127.x). Unix sockets (no
    address) are local too."""
    if remote is None or remote == "":
        return False
    host = remote.strip("[]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def is_loopback_host(host: str | None) -> bool:
    """The `Host` header names this machine (localhost, *.localhost, 127.x, [::1], 0.0.0.0)."""
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in ("localhost", "0.0.0.0") or name.endswith(".localhost"):
        return True  # 0.0.0.0 reaches this machine on Linux and is no name one can own
    return is_loopback(name)


def password_matches(authorization: str | None, password: str) -> bool:
    """HTTP basic auth with any user name and the configured password (constant time)."""
    if not authorization:
        return False
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return False
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    _, sep, given = decoded.partition(":")
    if not sep:
        return False
    return hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8"))


def decide_access(
    *,
    remote: str | None,
    host: str | None,
    headers: dict[str, str] | None = None,
    authorization: str | None,
    password: str | None,
) -> Access:
    if password:
        if password_matches(authorization, password):
            return Access("allow")
        return Access("unauthorized", "This Persona Bot needs a password.")
    headers = headers or {}
    if any(name in headers for name in PROXY_HEADERS):
        return Access(
            "forbidden",
            "This request came through a proxy, so it is not from this machine. "
            "Set PERSONABOT_WEB_PASSWORD to serve the playground and gallery beyond localhost.",
        )
    if not is_loopback(remote):
        return Access(
            "forbidden",
            "The playground and persona gallery answer only requests from this machine "
            "(127.0.0.1 / ::1), because persona data is internal. To open them to others, "
            "set PERSONABOT_WEB_PASSWORD and restart; every page then asks for it.",
        )
    if not is_loopback_host(host):
        return Access(
            "forbidden",
            "Open the playground as http://127.0.0.1:PORT/ or http://localhost:PORT/ "
            "(this host name does not point at this machine).",
        )
    return Access("allow")


def www_authenticate() -> str:
    return f'Basic realm="{REALM}", charset="UTF-8"'


def origin_ok(origin: str | None, host: str | None) -> bool:
    """No Origin (old browsers, curl) is left to the token check; a present one must name
    this host. The scheme is not compared: behind a TLS-terminating proxy the app sees http
    while the browser says https."""
    if origin is None:
        return True
    if not host or origin == "null":
        return False
    _, sep, netloc = origin.partition("://")
    return bool(sep) and netloc.rstrip("/").lower() == host.strip().lower()


def token_ok(cookie_token: str | None, given: str | None) -> bool:
    if not cookie_token or not given:
        return False
    return hmac.compare_digest(cookie_token.encode("utf-8"), given.encode("utf-8"))
