"""`persona-bot manifest slack --url URL` prints a manifest Slack accepts."""

from __future__ import annotations

import pytest
import yaml

from adapters.slack.manifest import slack_manifest
from bot.cli import main


def test_manifest_points_everything_at_one_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "slack", "--url", "https://bot.example.com/"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    events = "https://bot.example.com/slack/events"
    settings = data["settings"]
    assert settings["event_subscriptions"]["request_url"] == events
    assert set(settings["event_subscriptions"]["bot_events"]) >= {"app_mention", "message.im"}
    assert settings["interactivity"] == {"is_enabled": True, "request_url": events}
    [command] = data["features"]["slash_commands"]
    assert command["command"] == "/persona" and command["url"] == events
    assert command["should_escape"] is True  # `owner maya @alice` needs alice's user id
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "im:history", "im:write"} <= scopes
    assert data["oauth_config"]["redirect_urls"] == ["https://bot.example.com/slack/oauth_redirect"]


def test_manifest_needs_a_url() -> None:
    with pytest.raises(ValueError):
        slack_manifest("bot.example.com")


@pytest.mark.parametrize(
    "url", ["https://bot.example.com/path?q=1", "https://bot.example.com/#top", "https://"]
)
def test_manifest_refuses_a_url_it_cannot_append_paths_to(url: str) -> None:
    """A query, a fragment or a missing host would give request URLs such as
    `https://host/?q=1/slack/events`, which Slack would call with the wrong path."""
    with pytest.raises(ValueError, match="base URL"):
        slack_manifest(url)


def test_manifest_declares_the_ask_the_personas_shortcuts() -> None:
    data = yaml.safe_load(slack_manifest("https://bot.example.com"))
    shortcuts = {s["type"]: s for s in data["features"]["shortcuts"]}
    assert shortcuts["message"]["callback_id"] == "ask_personas"
    assert shortcuts["global"]["callback_id"] == "ask_personas_global"
    assert all(
        s["name"] == "Ask the personas" and len(s["description"]) <= 150 for s in shortcuts.values()
    )
