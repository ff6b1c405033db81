"""Line-health marks in a real browser (structure, not pixels): the gallery tile says how
many lines are contested or need data, and the one-pager marks each flagged line and shows
every line's backing. Same server as tests/test_browser_playground.py."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import async_playwright, expect

from adapters.web.app import WebAdapter
from persona_store.surveys.repository import SurveyPlace
from tests.test_browser_playground import (  # noqa: F401  (fixtures)
    browser_type_launch_args,
    registry,
    server,
)

pytestmark = pytest.mark.browser


def contest_pain_2(adapter: WebAdapter) -> None:
    """A survey on pain-2 that most people answered No, closed now (the real store path)."""
    deps = adapter.deps
    ws = deps.store.default_workspace_id()
    now = deps.now()
    surveys = deps.repos.surveys
    sv = surveys.create(
        ws, "maya", "Is per-seat pricing still a pain?", ["Yes", "No"],
        place=SurveyPlace("web", "local", "playground"), created_by="web:U1", now=now,
        line_key="pain-2",
    )  # fmt: skip
    for user, option in (("U1", 1), ("U2", 1), ("U3", 1), ("U4", 0)):
        surveys.vote(ws, sv.id, option, platform="web", user_id=user, now=now)
    assert surveys.close(ws, sv.id, now=now) is not None


async def test_gallery_and_one_pager_show_line_health(
    server: tuple[str, WebAdapter],  # noqa: F811
    browser_type_launch_args: dict[str, Any],  # noqa: F811
) -> None:
    url, adapter = server
    contest_pain_2(adapter)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            await page.goto(url + "/personas")
            tile = page.locator(".persona-tile", has_text="Maya Chen")
            summary = tile.locator(".line-health-summary")
            await expect(summary).to_have_count(1)
            await expect(summary).to_contain_text("1 line contested")
            assert await summary.get_attribute("data-contested") == "1"
            assert int(await summary.get_attribute("data-needs-data") or 0) > 0

            await page.goto(url + "/personas/maya")
            contested = page.locator("li#pain-2")
            await expect(contested).to_have_attribute("data-health", "contested")
            await expect(contested.locator(".health-mark")).to_have_text("\u26a0 contested")
            await expect(contested.locator(".line-backing")).to_contain_text("\u201cNo\u201d won")
            # every line shows its backing; flagged lines (and only those) carry a mark
            lines = page.locator(".profile-grid li")
            count = await lines.count()
            assert count > 10
            assert await page.locator(".profile-grid li .line-backing").count() == count
            flagged = page.locator(".profile-grid li:not([data-health='backed'])")
            assert await flagged.locator(".health-mark").count() == await flagged.count()
            backed = page.locator(".profile-grid li[data-health='backed'] .health-mark")
            assert await backed.count() == 0
            await expect(page.locator(".hero .line-health-summary")).to_contain_text("contested")
            assert not errors, errors
        finally:
            await browser.close()
