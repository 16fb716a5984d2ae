"""Headless Chromium: switching the language in the sidebar keeps the filters of a deep link, puts ``lang=uk``
in the URL, and the language and the filters stay when the reader goes to another page."""

from __future__ import annotations

import re

import pytest

from dashboard import i18n
from tests.browser.conftest import wait_until_rendered
from tests.pages.test_languages import page_title

pytestmark = pytest.mark.browser


def ukrainian(english: str) -> str:
    with i18n.language("uk"):
        translated = i18n._(english)
    assert translated != english, f"no Ukrainian for {english!r}"
    return translated


def test_switching_the_language_keeps_the_deep_link_filters_across_pages(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Indicators?country=POL&period=last_month")
    wait_until_rendered(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Poland", exact=True).first.wait_for(timeout=30_000)
    assert page.locator("h1").first.inner_text().strip() == page_title("pages/1_Indicators.py")

    sidebar.get_by_role("combobox", name=re.compile("Language")).click()
    page.get_by_role("option", name="Українська").click()
    page.wait_for_url(re.compile(r"lang=uk"), timeout=60_000)
    wait_until_rendered(page)

    title = ukrainian(page_title("pages/1_Indicators.py"))
    page.locator("h1", has_text=title).first.wait_for(timeout=60_000)
    sidebar.get_by_text(ukrainian("Poland"), exact=True).first.wait_for(timeout=30_000)  # the country chip
    assert sidebar.get_by_role("combobox", name=ukrainian("Period"), exact=True).input_value() == \
        ukrainian("Last complete month")
    assert sidebar.get_by_text("Poland", exact=True).count() == 0
    assert "country=POL" in page.url and "period=last_month" in page.url and "lang=uk" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0

    sidebar.get_by_role("link", name=ukrainian("Map")).click()
    page.wait_for_url(re.compile(r"/Map"), timeout=60_000)
    wait_until_rendered(page)
    page.locator("h1", has_text=ukrainian(page_title("pages/3_Map.py"))).first.wait_for(timeout=60_000)
    sidebar.get_by_text(ukrainian("Poland"), exact=True).first.wait_for(timeout=30_000)
    assert sidebar.get_by_role("combobox", name=ukrainian("Period"), exact=True).input_value() == \
        ukrainian("Last complete month")
    page.wait_for_url(re.compile(r"lang=uk"), timeout=30_000)
    assert "country=POL" in page.url and "period=last_month" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0

    # The widgets were redrawn in Ukrainian: choosing one more country keeps the first one.
    choose(page, sidebar.get_by_role("combobox", name=ukrainian("Country"), exact=True), ukrainian("Ukraine"))
    page.wait_for_url(re.compile(r"country=(POL%2CUKR|POL,UKR)"), timeout=60_000)
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def choose(page, box, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open a multiselect and pick ``option`` (a rerun of a heavy page may close the list: open it again)."""
    for _attempt in range(4):
        wait_until_rendered(page)
        box.click()
        box.press_sequentially(option[:3])
        item = page.get_by_role("option", name=option, exact=True)
        try:
            item.wait_for(timeout=10_000)
        except Exception:  # noqa: BLE001 - the list closed before it could be read: try again
            page.keyboard.press("Escape")
            continue
        item.click()
        return
    raise AssertionError(f"option {option!r} never appeared")
