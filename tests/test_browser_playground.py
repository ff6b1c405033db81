"""The playground in a real browser: Playwright driving Debian's Chromium against the real
server (real features, the sample personas, the offline answerer) on a random port.

Needs /usr/bin/chromium (`apt-get install -y chromium`); `playwright install` is not used.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.answering.offline import OfflineAnswerer
from bot.cli import load_samples, open_store
from bot.commands import Context, Core, Registry
from bot.deps import Deps
from bot.features import build_registry
from bot.messages import Address, Card, Reply
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


@pytest.fixture
def registry() -> Registry:
    return build_registry()


@pytest.fixture
async def server(tmp_path: Path, registry: Registry) -> AsyncIterator[tuple[str, WebAdapter]]:
    """The real web app (features, sample personas, offline answerer) on a random port,
    in the test's own event loop."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'browser.db'}")
    store = open_store(settings)
    assert load_samples(store, quiet=True) > 0
    deps = Deps(store=store, answerer=OfflineAnswerer(), settings=settings)
    core = Core(deps, registry)
    tasks = BackgroundTasks()
    adapter = WebAdapter.from_settings(settings, core, deps, tasks)
    app = build_app(deps, core, [adapter], tasks)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", adapter
    finally:
        await runner.cleanup()


async def test_playground_answers_and_gallery_opens(
    server: tuple[str, WebAdapter], browser_type_launch_args: dict[str, Any]
) -> None:
    # The async API (not pytest-playwright's sync `page` fixture): a session-wide sync
    # Playwright would leave an event loop running under every later asyncio test.
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            await drive(page, *server)
        finally:
            await browser.close()


async def drive(page: Page, server: str, adapter: WebAdapter) -> None:
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))

    await page.goto(server + "/")
    await expect(page.get_by_role("heading", name="Ask your personas")).to_be_visible()
    box = page.get_by_label("Message")
    await box.fill("what would Maya think about raising prices 20%?")
    await box.press("Enter")

    answer = page.locator(".msg-bot .card").filter(has_text="Maya").first
    await expect(answer).to_be_visible(timeout=30_000)
    await expect(answer.locator(".stance")).to_have_count(1)
    stance = (await answer.locator(".stance").inner_text()).lower()
    assert stance in {"support", "oppose", "mixed", "unknown"}
    assert await answer.locator(".cite").count() >= 1
    cited = await answer.locator(".card-section", has_text="Cited from the profile").inner_text()
    assert any(word in cited.lower() for word in ("price", "budget", "cost", "pay")), cited
    await expect(page.locator(".msg-user .bubble").last).to_contain_text("raising prices 20%")

    # A button on the card goes back to the core as an action and its reply appears.
    bots_before = await page.locator(".msg-bot").count()
    await answer.get_by_role("button", name="Show profile").click()
    await expect(page.locator(".msg-bot")).to_have_count(bots_before + 1, timeout=30_000)
    await expect(page.locator(".msg-bot").last).to_contain_text("Maya")

    # An example chip sends itself.
    await page.get_by_role("button", name="list", exact=True).click()
    await expect(page.locator(".msg-user .bubble").last).to_contain_text("list")

    # A post from the clock (digest, survey) appears without a reload.
    await adapter.send(
        Address(platform="web", workspace="local", conversation_id="playground"),
        Reply(text="Persona of the week", cards=(Card(title="Persona of the week: Maya"),)),
    )
    await expect(page.get_by_role("heading", name="Persona of the week: Maya")).to_be_visible(
        timeout=30_000
    )

    # The persona one-pager.
    await page.goto(server + "/personas/maya")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Maya")
    await expect(page.get_by_role("heading", name="Pains")).to_be_visible()
    await expect(page.get_by_role("link", name="Ask Maya")).to_be_visible()

    # The gallery links to it.
    await page.goto(server + "/personas")
    tiles = page.locator(".persona-tile")
    assert await tiles.count() >= 3
    await tiles.filter(has_text="Maya").first.click()
    await expect(page).to_have_url(server + "/personas/maya")

    assert not problems, problems  # no script errors, no CSP violations
    assert not outside, outside  # nothing is fetched from anywhere else


SLOW = Address(platform="web", workspace="local", conversation_id="playground")


@pytest.fixture
def release(registry: Registry) -> asyncio.Event:
    """Adds `slow` to the real commands: it answers once the test sets the returned event."""
    event = asyncio.Event()

    async def slow(ctx: Context) -> Reply:
        await asyncio.wait_for(event.wait(), 20)
        return Reply(text="slow answer")

    registry.command("slow", summary="test only", usage="slow", hidden=True)(slow)
    return event


