"""End to end with a real Teams client: Microsoft's Agents Playground (a local Teams emulator
that renders Adaptive Cards and sends the activities and `adaptiveCard/action` invokes Teams
does) talking to the real server on 127.0.0.1, driven with Playwright as a user would: ask a
question, see the answer card, click its buttons, answer a survey, see the card refresh.

Needs /usr/bin/chromium and the playground in .playground/ (scripts/playground-prereqs.sh,
run by `make test`). Both are CI requirements: missing ones fail, they never skip.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from adapters.server import build_app
from adapters.teams.app import TeamsAdapter
from bot.answering.offline import OfflineAnswerer
from bot.cli import load_samples, open_store
from bot.commands import Core
from bot.deps import Deps
from bot.features import build_registry
from bot.settings import Settings
from bot.tasks import BackgroundTasks

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = ROOT / ".playground/node_modules/.bin/agentsplayground"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.browser


@dataclass
class Bot:
    url: str
    statuses: list[tuple[str, int]] = field(default_factory=list)  # (activity type, status)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    """The real server (features, sample personas, offline answerer, Teams in local-testing
    mode), recording the status of every /api/messages response."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'teams.db'}")
    store = open_store(settings)
    assert load_samples(store, quiet=True) > 0
    deps = Deps(store=store, answerer=OfflineAnswerer(), settings=settings)
    core = Core(deps, build_registry())
    tasks = BackgroundTasks()
    adapter = TeamsAdapter.from_settings(settings, core, deps, tasks)
    app = build_app(deps, core, [adapter], tasks)
    found = Bot("")

    @web.middleware
    async def record(request: web.Request, handler):  # type: ignore[no-untyped-def]
        if request.path != "/api/messages":
            return await handler(request)
        try:
            body = json.loads(await request.text() or "null") or {}
        except ValueError:
            body = {}
        response = await handler(request)
        found.statuses.append((f"{body.get('type')}:{body.get('name', '')}", response.status))
        return response

    app.middlewares.append(record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest.fixture
async def playground(bot: Bot, tmp_path: Path) -> AsyncIterator[str]:
    if not PLAYGROUND.exists():  # CI installs it; a missing emulator is a failure
        raise RuntimeError(f"{PLAYGROUND} is missing: run bash scripts/playground-prereqs.sh")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    port = free_port()
    workdir = tmp_path / "playground"  # it writes devTools/ into its working directory
    workdir.mkdir()
    proc = await asyncio.create_subprocess_exec(
        str(PLAYGROUND),
        "-e",
        f"{bot.url}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(port),
        "--disable-telemetry",
        cwd=workdir,
        env={**os.environ, "BROWSER": "none", "NO_COLOR": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        async with asyncio.timeout(60):
            while True:
                line = (await proc.stdout.readline()).decode(errors="replace")
                if not line:
                    raise RuntimeError("the Agents Playground exited:\n" + "".join(seen))
                seen.append(line)
                if f"Listening on {port}" in line:
                    break
        drain = asyncio.ensure_future(proc.stdout.read())  # keep its pipe from filling up
        yield f"http://127.0.0.1:{port}/"
        drain.cancel()
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def test_teams_user_asks_clicks_and_answers_a_survey(bot: Bot, playground: str) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            await drive(page, playground)
        finally:
            await browser.close()
    invokes = [status for kind, status in bot.statuses if kind.startswith("invoke")]
    assert len(invokes) >= 3, bot.statuses
    assert all(status < 500 for _, status in bot.statuses), bot.statuses
    assert any(kind.startswith("message") for kind, _ in bot.statuses)


@asynccontextmanager
async def chat_page(playground: str) -> AsyncIterator[Page]:
    """A desktop-sized Chromium page on the Playground's chat, ready to type in."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            await page.goto(playground, wait_until="domcontentloaded")
            await page.locator("[data-lexical-editor=true]").first.wait_for(timeout=30_000)
            yield page
        finally:
            await browser.close()


async def say(page: Page, text: str) -> None:
    box = page.locator("[data-lexical-editor=true]").first
    await box.click()
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


async def drive(page: Page, playground: str) -> None:
    await page.goto(playground, wait_until="domcontentloaded")
    await page.locator("[data-lexical-editor=true]").first.wait_for(timeout=30_000)

    # A question in the personal chat: the answer card with its buttons.
    await say(page, "what would Maya think about a 20% price rise?")
    again = page.get_by_role("button", name="Ask Maya another question")
    await expect(again.last).to_be_visible(timeout=20_000)
    await expect(page.get_by_text("Cited from the profile").last).to_be_visible()

    # Its buttons (Action.Execute invokes): "Show profile" posts the persona card.
    profiles_before = await page.get_by_text("Goals", exact=True).count()
    await page.get_by_role("button", name="Show profile").last.click()
    await expect(page.get_by_text("Goals", exact=True)).to_have_count(
        profiles_before + 1, timeout=20_000
    )
    await again.last.click()

    # A micro-survey: vote, and the same card shows the new tally.
    await say(page, 'survey maya "Is price still the #1 objection?" Yes | No')
    yes = page.get_by_role("button", name="Yes", exact=True)
    await expect(yes.last).to_be_visible(timeout=20_000)
    await expect(page.get_by_text("0 answers so far").last).to_be_visible()
    await yes.last.click()
    await expect(page.get_by_text("1 answer so far").last).to_be_visible(timeout=20_000)
    await expect(page.get_by_text("0 answers so far")).to_have_count(0)


async def test_teams_user_asks_the_personas_about_a_message(bot: Bot, playground: str) -> None:
    """The emulator's message action ("…" on a message → Action Command, command id
    askPersonas, dialog fetched from the app): composeExtension/fetchTask shows the core's
    form as a task module, submitAction answers the dialog and posts the panel."""
    async with chat_page(playground) as page:
        await say(page, "We raise prices 20% next month and drop the free tier.")
        mine = page.get_by_text("We raise prices 20% next month and drop the free tier.")
        await expect(mine.first).to_be_visible(timeout=20_000)
        await mine.first.hover()
        await page.get_by_role("button", name="Show more information").first.click()
        await page.get_by_text("Action Command", exact=True).last.click()
        setup = page.get_by_role("dialog").last
        await setup.get_by_role("textbox").first.fill("askPersonas")
        await setup.get_by_role("button", name="Create").click()

        form = page.get_by_role("dialog").last
        await expect(form.get_by_text("About this message")).to_be_visible(timeout=20_000)
        await expect(form.get_by_text("Maya Chen (primary)")).to_be_visible()
        await expect(form.get_by_text("Gordon Pryce")).to_be_visible()
        await form.get_by_role("button", name="Ask").click()
        await expect(page.get_by_text("their answer follows in this chat")).to_be_visible(
            timeout=20_000
        )
        await expect(page.get_by_text("Persona panel").last).to_be_visible(timeout=20_000)
    kinds = [kind for kind, status in bot.statuses if status == 200]
    assert "invoke:composeExtension/fetchTask" in kinds, bot.statuses
    assert "invoke:composeExtension/submitAction" in kinds, bot.statuses
    assert all(status < 500 for _, status in bot.statuses), bot.statuses


async def test_teams_journey_shows_one_version_of_its_stages(bot: Bot, playground: str) -> None:
    """`show maya journey` carries the stages twice, as columns (`targetWidth`
    atLeast:wide) and stacked (atMost:standard). The Playground's renderer honours
    `targetWidth` like Teams' but always draws a card at the width "wide" (it never measures
    the card: no automatic reflow), so here: the columns, side by side, and only once. The
    stacked version for phones is checked in tests/test_empathy_journey.py."""
    async with chat_page(playground) as page:
        await say(page, "show maya journey")
        first = page.get_by_text("Awareness", exact=True)
        second = page.get_by_text("Consideration", exact=True)
        await expect(first).to_be_visible(timeout=20_000)
        await expect(first).to_have_count(1)  # one version, not both
        await expect(second).to_have_count(1)
        a, b = await first.bounding_box(), await second.bounding_box()
        assert a is not None and b is not None
        assert abs(a["y"] - b["y"]) < 4 and b["x"] > a["x"]  # side by side
    assert all(status < 500 for _, status in bot.statuses), bot.statuses
