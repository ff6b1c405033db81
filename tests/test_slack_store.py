"""Slack adapter state in the database, on SQLite and PostgreSQL: event de-duplication
shared by every web process, shareable answers and pending answers scoped by workspace."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from persona_store import Store
from persona_store.platforms.slack import SlackStore


def test_event_is_claimed_once_even_by_racing_processes(store: Store) -> None:
    state = SlackStore.of(store)
    ws = store.workspace_id("slack", "T1")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: state.claim_event(ws, "Ev0RACE"), range(16)))
    assert results.count(True) == 1
    assert state.claim_event(ws, "Ev0OTHER") is True
    assert state.prune_events(timedelta(days=2)) == 0
    assert state.prune_events(timedelta(0)) == 2
    assert state.claim_event(ws, "Ev0RACE") is True


def test_shares_are_scoped_by_workspace(store: Store) -> None:
    state = SlackStore.of(store)
    mine = store.workspace_id("slack", "T1")
    other = store.workspace_id("slack", "T2")
    assert mine != other
    token = state.save_share(mine, {"text": "hi", "blocks": []})
    assert state.get_share(mine, token) == {"text": "hi", "blocks": []}
    assert state.get_share(other, token) is None
    assert state.get_share(mine, "nope") is None


def test_pending_answer_is_finished_by_exactly_one_caller(store: Store) -> None:
    state = SlackStore.of(store)
    ws = store.workspace_id("slack", "T1")
    pid = state.add_pending(
        ws, team_id="T1", channel="C1", user_id="U1", kind="message", text="ask maya x", ts="1.2"
    )
    assert state.stale_pending(timedelta(minutes=5)) == []
    [stale] = state.stale_pending(timedelta(0))
    assert (stale.id, stale.ts, stale.text, stale.workspace_id) == (pid, "1.2", "ask maya x", ws)
    assert state.finish_pending(store.workspace_id("slack", "T2"), pid) is False
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: state.finish_pending(ws, pid), range(8)))
    assert results.count(True) == 1
    assert state.stale_pending(timedelta(0)) == []
