"""The web process takes what it built to serve out of the garbage collector's sight once it
has started, so a full collection (which pauses the event loop) walks only request leftovers."""

from __future__ import annotations

import gc

from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.commands import Core, Registry
from persona_store import Store
from tests.conftest import make_deps


async def test_startup_freezes_the_heap_once(sqlite_store: Store) -> None:
    deps = make_deps(sqlite_store)
    app = build_app(deps, Core(deps, Registry()), [])
    gc.unfreeze()
    try:
        async with TestClient(TestServer(app)) as client:
            frozen = gc.get_freeze_count()
            assert frozen > 0
            assert (await client.get("/healthz")).status == 200
            again = build_app(deps, Core(deps, Registry()), [])
            async with TestClient(TestServer(again)):
                assert gc.get_freeze_count() <= frozen  # the second app froze nothing more
    finally:
        gc.unfreeze()
