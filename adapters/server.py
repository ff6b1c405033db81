"""The one aiohttp Application of the web process: every adapter's routes plus /healthz."""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence

from aiohttp import web

from adapters.mount import WebMount
from bot.commands import Core
from bot.deps import Deps
from bot.tallies import TrailingTallies
from bot.tasks import BackgroundTasks

log = logging.getLogger(__name__)

CORE_KEY = web.AppKey("core", Core)
DEPS_KEY = web.AppKey("deps", Deps)
TASKS_KEY = web.AppKey("tasks", BackgroundTasks)
ADAPTER_NAMES_KEY = web.AppKey("adapter_names", list)


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    try:
        ok = await deps.db(deps.store.ping)
        detail = "ok" if ok else "unexpected result"
    except Exception as exc:  # the point of a health check is to report, not raise
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
    adapters = request.app[ADAPTER_NAMES_KEY]
    body = {
        "status": "ok" if ok else "error",
        "database": {
            "ok": ok,
            "detail": detail,
            "backend": deps.settings.database_url.split(":")[0],
        },
        "adapters": adapters,
        "answerer": deps.answerer.name,
    }
    return web.json_response(body, status=200 if ok else 503)


def freeze_startup_heap() -> None:
    """What is built to serve (modules, botbuilder's and SQLAlchemy's machinery, the app) lives
    as long as the process: it is taken out of the garbage collector's sight once, so a full
    collection walks only what requests left. Without it one took ~120 ms with the event loop
    paused, the p99 of bench_teams_invoke. Once per process (tests start many apps)."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def build_app(
    deps: Deps, core: Core, adapters: Sequence[WebMount], tasks: BackgroundTasks | None = None
) -> web.Application:
    """Mount every adapter's routes; its `start()`/`close()` run on the application's
    startup/cleanup."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[CORE_KEY] = core
    app[DEPS_KEY] = deps
    app[TASKS_KEY] = tasks or BackgroundTasks()
    app[ADAPTER_NAMES_KEY] = [a.platform for a in adapters]
    # the last votes of a burst reach the posted tally from here, not only from the clock
    trailing = TrailingTallies(deps, {a.platform: a for a in adapters}, app[TASKS_KEY])
    deps.tally_followup = trailing.schedule
    app.router.add_get("/healthz", healthz)
    for adapter in adapters:
        app.router.add_routes(adapter.routes())

    async def on_startup(_: web.Application) -> None:
        for adapter in adapters:
            await adapter.start()
        freeze_startup_heap()

    async def on_cleanup(app_: web.Application) -> None:
        await app_[TASKS_KEY].drain()
        for adapter in adapters:
            await adapter.close()
        aclose = getattr(deps.answerer, "aclose", None)
        if aclose is not None:  # the LLM client's connection pool
            await aclose()
        deps.executor.shutdown(wait=False, cancel_futures=True)

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
