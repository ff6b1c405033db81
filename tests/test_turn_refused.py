"""A refused placeholder ("Asking Maya…" answered with restricted_action, not_in_channel,
channel_not_found, is_archived or token_revoked) is a delivery error like any other, on
every platform: a clear log line naming the reason, no crashed background task, and the
answer is still tried. Real HTTP: the fake Slack Web API and the fake Bot Connector."""

from __future__ import annotations

import logging

import pytest

from tests.fakes.slack_env import SlackEnv
from tests.fakes.teams_env import TeamsEnv

REFUSALS = (
    "restricted_action",
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "token_revoked",
)


@pytest.fixture
def slack(maya_slack: SlackEnv) -> SlackEnv:
    return maya_slack


@pytest.fixture
def teams(maya_teams: TeamsEnv) -> TeamsEnv:
    return maya_teams


def crashed(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "failed" in r.getMessage()]


@pytest.mark.parametrize("error", REFUSALS)
async def test_slack_refused_placeholder_is_logged_and_the_answer_still_tried(
    slack: SlackEnv, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    caplog.set_level(logging.INFO)
    slack.api.fail("chat.postMessage", error=error)  # the placeholder only
    await slack.slack.event(slack.slack.mention("what would Maya think about dark mode?"))
    await slack.settle()
    assert crashed(caplog) == []
    assert f"placeholder refused in C0GENERAL ({error})" in caplog.text
    [answer] = slack.api.of("chat.postMessage")  # posted as a new message instead
    assert "Maya Chen" in answer["text"] and slack.api.of("chat.update") == []
    assert len(slack.answerer.calls) == 1


async def test_slack_refused_placeholder_and_answer_are_both_logged(
    slack: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    slack.api.fail("chat.postMessage", error="is_archived", times=2)
    await slack.slack.event(slack.slack.mention("what would Maya think about dark mode?"))
    await slack.settle()
    assert crashed(caplog) == []
    assert "placeholder refused in C0GENERAL (is_archived)" in caplog.text
    assert "could not deliver a reply in C0GENERAL: is_archived" in caplog.text


async def test_teams_refused_placeholder_is_logged_and_the_answer_still_tried(
    teams: TeamsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    teams.connector.fail_next("send", 403, code="BotDisabledByAdmin")
    resp = await teams.post(teams.activities.mention("what would Maya think about dark mode?"))
    assert resp.status in (200, 201)
    await teams.settle()
    assert crashed(caplog) == []
    assert "placeholder refused in" in caplog.text
    assert len(teams.answerer.calls) == 1