async def test_a_post_stored_while_a_command_runs_still_appears(
    release: asyncio.Event,
    server: tuple[str, WebAdapter],
    browser_type_launch_args: dict[str, Any],
) -> None:
    """The digest is stored while the page waits for its own answer (which gets a higher
    seq); the page must still pick the digest up by polling."""
    url, adapter = server
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            await page.goto(url + "/")
            box = page.get_by_label("Message")
            await box.fill("slow")
            await box.press("Enter")
            await expect(page.locator(".msg-user .bubble").last).to_contain_text("slow")
            await adapter.send(SLOW, Reply(text="x", cards=(Card(title="Digest meanwhile"),)))
            release.set()
            await expect(page.locator(".msg-bot").last).to_contain_text("slow answer")
            await expect(page.get_by_role("heading", name="Digest meanwhile")).to_be_visible(
                timeout=15_000
            )
        finally:
            await browser.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
async def test_new_card_buttons_clear_the_composer_and_ask_again_fills_the_box(
    server: tuple[str, WebAdapter],
    browser_type_launch_args: dict[str, Any],
    tmp_path: Path,
    width: int,
    height: int,
) -> None:
    """After an answer auto-scrolls into view, the box pinned to the bottom does not cover
    the new card's buttons; "Ask Maya another question" puts `ask maya ` into the box."""
    url, _ = server
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page(viewport={"width": width, "height": height})
            await page.goto(url + "/")
            box = page.get_by_label("Message")
            for question in ("list", "what would Maya think about raising prices 20%?"):
                await box.fill(question)
                await box.press("Enter")
            again = page.get_by_role("link", name="Ask Maya another question").last
            await expect(again).to_be_visible(timeout=30_000)
            await page.wait_for_timeout(800)  # the smooth scroll settles
            await page.screenshot(path=str(tmp_path / f"playground-{width}x{height}.png"))
            composer = await page.locator("#composer").bounding_box()
            buttons = await again.locator("xpath=..").bounding_box()  # the card's actions row
            assert composer is not None and buttons is not None
            assert buttons["y"] + buttons["height"] <= composer["y"], (buttons, composer)
            await again.click()
            await expect(box).to_have_value("ask maya ")
            await expect(box).to_be_focused()
        finally:
            await browser.close()


async def test_ask_the_team_drafts_an_editable_survey_in_a_form(
    server: tuple[str, WebAdapter], browser_type_launch_args: dict[str, Any]
) -> None:
    """The gap loop in a real browser: a question Maya's profile doesn't cover, `gaps maya`,
    "Ask the team" shows the drafted survey as a form (question from the gap, Yes / No /
    Not sure); emptied, its problem shows under the question; edited and posted, the survey
    comes out with its buttons and the form is gone."""
    url, _ = server
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            await page.goto(url + "/")
            box = page.get_by_label("Message")
            await box.fill("ask maya Does Maya use quantum ledgers?")
            await box.press("Enter")
            await expect(page.locator(".msg-bot .card").last).to_contain_text(
                "nothing in it speaks to this", timeout=30_000
            )
            await box.fill("gaps maya")
            await box.press("Enter")
            gap = page.locator(".msg-bot .card").filter(has_text="1. Does Maya use quantum")
            await expect(gap).to_be_visible(timeout=30_000)
            await gap.get_by_role("button", name="Ask the team").click()
            form = page.locator("form.core-form")
            question = form.get_by_label("Question")
            await expect(question).to_have_value("Does Maya use quantum ledgers?", timeout=30_000)
            await expect(form.get_by_label("Options, one per line")).to_have_value(
                "Yes\nNo\nNot sure"
            )
            await expect(form.get_by_label("About which persona?")).to_have_value("maya")
            await question.fill("")
            await expect(question).to_have_value("")  # cleared before posting (flaked under load)
            await form.get_by_role("button", name="Post survey").click()
            error = page.locator("form.core-form .field-error")
            await expect(error).to_have_text("Please write the question.", timeout=30_000)
            question = page.locator("form.core-form").get_by_label("Question")
            await question.fill("Does Maya use quantum ledgers at work?")
            await page.locator("form.core-form").get_by_role("button", name="Post survey").click()
            survey = page.locator(".msg-bot .card").filter(has_text="at work?").last
            await expect(survey).to_be_visible(timeout=30_000)
            await expect(survey.get_by_role("button", name="Not sure")).to_be_visible()
            await expect(page.locator("form.core-form")).to_have_count(0)
        finally:
            await browser.close()


