"""A fake Microsoft identity platform for the Bot Framework, on 127.0.0.1, reached the way
production reaches the real one: botbuilder and MSAL call https://login.botframework.com and
https://login.microsoftonline.com with `requests`, and the test points `HTTPS_PROXY` at this
server and `REQUESTS_CA_BUNDLE` at its certificate authority (both plain `requests` settings).
botbuilder's own settings stay at the public-cloud defaults, so the code path under test is
the one a deployed bot runs.

Why not a setting of botbuilder: its parameterized settings (TO_BOT_FROM_CHANNEL_OPENID_
METADATA_URL, TO_CHANNEL_FROM_BOT_LOGIN_URL, …) move the inbound metadata anywhere, but the
outbound token goes through MSAL, which wants an https authority and, for a host it does not
know, asks https://login.microsoftonline.com/common/discovery/instance first (botbuilder does
not pass `validate_authority` on), so no botbuilder setting reaches a local server.

Serves, over TLS behind a CONNECT proxy:
- login.botframework.com  GET /v1/.well-known/openidconfiguration (with `jwks_uri`) and
  GET /v1/.well-known/keys (the JWKS: RSA keys with `endorsements`), what a channel token
  is checked against;
- login.microsoftonline.com  GET /{tenant}/v2.0/.well-known/openid-configuration (MSAL's
  tenant discovery) and POST /{tenant}/oauth2/v2.0/token (client credentials, form-encoded),
  answering `{"token_type": "Bearer", "expires_in": 3600, "access_token": …}`.
`channel_token(...)` signs a token as the Bot Framework channel does (iss
https://api.botframework.com, aud = the app id, serviceurl), `accepts(header)` says whether
an Authorization header carries an access token this server issued.

A slow or hung identity platform: `delay` makes every answer wait; `hold()` makes every
answer wait until `release()` (or `hold_limit` seconds, so code that blocks its event loop on
the call still ends); `arrived` lists the requests as they come in, before any wait.
"""

from __future__ import annotations

import itertools
import json
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from jwt.algorithms import RSAAlgorithm

BOTFRAMEWORK = "login.botframework.com"
MICROSOFTONLINE = "login.microsoftonline.com"
CHANNEL_ISSUER = "https://api.botframework.com"
OPENID_METADATA_URL = f"https://{BOTFRAMEWORK}/v1/.well-known/openidconfiguration"
BOTFRAMEWORK_TENANT_ID = "d6d49420-f39b-4df7-a1dc-d59a935871db"  # tenant "botframework.com"
BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key as the Bot Framework publishes it: the channels it signs for are its
    `endorsements` (botbuilder refuses a token whose activity's channelId is not among them)."""

    kid: str
    private: rsa.RSAPrivateKey
    endorsements: tuple[str, ...] = ("msteams", "webchat", "emulator")

    @classmethod
    def generate(cls, kid: str, endorsements: tuple[str, ...] | None = None) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid, private) if endorsements is None else cls(kid, private, endorsements)

    def jwk(self) -> dict[str, Any]:
        key = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**key, "kid": self.kid, "x5t": self.kid, "use": "sig",
                "endorsements": list(self.endorsements)}  # fmt: skip


@dataclass(frozen=True)
class TokenRequest:
    tenant: str
    form: dict[str, str]
    status: int


