"""Slack payloads -> Inbound: mentions stripped, Slack markup made plain, addresses right."""

from __future__ import annotations

from adapters.slack.inbound import (
    from_block_action,
    from_event,
    from_slash_command,
    is_user_message,
    mentions_in,
    to_plain,
)


def test_to_plain_strips_own_mention_and_unescapes() -> None:
    text = "<@UBOT> what would Maya think about <https://x.io|our pricing> &amp; <#C1|general>?"
    assert to_plain(text, "UBOT") == "what would Maya think about our pricing & #general?"
    assert to_plain("ask maya is 1 &lt; 2 for <@U0BOB|bob>? <!here>") == (
        "ask maya is 1 < 2 for @bob? @here"
    )


def test_slash_command_address_is_team_and_channel() -> None:
    inbound = from_slash_command(
        {"team_id": "T1", "channel_id": "C9", "user_id": "U2", "text": "show  maya"}
    )
    assert (inbound.kind, inbound.text, inbound.user_id) == ("command", "show maya", "U2")
    assert (inbound.address.platform, inbound.address.workspace) == ("slack", "T1")
    assert inbound.address.conversation_id == "C9" and inbound.address.thread_id is None


def test_mention_answers_in_its_thread_dm_in_place() -> None:
    mention = {
        "type": "app_mention",
        "user": "U2",
        "text": "<@UBOT> help",
        "ts": "5.1",
        "channel": "C1",
    }
    inbound = from_event({"team_id": "T1", "event": mention}, "UBOT")
    assert inbound.text == "help" and inbound.address.thread_id == "5.1"
    in_thread = {**mention, "thread_ts": "4.0"}
    assert from_event({"team_id": "T1", "event": in_thread}, "UBOT").address.thread_id == "4.0"
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "U2",
        "text": "list",
        "ts": "6.1",
        "channel": "D1",
    }
    assert from_event({"team_id": "T1", "event": dm}, "UBOT").address.thread_id is None


def test_only_people_count_as_messages() -> None:
    assert is_user_message({"type": "message", "channel_type": "im", "user": "U1"})
    assert not is_user_message({"type": "message", "channel_type": "channel", "user": "U1"})
    assert not is_user_message({"type": "message", "channel_type": "im", "bot_id": "B1"})
    assert not is_user_message(
        {"type": "message", "channel_type": "im", "subtype": "message_deleted"}
    )


def test_block_action_from_home_tab_answers_in_a_dm() -> None:
    body = {
        "type": "block_actions",
        "user": {"id": "U2", "team_id": "T1"},
        "team": {"id": "T1"},
        "container": {"type": "view", "view_id": "V1"},
    }
    inbound = from_block_action(body, {"action_id": "ask.again", "value": "maya"})
    assert (inbound.kind, inbound.action_id, inbound.value) == ("action", "ask.again", "maya")
    assert inbound.address.conversation_id == "U2" and inbound.address.workspace == "T1"


def test_mentioned_people_keep_their_user_ids() -> None:
    """`/persona owner maya @alice` (escaped: <@U0ALICE|alice>) must reach the core with
    alice's user id, not just the readable '@alice'."""
    body = {"team_id": "T1", "channel_id": "C9", "user_id": "U2"}
    inbound = from_slash_command({**body, "text": "owner maya <@U0ALICE|alice>"})
    assert inbound.text == "owner maya @alice"
    assert inbound.mentions == (("@alice", "U0ALICE"),)
    assert mentions_in("<@UBOT> owner maya <@U0BOB>", "UBOT") == (("@U0BOB", "U0BOB"),)
    event = {"type": "app_mention", "user": "U2", "text": "<@UBOT> owner maya <@U0BOB>",
             "ts": "5.1", "channel": "C1"}  # fmt: skip
    assert from_event({"team_id": "T1", "event": event}, "UBOT").mentions == (("@U0BOB", "U0BOB"),)


def test_the_installing_team_owns_a_slack_connect_request() -> None:
    from adapters.slack.inbound import team_of

    event = {"team_id": "T_OTHER_ORG", "authorizations": [{"team_id": "T_OURS"}], "event": {}}
    assert team_of(event) == "T_OURS"
    view = {
        "type": "view_submission",
        "team": {"id": "T_OTHER_ORG"},
        "user": {"id": "U1", "team_id": "T_OTHER_ORG"},
        "view": {"team_id": "T_OTHER_ORG", "app_installed_team_id": "T_OURS"},
    }
    assert team_of(view) == "T_OURS"


def test_files_and_broadcasts_in_a_dm_are_messages_edits_and_bots_are_not() -> None:
    from adapters.slack.inbound import ignored_because

    dm = {"type": "message", "channel_type": "im", "user": "U1", "text": "hi"}
    assert ignored_because({**dm, "subtype": "file_share"}) is None
    assert ignored_because({**dm, "subtype": "thread_broadcast"}) is None
    assert ignored_because({**dm, "subtype": "message_changed"}) == "subtype message_changed"
    assert ignored_because({**dm, "user": "UBOT"}, "UBOT") == "our own message"
    assert ignored_because({**dm, "subtype": "bot_message", "bot_id": "B1"}) == "a bot's message"
