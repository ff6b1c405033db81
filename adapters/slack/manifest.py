"""The Slack app manifest (`persona-bot manifest slack --url https://host`): paste it into
https://api.slack.com/apps -> Create New App -> From an app manifest."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from adapters.slack.forms import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT

BOT_SCOPES = (
    "app_mentions:read",  # @PersonaBot what would Maya think…
    "chat:write",  # answers, digests, survey posts, tally updates
    "chat:write.public",  # digests into channels the bot was not invited to
    "commands",  # /persona
    "im:history",  # direct messages to the bot
    "im:read",
    "im:write",  # owner reminders (conversations.open)
    "users:read",  # workspace admins may edit any persona
    "channels:read",  # conversations.members: no survey nudges to who left a channel
    "groups:read",  # … a private one
    "team:read",
)
BOT_EVENTS = ("app_mention", "message.im", "app_home_opened", "app_uninstalled", "tokens_revoked")


def manifest_dict(
    url: str, *, name: str = "Persona Bot", socket_mode: bool = False
) -> dict[str, Any]:
    base = url.rstrip("/")
    events = f"{base}/slack/events"
    return {
        "display_information": {
            "name": name,
            "description": "What would Maya think? Your customer personas, in the conversation.",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            # "Ask the personas" on any message (its … menu) and from the shortcuts menu
            "shortcuts": [
                {
                    "name": "Ask the personas",
                    "type": "message",
                    "callback_id": MESSAGE_SHORTCUT,
                    "description": "What would your personas think of this message?",
                },
                {
                    "name": "Ask the personas",
                    "type": "global",
                    "callback_id": GLOBAL_SHORTCUT,
                    "description": "Put a text to your personas: panel and critique",
                },
            ],
            "slash_commands": [
                {
                    "command": "/persona",
                    "url": events,
                    "description": "Ask a persona, compare them, run a micro-survey",
                    "usage_hint": "ask maya Should we drop the free tier? | panel … | list | help",
                    # mentions arrive as <@U123|alice>, so `owner maya @alice` knows who
                    "should_escape": True,
                }
            ],
        },
        "oauth_config": {
            "redirect_urls": [f"{base}/slack/oauth_redirect"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": events, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": events},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def slack_manifest(url: str) -> str:
    """The manifest as YAML, with the request URLs pointing at `url`."""
    if not url.lower().startswith("https://"):
        # Slack only calls https request URLs: an http:// manifest would install but fail.
        raise ValueError(f"--url must start with https:// (Slack requires it; got {url!r})")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError(f"--url must not contain spaces or control characters (got {url!r})")
    parts = urlsplit(url)
    bad = not parts.hostname or "@" in parts.netloc
    if bad or parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError(
            "--url must be the bot's public base URL, e.g. https://bot.example.com "
            f"(no query or #fragment; got {url!r})"
        )
    header = (
        "# Slack app manifest for Persona Bot.\n"
        "# Create the app at https://api.slack.com/apps -> Create New App -> From a manifest,\n"
        "# then set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README, Slack setup).\n"
    )
    return header + yaml.safe_dump(manifest_dict(url), sort_keys=False, allow_unicode=True)