async def test_ask_the_personas_on_a_message_shows_the_panel(
    server: tuple[str, WebAdapter], browser_type_launch_args: dict[str, Any]
) -> None:
    """A message typed (pasted) into the playground gets an "Ask the personas" button: it
    opens the core's form (Maya, the primary persona, picked; Gordon, the negative one,
    listed apart), and asking shows the panel and Maya's critique."""
    url, _ = server
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            await page.goto(url + "/")
            box = page.get_by_label("Message")
            await box.fill(
                "Launch note: we're raising prices 20% next month. "
                "Every plan gets SSO and a faster onboarding. Annual billing only."
            )
            await box.press("Enter")
            mine = page.locator(".msg-user").last
            await expect(mine.locator(".bubble")).to_contain_text("Launch note")
            await expect(page.locator(".msg-bot").last).to_be_visible(timeout=30_000)

            await mine.get_by_role("button", name="Ask the personas about this").click()
            form = page.locator("form.core-form").last
            await expect(form).to_be_visible(timeout=30_000)
            await expect(form).to_contain_text("Launch note: we're raising prices 20%")
            await expect(form.get_by_label("Maya Chen (primary)")).to_be_checked()
            await expect(form.get_by_label("Sam Okafor (secondary)")).not_to_be_checked()
            await expect(form.locator("[data-field=negative]")).to_contain_text("Gordon Pryce")
            await form.get_by_label("Critique as …").select_option("maya")
            await form.get_by_role("button", name="Ask").click()

            panel = page.locator(".msg-bot .card").filter(has_text="Persona panel").last
            await expect(panel).to_be_visible(timeout=30_000)
            await expect(panel).to_contain_text("Maya Chen")
            await expect(panel).to_contain_text("Launch note")
            critique = page.locator(".msg-bot .card").filter(has_text="Maya Chen's critique")
            await expect(critique.last).to_be_visible(timeout=30_000)
            await expect(critique.last.locator(".cite").first).to_be_visible()
            assert problems == []
        finally:
            await browser.close()


async def test_a_pasted_text_over_the_limit_is_refused_not_cut_short(
    server: tuple[str, WebAdapter], browser_type_launch_args: dict[str, Any]
) -> None:
    """The message box used to stop at 4,000 characters, so `critique maya` + a 4,420
    character email lost its end without a word and was critiqued anyway; now the core
    sees it whole and says how long it is."""
    text = "We raise prices. " * 260
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            await page.goto(server[0] + "/")
            box = page.get_by_label("Message")
            typed = "critique maya " + text.strip()
            await box.fill(typed)
            await box.press("Enter")
            refusal = page.locator(".msg-bot").last
            await expect(refusal).to_contain_text(
                f"That message is {len(typed):,} characters long", timeout=30_000
            )
            await expect(page.locator(".msg-bot .card")).to_have_count(0)
        finally:
            await browser.close()


async def test_a_context_line_with_commands_reads_as_one_text_on_a_phone(
    server: tuple[str, WebAdapter], browser_type_launch_args: dict[str, Any]
) -> None:
    """The gap list's hint ("… close one yourself: `gaps maya line N pain "text"` /
    `gaps maya dismiss N`.") was laid out as flex items side by side, each command squeezed
    into a column four lines tall; it is one flow of text, every command on one line."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(server[0] + "/")
            box = page.get_by_label("Message")
            for typed, answered in (
                ("ask maya Does Maya care about weather widgets?", "the profile doesn't say"),
                ("gaps maya", "asked but not covered"),
            ):
                await box.fill(typed)
                await box.press("Enter")
                await expect(page.locator(".msg-bot").last).to_contain_text(
                    answered, timeout=30_000
                )
            hint = page.locator(".context .badge", has_text="close one yourself").last
            await expect(hint).to_be_visible(timeout=30_000)
            codes = hint.locator("code")
            assert await codes.count() == 2
            tall = await codes.evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().height"
                " / (parseFloat(getComputedStyle(e).lineHeight) || 20))"
            )
            assert all(lines < 1.6 for lines in tall), tall  # each command on one line
            width = await hint.evaluate("e => e.getBoundingClientRect().width")
            assert width > 250, width  # the text runs the card's width, not a narrow column
        finally:
            await browser.close()
