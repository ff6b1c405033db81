"""The one aiohttp Application of the web process: every adapter's routes plus /healthz."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

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
PROBE_KEY = web.AppKey("database_probe", "DatabaseProbe")


HEALTHZ_BUDGET_S = 1.5  # /healthz answers within 2 s whatever the database does


class DatabaseProbe:
    """One database ping at a time, on a thread of its own (a busy database pool does not
    delay it): probes arriving while one is under way wait on it, so a black-holed database
    holds one thread until the connect timeout, not one per probe. Whoever waits longer than
    the budget is told "unavailable"; the ping goes on and the next probe after it starts a
    fresh one. The first ping starts with the application."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
        self._pending: asyncio.Future[bool] | None = None

    def start(self) -> asyncio.Future[bool]:
        if self._pending is None or self._pending.done():
            loop = asyncio.get_running_loop()
            self._pending = loop.run_in_executor(self._thread, self.deps.store.ping)
            self._pending.add_done_callback(_log_failure)
        return self._pending

    async def ok(self, budget: float = HEALTHZ_BUDGET_S) -> bool:
        try:
            return await asyncio.wait_for(asyncio.shield(self.start()), budget) is True
        except TimeoutError:
            log.warning("healthz: the database did not answer within %.1f s", budget)
            return False
        except Exception:
            return False  # logged once by _log_failure

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


def _log_failure(done: asyncio.Future[bool]) -> None:
    if not done.cancelled() and done.exception() is not None:
        exc = done.exception()
        log.warning("healthz: database check failed: %s: %s", type(exc).__name__, exc)


async def healthz(request: web.Request) -> web.Response:
    """Liveness for load balancers and deploy scripts. The database error itself (host,
    port, database name) is logged, never returned: anyone can ask."""
    deps = request.app[DEPS_KEY]
    ok = await request.app[PROBE_KEY].ok()
    adapters = request.app[ADAPTER_NAMES_KEY]
    body = {
        "status": "ok" if ok else "error",
        "database": {
            "ok": ok,
            "detail": "ok" if ok else "unavailable",
            "backend": deps.settings.database_url.split(":")[0],
        },
        "adapters": adapters,
        "answerer": deps.answerer.name,
    }
    return web.json_response(body, status=200 if ok else 503)


@web.middleware
async def database_unavailable(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A database that is down or does not answer (connect timeout, statement timeout, no
    free pooled connection) is a 503 with a plain sentence, logged in one line, not a 500
    with a traceback."""
    try:
        return await handler(request)
    except (OperationalError, PoolTimeout) as exc:
        cause = exc.orig if isinstance(exc, OperationalError) else exc
        log.warning(
            "%s %s: the database is unavailable: %s",
            request.method, request.path, str(cause).strip()[:200],
        )  # fmt: skip
        return web.Response(
            status=503, text="The database is unavailable right now; please try again shortly."
        )


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
    app = web.Application(client_max_size=2 * 1024 * 1024, middlewares=[database_unavailable])
    app[CORE_KEY] = core
    app[DEPS_KEY] = deps
    app[TASKS_KEY] = tasks or BackgroundTasks()
    app[ADAPTER_NAMES_KEY] = [a.platform for a in adapters]
    # the last votes of a burst reach the posted tally from here, not only from the clock
    trailing = TrailingTallies(deps, {a.platform: a for a in adapters}, app[TASKS_KEY])
    deps.tally_followup = trailing.schedule
    app[PROBE_KEY] = DatabaseProbe(deps)
    app.router.add_get("/healthz", healthz)
    for adapter in adapters:
        app.router.add_routes(adapter.routes())

    async def on_startup(_: web.Application) -> None:
        for adapter in adapters:
            await adapter.start()
        app[PROBE_KEY].start()  # answered by the first /healthz
        freeze_startup_heap()

    async def on_cleanup(app_: web.Application) -> None:
        await app_[TASKS_KEY].drain()
        for adapter in adapters:
            await adapter.close()
        aclose = getattr(deps.answerer, "aclose", None)
        if aclose is not None:  # the LLM client's connection pool
            await aclose()
        deps.executor.shutdown(wait=False, cancel_futures=True)
        app_[PROBE_KEY].close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
