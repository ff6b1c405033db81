"""The playground in a real browser: Playwright driving Debian's Chromium against the real
server (real features, the sample personas, the offline answerer) on a random port.

Needs /usr/bin/chromium (`apt-get install -y chromium`); `playwright install` is not used.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.commands import Core
from bot.deps import Deps
from bot.features import build_registry
from bot.settings import Settings
from bot.tasks import BackgroundTasks

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Debian's Chromium instead of a downloaded browser (nothing can be downloaded here)."""
    if not Path(CHROMIUM).exists():  # CI installs it; a missing browser is a failure
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


class ServerThread:
    """The web process's aiohttp app on 127.0.0.1:<random port>, in its own event loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="web-test-server", daemon=True)
        self.runner: web.AppRunner | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self) -> str:
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the test server did not start")
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    from bot.answering.offline import OfflineAnswerer
    from bot.cli import load_samples, open_store

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'browser.db'}")
    store = open_store(settings)
    assert load_samples(store, quiet=True) > 0
    deps = Deps(store=store, answerer=OfflineAnswerer(), settings=settings)
    core = Core(deps, build_registry())
    tasks = BackgroundTasks()
    app = build_app(deps, core, [WebAdapter.from_settings(settings, core, deps, tasks)], tasks)
    thread = ServerThread(app)
    base = thread.start()
    yield base
    thread.stop()


def test_playground_answers_and_gallery_opens(server: str, page: Any) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))

    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Ask your personas")).to_be_visible()
    box = page.get_by_label("Message")
    box.fill("what would Maya think about raising prices 20%?")
    box.press("Enter")

    answer = page.locator(".msg-bot .card").filter(has_text="Maya").first
    expect(answer).to_be_visible(timeout=15_000)
    expect(answer.locator(".stance")).to_have_count(1)
    stance = answer.locator(".stance").inner_text().lower()
    assert stance in {"support", "oppose", "mixed", "unknown"}
    cites = answer.locator(".cite")
    assert cites.count() >= 1
    cited = answer.locator(".card-section", has_text="Cited from the profile").inner_text()
    assert any(word in cited.lower() for word in ("price", "budget", "cost", "pay")), cited
    expect(page.locator(".msg-user .bubble").last).to_contain_text("raising prices 20%")

    # A button on the card goes back to the core as an action and its reply appears.
    bots_before = page.locator(".msg-bot").count()
    answer.get_by_role("button", name="Show profile").click()
    expect(page.locator(".msg-bot")).to_have_count(bots_before + 1, timeout=15_000)
    expect(page.locator(".msg-bot").last).to_contain_text("Maya")

    # An example chip sends itself.
    page.get_by_role("button", name="list", exact=True).click()
    expect(page.locator(".msg-user .bubble").last).to_contain_text("list")

    # The persona one-pager.
    page.goto(server + "/personas/maya")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maya")
    expect(page.get_by_role("heading", name="Pains")).to_be_visible()
    expect(page.get_by_role("link", name="Ask Maya")).to_be_visible()

    # The gallery links to it.
    page.goto(server + "/personas")
    tiles = page.locator(".persona-tile")
    assert tiles.count() >= 3
    tiles.filter(has_text="Maya").first.click()
    expect(page).to_have_url(server + "/personas/maya")

    assert not problems, problems  # no script errors, no CSP violations
    assert not outside, outside  # nothing is fetched from anywhere else
