"""Playground messages in the database (persona_store/platforms/web_posts.py), on SQLite
and PostgreSQL."""

from __future__ import annotations

from persona_store import Store
from persona_store.platforms.web_posts import WebPostStore


def test_posts_are_ordered_updated_and_scoped(store: Store) -> None:
    posts = WebPostStore.of(store)
    ws = store.default_workspace_id()
    other = store.workspace_id("slack", "T1")
    other = other if other != ws else store.workspace_id("slack", "T2")
    a = posts.add(ws, "playground", "user", {"text": "hi"}, user_id="browser-1")
    b = posts.add(ws, "playground", "bot", {"text": "hello"})
    posts.add(ws, "elsewhere", "bot", {"text": "not here"})
    posts.add(other, "playground", "bot", {"text": "other workspace"})
    assert [p.id for p in posts.after(ws, "playground")] == [a.id, b.id]
    assert posts.latest_seq(ws, "playground") == b.seq > a.seq

    assert posts.update(ws, "playground", a.id, {"text": "edited"})
    changed = posts.after(ws, "playground", b.seq)
    assert [(p.id, p.body) for p in changed] == [(a.id, {"text": "edited"})]
    assert not posts.update(other, "playground", a.id, {"text": "hijack"})  # scoped
    assert not posts.update(ws, "playground", 10_000, {"text": "x"})
    assert [p.body["text"] for p in posts.after(other, "playground")] == ["other workspace"]
    assert len(posts.after(ws, "playground", 0, limit=1)) == 1


def test_one_post_is_found_only_where_and_by_whom_it_may_be_seen(store: Store) -> None:
    """ "Ask the personas" reads the clicked message: scoped by workspace and conversation,
    and another browser's private reply is not there for it."""
    posts = WebPostStore.of(store)
    ws = store.default_workspace_id()
    other = store.workspace_id("slack", "T1")
    other = other if other != ws else store.workspace_id("slack", "T2")
    typed = posts.add(ws, "playground", "user", {"text": "We raise prices"}, user_id="b1")
    private = posts.add(ws, "playground", "bot", {"text": "only b1"}, user_id="b1")
    found = posts.get(ws, "playground", typed.id, viewer="b2")
    assert found is not None and found.body == {"text": "We raise prices"}
    assert posts.get(ws, "playground", private.id, viewer="b1") is not None
    assert posts.get(ws, "playground", private.id, viewer="b2") is None
    assert posts.get(ws, "playground", private.id, viewer=None) is None
    assert posts.get(other, "playground", typed.id, viewer="b1") is None
    assert posts.get(ws, "elsewhere", typed.id, viewer="b1") is None