@dataclass
class MicrosoftLogin:
    app_id: str
    app_password: str
    directory: Path  # certificates are written here
    published: list[SigningKey] = field(default_factory=list)
    token_requests: list[TokenRequest] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (method, host, path)
    refused: list[str] = field(default_factory=list)  # CONNECT targets it does not play
    delay: float = 0.0  # seconds every answer waits (a slow identity platform)
    hold_limit: float = 5.0  # a held answer is given after this long anyway
    arrived: list[tuple[str, str, str]] = field(default_factory=list)  # before any wait
    lifetimes: list[int] = field(default_factory=list)  # expires_in of the next tokens (3600)
    proxy_url: str = ""
    ca_file: Path | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _tls: ssl.SSLContext | None = None
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _open: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._open.set()

    # -- what the test uses ---------------------------------------------------------------
    @property
    def signing_key(self) -> SigningKey:
        return self.published[0]

    def channel_token(
        self,
        service_url: str | None,
        *,
        audience: str | None = None,
        issuer: str = CHANNEL_ISSUER,
        expires_in: int = 3600,
        key: SigningKey | None = None,
    ) -> str:
        """A token as the Bot Framework channel sends it to the bot (Authorization: Bearer)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": self.app_id if audience is None else audience,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
        }
        if service_url is not None:
            claims["serviceurl"] = service_url
        signer = key or self.signing_key
        return jwt.encode(
            claims,
            signer.private,
            algorithm="RS256",
            headers={"kid": signer.kid, "x5t": signer.kid},
        )

    def accepts(self, authorization: str | None) -> bool:
        """True for `Bearer <an access token this server issued>` (the Bot Connector's check)."""
        scheme, _, token = (authorization or "").partition(" ")
        return scheme == "Bearer" and token in self.issued

    def hold(self) -> None:
        """Answer nothing until `release()` (a hung login server)."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def env(self) -> dict[str, str]:
        """The environment that sends botbuilder's and MSAL's `requests` calls here."""
        assert self.ca_file is not None, "start() first"
        return {
            "HTTPS_PROXY": self.proxy_url,
            "https_proxy": self.proxy_url,
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    # -- server ---------------------------------------------------------------------------
    def start(self) -> MicrosoftLogin:
        if not self.published:
            self.published.append(SigningKey.generate("bf-key-1"))
        self.ca_file, self._tls = _tls_context(self.directory, [BOTFRAMEWORK, MICROSOFTONLINE])
        server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        server.login = self
        self._server = server
        threading.Thread(target=server.serve_forever, name="fake-login", daemon=True).start()
        self.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- the endpoints --------------------------------------------------------------------
    def respond(self, method: str, host: str, target: str, body: bytes) -> tuple[int, Any]:
        path = urlsplit(target).path
        with self._lock:
            self.arrived.append((method, host, path))
        self._open.wait(self.hold_limit)  # this server's own thread, as is the delay
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.seen.append((method, host, path))
        parts = [p for p in path.split("/") if p]
        if host == BOTFRAMEWORK and method == "GET":
            if path == "/v1/.well-known/openidconfiguration":
                return 200, {
                    "issuer": CHANNEL_ISSUER,
                    "authorization_endpoint": "https://invalid.botframework.com",
                    "jwks_uri": f"https://{BOTFRAMEWORK}/v1/.well-known/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                }
            if path == "/v1/.well-known/keys":
                return 200, {"keys": [k.jwk() for k in self.published]}
        if host == MICROSOFTONLINE and path == "/common/discovery/instance":
            return 200, _instance_discovery()
        if host == MICROSOFTONLINE and len(parts) >= 2:
            tenant = BOTFRAMEWORK_TENANT_ID if parts[0] == "botframework.com" else parts[0]
            if method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                return 200, _tenant_configuration(tenant)
            if method == "GET" and parts[1:] == ["discovery", "v2.0", "keys"]:
                return 200, {"keys": []}  # Entra ID's own keys: none of them signs for the bot
            if method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
                return self._token(tenant, dict(parse_qsl(body.decode())))
        return 404, {"error": "not_found", "error_description": f"{method} {host}{path}"}

    def _token(self, tenant: str, form: dict[str, str]) -> tuple[int, Any]:
        """Client credentials grant, as the Microsoft identity platform answers it."""
        status, answer = 200, {}
        if form.get("grant_type") != "client_credentials":
            status, answer = 400, _error("unsupported_grant_type", "AADSTS70003")
        elif form.get("client_id") != self.app_id:
            status, answer = 400, _error("unauthorized_client", "AADSTS700016: no such app")
        elif form.get("client_secret") != self.app_password:
            status, answer = 401, _error("invalid_client", "AADSTS7000215: Invalid client secret")
        elif form.get("scope") != BOT_CONNECTOR_SCOPE:
            status, answer = 400, _error("invalid_scope", "AADSTS70011")
        else:
            token = f"app-token-{next(self._ids)}.{self.app_id}"
            self.issued.append(token)
            with self._lock:
                lifetime = self.lifetimes.pop(0) if self.lifetimes else 3600
            answer = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                      "access_token": token}  # fmt: skip
        with self._lock:
            self.token_requests.append(TokenRequest(tenant, form, status))
        return status, answer


def _error(error: str, description: str) -> dict[str, Any]:
    return {"error": error, "error_description": description, "error_codes": []}


def _instance_discovery() -> dict[str, Any]:
    """What MSAL reads to know the aliases of login.microsoftonline.com."""
    aliases = [MICROSOFTONLINE, "login.windows.net", "login.microsoft.com", "sts.windows.net"]
    return {
        "tenant_discovery_endpoint": f"https://{MICROSOFTONLINE}/common/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [
            {"preferred_network": MICROSOFTONLINE, "preferred_cache": "login.windows.net",
             "aliases": aliases},
        ],
    }  # fmt: skip


def _tenant_configuration(tenant: str) -> dict[str, Any]:
    base = f"https://{MICROSOFTONLINE}/{tenant}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "jwks_uri": f"https://{MICROSOFTONLINE}/{tenant}/discovery/v2.0/keys",
        "issuer": f"{base}/v2.0",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "tenant_region_scope": "WW",
        "cloud_instance_name": "microsoftonline.com",
    }


# -- HTTPS behind a CONNECT proxy ----------------------------------------------------------


class _ProxyServer(ThreadingHTTPServer):
    login: MicrosoftLogin

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a held answer closed its connection: not news."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _ProxyHandler(BaseHTTPRequestHandler):
    """`CONNECT login.…:443`, then TLS with a certificate for that host, then HTTP inside."""

    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def do_CONNECT(self) -> None:  # noqa: N802 (http.server's naming)
        login = self.server.login
        host, _, port = self.path.rpartition(":")
        if host not in (BOTFRAMEWORK, MICROSOFTONLINE) or port != "443":
            with login._lock:
                login.refused.append(self.path)
            self.send_error(502, "tests run offline")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        assert login._tls is not None
        tls = login._tls.wrap_socket(self.connection, server_side=True)
        try:
            _LoginHandler(tls, self.client_address, self.server)
        finally:
            tls.close()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _LoginHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle kept-alive connection is closed; requests reconnects

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").split(":")[0]
        status, payload = self.server.login.respond(self.command, host, self.path, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _tls_context(directory: Path, hosts: list[str]) -> tuple[Path, ssl.SSLContext]:
    """A throwaway certificate authority and a server certificate for `hosts` signed by it;
    returns the CA file (for REQUESTS_CA_BUNDLE) and the server's TLS context."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Persona Bot test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "test-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = directory / "login.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return ca_file, context
