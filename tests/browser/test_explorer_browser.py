"""Headless Chromium: the Explorer's CSV download is built when the button is pressed (no file is made on a
rerun) and holds exactly the rows the filters select."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import wait_until_rendered

pytestmark = pytest.mark.browser


def test_explorer_csv_is_built_on_the_click_and_holds_the_filtered_rows(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Explorer?country=LTU&period=ytd")
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="CSV (UTF-8)").click()
    table = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(table) > 0 and set(table["country"]) == {"LTU"}
    assert table["period_start"].min() >= "2026-01-01"
    assert info.value.suggested_filename.endswith(".csv") and "LTU" in info.value.suggested_filename
