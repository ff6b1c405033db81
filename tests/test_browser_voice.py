"""An open-text survey answered in a real browser (structure, not pixels): the survey's
"Answer the survey" button shows the answer form, the typed answer is sent by the page's
own script, the thanks appears, and the answer is saved. Same server as
tests/test_browser_playground.py."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import async_playwright, expect
from sqlalchemy import select

from adapters.web.app import WebAdapter
from persona_store.surveys.voice_models import SurveyText
from tests.test_browser_playground import (  # noqa: F401  (fixtures)
    browser_type_launch_args,
    registry,
    server,
)

pytestmark = pytest.mark.browser


async def test_playground_answer_box(
    server: tuple[str, WebAdapter],  # noqa: F811
    browser_type_launch_args: dict[str, Any],  # noqa: F811
) -> None:
    url, adapter = server
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_type_launch_args)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(url + "/")
            box = page.get_by_label("Message")
            await box.fill('survey maya "What almost stopped you from buying?" --open')
            await box.press("Enter")
            survey = page.locator(".msg-bot .card").filter(has_text="What almost stopped").last
            await expect(survey).to_be_visible(timeout=30_000)
            await survey.get_by_role("button", name="Answer the survey").click()
            form = page.locator("form.core-form").last
            await expect(form).to_be_visible(timeout=30_000)
            answer = form.get_by_label("Your answer")
            await expect(answer).to_have_attribute("maxlength", "1000")
            await answer.fill("The per-seat price for our drivers")
            await form.get_by_role("button", name="Send answer").click()
            await expect(page.get_by_text("Your answer is saved")).to_be_visible(timeout=30_000)
            with adapter.deps.store.sessions() as s:
                saved = s.scalars(select(SurveyText.text)).all()
            assert saved == ["The per-seat price for our drivers"]
            assert not errors, errors
        finally:
            await browser.close()
