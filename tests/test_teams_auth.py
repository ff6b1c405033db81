"""The Teams adapter with MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD set, over real HTTP.

Inbound: activities posted to /api/messages on 127.0.0.1 carry a channel token signed by a
key the (fake) Bot Framework publishes in its OpenID metadata's JWKS; botbuilder checks it
as in production. Outbound: botbuilder's ConnectorClient gets an app token from the (fake)
Microsoft identity platform by client credentials and sends it to the (fake) Bot Connector,
which refuses any other token. The identity fakes answer at the real hostnames through an
HTTPS proxy on 127.0.0.1 (tests/fakes/microsoft_login.py), so botbuilder runs with its
public-cloud settings untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from adapters.teams.app import TeamsAdapter
from adapters.teams.connectors import CachingBotFrameworkAuthentication
from adapters.teams.logins import Logins
from bot.messages import Address, Reply
from bot.ports import DeliveryError
from bot.tasks import BackgroundTasks
from persona_store import Store
from tests.fakes.microsoft_login import (
    BOTFRAMEWORK,
    BOTFRAMEWORK_TENANT_ID,
    OPENID_METADATA_URL,
    MicrosoftLogin,
    SigningKey,
)
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import (
    CHANNEL_CONV,
    PERSONAL_CONV,
    TEAM_ID,
    TENANT,
    TeamsEnv,
    teams_env,
)
from tests.sched_helpers import sweep_once
from tests.test_features import ScriptedAnswerer
from tests.test_teams_clock import next_monday_0900_berlin
from tests.test_teams_http import card_of, executes, texts

APP_ID = "7b0c2a6e-5d1f-4c3b-9a8e-1f2d3c4b5a69"
APP_PASSWORD = "app-password-from-azure"
OTHER_APP_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MicrosoftLogin]:
    fake = MicrosoftLogin(APP_ID, APP_PASSWORD, tmp_path / "login").start()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    # botbuilder keeps the OpenID metadata and its keys per URL for the whole process (a day
    # long): each test's fresh signing key needs a fresh cache, and later tests must not
    # inherit this test's keys. The attribute is botbuilder's own cache, restored after.
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    try:
        yield fake
    finally:
        fake.stop()


async def authenticated_env(
    store: Store, login: MicrosoftLogin, **settings: Any
) -> AsyncIterator[TeamsEnv]:
    settings = {"microsoft_app_id": APP_ID, "microsoft_app_password": APP_PASSWORD, **settings}
    async for env in teams_env(store, ScriptedAnswerer(), **settings):
        env.connector.authorize = login.accepts  # the Bot Connector wants an issued app token
        yield env


@pytest.fixture
async def env(sqlite_store: Store, login: MicrosoftLogin) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in authenticated_env(sqlite_store, login):
        yield e


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def granted(login: MicrosoftLogin) -> list[str]:
    """Tenants of the token requests the identity platform granted."""
    return [r.tenant for r in login.token_requests if r.status == 200]


# -- inbound: the channel's token -----------------------------------------------------------


async def test_a_valid_channel_token_is_accepted_and_the_reply_carries_an_app_token(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    activity = env.activities.message("help")
    resp = await env.post(activity, **bearer(login.channel_token(activity["serviceUrl"])))
    assert resp.status in (200, 201)
    await env.settle()
    [reply] = env.connector.posted
    assert reply.conversation_id == PERSONAL_CONV and "ask" in texts(card_of(reply.body))
    [token] = login.issued
    assert reply.authorization == f"Bearer {token}"
    [grant] = login.token_requests
    assert grant.status == 200 and grant.tenant == BOTFRAMEWORK_TENANT_ID  # MultiTenant
    assert grant.form["grant_type"] == "client_credentials"
    assert grant.form["client_id"] == APP_ID and grant.form["client_secret"] == APP_PASSWORD
    assert grant.form["scope"] == "https://api.botframework.com/.default"
    # the signature was checked against the published keys (metadata, then its jwks_uri)
    fetched = [(host, path) for method, host, path in login.seen if method == "GET"]
    assert (BOTFRAMEWORK, "/v1/.well-known/openidconfiguration") in fetched
    assert (BOTFRAMEWORK, "/v1/.well-known/keys") in fetched
    assert env.connector.unauthorized == [] and login.refused == []


async def test_an_authenticated_card_click_is_answered_200_with_the_refreshed_card(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    survey = env.activities.message('survey maya "Price still #1?" Yes | No')
    await env.post(survey, **bearer(login.channel_token(survey["serviceUrl"])))
    await env.settle()
    [posted] = env.connector.posted
    yes = next(b for b in executes(card_of(posted.body)) if b["verb"] == "survey.vote")
    click = env.activities.execute(yes["verb"], yes["data"], reply_to="act-1")
    token = login.channel_token(click["serviceUrl"])
    resp = await env.session.post(f"{env.url}/api/messages", json=click, headers=bearer(token))
    assert resp.status == 200
    body = await resp.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "1 answer" in texts(body["value"])


Sign = Callable[[MicrosoftLogin, str], str]  # (login, the activity's serviceUrl) -> token


def endorsed_elsewhere(login: MicrosoftLogin, service_url: str) -> str:
    key = SigningKey.generate("bf-key-webchat", endorsements=("webchat",))
    login.published.append(key)  # published, but not for Teams
    return login.channel_token(service_url, key=key)


REJECTED: dict[str, Sign] = {
    "another audience": lambda login, url: login.channel_token(url, audience=OTHER_APP_ID),
    "expired": lambda login, url: login.channel_token(url, expires_in=-3600),  # skew is 5 min
    "unknown key": lambda login, url: login.channel_token(
        url, key=SigningKey.generate("bf-key-not-published")
    ),
    "key not endorsed for msteams": endorsed_elsewhere,
    "another serviceUrl": lambda login, url: login.channel_token(
        "https://smba.trafficmanager.net/emea/"
    ),
    "no serviceUrl claim": lambda login, url: login.channel_token(None),
    "another issuer": lambda login, url: login.channel_token(url, issuer="https://login.example/"),
    "an Entra ID issuer": lambda login, url: login.channel_token(  # checked as an emulator's
        url, issuer="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
    ),
}


@pytest.mark.parametrize("sign", REJECTED.values(), ids=list(REJECTED))
async def test_a_bad_channel_token_gets_401_and_nothing_happens(
    env: TeamsEnv, login: MicrosoftLogin, sign: Sign
) -> None:
    activity = env.activities.message("What would Maya think about a 20% price rise?")
    resp = await env.post(activity, **bearer(sign(login, activity["serviceUrl"])))
    assert resp.status == 401
    await env.settle()
    assert env.connector.calls == [] and env.connector.attempts == {}
    assert login.token_requests == [] and env.answerer.calls == []
    assert env.adapter.state.get(env.store.workspace_id("teams", TENANT), PERSONAL_CONV) is None


async def test_a_valid_token_replayed_with_another_serviceurl_is_refused(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """A token is good for the serviceUrl it names: replayed with an activity whose
    serviceUrl was changed (to make the bot post, with its app token, elsewhere) it is not."""
    activity = env.activities.message("help")
    token = login.channel_token(activity["serviceUrl"])
    assert (await env.post(activity, **bearer(token))).status in (200, 201)
    moved = {**env.activities.message("help"), "serviceUrl": "https://attacker.example/"}
    assert (await env.post(moved, **bearer(token))).status == 401
    await env.settle()
    assert len(env.connector.posted) == 1


# -- outbound: the bot's app token ----------------------------------------------------------


async def test_the_app_token_is_fetched_once_for_many_replies(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """A help text, a persona card, and a question's placeholder updated with its answer:
    four calls to the Bot Connector, one token request."""
    for text in ("help", "show maya", "What would Maya think about a 20% price rise?"):
        activity = env.activities.message(text)
        resp = await env.post(activity, **bearer(login.channel_token(activity["serviceUrl"])))
        assert resp.status in (200, 201)
        await env.settle()
    assert len(env.connector.posted) == 3 and len(env.connector.of("update")) == 1
    assert "Maya on it" in texts(card_of(env.connector.of("update")[0].body))
    [token] = login.issued
    assert {c.authorization for c in env.connector.calls} == {f"Bearer {token}"}
    assert len(login.token_requests) == 1


async def test_the_clock_process_gets_its_own_token_for_a_digest(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """`persona-bot clock` is another process: it never sees an inbound activity, and its
    proactive posts fetch the app token themselves."""
    mention = env.activities.mention("digest weekly mon 09:00 Europe/Berlin")
    await env.post(mention, **bearer(login.channel_token(mention["serviceUrl"])))
    await env.settle()
    [ack] = env.connector.posted
    assert ack.conversation_id == CHANNEL_CONV
    deps = env.adapter.deps  # same settings and database, a new adapter as in the clock
    clock = TeamsAdapter.from_settings(deps.settings, env.adapter.core, deps, BackgroundTasks())
    report = await sweep_once(deps, [clock], next_monday_0900_berlin(deps.now()))
    assert report.posted, report
    [digest] = env.connector.posted[1:]
    assert digest.conversation_id == TEAM_ID and "Maya Chen" in texts(card_of(digest.body))
    assert len(login.issued) == 2 and len(login.token_requests) == 2
    assert digest.authorization == f"Bearer {login.issued[1]}"
    again = await sweep_once(deps, [clock], next_monday_0900_berlin(deps.now()) + timedelta(days=7))
    assert again.posted and len(login.token_requests) == 2  # the clock's token is reused


async def test_single_tenant_app_gets_its_token_from_its_own_tenant(
    sqlite_store: Store, login: MicrosoftLogin
) -> None:
    tenant = "5f0c8a1e-0000-4000-8000-00000000beef"
    async for env in authenticated_env(
        sqlite_store, login, microsoft_app_type="SingleTenant", microsoft_app_tenant_id=tenant
    ):
        activity = env.activities.message("help")
        resp = await env.post(activity, **bearer(login.channel_token(activity["serviceUrl"])))
        assert resp.status in (200, 201)
        await env.settle()
        [reply] = env.connector.posted
        assert granted(login) == [tenant]
        assert reply.authorization == f"Bearer {login.issued[0]}"


async def test_a_wrong_app_password_sends_nothing(
    sqlite_store: Store, login: MicrosoftLogin
) -> None:
    """The identity platform refuses the client secret: nothing reaches the Bot Connector
    (no call without a token either), and the authentic request is not answered 401."""
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for env in authenticated_env(sqlite_store, login, microsoft_app_password="wrong"):
        statuses = []
        for text in ("help", "What would Maya think about a 20% price rise?"):
            activity = env.activities.message(text)
            token = login.channel_token(activity["serviceUrl"])
            statuses.append((await env.post(activity, **bearer(token))).status)
            await env.settle()
        assert all(status in (200, 201) for status in statuses), statuses
        assert login.token_requests and granted(login) == []
        assert login.token_requests[0].form["client_secret"] == "wrong"
        assert env.connector.calls == [] and env.connector.unauthorized == []
        refused = len(login.token_requests)
        clock = clock_adapter(env)
        with pytest.raises(DeliveryError) as failed:
            await clock.send(PERSONAL, Reply("Persona of the week: Maya"))
        # Not the conversation's fault (permanent would disable it), and not retried: one
        # more refused token request, not three.
        assert failed.value.reason == "app_token_refused" and not failed.value.permanent
        assert len(login.token_requests) == refused + 1


# -- a slow or hung identity platform stalls nothing else -----------------------------------
# botbuilder and MSAL fetch keys and tokens with blocking `requests` calls; the web process
# is one event loop shared by Teams, Slack, the playground and /healthz.


def logins_of(env: TeamsEnv | TeamsAdapter) -> Logins:
    adapter = env.adapter if isinstance(env, TeamsEnv) else env
    auth = adapter.cloud.bot_framework_authentication
    assert isinstance(auth, CachingBotFrameworkAuthentication)
    return auth.logins


def counted(logins: Logins) -> list[str]:
    """The names of the blocking calls `logins` runs in a worker thread, as they start."""
    hops: list[str] = []
    to_thread = logins.to_thread

    async def counting(fn: Callable[..., Any], /, *args: Any) -> Any:
        hops.append(fn.__name__)
        return await to_thread(fn, *args)

    logins.to_thread = counting
    return hops


async def arrival(login: MicrosoftLogin, count: int = 1) -> None:
    """Until `count` requests reached the identity platform (which may be holding them)."""
    async with asyncio.timeout(30):  # a safety net, not a measurement
        while len(login.arrived) < count:
            await asyncio.sleep(0.005)


async def healthz(env: TeamsEnv) -> int:
    async with env.session.get(f"{env.url}/healthz") as resp:
        return resp.status


def clock_adapter(env: TeamsEnv) -> TeamsAdapter:
    """A second adapter on the same settings and database, as the clock process builds one:
    its own connector clients, so its own (not yet fetched) app token."""
    deps = env.adapter.deps
    clock = TeamsAdapter.from_settings(deps.settings, env.adapter.core, deps, BackgroundTasks())
    clock.delivery.base_delay = 0.01
    return clock


async def reply_once(env: TeamsEnv, login: MicrosoftLogin, text: str = "help") -> int:
    activity = env.activities.message(text)
    resp = await env.post(activity, **bearer(login.channel_token(activity["serviceUrl"])))
    await env.settle()
    return resp.status


PERSONAL = Address("teams", TENANT, PERSONAL_CONV)


async def test_while_the_signing_keys_are_slow_to_come_healthz_is_answered_first(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """The first channel token needs Bot Framework's keys; while the login server sits on
    the request, the same web process answers /healthz, and two activities arriving
    meanwhile share one fetch of the keys."""
    login.hold()
    finished: list[tuple[str, int]] = []

    async def teams(text: str) -> None:
        finished.append(("teams", await reply_once(env, login, text)))

    first = asyncio.create_task(teams("help"))
    await arrival(login)
    second = asyncio.create_task(teams("show maya"))
    finished.append(("healthz", await healthz(env)))
    assert login.seen == []  # answered while the login server still sat on the fetch
    login.release()
    await asyncio.gather(first, second)
    assert finished[0] == ("healthz", 200)
    assert sorted(finished[1:]) == [("teams", 201), ("teams", 201)], finished
    metadata = (BOTFRAMEWORK, "/v1/.well-known/openidconfiguration")
    assert [(host, path) for _, host, path in login.seen].count(metadata) == 1
    assert len(env.connector.posted) == 2


async def test_while_the_app_token_is_slow_to_come_healthz_is_answered_first(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """A proactive send (the clock's, here) whose connector has no app token yet: while the
    identity platform sits on the token request, /healthz is answered."""
    assert await reply_once(env, login) in (200, 201)  # stores the chat's reference
    clock = clock_adapter(env)
    login.hold()
    arrived, answered = len(login.arrived), len(login.seen)
    finished: list[str] = []

    async def send() -> None:
        await clock.send(PERSONAL, Reply("Persona of the week: Maya"))
        finished.append("send")

    sending = asyncio.create_task(send())
    await arrival(login, arrived + 1)
    assert await healthz(env) == 200
    finished.append("healthz")
    assert len(login.seen) == answered  # while the login server still sat on the request
    login.release()
    await sending
    assert finished == ["healthz", "send"]
    assert env.connector.posted[-1].authorization == f"Bearer {login.issued[-1]}"
    assert len(login.issued) == 2


async def test_a_hung_key_fetch_is_a_503_after_the_timeout_and_nothing_runs(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    logins_of(env).timeout = 0.2
    login.hold()
    activity = env.activities.message("What would Maya think about a 20% price rise?")
    resp = await env.post(activity, **bearer(login.channel_token(activity["serviceUrl"])))
    assert resp.status == 503
    await env.settle()
    assert env.connector.calls == [] and env.answerer.calls == []
    assert login.token_requests == []
    login.release()  # Bot Framework redelivers; the keys are fetched again
    logins_of(env).timeout = 10.0  # 0.2 s was for the hung fetch; a busy machine needs more
    assert await reply_once(env, login) in (200, 201)
    assert len(env.connector.posted) == 1


async def test_a_hung_token_fetch_is_a_transient_delivery_error(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    assert await reply_once(env, login) in (200, 201)
    clock = clock_adapter(env)
    logins_of(clock).timeout = 0.2
    login.hold()
    with pytest.raises(DeliveryError) as failed:
        await clock.send(PERSONAL, Reply("Persona of the week: Maya"))
    assert not failed.value.permanent  # the clock tries again at its next sweep
    assert failed.value.reason == "login_timeout"  # not retried three times in this send
    assert len(env.connector.posted) == 1 and len(login.issued) == 1
    login.release()
    logins_of(clock).timeout = 10.0
    await clock.send(PERSONAL, Reply("Persona of the week: Maya"))
    assert env.connector.posted[-1].authorization == f"Bearer {login.issued[-1]}"


async def test_warm_keys_and_token_cost_no_thread_hop(env: TeamsEnv, login: MicrosoftLogin) -> None:
    hops = counted(logins_of(env))
    assert await reply_once(env, login) in (200, 201)
    assert sorted(hops) == ["refresh_signing_keys", "renew_app_token"]
    for text in ("show maya", "What would Maya think about a 20% price rise?", "help"):
        assert await reply_once(env, login, text) in (200, 201)
    assert len(hops) == 2 and len(login.token_requests) == 1
    assert len(env.connector.posted) == 4 and len(env.connector.of("update")) == 1


async def test_an_app_token_about_to_expire_is_renewed_in_the_worker_thread(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """MSAL would serve the first token for only 30 s more (it stops 5 minutes before
    expiry): it is replaced in the same hop, and the reply carries the new one."""
    login.lifetimes.append(330)
    hops = counted(logins_of(env))
    assert await reply_once(env, login) in (200, 201)
    assert hops.count("renew_app_token") == 1 and len(login.issued) == 2
    assert env.connector.posted[0].authorization == f"Bearer {login.issued[1]}"
    assert await reply_once(env, login, "show maya") in (200, 201)
    assert hops.count("renew_app_token") == 1 and len(login.token_requests) == 2


def age_keys(login: MicrosoftLogin, age: timedelta) -> None:
    """As if botbuilder had fetched the signing keys `age` ago (its cache, its clock)."""
    metadata = JwtTokenExtractor.metadataCache[OPENID_METADATA_URL]
    metadata.last_updated = datetime.now() - age


async def test_day_old_keys_and_a_rotated_key_are_fetched_in_the_worker_thread(
    env: TeamsEnv, login: MicrosoftLogin
) -> None:
    """The daily refresh, and a token signed by a key published since the last one
    (botbuilder looks again at most hourly; 4.17.1's look failed with IndexError, so such a
    token was 401 until the next daily refresh): each is one hop, and while the keys are
    on their way the web process keeps answering."""
    hops = counted(logins_of(env))
    assert await reply_once(env, login) in (200, 201)
    age_keys(login, timedelta(days=1, minutes=1))
    login.hold()
    answered = len(login.seen)
    refreshing = asyncio.create_task(reply_once(env, login, "show maya"))
    assert await healthz(env) == 200 and len(login.seen) == answered
    login.release()
    assert await refreshing in (200, 201)
    rotated = SigningKey.generate("bf-key-2")
    login.published.append(rotated)
    age_keys(login, timedelta(hours=2))
    activity = env.activities.message("help")
    token = login.channel_token(activity["serviceUrl"], key=rotated)
    assert (await env.post(activity, **bearer(token))).status in (200, 201)
    assert hops.count("refresh_signing_keys") == 3 and hops.count("renew_app_token") == 1
