"""A greeting in a direct chat ("hi", "Hello!", "hey there 👋") is answered with help, in
Slack (message.im, signed event_callback) and in a Teams personal chat (activity posted to
/api/messages, reply recorded by the fake Bot Connector); a sentence that only starts with
a greeting word is not mistaken for one."""

from __future__ import annotations

import json

import pytest

from tests.fakes.slack_env import SlackEnv
from tests.fakes.teams_env import PERSONAL_CONV, TeamsEnv

GREETINGS = ["hi", "Hello", "Hello!", "hey", "hey there 👋", "Good morning!", "hi @Persona Bot"]


@pytest.fixture
def slack(maya_slack: SlackEnv) -> SlackEnv:
    return maya_slack


@pytest.fixture
def teams(maya_teams: TeamsEnv) -> TeamsEnv:
    return maya_teams


@pytest.mark.parametrize("greeting", GREETINGS)
async def test_slack_dm_greeting_gets_help(slack: SlackEnv, greeting: str) -> None:
    status, _, _ = await slack.slack.event(slack.slack.direct_message(greeting))
    assert status == 200
    await slack.settle()
    [post] = slack.api.of("chat.postMessage")
    assert post["channel"] == "D0ALICE"
    assert "Persona Bot help" in json.dumps(post["blocks"])
    assert "don't know" not in json.dumps(post)


@pytest.mark.parametrize("greeting", GREETINGS)
async def test_teams_personal_greeting_gets_help(teams: TeamsEnv, greeting: str) -> None:
    resp = await teams.post(teams.activities.message(greeting))
    assert resp.status in (200, 201)
    await teams.settle()
    [post] = teams.connector.posted
    assert post.conversation_id == PERSONAL_CONV
    assert "Persona Bot help" in json.dumps(post.body)
    assert "don't know" not in json.dumps(post.body)


async def test_a_sentence_starting_with_hi_is_not_a_greeting(slack: SlackEnv) -> None:
    await slack.slack.event(
        slack.slack.direct_message("hey what would Maya think about dark mode?")
    )
    await slack.settle()
    assert "Persona Bot help" not in json.dumps(slack.api.calls[0].args)
