"""The empathy map and the journey in a real browser (Playwright + Debian's Chromium): the
gallery page draws the map as four quadrants two by two and the journey as one row of
stages, and `show maya empathy` / the "Journey" button in the playground do the same in a
card. Compared by structure (where the boxes sit, what they hold), never by pixels; a
screenshot is kept next to the test's files for a human to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from adapters.web.app import WebAdapter
from tests.test_browser_playground import (  # noqa: F401 (fixtures)
    browser_type_launch_args,
    registry,
    server,
)

pytestmark = pytest.mark.browser


async def boxes(items: Locator) -> list[dict[str, float]]:
    """Where each item sits, all read in one go (the conversation may still be scrolling)."""
    found: list[dict[str, float]] = await items.evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; })"
    )
    assert found and all(b["width"] > 0 and b["height"] > 0 for b in found), found
    return found


def two_by_two(b: list[dict[str, float]]) -> bool:
    """Says | Thinks over Does | Feels: two columns, two rows, in reading order."""
    same_row = abs(b[0]["y"] - b[1]["y"]) < 2 and abs(b[2]["y"] - b[3]["y"]) < 2
    same_col = abs(b[0]["x"] - b[2]["x"]) < 2 and abs(b[1]["x"] - b[3]["x"]) < 2
    return same_row and same_col and b[1]["x"] > b[0]["x"] and b[2]["y"] > b[0]["y"]


def one_row(b: list[dict[str, float]]) -> bool:
    return all(abs(x["y"] - b[0]["y"]) < 2 for x in b) and all(
        later["x"] > earlier["x"] for earlier, later in zip(b, b[1:], strict=False)
    )


async def test_gallery_and_playground_draw_the_map_and_the_journey(
    server: tuple[str, WebAdapter],  # noqa: F811 (the imported fixtures)
    browser_type_launch_args: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            await drive(page, server[0], tmp_path)
        finally:
            await browser.close()


async def drive(page: Page, url: str, tmp_path: Path) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    await page.goto(url + "/personas/maya")
    await expect(page.get_by_role("heading", name="Empathy map")).to_be_visible()
    quadrants = page.locator(".quadrants > .quadrant")
    assert [t.strip() for t in await quadrants.locator("h3").all_inner_texts()] == [
        "Says",
        "Thinks",
        "Does",
        "Feels",
    ]
    assert two_by_two(await boxes(quadrants))
    await expect(quadrants.nth(3)).to_contain_text("feels-1")
    stages = page.locator(".stages > .stage")
    titles = [t.strip() for t in await stages.locator("h3").all_inner_texts()]
    assert titles == [
        "Awareness",
        "Consideration",
        "Decision",
        "Onboarding",
        "Retention",
        "Advocacy",
    ]
    assert one_row(await boxes(stages))
    await expect(stages.nth(2)).to_contain_text("decision-pain-1")
    await page.screenshot(path=str(tmp_path / "maya-one-pager.png"), full_page=True)
    # a citation link lands on the line
    await page.goto(url + "/personas/maya#decision-pain-1")
    await expect(page.locator("#decision-pain-1")).to_be_in_viewport()

    # The playground: `show maya empathy` and the card's Journey button.
    await page.goto(url + "/")
    box = page.get_by_role("textbox").first
    await box.fill("show maya empathy")
    await box.press("Enter")
    grid = page.locator(".card-sections.layout-grid").last
    await expect(grid).to_be_visible(timeout=30_000)
    assert two_by_two(await boxes(grid.locator(".card-section")))
    await page.get_by_role("button", name="Journey").last.click()
    row = page.locator(".card-sections.layout-row").last
    await expect(row).to_be_visible(timeout=30_000)
    cells = await boxes(row.locator(".card-section"))
    assert len(cells) == 6 and one_row(cells)
    await page.screenshot(path=str(tmp_path / "playground-journey.png"), full_page=True)
    assert not problems, problems
