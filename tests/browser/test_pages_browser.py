"""Headless Chromium: every page renders without an exception element; downloads work; deep links set filters."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import screenshot, wait_until_rendered

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PAGES = [("", "home")] + [
    (p.stem.split("_", 1)[1], p.stem.split("_", 1)[1].lower()) for p in sorted((ROOT / "pages").glob("*.py"))
]


@pytest.mark.parametrize(("path", "name"), PAGES)
def test_page_renders_without_exception(live_server: str, page, path: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/{path}")
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("h1").first.inner_text().strip() != ""
    screenshot(page, name)


def test_home_shows_charts_and_the_briefing_downloads(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server)
    wait_until_rendered(page)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas')
    with page.expect_download() as info:
        page.get_by_role("button", name="Download briefing").click()
    body = Path(info.value.path()).read_text(encoding="utf-8")
    assert body.startswith("<!doctype html>") and "<svg" in body and "Key figures" in body


def test_csv_download_matches_the_row_count(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Explorer?country=LTU")
    wait_until_rendered(page)
    count_text = page.locator("text=/[0-9,]+ rows/").first
    rows = int(count_text.inner_text().split(" rows")[0].replace(",", "").strip("* "))
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV (UTF-8)").click()
    frame = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(frame) == rows > 0
    assert set(frame["country"]) == {"LTU"}


def test_deep_link_sets_the_sidebar_filters(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Explorer?country=POL&adm1=PL-MZ&from=2024-01&to=2024-03")
    wait_until_rendered(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    for shown in ("Poland", "Masovia (PL-MZ)"):
        sidebar.get_by_text(shown, exact=True).first.wait_for(timeout=30_000)
    # Selectboxes show their value inside a combobox input.
    assert sidebar.get_by_role("combobox", name="From", exact=True).input_value() == "Jan 2024"
    assert sidebar.get_by_role("combobox", name="To", exact=True).input_value() == "Mar 2024"
    assert sidebar.get_by_role("combobox", name="Period", exact=True).input_value() == "Custom months"
    assert "country=POL" in page.url


def test_a_data_quality_tab_draws_its_content_when_chosen(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Only the open tab is computed: choosing another reruns the page, which then draws that tab's content."""
    page.goto(f"{live_server}/Data_quality")
    wait_until_rendered(page)
    assert page.get_by_text("Who reported, month by month").count() == 0
    page.get_by_role("tab", name="Completeness").click()
    page.get_by_text("Who reported, month by month").wait_for(timeout=30_000)
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("tab", name="Completeness").get_attribute("aria-selected") == "true"


def test_an_indicator_breakdown_tab_draws_when_chosen_and_the_figures_download_holds_every_breakdown(  # type: ignore[no-untyped-def]
        live_server: str, page) -> None:
    """Only the open breakdown tab is drawn; the figures file is built when its button is pressed (no rerun)
    and holds every breakdown, the closed tabs' too."""
    page.goto(f"{live_server}/Indicators?indicator=PPL_REACHED&period=all")
    wait_until_rendered(page)
    page.get_by_role("tab", name="By sex and age").click()
    page.locator('[data-testid="stTabs"] [role="tabpanel"]:visible [data-testid="stVegaLiteChart"]').first.wait_for(
        timeout=30_000)
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("tab", name="By sex and age").get_attribute("aria-selected") == "true"
    with page.expect_download() as info:
        page.get_by_role("button", name="Download these figures (CSV)").click()
    figures = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()), dtype=str, keep_default_na=False)
    assert {"place", "age_sex", "group", "org_type"} <= set(figures["table"])
    assert set(figures["indicator"]) == {"PPL_REACHED"}
