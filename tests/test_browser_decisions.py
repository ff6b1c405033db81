"""The decision log in a real browser (Chromium via Playwright, the real server with the
sample personas and the offline answerer): an answer's Log decision button opens the form
in the playground, a bad link is refused under its field, a good submission replaces the
form with the decision, and Maya's gallery page lists it. Its screenshot is the README's
(`PERSONABOT_UPDATE_SCREENSHOTS=1` writes it to docs/decision-log.png)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright, expect

from adapters.web.app import WebAdapter
from tests.test_browser_playground import (  # noqa: F401 (fixtures)
    browser_type_launch_args,
    registry,
    server,
)

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).parent.parent / "docs" / "decision-log.png"


async def test_log_a_decision_and_see_it_in_the_gallery(
    server: tuple[str, WebAdapter],  # noqa: F811
    browser_type_launch_args: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            shot = await drive(page, server[0], tmp_path)
        finally:
            await browser.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("PERSONABOT_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, SCREENSHOT)


async def drive(page: Page, base: str, tmp_path: Path) -> Path:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    await page.goto(base + "/")
    box = page.get_by_label("Message")
    await box.fill("ask maya Should we drop the free tier?")
    await box.press("Enter")
    answer = page.locator(".msg-bot .card").filter(has_text="Maya").first
    await expect(answer).to_be_visible(timeout=30_000)

    await answer.get_by_role("button", name="Log decision").click()
    form = page.locator("form.core-form")
    await expect(form).to_be_visible(timeout=30_000)
    await expect(form).to_contain_text("Attached: Maya Chen")
    await form.get_by_label("Decision", exact=True).fill("Keep the free tier for solo planners")
    await form.get_by_label("Outcome").select_option("adopted")
    await form.get_by_label("Note (optional)").fill("Maya won't pay before she has tried it.")
    await form.get_by_label("Link (optional)").fill("javascript:alert(1)")
    await form.get_by_role("button", name="Log decision").click()
    error = page.locator("form.core-form .field-error")
    await expect(error).to_contain_text("http:// or https://", timeout=30_000)
    form = page.locator("form.core-form")
    await expect(form.get_by_label("Decision", exact=True)).to_have_value(
        "Keep the free tier for solo planners"
    )
    await form.get_by_label("Link (optional)").fill("https://example.com/pricing-spec")
    await form.get_by_role("button", name="Log decision").click()
    logged = page.locator(".msg-bot .card").filter(has_text="Decision #1")
    await expect(logged).to_be_visible(timeout=30_000)
    await expect(page.locator("form.core-form")).to_have_count(0)

    await page.goto(base + "/personas/maya")
    decisions = page.locator("section.decisions")
    await expect(decisions.get_by_role("heading", name="Considered in 1 decision")).to_be_visible()
    item = decisions.locator("li.decision").first
    await expect(item).to_contain_text("Keep the free tier for solo planners")
    await expect(item).to_contain_text("Adopted")
    await expect(item.get_by_role("link", name="link")).to_have_attribute(
        "href", "https://example.com/pricing-spec"
    )
    await expect(page.locator(".hero-badges")).to_contain_text("Considered in 1 decision")
    shot = tmp_path / "decision-log.png"
    await decisions.screenshot(path=str(shot))
    assert problems == [], problems
    return shot


async def test_what_is_typed_in_a_form_survives_the_pages_poll(
    server: tuple[str, WebAdapter],  # noqa: F811
    browser_type_launch_args: dict[str, Any],  # noqa: F811
) -> None:
    """The page polls every 3 s and a message it already shows can come back: an unchanged
    one must not replace itself, or a half-filled form loses what was typed (it did)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            await page.goto(server[0] + "/")
            box = page.get_by_label("Message")
            await box.fill("ask maya Should we drop the free tier?")
            await box.press("Enter")
            answer = page.locator(".msg-bot .card").filter(has_text="Maya").first
            await expect(answer).to_be_visible(timeout=30_000)
            await answer.get_by_role("button", name="Log decision").click()
            decision = page.locator("form.core-form").get_by_label("Decision", exact=True)
            await decision.fill("Keep the free tier for solo planners")
            await page.wait_for_timeout(7_000)  # two polls
            await expect(decision).to_have_value("Keep the free tier for solo planners")
        finally:
            await browser.close()
