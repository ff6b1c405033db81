"""`app_uninstalled` and `tokens_revoked`: Slack tells us a workspace removed the app or
revoked its tokens. The tokens are dead from that moment, so we forget them and stop using
them, and say so in the log.

Installed in many workspaces (OAuth): the installation is deleted from slack_sdk's
installation store (the database every web and clock process reads tokens from), so no
process uses that team's token again until it is reinstalled. Single workspace
(SLACK_BOT_TOKEN): the token is marked revoked in this process; every later send for the
team fails at once with a permanent DeliveryError instead of calling Slack (the log asks
for a new token).

bolt runs these listeners without an auth.test (the tokens are already gone) and acks
before they run; the work is one of our tracked background tasks (awaited on shutdown).
Deleting is idempotent, so a retried event is harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.tasks import BackgroundTasks

log = logging.getLogger(__name__)

# An Enterprise Grid revocation names no team: the static token is dead for every team.
EVERY_TEAM = "*"


class Revocations:
    def __init__(
        self,
        installs: AsyncInstallationStore | None,
        revoked: set[str],
        tasks: BackgroundTasks,
    ) -> None:
        self.installs = installs  # None: single workspace (SLACK_BOT_TOKEN)
        self.revoked = revoked  # the Delivery's set of teams whose static token is dead
        self.tasks = tasks

    # -- bolt listeners (after the ack) --------------------------------------------------
    async def on_app_uninstalled(self, body: dict[str, Any], context: Any) -> None:
        team_id, enterprise_id = _team(body, context)
        self.tasks.spawn(self.app_uninstalled(team_id, enterprise_id), name="slack-uninstalled")

    async def on_tokens_revoked(
        self, body: dict[str, Any], event: dict[str, Any], context: Any
    ) -> None:
        team_id, enterprise_id = _team(body, context)
        tokens = event.get("tokens") or {}
        users = [str(u) for u in tokens.get("oauth") or []]
        bots = [str(b) for b in tokens.get("bot") or []]
        work = self.tokens_revoked(team_id, enterprise_id, users, bots)
        self.tasks.spawn(work, name="slack-tokens-revoked")

    # -- the work ------------------------------------------------------------------------
    async def app_uninstalled(self, team_id: str, enterprise_id: str | None) -> None:
        if self.installs is None:
            self.revoked.add(team_id or EVERY_TEAM)
            log.warning(
                "Slack app uninstalled from %s: SLACK_BOT_TOKEN no longer works and is "
                "not used any more; reinstall the app and set the new token",
                _where(team_id, enterprise_id),
            )
            return
        await self.installs.async_delete_all(enterprise_id=enterprise_id, team_id=team_id or None)
        log.warning(
            "Slack app uninstalled from %s: its installation was deleted",
            _where(team_id, enterprise_id),
        )

    async def tokens_revoked(
        self, team_id: str, enterprise_id: str | None, users: list[str], bots: list[str]
    ) -> None:
        if self.installs is None:
            if bots:
                self.revoked.add(team_id or EVERY_TEAM)
                log.warning(
                    "Slack bot token of %s was revoked: SLACK_BOT_TOKEN is not used any "
                    "more; set a new token",
                    _where(team_id, enterprise_id),
                )
            return
        for user_id in users:
            await self.installs.async_delete_installation(
                enterprise_id=enterprise_id, team_id=team_id or None, user_id=user_id
            )
        if bots:
            await self.installs.async_delete_bot(
                enterprise_id=enterprise_id, team_id=team_id or None
            )
        log.warning(
            "Slack tokens revoked in %s (bot: %s, users: %s): deleted from the installation store",
            _where(team_id, enterprise_id),
            ", ".join(bots) or "-",
            ", ".join(users) or "-",
        )


def _team(body: dict[str, Any], context: Any) -> tuple[str, str | None]:
    """(team id, enterprise id) of the installation: bolt's context reads them from
    `authorizations[0]` (a Slack Connect envelope names another organisation). An
    Enterprise Grid org-wide installation has no team: "" with the enterprise id."""
    authorizations = body.get("authorizations") or [{}]
    first = authorizations[0] if isinstance(authorizations[0], dict) else {}
    team_id = getattr(context, "team_id", None) or first.get("team_id") or body.get("team_id") or ""
    enterprise_id = (
        getattr(context, "enterprise_id", None)
        or first.get("enterprise_id")
        or body.get("enterprise_id")
    )
    return str(team_id), (str(enterprise_id) if enterprise_id else None)


def _where(team_id: str, enterprise_id: str | None) -> str:
    return f"team {team_id}" if team_id else f"enterprise {enterprise_id or '?'} (org-wide)"
