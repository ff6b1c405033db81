"""App Home tab: the gallery with freshness and the personas you own that need review."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", owners=["slack:U0ALICE"], last_reviewed="2020-01-01")
    add_persona(sqlite_store, "Sam Okafor", kind="secondary", quote="<!here> ship it")
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


def home_opened(user: str) -> dict:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}


async def test_home_tab_shows_gallery_and_my_reviews(env: SlackEnv) -> None:
    status, _, _ = await env.slack.event(home_opened("U0ALICE"))
    assert status == 200
    await env.settle()
    [published] = env.api.of("views.publish")
    assert published["user_id"] == "U0ALICE"
    view = published["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = json.dumps(view, ensure_ascii=False)
    assert "Personas you own that need review" in text
    assert "Maya Chen" in text and "Sam Okafor" in text
    assert "<!here>" not in text and "&lt;!here&gt;" in text


async def test_home_tab_of_someone_else_has_no_reviews(env: SlackEnv) -> None:
    await env.slack.event(home_opened("U0BOB"))
    await env.settle()
    [published] = env.api.of("views.publish")
    assert "need review" not in json.dumps(published["view"])


async def test_still_accurate_on_home_marks_reviewed_and_refreshes(env: SlackEnv) -> None:
    await env.slack.event(home_opened("U0ALICE"))
    await env.settle()
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALICE", "username": "alice", "team_id": "T0001"},
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": {"type": "view", "view_id": "V0001"},
        "trigger_id": "1.2.3",
        "team": {"id": "T0001", "domain": "fake"},
        "view": {"id": "V0001", "type": "home", "blocks": []},
        "actions": [
            {
                "action_id": "review.ok",
                "block_id": "card0.actions.0",
                "value": "maya",
                "type": "button",
                "action_ts": "1.2",
            }
        ],
    }
    status, _, _ = await env.slack.interaction(payload)
    assert status == 200
    await env.settle()
    first, refreshed = env.api.of("views.publish")
    assert "need review" in json.dumps(first["view"])
    assert "need review" not in json.dumps(refreshed["view"])
    assert env.store.get(env.store.default_workspace_id(), "maya").last_reviewed_at is not None
